#pragma once
// sluice/ws/detail/sha1.hpp: SHA-1 (FIPS 180-4, RFC 3174), only for
// Sec-WebSocket-Accept. SHA-1 is broken for collision resistance; the
// handshake uses it as a fixed function, not for security. Internal.
//
// Includes: <array>, <cstddef>, <cstdint>, <string_view>.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sluice::ws::detail {

/// Incremental SHA-1: update() any number of times, then digest() once.
class sha1 {
public:
    constexpr void update(std::string_view data) noexcept {
        for (char c : data) {
            block_[fill_++] = static_cast<std::uint8_t>(c);
            if (fill_ == 64) {
                compress();
                fill_ = 0;
            }
        }
        length_ += data.size();
    }

    /// The 20-byte digest. The object is spent afterwards.
    constexpr std::array<std::uint8_t, 20> digest() noexcept {
        const std::uint64_t bits = length_ * 8;
        block_[fill_++] = 0x80;
        if (fill_ > 56) {
            while (fill_ < 64) block_[fill_++] = 0;
            compress();
            fill_ = 0;
        }
        while (fill_ < 56) block_[fill_++] = 0;
        for (int i = 7; i >= 0; --i) block_[fill_++] = static_cast<std::uint8_t>(bits >> (8 * i));
        compress();
        std::array<std::uint8_t, 20> out{};
        for (std::size_t i = 0; i < 5; ++i)
            for (std::size_t k = 0; k < 4; ++k) out[4 * i + k] = static_cast<std::uint8_t>(h_[i] >> (24 - 8 * k));
        return out;
    }

private:
    static constexpr std::uint32_t rotl(std::uint32_t x, int n) noexcept { return (x << n) | (x >> (32 - n)); }

    constexpr void compress() noexcept {
        std::uint32_t w[80]{};
        for (std::size_t i = 0; i < 16; ++i)
            w[i] = std::uint32_t{block_[4 * i]} << 24 | std::uint32_t{block_[4 * i + 1]} << 16 |
                   std::uint32_t{block_[4 * i + 2]} << 8 | block_[4 * i + 3];
        for (std::size_t i = 16; i < 80; ++i) w[i] = rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
        std::uint32_t a = h_[0], b = h_[1], c = h_[2], d = h_[3], e = h_[4];
        for (std::size_t i = 0; i < 80; ++i) {
            std::uint32_t f, k;
            if (i < 20) f = (b & c) | (~b & d), k = 0x5A827999;
            else if (i < 40) f = b ^ c ^ d, k = 0x6ED9EBA1;
            else if (i < 60) f = (b & c) | (b & d) | (c & d), k = 0x8F1BBCDC;
            else f = b ^ c ^ d, k = 0xCA62C1D6;
            const std::uint32_t t = rotl(a, 5) + f + e + k + w[i];
            e = d;
            d = c;
            c = rotl(b, 30);
            b = a;
            a = t;
        }
        h_[0] += a;
        h_[1] += b;
        h_[2] += c;
        h_[3] += d;
        h_[4] += e;
    }

    std::uint32_t h_[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
    std::uint8_t block_[64]{};
    std::size_t fill_ = 0;
    std::uint64_t length_ = 0;
};

} // namespace sluice::ws::detail
