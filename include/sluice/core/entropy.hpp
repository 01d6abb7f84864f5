#pragma once
// sluice/core/entropy.hpp: injected randomness.
//
// Machines never own a random source. The caller injects an `entropy` (a
// non-owning reference to any generator) at construction; tests inject a
// seeded `xoshiro256` so every run is reproducible. Masking keys, heartbeat
// jitter, backoff jitter and nonces all come from it.
//
// Includes: <cstdint>, <cstddef>, <span> (fill), <type_traits>.
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

namespace sluice {

/// Any type with `std::uint64_t operator()()` returning uniformly random bits.
template <class G>
concept random_source = requires(G& g) {
    { g() } -> std::convertible_to<std::uint64_t>;
};

/// A non-owning reference to a random source: two pointers, copyable.
/// The referenced generator must outlive every machine that uses it.
class entropy {
public:
    /// Refers to `g`; `g()` must return 64 uniformly random bits.
    template <random_source G>
        requires(!std::is_same_v<std::remove_cvref_t<G>, entropy>)
    constexpr entropy(G& g) noexcept // NOLINT: implicit by design, like std::function_ref
        : ctx_(&g), next_([](void* c) noexcept -> std::uint64_t { return static_cast<std::uint64_t>((*static_cast<G*>(c))()); }) {}

    /// 64 uniformly random bits.
    std::uint64_t next() const noexcept { return next_(ctx_); }
    /// Uniform in [0, 1), 53 bits of precision.
    double uniform01() const noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    /// Uniform in [0, n) (n > 0), without modulo bias.
    std::uint64_t below(std::uint64_t n) const noexcept {
        if (n == 0) return 0;
        // Lemire's nearly divisionless method.
        __uint128_t m = static_cast<__uint128_t>(next()) * n;
        auto lo = static_cast<std::uint64_t>(m);
        if (lo < n) {
            const std::uint64_t t = (0 - n) % n;
            while (lo < t) {
                m = static_cast<__uint128_t>(next()) * n;
                lo = static_cast<std::uint64_t>(m);
            }
        }
        return static_cast<std::uint64_t>(m >> 64);
    }
    /// Fills `out` with random bytes.
    void fill(std::span<std::byte> out) const noexcept {
        std::size_t i = 0;
        while (i < out.size()) {
            std::uint64_t r = next();
            for (int k = 0; k < 8 && i < out.size(); ++k, ++i, r >>= 8) out[i] = static_cast<std::byte>(r);
        }
    }
    /// 32 random bits (a WebSocket masking key).
    std::uint32_t next_u32() const noexcept { return static_cast<std::uint32_t>(next() >> 32); }

private:
    void* ctx_;
    std::uint64_t (*next_)(void*) noexcept;
};

/// xoshiro256** (Blackman and Vigna): small, fast, seedable. For tests,
/// simulations and jitter; not a cryptographic generator. WebSocket masking
/// only needs unpredictability against in-path caches, which a generator
/// seeded from the OS (std::random_device) gives.
class xoshiro256 {
public:
    /// Seeds the 256-bit state from one 64-bit seed with splitmix64.
    explicit constexpr xoshiro256(std::uint64_t seed = 0x5eed) noexcept {
        for (auto& w : s_) {
            std::uint64_t z = (seed += 0x9E3779B97F4A7C15ull);
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
            w = z ^ (z >> 31);
        }
    }
    constexpr std::uint64_t operator()() noexcept {
        const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
        const std::uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return result;
    }

private:
    static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
    std::uint64_t s_[4]{};
};

} // namespace sluice
