#pragma once
// sluice/gateway/detail/client_shell.hpp: what every protocol client built on
// the gateway engine has in common (i386chat, singyeong): the engine, the
// protocol's own action queue, the transport inputs forwarded to the engine,
// and "every mutating call runs here": the engine acts, then its actions are
// translated into the protocol's queue at once, so state changes happen at
// input time, never at poll time. Not for users: each client documents the
// members it inherits.
//
// A client derives from client_shell<client, policy, action> (befriending
// it) and provides
//     void translate(const gateway::entry&);  // one engine action -> its own
// and, when it needs them,
//     void before_run(instant now);           // before each mutating call
//     void after_run();                       // after the engine's actions are translated
//
// Includes: <system_error>, <string_view>, <cstdint>, <utility>; core
// (action queue, entropy, time, transport); gateway/session.hpp (the engine).
#include <cstdint>
#include <string_view>
#include <system_error>
#include <utility>

#include <sluice/core/action_queue.hpp>
#include <sluice/core/entropy.hpp>
#include <sluice/core/time.hpp>
#include <sluice/core/transport.hpp>
#include <sluice/gateway/session.hpp>

namespace sluice::gateway::detail {

/// Copies what a protocol action shares with the engine's action (transport
/// op, message type, close code, generation, next step, code, error) and,
/// for the transport kinds (send, open, close), sets the protocol's kind of
/// the same name. Returns whether the kind was one of those.
template <class Action>
constexpr bool translate_common(const gateway::action& g, Action& a) noexcept {
    using kind = decltype(a.kind);
    a.op = g.op;
    a.type = g.type;
    a.close_code = g.close_code;
    a.generation = g.generation;
    a.next = g.next;
    a.code = g.code;
    a.error = g.error;
    switch (g.kind) {
    case gateway::action_kind::send: a.kind = kind::send; return true;
    case gateway::action_kind::open: a.kind = kind::open; return true;
    case gateway::action_kind::close: a.kind = kind::close; return true;
    default: return false;
    }
}

/// The shell of a protocol client over gateway::session<Policy>, handing out
/// `Action`s (see the header comment for what Derived provides).
template <class Derived, class Policy, class Action>
class client_shell {
public:
    using entry = typename action_queue<Action>::entry;

    // ---- transport inputs (see gateway::session for the errors) ----------

    /// The transport opened (after the upgrade).
    std::error_code on_open(instant now) {
        return run(now, [&] { return engine_.on_open(now); });
    }
    std::error_code on_open(std::uint32_t generation, instant now) {
        return run(now, [&] { return engine_.on_open(generation, now); });
    }
    /// The upgrade was refused with HTTP `status` (the policy decides what follows).
    std::error_code on_open_refused(std::uint16_t status, instant now) {
        return run(now, [&] { return engine_.on_open_refused(status, now); });
    }
    std::error_code on_open_refused(std::uint32_t generation, std::uint16_t status, instant now) {
        return run(now, [&] { return engine_.on_open_refused(generation, status, now); });
    }
    /// One whole message arrived.
    std::error_code on_message(std::string_view text, message_type type, instant now) {
        return run(now, [&] { return engine_.on_message(text, type, now); });
    }
    std::error_code on_message(std::uint32_t generation, std::string_view text, message_type type, instant now) {
        return run(now, [&] { return engine_.on_message(generation, text, type, now); });
    }
    /// The transport ended (with the peer's close code, if any).
    std::error_code on_close(close_info info, instant now) {
        return run(now, [&] { return engine_.on_close(info, now); });
    }
    std::error_code on_close(std::uint32_t generation, close_info info, instant now) {
        return run(now, [&] { return engine_.on_close(generation, info, now); });
    }
    /// Fires due timers (heartbeat, handshake, reconnect). Early calls do nothing.
    void handle_timeout(instant now) {
        (void)run(now, [&] {
            engine_.handle_timeout(now);
            return std::error_code{};
        });
    }
    /// The earliest instant handle_timeout() has work; O(1).
    instant next_deadline() const noexcept { return engine_.next_deadline(); }

    /// The next action, or nullptr. Its bytes are valid until the next mutating call.
    const entry* poll() noexcept { return queue_.poll(); }

    // ---- introspection -----------------------------------------------------

    gateway::state current_state() const noexcept { return engine_.current_state(); }
    bool is_ready() const noexcept { return engine_.is_ready(); }
    /// The engine, for its introspection (latency, heartbeat interval, ...).
    const gateway::session<Policy>& engine() const noexcept { return engine_; }

protected:
    client_shell(Policy p, entropy rng, const gateway::config& c) : engine_(std::move(p), rng, c) {}

    // Protocols without a cluster-wide identify limit send identify at once.
    static gateway::config without_identify_gate(gateway::config c) noexcept {
        c.wait_for_identify_permit = false;
        return c;
    }

    // Every mutating call runs here (see the header comment).
    template <class F>
    std::error_code run(instant now, F&& f) {
        self().before_run(now);
        const std::error_code ec = std::forward<F>(f)();
        absorb();
        self().after_run();
        return ec;
    }
    // Moves the engine's actions to our queue, translated.
    void absorb() {
        while (const gateway::entry* e = engine_.poll()) self().translate(*e);
    }
    // The default hooks: nothing.
    void before_run(instant) noexcept {}
    void after_run() noexcept {}

    gateway::session<Policy> engine_;
    action_queue<Action> queue_;

private:
    Derived& self() noexcept { return static_cast<Derived&>(*this); }
};

} // namespace sluice::gateway::detail
