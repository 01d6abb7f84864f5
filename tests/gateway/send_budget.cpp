#include <sluice/gateway/send_budget.hpp>

#include "support/support.hpp"

#include <doctest/doctest.h>

#include <deque>

namespace gw = sluice::gateway;
using sluice::instant;

TEST_CASE("send_budget: ordinary sends leave the reserved slots") {
    gw::send_budget b(120, std::chrono::seconds(60));
    b.reserve(3);
    const instant t = instant::from_ns(5);
    int n = 0;
    while (b.try_acquire(t, false)) ++n;
    CHECK(n == 117);
    CHECK(b.try_acquire(t, true));
    CHECK(b.try_acquire(t, true));
    CHECK(b.try_acquire(t, true));
    CHECK_FALSE(b.try_acquire(t, true));
    CHECK(b.used() == 120);
    CHECK(b.try_acquire(t + std::chrono::seconds(65), false));
}

TEST_CASE("send_budget: unlimited when the limit is 0") {
    gw::send_budget b;
    for (int i = 0; i < 10000; ++i) CHECK(b.try_acquire(instant::zero(), false));
}

TEST_CASE("send_budget: no 60 s window ever holds more than the limit (random sends)") {
    sluice_test::test_rng rng{7};
    for (int round = 0; round < 50; ++round) {
        gw::send_budget b(120, std::chrono::seconds(60));
        b.reserve(static_cast<std::uint32_t>(rng.below(10)));
        std::deque<std::int64_t> sent; // ms
        std::int64_t now = static_cast<std::int64_t>(rng.below(100000));
        for (int i = 0; i < 3000; ++i) {
            now += static_cast<std::int64_t>(rng.below(2000));
            if (b.try_acquire(instant::from_ns(now * 1'000'000), rng.below(4) == 0)) sent.push_back(now);
            while (!sent.empty() && sent.front() <= now - 60'000) sent.pop_front();
            REQUIRE(sent.size() <= 120);
        }
    }
}

TEST_CASE("send_budget: throughput over a long run stays close to the limit") {
    gw::send_budget b(120, std::chrono::seconds(60));
    int n = 0;
    for (std::int64_t ms = 0; ms < 600'000; ms += 100)
        n += b.try_acquire(instant::from_ns(ms * 1'000'000), false);
    // 10 minutes at 120 per (64 s worst case) ≥ 1100
    CHECK(n >= 1100);
    CHECK(n <= 1200);
}
