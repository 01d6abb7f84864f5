#pragma once
// sluice/http/syntax.hpp: the character classes and comparisons of HTTP/1.1
// (RFC 9110 §5.6): tokens, field values, case-insensitive names and lists;
// and `field`, the name/value pair both the writer and the parser use.
//
// Includes: <cstddef>, <string_view> only; everything here is constexpr.
#include <cstddef>
#include <string_view>

namespace sluice::http {

/// One header field: a name and its value (views; the owner says how long they live).
struct field {
    std::string_view name;
    std::string_view value;
};

/// tchar of RFC 9110 §5.6.2: the characters of a method or a header name.
constexpr bool is_token_char(char c) noexcept {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~': return true;
    default: return false;
    }
}

/// A non-empty run of token characters.
constexpr bool is_token(std::string_view s) noexcept {
    if (s.empty()) return false;
    for (char c : s)
        if (!is_token_char(c)) return false;
    return true;
}

/// A character allowed inside a field value or reason phrase: visible ASCII,
/// space, tab, or obs-text (bytes >= 0x80). Control characters are not.
constexpr bool is_field_char(char c) noexcept {
    const auto u = static_cast<unsigned char>(c);
    return u == '\t' || (u >= 0x20 && u != 0x7f);
}

constexpr char ascii_lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c; }

/// ASCII case-insensitive equality (header names, tokens like "websocket").
constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    return true;
}

/// `s` without leading and trailing spaces and tabs (OWS).
constexpr std::string_view trim_ows(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

/// Calls f(element) for each non-empty element of a comma-separated list
/// (RFC 9110 §5.6.1), with surrounding whitespace trimmed. Stops early and
/// returns true when f returns true.
template <class F>
constexpr bool for_each_list_element(std::string_view list, F&& f) {
    while (true) {
        const std::size_t comma = list.find(',');
        const std::string_view element = trim_ows(list.substr(0, comma));
        if (!element.empty() && f(element)) return true;
        if (comma == std::string_view::npos) return false;
        list.remove_prefix(comma + 1);
    }
}

/// True when the comma-separated `list` holds `token`, compared case-insensitively
/// ("Connection: keep-alive, Upgrade" holds "upgrade").
constexpr bool list_contains(std::string_view list, std::string_view token) noexcept {
    return for_each_list_element(list, [&](std::string_view e) { return iequals(e, token); });
}

} // namespace sluice::http
