#include <sluice/core/time.hpp>

#include <doctest/doctest.h>

using sluice::instant;
using namespace std::chrono_literals;

TEST_CASE("instant: arithmetic, ordering and conversion") {
    const instant a = instant::from_ns(1'000);
    CHECK((a + 5us).ns() == 6'000);
    CHECK((a - 1us).ns() == 0);
    CHECK(((a + 2ms) - a) == 2ms);
    CHECK(a < a + 1ns);
    CHECK(instant::from(std::chrono::steady_clock::time_point(std::chrono::seconds(3))).ns() == 3'000'000'000);
    CHECK(sluice::to_ms(sluice::from_ms(41'250)) == 41'250);
}

TEST_CASE("instant: never() absorbs additions and sums saturate") {
    CHECK((instant::never() + 1h).is_never());
    CHECK((instant::never() - 1h).is_never());
    const instant late = instant::from_ns(std::numeric_limits<std::int64_t>::max() - 10);
    CHECK((late + 1s).is_never());
    CHECK(instant::zero() < instant::never());
}

TEST_CASE("monotonic_clamp: time going backwards is clamped") {
    sluice::monotonic_clamp clamp;
    CHECK(clamp(instant::from_ns(100)).ns() == 100);
    CHECK(clamp(instant::from_ns(50)).ns() == 100);  // the caller's clock stepped back
    CHECK(clamp(instant::from_ns(150)).ns() == 150);
    CHECK(clamp.last().ns() == 150);
}
