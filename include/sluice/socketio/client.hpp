#pragma once
// sluice/socketio/client.hpp: the Socket.IO v5 client machine (message mode;
// wrap it in ws::session for byte mode).
//
//     socketio::config cfg;
//     cfg.engine.url = engineio::make_url("ws://127.0.0.1:3334");
//     socketio::client c(cfg, rng);
//     c.join("/", R"({"token":"x"})", now);     // CONNECT goes out once open
//     c.start(now);
//     while (const auto* e = c.poll()) {
//         const socketio::action& a = e->action;
//         switch (a.kind) {
//         case socketio::action_kind::transport: carry(a.op, a.type, a.close_code, e->bytes); break;
//         case socketio::action_kind::namespace_connected: c.emit(a.nsp, "hello", "[1,2]"); break;
//         case socketio::action_kind::event: handle(a.nsp, a.name, a.args); break;   // args: "[...]"
//         case socketio::action_kind::ack: if (!a.error) use(a.id, a.args); break;
//         default: break;
//         }
//     }
//
// Every view in a polled action (nsp, name, args, data, attachments, bytes)
// is valid until the next mutating call on the client; copy what you keep.
// Once connected, receiving and sending allocate nothing: the queue's arena
// and the reassembly buffers are reused.
//
// Memory: the action queue and the polled entry live in one block allocated by
// the first action; shrink() frees it (and the session's unused buffers) when
// everything was polled, so a long-idle client holds little more than its
// configuration, namespaces and sids (heap_bytes() says how much).
//
// Includes: <cstdint>, <cstring> (memcpy of attachment sizes), <memory> (the
// queue block), <optional>, <span>, <string>, <string_view>, <system_error>,
// <vector>;
// core/action_queue.hpp; session.hpp.
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <sluice/core/action_queue.hpp>
#include <sluice/socketio/session.hpp>

namespace sluice::socketio {

/// What an action asks of the caller, or reports.
enum class action_kind : std::uint8_t {
    transport,              ///< op: send `bytes` as a `type` message, open (bytes = open_request), close with close_code
    opened,                 ///< the Engine.IO handshake is done (data = the Engine.IO sid); namespaces connect next
    ping,                   ///< the server pinged; the pong is already queued
    disconnected,           ///< the Engine.IO session was lost or closed: error, peer_close, retry_at (never = no retry)
    namespace_connected,    ///< nsp joined; data = its Socket.IO sid
    namespace_refused,      ///< nsp refused by CONNECT_ERROR; data = the payload (JSON string or {"message",...}); error = namespace_refused
    namespace_disconnected, ///< nsp left: error = server_disconnect (not rejoined), transport_lost (rejoins), closed_by_client
    event,                  ///< an event: nsp, name, args (JSON array), id (answer with ack()), attachments
    ack,                    ///< an ack resolved: id, nsp, error (empty = answered: args, attachments; ack_timeout; ack_lost)
};

/// One action; the transport fields follow core/transport.hpp's convention.
/// Which other fields are set depends on `kind` (see action_kind).
struct action {
    action_kind kind = action_kind::transport;
    transport_op op = transport_op::none;
    message_type type = message_type::text;
    std::uint16_t close_code = 0;
    std::string_view nsp{};                          ///< namespace_*, event, ack
    std::string_view name{};                         ///< event: the event name
    std::string_view args{};                         ///< event, answered ack: the arguments as a JSON array, e.g. `[1,"a"]`
    std::string_view data{};                         ///< opened, namespace_connected: a sid; namespace_refused: the payload
    std::optional<std::uint64_t> id{};               ///< event: the ack id the server waits for; ack: the id that resolved
    std::span<const std::string_view> attachments{}; ///< binary event or ack: attachment i replaces placeholder num i
    std::error_code error{};                         ///< disconnected, namespace_refused, namespace_disconnected, ack
    std::optional<std::uint16_t> peer_close{};       ///< disconnected: the server's close code, if any
    instant retry_at = instant::never();             ///< disconnected: when the reconnect attempt goes out
};

/// The Socket.IO client as a message_machine.
class client {
public:
    struct entry {
        socketio::action action;
        std::string_view bytes{}; ///< transport: the payload; otherwise unspecified
    };

    /// `rng` must outlive the client. Validate the config first
    /// (cfg.validate()) to report bad input. Allocates the queue's initial
    /// storage, the ack table and the namespace list here.
    client(config cfg, entropy rng) : session_(std::move(cfg), rng) {}

    // ---- commands (see socketio::session for the errors) -------------------

    /// Connects. Errors: engineio::errc::already_started.
    std::error_code start(instant now) { return session_.start(now, sink_); }
    /// Leaves the connected namespaces, closes, stays closed until start().
    void close(instant now) { session_.close(now, sink_); }
    /// Joins `nsp` ("/" too must be joined) with an optional auth JSON object.
    std::error_code join(std::string_view nsp, std::string_view auth, instant now) { return session_.join(nsp, auth, now, sink_); }
    std::error_code join(std::string_view nsp, instant now) { return session_.join(nsp, {}, now, sink_); }
    /// Leaves `nsp` (DISCONNECT); its pending acks resolve as ack_lost.
    std::error_code leave(std::string_view nsp, instant now) { return session_.leave(nsp, now, sink_); }
    /// Sends event `name` with `args` (a JSON array, "" = none).
    std::error_code emit(std::string_view nsp, std::string_view name, std::string_view args = {},
                         std::span<const std::string_view> attachments = {}) {
        return session_.emit(nsp, name, args, sink_, attachments);
    }
    /// Sends event `name` asking for an ack; `id` receives its ack id, which
    /// resolves exactly once as an `ack` action. timeout <= 0: no deadline.
    std::error_code emit_with_ack(std::string_view nsp, std::string_view name, std::string_view args, instant now, duration timeout,
                                  std::uint64_t& id, std::span<const std::string_view> attachments = {}) {
        return session_.emit_with_ack(nsp, name, args, now, timeout, id, sink_, attachments);
    }
    /// Answers the server's event that carried ack id `id`.
    std::error_code ack(std::string_view nsp, std::uint64_t id, std::string_view args = {},
                        std::span<const std::string_view> attachments = {}) {
        return session_.ack(nsp, id, args, sink_, attachments);
    }

    // ---- message_machine ----------------------------------------------------

    void on_open(instant now) { session_.on_open(now, sink_); }
    void on_message(std::string_view msg, message_type type, instant now) { session_.on_message(msg, type, now, sink_); }
    void on_close(const close_info& info, instant now) { session_.on_close(info, now, sink_); }
    void handle_timeout(instant now) { session_.handle_timeout(now, sink_); }
    instant next_deadline() const noexcept { return session_.next_deadline(); }

    /// The next action or nullptr. The entry and every view in it are valid
    /// until the next mutating call (poll() itself only invalidates the
    /// previous entry's `attachments`).
    const entry* poll() {
        if (!sink_.io) return nullptr;
        const auto* e = sink_.io->q.poll();
        if (e == nullptr) return nullptr;
        entry& current_ = sink_.io->current;
        std::vector<std::string_view>& views_ = sink_.io->views;
        const stored& s = e->action;
        std::string_view rest = e->bytes;
        auto take = [&](std::uint32_t n) {
            const std::string_view v = rest.substr(0, n);
            rest.remove_prefix(n);
            return v;
        };
        action a{.kind = s.kind, .op = s.op, .type = s.type, .close_code = s.close_code};
        if (s.kind == action_kind::transport) {
            current_ = {a, e->bytes};
            return &current_;
        }
        a.nsp = take(s.nsp_len);
        a.name = take(s.name_len);
        a.args = take(s.args_len);
        a.data = take(s.data_len);
        views_.clear();
        if (s.attachments != 0) {
            const std::string_view sizes = take(4 * s.attachments);
            for (std::uint32_t i = 0; i < s.attachments; ++i) {
                std::uint32_t n = 0;
                std::memcpy(&n, sizes.data() + 4 * i, 4);
                views_.push_back(take(n));
            }
        }
        a.attachments = views_;
        a.id = s.id;
        a.error = s.error;
        a.peer_close = s.peer_close;
        a.retry_at = s.retry_at;
        current_ = {a, {}};
        return &current_;
    }

    // ---- state ----------------------------------------------------------------

    const socketio::session& session() const noexcept { return session_; }
    std::optional<namespace_state> state_of(std::string_view nsp) const noexcept { return session_.state_of(nsp); }
    engineio::state engine_state() const noexcept { return session_.engine().current_state(); }

    // ---- memory -----------------------------------------------------------------

    /// Once every action was polled, frees the queue block and the session's
    /// unused buffers (session::shrink()); views from the last poll() become
    /// invalid. Call it when a client goes idle; the next action allocates
    /// the block again.
    void shrink() noexcept {
        if (sink_.io && sink_.io->q.empty()) sink_.io.reset();
        session_.shrink();
    }
    /// Heap bytes the client holds: the queue block (with the capacities of
    /// its buffers) and the session's (session::heap_bytes()).
    std::size_t heap_bytes() const noexcept {
        std::size_t n = session_.heap_bytes();
        if (sink_.io) n += sizeof(io_state) + sink_.io->q.heap_bytes() + sink_.io->views.capacity() * sizeof(std::string_view);
        return n;
    }

private:
    // What the queue holds: the fixed fields, and the lengths of the strings
    // that follow each other in the payload (nsp, name, args, data, then the
    // attachment sizes as 4-byte integers and the attachments).
    struct stored {
        action_kind kind = action_kind::transport;
        transport_op op = transport_op::none;
        message_type type = message_type::text;
        std::uint16_t close_code = 0;
        std::uint32_t nsp_len = 0, name_len = 0, args_len = 0, data_len = 0, attachments = 0;
        std::optional<std::uint64_t> id{};
        std::error_code error{};
        std::optional<std::uint16_t> peer_close{};
        instant retry_at = instant::never();
    };

    // The queue, the polled entry and its attachment views: one block,
    // allocated by the first action, freed by shrink().
    struct io_state {
        action_queue<stored> q;
        std::vector<std::string_view> views{}; // the polled entry's attachments
        entry current{};
    };

    struct queue_sink {
        std::unique_ptr<io_state> io{};
        action_queue<stored>& queue() {
            if (!io) io = std::make_unique<io_state>();
            return io->q;
        }

        // transport
        std::string& begin_send() { return queue().begin_payload(); }
        void commit_send(message_type t) { queue().commit(stored{.op = transport_op::send, .type = t}); }
        void rollback_send() { queue().rollback(); }
        void open_transport(std::string_view url, std::string_view headers) {
            std::string& out = queue().begin_payload();
            out.append(url);
            if (!headers.empty()) {
                out.append("\r\n");
                out.append(headers);
            }
            queue().commit(stored{.op = transport_op::open});
        }
        void close_transport(std::uint16_t code, std::string_view reason) {
            queue().push(stored{.op = transport_op::close, .close_code = code}, reason);
        }

        // reports
        void engine_opened(const engineio::handshake& h, instant) { report(action_kind::opened, {}, {}, {}, h.sid); }
        void engine_ping(instant) { queue().push(stored{.kind = action_kind::ping}); }
        void engine_disconnected(std::error_code ec, std::optional<std::uint16_t> code, instant retry_at, instant) {
            queue().push(stored{.kind = action_kind::disconnected, .error = ec, .peer_close = code, .retry_at = retry_at});
        }
        void namespace_connected(std::string_view nsp, std::string_view sid, instant) {
            report(action_kind::namespace_connected, nsp, {}, {}, sid);
        }
        void namespace_refused(std::string_view nsp, std::string_view data, instant) {
            report(action_kind::namespace_refused, nsp, {}, {}, data, make_error_code(errc::namespace_refused));
        }
        void namespace_disconnected(std::string_view nsp, std::error_code ec, instant) {
            report(action_kind::namespace_disconnected, nsp, {}, {}, {}, ec);
        }
        void event_received(const event_view& ev, instant) {
            report(action_kind::event, ev.nsp, ev.name, ev.args, {}, {}, ev.ack_id, ev.attachments, true);
        }
        void ack_resolved(const ack_view& av, instant) {
            report(action_kind::ack, av.nsp, {}, av.args, {}, av.error, av.id, av.attachments, !av.error);
        }

        // Copies the strings into the arena one after the other; args (a
        // JSON list without brackets) gets its brackets back when `bracket`.
        void report(action_kind k, std::string_view nsp, std::string_view name, std::string_view args, std::string_view data,
                    std::error_code ec = {}, std::optional<std::uint64_t> id = std::nullopt,
                    std::span<const std::string_view> attachments = {}, bool bracket = false) {
            std::string& out = queue().begin_payload();
            out.append(nsp);
            out.append(name);
            const std::size_t args_at = out.size();
            if (bracket) out.push_back('[');
            out.append(args);
            if (bracket) out.push_back(']');
            const std::size_t args_len = out.size() - args_at;
            out.append(data);
            for (const auto& a : attachments) {
                const auto n = static_cast<std::uint32_t>(a.size());
                char b[4];
                std::memcpy(b, &n, 4);
                out.append(b, 4);
            }
            for (const auto& a : attachments) out.append(a);
            stored s{.kind = k};
            s.nsp_len = static_cast<std::uint32_t>(nsp.size());
            s.name_len = static_cast<std::uint32_t>(name.size());
            s.args_len = static_cast<std::uint32_t>(args_len);
            s.data_len = static_cast<std::uint32_t>(data.size());
            s.attachments = static_cast<std::uint32_t>(attachments.size());
            s.id = id;
            s.error = ec;
            queue().commit(s);
        }
    };


    socketio::session session_;
    queue_sink sink_;
};

} // namespace sluice::socketio
