#pragma once
// sluice/json/validate.hpp: is this text one JSON value, exactly as RFC 8259
// says (including UTF-8 in strings)? No allocation, no recursion.
//
//     if (auto ec = sluice::json::validate(text)) { /* ec says what */ }
//
// Includes: <cstdint>; <string_view>; <system_error>; error.hpp for errc and
// error_info; detail/ for the scanning, strings and numbers.
#include <cstdint>
#include <string_view>
#include <system_error>

#include <sluice/json/detail/number.hpp>
#include <sluice/json/detail/scan.hpp>
#include <sluice/json/detail/string.hpp>
#include <sluice/json/error.hpp>

namespace sluice::json {

struct validate_options {
    /// Deepest nesting of objects and arrays accepted (the root container is
    /// depth 1); deeper input fails with errc::depth_exceeded. At most 1024
    /// (larger values act as 1024).
    std::uint32_t max_depth = 64;
};

namespace detail {

inline constexpr std::uint32_t validate_depth_limit = 1024;

// A string key, whitespace and the colon after it.
inline errc check_key(const char*& p, const char* end) noexcept {
    if (p == end) return errc::unexpected_end;
    if (*p != '"') return errc::syntax;
    ++p;
    if (const errc e = check_string(p, end); e != errc{}) return e;
    skip_whitespace(p, end);
    if (p == end) return errc::unexpected_end;
    if (*p != ':') return errc::syntax;
    ++p;
    return errc{};
}

// A string, number or literal at p (p != end).
inline errc check_scalar(const char*& p, const char* end) noexcept {
    switch (*p) {
    case '"': ++p; return check_string(p, end);
    case 't': return match_literal(p, end, "true");
    case 'f': return match_literal(p, end, "false");
    case 'n': return match_literal(p, end, "null");
    default: {
        if (*p != '-' && !is_digit(*p)) return errc::syntax;
        number_parts ignored;
        return scan_number<false>(p, end, ignored);
    }
    }
}

/// Checks the one value that starts at p (after whitespace) and leaves p
/// after it. Containers are tracked with one bit a level (object or array),
/// so hostile nesting costs neither stack nor heap.
inline errc check_value(const char*& p, const char* end, std::uint32_t max_depth) noexcept {
    if (max_depth > validate_depth_limit) max_depth = validate_depth_limit;
    std::uint64_t is_object[validate_depth_limit / 64] = {};
    std::uint32_t depth = 0;
    for (;;) {
        // A value is expected.
        skip_whitespace(p, end);
        if (p == end) return errc::unexpected_end;
        if (*p == '{' || *p == '[') {
            const bool object = *p == '{';
            if (depth == max_depth) return errc::depth_exceeded;
            const std::uint64_t bit = std::uint64_t{1} << (depth % 64);
            is_object[depth / 64] = object ? is_object[depth / 64] | bit : is_object[depth / 64] & ~bit;
            ++depth;
            ++p;
            skip_whitespace(p, end);
            if (p == end) return errc::unexpected_end;
            if (*p != (object ? '}' : ']')) {
                if (object)
                    if (const errc e = check_key(p, end); e != errc{}) return e;
                continue; // the first member's value
            }
            ++p; // an empty container is a complete value
            --depth;
        } else if (const errc e = check_scalar(p, end); e != errc{}) {
            return e;
        }
        // A value ended: close containers until one takes another member.
        for (;;) {
            if (depth == 0) return errc{};
            skip_whitespace(p, end);
            if (p == end) return errc::unexpected_end;
            const bool object = (is_object[(depth - 1) / 64] >> ((depth - 1) % 64)) & 1;
            if (*p == ',') {
                ++p;
                if (object) {
                    skip_whitespace(p, end);
                    if (const errc e = check_key(p, end); e != errc{}) return e;
                }
                break;
            }
            if (*p != (object ? '}' : ']')) return errc::syntax;
            ++p;
            --depth;
        }
    }
}

} // namespace detail

/// Checks that `text` is exactly one JSON value with optional whitespace
/// around it, per RFC 8259: strict grammar, strings of valid UTF-8 (no
/// overlong forms, no surrogates), escapes including surrogate pairs (a lone
/// surrogate escape is refused), nesting up to options.max_depth. A byte order
/// mark is refused. Returns an empty error code when valid, else one of:
/// unexpected_end, syntax, invalid_number, invalid_escape, control_character,
/// invalid_utf8, trailing_content, depth_exceeded. When `info` is given, its
/// offset is set to where the error was found (its path stays empty).
inline std::error_code validate(std::string_view text, const validate_options& options,
                                error_info* info = nullptr) noexcept {
    const char* p = text.data();
    const char* const end = p + text.size();
    errc e = detail::check_value(p, end, options.max_depth);
    if (e == errc{}) {
        detail::skip_whitespace(p, end);
        if (p != end) e = errc::trailing_content;
    }
    if (e == errc{}) return {};
    if (info) info->offset = static_cast<std::size_t>(p - text.data());
    return e;
}

/// validate() with the default options (depth 64).
inline std::error_code validate(std::string_view text) noexcept { return validate(text, validate_options{}); }

} // namespace sluice::json
