#pragma once
// sluice/ws/url.hpp: splitting a ws:// or wss:// URL (RFC 6455 §3) into
// what the caller connects to and what the upgrade request names.
//
// Includes: <cstdint>, <string_view>, <system_error>; ws/error.hpp.
#include <cstdint>
#include <string_view>
#include <system_error>

#include <sluice/ws/error.hpp>

namespace sluice::ws {

/// A parsed WebSocket URL; views into the string given to parse_url().
struct url {
    bool tls = false;           ///< wss://
    std::string_view host;      ///< without brackets for IPv6 literals ("::1")
    std::uint16_t port = 0;     ///< explicit, or 80 / 443 by scheme
    std::string_view target;    ///< path and query, "/" when the URL has none
    bool default_port() const noexcept { return port == (tls ? 443 : 80); }
};

/// Parses "ws://host[:port][/path][?query]" or "wss://...". The scheme is
/// case-insensitive. Returns errc::bad_url (condition::misuse) for anything
/// else, including user info ("user@host"), fragments ("#x", forbidden by
/// RFC 6455 §3), an empty host and ports outside 1..65535.
inline std::error_code parse_url(std::string_view s, url& out) noexcept {
    const auto bad = make_error_code(errc::bad_url);
    auto starts_with_nocase = [&](std::string_view prefix) {
        if (s.size() < prefix.size()) return false;
        for (std::size_t i = 0; i < prefix.size(); ++i) {
            char c = s[i];
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
            if (c != prefix[i]) return false;
        }
        return true;
    };
    url u;
    if (starts_with_nocase("wss://")) {
        u.tls = true;
        s.remove_prefix(6);
    } else if (starts_with_nocase("ws://")) {
        s.remove_prefix(5);
    } else {
        return bad;
    }
    if (s.find('#') != std::string_view::npos) return bad;
    const std::size_t path_at = s.find_first_of("/?");
    std::string_view authority = s.substr(0, path_at);
    u.target = path_at == std::string_view::npos ? std::string_view("/") : s.substr(path_at);
    if (!u.target.empty() && u.target.front() == '?') return bad; // "ws://h?x" has no path; keep it simple and strict
    for (char c : u.target)
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return bad;
    if (authority.find('@') != std::string_view::npos) return bad;
    std::string_view port;
    if (!authority.empty() && authority.front() == '[') {
        const std::size_t close = authority.find(']');
        if (close == std::string_view::npos) return bad;
        u.host = authority.substr(1, close - 1);
        const std::string_view rest = authority.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return bad;
            port = rest.substr(1);
            if (port.empty()) return bad;
        }
    } else {
        const std::size_t colon = authority.find(':');
        u.host = authority.substr(0, colon);
        if (colon != std::string_view::npos) {
            port = authority.substr(colon + 1);
            if (port.empty()) return bad;
        }
    }
    if (u.host.empty()) return bad;
    for (char c : u.host)
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '/' || c == '[' || c == ']') return bad;
    if (port.empty()) {
        u.port = u.tls ? 443 : 80;
    } else {
        std::uint32_t p = 0;
        if (port.size() > 5) return bad;
        for (char c : port) {
            if (c < '0' || c > '9') return bad;
            p = p * 10 + static_cast<std::uint32_t>(c - '0');
        }
        if (p == 0 || p > 65535) return bad;
        u.port = static_cast<std::uint16_t>(p);
    }
    out = u;
    return {};
}

} // namespace sluice::ws
