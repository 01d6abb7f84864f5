#pragma once
// sluice/nightingale/client.hpp: the Nightingale gateway client (seed 001 and
// the real server), a sans-I/O machine built on the shared gateway engine.
//
//     nightingale::client n({.base_url = "ws://127.0.0.1:8081", .user_id = bot_id, .shards = 1,
//                            .password = "youshallnotpass"}, rng);
//     n.start(now);
//     while (auto* e = n.poll()) switch (e->action.kind) {
//         case nightingale::action_kind::open:    socket.open(open_request::parse(e->bytes)); break; // URL + headers
//         case nightingale::action_kind::forward: discord[e->action.shard].send(nightingale::data(*e), now); break;
//         case nightingale::action_kind::track_event: {
//             nightingale::track_event ev;
//             if (!nightingale::read_track_event(nightingale::data(*e), ev)) ...
//         }
//         ...
//     }
//     // and from the Discord machine of each shard:
//     n.relay_discord_dispatch(gateway::name(*d), gateway::data(*d), now);
//
// What the machine does:
//  - connects to base_url + "/ws?shards=N&user_id=ID" with the header
//    `Authorization: <password>` (no scheme), and is ready when the server's
//    `ready` arrives (no hello, no identify, no heartbeat: Nightingale has
//    none; keep-alive is the WebSocket's ping, answered by the codec);
//  - resumes after a lost connection: /ws/resume/<id> (the real server,
//    default), /ws/resume?session=<id> (older) or /ws/resume with the header
//    `session: <id>` (seed 001), per `config::resume`. The server keeps a
//    session 60 s: past `resume_window` since the loss, or after
//    `max_resume_attempts` failed attempts, the machine connects fresh
//    instead. A refusal of the upgrade (on_open_refused: called by
//    ws::session in byte mode, by the caller's WebSocket library in message
//    mode) ends the attempt at once: 400 or 409 to a resume becomes a notice
//    (session_not_present, session_taken; next = new_session) and a fresh
//    connect at once (the server has answered: it is up and the session is
//    gone, so no backoff and no second resume); 401 a notice (unauthorized)
//    and a stop; 400 to a fresh connect (the server could not read user_id
//    or shards) a notice (bad_request) and a stop; 5xx is retried. The
//    policy decides (policy::on_open_refused, a gateway::close_verdict;
//    new_session_now for the refused resume) and the engine acts on it;
//  - hands out `forward` payloads (either form) with their shard, for the
//    caller to pass to that shard's Discord machine unchanged;
//    `update_state` and `event` with their type and guild (either spelling);
//  - sends update_voice_state / update_voice_server: typed, raw, or relayed
//    from the Discord machine's VOICE_STATE_UPDATE (for the bot's own user)
//    and VOICE_SERVER_UPDATE dispatches.
//
// The sans-I/O contract (ARCHITECTURE.md) holds as for the engine: inputs
// only queue actions; views in an entry are valid until the next mutating
// call; time is the caller's; no allocation per message once connected.
//
// Includes: <cstddef>, <cstdint>, <optional>, <string>, <string_view>,
// <system_error>, <utility>; core (action queue, entropy, time, transport);
// gateway (the engine, and detail/client_shell.hpp: the transport inputs, the
// action relay, shrink() and heap_bytes()); nightingale/message.hpp,
// nightingale/errc.hpp.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include <sluice/core/action_queue.hpp>
#include <sluice/core/entropy.hpp>
#include <sluice/core/time.hpp>
#include <sluice/core/transport.hpp>
#include <sluice/gateway/detail/client_shell.hpp>
#include <sluice/gateway/session.hpp>
#include <sluice/nightingale/errc.hpp>
#include <sluice/nightingale/message.hpp>

namespace sluice::nightingale {

/// How a resume names its session.
enum class resume_form : std::uint8_t {
    path,   ///< /ws/resume/<id> (the real server since 2024)
    query,  ///< /ws/resume?session=<id> (the real server before)
    header, ///< /ws/resume with the header `session: <id>` (seed 001)
};

/// The engine policy for Nightingale. The client sets `now` and `lost_at`;
/// the rest is configuration.
struct policy {
    static constexpr gateway::protocol_traits traits = [] {
        gateway::protocol_traits t;
        t.server_hello = false;      // no hello and no heartbeat: ready follows the upgrade
        t.client_identifies = false; // the URL and headers identify
        t.resumable = true;
        t.sequenced = false;
        t.close_code_resume = 4000;     // the server does not look at codes; 1000 says "done"
        t.close_code_end = 1000;
        t.close_code_malformed = 1007;  // invalid frame payload data
        t.close_code_too_large = 1009;  // message too big
        t.max_inbound = 16u << 20;      // a resumed ready lists every player and queue
        t.max_outbound = 64u << 10;     // voice updates are small
        return t;
    }();

    // Configuration (see client's config).
    std::string base_url;
    std::uint64_t user_id = 0;
    std::optional<std::uint32_t> shards;
    std::string password;
    resume_form form = resume_form::path;
    duration resume_window = std::chrono::seconds(60);
    std::uint32_t max_resume_attempts = 2;

    // State kept up to date by the client.
    instant now{};                     ///< the latest instant the client saw
    instant lost_at = instant::never(); ///< when the session's connection was lost (never: not lost or unknown)
    std::uint32_t resume_attempts = 0;  ///< resume connects since the last ready
    bool resuming = false;              ///< the last URL written was a resume (set by write_open)

    std::error_code classify(std::string_view text, message_type type, gateway::frame& f) {
        if (type != message_type::text) return gateway::errc::malformed_frame;
        std::string_view op, data;
        if (std::error_code ec = read_envelope(text, op, data)) return ec;
        if (!detail::is_object(data)) return gateway::errc::malformed_frame;
        f.data = data;
        f.name = op;
        if (op == "ready") {
            ready_message r;
            if (read_ready(data, r)) return gateway::errc::malformed_frame;
            f.kind = r.resumed ? gateway::frame_kind::resumed : gateway::frame_kind::ready;
            f.flag = r.resumed;
            resume_attempts = 0;
            lost_at = instant::never();
            return {};
        }
        if (op == "forward") {
            forward_message m;
            // The payload goes to Discord verbatim: it must be JSON through and through.
            if (read_forward(data, m) || json::validate(m.payload)) return gateway::errc::malformed_frame;
            f.kind = gateway::frame_kind::dispatch;
            return {};
        }
        if (op == "update_state" || op == "event") {
            // Its envelope must be well-formed; an unknown type is a newer server's: delivered as other.
            f.kind = known_type(op, data) ? gateway::frame_kind::dispatch : gateway::frame_kind::other;
            return {};
        }
        f.kind = gateway::frame_kind::other; // an op this client does not know
        return {};
    }
    std::error_code on_ready(const gateway::frame& f, gateway::session_data& s) {
        ready_message r;
        if (std::error_code ec = read_ready(f.data, r)) return ec;
        s.id = std::move(r.session);
        return {};
    }
    void write_open(std::string& out, gateway::connect_kind kind, const gateway::session_data& s) {
        std::string_view base = base_url;
        while (!base.empty() && base.back() == '/') base.remove_suffix(1);
        out.append(base);
        const bool resume = kind == gateway::connect_kind::resume && !s.id.empty() && !resume_expired();
        resuming = resume;
        if (resume) {
            ++resume_attempts;
            switch (form) {
            case resume_form::path:
                out.append("/ws/resume/");
                out.append(s.id);
                break;
            case resume_form::query:
                out.append("/ws/resume?session=");
                out.append(s.id);
                break;
            case resume_form::header: out.append("/ws/resume"); break;
            }
        } else {
            out.append("/ws?");
            if (shards) {
                out.append("shards=");
                (void)json::write(*shards, out);
                out.push_back('&');
            }
            out.append("user_id=");
            (void)json::write(user_id, out);
        }
        if (!password.empty() || (resume && form == resume_form::header)) out.append("\r\n");
        if (!password.empty()) {
            out.append("Authorization: ");
            out.append(password);
            out.append("\r\n");
        }
        if (resume && form == resume_form::header) {
            out.append("session: ");
            out.append(s.id);
            out.append("\r\n");
        }
    }
    void write_identify(std::string&) {}                                // never called: client_identifies = false
    bool write_resume(std::string&, const gateway::session_data&) { return false; } // the URL says it all
    void write_heartbeat(std::string&, std::optional<std::uint64_t>) {} // never called: no hello
    gateway::close_verdict on_close_code(std::uint16_t) { return gateway::close_verdict::resume; }
    /// The engine's on_open_refused hook: what the server's answer to the
    /// connection write_open last described means. 400 "Session not present"
    /// or 409 "session taken" to a resume: the session is lost to us and the
    /// server is up, so a fresh connect at once (new_session_now: no backoff,
    /// no second resume). 400 to a fresh connect (the query) and 401, 403,
    /// 404: fatal. Anything else (5xx, proxies): retried after the backoff.
    gateway::close_verdict on_open_refused(std::uint16_t status) const noexcept {
        if (resuming && (status == 400 || status == 409)) return gateway::close_verdict::new_session_now;
        // A fresh connect refused with 400 (the query), or any 401/403/404: retrying the same request cannot help.
        if (status == 400 || status == 401 || status == 403 || status == 404) return gateway::close_verdict::fatal;
        return gateway::close_verdict::resume; // 5xx, proxies: try again
    }

    /// Whether a resume now would be pointless: the window passed or the
    /// attempts are used up. Then the "resume" connects fresh, and the
    /// server's ready (resumed false) starts a new session.
    bool resume_expired() const noexcept {
        if (resume_attempts >= max_resume_attempts) return true;
        return !lost_at.is_never() && now - lost_at > resume_window;
    }

private:
    static bool known_type(std::string_view op, std::string_view data) {
        if (op == "update_state") {
            detail::typed_view t{};
            return !json::read(t, data) && state_type_of(t.type) && !detail::is_null(t.data) && detail::is_object(t.data->text);
        }
        detail::event_wrapped w{};
        if (json::read(w, data)) return false;
        std::string_view inner = detail::is_null(w.event) ? data : w.event->text;
        detail::typed_view t{};
        return !json::read(t, inner) && track_event_type_of(t.type) && !detail::is_null(t.data);
    }
};

static_assert(gateway::protocol<policy>);
static_assert(gateway::has_open_refused_hook<policy>);

/// What an action asks of the caller, or tells it.
enum class action_kind : std::uint8_t {
    send,         ///< transport: send `bytes` as one text message
    open,         ///< transport: drop the old transport, open `bytes` (open_request: URL and headers)
    close,        ///< transport: close with `close_code`
    ready,        ///< a new session: data() is ready's data (read_ready); session() has the id
    resumed,      ///< the session was resumed: data() is ready's data (with `players`)
    forward,      ///< data() is a Discord payload for shard `shard` (when `has_shard`): send it unchanged
    state_update, ///< update_state of type `state` for guild `guild_id`: read_state_update(data())
    track_event,  ///< event of type `track` (guild `guild_id` when `has_guild`): read_track_event(data())
    notice,       ///< something happened (`error`) and the machine now does `next`
};

constexpr std::string_view to_string(action_kind k) noexcept {
    constexpr std::string_view names[] = {"send",    "open",         "close",       "ready", "resumed",
                                          "forward", "state_update", "track_event", "notice"};
    return names[static_cast<std::size_t>(k)];
}

/// One action. The first three members are what core's message_machine
/// concept requires (byte-mode codecs read them).
struct action {
    transport_op op = transport_op::none;
    message_type type = message_type::text;
    std::uint16_t close_code = 0; ///< close: the code to send; notice: the server's close code (0 = none)
    action_kind kind = action_kind::notice;
    gateway::next_step next = gateway::next_step::none;   ///< notice: what the machine does now
    state_type state = state_type::connect_gateway;       ///< state_update
    track_event_type track = track_event_type::track_start; ///< track_event
    bool has_shard = false;                               ///< forward: `shard` is set (real form)
    bool has_guild = false;                               ///< state_update, track_event: `guild_id` is set
    std::uint32_t generation = 0;                         ///< the transport the action belongs to
    std::uint32_t data_offset = 0, data_size = 0;         ///< the message's data (see action_kind) within bytes
    std::uint64_t shard = 0;
    std::uint64_t guild_id = 0;
    std::int64_t code = 0;  ///< notice: see gateway::action::code (the HTTP status of a refused upgrade)
    std::error_code error;  ///< notice: what happened
};

using entry = action_queue<action>::entry;

/// The data of a ready, resumed, forward (the Discord payload), state_update
/// or track_event entry, JSON ("" otherwise).
constexpr std::string_view data(const entry& e) noexcept {
    return gateway::detail::slice(e.bytes, e.action.data_offset, e.action.data_size);
}

/// Configuration. `base_url` and `user_id` are required.
struct config {
    std::string base_url;                ///< "ws://host:port" (or wss://); /ws... is appended
    std::uint64_t user_id = 0;           ///< the bot's user id
    std::optional<std::uint32_t> shards; ///< sent as ?shards= (seed 001 needs it; the real server ignores it)
    std::string password;                ///< the Authorization header ("" = none)
    resume_form resume = resume_form::path;
    duration resume_window = std::chrono::seconds(55); ///< the server keeps sessions 60 s; keep a margin
    std::uint32_t max_resume_attempts = 2;             ///< failed resume connects before connecting fresh
    id_format ids = id_format::string;                 ///< how typed voice updates write ids
    gateway::config engine = gateway::config::defaults<policy>(); ///< timeouts, backoff, limits
};

/// The Nightingale client machine. on_open, on_open_refused, on_message,
/// on_close (each also with a generation), handle_timeout(),
/// next_deadline(), poll(), current_state(), is_ready(), engine(),
/// heap_bytes() and shrink() are gateway::detail::client_shell's, documented
/// there. on_open_refused(status, now): the policy's verdict (see
/// policy::on_open_refused) carried out by the engine: 400/409 to a resume
/// queue a notice (session_not_present / session_taken, next = new_session)
/// and the fresh open at once; 401 (unauthorized), 403, 404 and 400 to a
/// fresh connect (bad_request) a notice and a stop; anything else is retried
/// after the backoff. Errors: see gateway::session::on_open_refused.
class client : public gateway::detail::client_shell<client, policy, action> {
    using shell = gateway::detail::client_shell<client, policy, action>;
    friend shell;

public:
    /// Builds an idle client. `rng` must outlive it.
    client(config cfg, entropy rng) : shell(make_policy(cfg), rng, cfg.engine), ids_(cfg.ids) {}

    // ---- commands ---------------------------------------------------------

    /// Starts connecting (queues `open`; a restored session is resumed).
    /// Errors: gateway::errc::already_running.
    std::error_code start(instant now) { return run(now, [&] { return engine_.start(now); }); }
    /// Closes. end_session (1000) lets the server drop the session after its
    /// window; keep_session (4000) is for snapshot() and a later resume.
    /// Errors: gateway::errc::not_running.
    std::error_code close(instant now, gateway::close_mode mode = gateway::close_mode::end_session) {
        return run(now, [&] { return engine_.close(now, mode); });
    }

    /// Sends update_voice_state. Errors: gateway::errc::not_connected,
    /// payload_too_large; json::errc::invalid_utf8.
    std::error_code send_voice_state(const voice_state& v, instant now) {
        return run(now, [&] { return engine_.send_with([&](std::string& out) { return write_voice_state(out, v, ids_); }, now); });
    }
    /// Sends update_voice_server. Errors as send_voice_state().
    std::error_code send_voice_server(const voice_server& v, instant now) {
        return run(now, [&] { return engine_.send_with([&](std::string& out) { return write_voice_server(out, v, ids_); }, now); });
    }
    /// Sends {"op": op, "data": data} with `data` (a JSON object) verbatim.
    /// Errors: errc::not_an_object, gateway::errc::not_connected, payload_too_large.
    std::error_code send_message(std::string_view op, std::string_view data, instant now) {
        return run(now, [&] { return engine_.send_with([&](std::string& out) { return write_message(out, op, data); }, now); });
    }
    /// Passes a Discord dispatch on when Nightingale needs it: a
    /// VOICE_STATE_UPDATE about the bot's own user becomes update_voice_state,
    /// a VOICE_SERVER_UPDATE becomes update_voice_server, each with Discord's
    /// `d` verbatim. Sets `*relayed` (when given) to whether it was sent.
    /// Errors: as send_message(); other dispatches are not errors.
    std::error_code relay_discord_dispatch(std::string_view name, std::string_view d, instant now, bool* relayed = nullptr) {
        if (relayed) *relayed = false;
        std::string_view op;
        if (name == "VOICE_SERVER_UPDATE") {
            op = "update_voice_server";
        } else if (name == "VOICE_STATE_UPDATE") {
            struct member {
                std::optional<json::raw> user_id;
                std::optional<json::raw> guild_id;
            } u{};
            std::uint64_t id = 0;
            if (json::read(u, d) || detail::is_null(u.user_id) || !detail::read_id(u.user_id->text, id) ||
                id != engine_.protocol().user_id)
                return {}; // another member's voice state: not Nightingale's business
            op = "update_voice_state";
        } else {
            return {};
        }
        std::error_code ec = send_message(op, d, now);
        if (!ec && relayed) *relayed = true;
        return ec;
    }

    // ---- sessions that survive the process ---------------------------------

    /// The session to save (its id); views valid until the next mutating call.
    gateway::session_snapshot snapshot() const noexcept { return engine_.snapshot(); }
    /// Loads a saved session; start() then resumes it. Errors: see gateway::session::restore.
    std::error_code restore(const gateway::session_snapshot& s) {
        engine_.protocol().resume_attempts = 0;
        engine_.protocol().lost_at = instant::never();
        return engine_.restore(s);
    }

    // ---- introspection -----------------------------------------------------

    /// The session id ("" when none).
    std::string_view session() const noexcept { return engine_.session_info().id; }

private:
    static policy make_policy(config& c) {
        policy p;
        p.base_url = std::move(c.base_url);
        p.user_id = c.user_id;
        p.shards = c.shards;
        p.password = std::move(c.password);
        p.form = c.resume;
        p.resume_window = c.resume_window;
        p.max_resume_attempts = c.max_resume_attempts;
        return p;
    }

    // The shell's hooks: the policy learns the time before every mutating
    // call; the configuration's strings are the heap it holds.
    void before_run(instant now) noexcept {
        if (now > engine_.protocol().now) engine_.protocol().now = now;
    }
    std::size_t own_heap_bytes() const noexcept {
        return gateway::detail::heap_of(engine_.protocol().base_url) + gateway::detail::heap_of(engine_.protocol().password);
    }

    void translate(const gateway::entry& e) {
        const gateway::action& g = e.action;
        action a;
        a.data_offset = g.data_offset;
        a.data_size = g.data_size;
        const std::string_view d = gateway::data(e);
        auto locate = [&](std::string_view part) {
            a.data_offset = static_cast<std::uint32_t>(part.data() - e.bytes.data());
            a.data_size = static_cast<std::uint32_t>(part.size());
        };
        if (gateway::detail::translate_common(g, a)) {
            queue_.push(a, e.bytes);
            return;
        }
        switch (g.kind) {
        case gateway::action_kind::send:
        case gateway::action_kind::open:
        case gateway::action_kind::close: break; // translate_common's
        case gateway::action_kind::ready: a.kind = action_kind::ready; break;
        case gateway::action_kind::resumed: a.kind = action_kind::resumed; break;
        case gateway::action_kind::identify_wanted: return; // never: Nightingale does not identify
        case gateway::action_kind::dispatch: {
            const std::string_view op = gateway::name(e);
            if (op == "forward") {
                forward_message m;
                (void)read_forward(d, m); // classify checked it
                a.kind = action_kind::forward;
                a.has_shard = m.shard.has_value();
                a.shard = m.shard.value_or(0);
                locate(m.payload);
            } else if (op == "update_state") {
                a.kind = action_kind::state_update;
                detail::typed_view t{};
                detail::state_fields fields{};
                if (!json::read(t, d)) a.state = state_type_of(t.type).value_or(state_type::connect_gateway);
                if (t.data && !json::read(fields, t.data->text)) {
                    const auto& guild = fields.guild_id ? fields.guild_id : fields.guild;
                    a.has_guild = !detail::is_null(guild) && detail::read_id(guild->text, a.guild_id);
                }
            } else {
                a.kind = action_kind::track_event;
                detail::event_wrapped w{};
                std::string_view inner = d;
                if (!json::read(w, d) && !detail::is_null(w.event)) {
                    inner = w.event->text;
                    std::optional<std::uint64_t> guild;
                    if (detail::read_optional_id(w.guild_id ? w.guild_id : w.guild, guild) && guild) {
                        a.has_guild = true;
                        a.guild_id = *guild;
                    }
                }
                detail::typed_view t{};
                if (!json::read(t, inner)) a.track = track_event_type_of(t.type).value_or(track_event_type::track_start);
            }
            break;
        }
        case gateway::action_kind::notice:
            a.kind = action_kind::notice;
            if (g.error == gateway::errc::connect_failed) { // g.code: the HTTP status of a refused upgrade (0: none)
                // The policy's verdict is in `next`: a refused resume goes on with a new session, a
                // refused fresh connect (the query) stops. (By now a fresh open may be queued too.)
                if (g.code == 400) a.error = g.next == gateway::next_step::stop ? errc::bad_request : errc::session_not_present;
                else if (g.code == 409) a.error = errc::session_taken;
                else if (g.code == 401) a.error = errc::unauthorized;
            }
            // The session's connection is gone but the session is kept: start the resume window.
            if (g.next == gateway::next_step::resume && engine_.protocol().lost_at.is_never())
                engine_.protocol().lost_at = engine_.protocol().now;
            break;
        }
        queue_.push(a, e.bytes);
    }

    id_format ids_;
};

static_assert(message_machine<client>);

} // namespace sluice::nightingale
