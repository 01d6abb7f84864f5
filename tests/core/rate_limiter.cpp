// Tests of sluice/core/rate_limiter.hpp.
#include <sluice/core/rate_limiter.hpp>

#include <doctest/doctest.h>

#include "support/support.hpp"

#include <chrono>
#include <cstdint>
#include <limits>
#include <vector>

using sluice::core_errc;
using sluice::duration;
using sluice::instant;
using sluice::rate_limit_config;
using sluice::rate_limiter;
using sluice::send_priority;
using namespace std::chrono_literals;

namespace {

instant at(duration d) { return instant::zero() + d; }

constexpr rate_limit_config discord{.limit = 120, .window = 60s, .reserved = 4};

struct event {
    std::int64_t t;
    bool high;
};

// Exact counts over the admitted log: events with time in (from, to].
struct log_counts {
    std::uint32_t all = 0, normal = 0, high = 0;
};
log_counts count_in(const std::vector<event>& log, std::int64_t from, std::int64_t to) {
    log_counts c;
    for (auto it = log.rbegin(); it != log.rend() && it->t > from; ++it) {
        if (it->t > to) continue;
        ++c.all;
        ++(it->high ? c.high : c.normal);
    }
    return c;
}

// Runs a random stream of sends against one limiter and checks it against
// the exact log of what it admitted.
template <std::size_t B>
void check_against_reference(std::uint64_t seed) {
    sluice_test::test_rng rng{seed};
    rate_limit_config cfg;
    cfg.limit = 1 + static_cast<std::uint32_t>(rng.below(rng.below(4) == 0 ? 200 : 12));
    cfg.reserved = static_cast<std::uint32_t>(rng.below(cfg.limit + 1));
    cfg.window = duration(1 + static_cast<std::int64_t>(rng.below(rng.below(3) == 0 ? 50 : 5000)));
    sluice::basic_rate_limiter<B> lim(cfg);
    REQUIRE(lim.limit() == cfg.limit);
    REQUIRE(lim.reserved() == cfg.reserved);
    const std::int64_t W = cfg.window.count();
    const std::int64_t w = lim.bucket_width().count();
    const std::int64_t memory = lim.memory().count();
    CHECK(w * static_cast<std::int64_t>(B - 1) >= W);     // buckets cover the window
    CHECK(w * static_cast<std::int64_t>(B - 1) < W + static_cast<std::int64_t>(B - 1)); // and no more than rounding

    std::vector<event> log;
    std::int64_t clock = static_cast<std::int64_t>(rng.below(1000)) - 500; // negative instants too
    std::int64_t t = std::numeric_limits<std::int64_t>::min();              // the clamped clock
    for (int step = 0; step < 4000; ++step) {
        CAPTURE(seed);
        CAPTURE(step);
        switch (rng.below(8)) {
        case 0: clock -= static_cast<std::int64_t>(rng.below(static_cast<std::size_t>(W) + 1)); break; // backwards
        case 1: clock += static_cast<std::int64_t>(rng.below(static_cast<std::size_t>(W) * 3 + 1)); break;
        case 2: clock += static_cast<std::int64_t>(rng.below(static_cast<std::size_t>(w) + 1)); break;
        default: break; // bursts at the same instant
        }
        if (clock > t) t = clock;
        const send_priority p = rng.below(3) == 0 ? send_priority::high : send_priority::normal;
        const bool high = p == send_priority::high;
        const std::uint32_t allowed = high ? cfg.limit : cfg.limit - cfg.reserved;

        const instant na = lim.next_available(instant::from_ns(clock), p);
        const std::uint32_t av = lim.available(instant::from_ns(clock), p);
        CHECK(av <= allowed);
        CHECK((av > 0) == (na == instant::from_ns(t)));
        if (av == 0 && allowed > 0) {
            // next_available is exact: one nanosecond earlier still fails.
            REQUIRE(!na.is_never());
            CHECK(na > instant::from_ns(t));
            auto before = lim;
            CHECK(before.try_acquire(na - 1ns, p) == core_errc::rate_limited);
            auto then = lim;
            CHECK(!then.try_acquire(na, p));
        }
        if (allowed == 0) CHECK(na.is_never());
        if (rng.below(50) == 0) {
            // available() is exact: that many back-to-back sends succeed, one more fails.
            auto copy = lim;
            for (std::uint32_t i = 0; i < av; ++i) CHECK(!copy.try_acquire(instant::from_ns(clock), p));
            CHECK(copy.try_acquire(instant::from_ns(clock), p) == core_errc::rate_limited);
        }

        const std::error_code ec = lim.try_acquire(instant::from_ns(clock), p);
        CHECK(!ec == (av > 0));
        if (!ec) {
            log.push_back({t, high});
            // Conservative: no window of length W ending here holds more than
            // the limit, nor more ordinary sends than limit - reserved.
            const log_counts c = count_in(log, t - W, t);
            CHECK(c.all <= cfg.limit);
            CHECK(c.normal <= cfg.limit - cfg.reserved);
        } else {
            CHECK(ec == core_errc::rate_limited);
            // Not too conservative: a refusal means the sends of the last
            // `memory` (window + one bucket) really fill the allowance...
            const log_counts c = count_in(log, t - memory, t);
            CHECK(c.all >= allowed);
            // ...and a refused priority send means `reserved` priority sends
            // already happened in that span: ordinary sends never eat the reserve.
            if (high) CHECK(c.high >= cfg.reserved);
        }
        if (rng.below(1500) == 0) {
            lim.reset();
            log.clear();
        }
    }
    // Every window of length W over the whole run (checked at each event,
    // which is where windows are fullest).
    for (std::size_t i = 0; i < log.size(); ++i) {
        std::uint32_t n = 0;
        for (std::size_t j = i; j < log.size() && log[j].t < log[i].t + W; ++j) ++n;
        CHECK(n <= cfg.limit);
    }
}

} // namespace

TEST_SUITE("unit") {

TEST_CASE("rate_limiter: Discord's 120 per 60 s with 4 reserved for heartbeats") {
    rate_limiter lim(discord);
    CHECK(lim.limit() == 120);
    CHECK(lim.reserved() == 4);
    CHECK(lim.bucket_width() == 4s); // 60 s / 15
    CHECK(lim.memory() == 64s);
    const instant t0 = at(1000s);
    CHECK(lim.available(t0) == 116);
    CHECK(lim.available(t0, send_priority::high) == 120);
    for (int i = 0; i < 116; ++i) CHECK(!lim.try_acquire(t0 + duration(i * 1ms)));
    const instant t1 = t0 + 200ms;
    std::error_code ec = lim.try_acquire(t1);
    CHECK(ec == core_errc::rate_limited);
    CHECK(ec == sluice::condition::limit_exceeded);
    CHECK(lim.available(t1) == 0);
    CHECK(lim.available(t1, send_priority::high) == 4);
    // Heartbeats still go through.
    for (int i = 0; i < 4; ++i) CHECK(!lim.try_acquire(t1, send_priority::high));
    CHECK(lim.try_acquire(t1, send_priority::high) == core_errc::rate_limited);
    // Everything was sent in the bucket starting at 1000 s; it stops counting
    // at 1000 s + 16 buckets = 1064 s.
    CHECK(lim.next_available(t1) == at(1064s));
    CHECK(lim.next_available(t1, send_priority::high) == at(1064s));
    CHECK(lim.try_acquire(at(1063s)) == core_errc::rate_limited);
    CHECK(lim.try_acquire(at(1064s) - 1ns) == core_errc::rate_limited);
    CHECK(!lim.try_acquire(at(1064s)));
    CHECK(lim.available(at(1064s)) == 115);
}

TEST_CASE("rate_limiter: sends spread over time free up bucket by bucket") {
    rate_limiter lim({.limit = 16, .window = 15s, .reserved = 0}); // buckets of 1 s
    for (int i = 0; i < 16; ++i) CHECK(!lim.try_acquire(at(duration(std::chrono::seconds(i)))));
    CHECK(lim.try_acquire(at(15500ms)) == core_errc::rate_limited);
    CHECK(lim.next_available(at(15500ms)) == at(16s)); // the send at 0 s leaves
    CHECK(!lim.try_acquire(at(16s)));
    CHECK(lim.next_available(at(16s)) == at(17s));
    CHECK(lim.available(at(20s)) == 4);
    CHECK(lim.available(at(100s)) == 16);
}

TEST_CASE("rate_limiter: time going backwards is clamped") {
    rate_limiter lim({.limit = 2, .window = 15s, .reserved = 0});
    CHECK(!lim.try_acquire(at(100s)));
    CHECK(!lim.try_acquire(at(5s))); // counted at 100 s, not at 5 s
    CHECK(lim.try_acquire(at(50s)) == core_errc::rate_limited);
    CHECK(lim.next_available(at(0s)) == at(116s)); // never before the latest instant seen
    CHECK(lim.available(at(115s)) == 0);
    CHECK(lim.available(at(116s)) == 2);
    // Queries never move time: a later query does not make earlier sends late.
    CHECK(!lim.try_acquire(at(116s)));
    CHECK(lim.available(at(10s)) == 1); // 10 s is clamped to 116 s
}

TEST_CASE("rate_limiter: reserved slots and degenerate allowances") {
    rate_limiter all_reserved({.limit = 3, .window = 1s, .reserved = 3});
    CHECK(all_reserved.try_acquire(at(1s)) == core_errc::rate_limited);
    CHECK(all_reserved.next_available(at(1s)).is_never());
    CHECK(all_reserved.next_available(at(1s), send_priority::high) == at(1s));
    CHECK(!all_reserved.try_acquire(at(1s), send_priority::high));

    rate_limiter none({.limit = 0, .window = 1s});
    CHECK(none.try_acquire(at(1s), send_priority::high) == core_errc::rate_limited);
    CHECK(none.next_available(at(1s), send_priority::high).is_never());
    CHECK(none.available(at(1s), send_priority::high) == 0);

    // Priority sends use ordinary slots first-come: a burst of heartbeats
    // leaves fewer ordinary slots, never fewer reserved ones.
    rate_limiter lim({.limit = 5, .window = 15s, .reserved = 2});
    CHECK(!lim.try_acquire(at(0s), send_priority::high));
    CHECK(!lim.try_acquire(at(0s), send_priority::high));
    CHECK(lim.available(at(0s)) == 1);
    CHECK(!lim.try_acquire(at(0s)));
    CHECK(lim.try_acquire(at(0s)) == core_errc::rate_limited);
    CHECK(lim.available(at(0s), send_priority::high) == 2);
}

TEST_CASE("rate_limiter: reset gives a new connection a fresh allowance") {
    rate_limiter lim(discord);
    for (int i = 0; i < 116; ++i) CHECK(!lim.try_acquire(at(10s)));
    CHECK(lim.try_acquire(at(11s)) == core_errc::rate_limited);
    lim.reset();
    CHECK(lim.available(at(11s)) == 116);
    CHECK(!lim.try_acquire(at(11s)));
    CHECK(!lim.try_acquire(at(1s))); // the latest instant is kept: still counted at 11 s
    CHECK(lim.available(at(11s)) == 114);
}

TEST_CASE("rate_limiter: configuration is validated and normalized") {
    CHECK(!rate_limit_config{}.validate());
    CHECK(!discord.validate());
    CHECK(rate_limit_config{.limit = 0}.validate() == core_errc::invalid_config);
    CHECK(rate_limit_config{.limit = 65536}.validate() == core_errc::invalid_config);
    CHECK(rate_limit_config{.window = 0s}.validate() == sluice::condition::misuse);
    CHECK(rate_limit_config{.window = -1s}.validate() == core_errc::invalid_config);
    CHECK(rate_limit_config{.limit = 3, .reserved = 4}.validate() == core_errc::invalid_config);

    rate_limiter big({.limit = 100000, .window = 0s, .reserved = 200000});
    CHECK(big.limit() == 65535);
    CHECK(big.reserved() == 65535);
    CHECK(big.bucket_width() == 1ns);
    rate_limiter odd({.limit = 1, .window = 16ns});
    CHECK(odd.bucket_width() == 2ns); // ceil(16 / 15)
}

TEST_CASE("rate_limiter: extreme instants do not overflow") {
    rate_limiter lim({.limit = 1, .window = 15ns});
    CHECK(!lim.try_acquire(instant::from_ns(std::numeric_limits<std::int64_t>::min())));
    CHECK(lim.try_acquire(instant::from_ns(std::numeric_limits<std::int64_t>::min() + 5)) == core_errc::rate_limited);
    CHECK(!lim.try_acquire(instant::from_ns(-1)));
    CHECK(lim.next_available(instant::from_ns(-1)) == instant::from_ns(15));
    CHECK(!lim.try_acquire(instant::never() - 3ns));
    CHECK(lim.next_available(instant::never() - 3ns).is_never()); // saturates
    CHECK(lim.try_acquire(instant::never()) == core_errc::rate_limited);
    rate_limiter wide({.limit = 1, .window = duration::max()});
    CHECK(!wide.try_acquire(at(0s)));
    CHECK(wide.next_available(at(0s)).is_never());
    CHECK(wide.memory() == duration::max());
}

TEST_CASE("rate_limiter: conservative and tight against an exact reference (randomized)") {
    for (std::uint64_t seed = 1; seed <= 60; ++seed) {
        check_against_reference<16>(seed);
        check_against_reference<2>(seed + 1000);
        check_against_reference<5>(seed + 2000);
    }
}

TEST_CASE("rate_limiter: small and allocation-free") {
    MESSAGE("sizeof(rate_limiter) = " << sizeof(rate_limiter));
    CHECK(sizeof(rate_limiter) == 64);
    sluice_test::allocation_counter alloc;
    rate_limiter lim(discord);
    std::uint32_t ok = 0;
    for (int i = 0; i < 100000; ++i) {
        const instant now = at(duration(static_cast<std::int64_t>(i) * 7ms));
        ok += !lim.try_acquire(now, i % 40 == 0 ? send_priority::high : send_priority::normal);
        ok += lim.available(now) + (lim.next_available(now) == now);
    }
    CHECK(alloc.count() == 0);
    CHECK(ok > 0);
}

} // TEST_SUITE
