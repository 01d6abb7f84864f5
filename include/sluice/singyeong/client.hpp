#pragma once
// sluice/singyeong/client.hpp: the 신경 (singyeong) client (seed 003 and the
// real server), a sans-I/O machine built on the shared gateway engine.
//
//     singyeong::dsn d;
//     singyeong::parse_dsn("singyeong://workers:secret@router:4567", d);
//     singyeong::client sy(singyeong::config::from_dsn(d, "worker-7"), rng);
//     sy.set_metadata("load", singyeong::metadata_value::integer(3), now);
//     sy.start(now);
//     ...
//     singyeong::query q("workers");
//     q.where("/load", singyeong::op::lt, 5).select(singyeong::selector::min, "load");
//     std::uint64_t nonce;
//     sy.request(q, R"({"job":1})", now, std::chrono::seconds(10), nonce);
//     while (auto* e = sy.poll()) switch (e->action.kind) {
//         case singyeong::action_kind::reply:          // e->action.nonce == nonce, payload(*e)
//         case singyeong::action_kind::request_failed: // e->action.error: no_route, request_timeout, request_lost
//         case singyeong::action_kind::message:        // someone's SEND/BROADCAST: payload(*e), nonce_text(*e)
//         ...
//     }
//
// What the machine does (PROTOCOLS.md, the server's PROTOCOL.md):
//  - after hello, identify with client_id and application_id (the seed's
//    `application_name` on request) plus auth, ip, namespace,
//    receive_client_updates, and the stored metadata; heartbeat every
//    heartbeat_interval (the server gives up after 1.5 intervals) with
//    {client_id}; a missing ack by the next beat reconnects;
//  - ready says whether the client is `restricted` (a wrong or missing auth);
//  - op 3 invalid and op 8 error become `invalid` and `server_error` actions
//    with the server's message; after op 8 the server closes and the machine
//    reconnects; op 7 goodbye reconnects at once;
//  - metadata is kept by the client and restored on every connection, in
//    identify (the real server) or as an UPDATE_METADATA right after ready
//    (config::restore);
//  - SEND, BROADCAST, QUEUE and QUERY_NODES with typed routing queries
//    (query.hpp), written in the v2 or v1 form (config::form);
//  - requests (request(), query_nodes(), queue()) carry nonces and wait in the
//    core nonce table: each resolves exactly once, by its reply (`reply`),
//    or `request_failed` with no_route (op 3 about it), request_timeout or
//    request_lost (the connection ended). Replies are matched by nonce; a
//    QUERY_NODES or QUEUE_CONFIRM without one (the real server echoes none)
//    resolves the oldest pending request of its kind (and queue);
//  - every other inbound dispatch is an action: `message` (SEND, BROADCAST),
//    `queued` (a QUEUE message to acknowledge with queue_ack()),
//    `client_connected`, `client_disconnected`, `dispatch` (unknown types).
// There is no resume: each connection identifies again.
//
// The sans-I/O contract (ARCHITECTURE.md) holds as for the engine: inputs
// only queue actions; views in an entry are valid until the next mutating
// call; time is the caller's; no allocation per message once connected (the
// pending table and its order grow to the peak of pending requests, once;
// shrink() gives them back when none is pending).
//
// Includes: <algorithm> (min), <cstddef>, <cstdint>, <iterator> (size),
// <string>, <string_view>, <system_error>, <utility>, <vector> (the reply
// order ring); core (action queue, entropy,
// nonce table, time, transport); gateway (the engine, and
// detail/client_shell.hpp: the transport inputs and the action relay);
// json/validate.hpp; singyeong (dsn, errc, frame, metadata, query).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <sluice/core/action_queue.hpp>
#include <sluice/core/entropy.hpp>
#include <sluice/core/nonce_table.hpp>
#include <sluice/core/time.hpp>
#include <sluice/core/transport.hpp>
#include <sluice/gateway/detail/client_shell.hpp>
#include <sluice/gateway/session.hpp>
#include <sluice/json/validate.hpp>
#include <sluice/singyeong/dsn.hpp>
#include <sluice/singyeong/errc.hpp>
#include <sluice/singyeong/frame.hpp>
#include <sluice/singyeong/metadata.hpp>
#include <sluice/singyeong/query.hpp>

namespace sluice::singyeong {

namespace detail {
/// singyeong's fixed facts, for the engine.
inline constexpr gateway::protocol_traits traits = [] {
    gateway::protocol_traits t;
    t.server_hello = true;
    t.client_identifies = true;
    t.resumable = false; // metadata and queues are per connection; each connection identifies
    t.sequenced = false;
    t.jitter_first_heartbeat = true;
    t.close_code_resume = 4000; // the server does not look at close codes
    t.close_code_end = 1000;
    t.close_code_malformed = 1007;
    t.close_code_too_large = 1009;
    t.max_inbound = 16u << 20;
    t.max_outbound = 1u << 20;
    return t;
}();
} // namespace detail

/// Where identify names the application.
enum class application_field : std::uint8_t {
    application_id,   ///< the real server (default)
    application_name, ///< seed 003
};

/// How metadata reaches the server on each connection.
enum class metadata_restore : std::uint8_t {
    identify,           ///< in identify's `metadata` (the real server; no window without metadata)
    update_after_ready, ///< an UPDATE_METADATA right after ready (servers that ignore identify's metadata)
};

/// How QUERY_NODES carries its query.
enum class query_nodes_form : std::uint8_t {
    bare,    ///< d is the query itself (PROTOCOL.md); replies are matched oldest first
    wrapped, ///< d is {"target": query, "nonce": n}; replies carrying the nonce are matched by it
};

/// Configuration. `url`, `client_id` and `application_id` are required.
struct config {
    std::string url;            ///< ws[s]://host:port/gateway/websocket?encoding=json (dsn::url())
    std::string client_id;      ///< unique among the application's clients; no spaces
    std::string application_id; ///< shared by the application's clients; no spaces
    std::string auth;           ///< the server password ("" = none: restricted when the server has one)
    std::string ip;             ///< identify's ip ("" = none)
    std::string namespace_;     ///< identify's namespace ("" = none)
    bool receive_client_updates = false; ///< ask for CLIENT_CONNECTED / CLIENT_DISCONNECTED
    application_field app_field = application_field::application_id;
    metadata_restore restore = metadata_restore::identify;
    query_form form = query_form::v2;            ///< how routing queries are written
    query_nodes_form nodes_form = query_nodes_form::bare;
    bool include_sender = true;                   ///< SEND/BROADCAST carry "sender" (the seed; the server ignores it)
    std::size_t max_pending = 256;                ///< requests waiting for a reply (the table grows to the peak, up to this)
    std::size_t max_metadata_keys = 64;
    duration request_timeout = std::chrono::seconds(30); ///< the default for requests
    gateway::config engine = gateway::config::from(detail::traits); ///< timeouts, backoff, limits (the identify gate is ignored)

    /// A configuration for the DSN's server, application and password.
    static config from_dsn(const dsn& d, std::string_view client_id) {
        config c;
        c.url = d.url();
        c.client_id.assign(client_id);
        c.application_id.assign(d.application);
        c.auth.assign(d.password);
        return c;
    }
};

namespace detail {
/// What a client keeps of its configuration (client::settings() rebuilds the
/// rest): the texts end to end in one string, the choices in a few bytes.
struct kept_config {
    enum text : std::uint8_t { url, client_id, application_id, auth, ip, namespace_, client_id_json, count_ };

    std::string texts;                 ///< every text, in the order of `text`
    std::uint32_t ends[count_] = {};   ///< where each ends in `texts`
    duration request_timeout{};
    application_field app_field = application_field::application_id;
    metadata_restore restore = metadata_restore::identify;
    query_form form = query_form::v2;
    query_nodes_form nodes_form = query_nodes_form::bare;
    bool receive_client_updates = false;
    bool include_sender = true;

    /// Text `t` (valid until the kept config changes: never, once built).
    std::string_view get(text t) const noexcept {
        const std::uint32_t begin = t == 0 ? 0 : ends[t - 1];
        return std::string_view(texts).substr(begin, ends[t] - begin);
    }
    /// Ends text `t` where `texts` ends now (after appending it).
    void end(text t) noexcept { ends[t] = static_cast<std::uint32_t>(texts.size()); }
};
} // namespace detail

/// The engine policy for singyeong.
struct policy {
    static constexpr gateway::protocol_traits traits = detail::traits;

    detail::kept_config cfg; ///< the client's configuration
    metadata_store store;    ///< the client's metadata (written into identify)
    bool restricted = false; ///< what the last ready said

    std::error_code classify(std::string_view text, message_type type, gateway::frame& f) {
        if (type != message_type::text) return gateway::errc::malformed_frame;
        frame_view v;
        if (std::error_code ec = parse_frame(text, v)) return ec;
        f.code = static_cast<std::int64_t>(v.op);
        f.data = v.d;
        switch (v.op) {
        case opcode::hello:
            f.kind = gateway::frame_kind::hello;
            f.heartbeat_interval = from_ms(v.heartbeat_interval);
            break;
        case opcode::ready: f.kind = gateway::frame_kind::ready; break;
        case opcode::invalid:
            f.kind = gateway::frame_kind::server_error; // the connection stays
            f.flag = false;
            break;
        case opcode::dispatch:
            f.kind = gateway::frame_kind::dispatch;
            f.name = v.t;
            break;
        case opcode::heartbeat_ack: f.kind = gateway::frame_kind::heartbeat_ack; break;
        case opcode::goodbye: f.kind = gateway::frame_kind::reconnect; break;
        case opcode::error:
            f.kind = gateway::frame_kind::server_error; // the server closes next
            f.flag = true;
            break;
        default: f.kind = gateway::frame_kind::other; break; // a newer server's op
        }
        return {};
    }
    std::error_code on_ready(const gateway::frame& f, gateway::session_data& s) {
        detail::ready_body r{};
        if (f.data.empty() || json::read(r, f.data)) return gateway::errc::missing_session;
        restricted = r.restricted.value_or(false);
        s.id = std::move(r.client_id);
        return {};
    }
    void write_open(std::string& out, gateway::connect_kind, const gateway::session_data&) { out.append(cfg.get(detail::kept_config::url)); }
    void write_identify(std::string& out) {
        using k = detail::kept_config;
        out.append(R"({"op":1,"d":{"client_id":)");
        out.append(cfg.get(k::client_id_json));
        out.append(cfg.app_field == application_field::application_id ? R"(,"application_id":)" : R"(,"application_name":)");
        (void)json::write(cfg.get(k::application_id), out); // checked at construction
        auto optional_string = [&](std::string_view key, std::string_view v) {
            if (v.empty()) return;
            out.append(key);
            (void)json::write(v, out);
        };
        optional_string(R"(,"auth":)", cfg.get(k::auth));
        optional_string(R"(,"ip":)", cfg.get(k::ip));
        optional_string(R"(,"namespace":)", cfg.get(k::namespace_));
        if (cfg.receive_client_updates) out.append(R"(,"receive_client_updates":true)");
        if (cfg.restore == metadata_restore::identify && !store.empty()) {
            out.append(R"(,"metadata":)");
            store.write(out);
        }
        out.append("}}");
    }
    bool write_resume(std::string&, const gateway::session_data&) { return false; } // never: not resumable
    void write_heartbeat(std::string& out, std::optional<std::uint64_t>) {
        out.append(R"({"op":5,"d":{"client_id":)");
        out.append(cfg.get(detail::kept_config::client_id_json));
        out.append("}}");
    }
    gateway::close_verdict on_close_code(std::uint16_t) { return gateway::close_verdict::new_session; }
    /// The engine's on_open_refused hook: 400, 401, 403 (the server refused
    /// the encoding), 404 (no gateway here) stop: none heals by retrying.
    /// Anything else (5xx, proxies) is a new session after the backoff
    /// (new_session, not new_session_now: singyeong cannot resume, so no
    /// answer means "the session is gone, come back at once").
    gateway::close_verdict on_open_refused(std::uint16_t status) const noexcept {
        if (status == 400 || status == 401 || status == 403 || status == 404) return gateway::close_verdict::fatal;
        return gateway::close_verdict::new_session;
    }
};

static_assert(gateway::protocol<policy>);
static_assert(gateway::has_open_refused_hook<policy>);

/// What an action asks of the caller, or tells it.
enum class action_kind : std::uint8_t {
    send,                ///< transport: send `bytes` as one text message
    open,                ///< transport: drop the old transport, open `bytes`
    close,               ///< transport: close with `close_code`
    ready,               ///< identified: `restricted` says whether the server restricted the client
    reply,               ///< request `nonce` was answered: payload() (SEND/BROADCAST), nodes() (QUERY_NODES), queue() (QUEUE_CONFIRM)
    request_failed,      ///< request `nonce` ended without a reply: `error` is no_route, request_timeout, request_lost
    message,             ///< a SEND or BROADCAST (`dispatch`) for this client: payload(), nonce_text(), sender()
    queued,              ///< a QUEUE message: queue(), item_id(), payload(), nonce_text(); acknowledge with queue_ack()
    client_connected,    ///< a client of application app() connected
    client_disconnected, ///< a client of application app() disconnected
    dispatch,            ///< another dispatch (`dispatch` = other or an unmatched reply type): name(), data()
    invalid,             ///< op 3: the server refused a payload; error_text() (in data()), the connection stays
    server_error,        ///< op 8: an unrecoverable error; the server disconnects, the machine reconnects
    notice,              ///< something happened to the connection (`error`) and the machine now does `next`
};

constexpr std::string_view to_string(action_kind k) noexcept {
    constexpr std::string_view names[] = {"send",   "open",    "close",           "ready",
                                          "reply",  "request_failed", "message",  "queued",
                                          "client_connected", "client_disconnected", "dispatch", "invalid",
                                          "server_error", "notice"};
    return names[static_cast<std::size_t>(k)];
}

/// A span of the entry's bytes.
struct text_span {
    std::uint32_t offset = 0;
    std::uint32_t size = 0;
};

/// One action. The first three members are what core's message_machine
/// concept requires (byte-mode codecs read them).
struct action {
    transport_op op = transport_op::none;
    message_type type = message_type::text;
    std::uint16_t close_code = 0; ///< close: the code to send; notice: the server's close code (0 = none)
    action_kind kind = action_kind::notice;
    gateway::next_step next = gateway::next_step::none; ///< notice: what the machine does now
    dispatch_type dispatch = dispatch_type::other;      ///< reply, message, dispatch: the frame's t
    bool restricted = false;                            ///< ready
    bool has_ts = false;                                ///< `ts` is set
    std::uint32_t generation = 0;
    std::uint64_t nonce = 0;    ///< reply, request_failed: the request's nonce
    std::int64_t ts = 0;        ///< the server's timestamp of the frame (ms)
    std::int64_t code = 0;      ///< notice: see gateway::action::code
    std::error_code error;      ///< request_failed, notice: what happened
    text_span name_span, data_span, payload_span, nonce_span, sender_span, queue_span, id_span, app_span, nodes_span;
};

using entry = action_queue<action>::entry;

namespace detail {
constexpr std::string_view part(const entry& e, text_span s) noexcept {
    return gateway::detail::slice(e.bytes, s.offset, s.size);
}
} // namespace detail

/// The dispatch type name (t) of a frame-carrying entry.
constexpr std::string_view name(const entry& e) noexcept { return detail::part(e, e.action.name_span); }
/// The frame's d (JSON): ready, dispatch, invalid and server_error entries.
constexpr std::string_view data(const entry& e) noexcept { return detail::part(e, e.action.data_span); }
/// The payload JSON of a message, queued or reply (SEND/BROADCAST) entry.
constexpr std::string_view payload(const entry& e) noexcept { return detail::part(e, e.action.payload_span); }
/// The nonce as the sender wrote it (message, queued), "" for none.
constexpr std::string_view nonce_text(const entry& e) noexcept { return detail::part(e, e.action.nonce_span); }
/// The seed's sender of a message ("" when the server sends none).
constexpr std::string_view sender(const entry& e) noexcept { return detail::part(e, e.action.sender_span); }
/// The queue of a queued or QUEUE_CONFIRM reply entry.
constexpr std::string_view queue(const entry& e) noexcept { return detail::part(e, e.action.queue_span); }
/// The id of a queued message (for queue_ack()).
constexpr std::string_view item_id(const entry& e) noexcept { return detail::part(e, e.action.id_span); }
/// The application of a client_connected / client_disconnected entry.
constexpr std::string_view app(const entry& e) noexcept { return detail::part(e, e.action.app_span); }
/// The nodes JSON of a QUERY_NODES reply.
constexpr std::string_view nodes(const entry& e) noexcept { return detail::part(e, e.action.nodes_span); }

/// The singyeong client machine. The transport inputs (on_open,
/// on_open_refused, on_message, on_close, each also with a generation),
/// poll(), current_state(), is_ready() and engine() are
/// gateway::detail::client_shell's, documented there; so are heap_bytes()
/// and shrink() (which here also give back the pending-request table and
/// its order once no request is pending).
class client : public gateway::detail::client_shell<client, policy, action> {
    using shell = gateway::detail::client_shell<client, policy, action>;
    friend shell;

public:
    /// Builds an idle client (nothing is allocated but the configuration's
    /// text; the pending-request table grows with use). `rng` must outlive
    /// it. A bad configuration is reported by config_error().
    client(const config& cfg, entropy rng)
        : shell(make_policy(cfg), rng, without_identify_gate(cfg.engine)),
          pending_(cfg.max_pending, table_storage::on_demand) {
        next_nonce_ = rng.next() >> 12; // leaves room to count up; never 0 in practice
        if (next_nonce_ == 0) next_nonce_ = 1;
        std::string scratch;
        if (cfg.client_id.empty() || cfg.client_id.find(' ') != std::string::npos || cfg.application_id.empty() ||
            cfg.application_id.find(' ') != std::string::npos)
            bad_config_ = true;
        else if (json::write(cfg.client_id, scratch) || json::write(cfg.application_id, scratch) || json::write(cfg.auth, scratch) ||
                 json::write(cfg.ip, scratch) || json::write(cfg.namespace_, scratch))
            bad_config_ = true;
    }
    client(const client&) = delete;
    client& operator=(const client&) = delete;

    /// A configuration error (empty or spaced ids, text that is not UTF-8);
    /// start() refuses while it is set.
    std::error_code config_error() const noexcept { return bad_config_ ? std::error_code(errc::invalid_name) : std::error_code(); }

    // ---- connection ---------------------------------------------------------

    /// Starts connecting. Errors: config_error(), gateway::errc::already_running.
    std::error_code start(instant now) {
        if (bad_config_) return config_error();
        return run(now, [&] { return engine_.start(now); });
    }
    /// Closes with 1000. Pending requests fail at once with request_lost
    /// (no reply is read after close()). Errors: gateway::errc::not_running.
    std::error_code close(instant now) {
        const std::error_code ec = run(now, [&] { return engine_.close(now); });
        if (!ec) lose_pending();
        return ec;
    }

    // ---- metadata -------------------------------------------------------------

    /// Sets `key` (and sends it at once when connected). The client keeps it
    /// and restores it on every connection. Errors (nothing changed):
    /// reserved_metadata_key, invalid_metadata, metadata_full;
    /// gateway::errc::payload_too_large, rate_limited.
    std::error_code set_metadata(std::string_view key, const metadata_value& v, instant now) {
        if (std::error_code ec = metadata_store::check(key, v)) return ec;
        if (!store().has_room_for(key)) return errc::metadata_full;
        if (engine_.is_ready()) {
            std::error_code ec = run(now, [&] {
                return engine_.send_with(
                    [&](std::string& out) {
                        begin_dispatch(out, dispatch_type::update_metadata);
                        out.push_back('{');
                        (void)json::write(key, out);
                        out.append(R"(:{"type":")");
                        out.append(to_string(v.type()));
                        out.append(R"(","value":)");
                        (void)v.write_value(out);
                        out.append("}}}");
                    },
                    now);
            });
            if (ec) return ec;
        }
        return store().set(key, v);
    }
    /// The metadata the client keeps.
    const metadata_store& metadata() const noexcept { return engine_.protocol().store; }

    // ---- messages ---------------------------------------------------------------

    /// SEND `payload` (JSON) to one client `target` matches, no reply
    /// expected. Errors: json errors (payload is not JSON), the query's
    /// errors (query::write), errc::invalid_name (restricted clients may
    /// only set metadata: the server refuses with op 3), and the engine's
    /// not_connected, payload_too_large, rate_limited.
    std::error_code send(const query& target, std::string_view payload, instant now) {
        return message(dispatch_type::send, target, payload, {}, now);
    }
    /// BROADCAST `payload` to every client `target` matches. Errors as send().
    std::error_code broadcast(const query& target, std::string_view payload, instant now) {
        return message(dispatch_type::broadcast, target, payload, {}, now);
    }
    /// SEND answering someone's request: the reply carries their nonce text.
    /// Errors as send().
    std::error_code reply(const query& target, std::string_view nonce, std::string_view payload, instant now) {
        return message(dispatch_type::send, target, payload, nonce, now);
    }
    /// SEND with a nonce and wait for the SEND or BROADCAST that answers it
    /// (`reply`), or `request_failed` after `timeout` (0: the configured
    /// default), on no_route, or when the connection ends. `nonce` receives
    /// the request's id. Errors as send(), and core_errc::table_full.
    std::error_code request(const query& target, std::string_view payload, instant now, duration timeout, std::uint64_t& nonce) {
        return start_request(dispatch_type::send, target, payload, {}, now, timeout, nonce);
    }
    /// QUERY_NODES: the matching clients arrive in a `reply` (nodes()).
    /// Errors as request().
    std::error_code query_nodes(const query& target, instant now, duration timeout, std::uint64_t& nonce) {
        return start_request(dispatch_type::query_nodes, target, {}, {}, now, timeout, nonce);
    }
    /// QUEUE `payload` on queue `name`: the `reply` is the server's
    /// QUEUE_CONFIRM. Errors as request(), and errc::invalid_name (empty name).
    std::error_code queue(std::string_view name, const query& target, std::string_view payload, instant now, duration timeout,
                          std::uint64_t& nonce) {
        if (name.empty()) return errc::invalid_name;
        return start_request(dispatch_type::queue, target, payload, name, now, timeout, nonce);
    }
    /// QUEUE_REQUEST: this client takes the next message of queue `name`
    /// (once; ask again after each). Errors: invalid_name, the engine's.
    std::error_code queue_request(std::string_view name, instant now) {
        return queue_op(dispatch_type::queue_request, name, {}, now);
    }
    /// QUEUE_REQUEST_CANCEL. Errors as queue_request().
    std::error_code queue_request_cancel(std::string_view name, instant now) {
        return queue_op(dispatch_type::queue_request_cancel, name, {}, now);
    }
    /// QUEUE_ACK: message `id` of queue `name` is handled. Errors as queue_request().
    std::error_code queue_ack(std::string_view name, std::string_view id, instant now) {
        if (id.empty()) return errc::invalid_name;
        return queue_op(dispatch_type::queue_ack, name, id, now);
    }
    /// Gives up waiting for request `nonce` (no action follows).
    /// Errors: core_errc::unknown_key (not pending).
    std::error_code cancel(std::uint64_t nonce) { return pending_.cancel(nonce); }

    // ---- time ------------------------------------------------------------------

    /// Fires due timers: the engine's and the requests' deadlines.
    void handle_timeout(instant now) {
        shell::handle_timeout(now);
        if (now < pending_.next_deadline()) return;
        pending_.expire(now, [&](std::uint64_t key, pending&&) noexcept { failed(key, errc::request_timeout); });
    }
    /// The earlier of the engine's and the requests' deadlines; O(1).
    instant next_deadline() const noexcept {
        const instant a = engine_.next_deadline(), b = pending_.next_deadline();
        return a < b ? a : b;
    }

    // ---- introspection -----------------------------------------------------

    /// Whether the last ready said the client is restricted.
    bool restricted() const noexcept { return engine_.protocol().restricted; }
    /// Requests waiting for a reply.
    std::size_t pending_requests() const noexcept { return pending_.size(); }
    /// The configuration in use, rebuilt from what the client keeps (the
    /// engine's part is engine().settings(): its identify gate is off).
    config settings() const {
        using k = detail::kept_config;
        const k& kept = cfg();
        config c;
        c.url.assign(kept.get(k::url));
        c.client_id.assign(kept.get(k::client_id));
        c.application_id.assign(kept.get(k::application_id));
        c.auth.assign(kept.get(k::auth));
        c.ip.assign(kept.get(k::ip));
        c.namespace_.assign(kept.get(k::namespace_));
        c.receive_client_updates = kept.receive_client_updates;
        c.app_field = kept.app_field;
        c.restore = kept.restore;
        c.form = kept.form;
        c.nodes_form = kept.nodes_form;
        c.include_sender = kept.include_sender;
        c.max_pending = pending_.capacity();
        c.max_metadata_keys = metadata().max_keys();
        c.request_timeout = kept.request_timeout;
        c.engine = engine_.settings();
        return c;
    }

private:
    struct pending {
        dispatch_type kind;       // send, query_nodes or queue
        std::uint64_t queue_hash; // queue: which queue (FNV-1a of the name)
    };

    static constexpr std::uint64_t hash(std::string_view s) noexcept {
        std::uint64_t h = 1469598103934665603ull;
        for (const char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
        return h;
    }

    // The policy keeps the configuration (its texts in one string) and the metadata.
    static policy make_policy(const config& c) {
        using k = detail::kept_config;
        policy p;
        p.store = metadata_store(c.max_metadata_keys);
        k& kept = p.cfg;
        kept.texts.reserve(c.url.size() + 2 * c.client_id.size() + 2 + c.application_id.size() + c.auth.size() + c.ip.size() +
                           c.namespace_.size());
        const std::string_view texts[] = {c.url, c.client_id, c.application_id, c.auth, c.ip, c.namespace_};
        for (std::size_t i = 0; i < std::size(texts); ++i) {
            kept.texts.append(texts[i]);
            kept.end(static_cast<k::text>(i));
        }
        (void)json::write(c.client_id, kept.texts); // a failure is the constructor's config error
        kept.end(k::client_id_json);
        kept.request_timeout = c.request_timeout;
        kept.app_field = c.app_field;
        kept.restore = c.restore;
        kept.form = c.form;
        kept.nodes_form = c.nodes_form;
        kept.receive_client_updates = c.receive_client_updates;
        kept.include_sender = c.include_sender;
        return p;
    }
    const detail::kept_config& cfg() const noexcept { return engine_.protocol().cfg; }
    metadata_store& store() noexcept { return engine_.protocol().store; }

    std::error_code check_payload(std::string_view payload) const {
        if (payload.empty()) return json::errc::unexpected_end;
        return json::validate(payload);
    }

    // Writes {"op":4,"t":T,"d":{"target":Q,"nonce":N,"payload":P[,"sender":S]}} (QUEUE adds "queue").
    std::error_code write_message(std::string& out, dispatch_type t, const query& target, std::string_view payload,
                                  std::string_view nonce_text, std::uint64_t nonce, std::string_view queue_name) const {
        begin_dispatch(out, t);
        if (t == dispatch_type::query_nodes && cfg().nodes_form == query_nodes_form::bare) {
            if (std::error_code ec = target.write(out, cfg().form)) return ec;
            out.push_back('}');
            return {};
        }
        out.append(R"({"target":)");
        if (std::error_code ec = target.write(out, cfg().form)) return ec;
        if (!queue_name.empty()) {
            out.append(R"(,"queue":)");
            if (std::error_code ec = json::write(queue_name, out)) return ec;
        }
        out.append(R"(,"nonce":)");
        if (nonce != 0) {
            out.push_back('"');
            (void)json::write(nonce, out);
            out.push_back('"');
        } else if (!nonce_text.empty()) {
            if (std::error_code ec = json::write(nonce_text, out)) return ec;
        } else {
            out.append("null");
        }
        if (t != dispatch_type::query_nodes) {
            out.append(R"(,"payload":)");
            out.append(payload);
            if (cfg().include_sender && t != dispatch_type::queue) {
                out.append(R"(,"sender":)");
                out.append(cfg().get(detail::kept_config::client_id_json));
            }
        }
        out.append("}}");
        return {};
    }

    std::error_code message(dispatch_type t, const query& target, std::string_view payload, std::string_view nonce_text,
                            instant now) {
        if (std::error_code ec = check_payload(payload)) return ec;
        if (std::error_code ec = target.error()) return ec;
        return run(now, [&] {
            return engine_.send_with(
                [&](std::string& out) { return write_message(out, t, target, payload, nonce_text, 0, {}); }, now);
        });
    }

    std::error_code start_request(dispatch_type t, const query& target, std::string_view payload, std::string_view queue_name,
                                  instant now, duration timeout, std::uint64_t& nonce) {
        if (t != dispatch_type::query_nodes)
            if (std::error_code ec = check_payload(payload)) return ec;
        if (std::error_code ec = target.error()) return ec;
        if (!engine_.is_ready()) return gateway::errc::not_connected;
        std::uint64_t key = next_nonce_++;
        while (key == 0 || pending_.contains(key)) key = next_nonce_++; // wrapped around onto a pending one
        if (now > now_) now_ = now;
        const duration wait = timeout > duration::zero() ? timeout : cfg().request_timeout;
        // Pending first, so that a reply can never arrive for a request the table does not know.
        if (std::error_code ec = pending_.insert(key, now_ + wait, pending{t, hash(queue_name)})) return ec; // table_full
        std::error_code ec = run(now, [&] {
            return engine_.send_with(
                [&](std::string& out) { return write_message(out, t, target, payload, {}, key, queue_name); }, now);
        });
        if (ec) {
            (void)pending_.cancel(key);
            return ec;
        }
        order_push(key);
        nonce = key;
        return {};
    }

    std::error_code queue_op(dispatch_type t, std::string_view name, std::string_view id, instant now) {
        if (name.empty()) return errc::invalid_name;
        return run(now, [&] {
            return engine_.send_with(
                [&](std::string& out) -> std::error_code {
                    begin_dispatch(out, t);
                    out.append(R"({"queue":)");
                    if (std::error_code ec = json::write(name, out)) return ec;
                    if (!id.empty()) {
                        out.append(R"(,"id":)");
                        if (std::error_code ec = json::write(id, out)) return ec;
                    }
                    out.append("}}");
                    return {};
                },
                now);
        });
    }

    // The order requests were made in, for replies without a nonce: a ring
    // that grows with the pending table (to the peak of pending requests, at
    // most its capacity); entries already resolved are skipped, and dropped
    // when the ring is full.
    void order_push(std::uint64_t key) {
        const std::size_t n = order_.size();
        if (order_count_ == n && n != 0) { // full: keep the keys still pending, in order
            std::uint32_t kept = 0;
            for (std::uint32_t i = 0; i < order_count_; ++i) {
                const std::uint64_t k = order_[(order_head_ + i) % n];
                if (pending_.contains(k)) order_[(order_head_ + kept++) % n] = k;
            }
            order_count_ = kept;
        }
        if (order_count_ == order_.size()) {
            if (order_.size() < pending_.capacity()) { // grow, oldest first
                std::vector<std::uint64_t> bigger(std::min<std::size_t>(pending_.capacity(), n < 2 ? 4 : 2 * n));
                for (std::uint32_t i = 0; i < order_count_; ++i) bigger[i] = order_[(order_head_ + i) % n];
                order_.swap(bigger);
                order_head_ = 0;
            } else { // at the capacity, every key pending: drop the oldest
                order_head_ = static_cast<std::uint32_t>((order_head_ + 1) % n);
                --order_count_;
            }
        }
        order_[(order_head_ + order_count_) % order_.size()] = key;
        ++order_count_;
    }
    // The oldest pending request of kind `t` (and queue hash `qh` for QUEUE), or 0.
    std::uint64_t oldest(dispatch_type t, std::uint64_t qh) {
        // Drop resolved keys from the front, then search the rest in order.
        while (order_count_ && !pending_.contains(order_[order_head_])) {
            order_head_ = static_cast<std::uint32_t>((order_head_ + 1) % order_.size());
            --order_count_;
        }
        for (std::size_t i = 0; i < order_count_; ++i) {
            const std::uint64_t k = order_[(order_head_ + i) % order_.size()];
            const pending* p = pending_.find(k);
            if (p && p->kind == t && (t != dispatch_type::queue || p->queue_hash == qh)) return k;
        }
        return 0;
    }

    // The shell's hooks around every mutating call (its run()): the time,
    // then after the engine's actions are translated (nonces resolved), the
    // metadata a fresh ready needs.
    void before_run(instant now) noexcept {
        if (now > now_) now_ = now;
    }
    void after_run() {
        if (restore_after_ready_) {
            restore_after_ready_ = false;
            if (cfg().restore == metadata_restore::update_after_ready && !metadata().empty()) {
                (void)engine_.send_with(
                    [&](std::string& out) {
                        begin_dispatch(out, dispatch_type::update_metadata);
                        metadata().write(out);
                        out.push_back('}');
                    },
                    now_);
                absorb();
            }
        }
    }

    static text_span span_of(std::string_view whole, std::string_view part) noexcept {
        if (part.empty() || part.data() < whole.data() || part.data() + part.size() > whole.data() + whole.size()) return {};
        return {static_cast<std::uint32_t>(part.data() - whole.data()), static_cast<std::uint32_t>(part.size())};
    }

    // Our nonces are decimal and never 0.
    static bool parse_nonce(std::string_view text, std::uint64_t& out) noexcept {
        return gateway::detail::parse_decimal(text, out) && out != 0;
    }

    void failed(std::uint64_t key, std::error_code why) {
        action a;
        a.kind = action_kind::request_failed;
        a.nonce = key;
        a.error = why;
        a.generation = engine_.generation();
        queue_.push(a);
    }

    void translate(const gateway::entry& e) {
        const gateway::action& g = e.action;
        action a;
        a.name_span = {g.name_offset, g.name_size};
        a.data_span = {g.data_offset, g.data_size};
        const std::string_view bytes = e.bytes;
        if (gateway::detail::translate_common(g, a)) {
            queue_.push(a, bytes);
            return;
        }
        switch (g.kind) {
        case gateway::action_kind::send:
        case gateway::action_kind::open:
        case gateway::action_kind::close: break; // translate_common's
        case gateway::action_kind::identify_wanted: return; // never: the gate is off
        case gateway::action_kind::ready:
        case gateway::action_kind::resumed:
            a.kind = action_kind::ready;
            a.restricted = engine_.protocol().restricted;
            restore_after_ready_ = true;
            break;
        case gateway::action_kind::dispatch:
            if (!dispatch_action(e, a)) return;
            break;
        case gateway::action_kind::notice:
            if (g.error == gateway::errc::server_error) {
                a.kind = g.code == static_cast<std::int64_t>(opcode::invalid) ? action_kind::invalid : action_kind::server_error;
                queue_.push(a, bytes);
                if (a.kind == action_kind::invalid) resolve_no_route(gateway::data(e));
                if (g.next != gateway::next_step::none) lose_pending(); // op 8: this connection is over
                return;
            }
            a.kind = action_kind::notice;
            if (g.next != gateway::next_step::none) { // this connection is over: its requests are lost
                queue_.push(a, bytes);
                lose_pending();
                return;
            }
            break;
        }
        queue_.push(a, bytes);
    }

    // Fills `a` for an inbound dispatch; false when it is dropped (a bad body is a notice).
    bool dispatch_action(const gateway::entry& e, action& a) {
        const std::string_view bytes = e.bytes;
        const std::string_view t = gateway::name(e);
        a.dispatch = dispatch_type_of(t);
        frame_view fv;
        if (!parse_frame(bytes, fv) && fv.ts) {
            a.has_ts = true;
            a.ts = *fv.ts;
        }
        dispatch_body b;
        if (read_dispatch(a.dispatch, gateway::data(e), b)) {
            a.kind = action_kind::notice;
            a.error = gateway::errc::malformed_frame;
            a.next = gateway::next_step::none;
            queue_.push(a, bytes);
            return false;
        }
        a.payload_span = span_of(bytes, b.payload);
        a.nonce_span = span_of(bytes, b.nonce);
        a.sender_span = span_of(bytes, b.sender);
        a.queue_span = span_of(bytes, b.queue);
        a.id_span = span_of(bytes, b.id);
        a.app_span = span_of(bytes, b.app);
        a.nodes_span = span_of(bytes, b.nodes);
        std::uint64_t key = 0;
        const bool ours = parse_nonce(b.nonce, key) && pending_.contains(key);
        switch (a.dispatch) {
        case dispatch_type::send:
        case dispatch_type::broadcast:
            if (ours && pending_.find(key)->kind == dispatch_type::send) return resolved(a, key);
            a.kind = action_kind::message;
            return true;
        case dispatch_type::query_nodes:
            if (!ours) key = oldest(dispatch_type::query_nodes, 0);
            if (key && pending_.find(key) && pending_.find(key)->kind == dispatch_type::query_nodes) return resolved(a, key);
            a.kind = action_kind::dispatch;
            return true;
        case dispatch_type::queue_confirm:
            if (!ours) key = oldest(dispatch_type::queue, hash(b.queue));
            if (key && pending_.find(key) && pending_.find(key)->kind == dispatch_type::queue) return resolved(a, key);
            a.kind = action_kind::dispatch;
            return true;
        case dispatch_type::queue: a.kind = action_kind::queued; return true;
        case dispatch_type::client_connected: a.kind = action_kind::client_connected; return true;
        case dispatch_type::client_disconnected: a.kind = action_kind::client_disconnected; return true;
        default: a.kind = action_kind::dispatch; return true;
        }
    }
    void lose_pending() {
        pending_.drain_all([&](std::uint64_t key, pending&&) noexcept { failed(key, errc::request_lost); });
        order_head_ = order_count_ = 0;
    }
    bool resolved(action& a, std::uint64_t key) {
        (void)pending_.resolve(key);
        a.kind = action_kind::reply;
        a.nonce = key;
        return true;
    }
    // An op 3 about one of our requests (no_route with the dispatch in extra_info) fails it.
    void resolve_no_route(std::string_view d) {
        std::string error;
        std::string_view extra;
        if (d.empty() || read_error(d, error, extra)) return;
        std::uint64_t key = 0;
        if (!parse_nonce(invalid_nonce(extra), key) || !pending_.resolve(key)) return;
        failed(key, error == "no_route" ? std::error_code(errc::no_route) : std::error_code(errc::server_invalid));
    }

    // The shell's memory hooks: the kept texts, the metadata, the pending
    // table and its order; an idle client (nothing pending) gives back the
    // table and the order.
    std::size_t own_heap_bytes() const noexcept {
        return gateway::detail::heap_of(cfg().texts) + metadata().heap_bytes() + pending_.heap_bytes() +
               order_.capacity() * sizeof(std::uint64_t);
    }
    void shrink_own() noexcept {
        if (!pending_.empty()) return;
        pending_.shrink();
        std::vector<std::uint64_t>().swap(order_);
        order_head_ = order_count_ = 0;
    }

    nonce_table<pending> pending_;
    std::vector<std::uint64_t> order_;
    std::uint32_t order_head_ = 0, order_count_ = 0;
    std::uint64_t next_nonce_ = 1;
    instant now_ = instant::zero();
    bool restore_after_ready_ = false;
    bool bad_config_ = false;
};

static_assert(message_machine<client>);

} // namespace sluice::singyeong
