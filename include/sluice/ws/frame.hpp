#pragma once
// sluice/ws/frame.hpp: RFC 6455 §5 framing for a client: the wire opcodes,
// the incremental parser of server frames, and the writer of masked client
// frames.
//
// The parser is a small standalone type, testable without a connection: it
// checks everything a single frame and the order of frames can get wrong,
// one precise error each. Message-level rules (UTF-8, size limits, close
// payloads) belong to ws::client.
//
// Includes: <cstddef>, <cstdint>, <cstring> (memcpy), <string>, <string_view>,
// <system_error>; ws/error.hpp.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>

#include <sluice/ws/error.hpp>

namespace sluice::ws {

/// Frame opcodes (RFC 6455 §5.2). 3-7 and 11-15 are reserved.
enum class opcode : std::uint8_t { continuation = 0x0, text = 0x1, binary = 0x2, close = 0x8, ping = 0x9, pong = 0xA };

/// Close, ping and pong: never fragmented, at most 125 bytes, allowed inside a fragmented message.
constexpr bool is_control(opcode op) noexcept { return (static_cast<std::uint8_t>(op) & 0x8) != 0; }
/// Whether a 4-bit opcode value is one RFC 6455 defines.
constexpr bool is_known_opcode(std::uint8_t op) noexcept { return op <= 0x2 || (op >= 0x8 && op <= 0xA); }

/// The fields of a frame header.
struct frame_header {
    opcode op = opcode::continuation;
    bool fin = false;
    std::uint64_t length = 0; ///< payload bytes
};

/// Parses the frames a server sends, from bytes split anywhere.
///
///     ws::frame_parser p;
///     std::string_view in = bytes;
///     for (;;) {
///         auto s = p.next(in);                       // advances `in`
///         if (s.kind == frame_parser::step_kind::need_more) break;
///         if (s.kind == frame_parser::step_kind::error) { p.error(); break; }
///         if (s.kind == frame_parser::step_kind::header) { p.header(); }
///         if (s.kind == frame_parser::step_kind::payload) { s.payload; }  // a piece of the payload
///         if (s.frame_done) { /* the frame is complete */ }
///     }
///
/// A header step comes first for each frame, then payload steps until
/// frame_done (a frame with no payload is done at its header step). When the
/// whole payload is already in the input it comes as one step: frames are
/// parsed in place, never copied. After an error the parser stays failed.
class frame_parser {
public:
    enum class step_kind : std::uint8_t {
        need_more, ///< `in` is used up (a partial header is kept inside); feed more bytes
        header,    ///< a frame header was parsed; see header()
        payload,   ///< step::payload is the next piece of the current frame's payload
        error,     ///< the server broke RFC 6455; see error(); fatal
    };
    struct step {
        step_kind kind = step_kind::need_more;
        /// For payload steps: a view into the input given to next(), valid as long as those bytes are.
        std::string_view payload;
        /// The current frame is complete (its last payload byte, or its header when empty).
        bool frame_done = false;
    };

    /// Consumes bytes from the front of `in` up to the next step.
    step next(std::string_view& in) noexcept {
        if (ec_) return {step_kind::error, {}, false};
        if (remaining_ != 0) {
            if (in.empty()) return {};
            const std::size_t n = remaining_ < in.size() ? static_cast<std::size_t>(remaining_) : in.size();
            const std::string_view piece = in.substr(0, n);
            in.remove_prefix(n);
            remaining_ -= n;
            return {step_kind::payload, piece, remaining_ == 0};
        }
        return next_header(in);
    }

    /// The common case in one step: when the parser is between messages and
    /// `in` starts with a whole unfragmented text or binary frame (FIN set, no
    /// reserved bits, unmasked, payload of at most `max_payload` bytes, 7- or
    /// 16-bit length), consumes it, sets header() as the header step would and
    /// returns its payload (a view into `in`'s bytes). Returns false and
    /// consumes nothing otherwise; next() then gives the same frame in steps,
    /// with any error it has. Never fails the parser.
    bool next_whole_message(std::string_view& in, std::size_t max_payload, std::string_view& payload) noexcept {
        if (remaining_ != 0 || have_ != 0 || in_message_ || in.size() < 2 || ec_) return false;
        const auto* h = reinterpret_cast<const unsigned char*>(in.data());
        if (h[0] != 0x81 && h[0] != 0x82) return false; // FIN, no RSV, opcode text (1) or binary (2)
        std::size_t size = h[1]; // 0..125, or 126: a 16-bit length (the mask bit is clear)
        std::size_t at = 2;
        if (size == 126) {
            if (in.size() < 4) return false;
            size = std::size_t{h[2]} << 8 | h[3];
            if (size < 126) return false; // non-minimal: next() reports it
            at = 4;
        } else if (size > 126) {
            return false; // 64-bit length or the mask bit
        }
        if (size > max_payload || in.size() - at < size) return false;
        header_.fin = true;
        header_.op = opcode{static_cast<std::uint8_t>(h[0] & 0x0F)};
        header_.length = size;
        payload = in.substr(at, size);
        in.remove_prefix(at + size);
        return true;
    }

    /// The header of the current frame, after a header step.
    const frame_header& header() const noexcept { return header_; }
    /// Payload bytes of the current frame not yet returned.
    std::uint64_t payload_remaining() const noexcept { return remaining_; }
    /// True between the first and the last frame of a fragmented message.
    bool in_message() const noexcept { return in_message_; }
    /// Why parsing failed; empty before a failure.
    std::error_code error() const noexcept { return ec_; }
    /// Back to the start of a stream (a new connection).
    void reset() noexcept { *this = frame_parser{}; }

private:
    step fail(errc e) noexcept {
        ec_ = make_error_code(e);
        return {step_kind::error, {}, false};
    }

    /// Bytes the header needs, given what is known so far (2 until byte 1 is in).
    static std::size_t header_size(const unsigned char* h, std::size_t have) noexcept {
        if (have < 2) return 2;
        const unsigned len7 = h[1] & 0x7F;
        return 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0);
    }

    /// Checks the first two bytes; they are enough for every rule but the
    /// extended length ones.
    errc check_start(unsigned char b0, unsigned char b1) const noexcept {
        const bool fin = (b0 & 0x80) != 0;
        const std::uint8_t op = b0 & 0x0F;
        if ((b0 & 0x70) != 0) return errc::reserved_bits;             // no extension was negotiated
        if (!is_known_opcode(op)) return errc::reserved_opcode;         // 3-7, 11-15
        if ((b1 & 0x80) != 0) return errc::masked_frame;                // servers must not mask (§5.1)
        if (is_control(opcode{op})) {
            if (!fin) return errc::fragmented_control;                  // control frames are never fragmented
            if ((b1 & 0x7F) > 125) return errc::control_too_long;       // control payloads fit 125 bytes
        } else if (op == 0) {
            if (!in_message_) return errc::unexpected_continuation;     // nothing to continue
        } else if (in_message_) {
            return errc::expected_continuation;                         // previous message unfinished
        }
        return errc{};
    }

    step next_header(std::string_view& in) noexcept {
        const unsigned char* h;
        if (have_ == 0 && in.size() >= 2 && in.size() >= header_size(reinterpret_cast<const unsigned char*>(in.data()), 2)) {
            h = reinterpret_cast<const unsigned char*>(in.data()); // the whole header is in the input
            in.remove_prefix(header_size(h, 2));
        } else {
            // Collect the header in buf_ one piece at a time, checking as early as possible.
            while (have_ < header_size(buf_, have_)) {
                if (in.empty()) return {};
                const std::size_t want = header_size(buf_, have_) - have_;
                const std::size_t n = want < in.size() ? want : in.size();
                std::memcpy(buf_ + have_, in.data(), n);
                in.remove_prefix(n);
                have_ += n;
                if (have_ >= 2 && have_ - n < 2)
                    if (const errc e = check_start(buf_[0], buf_[1]); e != errc{}) return fail(e);
            }
            h = buf_;
            have_ = 0;
        }
        if (const errc e = check_start(h[0], h[1]); e != errc{}) return fail(e);
        const unsigned len7 = h[1] & 0x7F;
        std::uint64_t length = len7;
        if (len7 == 126) {
            length = std::uint64_t{h[2]} << 8 | h[3];
            if (length < 126) return fail(errc::non_minimal_length);    // fits the 7-bit form
        } else if (len7 == 127) {
            length = 0;
            for (int i = 2; i < 10; ++i) length = length << 8 | h[i];
            if (length >> 63) return fail(errc::length_msb_set);        // the top bit must be 0
            if (length <= 0xFFFF) return fail(errc::non_minimal_length); // fits the 16-bit form
        }
        header_.fin = (h[0] & 0x80) != 0;
        header_.op = opcode{static_cast<std::uint8_t>(h[0] & 0x0F)};
        header_.length = length;
        if (!is_control(header_.op)) in_message_ = !header_.fin;
        remaining_ = length;
        return {step_kind::header, {}, length == 0};
    }

    frame_header header_;
    std::uint64_t remaining_ = 0;
    std::error_code ec_;
    unsigned char buf_[10]{}; // a header split across inputs (server headers are at most 10 bytes)
    std::size_t have_ = 0;
    bool in_message_ = false;
};

namespace detail {

/// dst[i] = src[i] ^ key[i % 4], where `key` holds the four key bytes in wire
/// order. Eight bytes at a time (32 per loop, which compilers vectorize).
inline void mask_copy(char* dst, const char* src, std::size_t n, const unsigned char key[4]) noexcept {
    unsigned char k8[8];
    std::memcpy(k8, key, 4);
    std::memcpy(k8 + 4, key, 4);
    std::uint64_t k;
    std::memcpy(&k, k8, 8); // memory order, so the XOR lines up on any endianness
    std::size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        std::uint64_t w[4];
        std::memcpy(w, src + i, 32);
        w[0] ^= k;
        w[1] ^= k;
        w[2] ^= k;
        w[3] ^= k;
        std::memcpy(dst + i, w, 32);
    }
    for (; i + 8 <= n; i += 8) {
        std::uint64_t w;
        std::memcpy(&w, src + i, 8);
        w ^= k;
        std::memcpy(dst + i, &w, 8);
    }
    for (; i < n; ++i) dst[i] = static_cast<char>(static_cast<unsigned char>(src[i]) ^ key[i % 4]);
}

/// Grows `s` by `n` bytes and calls write(pointer to them). Where the
/// library has resize_and_overwrite (C++23) the new bytes are not zeroed
/// first, which saves a pass over every outgoing frame.
template <class String, class Write>
void grow_and_write(String& s, std::size_t n, Write&& write) {
    if constexpr (requires { s.resize_and_overwrite(n, [](char*, std::size_t k) { return k; }); }) {
        s.resize_and_overwrite(s.size() + n, [&](char* p, std::size_t total) {
            write(p + total - n);
            return total;
        });
    } else {
        const std::size_t at = s.size();
        s.resize(at + n);
        write(s.data() + at);
    }
}

} // namespace detail

/// Size of a client (masked) frame header for a payload of `length` bytes: 6, 8 or 14.
constexpr std::size_t client_header_size(std::uint64_t length) noexcept {
    return length < 126 ? 6 : length <= 0xFFFF ? 8 : 14;
}

/// Writes a client frame for `payload` at `frame`, which must have room for
/// client_header_size(payload.size()) + payload.size() bytes.
inline void write_client_frame(char* frame, opcode op, std::string_view payload, std::uint32_t mask_key) noexcept {
    const std::size_t n = payload.size();
    const std::size_t hs = client_header_size(n);
    auto* h = reinterpret_cast<unsigned char*>(frame);
    h[0] = static_cast<unsigned char>(0x80 | static_cast<std::uint8_t>(op));
    std::size_t p = 2;
    if (n < 126) {
        h[1] = static_cast<unsigned char>(0x80 | n);
    } else if (n <= 0xFFFF) {
        h[1] = 0x80 | 126;
        h[2] = static_cast<unsigned char>(n >> 8);
        h[3] = static_cast<unsigned char>(n);
        p = 4;
    } else {
        h[1] = 0x80 | 127;
        for (int i = 0; i < 8; ++i) h[2 + i] = static_cast<unsigned char>(static_cast<std::uint64_t>(n) >> (56 - 8 * i));
        p = 10;
    }
    for (int i = 0; i < 4; ++i) h[p + static_cast<std::size_t>(i)] = static_cast<unsigned char>(mask_key >> (24 - 8 * i));
    detail::mask_copy(frame + hs, payload.data(), n, h + p);
}

/// Appends one whole client frame (FIN set) to `out`: the header, then
/// `payload` masked with `mask_key` (RFC 6455 §5.3; the four bytes of the
/// key are its big-endian bytes). `out` grows once; nothing else allocates.
inline void append_client_frame(std::string& out, opcode op, std::string_view payload, std::uint32_t mask_key) {
    const std::size_t n = payload.size();
    const std::size_t hs = client_header_size(n);
    detail::grow_and_write(out, hs + n, [&](char* frame) { write_client_frame(frame, op, payload, mask_key); });
}

} // namespace sluice::ws
