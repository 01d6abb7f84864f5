#include <sluice/core/entropy.hpp>

#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <cstdlib>
#include <set>

TEST_CASE("xoshiro256: same seed, same sequence; different seeds differ") {
    sluice::xoshiro256 a(42), b(42), c(43);
    for (int i = 0; i < 100; ++i) {
        const auto x = a();
        CHECK(x == b());
        (void)c();
    }
    CHECK(sluice::xoshiro256(1)() != sluice::xoshiro256(2)());
}

TEST_CASE("entropy: wraps any generator by reference") {
    std::uint64_t counter = 0;
    auto gen = [&counter] { return ++counter; };
    sluice::entropy e(gen);
    CHECK(e.next() == 1);
    CHECK(e.next() == 2);
    CHECK(counter == 2);  // the caller's generator advanced, not a copy
}

TEST_CASE("entropy: uniform01 in [0,1), below(n) in [0,n) and unbiased enough") {
    sluice::xoshiro256 g(7);
    sluice::entropy e(g);
    std::array<int, 10> hist{};
    for (int i = 0; i < 100'000; ++i) {
        const double u = e.uniform01();
        REQUIRE(u >= 0.0);
        REQUIRE(u < 1.0);
        const auto k = e.below(10);
        REQUIRE(k < 10);
        ++hist[k];
    }
    for (int h : hist) CHECK(std::abs(h - 10'000) < 600);
    CHECK(e.below(0) == 0);
    CHECK(e.below(1) == 0);
}

TEST_CASE("entropy: fill covers every byte, any length") {
    sluice::xoshiro256 g(9);
    sluice::entropy e(g);
    for (std::size_t n : {0u, 1u, 7u, 8u, 9u, 16u, 33u}) {
        std::array<std::byte, 40> buf{};
        buf.fill(std::byte{0xAA});
        e.fill(std::span(buf.data(), n));
        CHECK(buf[n] == std::byte{0xAA});  // nothing written past the span
    }
    std::set<std::uint32_t> keys;
    for (int i = 0; i < 1000; ++i) keys.insert(e.next_u32());
    CHECK(keys.size() > 990);
}
