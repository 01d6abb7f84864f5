#pragma once
// sluice/core/timer_table.hpp: a fixed table of named timers.
//
// A machine's timers (heartbeat, ack deadline, reconnect, ...) are slots of a
// table indexed by an enum, not a heap of callbacks. The earliest deadline is
// cached, so reading it is O(1); arming and disarming rescan the few slots.
//
// Includes: <array>, <cstddef>; time.hpp for instant.
#include <array>
#include <cstddef>

#include <sluice/core/time.hpp>

namespace sluice {

/// N timers named by the enum `Id` (values 0..N-1). Each is either armed at an
/// instant or disarmed. Firing is pulled: the caller asks for next_deadline()
/// and calls the machine's handle_timeout(now), which calls expire().
template <class Id, std::size_t N>
class timer_table {
public:
    /// Arms `id` to fire at `at` (re-arming replaces the previous deadline).
    constexpr void arm(Id id, instant at) noexcept {
        at_[index(id)] = at;
        if (at < next_) next_ = at;
        else recompute();
    }
    /// Disarms `id`; disarming a disarmed timer does nothing.
    constexpr void disarm(Id id) noexcept {
        at_[index(id)] = instant::never();
        recompute();
    }
    /// Disarms every timer.
    constexpr void clear() noexcept {
        at_.fill(instant::never());
        next_ = instant::never();
    }
    constexpr bool armed(Id id) const noexcept { return !at_[index(id)].is_never(); }
    /// The deadline of `id`, or instant::never() when disarmed.
    constexpr instant deadline(Id id) const noexcept { return at_[index(id)]; }
    /// The earliest armed deadline, or instant::never(); O(1).
    constexpr instant next_deadline() const noexcept { return next_; }

    /// Fires every timer due at `now`, earliest first: each is disarmed before
    /// `fire(id)` is called, so it fires once, and `fire` may re-arm it (a
    /// re-armed timer already due fires again in the same call only if it is
    /// still <= now, which a periodic timer never is). Called early, does nothing.
    template <class F>
    constexpr void expire(instant now, F&& fire) {
        // Bounded: each pass fires one timer; a callback that keeps re-arming
        // at <= now could loop, so cap the passes.
        for (std::size_t pass = 0; pass < 4 * N && next_ <= now; ++pass) {
            std::size_t best = 0;
            for (std::size_t i = 1; i < N; ++i)
                if (at_[i] < at_[best]) best = i;
            at_[best] = instant::never();
            recompute();
            fire(static_cast<Id>(best));
        }
    }

private:
    static constexpr std::size_t index(Id id) noexcept { return static_cast<std::size_t>(id); }
    constexpr void recompute() noexcept {
        instant m = instant::never();
        for (const instant& t : at_)
            if (t < m) m = t;
        next_ = m;
    }
    std::array<instant, N> at_ = filled();
    instant next_ = instant::never();
    static constexpr std::array<instant, N> filled() noexcept {
        std::array<instant, N> a{};
        a.fill(instant::never());
        return a;
    }
};

} // namespace sluice
