#pragma once
// sluice/engineio/client.hpp: a standalone Engine.IO v4 client machine
// (message mode; wrap it in the ws/ codec for byte mode).
//
// For users who speak their own protocol over Engine.IO. Socket.IO users
// want socketio::client, which embeds the same session.
//
//     engineio::client c({.url = engineio::make_url("ws://127.0.0.1:3334")}, rng);
//     c.start(now);
//     for (;;) {
//         while (const auto* e = c.poll()) {
//             switch (e->action.kind) {
//             case engineio::action_kind::transport: /* open/send/close per e->action.op, e->bytes */ break;
//             case engineio::action_kind::message:   use(e->bytes, e->action.type); break;
//             case engineio::action_kind::disconnected: log(e->action.error); break;
//             default: break;
//             }
//         }
//         wait for input or c.next_deadline(); feed on_open / on_message / on_close / handle_timeout
//     }
//
// Includes: <cstdint>, <optional>, <string>, <string_view>, <system_error>;
// core/action_queue.hpp for the queue; session.hpp for the logic.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include <sluice/core/action_queue.hpp>
#include <sluice/engineio/session.hpp>

namespace sluice::engineio {

/// What an action asks of the caller, or reports.
enum class action_kind : std::uint8_t {
    transport,    ///< op says what: send `bytes` as a `type` message, open `bytes` (open_request), close with close_code
    opened,       ///< the handshake is done: bytes = sid; ping_interval, ping_timeout, max_payload set
    message,      ///< a message packet: bytes = its data, type = text or binary
    ping,         ///< the server pinged; the pong is already queued before this action
    disconnected, ///< the session was lost or closed: error says why, retry_at when it reconnects (never = it will not)
};

/// One action. The transport fields (op, type, close_code) follow the
/// message_machine convention of core/transport.hpp.
struct action {
    action_kind kind = action_kind::transport;
    transport_op op = transport_op::none;
    message_type type = message_type::text;
    std::uint16_t close_code = 0;             ///< transport close: the code to send
    std::optional<std::uint16_t> peer_close{}; ///< disconnected: the peer's close code, if the transport reported one
    std::error_code error{};                  ///< disconnected: engineio::errc saying why
    instant retry_at = instant::never();      ///< disconnected: when the reconnect attempt goes out
    duration ping_interval{};                 ///< opened
    duration ping_timeout{};                  ///< opened
    std::uint64_t max_payload = 0;            ///< opened
};

/// The Engine.IO client as a message_machine: whole WebSocket messages in,
/// actions out. Views in polled entries are valid until the next mutating
/// call (any call but poll/next_deadline/accessors).
class client {
public:
    using entry = action_queue<action>::entry;

    /// `rng` must outlive the client; see engineio::config. Validate the
    /// config first (cfg.validate()) to report bad input.
    client(config cfg, entropy rng) : session_(std::move(cfg), rng) {}

    /// Connects (an open action). Errors: errc::already_started.
    std::error_code start(instant now) { return session_.start(now, sink_); }
    /// Closes the session for good (until start()); queues a close action.
    void close(instant now) { session_.close(now, sink_); }

    /// Sends a text message packet ("4" + text).
    /// Errors (nothing queued): errc::not_open, errc::payload_too_large.
    std::error_code send_text(std::string_view text) {
        if (const auto ec = session_.check_send(text.size() + 1)) return ec;
        std::string& out = sink_.begin_send();
        encode(packet_type::message, text, out);
        sink_.commit_send(message_type::text);
        return {};
    }
    /// Sends a binary message packet (the bytes as one binary message).
    /// Errors (nothing queued): errc::not_open, errc::payload_too_large.
    std::error_code send_binary(std::string_view bytes) {
        if (const auto ec = session_.check_send(bytes.size())) return ec;
        sink_.q.push(action{.op = transport_op::send, .type = message_type::binary}, bytes);
        return {};
    }

    // message_machine
    void on_open(instant now) { session_.on_open(now, sink_); }
    void on_message(std::string_view msg, message_type type, instant now) { session_.on_message(msg, type, now, sink_); }
    void on_close(const close_info& info, instant now) { session_.on_close(info, now, sink_); }
    void handle_timeout(instant now) { session_.handle_timeout(now, sink_); }
    instant next_deadline() const noexcept { return session_.next_deadline(); }
    /// The next action or nullptr; the entry and its bytes are valid until
    /// the next mutating call.
    const entry* poll() noexcept { return sink_.q.poll(); }

    const session& engine() const noexcept { return session_; }
    state current_state() const noexcept { return session_.current_state(); }

private:
    struct queue_sink {
        action_queue<action> q;
        std::string& begin_send() { return q.begin_payload(); }
        void commit_send(message_type t) { q.commit(action{.op = transport_op::send, .type = t}); }
        void open_transport(std::string_view url, std::string_view headers) {
            std::string& out = q.begin_payload();
            out.append(url);
            if (!headers.empty()) {
                out.append("\r\n");
                out.append(headers);
            }
            q.commit(action{.op = transport_op::open});
        }
        void close_transport(std::uint16_t code, std::string_view reason) {
            q.push(action{.op = transport_op::close, .close_code = code}, reason);
        }
        void engine_opened(const handshake& h, instant) {
            q.push(action{.kind = action_kind::opened, .ping_interval = h.ping_interval, .ping_timeout = h.ping_timeout,
                          .max_payload = h.max_payload},
                   h.sid);
        }
        void engine_message(std::string_view data, message_type t, instant) {
            q.push(action{.kind = action_kind::message, .type = t}, data);
        }
        void engine_ping(instant) { q.push(action{.kind = action_kind::ping}); }
        void engine_disconnected(std::error_code ec, std::optional<std::uint16_t> peer, instant retry_at, instant) {
            q.push(action{.kind = action_kind::disconnected, .peer_close = peer, .error = ec, .retry_at = retry_at});
        }
    };

    session session_;
    queue_sink sink_;
};

} // namespace sluice::engineio
