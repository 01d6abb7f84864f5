#pragma once
// sluice/discord/zstd_stream.hpp: Discord's zstd-stream transport
// compression, as a wrapper around any message machine. Only this header
// needs libzstd (link with -lzstd / dependency('libzstd')).
//
// With "compress=zstd-stream" in the URL every message from the gateway is a
// binary WebSocket message carrying part of one Zstandard frame that lasts as
// long as the connection (RFC 8878). The gateway compresses each payload with
// ZSTD_e_flush, which ends the current block, so a payload's data ends at a
// block boundary and decompresses completely with what came so far: Discord
// sends each payload as one binary message, and that message decompresses to
// exactly one JSON payload. The wrapper decompresses each binary message as
// it comes with the connection's one ZSTD_DCtx and hands the payload to the
// inner machine when the input stops at a block boundary with output
// produced. A message that ends inside a block (a payload split across
// messages, as sluice's test peer does with --zstd-chunk) is held until the
// rest comes. One limit of splitting: a split exactly at a block boundary
// inside a payload (payloads over 128 KiB, or compression levels that split
// blocks) cannot be told from the payload's end; Discord does not split.
// A new connection (on_open) starts a new stream (ZSTD_DCtx_reset, session
// only: the context's memory is kept). Text messages pass through.
//
// The URL asks for it through the configuration:
//
//     cfg.compress = discord::transport_compression::zstd_stream;
//     discord::zstd_stream<discord::client> bot(cfg, entropy(rng));   // message mode
//     ws::session<discord::zstd_stream<discord::client>> bytes(...);  // byte mode
//     bot.decompressor().max_payload = 8 << 20;                       // optional
//     bot.decompressor().codec().max_window_log = 23;                 // optional
//
// Errors (error(), discord::compression_errc), each reaching the inner machine
// as an empty binary message, which the Discord policy reports as
// gateway::errc::malformed_frame (then it closes and resumes on a new
// connection, with a new stream):
//  - corrupt_data: not a valid zstd stream, a checksum mismatch, or a frame
//    that needs a dictionary;
//  - payload_too_large: a payload decompresses to more than
//    decompressor().max_payload (default 64 MiB; the output buffer never grows
//    past it), or a frame asks for a window over 2^max_window_log bytes
//    (default 27, zstd's own default limit: 128 MiB);
//  - out_of_memory: the context or the output buffer could not allocate.
//
// No allocation in steady state: the output buffer keeps its capacity, and
// the context allocates its window once, when the frame header arrives
// (ZSTD_DCtx_reset keeps it for the next connection).
//
// Includes: <cstddef>, <string_view>; <zstd.h>, <zstd_errors.h> (error codes);
// detail/compressed_stream.hpp (the wrapper, the buffer, compression_errc).
#include <cstddef>
#include <string_view>

#include <zstd.h>
#include <zstd_errors.h>

#include <sluice/discord/detail/compressed_stream.hpp>

namespace sluice::discord {

namespace detail {

/// zstd's streaming decompression for stream_decompressor: one ZSTD_DCtx a
/// connection; a payload may end where the input stops at a block boundary.
class zstd_codec {
public:
    /// Largest window accepted, as a power of two (ZSTD_d_windowLogMax),
    /// applied at the next reset(). Bounds the context's memory.
    int max_window_log = 27;

    zstd_codec() noexcept : d_(ZSTD_createDCtx()) { configure(); }
    ~zstd_codec() { ZSTD_freeDCtx(d_); } // accepts nullptr
    zstd_codec(const zstd_codec&) = delete;
    zstd_codec& operator=(const zstd_codec&) = delete;

    bool ready() const noexcept { return d_ != nullptr; }
    void reset() noexcept {
        if (d_ == nullptr) d_ = ZSTD_createDCtx();
        else ZSTD_DCtx_reset(d_, ZSTD_reset_session_only);
        configure();
    }
    /// The context's heap (its window once a frame has begun).
    std::size_t library_bytes() const noexcept { return d_ != nullptr ? ZSTD_sizeof_DCtx(d_) : 0; }

    codec_step run(std::string_view& in, char* out, std::size_t room) noexcept {
        codec_step s;
        ZSTD_inBuffer ib{in.data(), in.size(), 0};
        ZSTD_outBuffer ob{out, room, 0};
        const std::size_t r = ZSTD_decompressStream(d_, &ob, &ib);
        in.remove_prefix(ib.pos);
        s.produced = ob.pos;
        if (ZSTD_isError(r)) {
            switch (ZSTD_getErrorCode(r)) {
            case ZSTD_error_memory_allocation: s.error = compression_errc::out_of_memory; break;
            case ZSTD_error_frameParameter_windowTooLarge: s.error = compression_errc::payload_too_large; break;
            default: s.error = compression_errc::corrupt_data; break;
            }
            return s;
        }
        // ZSTD_decompressStream returns 0 when a frame is complete, else the
        // input it wants next: exactly a block header (3 bytes, RFC 8878
        // 3.1.1.2) when it stands between blocks with nothing buffered; more
        // inside a block, less inside a block header.
        s.boundary = r == 0 || r == block_header_size;
        return s;
    }

private:
    static constexpr std::size_t block_header_size = 3;

    void configure() noexcept {
        if (d_ != nullptr) ZSTD_DCtx_setParameter(d_, ZSTD_d_windowLogMax, max_window_log);
    }

    ZSTD_DCtx* d_;
};

} // namespace detail

/// One connection's zstd-stream, without a machine around it (feed() each
/// binary message; see detail::stream_decompressor).
using zstd_decompressor = detail::stream_decompressor<detail::zstd_codec>;

/// Decompresses Discord's zstd-stream for `Inner` (a message_machine); the
/// interface is Inner's plus inner(), decompressor(), partial(), error() and
/// buffer_bytes() (detail::decompressing_machine). Not copyable or movable.
template <message_machine Inner>
using zstd_stream = detail::decompressing_machine<Inner, detail::zstd_codec>;

} // namespace sluice::discord
