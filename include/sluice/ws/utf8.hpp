#pragma once
// sluice/ws/utf8.hpp: incremental UTF-8 validation (RFC 3629) for text
// messages and close reasons, across any split of the bytes (fragments,
// reads). It fails at the first byte that cannot start or continue a valid
// sequence, so a bad message is rejected before it is complete (RFC 6455 §8.1).
//
// Runs of ASCII are skipped 256 bytes at a time; the rest goes through a small
// state machine over the ranges of Unicode's table 3-7 (no overlongs, no
// surrogates, nothing above U+10FFFF).
//
// Includes: <cstddef>, <cstdint>, <cstring> (memcpy for word loads),
// <string_view>; the SSE2/AVX2 intrinsics when targeted (the ASCII test).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#if defined(__AVX2__)
#include <immintrin.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace sluice::ws {

namespace detail {

/// Whether any of the N bytes at `p` has its high bit set, a word at a time
/// (any machine; also the reference for the vector version).
template <std::size_t N>
bool any_high_words(const unsigned char* p) noexcept {
    std::uint64_t acc = 0;
    for (std::size_t i = 0; i < N; i += 8) {
        std::uint64_t w;
        std::memcpy(&w, p + i, 8);
        acc |= w;
    }
    return (acc & 0x8080808080808080ull) != 0;
}

/// any_high_words with 32- (AVX2) or 16-byte (SSE2) vectors where the target
/// has them (N a multiple of 32); the same answer on every path.
template <std::size_t N>
bool any_high(const unsigned char* p) noexcept {
#if defined(__AVX2__)
    __m256i acc = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    for (std::size_t i = 32; i < N; i += 32) acc = _mm256_or_si256(acc, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i)));
    return _mm256_movemask_epi8(acc) != 0;
#elif defined(__SSE2__)
    __m128i acc = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    for (std::size_t i = 16; i < N; i += 16) acc = _mm_or_si128(acc, _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i)));
    return _mm_movemask_epi8(acc) != 0;
#else
    return any_high_words<N>(p);
#endif
}

} // namespace detail

/// Validates UTF-8 fed in pieces. 6 bytes; reset() between messages.
class utf8_validator {
public:
    /// Feeds the next piece. Returns false once the bytes so far cannot be the
    /// start of valid UTF-8; the validator then stays failed until reset().
    bool feed(std::string_view s) noexcept {
        if (failed_) return false;
        const auto* p = reinterpret_cast<const unsigned char*>(s.data());
        const unsigned char* const end = p + s.size();
        while (p != end) {
            if (need_ == 0) {
                p = skip_ascii(p, end, s.size() >= 32);
                if (p == end) break;
                const unsigned char b = *p++;
                if (b < 0x80) continue;
                if (!start_sequence(b)) return fail();
            } else {
                const unsigned char b = *p++;
                if (b < lo_ || b > hi_) return fail();
                --need_;
                lo_ = 0x80;
                hi_ = 0xBF;
            }
        }
        return true;
    }
    /// True when everything fed is valid and ends on a character boundary.
    bool complete() const noexcept { return !failed_ && need_ == 0; }
    /// True when a byte fed so far was invalid.
    bool failed() const noexcept { return failed_; }
    void reset() noexcept { *this = utf8_validator{}; }

private:
    // The first byte at or after p that is not ASCII, or end. `back32`: the
    // 32 bytes before end are readable (the piece is that long), so a short
    // tail is tested with one load that overlaps bytes already passed.
    static const unsigned char* skip_ascii(const unsigned char* p, const unsigned char* end, bool back32) noexcept {
        constexpr std::uint64_t high = 0x8080808080808080ull;
        // OR reductions of whole blocks; the one horizontal step is paid once per block.
        while (end - p >= 256 && !detail::any_high<256>(p)) p += 256;
        while (end - p >= 32 && !detail::any_high<32>(p)) p += 32;
        if (end - p < 32 && back32 && !detail::any_high<32>(end - 32)) return end;
        while (end - p >= 8) {
            std::uint64_t w;
            std::memcpy(&w, p, 8);
            if ((w & high) != 0) break;
            p += 8;
        }
        while (p != end && *p < 0x80) ++p;
        return p;
    }
    /// Lead byte `b` >= 0x80: sets how many continuation bytes follow and the
    /// range of the first one. False when `b` cannot start a sequence.
    bool start_sequence(unsigned char b) noexcept {
        lo_ = 0x80;
        hi_ = 0xBF;
        if (b >= 0xC2 && b <= 0xDF) need_ = 1;
        else if (b >= 0xE0 && b <= 0xEF) {
            need_ = 2;
            if (b == 0xE0) lo_ = 0xA0;      // no overlong 3-byte forms
            else if (b == 0xED) hi_ = 0x9F; // no surrogates U+D800..U+DFFF
        } else if (b >= 0xF0 && b <= 0xF4) {
            need_ = 3;
            if (b == 0xF0) lo_ = 0x90;      // no overlong 4-byte forms
            else if (b == 0xF4) hi_ = 0x8F; // nothing above U+10FFFF
        } else return false;                // continuation byte, C0, C1, F5..FF
        return true;
    }
    bool fail() noexcept {
        failed_ = true;
        return false;
    }
    std::uint8_t need_ = 0;
    unsigned char lo_ = 0x80, hi_ = 0xBF;
    bool failed_ = false;
};

/// Whether `s` is complete, valid UTF-8.
inline bool is_valid_utf8(std::string_view s) noexcept {
    utf8_validator v;
    return v.feed(s) && v.complete();
}

} // namespace sluice::ws
