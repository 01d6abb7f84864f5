#pragma once
// sluice/discord/zlib_stream.hpp: Discord's zlib-stream transport
// compression, as a wrapper around any message machine. Only this header
// needs zlib (link with -lz / dependency('zlib')).
//
// With "compress=zlib-stream" in the URL (discord::config::compress), every
// message from the gateway is a binary WebSocket message carrying part of one
// zlib stream that lasts as long as the connection; a gateway payload ends
// where the data ends with the four bytes 00 00 ff ff (a sync flush). The
// wrapper inflates each binary message as it comes with the connection's one
// inflate context, holds the output until the stream has reached that suffix
// (a payload may be split across messages, even inside the suffix), and hands
// the text to the inner machine. A new connection (on_open) starts a new
// context. Text messages pass through.
//
//     discord::config cfg{...};
//     cfg.compress = discord::transport_compression::zlib_stream;
//     discord::zlib_stream<discord::client> bot(cfg, entropy(rng));   // message mode
//     ws::session<discord::zlib_stream<discord::client>> bytes(...);  // byte mode
//     bot.decompressor().max_payload = 8 << 20;                       // optional
//
// Corrupt data (compression_errc::corrupt_data), or an inflated payload over
// decompressor().max_payload (payload_too_large; default 64 MiB, the output
// buffer never grows past it), reaches the inner machine as an empty binary
// message, which the Discord policy reports as gateway::errc::malformed_frame
// (then it closes and resumes on a new connection, with a new context);
// error() tells which. The wrapper, its errors and its buffer are shared with
// zstd_stream.hpp (detail/compressed_stream.hpp).
//
// No allocation in steady state: the output buffer keeps its capacity (no
// input buffer: messages are inflated as they come); zlib allocates its
// window once, on the first message.
//
// Includes: <cstddef>, <string_view>; <zlib.h>; detail/compressed_stream.hpp
// (the wrapper, the buffer, compression_errc).
#include <cstddef>
#include <string_view>

#include <zlib.h>

#include <sluice/discord/detail/compressed_stream.hpp>

namespace sluice::discord {

namespace detail {

/// zlib's inflate for stream_decompressor: one z_stream a connection; a
/// payload may end where the stream so far ends with 00 00 ff ff.
class zlib_codec {
public:
    zlib_codec() noexcept { ok_ = inflateInit(&z_) == Z_OK; }
    ~zlib_codec() {
        if (ok_) inflateEnd(&z_);
    }
    zlib_codec(const zlib_codec&) = delete;
    zlib_codec& operator=(const zlib_codec&) = delete;

    bool ready() const noexcept { return ok_; }
    void reset() noexcept {
        tail_ = 0xffffffffu;
        ended_ = false;
        if (ok_) inflateReset(&z_);
        else ok_ = inflateInit(&z_) == Z_OK;
    }
    std::size_t library_bytes() const noexcept { return 0; }

    codec_step run(std::string_view& in, char* out, std::size_t room) noexcept {
        codec_step s;
        if (ended_) { // the zlib stream ended (Discord never ends it): nothing may follow
            if (!in.empty()) s.error = compression_errc::corrupt_data;
            s.boundary = true;
            return s;
        }
        // zlib counts in uInt; larger pieces go through in several calls.
        const uInt in_n = in.size() > 0x40000000u ? 0x40000000u : static_cast<uInt>(in.size());
        const uInt out_n = room > 0x40000000u ? 0x40000000u : static_cast<uInt>(room);
        z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
        z_.avail_in = in_n;
        z_.next_out = reinterpret_cast<Bytef*>(out);
        z_.avail_out = out_n;
        const int r = ::inflate(&z_, Z_SYNC_FLUSH);
        const std::size_t used = in_n - z_.avail_in;
        for (std::size_t i = used > 4 ? used - 4 : 0; i < used; ++i)
            tail_ = (tail_ << 8) | static_cast<unsigned char>(in[i]);
        in.remove_prefix(used);
        s.produced = out_n - z_.avail_out;
        if (r == Z_STREAM_END) {
            ended_ = true;
            if (!in.empty()) s.error = compression_errc::corrupt_data;
            s.boundary = true;
            return s;
        }
        if (r == Z_MEM_ERROR) s.error = compression_errc::out_of_memory;
        else if (r != Z_OK && r != Z_BUF_ERROR) s.error = compression_errc::corrupt_data; // Z_DATA_ERROR, Z_NEED_DICT, ...
        s.boundary = tail_ == 0x0000ffffu;
        return s;
    }

private:
    z_stream z_{};
    std::uint32_t tail_ = 0xffffffffu; // the last four bytes of the stream so far (ff before its start)
    bool ok_ = false;
    bool ended_ = false;
};

} // namespace detail

/// One connection's zlib-stream, without a machine around it (feed() each
/// binary message; see detail::stream_decompressor).
using zlib_decompressor = detail::stream_decompressor<detail::zlib_codec>;

/// Inflates Discord's zlib-stream for `Inner` (a message_machine); the
/// interface is Inner's plus inner(), decompressor(), partial(), error() and
/// buffer_bytes() (detail::decompressing_machine). Not copyable or movable.
template <message_machine Inner>
using zlib_stream = detail::decompressing_machine<Inner, detail::zlib_codec>;

} // namespace sluice::discord
