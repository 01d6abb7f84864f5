#pragma once
// sluice/socketio/session.hpp: the Socket.IO v5 client session: namespaces,
// events, acks and binary attachments, on top of engineio::session, with no
// queue of its own (see engineio/session.hpp for the sink design).
//
// Namespaces. join("/admin", auth) adds a namespace the client wants to be
// in; its CONNECT goes out as soon as the Engine.IO session is open, and again
// after every reconnection. Each namespace is in one state:
//
//   pending    --engine open-->        connecting (CONNECT sent)
//   connecting --CONNECT answer-->     connected  (namespace_connected)
//   connecting --CONNECT_ERROR-->      refused    (namespace_refused; join() again to retry)
//   connected  --DISCONNECT-->         kicked     (namespace_disconnected, server_disconnect; join() again to retry)
//   connected/connecting --engine lost-->  pending (namespace_disconnected, transport_lost, when it was connected)
//   any        --leave()-->            gone       (DISCONNECT sent when connected)
//
// Reconnection. After a loss the Engine.IO session reconnects with backoff
// as long as some namespace wants to be rejoined; when every namespace was
// refused, kicked or left, it stays closed (as socket.io-client's manager does).
//
// Acks. emit_with_ack() gives the event an id (one counter for the client,
// so ids never repeat across namespaces); the id resolves exactly once:
// answered (the server's ACK), ack_timeout (the deadline passed), or
// ack_lost (the connection or the namespace went away first). A late ACK for
// a resolved id is ignored, as socket.io-client does.
//
// Binary. A BINARY_EVENT / BINARY_ACK header announces n attachments; the
// next n Engine.IO binary messages are its attachments, and the event is
// reported once all have arrived. A text packet in between, or a binary
// message nobody announced, is a protocol error.
//
// Memory. An idle session holds its configuration, its namespaces and the
// Engine.IO sid: the ack table is allocated on the first emit_with_ack()
// (growing to the peak number of pending acks), the packet buffers (event
// name scratch, binary attachments) on the first inbound packet; shrink()
// gives both back while unused. heap_bytes() says what the session holds.
//
// Includes: <chrono>, <concepts> (the sink concept), <cstddef>, <cstdint>,
// <memory> (the attachment buffers), <optional>, <span>, <string>,
// <string_view>, <system_error>, <vector>;
// core/nonce_table.hpp for the pending acks; engineio/session.hpp for the
// transport; socketio/{errc,packet,payload}.hpp for the packets.
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <sluice/core/nonce_table.hpp>
#include <sluice/engineio/session.hpp>
#include <sluice/socketio/errc.hpp>
#include <sluice/socketio/packet.hpp>
#include <sluice/socketio/payload.hpp>

namespace sluice::socketio {

/// Limits of a Socket.IO session.
struct limits {
    std::size_t max_namespaces = 8;        ///< join() refuses more (too_many_namespaces)
    std::size_t max_pending_acks = 64;     ///< emit_with_ack() refuses more (too_many_pending_acks); 0 = no acks
    std::size_t max_attachments = 16;      ///< a binary packet announcing more is a protocol error
    std::size_t max_attachment_bytes = std::size_t{16} << 20; ///< total bytes of one packet's attachments
    std::size_t max_json_depth = 64;       ///< nesting limit of inbound payloads and of checked arguments
};

/// The Engine.IO settings and the limits of a Socket.IO client.
struct config {
    engineio::config engine{}; ///< URL, headers, timeouts, reconnection
    socketio::limits limits{};

    /// errc::invalid_config when a limit other than max_pending_acks is 0, or
    /// the engine config is invalid; else empty.
    std::error_code validate() const noexcept {
        if (engine.validate() || limits.max_namespaces == 0 || limits.max_attachment_bytes == 0 || limits.max_json_depth == 0)
            return errc::invalid_config;
        return {};
    }
};

/// A namespace's state; see the table at the top of this file.
enum class namespace_state : std::uint8_t { pending, connecting, connected, refused, kicked };

/// An event from the server, as the session reports it. Views are valid
/// during the report only.
struct event_view {
    std::string_view nsp{};                          ///< the namespace
    std::string_view name{};                         ///< the event name, unescaped
    std::string_view args{};                         ///< the arguments after the name, a JSON list without brackets ("" when none)
    std::optional<std::uint64_t> ack_id{};           ///< set when the server waits for ack(nsp, id, ...)
    std::span<const std::string_view> attachments{}; ///< binary events: attachment i is placeholder num i
    std::string_view first_arg{};                    ///< the first argument (first_arg(args), found while checking)
};

/// The resolution of an ack the client asked for.
struct ack_view {
    std::uint64_t id = 0;
    std::string_view nsp{};
    std::error_code error{};                         ///< empty: answered; errc::ack_timeout; errc::ack_lost
    std::string_view args{};                         ///< answered: the ACK's arguments, a JSON list without brackets
    std::span<const std::string_view> attachments{}; ///< a BINARY_ACK's attachments
};

/// What a Socket.IO session reports to its owner: the transport work and the
/// Engine.IO reports of engineio::sink (but not engine_message: messages are
/// decoded here), plus the Socket.IO reports. Views are valid during the call only.
template <class S>
concept sink = requires(S& s, std::string_view v, message_type t, std::uint16_t code, const engineio::handshake& h,
                        std::error_code ec, std::optional<std::uint16_t> peer_code, const event_view& ev,
                        const ack_view& av, instant now) {
    { s.begin_send() } -> std::same_as<std::string&>;
    s.commit_send(t);                      // queue what was appended as one message of type t
    s.rollback_send();                     // drop what was appended since begin_send()
    s.open_transport(v, v);                // url, header block
    s.close_transport(code, v);            // code, reason
    s.engine_opened(h, now);
    s.engine_ping(now);
    s.engine_disconnected(ec, peer_code, now, now); // why, the peer's close code, retry_at, now
    s.namespace_connected(v, v, now);      // nsp, sid
    s.namespace_refused(v, v, now);        // nsp, the CONNECT_ERROR payload (JSON string or object)
    s.namespace_disconnected(v, ec, now);  // nsp, why (server_disconnect, transport_lost, closed_by_client)
    s.event_received(ev, now);
    s.ack_resolved(av, now);
};

/// The Socket.IO v5 client session. Every mutating call takes the owner's sink.
class session {
public:
    /// `rng` (reconnect jitter) must outlive the session. Allocates the ack
    /// table and the namespace list here, once.
    session(config cfg, entropy rng)
        : limits_(compact(cfg.limits)), eio_(std::move(cfg.engine), rng), acks_(cfg.limits.max_pending_acks, table_storage::on_demand) {}

    // ---- connection ------------------------------------------------------

    /// Connects the Engine.IO session; joined namespaces connect once it is
    /// open. Errors: engineio::errc::already_started.
    template <sink S>
    std::error_code start(instant now, S& s) {
        adapter<S> a{*this, s};
        return eio_.start(now, a);
    }

    /// Leaves every connected namespace (DISCONNECT packets), closes the
    /// transport and stays closed until start(); pending acks resolve as
    /// ack_lost. Joined namespaces are kept and rejoin after start().
    template <sink S>
    void close(instant now, S& s) {
        adapter<S> a{*this, s};
        if (eio_.is_open())
            for (auto& n : namespaces_)
                if (n.in_use && n.state == namespace_state::connected) send_simple(packet_type::disconnect, n.name(), s);
        eio_.close(now, a);
    }

    /// Adds namespace `nsp` (e.g. "/" or "/admin") with an optional auth
    /// payload (a JSON object, sent with every CONNECT; empty for none).
    /// Sends CONNECT now when the transport is open. join() on a refused or
    /// kicked namespace retries it (with the new auth).
    /// Errors (nothing changes): invalid_namespace, invalid_args (auth not an
    /// object), already_joined, too_many_namespaces.
    template <sink S>
    std::error_code join(std::string_view nsp, std::string_view auth, instant now, S& s) {
        (void)now;
        if (!valid_namespace(nsp)) return errc::invalid_namespace;
        if (!auth.empty() && !is_object(auth, limits_.max_json_depth)) return errc::invalid_args;
        ns_record* n = find(nsp);
        if (n != nullptr && n->state != namespace_state::refused && n->state != namespace_state::kicked) return errc::already_joined;
        if (n == nullptr) {
            n = free_slot();
            if (n == nullptr) return errc::too_many_namespaces;
            n->in_use = true;
            n->set_name(nsp);
        }
        n->set_auth(auth);
        n->state = namespace_state::pending;
        if (eio_.is_open()) send_connect(*n, s);
        return {};
    }

    /// Leaves `nsp`: sends DISCONNECT if connected or connecting, resolves
    /// its pending acks as ack_lost and forgets it.
    /// Errors: unknown_namespace (nothing changes).
    template <sink S>
    std::error_code leave(std::string_view nsp, instant now, S& s) {
        ns_record* n = find(nsp);
        if (n == nullptr) return errc::unknown_namespace;
        if (eio_.is_open() && (n->state == namespace_state::connected || n->state == namespace_state::connecting))
            send_simple(packet_type::disconnect, n->name(), s);
        lose_acks_of(index_of(*n), now, s);
        n->in_use = false;
        n->clear();
        return {};
    }

    // ---- sending ---------------------------------------------------------

    /// Sends event `name` with `args` (a JSON array of the arguments after the
    /// name, e.g. `[1,"two"]`; "" or "[]" for none) on a connected namespace.
    /// With attachments, the packet is a BINARY_EVENT: `args` must reference
    /// them with placeholders `{"_placeholder":true,"num":i}` (see
    /// placeholder()), and each attachment follows as a binary message.
    /// Errors (nothing queued): not_connected / unknown_namespace,
    /// invalid_event_name, invalid_args, engineio::errc::payload_too_large.
    template <sink S>
    std::error_code emit(std::string_view nsp, std::string_view name, std::string_view args, S& s,
                         std::span<const std::string_view> attachments = {}) {
        return send_event(nsp, name, args, std::nullopt, attachments, s);
    }

    /// emit() asking for an acknowledgement: `id` receives the ack id, which
    /// resolves exactly once through ack_resolved (answered, errc::ack_timeout
    /// after `timeout` — a timeout <= 0 waits until the connection goes —
    /// or errc::ack_lost). Errors: those of emit(), too_many_pending_acks.
    template <sink S>
    std::error_code emit_with_ack(std::string_view nsp, std::string_view name, std::string_view args, instant now,
                                  duration timeout, std::uint64_t& id, S& s, std::span<const std::string_view> attachments = {}) {
        now = clamp_(now);
        const ns_record* n = find(nsp);
        if (n == nullptr) return errc::unknown_namespace;
        if (acks_.size() >= acks_.capacity()) return errc::too_many_pending_acks;
        const std::uint64_t next = next_ack_id_;
        if (const auto ec = send_event(nsp, name, args, next, attachments, s)) return ec;
        const instant deadline = timeout.count() > 0 ? now + timeout : instant::never();
        (void)acks_.insert(next, deadline, pending_ack{index_of(*n), deadline});
        next_ack_id_ = next == max_ack_id ? 0 : next + 1;
        id = next;
        return {};
    }

    /// Answers the server's event that carried ack id `id` on `nsp` with
    /// `args` (a JSON array; "" or "[]" for none), as an ACK (or a BINARY_ACK
    /// with attachments). sluice does not remember which ids the server is
    /// waiting for: answer each at most once.
    /// Errors (nothing queued): not_connected / unknown_namespace,
    /// invalid_args, engineio::errc::payload_too_large.
    template <sink S>
    std::error_code ack(std::string_view nsp, std::uint64_t id, std::string_view args, S& s,
                        std::span<const std::string_view> attachments = {}) {
        const ns_record* n = find(nsp);
        if (n == nullptr) return errc::unknown_namespace;
        if (n->state != namespace_state::connected || !eio_.is_open()) return errc::not_connected;
        if (id > max_ack_id) return errc::invalid_args;
        if (!args.empty() && !is_array(args, limits_.max_json_depth)) return errc::invalid_args;
        if (const auto ec = check_attachments(attachments)) return ec;
        std::string& out = s.begin_send();
        const std::size_t start = out.size();
        out.push_back('4');
        encode_header(attachments.empty() ? packet_type::ack : packet_type::binary_ack, n->name(), id,
                      static_cast<std::uint32_t>(attachments.size()), out);
        if (args.empty()) out.append("[]");
        else out.append(args);
        return finish_send(out.size() - start, attachments, s);
    }

    // ---- message_machine inputs ------------------------------------------

    template <sink S>
    void on_open(instant now, S& s) {
        adapter<S> a{*this, s};
        eio_.on_open(now, a);
    }
    template <sink S>
    void on_message(std::string_view msg, message_type type, instant now, S& s) {
        adapter<S> a{*this, s};
        eio_.on_message(msg, type, now, a);
    }
    template <sink S>
    void on_close(const close_info& info, instant now, S& s) {
        adapter<S> a{*this, s};
        eio_.on_close(info, now, a);
    }
    /// Fires the Engine.IO timers and the ack deadlines due at `now`.
    template <sink S>
    void handle_timeout(instant now, S& s) {
        now = clamp_(now);
        adapter<S> a{*this, s};
        eio_.handle_timeout(now, a);
        acks_.expire(now, [&](std::uint64_t id, pending_ack&& p) {
            report_ack(id, p, make_error_code(errc::ack_timeout), s, now);
        });
    }
    /// The earlier of the Engine.IO and ack deadlines; O(1).
    instant next_deadline() const noexcept {
        const instant a = eio_.next_deadline(), b = acks_.next_deadline();
        return a < b ? a : b;
    }

    // ---- state -----------------------------------------------------------

    const engineio::session& engine() const noexcept { return eio_; }
    /// The state of `nsp`, or nullopt when it is not joined.
    std::optional<namespace_state> state_of(std::string_view nsp) const noexcept {
        for (const auto& n : namespaces_)
            if (n.in_use && n.name() == nsp) return n.state;
        return std::nullopt;
    }
    /// The Socket.IO session id of a connected namespace ("" otherwise);
    /// valid until the namespace reconnects or is left.
    std::string_view sid_of(std::string_view nsp) const noexcept {
        for (const auto& n : namespaces_)
            if (n.in_use && n.name() == nsp && n.state == namespace_state::connected) return n.sid();
        return {};
    }
    std::size_t pending_acks() const noexcept { return acks_.size(); }
    socketio::limits current_limits() const noexcept {
        socketio::limits l;
        l.max_namespaces = limits_.max_namespaces;
        l.max_pending_acks = acks_.capacity();
        l.max_attachments = limits_.max_attachments;
        l.max_attachment_bytes = limits_.max_attachment_bytes;
        l.max_json_depth = limits_.max_json_depth;
        return l;
    }
    /// True while attachments of a binary packet are still expected.
    bool awaiting_attachments() const noexcept { return bin_expected_ != 0; }

    /// Gives back memory an idle session does not need: the ack table when no
    /// ack is pending, the attachment buffers when no binary packet is being
    /// assembled, the event name scratch. Nothing else changes; the next
    /// emit_with_ack() or binary packet allocates again.
    void shrink() noexcept {
        acks_.shrink();
        if (bin_expected_ == 0) aux_.reset();
    }
    /// Heap bytes the session holds (capacities of its strings, vectors and
    /// tables; libstdc++'s short strings count 0), the Engine.IO session's included.
    std::size_t heap_bytes() const noexcept {
        std::size_t n = eio_.heap_bytes() + acks_.heap_bytes() + namespaces_.capacity() * sizeof(ns_record);
        for (const auto& r : namespaces_)
            n += engineio::detail::heap_of(r.text);
        if (aux_)
            n += sizeof(aux_state) + engineio::detail::heap_of(aux_->header) + engineio::detail::heap_of(aux_->data) +
                 aux_->sizes.capacity() * sizeof(std::uint32_t) + aux_->views.capacity() * sizeof(std::string_view) +
                 engineio::detail::heap_of(aux_->name);
        return n;
    }

private:
    // A namespace: its name, auth payload and sid back to back in one string
    // (one allocation at most, sized exactly).
    struct ns_record {
        std::string text{};
        std::uint32_t name_len = 0, auth_len = 0;
        namespace_state state = namespace_state::pending;
        bool in_use = false;

        std::string_view name() const noexcept { return std::string_view(text).substr(0, name_len); }
        std::string_view auth() const noexcept { return std::string_view(text).substr(name_len, auth_len); }
        std::string_view sid() const noexcept { return std::string_view(text).substr(name_len + auth_len); }
        // Replaces what follows the first `keep` bytes with `tail`, allocating
        // exactly when the string must grow.
        void replace_tail(std::size_t keep, std::string_view tail) {
            if (keep + tail.size() > text.capacity()) {
                std::string t(keep + tail.size(), '\0'); // constructed at its size: no slack (reserve would double)
                std::char_traits<char>::copy(t.data(), text.data(), keep);
                std::char_traits<char>::copy(t.data() + keep, tail.data(), tail.size());
                text = std::move(t);
            } else {
                text.resize(keep);
                text.append(tail);
            }
        }
        void set_name(std::string_view n) { // auth and sid cleared
            replace_tail(0, n);
            name_len = static_cast<std::uint32_t>(n.size());
            auth_len = 0;
        }
        void set_auth(std::string_view a) { // sid cleared
            replace_tail(name_len, a);
            auth_len = static_cast<std::uint32_t>(a.size());
        }
        void set_sid(std::string_view v) { replace_tail(name_len + auth_len, v); }
        void clear() noexcept {
            text.clear();
            name_len = auth_len = 0;
        }
    };
    struct pending_ack {
        std::size_t ns = 0; // index in namespaces_
        instant deadline = instant::never();
    };

    // The Engine.IO sink: passes transport work to the owner, and handles
    // the session events that concern Socket.IO.
    template <class S>
    struct adapter {
        session& self;
        S& out;
        std::string& begin_send() { return out.begin_send(); }
        void commit_send(message_type t) { out.commit_send(t); }
        void open_transport(std::string_view url, std::string_view headers) { out.open_transport(url, headers); }
        void close_transport(std::uint16_t code, std::string_view reason) { out.close_transport(code, reason); }
        void engine_opened(const engineio::handshake& h, instant now) {
            out.engine_opened(h, now);
            for (auto& n : self.namespaces_)
                if (n.in_use && n.state == namespace_state::pending) self.send_connect(n, out);
        }
        void engine_message(std::string_view data, message_type t, instant now) { self.on_packet(data, t, now, *this); }
        void engine_ping(instant now) { out.engine_ping(now); }
        void engine_disconnected(std::error_code ec, std::optional<std::uint16_t> code, instant retry_at, instant now) {
            self.on_engine_lost(ec, now, out);
            if (!self.wants_connection() && self.eio_.cancel_reconnect()) retry_at = instant::never();
            out.engine_disconnected(ec, code, retry_at, now);
        }
    };

    // True when a namespace waits to be (re)joined: only then is a
    // reconnection worth making (socket.io-client's manager also stops when
    // its last socket is gone).
    bool wants_connection() const noexcept {
        for (const auto& n : namespaces_)
            if (n.in_use && n.state == namespace_state::pending) return true;
        return false;
    }

    static bool valid_namespace(std::string_view nsp) noexcept {
        if (nsp.empty() || nsp.front() != '/') return false;
        for (const char c : nsp)
            if (c == ',' || static_cast<unsigned char>(c) < 0x20) return false;
        return true;
    }
    ns_record* find(std::string_view nsp) noexcept {
        for (auto& n : namespaces_)
            if (n.in_use && n.name() == nsp) return &n;
        return nullptr;
    }
    const ns_record* find(std::string_view nsp) const noexcept {
        for (const auto& n : namespaces_)
            if (n.in_use && n.name() == nsp) return &n;
        return nullptr;
    }
    ns_record* free_slot() {
        for (auto& n : namespaces_)
            if (!n.in_use) return &n;
        if (namespaces_.size() == limits_.max_namespaces) return nullptr;
        return &namespaces_.emplace_back();
    }
    std::size_t index_of(const ns_record& n) const noexcept { return static_cast<std::size_t>(&n - namespaces_.data()); }

    // ---- outgoing ----------------------------------------------------------

    template <class S>
    void send_connect(ns_record& n, S& s) {
        std::string& out = s.begin_send();
        out.push_back('4');
        encode_header(packet_type::connect, n.name(), std::nullopt, 0, out);
        out.append(n.auth());
        s.commit_send(message_type::text); // CONNECT is small; maxPayload is at least a few hundred bytes
        n.state = namespace_state::connecting;
    }
    template <class S>
    void send_simple(packet_type t, std::string_view nsp, S& s) {
        std::string& out = s.begin_send();
        out.push_back('4');
        encode_header(t, nsp, std::nullopt, 0, out);
        s.commit_send(message_type::text);
    }

    std::error_code check_attachments(std::span<const std::string_view> attachments) const noexcept {
        for (const auto& a : attachments)
            if (const auto ec = eio_.check_send(a.size())) return ec;
        return {};
    }

    // The text packet is in the sink's buffer (size bytes): check it against
    // maxPayload, then queue it and the attachments, or roll it back.
    template <class S>
    std::error_code finish_send(std::size_t size, std::span<const std::string_view> attachments, S& s) {
        if (const auto ec = eio_.check_send(size)) {
            s.rollback_send();
            return ec;
        }
        s.commit_send(message_type::text);
        for (const auto& a : attachments) {
            std::string& bin = s.begin_send();
            bin.append(a);
            s.commit_send(message_type::binary);
        }
        return {};
    }

    template <class S>
    std::error_code send_event(std::string_view nsp, std::string_view name, std::string_view args, std::optional<std::uint64_t> id,
                               std::span<const std::string_view> attachments, S& s) {
        const ns_record* n = find(nsp);
        if (n == nullptr) return errc::unknown_namespace;
        if (n->state != namespace_state::connected || !eio_.is_open()) return errc::not_connected;
        if (name.empty() || is_reserved_event(name)) return errc::invalid_event_name;
        if (!args.empty() && !is_array(args, limits_.max_json_depth)) return errc::invalid_args;
        if (const auto ec = check_attachments(attachments)) return ec;
        std::string& out = s.begin_send();
        const std::size_t start = out.size();
        out.push_back('4');
        encode_header(attachments.empty() ? packet_type::event : packet_type::binary_event, n->name(), id,
                      static_cast<std::uint32_t>(attachments.size()), out);
        out.push_back('[');
        if (!append_json_string(name, out)) {
            s.rollback_send();
            return errc::invalid_event_name;
        }
        const std::string_view inner = args.empty() ? std::string_view{} : array_inner(args);
        if (!inner.empty()) {
            out.push_back(',');
            out.append(inner);
        }
        out.push_back(']');
        return finish_send(out.size() - start, attachments, s);
    }

    // ---- incoming ----------------------------------------------------------

    template <class A>
    void on_packet(std::string_view data, message_type t, instant now, A& a) {
        now = clamp_(now);
        if (t == message_type::binary) {
            if (bin_expected_ == 0) return protocol_error(errc::unexpected_binary, now, a);
            if (aux_->data.size() + data.size() > limits_.max_attachment_bytes) return protocol_error(errc::too_many_attachments, now, a);
            aux_->data.append(data);
            aux_->sizes.push_back(static_cast<std::uint32_t>(data.size()));
            if (--bin_expected_ == 0) dispatch_binary(now, a);
            return;
        }
        if (bin_expected_ != 0) return protocol_error(errc::missing_attachments, now, a);
        packet p;
        if (const auto ec = decode_header(data, p)) return protocol_error(ec, now, a);
        if (p.attachments > limits_.max_attachments) return protocol_error(errc::too_many_attachments, now, a);
        payload_info info;
        if (!aux_) aux_ = std::make_unique<aux_state>();
        if (const auto ec = check_payload(p, info, aux_->name, limits_.max_json_depth)) return protocol_error(ec, now, a);
        if (p.attachments > 0) { // keep the text until the attachments have arrived
            aux_->header.assign(data);
            aux_->data.clear();
            aux_->sizes.clear();
            bin_expected_ = p.attachments;
            return;
        }
        dispatch(p, info, {}, now, a);
    }

    template <class A>
    void dispatch_binary(instant now, A& a) {
        packet p;
        payload_info info;
        (void)decode_header(aux_->header, p); // both were checked when the header arrived
        (void)check_payload(p, info, aux_->name, limits_.max_json_depth);
        aux_->views.clear();
        std::size_t at = 0;
        for (const std::uint32_t n : aux_->sizes) {
            aux_->views.push_back(std::string_view(aux_->data).substr(at, n));
            at += n;
        }
        dispatch(p, info, aux_->views, now, a);
    }

    template <class A>
    void dispatch(const packet& p, const payload_info& info, std::span<const std::string_view> attachments, instant now, A& a) {
        ns_record* n = find(p.nsp);
        if (n == nullptr) return; // a namespace we never joined (or left): ignored, as socket.io-client does
        switch (p.type) {
        case packet_type::connect:
            if (n->state != namespace_state::connecting) return; // unsolicited: ignored
            n->set_sid(info.sid);
            n->state = namespace_state::connected;
            a.out.namespace_connected(n->name(), n->sid(), now);
            return;
        case packet_type::connect_error:
            if (n->state != namespace_state::connecting) return;
            n->state = namespace_state::refused;
            a.out.namespace_refused(n->name(), p.data, now);
            return;
        case packet_type::disconnect:
            if (n->state != namespace_state::connected && n->state != namespace_state::connecting) return;
            n->state = namespace_state::kicked;
            lose_acks_of(index_of(*n), now, a.out);
            a.out.namespace_disconnected(n->name(), make_error_code(errc::server_disconnect), now);
            return;
        case packet_type::event:
        case packet_type::binary_event:
            if (n->state != namespace_state::connected) return;
            a.out.event_received(
                event_view{n->name(), info.name, info.args, p.has_id ? std::optional<std::uint64_t>(p.id) : std::nullopt, attachments,
                           info.first},
                now);
            return;
        case packet_type::ack:
        case packet_type::binary_ack: {
            if (!p.has_id) return; // nothing to resolve: ignored, as socket.io-client does
            const pending_ack* pa = acks_.find(p.id);
            if (pa == nullptr || pa->ns != index_of(*n)) return; // late, foreign or unknown: ignored
            (void)acks_.resolve(p.id);
            a.out.ack_resolved(ack_view{p.id, n->name(), {}, info.args, attachments}, now);
            return;
        }
        }
    }

    template <class A>
    void protocol_error(std::error_code ec, instant now, A& a) {
        bin_expected_ = 0;
        eio_.abort(ec, engineio::close_protocol_error, now, a);
    }

    // Every pending ack of namespace `ns` resolves as ack_lost.
    template <class S>
    void lose_acks_of(std::size_t ns, instant now, S& s) {
        if (acks_.empty()) return;
        acks_.drain_if([ns](std::uint64_t, const pending_ack& p) noexcept { return p.ns == ns; },
                       [&](std::uint64_t id, pending_ack&& p) { report_ack(id, p, make_error_code(errc::ack_lost), s, now); });
    }

    template <class S>
    void report_ack(std::uint64_t id, const pending_ack& p, std::error_code ec, S& s, instant now) {
        const std::string_view nsp = p.ns < namespaces_.size() ? namespaces_[p.ns].name() : std::string_view{};
        s.ack_resolved(ack_view{id, nsp, ec, {}, {}}, now);
    }

    template <class S>
    void on_engine_lost(std::error_code ec, instant now, S& s) {
        bin_expected_ = 0;
        acks_.drain_all([&](std::uint64_t id, pending_ack&& p) { report_ack(id, p, make_error_code(errc::ack_lost), s, now); });
        const std::error_code why = ec == engineio::errc::closed_by_client ? ec : make_error_code(errc::transport_lost);
        for (auto& n : namespaces_) {
            if (!n.in_use) continue;
            const bool was_connected = n.state == namespace_state::connected;
            if (n.state == namespace_state::connected || n.state == namespace_state::connecting) n.state = namespace_state::pending;
            if (was_connected) s.namespace_disconnected(n.name(), why, now);
        }
    }

    // The limits, compactly (the ack limit is the ack table's capacity).
    struct compact_limits {
        std::size_t max_attachment_bytes = 0;
        std::uint32_t max_namespaces = 0, max_attachments = 0, max_json_depth = 0;
    };
    static std::uint32_t clamp32(std::size_t v) noexcept { return v > 0xFFFFFFFFu ? 0xFFFFFFFFu : static_cast<std::uint32_t>(v); }
    static compact_limits compact(const socketio::limits& l) noexcept {
        return {l.max_attachment_bytes, clamp32(l.max_namespaces), clamp32(l.max_attachments), clamp32(l.max_json_depth)};
    }

    compact_limits limits_{};
    engineio::session eio_;
    nonce_table<pending_ack> acks_;
    std::vector<ns_record> namespaces_{};
    std::uint64_t next_ack_id_ = 0;
    monotonic_clamp clamp_;
    // binary packet reassembly
    // Buffers of inbound packets: an event name with escapes, unescaped; a
    // binary packet being assembled: its text header, its attachments' bytes
    // (back to back) and sizes, and views of them once complete.
    struct aux_state {
        std::string name{};
        std::string header{};
        std::string data{};
        std::vector<std::uint32_t> sizes{};
        std::vector<std::string_view> views{};
    };
    std::unique_ptr<aux_state> aux_{}; // allocated by the first packet; shrink() frees it
    std::uint32_t bin_expected_ = 0;
};

} // namespace sluice::socketio
