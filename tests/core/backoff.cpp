// Tests of sluice/core/backoff.hpp.
#include <sluice/core/backoff.hpp>

#include <doctest/doctest.h>

#include "support/support.hpp"

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

using sluice::backoff;
using sluice::backoff_config;
using sluice::core_errc;
using sluice::duration;
using sluice::jitter_mode;
using namespace std::chrono_literals;

namespace {

// Draws `n` delays (stops at the first error).
std::vector<duration> draw(backoff& b, int n) {
    std::vector<duration> out;
    for (int i = 0; i < n; ++i) {
        duration d{};
        if (b.next(d)) break;
        out.push_back(d);
    }
    return out;
}

// A source that always returns the same bits: extreme jitter draws.
struct constant_source {
    std::uint64_t v;
    std::uint64_t operator()() noexcept { return v; }
};

} // namespace

TEST_SUITE("unit") {

TEST_CASE("backoff: no jitter doubles from base up to cap") {
    sluice::xoshiro256 rng(1);
    backoff b({.base = 1s, .cap = 30s, .factor = 2.0, .jitter = jitter_mode::none}, rng);
    CHECK(b.ceiling() == 1s);
    CHECK(b.attempts() == 0);
    const std::vector<duration> want{1s, 2s, 4s, 8s, 16s, 30s, 30s, 30s};
    CHECK(draw(b, 8) == want);
    CHECK(b.attempts() == 8);
    CHECK(!b.gave_up());
}

TEST_CASE("backoff: max attempts gives up with an error, reset starts over") {
    sluice::xoshiro256 rng(2);
    backoff b({.base = 100ms, .cap = 1s, .jitter = jitter_mode::none, .max_attempts = 3}, rng);
    duration d = 123ms;
    CHECK(!b.next(d));
    CHECK(d == 100ms);
    CHECK(!b.next(d));
    CHECK(!b.next(d));
    CHECK(d == 400ms);
    CHECK(b.gave_up());
    d = 5ms;
    std::error_code ec = b.next(d);
    CHECK(ec == core_errc::gave_up);
    CHECK(ec == sluice::condition::limit_exceeded);
    CHECK(d == 5ms);           // unchanged
    CHECK(b.attempts() == 3);  // nothing counted
    CHECK(b.next(d) == core_errc::gave_up); // stays given up
    b.reset();
    CHECK(!b.gave_up());
    CHECK(b.attempts() == 0);
    CHECK(b.ceiling() == 100ms);
    CHECK(!b.next(d));
    CHECK(d == 100ms);
}

TEST_CASE("backoff: reset after a success in the middle of a sequence") {
    sluice::xoshiro256 rng(3);
    backoff b({.base = 1s, .cap = 60s, .jitter = jitter_mode::none}, rng);
    draw(b, 4);
    CHECK(b.ceiling() == 16s);
    b.reset();
    CHECK(draw(b, 2) == std::vector<duration>{1s, 2s});
}

TEST_CASE("backoff: max_attempts 0 never gives up and never overflows") {
    sluice::xoshiro256 rng(4);
    backoff b({.base = 1ns, .cap = duration::max(), .factor = 10.0, .jitter = jitter_mode::none}, rng);
    duration prev{0};
    for (int i = 0; i < 10000; ++i) {
        duration d{};
        REQUIRE(!b.next(d));
        CHECK(d >= prev);
        CHECK(d.count() >= 1);
        prev = d;
    }
    CHECK(prev == duration::max());
    CHECK(b.attempts() == 10000);
}

TEST_CASE("backoff: full jitter is uniform in [0, ceiling]") {
    sluice::xoshiro256 rng(5);
    backoff b({.base = 1s, .cap = 8s, .jitter = jitter_mode::full}, rng);
    // Ceilings 1, 2, 4, 8, 8, ... : each delay within its ceiling.
    duration ceiling = 1s;
    for (int i = 0; i < 10; ++i) {
        CHECK(b.ceiling() == ceiling);
        duration d{};
        REQUIRE(!b.next(d));
        CHECK(d >= 0ns);
        CHECK(d <= ceiling);
        if (ceiling < 8s) ceiling *= 2;
    }
    // At the cap the mean is cap/2 and both halves are hit.
    double sum = 0;
    int low = 0;
    const int n = 20000;
    for (int i = 0; i < n; ++i) {
        duration d{};
        REQUIRE(!b.next(d));
        CHECK(d <= 8s);
        sum += std::chrono::duration<double>(d).count();
        if (d < 4s) ++low;
    }
    CHECK(sum / n == doctest::Approx(4.0).epsilon(0.03));
    CHECK(low > n * 45 / 100);
    CHECK(low < n * 55 / 100);
}

TEST_CASE("backoff: equal jitter stays in [ceiling - ceiling/2, ceiling]") {
    sluice::xoshiro256 rng(6);
    backoff b({.base = 1001ns, .cap = 1s, .jitter = jitter_mode::equal}, rng);
    for (int i = 0; i < 5000; ++i) {
        const duration c = b.ceiling();
        duration d{};
        REQUIRE(!b.next(d));
        CHECK(d >= c - c / 2);
        CHECK(d <= c);
    }
    // Extremes of the random source reach both ends exactly.
    constant_source zero{1}, ones{~std::uint64_t{0}}; // 1, not 0: 0 is a rejected draw in entropy::below
    backoff lo({.base = 10s, .cap = 10s, .jitter = jitter_mode::equal}, zero);
    backoff hi({.base = 10s, .cap = 10s, .jitter = jitter_mode::equal}, ones);
    duration d{};
    CHECK(!lo.next(d));
    CHECK(d == 5s);
    CHECK(!hi.next(d));
    CHECK(d == 10s);
    backoff full_lo({.base = 10s, .cap = 10s, .jitter = jitter_mode::full}, zero);
    backoff full_hi({.base = 10s, .cap = 10s, .jitter = jitter_mode::full}, ones);
    CHECK(!full_lo.next(d));
    CHECK(d == 0s);
    CHECK(!full_hi.next(d));
    CHECK(d == 10s);
}

TEST_CASE("backoff: deterministic for the same seed") {
    sluice::xoshiro256 r1(42), r2(42), r3(43);
    const backoff_config cfg{.base = 500ms, .cap = 2min, .factor = 1.7, .jitter = jitter_mode::full};
    backoff a(cfg, r1), b(cfg, r2), c(cfg, r3);
    const auto da = draw(a, 50), db = draw(b, 50), dc = draw(c, 50);
    CHECK(da == db);
    CHECK(da != dc);
}

TEST_CASE("backoff: fractional factors grow even from tiny ceilings") {
    sluice::xoshiro256 rng(7);
    backoff b({.base = 1ns, .cap = 1ms, .factor = 1.5, .jitter = jitter_mode::none}, rng);
    const auto d = draw(b, 60);
    CHECK(d.back() == 1ms);
    CHECK(d[0] == 1ns);
    CHECK(d[10] == duration(static_cast<std::int64_t>(std::pow(1.5, 10)))); // 57.66 -> 57
    backoff constant({.base = 3s, .cap = 10s, .factor = 1.0, .jitter = jitter_mode::none}, rng);
    CHECK(draw(constant, 5) == std::vector<duration>(5, 3s));
}

TEST_CASE("backoff: configuration is validated and normalized") {
    CHECK(!backoff_config{}.validate());
    CHECK(backoff_config{.base = -1s}.validate() == core_errc::invalid_config);
    CHECK(backoff_config{.base = 10s, .cap = 5s}.validate() == core_errc::invalid_config);
    CHECK(backoff_config{.factor = 0.5}.validate() == core_errc::invalid_config);
    CHECK(backoff_config{.factor = std::numeric_limits<double>::quiet_NaN()}.validate() == core_errc::invalid_config);
    CHECK(backoff_config{.jitter = static_cast<jitter_mode>(9)}.validate() == core_errc::invalid_config);
    CHECK(backoff_config{.base = 0s, .cap = 0s}.validate() == std::error_code());
    CHECK(backoff_config{.factor = 0.0}.validate() == sluice::condition::misuse);

    sluice::xoshiro256 rng(8);
    backoff b({.base = -5s, .cap = -10s, .factor = std::numeric_limits<double>::quiet_NaN(),
               .jitter = static_cast<jitter_mode>(9), .max_attempts = 2},
              rng);
    CHECK(b.config().base == 0s);
    CHECK(b.config().cap == 0s);
    CHECK(b.config().factor == 1.0);
    CHECK(b.config().jitter == jitter_mode::full);
    CHECK(draw(b, 5) == std::vector<duration>(2, 0s));
    CHECK(backoff_config{.factor = std::numeric_limits<double>::infinity()}.validate() == core_errc::invalid_config);
    CHECK(!backoff_config{.factor = backoff_config::max_factor}.validate());
    backoff inf({.base = 0s, .cap = 1s, .factor = std::numeric_limits<double>::infinity(), .jitter = jitter_mode::none}, rng);
    CHECK(inf.config().factor == backoff_config::max_factor);
    CHECK(draw(inf, 3) == std::vector<duration>(3, 0s)); // a zero base stays zero, no NaN
    backoff inf2({.base = 1ns, .cap = 1s, .factor = std::numeric_limits<double>::infinity(), .jitter = jitter_mode::none}, rng);
    CHECK(draw(inf2, 3) == std::vector<duration>{1ns, 1s, 1s});
    backoff c({.base = 10s, .cap = 5s, .factor = 0.1, .jitter = jitter_mode::none}, rng);
    CHECK(c.config().cap == 10s);
    CHECK(draw(c, 3) == std::vector<duration>(3, 10s));
}

TEST_CASE("backoff: no allocation, small") {
    sluice::xoshiro256 rng(9);
    sluice_test::allocation_counter alloc;
    backoff b({.base = 1s, .cap = 60s, .max_attempts = 1000}, rng);
    std::int64_t sum = 0;
    duration d{};
    while (!b.next(d)) sum += d.count();
    b.reset();
    CHECK(alloc.count() == 0);
    CHECK(sum > 0);
    MESSAGE("sizeof(backoff) = " << sizeof(backoff));
    CHECK(sizeof(backoff) <= 64);
}

} // TEST_SUITE
