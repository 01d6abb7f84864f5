#pragma once
// sluice/ws/handshake.hpp: the client side of the opening handshake
// (RFC 6455 §4.1): writing the upgrade request and checking the response.
//
// ws::client uses these; they are public so an adapter that does its own
// HTTP can still reuse the checks.
//
// Includes: <array>, <cstddef>, <cstdint>, <string>, <string_view>,
// <system_error>; core/entropy.hpp (the key), http/request.hpp,
// http/response_parser.hpp, ws/detail/{base64,sha1}.hpp, ws/error.hpp.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

#include <sluice/core/entropy.hpp>
#include <sluice/http/request.hpp>
#include <sluice/http/response_parser.hpp>
#include <sluice/ws/detail/base64.hpp>
#include <sluice/ws/detail/sha1.hpp>
#include <sluice/ws/error.hpp>

namespace sluice::ws {

/// What the upgrade request says. Views; only read during client::start().
struct upgrade_request {
    std::string_view host{};        ///< as in the URL; IPv6 literals without brackets
    std::uint16_t port = 80;       ///< written into Host unless it is the scheme's default
    bool tls = false;              ///< wss (only decides the default port)
    std::string_view target = "/"; ///< path and query
    /// Offered subprotocols, comma-separated ("chat, superchat"); "" for none.
    std::string_view subprotocols{};
    /// Extra header lines, each "Name: value\r\n" (e.g. Authorization), as in
    /// sluice::open_request::header_block.
    std::string_view header_block{};
};

/// The 24-character Sec-WebSocket-Key and the 28-character accept value the
/// server must answer with.
struct handshake_key {
    std::array<char, 24> key{};
    std::array<char, 28> accept{};
    std::string_view key_view() const noexcept { return {key.data(), key.size()}; }
    std::string_view accept_view() const noexcept { return {accept.data(), accept.size()}; }
};

/// base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")) (RFC 6455 §4.2.2).
inline std::array<char, 28> accept_for(std::string_view key) noexcept {
    detail::sha1 h;
    h.update(key);
    h.update("258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
    const auto digest = h.digest();
    std::array<char, 28> out{};
    detail::base64_encode(digest.data(), digest.size(), out.data());
    return out;
}

/// A fresh key: 16 bytes from `rng`, base64-encoded (RFC 6455 §4.1).
inline handshake_key make_handshake_key(entropy rng) noexcept {
    std::uint8_t raw[16];
    for (std::size_t i = 0; i < 16; i += 8) {
        const std::uint64_t r = rng.next();
        for (std::size_t k = 0; k < 8; ++k) raw[i + k] = static_cast<std::uint8_t>(r >> (8 * k));
    }
    handshake_key k;
    detail::base64_encode(raw, 16, k.key.data());
    k.accept = accept_for(k.key_view());
    return k;
}

/// Appends the upgrade request to `out`. Returns errc::bad_request_header
/// (condition::misuse) when the host, target, a subprotocol or an extra
/// header is not valid HTTP; `out` is then as it was.
inline std::error_code write_upgrade_request(std::string& out, const upgrade_request& req, std::string_view key) {
    const std::size_t start = out.size();
    auto bad = [&] {
        out.resize(start);
        return make_error_code(errc::bad_request_header);
    };
    if (req.host.empty()) return bad();
    const bool ipv6 = req.host.find(':') != std::string_view::npos;
    for (char c : req.host)
        if (!http::is_field_char(c) || c == ' ' || c == '\t') return bad();
    bool protocols_ok = true;
    http::for_each_list_element(req.subprotocols, [&](std::string_view p) {
        protocols_ok = protocols_ok && http::is_token(p);
        return !protocols_ok;
    });
    if (!protocols_ok) return bad();

    http::request_writer w(out, "GET", req.target);
    // Host: the authority, with brackets for IPv6 and the port unless default.
    char host_buf[300];
    std::size_t n = 0;
    if (req.host.size() > 255) return bad();
    if (ipv6) host_buf[n++] = '[';
    for (char c : req.host) host_buf[n++] = c;
    if (ipv6) host_buf[n++] = ']';
    if (req.port != (req.tls ? 443 : 80)) {
        char digits[6];
        std::size_t d = 0;
        for (std::uint32_t p = req.port; p != 0 || d == 0; p /= 10) digits[d++] = static_cast<char>('0' + p % 10);
        host_buf[n++] = ':';
        while (d != 0) host_buf[n++] = digits[--d];
    }
    w.header("Host", std::string_view(host_buf, n))
        .header("Upgrade", "websocket")
        .header("Connection", "Upgrade")
        .header("Sec-WebSocket-Key", key)
        .header("Sec-WebSocket-Version", "13");
    if (!http::trim_ows(req.subprotocols).empty()) w.header("Sec-WebSocket-Protocol", req.subprotocols);
    w.header_block(req.header_block);
    if (w.finish()) return bad();
    return {};
}

/// Checks a complete response head against RFC 6455 §4.1 (client steps 1-6).
/// On success `selected` is the subprotocol the server chose ("" for none; a
/// view into the parser's head). Returns, in this order of checks:
/// upgrade_refused (status not 101), bad_upgrade_header, bad_connection_header,
/// bad_accept, unrequested_extension, unrequested_subprotocol.
inline std::error_code check_upgrade_response(const http::response_parser& p, std::string_view expected_accept,
                                              std::string_view offered, std::string_view& selected) noexcept {
    if (p.status() != 101) return make_error_code(errc::upgrade_refused);
    if (!http::list_contains(p.header("upgrade"), "websocket")) return make_error_code(errc::bad_upgrade_header);
    if (!http::list_contains(p.header("connection"), "upgrade")) return make_error_code(errc::bad_connection_header);
    if (p.count("sec-websocket-accept") != 1 || p.header("sec-websocket-accept") != expected_accept)
        return make_error_code(errc::bad_accept);
    for (std::size_t i = 0; i < p.header_count(); ++i) {
        const http::field f = p.header_at(i);
        if (http::iequals(f.name, "sec-websocket-extensions") && !f.value.empty())
            return make_error_code(errc::unrequested_extension); // we offer none
    }
    selected = {};
    const std::size_t nproto = p.count("sec-websocket-protocol");
    if (nproto > 1) return make_error_code(errc::unrequested_subprotocol);
    if (nproto == 1) {
        const std::string_view chosen = p.header("sec-websocket-protocol");
        // Exactly one of the offered tokens (subprotocol names are case-sensitive).
        const bool ok = http::is_token(chosen) &&
                        http::for_each_list_element(offered, [&](std::string_view e) { return e == chosen; });
        if (!ok) return make_error_code(errc::unrequested_subprotocol);
        selected = chosen;
    }
    return {};
}

} // namespace sluice::ws
