#pragma once
// sluice/json/detail/number.hpp: the JSON number grammar (RFC 8259 section
// 6) and its conversion to integers (fast path, range-checked) and to
// floating point (exact fast path, else std::from_chars: correctly rounded).
//
// Includes: <bit> for countr_zero and endian; <cfloat> for FLT_EVAL_METHOD;
// <charconv> for from_chars; <cstdint>; <cstring> for memcpy (word loads);
// <limits>; <system_error> for std::errc; <type_traits>; core/detail/digits.hpp
// (eight digits a word); error.hpp for errc.
#include <bit>
#include <cfloat>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <limits>
#include <system_error>
#include <type_traits>

#include <sluice/core/detail/digits.hpp>
#include <sluice/json/error.hpp>

namespace sluice::json::detail {

constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

/// A scanned number: value = ±mantissa × 10^exponent, exact unless truncated.
struct number_parts {
    std::uint64_t mantissa = 0; ///< the first 19 significant digits
    std::int64_t exponent = 0;  ///< power of ten of the mantissa's last digit
    int digits = 0;             ///< significant digits in the mantissa (0 for zero)
    bool negative = false;
    bool integer = true;    ///< no fraction and no exponent part
    bool truncated = false; ///< a nonzero digit beyond the 19th was dropped
};

/// Scans the number at p (p != end) and leaves p after it, filling `n` when
/// `Values` (else only checking the grammar). Errors: invalid_number
/// (leading zero, '-' or '.' or 'e' without digits), unexpected_end (the text
/// ends where a digit must follow).
template <bool Values = true>
errc scan_number(const char*& p, const char* end, number_parts& n) noexcept {
    const auto take = [&n](char c, bool fraction) noexcept {
        if constexpr (!Values) return;
        const auto d = static_cast<unsigned>(c - '0');
        if (n.digits == 0 && d == 0) {
            n.exponent -= fraction; // a leading zero only moves the point
        } else if (n.digits < 19) {
            n.mantissa = n.mantissa * 10 + d;
            ++n.digits;
            n.exponent -= fraction;
        } else {
            n.truncated |= d != 0;
            n.exponent += !fraction; // a dropped integer digit scales the mantissa
        }
    };
    if (*p == '-') {
        n.negative = true;
        if (++p == end) return errc::unexpected_end;
    }
    if (*p == '0') {
        if (++p != end && is_digit(*p)) return errc::invalid_number;
    } else if (is_digit(*p)) {
        do take(*p++, false);
        while (p != end && is_digit(*p));
    } else {
        return errc::invalid_number;
    }
    if (p != end && *p == '.') {
        n.integer = false;
        if (++p == end) return errc::unexpected_end;
        if (!is_digit(*p)) return errc::invalid_number;
        do take(*p++, true);
        while (p != end && is_digit(*p));
    }
    if (p != end && (*p == 'e' || *p == 'E')) {
        n.integer = false;
        if (++p == end) return errc::unexpected_end;
        bool minus = false;
        if (*p == '+' || *p == '-') {
            minus = *p == '-';
            if (++p == end) return errc::unexpected_end;
        }
        if (!is_digit(*p)) return errc::invalid_number;
        std::int64_t e = 0;
        do {
            if (e < 100'000'000) e = e * 10 + (*p - '0'); // beyond any double; no overflow
            ++p;
        } while (p != end && is_digit(*p));
        if constexpr (Values) n.exponent += minus ? -e : e;
    }
    return errc{};
}

/// Stores the magnitude v (negated when `negative`) in out when it fits.
template <class Int>
constexpr errc store_integer(std::uint64_t v, bool negative, Int& out) noexcept {
    if constexpr (std::is_signed_v<Int>) {
        using U = std::make_unsigned_t<Int>;
        if (v > static_cast<std::uint64_t>(std::numeric_limits<Int>::max()) + negative) return errc::number_out_of_range;
        out = negative ? static_cast<Int>(static_cast<U>(0u - v)) : static_cast<Int>(v);
    } else {
        if (v > static_cast<std::uint64_t>(std::numeric_limits<Int>::max()) || (negative && v != 0))
            return errc::number_out_of_range;
        out = static_cast<Int>(v);
    }
    return errc{};
}

// What may not follow an integer's digits: a fraction or an exponent.
constexpr bool starts_fraction(char c) noexcept { return c == '.' || (c | 0x20) == 'e'; }

/// read_integer for what its fast path leaves: a leading zero, a number
/// near the end of the text, errors. Each digit checked for overflow.
template <class Int>
[[gnu::noinline]] errc read_integer_slow(const char*& p, const char* end, Int& out) noexcept {
    const char* q = p;
    const bool negative = *q == '-';
    if (negative && ++q == end) return errc::unexpected_end;
    if (!is_digit(*q)) return negative ? errc::invalid_number : errc::syntax;
    const char* const first = q;
    std::uint64_t v = 0;
    for (; q != end && is_digit(*q); ++q) {
        const auto d = static_cast<unsigned>(*q - '0');
        if (v > (std::numeric_limits<std::uint64_t>::max() - d) / 10) return errc::number_out_of_range;
        v = v * 10 + d;
    }
    if (*first == '0' && q - first > 1) return errc::invalid_number;
    if (q != end && starts_fraction(*q)) return errc::type_mismatch;
    if (const errc e = store_integer(v, negative, out); e != errc{}) return e;
    p = q;
    return errc{};
}

/// read_integer's fast paths, for inlining: a lone 0, 1 to 7 digits valued
/// in one word, up to 19 digits without overflow checks (the loop's exit is
/// a predicted branch, so the next position does not wait on arithmetic).
/// Returns the position after the integer with `out` set, or null, leaving
/// `out` unchanged, for whatever else read_integer_slow decides (errors, a
/// number near the end of the text, a minus sign before an unsigned type).
template <class Int>
[[gnu::always_inline]] inline const char* read_integer_fast(const char* p, const char* end, Int& out) noexcept {
    static_assert(std::is_integral_v<Int> && sizeof(Int) <= 8);
    bool negative = false;
    if constexpr (std::is_signed_v<Int>) negative = *p == '-';
    const char* q = p + negative; // an unsigned type leaves "-0" to the slow path
    if (end - q >= 2 && *q == '0' && !is_digit(q[1]) && !starts_fraction(q[1])) { // a lone 0 (flags, types): common
        out = 0;
        return q + 1;
    }
    if (end - q >= 20 && is_digit(*q) && *q != '0') { // up to 19 digits cannot overflow
        std::uint64_t v;
        if constexpr (std::endian::native == std::endian::little) {
            // 1 to 7 digits (counts, sizes, flags): found and valued in one word.
            std::uint64_t w;
            std::memcpy(&w, q, 8);
            if (const std::uint64_t bad = sluice::detail::non_digits(w); bad != 0) {
                const int n = std::countr_zero(bad) >> 3; // 1..7: *q is a digit
                // '0' taken off every byte (the bytes after the digits may borrow
                // upward, but only into bytes the shift drops), the digits moved to
                // the top with zeros below.
                v = sluice::detail::eight_digits_value((w - 0x3030303030303030ull) << (8 * (8 - n)));
                q += n;
                if (starts_fraction(*q)) return nullptr;
                if constexpr (sizeof(Int) >= 4) {
                    out = static_cast<Int>(negative ? 0 - v : v); // below 10^7: fits (store_integer's value)
                } else if (store_integer(v, negative, out) != errc{}) {
                    return nullptr;
                }
                return q;
            }
        }
        v = static_cast<unsigned>(*q++ - '0');
        for (const char* limit = q + 18; q != limit && is_digit(*q); ++q) v = v * 10 + static_cast<unsigned>(*q - '0');
        if (is_digit(*q) || starts_fraction(*q) || store_integer(v, negative, out) != errc{}) return nullptr;
        return q;
    }
    return nullptr;
}

/// Reads an integer at p (p != end) into `out` and leaves p after it. Errors:
/// number_out_of_range, type_mismatch (a fraction or exponent: "1.0", "1e2"),
/// invalid_number, unexpected_end; errc::syntax when p holds no number at all
/// (the caller tells a type mismatch from a syntax error). The usual numbers
/// take read_integer_fast; on an error p and `out` are unchanged.
template <class Int>
errc read_integer(const char*& p, const char* end, Int& out) noexcept {
    if (const char* q = read_integer_fast(p, end, out)) {
        p = q;
        return errc{};
    }
    return read_integer_slow(p, end, out);
}

// The exact fast path needs IEEE arithmetic without excess precision.
inline constexpr bool exact_float_ops = FLT_EVAL_METHOD == 0 && std::numeric_limits<double>::is_iec559;

/// Converts a scanned number [first, last) to F. Exact powers of ten times a
/// small mantissa take one multiplication or division (Clinger's fast path);
/// everything else goes to std::from_chars. Underflow gives ±0; overflow is
/// number_out_of_range.
template <class F>
errc to_floating(const number_parts& n, const char* first, const char* last, F& out) noexcept {
    static_assert(std::is_floating_point_v<F>);
    if (n.digits == 0) {
        out = n.negative ? -F(0) : F(0);
        return errc{};
    }
    if constexpr (exact_float_ops && (std::is_same_v<F, double> || std::is_same_v<F, float>)) {
        constexpr bool is_double = std::is_same_v<F, double>;
        constexpr std::uint64_t max_exact = is_double ? (std::uint64_t{1} << 53) : (std::uint64_t{1} << 24);
        constexpr std::int64_t max_pow = is_double ? 22 : 10;
        constexpr F pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                               1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
        if (!n.truncated && n.mantissa <= max_exact && n.exponent >= -max_pow && n.exponent <= max_pow) {
            F v = static_cast<F>(n.mantissa);
            v = n.exponent < 0 ? v / pow10[-n.exponent] : v * pow10[n.exponent];
            out = n.negative ? -v : v;
            return errc{};
        }
    }
    const auto r = std::from_chars(first, last, out);
    if (r.ec == std::errc::result_out_of_range) {
        if (n.exponent + n.digits - 1 >= 0) return errc::number_out_of_range; // |value| >= 1: overflow
        out = n.negative ? -F(0) : F(0);
        return errc{};
    }
    return r.ec == std::errc{} && r.ptr == last ? errc{} : errc::invalid_number;
}

} // namespace sluice::json::detail
