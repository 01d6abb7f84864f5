#pragma once
// sluice/core/backoff.hpp: exponential backoff with injected jitter.
//
// How long to wait before reconnecting (or retrying a request) after the
// n-th consecutive failure: a ceiling that starts at `base` and grows by
// `factor` each attempt up to `cap`, with jitter drawn from the caller's
// entropy source so that many clients failing together do not retry in step
// (AWS's "Exponential Backoff and Jitter" modes: full, equal, none).
//
//     backoff b({.base = 1s, .cap = 60s, .max_attempts = 10}, rng);
//     duration d;
//     if (auto ec = b.next(d)) give_up(ec);   // core_errc::gave_up
//     else arm_timer(now + d);
//     ...
//     b.reset();                              // after a successful connect
//
// Deterministic for a given entropy sequence (tests inject a seeded
// xoshiro256). Never reads a clock, never allocates.
//
// Includes: <cstdint>; <system_error>, "errc.hpp" for errors; "time.hpp" for
// duration; "entropy.hpp" for the injected random source.
#include <cstdint>
#include <system_error>

#include "entropy.hpp"
#include "errc.hpp"
#include "time.hpp"

namespace sluice {

/// How the delay is drawn from the current ceiling c.
enum class jitter_mode : std::uint8_t {
    full,  ///< uniform in [0, c]: the best spread, the default
    equal, ///< uniform in [c - c/2, c]: never much shorter than the ceiling
    none,  ///< exactly c: deterministic, for tests and cooperative peers
};

struct backoff_config {
    duration base = std::chrono::seconds(1); ///< ceiling of the first attempt; >= 0
    duration cap = std::chrono::seconds(60); ///< the ceiling never exceeds this; >= base
    double factor = 2.0;                     ///< ceiling growth per attempt; 1 (constant) to max_factor
    jitter_mode jitter = jitter_mode::full;
    std::uint32_t max_attempts = 0;          ///< delays handed out before giving up; 0 = never give up

    /// Largest factor (a larger one reaches the cap after one attempt anyway).
    static constexpr double max_factor = 4294967296.0;

    /// core_errc::invalid_config when base < 0, cap < base, factor is not in
    /// [1, max_factor] (or NaN), or jitter is not one of the enumerators; else
    /// empty. The backoff constructor accepts any config and normalizes it
    /// (see there).
    std::error_code validate() const noexcept {
        const bool ok = base.count() >= 0 && cap >= base && factor >= 1.0 && factor <= max_factor && // NaN fails
                        (jitter == jitter_mode::full || jitter == jitter_mode::equal || jitter == jitter_mode::none);
        return ok ? std::error_code() : make_error_code(core_errc::invalid_config);
    }
};

/// Exponential backoff state: the attempt count since the last reset and the
/// current ceiling. 64 bytes; copying it copies the state (and shares the
/// entropy source).
class backoff {
public:
    /// `rng` must outlive the backoff. The config is normalized rather than
    /// refused: a negative base becomes 0, a cap below base becomes base, a
    /// factor below 1 (or NaN) becomes 1 and one above max_factor (or
    /// infinite) max_factor, an unknown jitter mode becomes full.
    /// Call config.validate() first to report bad user input instead.
    backoff(backoff_config config, entropy rng) noexcept
        : cfg_(normalize(config)), rng_(rng), ceiling_ns_(static_cast<double>(cfg_.base.count())) {}

    /// The delay before the next attempt, in `delay`; counts one attempt.
    /// Attempt n (from 0) has ceiling min(cap, base * factor^n) and a delay
    /// drawn from it by the jitter mode.
    /// Errors: core_errc::gave_up once max_attempts delays have been handed
    /// out since the last reset(); `delay` is then unchanged and nothing
    /// changes. The caller stops retrying and reports the failure (or calls
    /// reset() to start over).
    [[nodiscard]] std::error_code next(duration& delay) noexcept {
        if (gave_up()) return core_errc::gave_up;
        const std::int64_t c = ceiling().count();
        switch (cfg_.jitter) {
        case jitter_mode::none: delay = duration(c); break;
        case jitter_mode::equal: {
            const std::int64_t half = c / 2;
            delay = duration(c - half + static_cast<std::int64_t>(rng_.below(static_cast<std::uint64_t>(half) + 1)));
            break;
        }
        case jitter_mode::full:
        default: delay = duration(static_cast<std::int64_t>(rng_.below(static_cast<std::uint64_t>(c) + 1))); break;
        }
        ++attempts_;
        // Grown in double so that small ceilings with factors like 1.5 still
        // grow; ceiling() saturates at cap before converting back.
        if (ceiling_ns_ < static_cast<double>(cfg_.cap.count())) ceiling_ns_ *= cfg_.factor;
        return {};
    }

    /// Success: the next delay starts again from `base` and the attempt count from 0.
    void reset() noexcept {
        attempts_ = 0;
        ceiling_ns_ = static_cast<double>(cfg_.base.count());
    }

    /// Delays handed out since the last reset().
    std::uint32_t attempts() const noexcept { return attempts_; }
    /// True when next() would return core_errc::gave_up.
    bool gave_up() const noexcept { return cfg_.max_attempts != 0 && attempts_ >= cfg_.max_attempts; }
    /// The ceiling the next delay is drawn from (before jitter).
    duration ceiling() const noexcept {
        return ceiling_ns_ >= static_cast<double>(cfg_.cap.count()) ? cfg_.cap : duration(static_cast<std::int64_t>(ceiling_ns_));
    }
    /// The normalized configuration in use.
    const backoff_config& config() const noexcept { return cfg_; }

private:
    static backoff_config normalize(backoff_config c) noexcept {
        if (c.base.count() < 0) c.base = duration(0);
        if (c.cap < c.base) c.cap = c.base;
        if (!(c.factor >= 1.0)) c.factor = 1.0; // also NaN
        if (c.factor > backoff_config::max_factor) c.factor = backoff_config::max_factor; // keeps 0 * factor finite
        if (c.jitter != jitter_mode::equal && c.jitter != jitter_mode::none) c.jitter = jitter_mode::full;
        return c;
    }

    backoff_config cfg_;
    entropy rng_;
    double ceiling_ns_; // base * factor^attempts, stops growing once >= cap
    std::uint32_t attempts_ = 0;
};

} // namespace sluice
