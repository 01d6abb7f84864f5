#pragma once
// sluice/json/detail/string.hpp: JSON strings and literals: escapes (with
// UTF-16 surrogate pairs), checking a string, skipping one, decoding one.
// Every function starts after the opening quote and, on success, leaves p
// after the closing quote.
//
// Includes: <bit> for countr_zero and endian; <cstddef>, <cstdint>, <cstring>
// for memcmp; error.hpp for errc; scan.hpp for the block scans and UTF-8.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include <sluice/json/detail/scan.hpp>
#include <sluice/json/error.hpp>

namespace sluice::json::detail {

constexpr int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Four hex digits at p (bounds checked by the caller).
constexpr int hex4(const char* p) noexcept {
    const int a = hex_value(p[0]), b = hex_value(p[1]), c = hex_value(p[2]), d = hex_value(p[3]);
    return (a | b | c | d) < 0 ? -1 : (a << 12) | (b << 8) | (c << 4) | d;
}

/// Decodes the escape at p (*p == '\\') into a code point and leaves p after
/// it. A high surrogate must be followed by an escaped low surrogate; lone
/// surrogates are refused (they have no UTF-8 form). Errors: invalid_escape,
/// unexpected_end.
inline errc decode_escape(const char*& p, const char* end, std::uint32_t& code_point) noexcept {
    if (end - p < 2) return errc::unexpected_end;
    switch (p[1]) {
    case '"': code_point = '"'; break;
    case '\\': code_point = '\\'; break;
    case '/': code_point = '/'; break;
    case 'b': code_point = '\b'; break;
    case 'f': code_point = '\f'; break;
    case 'n': code_point = '\n'; break;
    case 'r': code_point = '\r'; break;
    case 't': code_point = '\t'; break;
    case 'u': {
        if (end - p < 6) return errc::unexpected_end;
        const int u = hex4(p + 2);
        if (u < 0) return errc::invalid_escape;
        if (u >= 0xDC00 && u <= 0xDFFF) return errc::invalid_escape; // low surrogate first
        if (u >= 0xD800 && u <= 0xDBFF) {
            if (end - p < 12) { // the text ends: inside the low half, or after a lone surrogate?
                for (const char* q = p + 6; q != end; ++q)
                    if (q == p + 6 ? *q != '\\' : q == p + 7 ? *q != 'u' : hex_value(*q) < 0)
                        return errc::invalid_escape;
                return errc::unexpected_end;
            }
            if (p[6] != '\\' || p[7] != 'u') return errc::invalid_escape;
            const int lo = hex4(p + 8);
            if (lo < 0xDC00 || lo > 0xDFFF) return errc::invalid_escape;
            code_point = 0x10000 + ((static_cast<std::uint32_t>(u) - 0xD800) << 10) + (static_cast<std::uint32_t>(lo) - 0xDC00);
            p += 12;
            return errc{};
        }
        code_point = static_cast<std::uint32_t>(u);
        p += 6;
        return errc{};
    }
    default: return errc::invalid_escape;
    }
    p += 2;
    return errc{};
}

/// Writes the UTF-8 form of a code point (at most U+10FFFF, no surrogate) to
/// `out` (4 bytes of room) and returns its length.
inline std::size_t encode_utf8(std::uint32_t cp, char* out) noexcept {
    if (cp < 0x80) {
        out[0] = static_cast<char>(cp);
        return 1;
    }
    if (cp < 0x800) {
        out[0] = static_cast<char>(0xC0 | (cp >> 6));
        out[1] = static_cast<char>(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = static_cast<char>(0xE0 | (cp >> 12));
        out[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out[2] = static_cast<char>(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = static_cast<char>(0xF0 | (cp >> 18));
    out[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out[3] = static_cast<char>(0x80 | (cp & 0x3F));
    return 4;
}

/// Walks a string checking everything RFC 8259 asks (escapes, no control
/// characters, UTF-8). `on_run(first, last)` receives each unescaped run and
/// `on_code_point(cp)` each escape: decoding and checking share this loop.
template <class Backend = best_backend, class Run, class CodePoint>
errc walk_string(const char*& p, const char* end, Run&& on_run, CodePoint&& on_code_point) {
    const char* run = p;
    for (;;) {
        p = find<stop::string_special, Backend>(p, end);
        if (p == end) return errc::unexpected_end;
        const auto c = static_cast<unsigned char>(*p);
        if (c == '"') {
            on_run(run, p);
            ++p;
            return errc{};
        }
        if (c == '\\') {
            on_run(run, p);
            std::uint32_t cp;
            if (const errc e = decode_escape(p, end, cp); e != errc{}) return e;
            if (const errc e = on_code_point(cp); e != errc{}) return e;
            run = p;
        } else if (c < 0x20) {
            return errc::control_character;
        } else {
            const std::size_t n = utf8_sequence(p, end);
            if (n == 0) return errc::invalid_utf8;
            p += n;
        }
    }
}

// check_string past its first stop: escapes, control characters, UTF-8.
template <class Backend>
[[gnu::noinline]] errc check_string_rest(const char*& p, const char* end) noexcept {
    return walk_string<Backend>(
        p, end, [](const char*, const char*) noexcept {}, [](std::uint32_t) noexcept { return errc{}; });
}

/// Checks a string fully (see walk_string); a plain ASCII string takes one scan.
template <class Backend = best_backend>
inline errc check_string(const char*& p, const char* end) noexcept {
    p = find<stop::string_special, Backend>(p, end);
    if (p != end && *p == '"') {
        ++p;
        return errc{};
    }
    return check_string_rest<Backend>(p, end);
}

/// Skips a string looking only for its closing quote (escapes are stepped
/// over, not checked).
inline errc skip_string(const char*& p, const char* end) noexcept {
    for (;;) {
        p = find<stop::quote_or_escape>(p, end);
        if (p == end) return errc::unexpected_end;
        if (*p == '"') {
            ++p;
            return errc{};
        }
        if (end - p < 2) return errc::unexpected_end;
        p += 2;
    }
}

/// skip_string's usual case, for inlining: the closing quote found a block
/// (16 or 32 bytes) at a time, escapes stepped over. p is just after the
/// opening quote. Returns the position after the closing quote, or null
/// when fewer than a block's bytes are left to scan: then skip_string, run
/// from the same p, decides (the same position, or the error).
template <class Backend = best_backend>
[[gnu::always_inline]] inline const char* skip_string_blocks(const char* p, const char* end) noexcept {
    if constexpr (Backend::width != 0 && std::endian::native == std::endian::little) {
        while (static_cast<std::size_t>(end - p) >= Backend::width) {
            if (const auto m = Backend::template mask<stop::quote_or_escape>(p)) {
                p += std::countr_zero(m) >> Backend::shift;
                if (*p == '"') return p + 1;
                if (end - p < 2) return nullptr; // an escape at the very end
                p += 2;
                continue;
            }
            p += Backend::width;
        }
    }
    static_cast<void>(p);
    static_cast<void>(end);
    return nullptr;
}

/// The position after the literal `word` when it is at p (and the text
/// holds it whole), else null: match_literal's success, for inlining (a
/// word compare). The caller calls match_literal for the error.
template <std::size_t N>
[[gnu::always_inline]] inline const char* skip_literal(const char* p, const char* end, const char (&word)[N]) noexcept {
    constexpr std::size_t n = N - 1;
    if (static_cast<std::size_t>(end - p) >= n && std::memcmp(p, word, n) == 0) return p + n;
    return nullptr;
}

/// Matches the literal `word` ("true", "false" or "null") at p and leaves p
/// after it. Errors: unexpected_end (a prefix of it ends the text), syntax.
template <std::size_t N>
errc match_literal(const char*& p, const char* end, const char (&word)[N]) noexcept {
    constexpr std::size_t n = N - 1;
    if (static_cast<std::size_t>(end - p) >= n) {
        if (std::memcmp(p, word, n) != 0) return errc::syntax;
        p += n;
        return errc{};
    }
    return std::memcmp(p, word, static_cast<std::size_t>(end - p)) == 0 ? errc::unexpected_end : errc::syntax;
}

} // namespace sluice::json::detail
