#pragma once
// sluice/json/detail/scan.hpp: byte scanning shared by validate, read and
// write: find the next interesting byte 8, 16 or 32 bytes at a time, check
// UTF-8, skip whitespace. Never reads outside [p, end).
//
// The block width is chosen at compile time: AVX2 when the compiler targets it
// (-mavx2, -march=native), else SSE2 (every x86-64), else 64-bit SWAR words
// (any little-endian machine), else one byte at a time. All backends return
// the same positions (tests/json/scan.cpp runs them side by side). A program
// must compile every translation unit that uses sluice with the same target
// flags (the usual rule for header-only SIMD).
//
// Includes: <bit> for countr_zero and endian; <cstddef>, <cstdint>; <cstring>
// for memcpy (unaligned loads); <type_traits> for conditional_t; the SSE2/AVX2
// intrinsics when targeted.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__AVX2__) || defined(__PCLMUL__)
#include <immintrin.h>
#endif

namespace sluice::json::detail {

/// What a scan stops at.
enum class stop {
    quote_or_escape, ///< '"' or '\\': the end of a string being skipped
    string_special,  ///< '"', '\\', a control character or a non-ASCII byte: strings being checked
    structural,      ///< '"', '[', ']', '{', '}'; also 'Y', '_', 'y' and DEL, which the caller skips
};

constexpr bool is_stop(stop s, unsigned char c) noexcept {
    switch (s) {
    case stop::quote_or_escape: return c == '"' || c == '\\';
    case stop::string_special: return c == '"' || c == '\\' || c < 0x20 || c >= 0x80;
    case stop::structural: return c == '"' || (c & 0xD9) == 0x59; // [ ] { } (and Y _ y DEL)
    }
    return true;
}

/// One byte at a time.
struct scalar_backend {
    static constexpr std::size_t width = 0;
};

/// Eight bytes at a time in a 64-bit word (little-endian only). A mask has
/// 0x80 in each matching byte; bytes above the first match may be spurious
/// (borrows), so only the lowest match is used.
struct swar_backend {
    static constexpr std::size_t width = 8;
    static constexpr int shift = 3;
    static constexpr std::uint64_t ones = 0x0101010101010101ull;
    static constexpr std::uint64_t highs = 0x8080808080808080ull;

    static constexpr std::uint64_t has_zero(std::uint64_t x) noexcept { return (x - ones) & ~x & highs; }
    static constexpr std::uint64_t has_byte(std::uint64_t x, unsigned char c) noexcept { return has_zero(x ^ (ones * c)); }

    template <stop S>
    static std::uint64_t mask(const char* p) noexcept {
        std::uint64_t x;
        std::memcpy(&x, p, 8);
        std::uint64_t m = has_byte(x, '"');
        if constexpr (S == stop::structural) {
            m |= has_zero((x & (ones * 0xD9)) ^ (ones * 0x59));
        } else {
            m |= has_byte(x, '\\');
            if constexpr (S == stop::string_special) m |= ((x - ones * 0x20) & ~x & highs) | (x & highs); // < 0x20, >= 0x80
        }
        return m;
    }
};

#if defined(__SSE2__)
/// Sixteen bytes at a time.
struct sse2_backend {
    static constexpr std::size_t width = 16;
    static constexpr int shift = 0;

    template <stop S>
    static std::uint32_t mask(const char* p) noexcept {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
        __m128i m = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
        if constexpr (S == stop::structural) {
            const __m128i folded = _mm_and_si128(v, _mm_set1_epi8(static_cast<char>(0xD9)));
            m = _mm_or_si128(m, _mm_cmpeq_epi8(folded, _mm_set1_epi8(0x59)));
        } else {
            m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
            if constexpr (S == stop::string_special) // signed compare: below 0x20 or 0x80 and above
                m = _mm_or_si128(m, _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));
        }
        return static_cast<std::uint32_t>(_mm_movemask_epi8(m));
    }

    struct masks {
        std::uint32_t quote, backslash, open, close;
    };
    static masks classify(const char* p) noexcept {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
        const __m128i folded = _mm_or_si128(v, _mm_set1_epi8(0x20)); // '[' -> '{', ']' -> '}'
        const auto bits = [](__m128i x) { return static_cast<std::uint32_t>(_mm_movemask_epi8(x)); };
        return {bits(_mm_cmpeq_epi8(v, _mm_set1_epi8('"'))), bits(_mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
                bits(_mm_cmpeq_epi8(folded, _mm_set1_epi8('{'))), bits(_mm_cmpeq_epi8(folded, _mm_set1_epi8('}')))};
    }
};
#endif

#if defined(__AVX2__)
/// Thirty-two bytes at a time.
struct avx2_backend {
    static constexpr std::size_t width = 32;
    static constexpr int shift = 0;

    template <stop S>
    static std::uint32_t mask(const char* p) noexcept {
        const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
        __m256i m = _mm256_cmpeq_epi8(v, _mm256_set1_epi8('"'));
        if constexpr (S == stop::structural) {
            const __m256i folded = _mm256_and_si256(v, _mm256_set1_epi8(static_cast<char>(0xD9)));
            m = _mm256_or_si256(m, _mm256_cmpeq_epi8(folded, _mm256_set1_epi8(0x59)));
        } else {
            m = _mm256_or_si256(m, _mm256_cmpeq_epi8(v, _mm256_set1_epi8('\\')));
            if constexpr (S == stop::string_special)
                m = _mm256_or_si256(m, _mm256_cmpgt_epi8(_mm256_set1_epi8(0x20), v));
        }
        return static_cast<std::uint32_t>(_mm256_movemask_epi8(m));
    }

    struct masks {
        std::uint32_t quote, backslash, open, close;
    };
    static masks classify(const char* p) noexcept {
        const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
        const __m256i folded = _mm256_or_si256(v, _mm256_set1_epi8(0x20));
        const auto bits = [](__m256i x) { return static_cast<std::uint32_t>(_mm256_movemask_epi8(x)); };
        return {bits(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('"'))), bits(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('\\'))),
                bits(_mm256_cmpeq_epi8(folded, _mm256_set1_epi8('{'))),
                bits(_mm256_cmpeq_epi8(folded, _mm256_set1_epi8('}')))};
    }
};
#endif

/// Bit masks of one 64-byte block (bit i = byte i): what skipping a
/// container needs. open: '[' or '{'; close: ']' or '}'.
struct block_masks {
    std::uint64_t quote, backslash, open, close;
};

// The high bit of each byte of a SWAR mask gathered into 8 bits, byte i to
// bit i (in memory order on a little-endian machine): one multiplication puts
// bit 8i at bit 56 + i, and no two products overlap there.
constexpr std::uint64_t gather_high_bits(std::uint64_t m) noexcept {
    return ((m >> 7) * 0x0102040810204080ull) >> 56;
}

// Exact per-byte equality: 0x80 in each byte of x equal to c.
constexpr std::uint64_t swar_equal(std::uint64_t x, unsigned char c) noexcept {
    const std::uint64_t y = x ^ (0x0101010101010101ull * c);
    return ~(((y & 0x7F7F7F7F7F7F7F7Full) + 0x7F7F7F7F7F7F7F7Full) | y) & 0x8080808080808080ull;
}

template <class Backend>
[[gnu::always_inline]] inline block_masks classify(const char* p) noexcept {
    block_masks m{0, 0, 0, 0};
    if constexpr (Backend::width == 32 || Backend::width == 16) {
        for (std::size_t i = 0; i < 64; i += Backend::width) {
            const auto part = Backend::classify(p + i);
            m.quote |= std::uint64_t{part.quote} << i;
            m.backslash |= std::uint64_t{part.backslash} << i;
            m.open |= std::uint64_t{part.open} << i;
            m.close |= std::uint64_t{part.close} << i;
        }
    } else if constexpr (Backend::width == 8) {
        for (std::size_t i = 0; i < 64; i += 8) {
            std::uint64_t x;
            std::memcpy(&x, p + i, 8);
            const std::uint64_t folded = x | 0x2020202020202020ull; // '[' -> '{', ']' -> '}'
            m.quote |= gather_high_bits(swar_equal(x, '"')) << i;
            m.backslash |= gather_high_bits(swar_equal(x, '\\')) << i;
            m.open |= gather_high_bits(swar_equal(folded, '{')) << i;
            m.close |= gather_high_bits(swar_equal(folded, '}')) << i;
        }
    } else {
        for (std::size_t i = 0; i < 64; ++i) {
            const char c = p[i];
            m.quote |= std::uint64_t{c == '"'} << i;
            m.backslash |= std::uint64_t{c == '\\'} << i;
            m.open |= std::uint64_t{c == '[' || c == '{'} << i;
            m.close |= std::uint64_t{c == ']' || c == '}'} << i;
        }
    }
    return m;
}

/// Bit i set in the result when an odd number of the bits below i are set
/// in x (inclusive of i): turns quote positions into "inside a string".
inline std::uint64_t prefix_xor(std::uint64_t x) noexcept {
#if defined(__PCLMUL__)
    const __m128i r = _mm_clmulepi64_si128(_mm_set_epi64x(0, static_cast<long long>(x)), _mm_set1_epi8(-1), 0);
    return static_cast<std::uint64_t>(_mm_cvtsi128_si64(r));
#else
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    return x;
#endif
}

#if defined(__AVX2__)
using best_backend = avx2_backend;
#elif defined(__SSE2__)
using best_backend = sse2_backend;
#else
using best_backend = std::conditional_t<std::endian::native == std::endian::little, swar_backend, scalar_backend>;
#endif

// The next narrower backend, for the tail of a scan.
template <class Backend>
struct narrower {
    using type = scalar_backend;
};
#if defined(__AVX2__)
template <>
struct narrower<avx2_backend> {
    using type = sse2_backend;
};
#endif
#if defined(__SSE2__)
template <>
struct narrower<sse2_backend> {
    using type = swar_backend;
};
#endif

template <stop S, class Backend = best_backend>
const char* find(const char* p, const char* end) noexcept;

// The last bytes of a scan (fewer than a block): one block of each narrower
// width, then bytes. Out of line: it runs only near the end of a text.
template <stop S, class Backend>
[[gnu::noinline]] const char* find_tail(const char* p, const char* end) noexcept {
    using next = typename narrower<Backend>::type;
    if constexpr (next::width != 0 && std::endian::native == std::endian::little) {
        if (static_cast<std::size_t>(end - p) >= next::width) {
            if (const auto m = next::template mask<S>(p)) return p + (std::countr_zero(m) >> next::shift);
            p += next::width;
        }
    }
    return find<S, typename narrower<next>::type>(p, end);
}

/// The first byte in [p, end) that `S` stops at, or `end`.
template <stop S, class Backend>
inline const char* find(const char* p, const char* end) noexcept {
    if constexpr (Backend::width == 0) {
        while (p != end && !is_stop(S, static_cast<unsigned char>(*p))) ++p;
        return p;
    } else {
        while (static_cast<std::size_t>(end - p) >= Backend::width) {
            if (const auto m = Backend::template mask<S>(p)) return p + (std::countr_zero(m) >> Backend::shift);
            p += Backend::width;
        }
        return p == end ? p : find_tail<S, Backend>(p, end);
    }
}

/// find() with its first block tested inline (no call when the byte is
/// there, as for the closing quote of a key); the same result.
template <stop S, class Backend = best_backend>
[[gnu::always_inline]] inline const char* find_near(const char* p, const char* end) noexcept {
    if constexpr (Backend::width != 0) {
        if (static_cast<std::size_t>(end - p) >= Backend::width) {
            if (const auto m = Backend::template mask<S>(p)) return p + (std::countr_zero(m) >> Backend::shift);
            p += Backend::width;
        }
    }
    return find<S, Backend>(p, end);
}

/// Length of the well-formed UTF-8 sequence at p (whose first byte is 0x80 or
/// above), or 0 when it is malformed or runs past `end`: rejects stray
/// continuation bytes, overlong forms, UTF-16 surrogates (U+D800..DFFF) and
/// code points above U+10FFFF (Unicode table 3-7).
inline std::size_t utf8_sequence(const char* p, const char* end) noexcept {
    const auto b0 = static_cast<unsigned char>(p[0]);
    std::size_t n;
    unsigned char lo = 0x80, hi = 0xBF; // allowed range of the second byte
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        n = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        n = 3;
        if (b0 == 0xE0) lo = 0xA0;      // overlong
        else if (b0 == 0xED) hi = 0x9F; // surrogates
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        n = 4;
        if (b0 == 0xF0) lo = 0x90;      // overlong
        else if (b0 == 0xF4) hi = 0x8F; // above U+10FFFF
    } else {
        return 0; // continuation byte, C0/C1 (overlong) or F5..FF
    }
    if (static_cast<std::size_t>(end - p) < n) return 0;
    const auto b1 = static_cast<unsigned char>(p[1]);
    if (b1 < lo || b1 > hi) return 0;
    for (std::size_t i = 2; i < n; ++i)
        if ((static_cast<unsigned char>(p[i]) & 0xC0) != 0x80) return 0;
    return n;
}

/// True when [p, end) is UTF-8 (ASCII blocks are skipped 8..32 bytes at a time).
inline bool valid_utf8(const char* p, const char* end) noexcept {
    for (;;) {
        while (static_cast<std::size_t>(end - p) >= 8) {
            std::uint64_t x;
            std::memcpy(&x, p, 8);
            if (x & 0x8080808080808080ull) break;
            p += 8;
        }
        while (p != end && static_cast<unsigned char>(*p) < 0x80) ++p;
        if (p == end) return true;
        const std::size_t n = utf8_sequence(p, end);
        if (n == 0) return false;
        p += n;
    }
}

constexpr bool is_whitespace(char c) noexcept { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

/// Advances p past JSON whitespace (one compare when there is none).
inline void skip_whitespace(const char*& p, const char* end) noexcept {
    while (p != end && static_cast<unsigned char>(*p) <= ' ' && is_whitespace(*p)) ++p;
}

} // namespace sluice::json::detail
