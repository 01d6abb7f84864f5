#pragma once
// sluice/i386chat/client.hpp: the i386chat gateway client (seed 002), a
// sans-I/O machine built on the shared gateway engine.
//
//     i386chat::client chat({.url = "ws://comms.i386.sh/", .token = "..."}, rng);
//     chat.start(now);
//     loop:
//         while (auto* e = chat.poll()) switch (e->action.kind) {
//             case i386chat::action_kind::send:  socket.send(e->bytes); break;
//             case i386chat::action_kind::open:  socket.open(open_request::parse(e->bytes)); break;
//             case i386chat::action_kind::close: socket.close(e->action.close_code); break;
//             case i386chat::action_kind::ready: ... chat.ready_info() ...; break;
//             case i386chat::action_kind::event: handle(i386chat::name(*e), i386chat::data(*e)); break;
//             case i386chat::action_kind::error: ... e->action.code (c), e->action.disconnecting (d); break;
//             case i386chat::action_kind::notice: ... e->action.error, e->action.next; break;
//         }
//         chat.execute("MESSAGE_CREATE", R"({"content":"hi"})", now);
//
// What the machine does (seed 002, PROTOCOLS.md):
//  - 110 present is the first frame sent on every connection and nothing
//    else is sent before 140 ready (execute() refuses with not_connected);
//  - a heartbeat every hb_int once ready (none before 140, however late it
//    comes); the server's echo is the ack, and a beat still unechoed when
//    the next one is due closes the connection (1001) and reconnects;
//  - execute frames carry the client's sequence numbers (1, 2, ... for the
//    life of the client) and the event name under "t" (or "e", configurable);
//    inbound executes with a sequence not above the last one are dropped;
//  - a 150 error is an `error` action; with d true the machine closes and
//    reconnects with a new session, except for 4005 (not identified: a
//    refused token), where the server's close stops the machine;
//  - GATEWAY_DOWN is delivered as an event and marks the coming disconnect
//    as expected (`expecting_shutdown()`); the machine reconnects after it;
//  - the server's close 4002 (rate limited) holds the reconnect for
//    config::rate_limited_wait (5 s; the engine's reconnect_delay hook);
//  - the 4096-byte cap holds both ways: execute() refuses a bigger frame
//    (gateway::errc::payload_too_large) and a bigger inbound message closes
//    the connection with 4000; a malformed frame closes it with 4004.
// There is no resume in seed 002: every reconnect presents again.
//
// The sans-I/O contract (ARCHITECTURE.md) holds as for the engine: inputs
// only queue actions; views in an entry are valid until the next mutating
// call; time is the caller's; no allocation per message once connected.
//
// Includes: <cstddef>, <cstdint>, <string>, <string_view>, <system_error>, <utility>;
// core (action queue, entropy, time, transport); gateway (the engine, and
// detail/client_shell.hpp: the transport inputs and the action relay);
// i386chat/frame.hpp, i386chat/errc.hpp.
#include <cstddef>
#include <cstdint>
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
#include <sluice/i386chat/errc.hpp>
#include <sluice/i386chat/frame.hpp>

namespace sluice::i386chat {

/// The engine policy for i386chat: frames in, frames out, close codes.
struct policy {
    static constexpr gateway::protocol_traits traits = [] {
        gateway::protocol_traits t;
        t.server_hello = true;
        t.client_identifies = true;
        t.resumable = false;
        t.sequenced = true;
        t.jitter_first_heartbeat = false; // the seed: every hb_int
        t.heartbeat_before_ready = false; // the seed: nothing but present before 140
        t.close_code_resume = 1001;       // going away: we reconnect (there is no session to keep)
        t.close_code_end = 1000;
        t.close_code_malformed = static_cast<std::uint16_t>(close_code::malformed_event);
        t.close_code_too_large = static_cast<std::uint16_t>(close_code::payload_too_large);
        t.max_inbound = 4096;
        t.max_outbound = 4096;
        // The seed names no rate (only close code 4002), so there is no default
        // limit; set config::engine.rate_limit/rate_window to the server's. The
        // engine then keeps room in that budget for every heartbeat of a window.
        t.rate_limit = 0;
        return t;
    }();

    std::string url;
    std::string token;
    bool expecting_shutdown = false; ///< GATEWAY_DOWN seen on this connection

    std::error_code classify(std::string_view text, message_type type, gateway::frame& f) {
        if (type != message_type::text) return gateway::errc::malformed_frame;
        frame_view v;
        if (std::error_code ec = parse_frame(text, v)) return ec;
        f.code = static_cast<std::int64_t>(v.f);
        f.data = v.cnf;
        switch (v.f) {
        case function_code::hello:
            f.kind = gateway::frame_kind::hello;
            f.heartbeat_interval = from_ms(v.hb_int);
            expecting_shutdown = false; // a new connection
            break;
        case function_code::heartbeat: f.kind = gateway::frame_kind::heartbeat_ack; break;
        case function_code::ready: f.kind = gateway::frame_kind::ready; break;
        case function_code::execute:
            f.kind = gateway::frame_kind::dispatch;
            f.name = v.event;
            f.seq = v.s;
            if (event_name_of(v.event) == event_name::gateway_down) expecting_shutdown = true;
            break;
        case function_code::error:
            f.kind = gateway::frame_kind::server_error;
            f.code = v.error_code;
            // d true: the server is dropping us. When its code forbids
            // reconnecting (4005), let the close that follows decide, so the
            // machine stops instead of reconnecting.
            f.flag = v.disconnecting && v.error_code >= 0 && v.error_code <= 0xFFFF &&
                     on_close_code(static_cast<std::uint16_t>(v.error_code)) != gateway::close_verdict::fatal;
            break;
        case function_code::present: return gateway::errc::malformed_frame; // parse_frame refuses it already
        }
        return {};
    }
    std::error_code on_ready(const gateway::frame& f, gateway::session_data& s) {
        ready_info info;
        if (std::error_code ec = read_ready(f.data, info)) return ec;
        s.id.assign(std::to_string(info.session_id));
        ready = std::move(info);
        return {};
    }
    void write_open(std::string& out, gateway::connect_kind, const gateway::session_data&) { out.append(url); }
    void write_identify(std::string& out) { (void)write_present(out, token); } // the token was checked in the client
    bool write_resume(std::string&, const gateway::session_data&) { return false; }
    void write_heartbeat(std::string& out, std::optional<std::uint64_t>) { i386chat::write_heartbeat(out); }
    gateway::close_verdict on_close_code(std::uint16_t code) {
        if (code == static_cast<std::uint16_t>(close_code::not_identified)) return gateway::close_verdict::fatal;
        return gateway::close_verdict::new_session;
    }

    /// The engine's on_open_refused hook: 401/403 stop, anything else is
    /// retried after the backoff as a new session (gateway::default_open_refused;
    /// i386chat cannot resume).
    gateway::close_verdict on_open_refused(std::uint16_t status) const noexcept { return gateway::default_open_refused(status); }

    ready_info ready; ///< what the last 140 said
    duration rate_limited_wait{}; ///< config::rate_limited_wait

    /// The engine's reconnect_delay hook: after 4002 (rate limited) coming back at once would be limited again.
    duration reconnect_delay(std::uint16_t code) const noexcept {
        return code == static_cast<std::uint16_t>(close_code::rate_limited) ? rate_limited_wait : duration::zero();
    }
};

static_assert(gateway::protocol<policy>);
static_assert(gateway::has_reconnect_delay_hook<policy>);
static_assert(gateway::has_open_refused_hook<policy>);

/// What an action asks of the caller, or tells it.
enum class action_kind : std::uint8_t {
    send,   ///< transport: send `bytes` as one text message
    open,   ///< transport: drop the old transport, open `bytes` (core/transport.hpp open_request)
    close,  ///< transport: close with `close_code`
    ready,  ///< 140 arrived: ready_info() has v, session_id and enc_key; data() = the cnf
    event,  ///< a 130 execute from the server: name(), data() (the cnf), `event`, `seq`
    error,  ///< a 150 error: `code` = c, `disconnecting` = d; data() = the cnf
    notice, ///< something happened to the connection (`error`) and the machine now does `next`
};

constexpr std::string_view to_string(action_kind k) noexcept {
    constexpr std::string_view names[] = {"send", "open", "close", "ready", "event", "error", "notice"};
    return names[static_cast<std::size_t>(k)];
}

/// One action. The first three members are what core's message_machine
/// concept requires (byte-mode codecs read them).
struct action {
    transport_op op = transport_op::none;
    message_type type = message_type::text;
    std::uint16_t close_code = 0; ///< close: the code to send; notice: the server's close code (0 = none)
    action_kind kind = action_kind::notice;
    gateway::next_step next = gateway::next_step::none; ///< notice: what the machine does now
    event_name event = event_name::other;               ///< event: the name, when seed 002 lists it
    bool has_seq = false;                               ///< event: `seq` is set
    bool disconnecting = false;                         ///< error: d
    std::uint32_t generation = 0;                       ///< the transport the action belongs to
    std::uint32_t name_offset = 0, name_size = 0;       ///< event: the name within bytes
    std::uint32_t data_offset = 0, data_size = 0;       ///< ready/event/error: the cnf within bytes
    std::uint64_t seq = 0;                              ///< event: s
    std::int64_t code = 0;                              ///< error: c; notice: see gateway::action::code
    std::error_code error;                              ///< notice: what happened
};

using entry = action_queue<action>::entry;

/// The event name of an event entry ("" otherwise).
constexpr std::string_view name(const entry& e) noexcept {
    return gateway::detail::slice(e.bytes, e.action.name_offset, e.action.name_size);
}
/// The cnf JSON of a ready, event or error entry ("" when absent).
constexpr std::string_view data(const entry& e) noexcept {
    return gateway::detail::slice(e.bytes, e.action.data_offset, e.action.data_size);
}

/// Configuration. `url` and `token` are required.
struct config {
    std::string url;               ///< ws:// or wss:// URL of the gateway
    std::string token;             ///< sent in 110 present
    event_key key = event_key::t;  ///< where execute() writes the event name
    /// After the server closes with 4002 (rate limited), wait at least this
    /// long before reconnecting (0: the engine's backoff alone, whose first
    /// reconnect is at once).
    duration rate_limited_wait = std::chrono::seconds(5);
    /// Engine settings (timeouts, backoff, limits); wait_for_identify_permit is ignored.
    gateway::config engine = gateway::config::defaults<policy>();
};

/// The i386chat client machine. The transport inputs (on_open,
/// on_open_refused, on_message, on_close, each also with a generation),
/// handle_timeout(), next_deadline(), poll(), current_state(), is_ready(),
/// engine(), heap_bytes() and shrink() are gateway::detail::client_shell's,
/// documented there.
class client : public gateway::detail::client_shell<client, policy, action> {
    using shell = gateway::detail::client_shell<client, policy, action>;
    friend shell;

public:
    /// Builds an idle client. `rng` must outlive it.
    client(config cfg, entropy rng)
        : shell(policy{std::move(cfg.url), std::move(cfg.token), false, {}, cfg.rate_limited_wait}, rng, without_identify_gate(cfg.engine)),
          key_(cfg.key) {} // i386chat has no cluster-wide identify limit: present goes out at once

    // ---- commands ---------------------------------------------------------

    /// Starts connecting (queues `open`). Errors: gateway::errc::already_running.
    std::error_code start(instant now) {
        return run(now, [&] { return engine_.start(now); });
    }
    /// Closes with 1000. Errors: gateway::errc::not_running.
    std::error_code close(instant now) {
        return run(now, [&] { return engine_.close(now); });
    }

    /// Sends an execute: `event` with `cnf` (JSON text, "" for none) and the
    /// next sequence number. Errors (nothing sent, nothing changed):
    /// errc::invalid_event_name, errc::invalid_configuration,
    /// gateway::errc::not_connected (before 140 ready), payload_too_large
    /// (over 4096 bytes), rate_limited.
    std::error_code execute(std::string_view event, std::string_view cnf, instant now) {
        return run(now, [&] {
            const std::uint64_t seq = seq_ + 1;
            const std::error_code ec =
                engine_.send_with([&](std::string& out) { return write_execute(out, event, cnf, seq, key_); }, now);
            if (!ec) seq_ = seq;
            return ec;
        });
    }

    // ---- introspection -----------------------------------------------------

    /// What the last 140 ready said (valid once an action_kind::ready was queued).
    const ready_info& ready() const noexcept { return engine_.protocol().ready; }
    /// A GATEWAY_DOWN arrived on this connection: its end is expected.
    bool expecting_shutdown() const noexcept { return engine_.protocol().expecting_shutdown; }
    /// The sequence number of the last execute sent (0: none yet).
    std::uint64_t last_sent_sequence() const noexcept { return seq_; }

private:
    // The shell's memory hook: the URL, the token and the ready's key.
    std::size_t own_heap_bytes() const noexcept {
        const policy& p = engine_.protocol();
        return gateway::detail::heap_of(p.url) + gateway::detail::heap_of(p.token) + gateway::detail::heap_of(p.ready.enc_key);
    }

    void translate(const gateway::entry& e) {
        const gateway::action& g = e.action;
        action a;
        a.name_offset = g.name_offset;
        a.name_size = g.name_size;
        a.data_offset = g.data_offset;
        a.data_size = g.data_size;
        a.has_seq = g.has_seq;
        a.seq = g.seq;
        if (!gateway::detail::translate_common(g, a)) {
            switch (g.kind) {
            case gateway::action_kind::ready:
            case gateway::action_kind::resumed: a.kind = action_kind::ready; break;
            case gateway::action_kind::dispatch:
                a.kind = action_kind::event;
                a.event = event_name_of(gateway::name(e));
                break;
            case gateway::action_kind::notice:
                if (g.error == gateway::errc::server_error) {
                    a.kind = action_kind::error;
                    frame_view v;
                    if (!parse_frame(e.bytes, v)) a.disconnecting = v.disconnecting;
                } else {
                    a.kind = action_kind::notice;
                    if (g.error == gateway::errc::fatal_close &&
                        g.close_code == static_cast<std::uint16_t>(close_code::not_identified))
                        a.error = errc::refused_token;
                }
                break;
            default: return; // identify_wanted: the permit gate is off (see the constructor)
            }
        }
        queue_.push(a, e.bytes);
    }

    std::uint64_t seq_ = 0;
    event_key key_;
};

static_assert(message_machine<client>);

} // namespace sluice::i386chat
