#pragma once
// Server-side WebSocket bytes for byte-mode tests: the 101 answer to a
// client's upgrade request, and unmasked server frames.
#include <sluice/ws/handshake.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace sio_bytes {

/// An unmasked server frame (fin set unless `more` follows).
inline std::string frame(std::uint8_t opcode, std::string_view payload, bool fin = true) {
    std::string f;
    f += static_cast<char>((fin ? 0x80 : 0) | opcode);
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
inline std::string text(std::string_view p) { return frame(0x1, p); }
inline std::string binary(std::string_view p) { return frame(0x2, p); }

/// The 101 answer to the upgrade request `request` (its Sec-WebSocket-Key).
inline std::string switching_protocols(std::string_view request) {
    constexpr std::string_view name = "Sec-WebSocket-Key: ";
    const auto at = request.find(name);
    const auto end = request.find("\r\n", at);
    const std::string_view key = request.substr(at + name.size(), end - at - name.size());
    const auto accept = sluice::ws::accept_for(key);
    return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
           std::string(accept.data(), accept.size()) + "\r\n\r\n";
}

} // namespace sio_bytes
