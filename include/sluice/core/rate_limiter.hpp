#pragma once
// sluice/core/rate_limiter.hpp: a small, conservative sliding-window limiter
// with slots reserved for priority sends.
//
// Gateways cap what a client sends: Discord closes the connection (4008) after
// more than 120 events in 60 s. Heartbeats count too and must never be
// starved, so `reserved` of the `limit` slots are kept for priority sends:
// ordinary sends may use limit - reserved, priority sends all of limit.
//
// An exact limiter keeps a timestamp per event (120 * 8 bytes for Discord).
// This one keeps Buckets (16) counters instead and is conservative: it never
// allows more than `limit` events in any interval of length `window`, at the
// price of sometimes refusing a little early (an event is remembered for at
// most window + window/15 instead of window).
//
// How: time is cut into buckets of width w = ceil(window / (Buckets - 1));
// the counters cover the current bucket and the Buckets - 1 before it, which
// span at least `window` before any instant in the current bucket. An event
// at t in bucket k is admitted only if the events counted in buckets
// k-Buckets+1..k, plus one, fit the limit; every event in (t - window, t]
// lies in those buckets (t - window >= k*w - (Buckets-1)*w), so every window
// ending at an admitted event holds at most `limit` events, hence every
// window does. Ordinary sends are checked against limit - reserved the same
// way, so at most limit - reserved ordinary events are in any window and the
// rest stays free for priority sends.
//
// Time is the caller's monotonic instant; an earlier instant than one already
// seen is clamped to it. Never allocates; every member is noexcept.
//
// Includes: <cstddef>, <cstdint>; <limits> for the extreme instants;
// <system_error>, "errc.hpp" for errors; "time.hpp" for instant and duration.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <system_error>

#include "errc.hpp"
#include "time.hpp"

namespace sluice {

/// Which share of the limit a send may use.
enum class send_priority : std::uint8_t {
    normal, ///< may use limit - reserved slots
    high,   ///< may use all slots (heartbeats)
};

struct rate_limit_config {
    std::uint32_t limit = 120;                 ///< events allowed in any interval of length `window`; 1..65535
    duration window = std::chrono::seconds(60); ///< > 0
    std::uint32_t reserved = 0;                ///< of `limit`, kept for send_priority::high; <= limit

    /// core_errc::invalid_config when limit is 0 or above 65535, window is
    /// not positive, or reserved exceeds limit; else empty. The limiter's
    /// constructor accepts any config and normalizes it (see there).
    std::error_code validate() const noexcept {
        const bool ok = limit >= 1 && limit <= 65535 && window.count() > 0 && reserved <= limit;
        return ok ? std::error_code() : make_error_code(core_errc::invalid_config);
    }
};

/// The limiter with `Buckets` counters (>= 2). More buckets refuse less early
/// (an event is remembered for window + window/(Buckets-1) at most) and cost
/// 2 bytes each.
template <std::size_t Buckets>
class basic_rate_limiter {
    static_assert(Buckets >= 2 && Buckets <= 4096, "basic_rate_limiter: 2 to 4096 buckets");

public:
    static constexpr std::size_t bucket_count = Buckets;

    /// Normalizes `config` rather than refusing it: limit is clamped to
    /// 0..65535 (0 refuses every send), a non-positive window becomes 1 ns,
    /// reserved is clamped to limit. Call config.validate() first to report
    /// bad user input instead.
    constexpr explicit basic_rate_limiter(rate_limit_config config) noexcept
        : width_(bucket_width(config.window)),
          limit_(static_cast<std::uint16_t>(config.limit > 65535 ? 65535 : config.limit)),
          reserved_(static_cast<std::uint16_t>(config.reserved > limit_ ? limit_ : config.reserved)) {}

    /// Counts one send at `now` if it fits. Errors: core_errc::rate_limited
    /// when it does not (nothing is counted); the caller keeps the send queued
    /// and retries at next_available(now, priority).
    [[nodiscard]] std::error_code try_acquire(instant now, send_priority priority = send_priority::normal) noexcept {
        const std::int64_t k = advance(now);
        if (sum_ + 1 > allowed(priority)) return make_error_code(core_errc::rate_limited);
        ++counts_[ring(k)];
        ++sum_;
        return {};
    }

    /// The earliest instant >= now (clamped) at which try_acquire(priority)
    /// will succeed if nothing else is sent meanwhile: `now` itself when it
    /// would succeed now, instant::never() when the allowance is 0 (limit 0,
    /// or reserved == limit for send_priority::normal). Does not change state.
    constexpr instant next_available(instant now, send_priority priority = send_priority::normal) const noexcept {
        const std::uint32_t allowed_n = allowed(priority);
        if (allowed_n == 0) return instant::never();
        now = clamp(now);
        const std::int64_t k = bucket_of(now);
        std::uint32_t s = live_sum(k);
        if (s < allowed_n) return now;
        // s > 0, so k - cur_ < Buckets: buckets cur_-j for j = Buckets-1-gap
        // down to 0 still count at k, oldest first; bucket m stops counting
        // at the start of bucket m + Buckets.
        const auto gap = static_cast<std::int64_t>(static_cast<std::uint64_t>(k) - static_cast<std::uint64_t>(cur_));
        for (std::int64_t j = static_cast<std::int64_t>(Buckets) - 1 - gap; j >= 0; --j) {
            s -= counts_[ring(cur_ - j)];
            if (s < allowed_n) return bucket_start_after(cur_ - j);
        }
        return instant::never(); // unreachable: the sum reaches 0
    }

    /// How many sends of `priority` would succeed at `now` (clamped) if made
    /// back to back. Does not change state.
    constexpr std::uint32_t available(instant now, send_priority priority = send_priority::normal) const noexcept {
        const std::uint32_t s = live_sum(bucket_of(clamp(now)));
        const std::uint32_t a = allowed(priority);
        return s >= a ? 0 : a - s;
    }

    /// Forgets every counted send (a new connection has a fresh limit).
    /// The latest instant seen is kept, so time still never goes backwards.
    constexpr void reset() noexcept {
        for (auto& c : counts_) c = 0;
        sum_ = 0;
    }

    /// Changes the share kept for send_priority::high (clamped to limit),
    /// keeping every counted send: the window goes on.
    constexpr void set_reserved(std::uint32_t reserved) noexcept {
        reserved_ = static_cast<std::uint16_t>(reserved > limit_ ? limit_ : reserved);
    }

    constexpr std::uint32_t limit() const noexcept { return limit_; }
    constexpr std::uint32_t reserved() const noexcept { return reserved_; }
    /// Width of one bucket: ceil(window / (Buckets - 1)).
    constexpr duration bucket_width() const noexcept { return duration(width_); }
    /// Longest time a send keeps counting: Buckets * bucket_width() (saturated).
    constexpr duration memory() const noexcept {
        constexpr auto n = static_cast<std::int64_t>(Buckets);
        return width_ > std::numeric_limits<std::int64_t>::max() / n ? duration::max() : duration(width_ * n);
    }

private:
    static constexpr std::int64_t bucket_width(duration window) noexcept {
        const std::int64_t w = window.count() <= 0 ? 1 : window.count();
        const auto n = static_cast<std::int64_t>(Buckets - 1);
        return w / n + (w % n != 0 ? 1 : 0);
    }
    constexpr std::uint32_t allowed(send_priority p) const noexcept {
        return p == send_priority::high ? limit_ : static_cast<std::uint32_t>(limit_ - reserved_);
    }
    constexpr std::int64_t bucket_of(instant t) const noexcept { // floor division
        const std::int64_t ns = t.ns();
        std::int64_t q = ns / width_;
        if (ns % width_ != 0 && ns < 0) --q;
        return q;
    }
    static constexpr std::size_t ring(std::int64_t k) noexcept { // floor modulo
        std::int64_t r = k % static_cast<std::int64_t>(Buckets);
        if (r < 0) r += static_cast<std::int64_t>(Buckets);
        return static_cast<std::size_t>(r);
    }
    // Start of bucket m + Buckets, when bucket m stops counting; saturates to never().
    constexpr instant bucket_start_after(std::int64_t m) const noexcept {
        constexpr std::int64_t max = std::numeric_limits<std::int64_t>::max();
        if (m > max - static_cast<std::int64_t>(Buckets)) return instant::never();
        const std::int64_t k = m + static_cast<std::int64_t>(Buckets);
        if (k > max / width_) return instant::never();
        return instant::from_ns(k * width_); // k >= min_ns / width_: no underflow
    }
    // The counted sends still inside the window of bucket k >= cur_.
    constexpr std::uint32_t live_sum(std::int64_t k) const noexcept {
        const std::uint64_t gap = static_cast<std::uint64_t>(k) - static_cast<std::uint64_t>(cur_);
        if (gap >= Buckets) return 0;
        std::uint32_t s = sum_;
        // buckets cur_-Buckets+1 .. k-Buckets have left the window
        for (std::uint64_t i = 0; i < gap; ++i) s -= counts_[ring(cur_ - static_cast<std::int64_t>(Buckets) + 1 + static_cast<std::int64_t>(i))];
        return s;
    }
    // Time never goes backwards, and stays far enough from INT64_MIN that
    // bucket arithmetic cannot overflow.
    constexpr instant clamp(instant now) const noexcept { return now < last_ ? last_ : now; }
    // Clamps `now`, moves the window to its bucket (clearing buckets that
    // left it) and returns the bucket index.
    constexpr std::int64_t advance(instant now) noexcept {
        now = clamp(now);
        last_ = now;
        const std::int64_t k = bucket_of(now);
        // k >= cur_; the difference fits in uint64 even when it does not in int64.
        const std::uint64_t gap = static_cast<std::uint64_t>(k) - static_cast<std::uint64_t>(cur_);
        if (gap >= Buckets) {
            for (auto& c : counts_) c = 0;
            sum_ = 0;
        } else {
            for (std::uint64_t i = 1; i <= gap; ++i) {
                auto& c = counts_[ring(cur_ + static_cast<std::int64_t>(i))];
                sum_ -= c;
                c = 0;
            }
        }
        cur_ = k;
        return k;
    }

    static constexpr std::int64_t min_ns = std::numeric_limits<std::int64_t>::min() / 2; // earliest instant used

    std::int64_t width_;                           // bucket width in ns, >= 1
    instant last_ = instant::from_ns(min_ns);      // latest instant seen (earlier ones are clamped to it)
    std::int64_t cur_ = bucket_of(last_);          // bucket of last_
    std::uint32_t sum_ = 0;                          // sum of counts_
    std::uint16_t counts_[Buckets]{};                // sends per bucket; bucket k at ring(k)
    std::uint16_t limit_;
    std::uint16_t reserved_;
};

/// The limiter with 16 counters: 64 bytes, refuses at most window/15 early.
using rate_limiter = basic_rate_limiter<16>;

} // namespace sluice
