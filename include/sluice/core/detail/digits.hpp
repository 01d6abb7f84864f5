#pragma once
// sluice/core/detail/digits.hpp: decimal digits eight at a time in one
// 64-bit word (SWAR), shared by the snowflake parser (core/snowflake.hpp),
// the JSON integer reader (json/detail/number.hpp) and the Discord
// envelope's sequence number (discord/policy.hpp). Internal.
//
// Words are loaded little-endian: the first character is in the low byte.
// Callers check std::endian::native before using them on memory.
//
// Includes: <cstddef>, <cstdint>; <cstring> for memcpy (unaligned loads).
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace sluice::detail {

// Eight ASCII bytes loaded little-endian (first character in the low byte):
// zero when they are all '0'..'9'. A byte outside 0x30..0x39 breaks its
// nibble pair; a carry out of a byte happens only when that byte already failed.
constexpr std::uint64_t non_digits(std::uint64_t w) noexcept {
    constexpr std::uint64_t highs = 0xF0F0F0F0F0F0F0F0ull;
    return ((w & highs) | (((w + 0x0606060606060606ull) & highs) >> 4)) ^ 0x3333333333333333ull;
}

// The value of eight checked digits (first character in the low byte):
// pairs, then quads, then the whole, one multiplication each.
constexpr std::uint64_t eight_digits_value(std::uint64_t w) noexcept {
    w = ((w & 0x0F0F0F0F0F0F0F0Full) * 2561) >> 8;
    w = ((w & 0x00FF00FF00FF00FFull) * 6553601) >> 16;
    return ((w & 0x0000FFFF0000FFFFull) * 42949672960001ull) >> 32;
}

inline std::uint64_t load8(const char* p) noexcept {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    return w;
}

// The first m (0..8) characters at p as eight digits with '0's in front (in
// the low bytes): a load at p shifted up. Needs 8 readable bytes at p.
inline std::uint64_t load_leading(const char* p, std::size_t m) noexcept {
    constexpr std::uint64_t zeros = 0x3030303030303030ull; // "00000000"
    if (m == 0) return zeros;
    if (m == 8) return load8(p);
    return (load8(p) << (8 * (8 - m))) | (zeros >> (8 * m)); // 0 < m < 8: shifts below 64
}

} // namespace sluice::detail
