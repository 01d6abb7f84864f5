#pragma once
// Helpers for the WebSocket tests: a scripted server side (frames, the 101
// answer) and a recorder of what a ws::client hands out.
#include <sluice/ws/client.hpp>

#include <cstdint>
#include <ostream> // doctest prints std::error_code with it
#include <string>
#include <string_view>
#include <vector>

namespace ws_test {

/// A server frame: unmasked unless `mask` is set. `len_bytes` forces the
/// length form (0: shortest, 2: 16-bit, 8: 64-bit) to build non-minimal lengths.
inline std::string frame(std::uint8_t op, std::string_view payload, bool fin = true, std::uint8_t rsv = 0, bool mask = false,
                         int len_bytes = 0) {
    std::string f;
    f += static_cast<char>((fin ? 0x80 : 0) | (rsv << 4) | op);
    const std::uint64_t n = payload.size();
    const std::uint8_t m = mask ? 0x80 : 0;
    if (len_bytes == 0) len_bytes = n < 126 ? 0 : n <= 0xFFFF ? 2 : 8;
    if (len_bytes == 0) {
        f += static_cast<char>(m | n);
    } else if (len_bytes == 2) {
        f += static_cast<char>(m | 126);
        f += static_cast<char>(n >> 8);
        f += static_cast<char>(n);
    } else {
        f += static_cast<char>(m | 127);
        for (int i = 7; i >= 0; --i) f += static_cast<char>(n >> (8 * i));
    }
    if (mask) f += std::string("\x01\x02\x03\x04", 4);
    for (std::size_t i = 0; i < payload.size(); ++i) f += static_cast<char>(payload[i] ^ (mask ? "\x01\x02\x03\x04"[i % 4] : 0));
    return f;
}
inline std::string text(std::string_view p, bool fin = true) { return frame(0x1, p, fin); }
inline std::string binary(std::string_view p, bool fin = true) { return frame(0x2, p, fin); }
inline std::string cont(std::string_view p, bool fin = true) { return frame(0x0, p, fin); }
inline std::string ping(std::string_view p) { return frame(0x9, p); }
inline std::string pong(std::string_view p) { return frame(0xA, p); }
inline std::string close(std::uint16_t code, std::string_view reason = {}) {
    std::string p;
    p += static_cast<char>(code >> 8);
    p += static_cast<char>(code & 0xFF);
    p.append(reason);
    return frame(0x8, p);
}

/// The value of a header in a raw HTTP request.
inline std::string header_of(std::string_view request, std::string_view name) {
    const std::string needle = "\r\n" + std::string(name) + ": ";
    const auto at = request.find(needle);
    if (at == std::string_view::npos) return {};
    const auto start = at + needle.size();
    return std::string(request.substr(start, request.find("\r\n", start) - start));
}

/// A correct 101 for `request`, with extra header lines.
inline std::string accept_response(std::string_view request, std::string_view extra = {}) {
    const auto accept = sluice::ws::accept_for(header_of(request, "Sec-WebSocket-Key"));
    return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
           std::string(accept.data(), accept.size()) + "\r\n" + std::string(extra) + "\r\n";
}

/// One client frame decoded (and unmasked) by the test.
struct client_frame {
    std::uint8_t op = 0;
    bool fin = false;
    std::string payload;
    std::uint32_t key = 0;
};

/// Decodes a run of client frames; every one must be masked. Returns false on malformed input.
inline bool decode_client_frames(std::string_view s, std::vector<client_frame>& out) {
    while (!s.empty()) {
        if (s.size() < 2) return false;
        client_frame f;
        const auto b0 = static_cast<unsigned char>(s[0]), b1 = static_cast<unsigned char>(s[1]);
        f.fin = b0 & 0x80;
        f.op = b0 & 0x0F;
        if (!(b1 & 0x80)) return false;
        std::uint64_t n = b1 & 0x7F;
        std::size_t at = 2;
        if (n == 126) {
            n = static_cast<std::uint64_t>(static_cast<unsigned char>(s[2])) << 8 | static_cast<unsigned char>(s[3]);
            at = 4;
        } else if (n == 127) {
            n = 0;
            for (int i = 0; i < 8; ++i) n = n << 8 | static_cast<unsigned char>(s[2 + static_cast<std::size_t>(i)]);
            at = 10;
        }
        if (s.size() < at + 4 + n) return false;
        unsigned char key[4];
        for (int i = 0; i < 4; ++i) key[i] = static_cast<unsigned char>(s[at + static_cast<std::size_t>(i)]);
        f.key = std::uint32_t{key[0]} << 24 | std::uint32_t{key[1]} << 16 | std::uint32_t{key[2]} << 8 | key[3];
        at += 4;
        for (std::uint64_t i = 0; i < n; ++i) f.payload += static_cast<char>(s[at + i] ^ key[i % 4]);
        out.push_back(std::move(f));
        s.remove_prefix(at + n);
    }
    return true;
}

/// One polled action, copied.
struct record {
    sluice::ws::action_kind kind;
    sluice::message_type type;
    std::uint16_t close_code;
    std::uint16_t http_status;
    std::error_code error;
    std::string bytes;
    bool operator==(const record&) const = default;
};

inline const char* kind_name(sluice::ws::action_kind k) {
    using sluice::ws::action_kind;
    switch (k) {
    case action_kind::none: return "none";
    case action_kind::transmit: return "transmit";
    case action_kind::close_transport: return "close_transport";
    case action_kind::open: return "open";
    case action_kind::message: return "message";
    case action_kind::ping: return "ping";
    case action_kind::pong: return "pong";
    case action_kind::closed: return "closed";
    }
    return "?";
}

inline std::ostream& operator<<(std::ostream& os, const record& r) {
    os << kind_name(r.kind) << " type=" << int(r.type) << " code=" << r.close_code << " http=" << r.http_status
       << " error=" << r.error.message() << " bytes(" << r.bytes.size() << ")=";
    os << (r.bytes.size() <= 40 ? r.bytes : r.bytes.substr(0, 40) + "...");
    return os;
}

/// Drains `c` into records.
inline std::vector<record> drain(sluice::ws::client& c) {
    std::vector<record> out;
    while (const auto* e = c.poll())
        out.push_back({e->action.kind, e->action.type, e->action.close_code, e->action.http_status, e->action.error, std::string(e->bytes)});
    return out;
}

/// Only the events (no transmits / close_transport).
inline std::vector<record> events_of(const std::vector<record>& rs) {
    std::vector<record> out;
    for (const auto& r : rs)
        if (r.kind != sluice::ws::action_kind::transmit && r.kind != sluice::ws::action_kind::close_transport) out.push_back(r);
    return out;
}

/// The client frames among the transmits (the first transmit, the upgrade request, skipped when `skip_request`).
inline std::vector<client_frame> sent_frames(const std::vector<record>& rs, bool skip_request = false) {
    std::vector<client_frame> out;
    for (const auto& r : rs) {
        if (r.kind != sluice::ws::action_kind::transmit) continue;
        if (skip_request && r.bytes.starts_with("GET ")) continue;
        decode_client_frames(r.bytes, out);
    }
    return out;
}

inline sluice::instant at_ms(std::int64_t ms) { return sluice::instant::from_ns(ms * 1'000'000); }

/// A client that has completed its handshake; `records` holds what it produced so far.
struct open_client {
    sluice::xoshiro256 rng{7};
    sluice::ws::client c;
    std::string request;
    explicit open_client(sluice::ws::client_options o = {}, std::string_view extra_response = {}) : c(rng, o) {
        (void)c.start({.host = "example.com", .port = 80, .tls = false, .target = "/chat"}, at_ms(0));
        const auto rs = drain(c);
        request = rs.at(0).bytes;
        c.receive(accept_response(request, extra_response), at_ms(1));
        drain(c);
    }
};

} // namespace ws_test
