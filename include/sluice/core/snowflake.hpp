#pragma once
// sluice/core/snowflake.hpp: Discord-compatible snowflake ids.
//
// A snowflake is a 64-bit id:
//
//     bits 63..22  milliseconds since the Discord epoch (2015-01-01T00:00:00Z)
//     bits 21..17  internal worker id
//     bits 16..12  internal process id
//     bits 11..0   increment (per worker and process, within one millisecond)
//
// Ids are ordered by creation time. On the wire they travel as JSON strings
// ("175928847299117063") because JavaScript numbers cannot hold 64 bits; the
// json layer reads and writes them with the `from_chars` / `to_chars` free
// functions below.
//
// `snowflake_generator` makes ids (Midjourney and Discord interaction nonces
// are snowflakes the client generates). It never reads a clock: the caller
// passes its wall-clock time in Unix milliseconds.
//
// Includes: <bit> for endian; <compare> for operator<=>; <cstdint>,
// <cstddef>; <cstring> for memcpy (8-digit loads); <string_view> for the
// parse input and the formatted view; <system_error> for std::error_code;
// <type_traits> for is_constant_evaluated; "detail/digits.hpp" (eight digits
// a word); "errc.hpp" for the core error codes;
// the SSE4.1 intrinsics when targeted (16 digits in one multiply-add chain,
// and the quoted form's digits found 32 bytes at a time).
#include <bit>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <system_error>
#include <type_traits>

#if defined(__SSE4_1__)
#include <immintrin.h>
#endif

#include "detail/digits.hpp"
#include "errc.hpp"

namespace sluice {

/// A Discord snowflake id: a plain 64-bit value with accessors for its fields.
/// Trivially copyable, 8 bytes; the default value is 0.
class snowflake {
public:
    /// Unix milliseconds of the Discord epoch, 2015-01-01T00:00:00Z.
    static constexpr std::int64_t discord_epoch_ms = 1420070400000;
    static constexpr int timestamp_shift = 22;
    static constexpr int worker_shift = 17;
    static constexpr int process_shift = 12;
    /// Largest timestamp field (milliseconds since the Discord epoch): 42 bits,
    /// which runs out in May 2154.
    static constexpr std::uint64_t max_timestamp = (std::uint64_t{1} << 42) - 1;
    static constexpr std::uint32_t max_worker = 31;
    static constexpr std::uint32_t max_process = 31;
    static constexpr std::uint32_t max_increment = 4095;
    /// Longest decimal form: 2^64 - 1 has 20 digits.
    static constexpr std::size_t max_chars = 20;

    constexpr snowflake() noexcept = default;
    /// The id with this raw value.
    constexpr explicit snowflake(std::uint64_t value) noexcept : value_(value) {}

    /// Builds an id from its fields. `unix_ms` is clamped to the representable
    /// range [discord_epoch_ms, discord_epoch_ms + max_timestamp]; worker,
    /// process and increment keep only their low 5, 5 and 12 bits.
    /// `from_parts(ms, 0, 0, 0)` is the smallest id created at `ms` or later:
    /// what Discord's `before`/`after` pagination parameters take.
    static constexpr snowflake from_parts(std::int64_t unix_ms, std::uint32_t worker = 0, std::uint32_t process = 0,
                                          std::uint32_t increment = 0) noexcept {
        return snowflake((clamp_timestamp(unix_ms) << timestamp_shift) | (std::uint64_t{worker & max_worker} << worker_shift) |
                         (std::uint64_t{process & max_process} << process_shift) | (increment & max_increment));
    }

    constexpr std::uint64_t value() const noexcept { return value_; }
    /// Creation time in Unix milliseconds.
    constexpr std::int64_t timestamp_ms() const noexcept {
        return static_cast<std::int64_t>(value_ >> timestamp_shift) + discord_epoch_ms;
    }
    constexpr std::uint32_t worker() const noexcept { return static_cast<std::uint32_t>(value_ >> worker_shift) & max_worker; }
    constexpr std::uint32_t process() const noexcept { return static_cast<std::uint32_t>(value_ >> process_shift) & max_process; }
    constexpr std::uint32_t increment() const noexcept { return static_cast<std::uint32_t>(value_) & max_increment; }

    friend constexpr bool operator==(snowflake, snowflake) noexcept = default;
    friend constexpr auto operator<=>(snowflake, snowflake) noexcept = default;

private:
    friend class snowflake_generator;
    // Unix ms to the timestamp field, clamped to [0, max_timestamp].
    static constexpr std::uint64_t clamp_timestamp(std::int64_t unix_ms) noexcept {
        if (unix_ms <= discord_epoch_ms) return 0;
        const auto since = static_cast<std::uint64_t>(unix_ms - discord_epoch_ms); // no overflow: unix_ms > 0
        return since > max_timestamp ? max_timestamp : since;
    }

    std::uint64_t value_ = 0;
};

/// The decimal form of a snowflake held inline (no allocation): up to 20
/// digits, no terminator. Valid as long as the object lives.
class snowflake_chars {
public:
    constexpr std::string_view view() const noexcept { return {buf_, size_}; }
    constexpr operator std::string_view() const noexcept { return view(); } // NOLINT: a string, by design
    constexpr const char* data() const noexcept { return buf_; }
    constexpr std::size_t size() const noexcept { return size_; }

private:
    friend constexpr snowflake_chars to_chars(snowflake id) noexcept;
    char buf_[snowflake::max_chars]{};
    std::uint8_t size_ = 0;
};

/// The decimal form of `id`, e.g. "175928847299117063" (no sign, no leading
/// zeros; "0" for 0). Cannot fail.
constexpr snowflake_chars to_chars(snowflake id) noexcept {
    char tmp[snowflake::max_chars]{};
    std::size_t n = 0;
    std::uint64_t v = id.value();
    do {
        tmp[n++] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v != 0);
    snowflake_chars out;
    for (std::size_t i = 0; i < n; ++i) out.buf_[i] = tmp[n - 1 - i];
    out.size_ = static_cast<std::uint8_t>(n);
    return out;
}

/// Result of writing into a caller's buffer: `ptr` is one past the last
/// character written; `ec` is empty on success.
struct to_chars_result {
    char* ptr;
    std::error_code ec;
};

/// Writes the decimal form of `id` into [first, last), without a terminator.
/// Errors: core_errc::buffer_too_small when the range holds fewer characters
/// than needed (at most snowflake::max_chars = 20); then nothing is written and
/// `ptr` is `last`. The caller passes a larger buffer.
[[nodiscard]] inline to_chars_result to_chars(char* first, char* last, snowflake id) noexcept {
    const snowflake_chars s = to_chars(id);
    if (last - first < static_cast<std::ptrdiff_t>(s.size())) return {last, core_errc::buffer_too_small};
    for (char c : s.view()) *first++ = c;
    return {first, {}};
}

namespace detail {
// 0 on success, else the core_errc value; one digit at a time (any length,
// any endianness, constant evaluation).
constexpr int parse_snowflake_digits(std::string_view text, std::uint64_t& out) noexcept {
    if (text.empty()) return static_cast<int>(core_errc::invalid_snowflake);
    std::uint64_t v = 0;
    bool overflow = false;
    for (char c : text) {
        if (c < '0' || c > '9') return static_cast<int>(core_errc::invalid_snowflake);
        const auto d = static_cast<std::uint64_t>(c - '0');
        // v * 10 + d > UINT64_MAX  <=>  v > (UINT64_MAX - d) / 10
        if (v > (~std::uint64_t{0} - d) / 10) overflow = true; // keep scanning: a bad digit later wins
        else v = v * 10 + d;
    }
    if (overflow) return static_cast<int>(core_errc::snowflake_out_of_range);
    out = v;
    return 0;
}

#if defined(__SSE4_1__)
// Bit i set when byte i of d (a character minus '0') is a digit.
inline std::uint32_t digit_bits(__m128i d) noexcept {
    return static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d)));
}

// The 16 characters at p minus '0'.
inline __m128i sixteen_minus_zero(const char* p) noexcept {
    return _mm_sub_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)), _mm_set1_epi8('0'));
}

// The value of 16 digits given minus '0' (checked by the caller): digit
// pairs, quads and eights by multiply-adds, most significant first.
inline std::uint64_t sixteen_digits_value(__m128i d) noexcept {
    __m128i t = _mm_maddubs_epi16(d, _mm_setr_epi8(10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1));
    t = _mm_madd_epi16(t, _mm_setr_epi16(100, 1, 100, 1, 100, 1, 100, 1));
    t = _mm_packus_epi32(t, t); // four 4-digit values, each below 10000
    t = _mm_madd_epi16(t, _mm_setr_epi16(10000, 1, 10000, 1, 10000, 1, 10000, 1));
    return std::uint64_t{static_cast<std::uint32_t>(_mm_cvtsi128_si32(t))} * 100000000 +
           static_cast<std::uint32_t>(_mm_extract_epi32(t, 1));
}

// The value of the 16 characters at p when all are digits (else false).
inline bool sixteen_digits(const char* p, std::uint64_t& out) noexcept {
    const __m128i d = sixteen_minus_zero(p);
    if (digit_bits(d) != 0xFFFF) return false;
    out = sixteen_digits_value(d);
    return true;
}

// from_quoted_chars (below) once the digits among the bytes at `first` are
// known (bit i: first[i] is a digit; no bit at or past `len`, the readable
// bytes, at least 17) and `a` holds the first 16 bytes minus '0': 16..19
// digits, then the quote.
[[gnu::always_inline]] inline const char* quoted_snowflake(const char* first, std::ptrdiff_t len, std::uint32_t digits, __m128i a,
                                                           std::uint64_t& out) noexcept {
    const int n = std::countr_one(digits);
    if (n < 16 || n > 19 || n >= len || first[n] != '"') return nullptr;
    const std::uint64_t low16 = sixteen_digits_value(sixteen_minus_zero(first + n - 16)); // digits, checked above
    // The 0..3 digits before them, without a branch on their count: the
    // first 4 bytes shifted so that those digits end at the top byte
    // (zeros below), then d0 * 1000 + d1 * 100 + d2 * 10 + d3.
    const auto head_count = static_cast<unsigned>(n - 16);
    std::uint32_t w = static_cast<std::uint32_t>(_mm_cvtsi128_si32(a)); // the first 4 bytes, '0' taken off
    w = static_cast<std::uint32_t>((std::uint64_t{w} << (8 * (4 - head_count))) & 0xFFFFFFFFu);
    const std::uint32_t pairs = ((w * 10) + (w >> 8)) & 0x00FF00FFu; // d0 * 10 + d1, d2 * 10 + d3
    const std::uint64_t head = (pairs & 0xFF) * 100 + (pairs >> 16);
    out = head * 10000000000000000ull + low16;
    return first + n + 1;
}

// from_quoted_chars where 32 bytes at `first` are readable: the digits
// found in two 16-byte compares. Inlined into the JSON reader: no call, no
// saved registers.
[[gnu::always_inline]] inline const char* quoted_snowflake_32(const char* first, std::uint64_t& out) noexcept {
    const __m128i a = sixteen_minus_zero(first), b = sixteen_minus_zero(first + 16);
    return quoted_snowflake(first, 32, digit_bits(a) | digit_bits(b) << 16, a, out);
}

// from_quoted_chars near the end of the text (the last field), 17 to 31
// bytes left: the second 16 bytes loaded ending at `end` (overlapping the
// first), their digit bits shifted into place.
inline const char* quoted_snowflake_near_end(const char* first, const char* end, std::uint64_t& out) noexcept {
    const std::ptrdiff_t len = end - first; // 17..31
    const __m128i a = sixteen_minus_zero(first), b = sixteen_minus_zero(end - 16);
    return quoted_snowflake(first, len, digit_bits(a) | digit_bits(b) << (len - 16), a, out);
}
#endif

// 8 to 19 digits (no overflow is possible below 20), a word at a time: the
// last 8, the 8 before them, and what is left at the front (16 or more: the
// last 16 with SSE4.1 where targeted). Little-endian only; same results as
// parse_snowflake_digits.
inline int parse_snowflake_words(std::string_view text, std::uint64_t& out) noexcept {
    const std::size_t n = text.size(); // 8..19
    const char* const p = text.data();
#if defined(__SSE4_1__)
    if (n >= 16) {
        std::uint64_t low16 = 0, head = 0;
        bool ok = sixteen_digits(p + n - 16, low16);
        for (std::size_t i = 0; i < n - 16; ++i) { // at most 3
            const auto d = static_cast<unsigned char>(p[i] - '0');
            ok &= d < 10;
            head = head * 10 + d;
        }
        if (!ok) return static_cast<int>(core_errc::invalid_snowflake);
        out = head * 10000000000000000ull + low16;
        return 0;
    }
#endif
    const std::uint64_t low = load8(p + n - 8);
    const std::uint64_t mid = n > 16 ? load8(p + n - 16) : load_leading(p, n - 8);
    const std::uint64_t head = n > 16 ? load_leading(p, n - 16) : 0x3030303030303030ull;
    if ((non_digits(low) | non_digits(mid) | non_digits(head)) != 0) return static_cast<int>(core_errc::invalid_snowflake);
    out = (eight_digits_value(head) * 100000000 + eight_digits_value(mid)) * 100000000 + eight_digits_value(low);
    return 0;
}

// 0 on success, else the core_errc value; constexpr so it is testable at compile time.
constexpr int parse_snowflake(std::string_view text, std::uint64_t& out) noexcept {
    // Snowflakes have 17 to 20 digits: 8..19 take the word path at run time.
    if (!std::is_constant_evaluated() && std::endian::native == std::endian::little && text.size() >= 8 &&
        text.size() <= 19)
        return parse_snowflake_words(text, out);
    return parse_snowflake_digits(text, out);
}
} // namespace detail

/// Parses the whole of `text` (the content of a JSON string, already
/// unescaped) as a decimal snowflake. Leading zeros are accepted, nothing
/// else: no sign, no whitespace, no exponent.
/// Errors (then `out` is unchanged):
///  - core_errc::invalid_snowflake: empty, or a character other than 0-9;
///  - core_errc::snowflake_out_of_range: the number is above 2^64 - 1.
/// Both compare equal to condition::invalid_data; a gateway treats such a
/// field from the peer as malformed data.
[[nodiscard]] inline std::error_code from_chars(std::string_view text, snowflake& out) noexcept {
    std::uint64_t v = 0;
    if (const int e = detail::parse_snowflake(text, v)) return static_cast<core_errc>(e);
    out = snowflake(v);
    return {};
}

/// The fast path of a JSON reader (json::read takes it for string-coded
/// types that have one): `first` is just after a string's opening quote and
/// the text ends at `end`. When the string is 16 to 19 digits and its closing
/// quote, sets `out` and returns the position after the quote; otherwise
/// returns nullptr and changes nothing (the caller then reads the string and
/// calls from_chars, which gives the same value for the same digits). Reads
/// only inside [first, end); takes the fast path only where SSE4.1 is targeted.
[[nodiscard]] inline const char* from_quoted_chars(const char* first, const char* end, snowflake& out) noexcept {
#if defined(__SSE4_1__)
    if (end - first < 17) return nullptr; // not even 16 digits and the quote
    std::uint64_t v = 0;
    const char* const q = end - first >= 32 ? detail::quoted_snowflake_32(first, v) : detail::quoted_snowflake_near_end(first, end, v);
    if (q) out = snowflake(v);
    return q;
#else
    static_cast<void>(first);
    static_cast<void>(end);
    static_cast<void>(out);
    return nullptr;
#endif
}

/// Generates unique, strictly increasing snowflakes for one (worker, process)
/// pair. The caller passes its wall-clock time in Unix milliseconds to each
/// `next()`; the generator never reads a clock. 16 bytes, no allocation.
///
/// - Ids made in the same millisecond differ by their increment field.
/// - After 4096 ids in one millisecond the timestamp field advances by one:
///   the ids run ahead of the clock rather than repeating.
/// - If the caller's clock steps back (NTP, a VM resume), ids keep increasing
///   from the last one handed out: never a duplicate, never smaller.
/// Two generators with different (worker, process) pairs never produce the
/// same id; a restarted process should use a pair of its own or a clock that
/// has moved past the previous run's ids.
class snowflake_generator {
public:
    /// Only the low 5 bits of `worker` and of `process` are used.
    constexpr explicit snowflake_generator(std::uint32_t worker = 0, std::uint32_t process = 0) noexcept
        : fixed_(static_cast<std::uint32_t>(((worker & snowflake::max_worker) << snowflake::worker_shift) |
                                            ((process & snowflake::max_process) << snowflake::process_shift))) {}

    /// The next id: at `unix_ms` (clamped to the Discord epoch and to
    /// 2154-05-15) with increment 0, or one more than the previous id when
    /// that would not be greater. When even the last millisecond of 2154 is
    /// used up, `exhausted()` turns true and the last id repeats.
    constexpr snowflake next(std::int64_t unix_ms) noexcept {
        const std::uint64_t candidate = (snowflake::clamp_timestamp(unix_ms) << snowflake::timestamp_shift) | fixed_;
        if (!started_ || candidate > last_) {
            last_ = candidate;
            started_ = true;
        } else if ((last_ & snowflake::max_increment) < snowflake::max_increment) {
            ++last_;
        } else {
            const std::uint64_t ts = last_ >> snowflake::timestamp_shift;
            if (ts == snowflake::max_timestamp) exhausted_ = true;
            else last_ = ((ts + 1) << snowflake::timestamp_shift) | fixed_;
        }
        return snowflake(last_);
    }

    /// The last id handed out (snowflake{} before the first).
    constexpr snowflake last() const noexcept { return snowflake(started_ ? last_ : 0); }
    /// True once every id up to 2154-05-15 has been handed out.
    constexpr bool exhausted() const noexcept { return exhausted_; }
    constexpr std::uint32_t worker() const noexcept { return snowflake(fixed_).worker(); }
    constexpr std::uint32_t process() const noexcept { return snowflake(fixed_).process(); }

private:
    std::uint64_t last_ = 0;
    std::uint32_t fixed_; // worker and process bits, in place
    bool started_ = false;
    bool exhausted_ = false;
};

} // namespace sluice
