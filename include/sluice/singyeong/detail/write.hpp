#pragma once
// sluice/singyeong/detail/write.hpp: the few JSON writing primitives the
// singyeong encoders need (strings, integers, doubles), appended straight
// into the caller's buffer.
//
// Includes: <charconv> for to_chars, <cmath> for isfinite, <cstdint>,
// <string>, <string_view>.
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::singyeong::detail {

/// Appends `s` as a JSON string: quotes, and escapes for '"', '\\' and
/// control characters. `s` is expected to be UTF-8; bytes >= 0x80 pass through.
inline void write_string(std::string& out, std::string_view s) {
    constexpr char hex[] = "0123456789abcdef";
    out.push_back('"');
    std::size_t run = 0; // start of the run of bytes that need no escape
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out.append(s.data() + run, i - run);
        run = i + 1;
        out.push_back('\\');
        switch (c) {
        case '"': out.push_back('"'); break;
        case '\\': out.push_back('\\'); break;
        case '\n': out.push_back('n'); break;
        case '\r': out.push_back('r'); break;
        case '\t': out.push_back('t'); break;
        case '\b': out.push_back('b'); break;
        case '\f': out.push_back('f'); break;
        default:
            out.append("u00");
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        }
    }
    out.append(s.data() + run, s.size() - run);
    out.push_back('"');
}

inline void write_int(std::string& out, std::int64_t v) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

inline void write_uint(std::string& out, std::uint64_t v) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

/// Appends `v` in the shortest form that reads back the same, always with a
/// '.' or an exponent so that the reader sees a float (1.0, not 1): the
/// singyeong server checks `float` metadata with is_float. Returns false
/// (appending nothing) for NaN and infinities, which JSON cannot hold.
inline bool write_double(std::string& out, double v) {
    if (!std::isfinite(v)) return false;
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    const std::string_view s(buf, static_cast<std::size_t>(r.ptr - buf));
    out.append(s);
    if (s.find_first_of(".eE") == std::string_view::npos) out.append(".0");
    return true;
}

} // namespace sluice::singyeong::detail
