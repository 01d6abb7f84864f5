#pragma once
// The server side of a WebSocket, as the byte-mode tests script it
// (Nightingale, i386chat, singyeong; socketio and navigator through
// tests/socketio/bytes.hpp): unmasked server frames, the 101 answer, and the
// client's masked frames decoded back.
#include <sluice/ws/handshake.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace peer_wire {

/// An unmasked server frame with opcode `op` (FIN clear when `fin` is false: more fragments follow).
inline std::string frame(std::uint8_t op, std::string_view payload, bool fin = true) {
    std::string f;
    f += static_cast<char>((fin ? 0x80 : 0) | op);
    const std::uint64_t n = payload.size();
    if (n < 126) {
        f += static_cast<char>(n);
    } else if (n <= 0xFFFF) {
        f += static_cast<char>(126);
        f += static_cast<char>(n >> 8);
        f += static_cast<char>(n & 0xFF);
    } else {
        f += static_cast<char>(127);
        for (int i = 7; i >= 0; --i) f += static_cast<char>((n >> (8 * i)) & 0xFF);
    }
    f.append(payload);
    return f;
}
inline std::string text(std::string_view payload) { return frame(0x1, payload); }
inline std::string binary(std::string_view payload) { return frame(0x2, payload); }
inline std::string close(std::uint16_t code) {
    std::string p;
    p += static_cast<char>(code >> 8);
    p += static_cast<char>(code & 0xFF);
    return frame(0x8, p);
}

/// The value of header `name` in a raw HTTP request ("" when absent).
inline std::string header_of(std::string_view request, std::string_view name) {
    const std::string needle = "\r\n" + std::string(name) + ": ";
    const auto at = request.find(needle);
    if (at == std::string_view::npos) return {};
    const auto start = at + needle.size();
    return std::string(request.substr(start, request.find("\r\n", start) - start));
}

/// A correct 101 answer to `request`.
inline std::string accept_response(std::string_view request) {
    const auto accept = sluice::ws::accept_for(header_of(request, "Sec-WebSocket-Key"));
    return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
           std::string(accept.data(), accept.size()) + "\r\n\r\n";
}

/// One client frame, unmasked.
struct client_frame {
    std::uint8_t op = 0;
    std::string payload;
};

/// Decodes a run of complete, masked client frames; false on anything else.
inline bool decode_client_frames(std::string_view s, std::vector<client_frame>& out) {
    while (!s.empty()) {
        if (s.size() < 2) return false;
        const auto b0 = static_cast<unsigned char>(s[0]), b1 = static_cast<unsigned char>(s[1]);
        if (!(b1 & 0x80)) return false;
        std::uint64_t n = b1 & 0x7F;
        std::size_t at = 2;
        if (n == 126 || n == 127) {
            const std::size_t bytes = n == 126 ? 2 : 8;
            if (s.size() < at + bytes) return false;
            n = 0;
            for (std::size_t i = 0; i < bytes; ++i) n = (n << 8) | static_cast<unsigned char>(s[at + i]);
            at += bytes;
        }
        if (s.size() < at + 4 + n) return false;
        const std::string_view key = s.substr(at, 4);
        at += 4;
        client_frame f;
        f.op = b0 & 0x0F;
        for (std::uint64_t i = 0; i < n; ++i) f.payload += static_cast<char>(s[at + i] ^ key[i % 4]);
        out.push_back(std::move(f));
        s.remove_prefix(at + n);
    }
    return true;
}

} // namespace peer_wire
