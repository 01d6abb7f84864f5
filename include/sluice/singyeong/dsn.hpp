#pragma once
// sluice/singyeong/dsn.hpp: 신경 DSNs, `singyeong://app:password@host:port`.
//
// The server's PROTOCOL.md gives the form as the regex
//     s?singyeong://.+(:.+)?@[\w-]+(:\d{1,5})?/?(\?encoding=(json|etf|msgpack))?
// with these examples, all accepted here:
//     singyeong://test@localhost
//     ssingyeong://test:pass-word@localhost
//     singyeong://test@localhost:4567
//     ssingyeong://test:pass~-word@localhost:4921/
//     singyeong://test:pass@localhost:21312?encoding=json
// `ssingyeong://` means TLS (wss). Without a port the port is 80, TLS or not,
// as the protocol document and its reference client say. Beyond the regex,
// hosts may hold dots (a DNS name or IPv4 address) and be a bracketed IPv6
// address. The password is everything between the first ':' and the last
// '@', taken as is (no percent-decoding, as the reference client does).
// etf and msgpack are valid encodings this client does not speak.
//
// Includes: <charconv> (writing the port), <cstdint>, <string>, <string_view>,
// <system_error>; singyeong/errc.hpp.
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

#include <sluice/singyeong/errc.hpp>

namespace sluice::singyeong {

/// A parsed DSN. Every view points into the text given to parse_dsn() and
/// lives as long as that text.
struct dsn {
    std::string_view application; ///< the application id (the user part)
    std::string_view password;    ///< the `auth` sent in identify; empty when none
    bool has_password = false;    ///< a ':' separated a (possibly empty) password
    std::string_view host;        ///< DNS name or address; an IPv6 address without its brackets
    std::uint16_t port = 80;      ///< 80 unless the DSN names one
    bool tls = false;             ///< ssingyeong://: connect with wss

    /// The path and query of the WebSocket endpoint.
    static constexpr std::string_view gateway_target = "/gateway/websocket?encoding=json";

    /// Appends the gateway URL, e.g. "ws://localhost:4567/gateway/websocket?encoding=json".
    void write_url(std::string& out) const {
        out.append(tls ? "wss://" : "ws://");
        const bool v6 = host.find(':') != std::string_view::npos;
        if (v6) out.push_back('[');
        out.append(host);
        if (v6) out.push_back(']');
        char buf[8];
        const auto r = std::to_chars(buf, buf + sizeof buf, port);
        out.push_back(':');
        out.append(buf, static_cast<std::size_t>(r.ptr - buf));
        out.append(gateway_target);
    }
    /// The gateway URL as a new string.
    std::string url() const {
        std::string s;
        write_url(s);
        return s;
    }
};

/// Parses `text` into `out` (views into `text`). On error `out` is left
/// unspecified and the caller fixes its configuration.
/// Errors: dsn_bad_scheme, dsn_missing_app, dsn_missing_host, dsn_bad_port,
/// dsn_bad_encoding, dsn_unsupported_encoding (etf, msgpack),
/// dsn_trailing_garbage.
inline std::error_code parse_dsn(std::string_view text, dsn& out) noexcept {
    out = dsn{};
    constexpr std::string_view plain = "singyeong://", secure = "ssingyeong://";
    if (text.starts_with(secure)) {
        out.tls = true;
        text.remove_prefix(secure.size());
    } else if (text.starts_with(plain)) {
        text.remove_prefix(plain.size());
    } else {
        return errc::dsn_bad_scheme;
    }
    // The authority ends at the first '/' or '?' after the last '@' (a
    // password may hold '/', '?' or '@').
    const std::size_t at = text.rfind('@');
    if (at == std::string_view::npos || at == 0) return errc::dsn_missing_app;
    const std::string_view user = text.substr(0, at);
    text.remove_prefix(at + 1);
    const std::size_t colon = user.find(':');
    out.application = user.substr(0, colon);
    if (out.application.empty()) return errc::dsn_missing_app;
    if (colon != std::string_view::npos) {
        out.has_password = true;
        out.password = user.substr(colon + 1);
    }

    std::size_t host_end = 0;
    if (!text.empty() && text.front() == '[') { // [IPv6]
        const std::size_t close = text.find(']');
        if (close == std::string_view::npos || close == 1) return errc::dsn_missing_host;
        out.host = text.substr(1, close - 1);
        host_end = close + 1;
    } else {
        while (host_end < text.size()) {
            const char c = text[host_end];
            const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                            c == '_' || c == '.';
            if (!ok) break;
            ++host_end;
        }
        out.host = text.substr(0, host_end);
        if (out.host.empty()) return errc::dsn_missing_host;
    }
    text.remove_prefix(host_end);

    if (!text.empty() && text.front() == ':') {
        text.remove_prefix(1);
        std::size_t n = 0;
        std::uint32_t value = 0;
        for (; n < text.size() && n < 6 && text[n] >= '0' && text[n] <= '9'; ++n)
            value = value * 10 + static_cast<std::uint32_t>(text[n] - '0');
        if (n == 0 || n > 5 || value == 0 || value > 65535) return errc::dsn_bad_port;
        out.port = static_cast<std::uint16_t>(value);
        text.remove_prefix(n);
    }
    if (!text.empty() && text.front() == '/') text.remove_prefix(1);
    if (text.empty()) return {};
    if (text.front() != '?') return errc::dsn_trailing_garbage;
    text.remove_prefix(1);
    constexpr std::string_view key = "encoding=";
    if (!text.starts_with(key)) return errc::dsn_trailing_garbage;
    text.remove_prefix(key.size());
    if (text == "json") return {};
    if (text == "etf" || text == "msgpack") return errc::dsn_unsupported_encoding;
    return errc::dsn_bad_encoding;
}

} // namespace sluice::singyeong
