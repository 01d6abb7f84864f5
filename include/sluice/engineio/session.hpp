#pragma once
// sluice/engineio/session.hpp: the Engine.IO v4 client session over the
// WebSocket transport, as a state machine with no queue of its own.
//
// `session` is the logic every Engine.IO client shares: the open packet, the
// ping/pong liveness rule, close and noop packets, and reconnection with
// backoff. It reports what happens to a *sink* (the owner: engineio::client,
// socketio::client, navigator::client), which turns each report into actions
// in its own queue. That way a layered client has one queue and outgoing
// packets are written once, straight into their final place.
//
// States (the transition table; anything else is ignored or refused):
//
//   closed      --start()-->            connecting   (open action)
//   connecting  --on_open()-->          handshaking
//   handshaking --open packet-->        open         (opened report)
//   open        --ping-->               open         (pong sent, ping deadline re-armed)
//   connecting/handshaking/open --on_close, protocol error, timeout, close packet-->
//               waiting (reconnect timer armed) or closed (no reconnection)
//   waiting     --reconnect timer-->    connecting   (open action)
//   any         --close()-->            closed
//
// Timers (pulled: next_deadline() / handle_timeout(now)):
//   connect   open action + connect_timeout: the handshake must be done by then
//   ping      handshake/last ping + pingInterval + pingTimeout: the server is gone
//   reconnect the backoff delay after a loss
//
// Includes: <chrono>, <concepts> (the sink concept), <cstddef>, <cstdint>,
// <optional>, <string>, <string_view>, <system_error>;
// core/{backoff,entropy,time,timer_table,transport}.hpp for reconnection,
// jitter, deadlines and the transport vocabulary; engineio/{errc,handshake,
// packet}.hpp.
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include <sluice/core/backoff.hpp>
#include <sluice/core/entropy.hpp>
#include <sluice/core/time.hpp>
#include <sluice/core/timer_table.hpp>
#include <sluice/core/transport.hpp>
#include <sluice/engineio/errc.hpp>
#include <sluice/engineio/handshake.hpp>
#include <sluice/engineio/packet.hpp>

namespace sluice::engineio {

namespace detail {
/// Heap bytes a string holds: its capacity and terminator once it has left
/// the in-object buffer (short strings hold none).
inline std::size_t heap_of(const std::string& s) noexcept {
    static const std::size_t in_object = std::string().capacity();
    return s.capacity() > in_object ? s.capacity() + 1 : 0;
}
} // namespace detail

/// WebSocket close codes the session asks for.
inline constexpr std::uint16_t close_normal = 1000;         ///< the caller closed, a timeout, a server close packet
inline constexpr std::uint16_t close_protocol_error = 1002; ///< the server sent a malformed or unexpected packet
inline constexpr std::uint16_t close_too_big = 1009;        ///< the server sent a message above max_message

/// Builds the WebSocket-transport URL: `base` (scheme, host, port, e.g.
/// "ws://127.0.0.1:3334"), `path` (default "/socket.io/"), then
/// "?EIO=4&transport=websocket" and `extra_query` ("a=1&b=2", without a
/// leading '&') when not empty. A `base` that already ends in '/' does not
/// double the slash.
inline std::string make_url(std::string_view base, std::string_view path = "/socket.io/", std::string_view extra_query = {}) {
    std::string url(base);
    if (!url.empty() && url.back() == '/' && !path.empty() && path.front() == '/') url.pop_back();
    url.append(path);
    url.append("?EIO=4&transport=websocket");
    if (!extra_query.empty()) {
        url.push_back('&');
        url.append(extra_query);
    }
    return url;
}

/// What a session needs to know; all durations are on the caller's clock.
struct config {
    /// The full WebSocket URL, e.g. make_url("ws://127.0.0.1:3334").
    std::string url{};
    /// Extra header lines for the upgrade request, each "Name: value\r\n"
    /// (e.g. "Authorization: Bearer x\r\n"); empty for none.
    std::string headers{};
    /// The open action must lead to an open packet within this; else the
    /// attempt fails with errc::handshake_timeout (socket.io-client: 20 s).
    duration connect_timeout = std::chrono::seconds(20);
    /// Inbound messages larger than this are refused (errc::message_too_large,
    /// close 1009). In byte mode the WebSocket codec's own limit applies first.
    std::size_t max_message = std::size_t{16} << 20;
    /// The outgoing packet limit until the server's open packet says
    /// otherwise (maxPayload; python-socketio does not send it).
    std::uint64_t default_max_payload = 1'000'000;
    /// Reconnect after a lost session (not after close()).
    bool reconnect = true;
    /// Delays between attempts; socket.io-client's defaults: 1 s doubling to
    /// 5 s, +-50 % jitter, unlimited attempts.
    backoff_config reconnect_backoff{std::chrono::seconds(1), std::chrono::seconds(5), 2.0, jitter_mode::equal, 0};

    /// errc::invalid_config when url is empty, connect_timeout <= 0,
    /// max_message == 0, default_max_payload == 0, or the backoff config is
    /// invalid; else empty.
    std::error_code validate() const noexcept {
        if (url.empty() || connect_timeout.count() <= 0 || max_message == 0 || default_max_payload == 0 ||
            reconnect_backoff.validate())
            return errc::invalid_config;
        return {};
    }
};

/// The session's state; see the transition table at the top of this file.
enum class state : std::uint8_t {
    closed,      ///< not started, closed by the caller, or given up
    connecting,  ///< the open action is out; waiting for on_open()
    handshaking, ///< the transport is open; waiting for the open packet
    open,        ///< the handshake is done; messages flow both ways
    waiting,     ///< the session was lost; the reconnect timer is armed
};

/// What a session reports to its owner. Every view is valid only during the
/// call. `send` writes an outgoing text message: the owner returns the
/// buffer to append to (begin_send) and queues what was appended (commit_send).
template <class S>
concept sink = requires(S& s, std::string_view v, message_type t, std::uint16_t code, const handshake& h,
                        std::error_code ec, std::optional<std::uint16_t> peer_code, instant now) {
    { s.begin_send() } -> std::same_as<std::string&>;
    s.commit_send(t);                               // queue what was appended as one message of type t
    s.open_transport(v, v);                         // url, header block: open a new transport (drop the old)
    s.close_transport(code, v);                     // close the transport with code and reason
    s.engine_opened(h, now);                        // the handshake is done
    s.engine_message(v, t, now);                    // a message packet (text data, or binary bytes)
    s.engine_ping(now);                             // the server pinged; the pong is already queued
    s.engine_disconnected(ec, peer_code, now, now); // why, the peer's close code, retry_at (never = no retry), now
};

/// The Engine.IO v4 client session (WebSocket transport only). Owned by a
/// client that implements `sink`; every mutating call takes the sink.
class session {
public:
    /// `rng` (backoff jitter) must outlive the session. The config is used as
    /// given; call cfg.validate() first to report bad input.
    session(config cfg, entropy rng) : cfg_(std::move(cfg)), backoff_(cfg_.reconnect_backoff, rng) {}

    /// Connects: queues an open action for config::url and arms the connect
    /// timer. Errors: errc::already_started unless the state is closed (the
    /// session is connecting, open or waiting to reconnect; nothing changes).
    template <sink S>
    std::error_code start(instant now, S& s) {
        now = clamp_(now);
        if (state_ != state::closed) return errc::already_started;
        backoff_.reset();
        connect(now, s);
        return {};
    }

    /// The transport asked for by the last open action is open (after the
    /// WebSocket upgrade). Ignored in any state but connecting.
    template <sink S>
    void on_open(instant now, S&) {
        now = clamp_(now);
        if (state_ == state::connecting) state_ = state::handshaking;
    }

    /// One whole WebSocket message arrived. Ignored unless the transport is
    /// open (handshaking or open): a frame from a transport the session has
    /// already given up on changes nothing. A malformed or unexpected packet
    /// closes the transport (1002) and reports engine_disconnected.
    template <sink S>
    void on_message(std::string_view msg, message_type type, instant now, S& s) {
        now = clamp_(now);
        if (state_ != state::handshaking && state_ != state::open) return;
        if (msg.size() > cfg_.max_message) return fail(make_error_code(errc::message_too_large), close_too_big, now, s);
        packet p;
        if (const auto ec = decode(msg, type, p)) return fail(ec, close_protocol_error, now, s);
        if (state_ == state::handshaking) {
            if (p.type != packet_type::open) return fail(make_error_code(errc::unexpected_packet), close_protocol_error, now, s);
            handshake h;
            if (const auto ec = parse_handshake(p.data, h)) return fail(ec, close_protocol_error, now, s);
            if (h.sid.size() > sid_.capacity()) sid_ = std::string(h.sid); // sized exactly (assign would double)
            else sid_.assign(h.sid);
            h.sid = sid_;
            if (h.max_payload == 0) h.max_payload = cfg_.default_max_payload;
            ping_interval_ = h.ping_interval;
            ping_timeout_ = h.ping_timeout;
            max_payload_ = h.max_payload;
            state_ = state::open;
            backoff_.reset();
            timers_.disarm(timer::connect);
            timers_.arm(timer::ping, now + ping_interval_ + ping_timeout_);
            s.engine_opened(h, now);
            return;
        }
        switch (p.type) {
        case packet_type::ping: {
            std::string& out = s.begin_send();
            encode(packet_type::pong, p.data, out); // "3", or "3probe" for "2probe"
            s.commit_send(message_type::text);
            timers_.arm(timer::ping, now + ping_interval_ + ping_timeout_);
            s.engine_ping(now);
            return;
        }
        case packet_type::message: s.engine_message(p.data, p.encoding, now); return;
        case packet_type::close:
            s.close_transport(close_normal, "server close");
            return lost(make_error_code(errc::server_closed), std::nullopt, now, s);
        case packet_type::open: return fail(make_error_code(errc::unexpected_packet), close_protocol_error, now, s);
        case packet_type::pong:    // v3 servers answered client pings; harmless
        case packet_type::upgrade: // polling-only; nothing to upgrade on WebSocket
        case packet_type::noop: return;
        }
    }

    /// The transport ended (`info.code` empty when it dropped without a close
    /// frame). Before the handshake this is errc::connect_failed, after it
    /// errc::transport_closed; the session then waits to reconnect or stays
    /// closed. Ignored when the session was not using a transport (waiting,
    /// closed): the transport it had already given up on finished closing.
    template <sink S>
    void on_close(const close_info& info, instant now, S& s) {
        now = clamp_(now);
        switch (state_) {
        case state::connecting:
        case state::handshaking: return lost(make_error_code(errc::connect_failed), info.code, now, s);
        case state::open: return lost(make_error_code(errc::transport_closed), info.code, now, s);
        case state::waiting:
        case state::closed: return;
        }
    }

    /// Fires the timers due at `now`; early or repeated calls do nothing.
    template <sink S>
    void handle_timeout(instant now, S& s) {
        now = clamp_(now);
        timers_.expire(now, [&](timer t) {
            switch (t) {
            case timer::connect:
                if (state_ == state::connecting || state_ == state::handshaking) fail(make_error_code(errc::handshake_timeout), close_normal, now, s);
                break;
            case timer::ping:
                if (state_ == state::open) fail(make_error_code(errc::ping_timeout), close_normal, now, s);
                break;
            case timer::reconnect:
                if (state_ == state::waiting) connect(now, s);
                break;
            }
        });
    }

    /// The caller ends the session: closes the transport (1000) if one is in
    /// use, disarms every timer and stays closed until start(). Reports
    /// engine_disconnected(errc::closed_by_client...) once if the session was
    /// not already closed. Never fails.
    template <sink S>
    void close(instant now, S& s) {
        now = clamp_(now);
        if (state_ == state::closed) return;
        if (state_ != state::waiting) s.close_transport(close_normal, "client close");
        timers_.clear();
        state_ = state::closed;
        s.engine_disconnected(make_error_code(errc::closed_by_client), std::nullopt, instant::never(), now);
    }

    /// The layer above found a protocol error in a message packet (a
    /// malformed Socket.IO packet): closes the transport with `code` and loses
    /// the session as for an Engine.IO error, reporting `why`. May be called
    /// from inside the sink's engine_message. Ignored unless open.
    template <sink S>
    void abort(std::error_code why, std::uint16_t code, instant now, S& s) {
        now = clamp_(now);
        if (state_ == state::open || state_ == state::handshaking) fail(why, code, now, s);
    }

    /// Gives up the reconnection scheduled after a loss (the layer above has
    /// nothing left to reconnect for): waiting -> closed, timers disarmed.
    /// Returns false (and does nothing) in any other state.
    bool cancel_reconnect() noexcept {
        if (state_ != state::waiting) return false;
        timers_.clear();
        state_ = state::closed;
        return true;
    }

    /// Whether a packet of `size` bytes (type digit included) may be sent now.
    /// Errors (nothing to undo): errc::not_open before the handshake or after
    /// a loss; errc::payload_too_large above the server's maxPayload.
    std::error_code check_send(std::size_t size) const noexcept {
        if (state_ != state::open) return errc::not_open;
        if (size > max_payload_) return errc::payload_too_large;
        return {};
    }

    /// The earliest armed deadline, instant::never() when none; O(1).
    instant next_deadline() const noexcept { return timers_.next_deadline(); }
    state current_state() const noexcept { return state_; }
    bool is_open() const noexcept { return state_ == state::open; }
    /// The Engine.IO session id of the current (or last) handshake; valid
    /// until the next handshake.
    std::string_view sid() const noexcept { return sid_; }
    duration ping_interval() const noexcept { return ping_interval_; }
    duration ping_timeout() const noexcept { return ping_timeout_; }
    std::uint64_t max_payload() const noexcept { return max_payload_; }
    /// Incremented by each open action: transport number n is generation n.
    std::uint64_t generation() const noexcept { return generation_; }
    /// Attempts since the last successful handshake.
    std::uint32_t attempts() const noexcept { return backoff_.attempts(); }
    const config& settings() const noexcept { return cfg_; }
    /// Heap bytes the session holds: its URL, headers and sid strings.
    std::size_t heap_bytes() const noexcept { return detail::heap_of(cfg_.url) + detail::heap_of(cfg_.headers) + detail::heap_of(sid_); }

private:
    enum class timer : std::uint8_t { connect, ping, reconnect };

    template <class S>
    void connect(instant now, S& s) {
        ++generation_;
        state_ = state::connecting;
        timers_.clear();
        timers_.arm(timer::connect, now + cfg_.connect_timeout);
        s.open_transport(cfg_.url, cfg_.headers);
    }

    // A peer error or a timeout: close the transport, then lose the session.
    template <class S>
    void fail(std::error_code why, std::uint16_t code, instant now, S& s) {
        s.close_transport(code, why == errc::ping_timeout        ? "ping timeout"
                                : why == errc::handshake_timeout ? "handshake timeout"
                                                                 : "protocol error");
        lost(why, std::nullopt, now, s);
    }

    // The transport is gone (or being closed): schedule the next attempt or
    // give up, and report once.
    template <class S>
    void lost(std::error_code why, std::optional<std::uint16_t> peer_code, instant now, S& s) {
        timers_.clear();
        instant retry_at = instant::never();
        duration delay{};
        if (cfg_.reconnect && !backoff_.next(delay)) {
            retry_at = now + delay;
            state_ = state::waiting;
            timers_.arm(timer::reconnect, retry_at);
        } else {
            state_ = state::closed;
        }
        s.engine_disconnected(why, peer_code, retry_at, now);
    }

    config cfg_;
    backoff backoff_;
    timer_table<timer, 3> timers_;
    monotonic_clamp clamp_;
    std::string sid_{};
    duration ping_interval_{};
    duration ping_timeout_{};
    std::uint64_t max_payload_ = 0;
    std::uint64_t generation_ = 0;
    state state_ = state::closed;
};

} // namespace sluice::engineio
