#pragma once
// sluice/ws/client.hpp: the sans-I/O RFC 6455 client connection.
//
// The caller owns the socket. It opens TCP (and TLS for wss) itself, calls
// start() to queue the upgrade request, feeds every byte it reads to
// receive(), tells transport_closed() when the connection ends, and drains
// poll() after each call: bytes to transmit, when to close the socket, and
// events (open, message, ping, pong, closed).
//
//     ws::client c(rng);
//     c.start({.host = "gateway.example", .port = 443, .tls = true, .target = "/?v=10"}, now);
//     ...  c.receive(bytes_read, now);
//     while (const auto* e = c.poll()) switch (e->action.kind) {
//         case ws::action_kind::transmit: write(e->bytes); break;
//         case ws::action_kind::close_transport: shutdown_after_writes(); break;
//         case ws::action_kind::message: use(e->bytes, e->action.type); break;
//         case ws::action_kind::closed: /* e->action.close_code, .error, .http_status */ break;
//         default: break;
//     }
//
// States (a transition table you can read; everything else is ignored or a
// misuse error):
//
//     idle      --start()-------------------------> handshake   (upgrade request queued)
//     handshake --valid 101-----------------------> open        (open event)
//     handshake --non-101 / bad 101 / eof / timeout-> failed    (closed event with error)
//     open      --close()-------------------------> closing     (close frame queued)
//     open      --server close frame--------------> closed      (close echoed; closed event)
//     closing   --server close frame--------------> closed      (closed event)
//     closing   --close_timeout-------------------> failed      (closed event, 1006)
//     open/closing --protocol error---------------> failed      (close 1002/1007/1009 queued; closed event)
//     open/closing --transport ended--------------> failed      (closed event, 1006)
//     closed/failed --start()---------------------> handshake   (a new connection, buffers kept)
//
// closed and failed are final for that connection: later bytes are dropped
// and commands return errc::not_open. `closed` is always the last event of a
// connection, preceded by close_transport when the codec wants the socket
// closed.
//
// Views: the bytes of a polled entry are valid until the next mutating call
// on the client. The pull API (next_event) is for composition: it returns
// events one at a time, zero-copy (a message that arrived whole in one input
// is a view into that input), valid until the next call on the client.
//
// Includes: <array>, <cstddef>, <cstdint>, <string>, <string_view>,
// <system_error>; core/{action_queue,entropy,time,timer_table,transport}.hpp;
// http/response_parser.hpp; ws/{error,frame,handshake,utf8}.hpp.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

#include <sluice/core/action_queue.hpp>
#include <sluice/core/entropy.hpp>
#include <sluice/core/time.hpp>
#include <sluice/core/timer_table.hpp>
#include <sluice/core/transport.hpp>
#include <sluice/http/response_parser.hpp>
#include <sluice/ws/error.hpp>
#include <sluice/ws/frame.hpp>
#include <sluice/ws/handshake.hpp>
#include <sluice/ws/utf8.hpp>

namespace sluice::ws {

/// Configuration; limits are explicit.
struct client_options {
    /// Largest message accepted (after reassembly); a bigger one fails with 1009.
    std::size_t max_message_size = std::size_t{16} << 20;
    /// From start() to a complete, valid 101 response.
    duration handshake_timeout = std::chrono::seconds(10);
    /// From close() to the server's close frame; then the socket is closed anyway.
    duration close_timeout = std::chrono::seconds(5);
    /// Limits on the upgrade response head (its body is never read: any
    /// status but 101 fails as soon as the head is complete).
    http::parse_limits handshake_limits{8 * 1024, 64, std::uint64_t{1} << 62, 1024};
};

/// What a polled entry asks of the caller or tells it.
enum class action_kind : std::uint8_t {
    none,            ///< (next_event and friends only) nothing happened
    transmit,        ///< write `bytes` to the transport, in order
    close_transport, ///< close the socket once everything queued before is written
    open,            ///< the handshake succeeded; `bytes` = the chosen subprotocol ("" for none)
    message,         ///< a whole message; `type` = text (valid UTF-8) or binary; `bytes` = the payload
    ping,            ///< the server pinged; `bytes` = its payload; the pong is already queued
    pong,            ///< a pong arrived; `bytes` = its payload
    closed,          ///< the connection is over; see close_code, error, http_status; `bytes` = reason
};

/// One action. 24 bytes, copyable; its payload travels in the entry's `bytes`.
struct action {
    action_kind kind = action_kind::none;
    message_type type = message_type::text; ///< message
    /// closed: the server's close code (1005 when its close frame had none),
    /// the code this client sent when it failed the connection (1002, 1007,
    /// 1009), or 1006 when no close frame was exchanged.
    std::uint16_t close_code = 0;
    /// closed after a refused upgrade: the HTTP status (e.g. 401); `bytes` is
    /// then the reason phrase. 0 otherwise.
    std::uint16_t http_status = 0;
    /// closed: empty for a clean close handshake, else why the connection failed
    /// (ws::errc; compare with sluice::condition for the coarse class).
    std::error_code error;
};

/// An action of kind `k` with every other field defaulted.
inline action make_action(action_kind k) noexcept {
    action a;
    a.kind = k;
    return a;
}

/// Connection states; see the table at the top of this file.
enum class client_state : std::uint8_t { idle, handshake, open, closing, closed, failed };

/// The RFC 6455 client codec. Not thread-safe; one connection at a time.
class client {
public:
    using entry = action_queue<action>::entry;

    /// `rng` supplies the handshake key and a fresh masking key for every frame;
    /// it must outlive the client.
    explicit client(entropy rng, client_options options = {})
        : rng_(rng), options_(options), http_(options.handshake_limits) {}

    // ---------------------------------------------------------------- commands

    /// Queues the upgrade request for a transport the caller has just opened
    /// to req.host:req.port. Errors (nothing changes): errc::already_started
    /// while a connection is in progress, errc::bad_request_header for an
    /// invalid host, target, subprotocol or extra header.
    std::error_code start(const upgrade_request& req, instant now) {
        now = clock_(now);
        if (state_ == client_state::handshake || state_ == client_state::open || state_ == client_state::closing)
            return make_error_code(errc::already_started);
        const handshake_key key = make_handshake_key(rng_);
        std::string& out = queue_.begin_payload();
        if (auto ec = write_upgrade_request(out, req, key.key_view())) {
            queue_.rollback();
            return ec;
        }
        queue_.commit(make_action(action_kind::transmit));
        reset_connection();
        accept_ = key.accept;
        offered_.assign(req.subprotocols); // keeps its capacity across reconnects
        state_ = client_state::handshake;
        timers_.arm(timer::handshake, now + options_.handshake_timeout);
        return {};
    }

    /// Queues one message as a single masked frame. The caller must pass valid
    /// UTF-8 for text (it is not re-checked). Errors: errc::not_open unless open
    /// (after close() too). Nothing is allocated once the queue has grown.
    std::error_code send(std::string_view payload, message_type type = message_type::text) {
        if (state_ != client_state::open) return make_error_code(errc::not_open);
        queue_frame(type == message_type::text ? opcode::text : opcode::binary, payload);
        return {};
    }

    /// Queues a ping. Errors: errc::not_open, errc::control_payload_too_long (> 125 bytes).
    std::error_code ping(std::string_view payload = {}) {
        if (state_ != client_state::open) return make_error_code(errc::not_open);
        if (payload.size() > 125) return make_error_code(errc::control_payload_too_long);
        queue_frame(opcode::ping, payload);
        return {};
    }

    /// Starts the close handshake (RFC 6455 §7.1.2): queues a close frame and
    /// waits close_timeout for the server's. Messages may still arrive until
    /// then; nothing more can be sent. Errors (nothing changes): not_open,
    /// bad_close_code (not sendable: see is_valid_close_code),
    /// control_payload_too_long (reason > 123 bytes), bad_close_reason (not UTF-8).
    /// `now` starts the close timeout; by default the latest instant seen.
    std::error_code close(std::uint16_t code = close_code::normal, std::string_view reason = {}, instant now = {}) {
        now = clock_(now);
        if (state_ != client_state::open) return make_error_code(errc::not_open);
        if (!is_valid_close_code(code)) return make_error_code(errc::bad_close_code);
        if (reason.size() > 123) return make_error_code(errc::control_payload_too_long);
        if (!is_valid_utf8(reason)) return make_error_code(errc::bad_close_reason);
        queue_close_frame(code, reason);
        state_ = client_state::closing;
        timers_.arm(timer::close, now + options_.close_timeout);
        return {};
    }

    // ------------------------------------------------- inputs, queued events

    /// Feeds bytes read from the transport; events and replies are queued.
    /// Returns the error the connection failed with (now or before), or empty.
    std::error_code receive(std::string_view bytes, instant now) {
        for (;;) {
            const entry e = next_event(bytes, now);
            if (e.action.kind == action_kind::none) break;
            queue_.push(e.action, e.bytes);
        }
        return error_;
    }

    /// The transport ended (EOF, reset, TLS failure). Queues a closed event
    /// (1006, errc::closed_abnormally or handshake_eof) unless one was already given.
    void transport_closed(instant now) { push_if(transport_closed_event(now)); }

    /// Fires due timers (handshake and close timeouts). Early or repeated calls do nothing.
    void handle_timeout(instant now) { push_if(timeout_event(now)); }

    /// The earliest deadline, or instant::never(); O(1).
    instant next_deadline() const noexcept { return timers_.next_deadline(); }

    /// The next queued action, or nullptr. The entry and its bytes are valid
    /// until the next mutating call on the client.
    const entry* poll() noexcept { return queue_.poll(); }

    // ------------------------------------------------- inputs, pulled events

    /// Consumes bytes from the front of `in` up to the next event and returns
    /// it (kind none when `in` ran out first). Replies (pongs, the close echo,
    /// close_transport) are still queued for poll(). The event's bytes are a
    /// view into `in`, or into the client, valid until the next call on the
    /// client. Bytes after a 101 in the same input are not lost: they stay in
    /// `in` for the next call. After closed/failed the rest of `in` is dropped.
    entry next_event(std::string_view& in, instant now) {
        clock_(now);
        switch (state_) {
        case client_state::handshake: return handshake_step(in);
        case client_state::open:
        case client_state::closing: return frame_step(in);
        case client_state::idle:
        case client_state::closed:
        case client_state::failed: in = {}; return {};
        }
        return {};
    }

    /// The transport ended: returns the closed event (or none if already closed).
    entry transport_closed_event(instant now) {
        clock_(now);
        switch (state_) {
        case client_state::handshake: return finish(errc::handshake_eof, false);
        case client_state::open:
        case client_state::closing: return finish(errc::closed_abnormally, false);
        default: return {};
        }
    }

    /// Fires due timers; returns the closed event a timeout caused, if any.
    entry timeout_event(instant now) {
        now = clock_(now);
        entry out{};
        timers_.expire(now, [&](timer t) {
            if (t == timer::handshake && state_ == client_state::handshake) out = finish(errc::handshake_timeout, true);
            if (t == timer::close && state_ == client_state::closing) out = finish(errc::close_timeout, true);
        });
        return out;
    }

    /// Forgets the current connection without a close handshake (the caller
    /// drops the socket itself, e.g. to reconnect): the client becomes idle
    /// and gives no closed event. Queued actions stay queued.
    void reset() noexcept {
        reset_connection();
        state_ = client_state::idle;
    }

    // ----------------------------------------------------------- inspection

    client_state state() const noexcept { return state_; }
    bool is_open() const noexcept { return state_ == client_state::open; }
    /// The error the connection failed with; empty unless state() == failed.
    std::error_code error() const noexcept { return error_; }
    const client_options& options() const noexcept { return options_; }
    /// Heap bytes held by the action queue and the reassembly buffer (an idle
    /// client is sizeof(ws::client), 744 bytes with GCC 12 on x86-64, plus this).
    std::size_t heap_bytes() const noexcept {
        return queue_.heap_bytes() + (message_.capacity() > 15 ? message_.capacity() + 1 : 0);
    }
    /// Releases buffer memory an idle connection does not need (the queue once
    /// drained, the reassembly buffer between messages). Buffers grow again on use.
    void shrink() {
        queue_.shrink();
        if (!frames_.in_message() && frames_.payload_remaining() == 0) std::string().swap(message_);
    }

private:
    enum class timer : std::uint8_t { handshake, close };

    void push_if(const entry& e) {
        if (e.action.kind != action_kind::none) queue_.push(e.action, e.bytes);
    }

    void reset_connection() noexcept {
        http_.reset();
        frames_.reset();
        utf8_.reset();
        message_.clear();
        control_len_ = 0;
        close_sent_ = false;
        error_ = {};
        timers_.clear();
    }

    void queue_frame(opcode op, std::string_view payload) {
        const std::uint32_t key = rng_.next_u32();
        char* frame = queue_.push_uninitialized(make_action(action_kind::transmit), client_header_size(payload.size()) + payload.size());
        write_client_frame(frame, op, payload, key);
    }

    void queue_close_frame(std::uint16_t code, std::string_view reason) {
        char payload[125];
        payload[0] = static_cast<char>(code >> 8);
        payload[1] = static_cast<char>(code & 0xFF);
        reason.copy(payload + 2, 123);
        queue_frame(opcode::close, std::string_view(payload, 2 + reason.size()));
        close_sent_ = true;
    }

    /// Ends the connection with an error: sends the matching close code when
    /// the WebSocket was open, asks for the socket to be closed (unless it
    /// already is) and returns the closed event.
    entry finish(errc e, bool close_socket, std::uint16_t http_status = 0, std::string_view detail = {}) {
        std::uint16_t code = close_code_for(e);
        if (state_ == client_state::open && code != close_code::abnormal) queue_close_frame(code, {});
        if (close_socket) queue_.push(make_action(action_kind::close_transport));
        state_ = client_state::failed;
        error_ = make_error_code(e);
        timers_.clear();
        action a = make_action(action_kind::closed);
        a.close_code = code;
        a.http_status = http_status;
        a.error = error_;
        return {a, detail};
    }

    entry handshake_step(std::string_view& in) {
        for (;;) {
            const http::parse_step s = http_.parse(in);
            switch (s.event) {
            case http::parse_event::need_more: return {};
            case http::parse_event::error: in = {}; return finish(errc::bad_handshake_response, true);
            case http::parse_event::head: {
                std::string_view selected;
                const auto ec = check_upgrade_response(http_, {accept_.data(), accept_.size()}, offered_, selected);
                if (ec) {
                    in = {};
                    return finish(static_cast<errc>(ec.value()), true, static_cast<std::uint16_t>(http_.status()),
                                  ec == errc::upgrade_refused ? http_.reason() : std::string_view{});
                }
                // A 101 has no body: the bytes after the blank line are frames; leave them in `in`.
                state_ = client_state::open;
                timers_.disarm(timer::handshake);
                action a = make_action(action_kind::open);
                a.http_status = 101;
                return {a, selected};
            }
            case http::parse_event::body:
            case http::parse_event::done: continue; // not reached for 101; other statuses fail at head
            }
        }
    }

    entry frame_step(std::string_view& in) {
        // A whole unfragmented message at the front of `in` (the usual read): in place, one step.
        if (std::string_view payload; frames_.next_whole_message(in, options_.max_message_size, payload)) {
            type_ = frames_.header().op == opcode::text ? message_type::text : message_type::binary;
            if (type_ == message_type::text && !is_valid_utf8(payload)) {
                in = {};
                return finish(errc::invalid_utf8, true);
            }
            return message_event(payload);
        }
        for (;;) {
            const frame_parser::step s = frames_.next(in);
            switch (s.kind) {
            case frame_parser::step_kind::need_more: return {};
            case frame_parser::step_kind::error: in = {}; return finish(static_cast<errc>(frames_.error().value()), true);
            case frame_parser::step_kind::header: {
                const frame_header& h = frames_.header();
                if (!is_control(h.op)) {
                    if (h.op != opcode::continuation) { // the first frame of a message
                        type_ = h.op == opcode::text ? message_type::text : message_type::binary;
                        message_.clear();
                        utf8_.reset();
                    }
                    if (h.length > options_.max_message_size - message_.size()) {
                        in = {};
                        return finish(errc::message_too_big, true);
                    }
                } else {
                    control_len_ = 0;
                }
                if (s.frame_done) { // an empty frame; the last of a fragmented message completes message_
                    const bool ends_message = h.op == opcode::continuation;
                    const entry e = frame_done(ends_message ? std::string_view(message_) : std::string_view{});
                    if (e.action.kind == action_kind::closed) in = {};
                    if (e.action.kind != action_kind::none) return e;
                }
                continue;
            }
            case frame_parser::step_kind::payload: {
                const entry e = on_payload(s.payload, s.frame_done);
                if (e.action.kind == action_kind::closed) in = {};
                if (e.action.kind != action_kind::none) return e;
                continue;
            }
            }
        }
    }

    /// A piece of the current frame's payload.
    entry on_payload(std::string_view piece, bool done) {
        const frame_header& h = frames_.header();
        const bool whole = piece.size() == h.length; // the entire payload in one piece: use it in place
        if (is_control(h.op)) {
            if (whole) return frame_done(piece);
            piece.copy(control_ + control_len_, piece.size());
            control_len_ += piece.size();
            return done ? frame_done(std::string_view(control_, control_len_)) : entry{};
        }
        if (type_ == message_type::text && !utf8_.feed(piece)) return finish(errc::invalid_utf8, true);
        if (whole && h.fin && h.op != opcode::continuation) { // an unfragmented message, in place: frame_done's
            // data path written out here, so the entry is built in the caller's registers, not read back from memory
            if (type_ == message_type::text && !utf8_.complete()) return finish(errc::invalid_utf8, true);
            return message_event(piece);
        }
        message_.append(piece);
        return done ? frame_done(message_) : entry{};
    }

    /// The current frame is complete; `payload` is all of it (or, for the last
    /// frame of a fragmented message, the whole message).
    entry frame_done(std::string_view payload) {
        const frame_header& h = frames_.header();
        switch (h.op) {
        case opcode::ping: {
            if (!close_sent_) queue_frame(opcode::pong, payload); // echo the payload (§5.5.2)
            action a = make_action(action_kind::ping);
            return {a, payload};
        }
        case opcode::pong: return {make_action(action_kind::pong), payload};
        case opcode::close: return on_close_frame(payload);
        default: break;
        }
        if (!h.fin) return {};
        if (type_ == message_type::text && !utf8_.complete()) return finish(errc::invalid_utf8, true); // truncated sequence
        return message_event(payload);
    }

    /// The message event for a complete, checked message of type_.
    entry message_event(std::string_view payload) const noexcept {
        action a = make_action(action_kind::message);
        a.type = type_;
        return {a, payload};
    }

    entry on_close_frame(std::string_view payload) {
        std::uint16_t code = close_code::no_status;
        std::string_view reason;
        if (payload.size() == 1) return finish(errc::bad_close_payload, true);
        if (payload.size() >= 2) {
            code = static_cast<std::uint16_t>(static_cast<unsigned char>(payload[0]) << 8 | static_cast<unsigned char>(payload[1]));
            reason = payload.substr(2);
            if (!is_valid_close_code(code)) return finish(errc::invalid_close_code, true);
            if (!is_valid_utf8(reason)) return finish(errc::invalid_close_reason, true);
        }
        if (!close_sent_) { // echo the code (§5.5.1); an empty close is answered with an empty one
            if (code == close_code::no_status) queue_frame(opcode::close, {});
            else queue_close_frame(code, {});
        }
        queue_.push(make_action(action_kind::close_transport));
        state_ = client_state::closed;
        timers_.clear();
        action a = make_action(action_kind::closed);
        a.close_code = code;
        return {a, reason};
    }

    entropy rng_;
    client_options options_;
    client_state state_ = client_state::idle;
    bool close_sent_ = false;
    message_type type_ = message_type::text; // of the message being received
    action_queue<action> queue_;
    http::response_parser http_;
    frame_parser frames_;
    utf8_validator utf8_;
    std::string message_;  // reassembly of fragmented or split messages; capacity reused
    char control_[125]{};  // a control frame split across inputs
    std::size_t control_len_ = 0;
    std::array<char, 28> accept_{};
    std::string offered_;  // the subprotocols offered by start()
    std::error_code error_;
    timer_table<timer, 2> timers_;
    monotonic_clamp clock_;
};

} // namespace sluice::ws
