#pragma once
// sluice/core/time.hpp: instants on the caller's monotonic clock, and durations.
//
// sluice never reads a clock. The caller passes `instant`s taken from its own
// monotonic clock (std::chrono::steady_clock, a game engine's frame clock, a
// simulation); only differences between them matter.
//
// Includes: <chrono> for std::chrono::nanoseconds; <cstdint>; <limits>.
#include <chrono>
#include <cstdint>
#include <limits>

namespace sluice {

/// A length of time; nanosecond resolution, signed 64-bit (±292 years).
using duration = std::chrono::nanoseconds;

/// A point on the caller's monotonic clock, in nanoseconds from an arbitrary epoch.
class instant {
public:
    constexpr instant() noexcept = default;
    /// An instant `ns` nanoseconds after the caller's epoch.
    static constexpr instant from_ns(std::int64_t ns) noexcept { return instant(ns); }
    /// Converts a time point of any std::chrono clock (usually steady_clock).
    template <class Clock, class Dur>
    static constexpr instant from(std::chrono::time_point<Clock, Dur> tp) noexcept {
        return instant(std::chrono::duration_cast<duration>(tp.time_since_epoch()).count());
    }
    /// The instant that never comes: what an unarmed deadline reads as.
    static constexpr instant never() noexcept { return instant(std::numeric_limits<std::int64_t>::max()); }
    /// The earliest representable instant.
    static constexpr instant zero() noexcept { return instant(0); }

    constexpr std::int64_t ns() const noexcept { return ns_; }
    constexpr bool is_never() const noexcept { return ns_ == never().ns_; }
    constexpr duration since_epoch() const noexcept { return duration(ns_); }

    /// Adding to never() stays never(); sums saturate instead of overflowing.
    constexpr instant operator+(duration d) const noexcept {
        const std::int64_t x = d.count();
        if (is_never()) return *this;
        if (x > 0 && ns_ > std::numeric_limits<std::int64_t>::max() - x) return never();
        if (x < 0 && ns_ < std::numeric_limits<std::int64_t>::min() - x) return instant(std::numeric_limits<std::int64_t>::min());
        return instant(ns_ + x);
    }
    constexpr instant operator-(duration d) const noexcept { return *this + duration(-d.count()); }
    constexpr duration operator-(instant o) const noexcept { return duration(ns_ - o.ns_); }
    constexpr instant& operator+=(duration d) noexcept { return *this = *this + d; }

    friend constexpr bool operator==(instant, instant) noexcept = default;
    friend constexpr auto operator<=>(instant, instant) noexcept = default;

private:
    constexpr explicit instant(std::int64_t ns) noexcept : ns_(ns) {}
    std::int64_t ns_ = 0;
};

/// Keeps the latest instant seen and clamps an earlier one to it, so time
/// seen by a machine never goes backwards even when the caller's clock does.
class monotonic_clamp {
public:
    /// Returns max(now, the latest instant seen so far) and remembers it.
    constexpr instant operator()(instant now) noexcept {
        if (now > last_) last_ = now;
        return last_;
    }
    constexpr instant last() const noexcept { return last_; }

private:
    instant last_ = instant::from_ns(std::numeric_limits<std::int64_t>::min());
};

/// Milliseconds as a duration; protocol intervals arrive in milliseconds.
constexpr duration from_ms(std::int64_t ms) noexcept { return std::chrono::milliseconds(ms); }
/// A duration in whole milliseconds, rounded down.
constexpr std::int64_t to_ms(duration d) noexcept { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); }

} // namespace sluice
