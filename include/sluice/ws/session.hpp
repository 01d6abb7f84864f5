#pragma once
// sluice/ws/session.hpp: byte mode. A ws::client and any message-mode machine
// in one object with one receive(bytes, now).
//
// The inner machine (a protocol machine, or the tests' echo machine) speaks in
// whole messages through sluice's transport vocabulary. The session turns its
// transport actions into socket work and hands every other action out
// unchanged:
//
//     Inner action            what the caller gets from session::poll()
//     ----------------------  ------------------------------------------------
//     transport_op::open      io_op::connect: drop any current socket, open TCP
//                             (TLS when `tls`) to bytes:port, then call
//                             transport_open(); the upgrade is written then,
//                             with the extra headers of the open_request
//     transport_op::send      io_op::transmit: the message, framed and masked
//     transport_op::close     io_op::transmit: a close frame; io_op::disconnect
//                             once the server answered (or the close timed out)
//     transport_op::none      io_op::none: the Inner action in `inner`, its
//                             payload in `bytes`, untouched
//
// In the other direction, the codec's events become Inner's inputs: the 101
// calls on_open(now), each message on_message(view, type, now) (zero-copy:
// the view is valid during the call), and the end of the connection
// on_close(info, now), where info.code is the server's close code, or nullopt
// when no close frame came (the transport dropped, a protocol error, a
// timeout). An upgrade refused with an HTTP status other than 101 (400, 401,
// 409, 503, ...) calls `inner.on_open_refused(status, now)` when Inner has
// that member (the gateway clients do: their protocol decides between retry,
// a new session and a stop), and on_close with no code otherwise. Pings are
// answered by the codec.
//
// poll() hands out the codec's own output first (handshake, pongs, close
// echoes), then Inner's actions in Inner's order, translating as it goes, so
// commands called straight on inner() are picked up by the next poll().
// A view in a polled entry is valid until the next call on the session.
// After an io_op::connect the caller must not feed bytes or events of the
// previous socket.
//
// Includes: <cstdint>, <optional>, <string>, <string_view>, <type_traits>,
// <utility>; core/{entropy,time,transport}.hpp; ws/{client,error,url}.hpp
// (error.hpp for errc::upgrade_refused).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <sluice/core/entropy.hpp>
#include <sluice/core/time.hpp>
#include <sluice/core/transport.hpp>
#include <sluice/ws/client.hpp>
#include <sluice/ws/error.hpp>
#include <sluice/ws/url.hpp>

namespace sluice::ws {

/// What a session entry asks of the caller.
enum class io_op : std::uint8_t {
    none,       ///< not socket work: `inner` is one of Inner's own actions (an event, a request)
    connect,    ///< drop the current socket if any; open one to host `bytes`, port `port`, TLS if `tls`
    transmit,   ///< write `bytes` to the socket, in order
    disconnect, ///< close the socket once everything queued before is written
};

/// A session action: socket work, or one of Inner's actions passed through.
template <class InnerAction>
struct session_action {
    io_op io = io_op::none;
    bool tls = false;        ///< connect: wss
    std::uint16_t port = 0;  ///< connect
    InnerAction inner{};     ///< io_op::none: Inner's action, unchanged
};

/// Whether `Inner` takes the HTTP status of a refused upgrade (core/transport.hpp).
using sluice::takes_open_refused;

/// Byte mode for any message_machine `Inner`.
template <message_machine Inner>
class session {
public:
    using inner_entry = std::remove_cvref_t<decltype(*std::declval<Inner&>().poll())>;
    using inner_action = std::remove_cvref_t<decltype(std::declval<inner_entry&>().action)>;
    using action_type = session_action<inner_action>;
    struct entry {
        action_type action;
        std::string_view bytes; ///< valid until the next call on the session
    };

    /// Builds the codec with `rng` and `options`, and Inner from `inner_args`.
    template <class... Args>
    explicit session(entropy rng, client_options options, Args&&... inner_args)
        : ws_(rng, options), inner_(std::forward<Args>(inner_args)...) {}

    /// The message-mode machine: call its commands directly; poll() picks up what they queue.
    Inner& inner() noexcept { return inner_; }
    const Inner& inner() const noexcept { return inner_; }
    /// The WebSocket codec (for state(), error(), ping()).
    client& codec() noexcept { return ws_; }
    const client& codec() const noexcept { return ws_; }

    /// The socket asked for by the last io_op::connect is open: queues the upgrade.
    void transport_open(instant now) {
        now = clock_(now);
        if (!connecting_) return;
        connecting_ = false;
        upgrade_request req{target_.host, target_.port, target_.tls, target_.target, {}, headers_};
        if (ws_.start(req, now)) { // Inner's extra headers are not valid HTTP: treat as a failed connection
            disconnect_ = true;
            inner_.on_close(close_info{}, now);
        }
    }

    /// Bytes read from the socket. Messages reach Inner before this returns.
    void receive(std::string_view bytes, instant now) {
        now = clock_(now);
        for (;;) {
            const client::entry e = ws_.next_event(bytes, now);
            if (e.action.kind == action_kind::none) break;
            deliver(e, now);
            if (bytes.empty()) break; // every event consumes bytes: an empty rest holds none
        }
    }

    /// The socket ended (EOF, reset, or the connect itself failed).
    void transport_closed(instant now) {
        now = clock_(now);
        if (connecting_) { // the connect never succeeded
            connecting_ = false;
            inner_.on_close(close_info{}, now);
            return;
        }
        deliver(ws_.transport_closed_event(now), now);
    }

    /// Fires the codec's timers and Inner's.
    void handle_timeout(instant now) {
        now = clock_(now);
        deliver(ws_.timeout_event(now), now);
        inner_.handle_timeout(now);
    }

    /// The earlier of the codec's and Inner's deadlines; O(1) if Inner's is.
    instant next_deadline() const noexcept {
        const instant a = ws_.next_deadline(), b = inner_.next_deadline();
        return a < b ? a : b;
    }

    /// The next action, or nullptr when there is none.
    const entry* poll() {
        for (;;) {
            if (disconnect_) {
                disconnect_ = false;
                return emit(io_op::disconnect, {});
            }
            if (const client::entry* e = ws_.poll()) {
                if (e->action.kind == action_kind::transmit) return emit(io_op::transmit, e->bytes);
                if (e->action.kind == action_kind::close_transport) return emit(io_op::disconnect, {});
                continue; // events are pulled, never queued, by the session
            }
            const auto* ie = inner_.poll();
            if (ie == nullptr) return nullptr;
            switch (ie->action.op) {
            case transport_op::none: // field by field: one copy of Inner's action, no temporary
                out_.action.io = io_op::none;
                out_.action.tls = false;
                out_.action.port = 0;
                out_.action.inner = ie->action;
                out_.bytes = ie->bytes;
                return &out_;
            case transport_op::send:
                (void)ws_.send(ie->bytes, ie->action.type); // not open: the message is dropped, as by a closed socket
                continue;
            case transport_op::close:
                close_from_inner(ie->action.close_code, ie->bytes);
                continue;
            case transport_op::open:
                if (const entry* c = connect_from_inner(ie->bytes)) return c;
                continue;
            }
        }
    }

private:
    const entry* emit(io_op op, std::string_view bytes) {
        out_ = {action_type{op, false, 0, inner_action{}}, bytes};
        return &out_;
    }

    void deliver(const client::entry& e, instant now) {
        switch (e.action.kind) {
        case action_kind::open: inner_.on_open(now); break;
        case action_kind::message: inner_.on_message(e.bytes, e.action.type, now); break;
        case action_kind::closed: {
            if constexpr (takes_open_refused<Inner>) {
                if (e.action.http_status != 0 && e.action.error == errc::upgrade_refused) {
                    (void)inner_.on_open_refused(e.action.http_status, now); // the codec already asked for the socket to close
                    break;
                }
            }
            close_info info;
            if (!e.action.error) info.code = e.action.close_code; // a close frame came from the server
            info.reason = e.bytes;
            inner_.on_close(info, now);
            break;
        }
        default: break; // pings are answered by the codec; pongs and transmits are not Inner's business
        }
    }

    const entry* connect_from_inner(std::string_view payload) {
        // Keep our own copy: Inner's payload view dies with its next action.
        open_payload_.assign(payload);
        const open_request req = open_request::parse(open_payload_);
        ws_.reset();
        if (parse_url(req.url, target_)) {
            inner_.on_close(close_info{}, clock_.last()); // a URL we cannot connect to: a failed connection
            return nullptr;
        }
        headers_ = req.header_block;
        connecting_ = true;
        out_ = {action_type{io_op::connect, target_.tls, target_.port, inner_action{}}, target_.host};
        return &out_;
    }

    void close_from_inner(std::uint16_t code, std::string_view reason) {
        if (ws_.state() == client_state::open) {
            if (ws_.close(code, reason, clock_.last())) (void)ws_.close(close_code::normal, {}, clock_.last());
            return;
        }
        if (ws_.state() == client_state::handshake || connecting_) { // nothing to shake hands with yet
            ws_.reset();
            connecting_ = false;
            disconnect_ = true;
            inner_.on_close(close_info{}, clock_.last());
        }
    }

    client ws_;
    Inner inner_;
    entry out_{};
    std::string open_payload_; // the last open request; target_ and headers_ view it
    url target_;
    std::string_view headers_;
    bool connecting_ = false;  // a connect was handed out, transport_open not yet called
    bool disconnect_ = false;  // a disconnect to hand out next
    monotonic_clamp clock_;    // the latest instant seen, for actions taken inside poll()
};

} // namespace sluice::ws
