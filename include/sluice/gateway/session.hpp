#pragma once
// sluice/gateway/session.hpp: the gateway session engine, written once for
// every gateway protocol (Discord, Nightingale, i386chat, singyeong).
//
// A sans-I/O state machine (ARCHITECTURE.md): it takes whole messages,
// transport events, user commands and instants, and hands out actions
// (action.hpp) through poll(). It never reads a clock, never owns a socket,
// and draws randomness only from the injected `entropy`. The protocol is a
// policy object (policy.hpp); nothing here names a protocol.
//
// States and transitions (inputs on the left, what is queued on the right):
//
//   idle ─ start ──────────────────────────────▶ connecting      open(fresh | resume)
//   connecting ─ on_open ─ server_hello ───────▶ awaiting_hello
//   connecting ─ on_open ─ no hello ───────────▶ (begin)         see "begin" below
//   connecting ─ on_close / on_open_refused ───▶ waiting | failed notice(connect_failed, verdict); a refusal's
//                                                                 verdict is the policy's on_open_refused(status);
//                                                                 new_session_now after a refused resume: no
//                                                                 waiting, open(fresh) at once (state connecting)
//   awaiting_hello ─ hello ────────────────────▶ (begin)         heartbeat scheduled (from ready on, for
//                                                                 protocols that send nothing before ready)
//   (begin) resume possible ───────────────────▶ resuming        send(resume) when the protocol has one
//   (begin) identify, permit gate on ──────────▶ awaiting_permit identify_wanted
//   (begin) identify, gate off ────────────────▶ identifying     send(identify)
//   awaiting_permit ─ grant_identify ──────────▶ identifying     send(identify)
//   identifying | resuming ─ ready ────────────▶ ready           ready
//   resuming ─ resumed ────────────────────────▶ ready           resumed
//   ready | resuming ─ dispatch ───────────────▶ (same)          dispatch (stale sequences dropped;
//                                                                 elsewhere a notice: unexpected_frame)
//   any open ─ heartbeat timer, acked ─────────▶ (same)          send(heartbeat)
//   any open ─ heartbeat request ──────────────▶ (same)          send(heartbeat)
//   any open ─ heartbeat timer, not acked ─────▶ closing         notice(zombie_connection, resume), close(resume code)
//   any open ─ reconnect ──────────────────────▶ closing         notice(reconnect_requested, resume), close
//   any open ─ invalid session (resumable) ────▶ closing         notice(session_invalidated, resume), close
//   any open ─ invalid session (not) ──────────▶ closing         notice(session_invalidated, new_session), close;
//                                                                 reconnect waits the protocol's invalid-session delay
//   any open ─ server error, disconnecting ────▶ closing         notice(server_error, resume | new_session), close
//   any open ─ server error, not disconnecting ▶ (same)          notice(server_error, none)
//   any open ─ malformed / oversized message ──▶ closing         notice(malformed_frame | frame_too_large, resume), close
//   connecting | any open ─ handshake timer ───▶ closing         notice(handshake_timeout, resume), close
//   any open ─ on_close(code) ─────────────────▶ waiting | failed notice(transport_closed | fatal_close, verdict);
//                                                                 the reconnect waits at least the protocol's
//                                                                 reconnect_delay(code) when it has that hook
//                                                                 (verdicts: policy.hpp close_verdict; "waiting"
//                                                                 is "connecting" when the open goes at once)
//   closing ─ on_close | close timer ──────────▶ waiting         (reconnect timer armed, or open at once)
//   waiting ─ reconnect timer ─────────────────▶ connecting      open(fresh | resume)
//   waiting ─ attempts used up ────────────────▶ failed          notice(gave_up, stop)
//   any running ─ close() ─────────────────────▶ ending | closed close(end code or resume code)
//   ending ─ on_close | close timer ───────────▶ closed          notice(closed_by_user, stop)
//
// "any open" = awaiting_hello, awaiting_permit, identifying, resuming, ready.
// A protocol error never leaves the machine without a plan: every notice says
// what it does next (none, resume, new_session, stop).
//
// Contract details:
//  - Time is clamped: an instant earlier than one already seen is treated as
//    that one. handle_timeout() called early or twice does nothing.
//  - Generations: each open action carries a new generation. The tagged input
//    overloads (on_open(gen, ...), on_message(gen, ...), on_close(gen, ...))
//    ignore anything from an older transport (errc::stale_generation); the
//    untagged ones apply to the current transport. Timers of a transport are
//    disarmed when it goes.
//  - Caller misuse returns an error and changes nothing; peer trouble is a
//    notice and never an error return.
//  - Views (entry bytes) are valid until the next mutating call.
//  - No allocation in steady state: the action arena and item list are reused;
//    frames are written straight into the arena.
//
// Includes: <cstddef>, <cstdint>, <optional>, <string>, <string_view>,
// <system_error>, <type_traits>, <utility>; core (time, entropy, timers, action
// queue, transport vocabulary, backoff, rate limiter); gateway (errc, policy,
// action, heartbeat).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

#include <sluice/core/action_queue.hpp>
#include <sluice/core/backoff.hpp>
#include <sluice/core/entropy.hpp>
#include <sluice/core/rate_limiter.hpp>
#include <sluice/core/time.hpp>
#include <sluice/core/timer_table.hpp>
#include <sluice/core/transport.hpp>
#include <sluice/gateway/action.hpp>
#include <sluice/gateway/errc.hpp>
#include <sluice/gateway/heartbeat.hpp>
#include <sluice/gateway/policy.hpp>

namespace sluice::gateway {

/// The engine's states; see the transition table at the top of this file.
enum class state : std::uint8_t {
    idle,            ///< not started (a restored session waits here for start())
    connecting,      ///< open queued; waiting for on_open
    awaiting_hello,  ///< transport open; waiting for the server's hello
    awaiting_permit, ///< identify_wanted queued; waiting for grant_identify()
    identifying,     ///< identify sent (or implied by the URL); waiting for ready
    resuming,        ///< resume sent (or implied by the URL); waiting for resumed
    ready,           ///< the session is established; sends are allowed
    closing,         ///< we closed the transport and reconnect once it is gone
    waiting,         ///< no transport; the reconnect timer is armed
    ending,          ///< close() was called; waiting for the transport to go
    closed,          ///< closed by the user (start() again to reconnect)
    failed,          ///< stopped: fatal close code or reconnect attempts used up
};

constexpr std::string_view to_string(state s) noexcept {
    switch (s) {
    case state::idle: return "idle";
    case state::connecting: return "connecting";
    case state::awaiting_hello: return "awaiting_hello";
    case state::awaiting_permit: return "awaiting_permit";
    case state::identifying: return "identifying";
    case state::resuming: return "resuming";
    case state::ready: return "ready";
    case state::closing: return "closing";
    case state::waiting: return "waiting";
    case state::ending: return "ending";
    case state::closed: return "closed";
    case state::failed: return "failed";
    }
    return "?";
}

/// How close() leaves the session.
enum class close_mode : std::uint8_t {
    end_session,  ///< close with the protocol's end code (Discord 1000): the session is gone
    keep_session, ///< close with the resume code: export() the session and resume it later
};

/// Engine configuration. Start from `config::defaults<P>()` (the protocol's
/// limits) and change what you need.
struct config {
    /// Wait for grant_identify() before each identify (a cluster enforces
    /// Discord's max_concurrency per 5 s across shards). Off: identify at once.
    bool wait_for_identify_permit = true;
    std::size_t max_inbound = 16u << 20; ///< inbound messages over this close the connection
    std::size_t max_outbound = 4096;     ///< outbound messages over this are refused (0 = no cap)
    std::uint32_t rate_limit = 0;        ///< sends per rate_window per connection (0 = unlimited)
    duration rate_window = duration::zero();
    duration handshake_timeout = std::chrono::seconds(30); ///< open → hello → ready, each step
    duration close_timeout = std::chrono::seconds(5);      ///< wait for on_close after we close
    duration min_heartbeat_interval = std::chrono::milliseconds(100);
    duration max_heartbeat_interval = std::chrono::minutes(10);
    /// Backoff between consecutive failed connection attempts. The first
    /// reconnect after a session that was ready goes at once; the next ones
    /// wait base, base * factor, ... up to cap, with jitter.
    backoff_config reconnect{std::chrono::seconds(1), std::chrono::seconds(60), 2.0, jitter_mode::equal, 0};
    std::uint32_t max_reconnect_attempts = 0; ///< consecutive failed attempts before giving up (0 = never)
    std::size_t retain_bytes = 64u << 10; ///< action memory kept when idle; more is released

    /// The protocol's defaults (limits, rate) with the engine's timeouts.
    static constexpr config from(const protocol_traits& t) noexcept {
        config c;
        c.max_inbound = t.max_inbound;
        c.max_outbound = t.max_outbound;
        c.rate_limit = t.rate_limit;
        c.rate_window = t.rate_window;
        return c;
    }
    template <class P>
    static constexpr config defaults() noexcept { return from(P::traits); }
};

/// The gateway session engine for protocol policy `P`.
///
/// Typical loop (message mode, the caller's WebSocket library):
///
///     session.start(now);
///     for (;;) {
///         while (auto* e = session.poll()) act_on(*e);   // send, open, close, events
///         wait for: a message, open/close, or session.next_deadline();
///         session.on_message(text, message_type::text, now) / on_open / on_close / handle_timeout(now);
///     }
template <protocol P>
class session {
public:
    using policy_type = P;
    using entry = gateway::entry;

    /// Builds an idle session. `rng` must outlive the session.
    session(P protocol, entropy rng, const config& cfg = config::defaults<P>())
        : protocol_(std::move(protocol)), rng_(rng), cfg_(settings_of(cfg)), backoff_(cfg.reconnect, rng), budget_(limits(0)) {}

    // ---- user commands --------------------------------------------------

    /// Starts connecting: queues `open` (the resume URL when a restored
    /// session can be resumed). Errors: already_running (the session is not
    /// idle, closed or failed).
    std::error_code start(instant now) {
        now = clock_(now);
        if (!stopped()) return errc::already_running;
        release_if_idle();
        attempts_ = 0;
        backoff_.reset();
        open_transport(can_resume() ? connect_kind::resume : connect_kind::fresh, now);
        return {};
    }

    /// Closes the session. With an open transport: queues close (the
    /// protocol's end code, or its resume code for close_mode::keep_session)
    /// and moves to `ending`; the notice closed_by_user follows on_close (or
    /// the close timeout). Without one: closed at once, notice queued.
    /// end_session forgets the session; keep_session keeps it for export().
    /// Errors: not_running (already idle, closed or failed).
    std::error_code close(instant now, close_mode mode = close_mode::end_session) {
        now = clock_(now);
        if (stopped()) return errc::not_running;
        release_if_idle();
        if (mode == close_mode::end_session) forget_session();
        if (state_ == state::ending) return {};
        if (has_transport()) {
            queue_close(mode == close_mode::end_session ? P::traits.close_code_end : P::traits.close_code_resume);
            stop_transport_timers();
            state_ = state::ending;
            timers_.arm(timer::close_wait, now + cfg_.close_timeout);
        } else {
            finish_close();
        }
        return {};
    }

    /// Lets the waiting identify go (one permit = one identify). Errors:
    /// no_identify_pending (not in awaiting_permit: e.g. the connection
    /// dropped meanwhile; give the permit to another shard).
    std::error_code grant_identify(instant now) {
        now = clock_(now);
        if (state_ != state::awaiting_permit) return errc::no_identify_pending;
        release_if_idle();
        send_identify(now);
        return {};
    }

    /// Sends one whole message (already encoded) on the current transport.
    /// Errors (nothing is sent, nothing changes): not_connected (not ready),
    /// payload_too_large (over max_outbound), rate_limited (the ordinary share
    /// of the send budget is used up; retry after a while).
    std::error_code send(std::string_view text, instant now, message_type type = message_type::text) {
        return send_with([&](std::string& out) { out.append(text); }, now, type);
    }

    /// Like send(), but `write(std::string& out)` appends the message straight
    /// into the action arena (no intermediate buffer). `write` may return
    /// void or a std::error_code; an error (or an over-cap result) rolls the
    /// write back and is returned (build_failed's reason is the writer's code).
    template <class Writer>
    std::error_code send_with(Writer&& write, instant now, message_type type = message_type::text) {
        now = clock_(now);
        if (state_ != state::ready) return errc::not_connected;
        release_if_idle();
        return send_frame(std::forward<Writer>(write), now, false, type);
    }

    // ---- transport inputs -------------------------------------------------

    /// The current transport is open (after the WebSocket upgrade).
    /// Errors: not_running (no open was requested), stale_generation.
    std::error_code on_open(instant now) { return on_open(gen_, now); }
    std::error_code on_open(std::uint32_t generation, instant now) {
        now = clock_(now);
        if (generation != gen_) return errc::stale_generation;
        if (state_ != state::connecting) return errc::not_running;
        release_if_idle();
        if (P::traits.server_hello) {
            state_ = state::awaiting_hello;
            timers_.arm(timer::handshake, now + cfg_.handshake_timeout);
        } else {
            begin(now);
        }
        return {};
    }

    /// The upgrade of the current transport was refused with HTTP `status`
    /// (0 when unknown). The policy's on_open_refused(status) (or
    /// default_open_refused) gives a close_verdict and the engine carries it
    /// out: a notice connect_failed (`code` = status, `next` = what follows),
    /// then fatal: failed (start() again to retry); resume / new_session: the
    /// next open after the backoff (the first retry after a ready session is
    /// immediate); new_session_now after a refused resume: the session is
    /// forgotten and a fresh open is queued now, whatever the backoff (it
    /// continues the refused attempt: reconnect_attempts() stays). The
    /// caller just polls. Errors (nothing changes): not_running (no open is
    /// pending), stale_generation.
    std::error_code on_open_refused(std::uint16_t status, instant now) { return on_open_refused(gen_, status, now); }
    std::error_code on_open_refused(std::uint32_t generation, std::uint16_t status, instant now) {
        now = clock_(now);
        if (generation != gen_) return errc::stale_generation;
        if (state_ != state::connecting) return errc::not_running;
        release_if_idle();
        close_verdict v;
        if constexpr (has_open_refused_hook<P>) v = protocol_.on_open_refused(status);
        else v = default_open_refused(status);
        stop_transport_timers();
        transport_gone(errc::connect_failed, v, 0, status, now);
        return {};
    }

    /// One whole message from the server on the current transport.
    /// Peer trouble (malformed, oversized, unexpected) becomes a notice.
    /// Errors: not_running (no transport is open), stale_generation.
    /// Messages arriving after the machine closed the transport are ignored.
    std::error_code on_message(std::string_view text, message_type type, instant now) {
        return on_message(gen_, text, type, now);
    }
    std::error_code on_message(std::uint32_t generation, std::string_view text, message_type type, instant now) {
        now = clock_(now);
        if (generation != gen_) return errc::stale_generation;
        if (state_ == state::closing || state_ == state::ending) return {};
        if (!is_open()) return errc::not_running;
        release_if_idle();
        if (text.size() > cfg_.max_inbound) {
            fail_transport(errc::frame_too_large, P::traits.close_code_too_large, resume_or_new(), now);
            return {};
        }
        frame f;
        if (protocol_.classify(text, type, f)) {
            fail_transport(errc::malformed_frame, P::traits.close_code_malformed, resume_or_new(), now);
            return {};
        }
        handle_frame(f, text, now);
        return {};
    }

    /// The current transport ended: `info.code` is the peer's close code, or
    /// nullopt when it dropped. Errors: not_running, stale_generation.
    std::error_code on_close(close_info info, instant now) { return on_close(gen_, info, now); }
    std::error_code on_close(std::uint32_t generation, close_info info, instant now) {
        now = clock_(now);
        if (generation != gen_) return errc::stale_generation;
        if (!has_transport()) return errc::not_running;
        release_if_idle();
        switch (state_) {
        case state::closing: after_close(now); break;
        case state::ending: finish_close(); break;
        case state::connecting:
            stop_transport_timers();
            transport_gone(errc::connect_failed, close_verdict::resume, info.code.value_or(0), 0, now);
            break;
        default: {
            const close_verdict v = info.code ? protocol_.on_close_code(*info.code) : close_verdict::resume;
            stop_transport_timers();
            transport_gone(v == close_verdict::fatal ? errc::fatal_close : errc::transport_closed, v, info.code.value_or(0), 0,
                           now);
            break;
        }
        }
        return {};
    }

    /// Fires the timers due at `now` (heartbeat, handshake, reconnect, close
    /// wait). Early or repeated calls do nothing.
    void handle_timeout(instant now) {
        now = clock_(now);
        if (now < timers_.next_deadline()) return;
        release_if_idle();
        timers_.expire(now, [&](timer t) { fire(t, now); });
    }

    /// The earliest instant handle_timeout() has work to do; O(1).
    instant next_deadline() const noexcept { return timers_.next_deadline(); }

    /// The next action, or nullptr. Its bytes stay valid until the next
    /// mutating call.
    const entry* poll() noexcept { return queue_.poll(); }

    // ---- sessions that survive the process --------------------------------

    /// The session to save (id, resume URL, sequence); views valid until the
    /// next mutating call. An empty id means there is nothing to resume.
    session_snapshot snapshot() const noexcept { return {session_.id, session_.resume_url, session_.seq}; }

    /// Loads a saved session; start() then resumes it. Only while idle,
    /// closed or failed. Errors: session_running, invalid_session_data (an id
    /// without a sequence for a sequenced protocol, or a protocol that cannot
    /// resume). An empty id clears the session.
    std::error_code restore(const session_snapshot& s) {
        if (!stopped()) return errc::session_running;
        if (!s.id.empty() && (!P::traits.resumable || (P::traits.sequenced && !s.seq))) return errc::invalid_session_data;
        session_.id.assign(s.id);
        session_.resume_url.assign(s.resume_url);
        session_.seq = s.id.empty() ? std::nullopt : s.seq;
        return {};
    }

    // ---- introspection ----------------------------------------------------

    state current_state() const noexcept { return state_; }
    bool is_ready() const noexcept { return state_ == state::ready; }
    std::uint32_t generation() const noexcept { return gen_; }
    std::optional<std::uint64_t> last_sequence() const noexcept { return session_.seq; }
    const session_data& session_info() const noexcept { return session_; }
    duration heartbeat_interval() const noexcept { return heartbeat_.interval(); }
    std::optional<duration> latency() const noexcept { return heartbeat_.latency(); }
    std::uint32_t reconnect_attempts() const noexcept { return attempts_; }
    /// Whether an ordinary send would pass the rate limit now.
    bool can_send(instant now) const noexcept {
        return state_ == state::ready && (cfg_.rate_limit == 0 || budget_.available(now, send_priority::normal) > 0);
    }
    std::uint64_t stale_dropped() const noexcept { return stale_; }
    /// The configuration in use (sizes above 4 GiB were clamped).
    config settings() const noexcept {
        config c;
        c.wait_for_identify_permit = cfg_.wait_for_identify_permit;
        c.max_inbound = cfg_.max_inbound;
        c.max_outbound = cfg_.max_outbound;
        c.rate_limit = cfg_.rate_limit;
        c.rate_window = cfg_.rate_window;
        c.handshake_timeout = cfg_.handshake_timeout;
        c.close_timeout = cfg_.close_timeout;
        c.min_heartbeat_interval = cfg_.min_heartbeat_interval;
        c.max_heartbeat_interval = cfg_.max_heartbeat_interval;
        c.reconnect = backoff_.config();
        c.max_reconnect_attempts = cfg_.max_reconnect_attempts;
        c.retain_bytes = cfg_.retain_bytes;
        return c;
    }
    P& protocol() noexcept { return protocol_; }
    const P& protocol() const noexcept { return protocol_; }

    /// Heap bytes held (queue memory and session strings), for size reports.
    std::size_t heap_bytes() const noexcept {
        auto str = [](const std::string& s) { return s.capacity() > 15 ? s.capacity() + 1 : 0; };
        return queue_.heap_bytes() + str(session_.id) + str(session_.resume_url);
    }
    /// Releases queue memory when nothing is queued (for long-idle sessions).
    void shrink() { queue_.shrink(); }

private:
    enum class timer : std::uint8_t { heartbeat, handshake, reconnect, close_wait, count_ };

    // config without the backoff settings (the backoff keeps those), sizes
    // in 32 bits: what the session keeps, 64 bytes instead of 120.
    struct stored_settings {
        duration rate_window, handshake_timeout, close_timeout, min_heartbeat_interval, max_heartbeat_interval;
        std::uint32_t max_inbound, max_outbound, rate_limit, retain_bytes, max_reconnect_attempts;
        bool wait_for_identify_permit;
    };
    static constexpr std::uint32_t clamp32(std::size_t n) noexcept { return n > 0xffffffffu ? 0xffffffffu : static_cast<std::uint32_t>(n); }
    static constexpr stored_settings settings_of(const config& c) noexcept {
        return {c.rate_window,       c.handshake_timeout,      c.close_timeout,   c.min_heartbeat_interval,
                c.max_heartbeat_interval, clamp32(c.max_inbound), clamp32(c.max_outbound), c.rate_limit,
                clamp32(c.retain_bytes), c.max_reconnect_attempts, c.wait_for_identify_permit};
    }

    // ---- state predicates
    bool stopped() const noexcept { return state_ == state::idle || state_ == state::closed || state_ == state::failed; }
    bool is_open() const noexcept {
        return state_ == state::awaiting_hello || state_ == state::awaiting_permit || state_ == state::identifying ||
               state_ == state::resuming || state_ == state::ready;
    }
    bool has_transport() const noexcept {
        return is_open() || state_ == state::connecting || state_ == state::closing || state_ == state::ending;
    }
    bool can_resume() const noexcept {
        return P::traits.resumable && !session_.id.empty() && (!P::traits.sequenced || session_.seq.has_value());
    }
    // What a reconnect will be: a resume when there is a session to resume.
    next_step resume_or_new() const noexcept { return can_resume() ? next_step::resume : next_step::new_session; }
    void forget_session() noexcept {
        session_.id.clear();
        session_.resume_url.clear();
        session_.seq.reset();
    }

    // The send limit of one connection with `reserved` slots for heartbeats.
    rate_limit_config limits(std::uint32_t reserved) const noexcept {
        return {cfg_.rate_limit, cfg_.rate_window, reserved > cfg_.rate_limit ? cfg_.rate_limit : reserved};
    }

    // ---- queue helpers
    void release_if_idle() {
        if (queue_.empty() && queue_.heap_bytes() > cfg_.retain_bytes) queue_.shrink();
    }
    action make(action_kind k) const noexcept {
        action a;
        a.kind = k;
        a.generation = gen_;
        return a;
    }
    void notice(std::error_code ec, next_step next, std::uint16_t peer_code = 0, std::int64_t code = 0) {
        action a = make(action_kind::notice);
        a.error = ec;
        a.next = next;
        a.close_code = peer_code;
        a.code = code;
        queue_.push(a);
    }
    void queue_close(std::uint16_t code) {
        action a = make(action_kind::close);
        a.op = transport_op::close;
        a.close_code = code;
        queue_.push(a);
    }
    // Queues `text` with the frame's name and data as offsets into it; the
    // frame's sequence is reported unless `with_seq` is false.
    void deliver(action_kind k, const frame& f, std::string_view text, bool with_seq = true) {
        action a = make(k);
        a.code = f.code;
        if (with_seq && f.seq) {
            a.has_seq = true;
            a.seq = *f.seq;
        }
        locate(text, f.name, a.name_offset, a.name_size);
        locate(text, f.data, a.data_offset, a.data_size);
        queue_.push(a, text);
    }
    static void locate(std::string_view text, std::string_view part, std::uint32_t& off, std::uint32_t& size) noexcept {
        const auto base = reinterpret_cast<std::uintptr_t>(text.data());
        const auto p = reinterpret_cast<std::uintptr_t>(part.data());
        if (part.empty() || p < base || p + part.size() > base + text.size()) return; // not inside: leave empty
        off = static_cast<std::uint32_t>(p - base);
        size = static_cast<std::uint32_t>(part.size());
    }

    // Writes one frame with `write` and queues it, if the cap and the budget
    // allow; otherwise nothing is queued and the error is returned. `write`
    // returns void, an error_code (rolls back), or bool (false: nothing to send).
    template <class Writer>
    std::error_code send_frame(Writer&& write, instant now, bool priority, message_type type = message_type::text) {
        std::string& out = queue_.begin_payload();
        const std::size_t start = out.size();
        using result = decltype(write(out));
        if constexpr (std::is_same_v<result, std::error_code>) {
            if (std::error_code ec = write(out)) {
                queue_.rollback();
                return ec;
            }
        } else if constexpr (std::is_same_v<result, bool>) {
            if (!write(out)) {
                queue_.rollback();
                return {};
            }
        } else {
            write(out);
        }
        const std::size_t size = out.size() - start;
        if (cfg_.max_outbound != 0 && size > cfg_.max_outbound) {
            queue_.rollback();
            return errc::payload_too_large;
        }
        if (cfg_.rate_limit != 0 && budget_.try_acquire(now, priority ? send_priority::high : send_priority::normal)) {
            queue_.rollback();
            return errc::rate_limited;
        }
        action a = make(action_kind::send);
        a.op = transport_op::send;
        a.type = type;
        queue_.commit(a);
        return {};
    }

    // ---- connection lifecycle
    void open_transport(connect_kind kind, instant now) {
        ++gen_;
        mode_ = kind;
        budget_ = rate_limiter(limits(0)); // a fresh window for each connection
        heartbeat_.stop();
        action a = make(action_kind::open);
        a.op = transport_op::open;
        a.resume = kind == connect_kind::resume;
        std::string& out = queue_.begin_payload();
        protocol_.write_open(out, kind, session_);
        queue_.commit(a);
        state_ = state::connecting;
        timers_.arm(timer::handshake, now + cfg_.handshake_timeout);
    }

    // The transport is ready for the session's first frame (after hello, or
    // after the open for protocols without one).
    void begin(instant now) {
        if (mode_ == connect_kind::resume && can_resume()) {
            state_ = state::resuming;
            timers_.arm(timer::handshake, now + cfg_.handshake_timeout);
            // A protocol whose resume URL says it all writes no frame (write_resume returns false).
            (void)send_frame([&](std::string& out) { return protocol_.write_resume(out, session_); }, now, true);
            return;
        }
        mode_ = connect_kind::fresh;
        forget_session();
        if (!P::traits.client_identifies) {
            state_ = state::identifying;
            timers_.arm(timer::handshake, now + cfg_.handshake_timeout);
        } else if (cfg_.wait_for_identify_permit) {
            state_ = state::awaiting_permit;
            timers_.disarm(timer::handshake); // a cluster queue may take long; the server enforces its own limit
            queue_.push(make(action_kind::identify_wanted));
        } else {
            send_identify(now);
        }
    }

    void send_identify(instant now) {
        state_ = state::identifying;
        timers_.arm(timer::handshake, now + cfg_.handshake_timeout);
        const std::error_code ec = send_frame([&](std::string& out) { protocol_.write_identify(out); }, now, true);
        if (ec) { // only an over-cap identify can fail here (the budget is fresh): configuration error
            stop_transport_timers();
            queue_close(P::traits.close_code_end);
            notice(ec, next_step::stop);
            state_ = state::failed;
        }
    }

    void send_heartbeat(instant now, bool regular) {
        const std::error_code ec =
            send_frame([&](std::string& out) { protocol_.write_heartbeat(out, session_.seq); }, now, true);
        if (ec) {
            notice(errc::heartbeat_skipped, next_step::none);
            return;
        }
        if (regular) timers_.arm(timer::heartbeat, heartbeat_.sent_regular(now));
        else heartbeat_.sent_requested(now);
    }

    void stop_transport_timers() noexcept {
        timers_.disarm(timer::heartbeat);
        timers_.disarm(timer::handshake);
        timers_.disarm(timer::close_wait);
        heartbeat_.stop();
    }

    // Peer trouble on an open transport: say so (with the frame that caused it,
    // when there is one), close, reconnect after on_close.
    void fail_transport(std::error_code why, std::uint16_t close_code, next_step next, instant now,
                        duration min_delay = duration::zero(), const frame* cause = nullptr, std::string_view text = {}) {
        if (cause) notice_frame(why, next, *cause, text);
        else notice(why, next);
        if (next == next_step::new_session) forget_session(); // the session is gone whatever happens next
        queue_close(close_code);
        stop_transport_timers();
        state_ = state::closing;
        pending_ = next;
        pending_delay_ = min_delay;
        timers_.arm(timer::close_wait, now + cfg_.close_timeout);
    }

    // The transport we closed is gone: reconnect as planned.
    void after_close(instant now) {
        stop_transport_timers();
        reconnect(pending_ == next_step::new_session ? connect_kind::fresh : connect_kind::resume, pending_delay_, now);
    }

    // The transport ended without us asking (or could not be opened).
    void transport_gone(std::error_code why, close_verdict v, std::uint16_t peer_code, std::int64_t status, instant now) {
        if (v == close_verdict::fatal) {
            notice(why, next_step::stop, peer_code, status);
            state_ = state::failed;
            return;
        }
        const bool resume = v == close_verdict::resume && can_resume();
        // At once only after a connection opened to resume: the server said the
        // session is gone; after a fresh one it would be a loop without a pause.
        const bool at_once = reconnects_at_once(v) && mode_ == connect_kind::resume;
        notice(why, resume ? next_step::resume : next_step::new_session, peer_code, status);
        duration wait = duration::zero();
        if constexpr (has_reconnect_delay_hook<P>) {
            if (peer_code != 0) wait = protocol_.reconnect_delay(peer_code); // e.g. rate limited: do not come back at once
        }
        reconnect(resume ? connect_kind::resume : connect_kind::fresh, wait, now, at_once);
    }

    // Schedules the next connection: at once for the first attempt after a
    // healthy session, then with exponential backoff and jitter. `at_once`
    // (new_session_now after a refused resume): the open goes now and the
    // attempt it continues is not counted again: neither the attempt count
    // (max_reconnect_attempts) nor the backoff moves. No loop can follow: a
    // fresh connection cannot be refused at once again, and the next resume
    // needs a ready session (which starts the count over anyway).
    void reconnect(connect_kind kind, duration min_delay, instant now, bool at_once = false) {
        if (kind == connect_kind::fresh) forget_session();
        mode_ = kind;
        if (!at_once && cfg_.max_reconnect_attempts != 0 && attempts_ >= cfg_.max_reconnect_attempts) {
            notice(errc::gave_up, next_step::stop);
            state_ = state::failed;
            return;
        }
        duration delay = duration::zero();
        if (!at_once) {
            if (attempts_ != 0) (void)backoff_.next(delay); // never gives up: max_reconnect_attempts decides
            ++attempts_;
        }
        if (delay < min_delay) delay = min_delay;
        if (delay <= duration::zero()) {
            open_transport(kind, now);
            return;
        }
        state_ = state::waiting;
        timers_.arm(timer::reconnect, now + delay);
    }

    void finish_close() {
        stop_transport_timers();
        timers_.clear();
        state_ = state::closed;
        notice(errc::closed_by_user, next_step::stop);
    }

    // ---- inbound frames
    void handle_frame(const frame& f, std::string_view text, instant now) {
        switch (f.kind) {
        case frame_kind::hello: return on_hello(f, text, now);
        case frame_kind::heartbeat_ack: heartbeat_.acked(now); return;
        case frame_kind::heartbeat_request:
            if (!P::traits.heartbeat_before_ready && state_ != state::ready && state_ != state::resuming) return;
            return send_heartbeat(now, false);
        case frame_kind::dispatch:
            // Events belong to a session: none before ready (or the resume's replay).
            if (state_ != state::resuming && state_ != state::ready) {
                notice_unexpected(f, text);
                return;
            }
            if (!accept_sequence(f)) return;
            deliver(action_kind::dispatch, f, text);
            return;
        case frame_kind::ready: return on_ready(f, text, now);
        case frame_kind::resumed: return on_resumed(f, text, now);
        case frame_kind::reconnect:
            return fail_transport(errc::reconnect_requested, P::traits.close_code_resume,
                                  resume_or_new(), now, duration::zero(), &f, text);
        case frame_kind::invalid_session: {
            const bool resume = f.flag && can_resume();
            duration wait = duration::zero();
            if (!resume) {
                const auto lo = P::traits.invalid_session_delay_min.count();
                const auto hi = P::traits.invalid_session_delay_max.count();
                wait = duration(lo + (hi > lo ? static_cast<duration::rep>(rng_.below(static_cast<std::uint64_t>(hi - lo) + 1)) : 0));
            }
            return fail_transport(errc::session_invalidated, P::traits.close_code_resume,
                                  resume ? next_step::resume : next_step::new_session, now, wait, &f, text);
        }
        case frame_kind::server_error:
            // The frame goes out in the notice. One that says the server is
            // dropping us (flag) closes and reconnects; any other carries on.
            if (!f.flag) return notice_frame(errc::server_error, next_step::none, f, text);
            return fail_transport(errc::server_error, P::traits.close_code_resume, resume_or_new(),
                                  now, duration::zero(), &f, text);
        case frame_kind::other: return notice_unexpected(f, text);
        }
    }

    // Drops a dispatch whose sequence is not newer than the last one seen
    // (a replay overlap); records the new last sequence otherwise.
    bool accept_sequence(const frame& f) noexcept {
        if (!P::traits.sequenced || !f.seq) return true;
        if (session_.seq && *f.seq <= *session_.seq) {
            ++stale_;
            return false;
        }
        session_.seq = f.seq;
        return true;
    }

    void on_hello(const frame& f, std::string_view text, instant now) {
        if (state_ != state::awaiting_hello) {
            notice_unexpected(f, text);
            return;
        }
        const duration interval = f.heartbeat_interval;
        if (interval != duration::zero() &&
            (interval < cfg_.min_heartbeat_interval || interval > cfg_.max_heartbeat_interval)) {
            fail_transport(errc::bad_heartbeat_interval, P::traits.close_code_malformed, resume_or_new(), now);
            return;
        }
        if (interval > duration::zero()) {
            const double jitter = P::traits.jitter_first_heartbeat ? rng_.uniform01() : 1.0;
            const instant first = heartbeat_.start(interval, jitter, now);
            if (P::traits.heartbeat_before_ready) timers_.arm(timer::heartbeat, first); // else: armed once ready
            // Keep room for every beat of a window, plus identify/resume and one requested beat.
            // Beats the server asked for before hello were sent on this connection: they still count.
            if (cfg_.rate_limit != 0 && cfg_.rate_window > duration::zero()) {
                const auto beats = static_cast<std::uint32_t>((cfg_.rate_window.count() + interval.count() - 1) / interval.count());
                budget_.set_reserved(beats + 2);
            }
        }
        begin(now);
    }

    void on_ready(const frame& f, std::string_view text, instant now) {
        if (state_ != state::identifying && state_ != state::resuming) {
            notice_unexpected(f, text);
            return;
        }
        // A ready while resuming means the server started a new session instead.
        forget_session();
        if (protocol_.on_ready(f, session_) || (P::traits.resumable && session_.id.empty())) {
            forget_session();
            fail_transport(errc::missing_session, P::traits.close_code_malformed, next_step::new_session, now);
            return;
        }
        if (P::traits.sequenced && f.seq) session_.seq = f.seq;
        established(now);
        deliver(action_kind::ready, f, text);
    }

    void on_resumed(const frame& f, std::string_view text, instant now) {
        if (state_ != state::resuming) {
            notice_unexpected(f, text);
            return;
        }
        established(now);
        // An old sequence on RESUMED still means resumed; the sequence is then not reported.
        deliver(action_kind::resumed, f, text, accept_sequence(f));
    }

    void established(instant now) noexcept {
        state_ = state::ready;
        attempts_ = 0;
        backoff_.reset();
        timers_.disarm(timer::handshake);
        if (!P::traits.heartbeat_before_ready && heartbeat_.running() && !timers_.armed(timer::heartbeat)) {
            const double jitter = P::traits.jitter_first_heartbeat ? rng_.uniform01() : 1.0;
            timers_.arm(timer::heartbeat, now + duration(static_cast<duration::rep>(static_cast<double>(heartbeat_.interval().count()) * jitter)));
        }
    }

    void notice_unexpected(const frame& f, std::string_view text) { notice_frame(errc::unexpected_frame, next_step::none, f, text); }

    // A notice that carries the frame it is about (bytes, name and data).
    void notice_frame(std::error_code why, next_step next, const frame& f, std::string_view text) {
        action a = make(action_kind::notice);
        a.error = why;
        a.next = next;
        a.code = f.code;
        locate(text, f.name, a.name_offset, a.name_size);
        locate(text, f.data, a.data_offset, a.data_size);
        queue_.push(a, text);
    }

    // ---- timers
    void fire(timer t, instant now) {
        switch (t) {
        case timer::heartbeat:
            if (!is_open()) return;
            if (heartbeat_.on_due() == heartbeat::verdict::zombie) {
                fail_transport(errc::zombie_connection, P::traits.close_code_resume,
                               resume_or_new(), now);
                return;
            }
            send_heartbeat(now, true);
            return;
        case timer::handshake:
            // Also when the transport never opened: close it and retry once it is gone.
            if (!is_open() && state_ != state::connecting) return;
            fail_transport(errc::handshake_timeout, P::traits.close_code_resume,
                           resume_or_new(), now);
            return;
        case timer::reconnect:
            if (state_ == state::waiting) open_transport(mode_, now);
            return;
        case timer::close_wait:
            if (state_ == state::closing) after_close(now);
            else if (state_ == state::ending) finish_close();
            return;
        case timer::count_: return;
        }
    }

    P protocol_;
    entropy rng_;
    stored_settings cfg_;
    action_queue<action> queue_;
    timer_table<timer, static_cast<std::size_t>(timer::count_)> timers_;
    backoff backoff_;
    heartbeat heartbeat_;
    rate_limiter budget_;
    session_data session_;
    monotonic_clamp clock_;
    std::uint64_t stale_ = 0;
    std::uint32_t gen_ = 0;
    std::uint32_t attempts_ = 0;
    duration pending_delay_{};
    state state_ = state::idle;
    connect_kind mode_ = connect_kind::fresh;
    next_step pending_ = next_step::resume;
};

} // namespace sluice::gateway
