#pragma once
// sluice/gateway/send_budget.hpp: the per-connection send rate limit with
// slots kept for heartbeats.
//
// Discord allows 120 sent events per 60 s per connection; going over gets the
// connection closed (4008). The engine counts every frame it sends. Ordinary
// sends (user commands) may use `limit - reserved` slots of any window;
// priority sends (heartbeats, identify, resume) may use all of them, so a busy
// client never starves its own heartbeat.
//
// The window is kept as 16 buckets of `window / 15` each. A send is counted in
// the bucket of its instant, and the count of the last 16 buckets is compared
// with the limit. Those 16 buckets cover at least the last `window`, so no
// window of that length ever sees more than `limit` sends; the price is that
// a send is remembered for up to `window * 16 / 15`. 40 bytes, whatever the
// limit, instead of one timestamp a slot.
//
// Includes: <array>, <cstdint>; core/time.hpp.
#include <array>
#include <cstdint>

#include <sluice/core/time.hpp>

namespace sluice::gateway {

class send_budget {
public:
    static constexpr std::uint32_t buckets = 16;

    /// `limit` sends per `window`; limit 0 means unlimited.
    constexpr send_budget(std::uint32_t limit = 0, duration window = duration::zero()) noexcept { configure(limit, window); }

    constexpr void configure(std::uint32_t limit, duration window) noexcept {
        limit_ = limit > 0xffff ? 0xffff : static_cast<std::uint16_t>(limit);
        width_ = window.count() > 0 ? window.count() / (buckets - 1) : 0;
        if (width_ == 0) width_ = 1;
        reset();
    }
    /// Slots ordinary sends must leave free (clamped to the limit).
    constexpr void reserve(std::uint32_t n) noexcept { reserved_ = static_cast<std::uint16_t>(n > limit_ ? limit_ : n); }
    /// Forgets every send (a new connection has a fresh window).
    constexpr void reset() noexcept {
        counts_.fill(0);
        head_ = 0;
        started_ = false;
    }

    /// Counts one send at `now` if the budget allows it; false (and nothing
    /// counted) otherwise. `priority` sends may use the reserved slots.
    constexpr bool try_acquire(instant now, bool priority) noexcept {
        if (limit_ == 0) return true;
        advance(now);
        const std::uint32_t cap = priority ? limit_ : static_cast<std::uint32_t>(limit_ - reserved_);
        if (used() >= cap) return false;
        ++counts_[head_ % buckets];
        return true;
    }
    /// Whether an ordinary (or priority) send would be allowed at `now`.
    constexpr bool would_allow(instant now, bool priority) const noexcept {
        if (limit_ == 0) return true;
        send_budget copy = *this;
        return copy.try_acquire(now, priority);
    }
    /// Sends counted in the current window (as of the last acquire).
    constexpr std::uint32_t used() const noexcept {
        std::uint32_t n = 0;
        for (auto c : counts_) n += c;
        return n;
    }
    constexpr std::uint32_t limit() const noexcept { return limit_; }
    constexpr std::uint32_t reserved() const noexcept { return reserved_; }

private:
    // Moves the head to the bucket of `now`, clearing the buckets skipped.
    constexpr void advance(instant now) noexcept {
        const std::int64_t b = now.ns() / width_;
        if (!started_) {
            started_ = true;
            bucket_ = b;
            return;
        }
        if (b <= bucket_) return; // time is clamped by the engine; never goes back here
        const std::int64_t steps = b - bucket_;
        if (steps >= static_cast<std::int64_t>(buckets)) counts_.fill(0);
        else
            for (std::int64_t i = 0; i < steps; ++i) counts_[(head_ + 1 + static_cast<std::uint32_t>(i)) % buckets] = 0;
        head_ = static_cast<std::uint32_t>((head_ + static_cast<std::uint64_t>(steps)) % buckets);
        bucket_ = b;
    }

    std::int64_t width_ = 1;  // nanoseconds a bucket
    std::int64_t bucket_ = 0; // index of the head bucket
    std::array<std::uint16_t, buckets> counts_{};
    std::uint32_t head_ = 0;
    std::uint16_t limit_ = 0;
    std::uint16_t reserved_ = 0;
    bool started_ = false;
};

} // namespace sluice::gateway
