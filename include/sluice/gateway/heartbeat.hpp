#pragma once
// sluice/gateway/heartbeat.hpp: the heartbeat schedule and zombie detection.
//
// Rules (PROTOCOLS.md, Discord; i386chat and singyeong follow the same shape):
//  - the interval comes from the server's hello, never from a constant;
//  - the first beat is due `interval * jitter` after hello (jitter uniform in
//    [0, 1), injected) when the protocol asks for it, else one interval later;
//  - then one beat every interval, on a fixed schedule: a beat the server asks
//    for is sent at once and does not move the schedule;
//  - when the regular timer fires and no ack arrived since the previous
//    regular beat, the connection is a zombie.
// The acknowledgement rule uses "an ack since the previous regular beat", not
// "an ack for every beat", so a server-requested beat sent just before the
// regular one cannot raise a false alarm while its ack is in flight.
//
// Pure bookkeeping: no timers, no I/O. The engine arms its timer at the
// instants start() and sent_regular() return.
//
// Includes: <optional> for the latency; core/time.hpp for instant/duration.
#include <optional>

#include <sluice/core/time.hpp>

namespace sluice::gateway {

/// Heartbeat bookkeeping for one transport. 32 bytes, no allocation.
class heartbeat {
public:
    /// What the regular timer means when it fires.
    enum class verdict : unsigned char {
        beat,   ///< send a heartbeat now
        zombie, ///< no ack since the previous regular beat: close and resume
    };

    /// Starts a schedule: `interval` from hello, `jitter` in [0, 1) (pass 1.0
    /// for "a full interval"). Returns the instant the first beat is due.
    constexpr instant start(duration interval, double jitter, instant now) noexcept {
        interval_ = interval;
        acked_ = true; // nothing sent yet: the first regular beat is never a zombie
        latency_ = duration(-1);
        last_sent_ = instant::never();
        if (jitter < 0.0) jitter = 0.0;
        if (jitter > 1.0) jitter = 1.0;
        return now + duration(static_cast<duration::rep>(static_cast<double>(interval.count()) * jitter));
    }
    /// Stops the schedule (the transport is gone).
    constexpr void stop() noexcept { interval_ = duration::zero(); }
    constexpr bool running() const noexcept { return interval_ > duration::zero(); }

    /// The regular timer fired: beat, or the connection is a zombie.
    constexpr verdict on_due() const noexcept { return acked_ ? verdict::beat : verdict::zombie; }

    /// A regular beat was sent at `now`; returns when the next one is due.
    constexpr instant sent_regular(instant now) noexcept {
        acked_ = false;
        last_sent_ = now;
        return now + interval_;
    }
    /// A beat the server asked for was sent at `now` (the schedule stays).
    constexpr void sent_requested(instant now) noexcept { last_sent_ = now; }

    /// An ack arrived at `now`; measures the latency of the last beat sent.
    constexpr void acked(instant now) noexcept {
        acked_ = true;
        if (!last_sent_.is_never()) {
            latency_ = now - last_sent_;
            last_sent_ = instant::never();
        }
    }

    constexpr duration interval() const noexcept { return interval_; }
    /// Time between the last acked beat and its ack, once one was measured.
    constexpr std::optional<duration> latency() const noexcept {
        return latency_ < duration::zero() ? std::nullopt : std::optional<duration>(latency_);
    }

private:
    duration interval_{};
    instant last_sent_ = instant::never();
    duration latency_{-1}; // negative: none measured yet
    bool acked_ = true;
};

} // namespace sluice::gateway
