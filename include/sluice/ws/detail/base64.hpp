#pragma once
// sluice/ws/detail/base64.hpp: base64 (RFC 4648 §4, with padding) for the
// WebSocket key and accept values. Internal: not part of the public API.
//
// Includes: <cstddef>, <cstdint>, <string_view>.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sluice::ws::detail {

inline constexpr char base64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// The encoded size of `n` bytes.
constexpr std::size_t base64_size(std::size_t n) noexcept { return (n + 2) / 3 * 4; }

/// Writes base64(in) to `out`, which must hold base64_size(n) characters.
/// Returns the number written.
constexpr std::size_t base64_encode(const std::uint8_t* in, std::size_t n, char* out) noexcept {
    std::size_t o = 0, i = 0;
    for (; i + 3 <= n; i += 3) {
        const std::uint32_t v = std::uint32_t{in[i]} << 16 | std::uint32_t{in[i + 1]} << 8 | in[i + 2];
        out[o++] = base64_alphabet[v >> 18];
        out[o++] = base64_alphabet[(v >> 12) & 63];
        out[o++] = base64_alphabet[(v >> 6) & 63];
        out[o++] = base64_alphabet[v & 63];
    }
    if (n - i == 1) {
        const std::uint32_t v = std::uint32_t{in[i]} << 16;
        out[o++] = base64_alphabet[v >> 18];
        out[o++] = base64_alphabet[(v >> 12) & 63];
        out[o++] = '=';
        out[o++] = '=';
    } else if (n - i == 2) {
        const std::uint32_t v = std::uint32_t{in[i]} << 16 | std::uint32_t{in[i + 1]} << 8;
        out[o++] = base64_alphabet[v >> 18];
        out[o++] = base64_alphabet[(v >> 12) & 63];
        out[o++] = base64_alphabet[(v >> 6) & 63];
        out[o++] = '=';
    }
    return o;
}

constexpr int base64_value(char c) noexcept {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

/// Decodes canonical padded base64 into `out` (room for in.size() / 4 * 3
/// bytes). Returns the number of bytes, or -1 when `in` is not valid base64
/// (wrong length, bad character, misplaced padding, non-zero pad bits).
constexpr std::ptrdiff_t base64_decode(std::string_view in, std::uint8_t* out) noexcept {
    if (in.size() % 4 != 0) return -1;
    std::size_t o = 0;
    for (std::size_t i = 0; i < in.size(); i += 4) {
        const bool last = i + 4 == in.size();
        const int pad = last ? (in[i + 3] == '=') + (in[i + 2] == '=' && in[i + 3] == '=') : 0;
        int v[4];
        for (int k = 0; k < 4 - pad; ++k)
            if ((v[k] = base64_value(in[i + static_cast<std::size_t>(k)])) < 0) return -1;
        for (int k = 4 - pad; k < 4; ++k) v[k] = 0;
        const std::uint32_t w = static_cast<std::uint32_t>(v[0] << 18 | v[1] << 12 | v[2] << 6 | v[3]);
        out[o++] = static_cast<std::uint8_t>(w >> 16);
        if (pad < 2) out[o++] = static_cast<std::uint8_t>(w >> 8);
        if (pad < 1) out[o++] = static_cast<std::uint8_t>(w);
        if ((pad == 1 && (w & 0xff) != 0) || (pad == 2 && (w & 0xffff) != 0)) return -1; // non-canonical
    }
    return static_cast<std::ptrdiff_t>(o);
}

} // namespace sluice::ws::detail
