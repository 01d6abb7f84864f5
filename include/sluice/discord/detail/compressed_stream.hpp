#pragma once
// sluice/discord/detail/compressed_stream.hpp: what Discord's two transport
// compressions (zlib_stream.hpp, zstd_stream.hpp) share, written once:
//  - discord::compression_errc, the errors of a compressed stream;
//  - detail::payload_buffer, the bounded output buffer (grows by doubling up
//    to the payload limit, keeps its capacity between payloads);
//  - detail::stream_decompressor<Codec>, one connection's stream: it feeds
//    each binary message to the codec, appends what comes out, and knows when
//    a payload is complete, failed or still partial;
//  - detail::decompressing_machine<Inner, Codec>, the message_machine wrapper
//    that puts a stream_decompressor in front of `Inner`.
// A Codec (zlib_codec, zstd_codec) only wraps its library: reset(), and
// run(), one call of the library's streaming function.
//
// Includes: <cstddef>, <cstdint>, <cstring> (memcpy), <new> (nothrow new),
// <string_view>, <system_error>, <type_traits>, <utility>;
// core/error.hpp (the table category), core/time.hpp, core/transport.hpp
// (message_machine, message_type, close_info).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

#include <sluice/core/error.hpp>
#include <sluice/core/time.hpp>
#include <sluice/core/transport.hpp>

namespace sluice::discord {

/// Errors of a compressed gateway stream (zlib-stream, zstd-stream). After
/// any of them the stream is broken until the next connection.
enum class compression_errc : int {
    corrupt_data = 1, ///< the bytes are not a valid stream (or a zstd frame needs a dictionary)
    payload_too_large, ///< a payload decompresses to more than the limit (or zstd's window is over its limit)
    out_of_memory,     ///< the library or the output buffer could not allocate
};

namespace detail {

inline constexpr sluice::detail::code_entry<compression_errc> compression_errc_table[] = {
    {compression_errc::corrupt_data, "compressed gateway stream: corrupt data", condition::invalid_data},
    {compression_errc::payload_too_large, "compressed gateway stream: payload over the limit", condition::limit_exceeded},
    {compression_errc::out_of_memory, "compressed gateway stream: out of memory", condition::limit_exceeded},
};

} // namespace detail

/// The category of discord::compression_errc (name "sluice.discord.compression").
inline const std::error_category& compression_category() noexcept {
    static const sluice::detail::table_category<compression_errc, detail::compression_errc_table> cat(
        "sluice.discord.compression");
    return cat;
}

inline std::error_code make_error_code(compression_errc e) noexcept { return {static_cast<int>(e), compression_category()}; }

} // namespace sluice::discord

template <>
struct std::is_error_code_enum<sluice::discord::compression_errc> : std::true_type {};

namespace sluice::discord::detail {

/// A byte buffer that never holds more than `limit + 1` bytes (one more than
/// the limit, so that "over the limit" can be seen). Grows by doubling from
/// 16 KiB; clear() keeps the capacity. Allocates with nothrow new: works
/// without exceptions, reports failure as an empty room().
class payload_buffer {
public:
    payload_buffer() = default;
    payload_buffer(const payload_buffer&) = delete;
    payload_buffer& operator=(const payload_buffer&) = delete;
    ~payload_buffer() { delete[] data_; }

    /// Free space after the data, at least 4 KiB when the limit allows, never
    /// past limit + 1 bytes in all (even when the capacity is larger: the
    /// limit was lowered); {nullptr, 0} when the data is at limit + 1 bytes
    /// or the buffer cannot grow.
    std::pair<char*, std::size_t> room(std::size_t limit) noexcept {
        const std::size_t most = limit == static_cast<std::size_t>(-1) ? limit : limit + 1;
        if (size_ >= most) return {data_ + size_, 0};
        if (cap_ - size_ < 4096 && cap_ < most) {
            std::size_t want = cap_ < 16384 ? 16384 : cap_ * 2;
            if (want > most || want < cap_) want = most;
            char* p = new (std::nothrow) char[want];
            if (p != nullptr) {
                if (size_ != 0) std::memcpy(p, data_, size_);
                delete[] data_;
                data_ = p;
                cap_ = want;
            }
        }
        const std::size_t free = cap_ - size_;
        return {data_ + size_, free < most - size_ ? free : most - size_};
    }
    void commit(std::size_t n) noexcept { size_ += n; }
    void clear() noexcept { size_ = 0; }
    /// Gives the memory back (the next payload allocates again).
    void release() noexcept {
        delete[] data_;
        data_ = nullptr;
        size_ = cap_ = 0;
    }
    std::size_t size() const noexcept { return size_; }
    std::size_t capacity() const noexcept { return cap_; }
    std::string_view view() const noexcept { return {data_, size_}; }

private:
    char* data_ = nullptr;
    std::size_t size_ = 0;
    std::size_t cap_ = 0;
};

/// What one Codec::run() call did.
struct codec_step {
    std::error_code error;  ///< corrupt data, out of memory, ...: the stream is broken
    std::size_t produced = 0; ///< bytes written to the output
    bool boundary = false;  ///< the stream so far ends where a payload may end (meaningful once the input is used up)
};

/// One connection's decompression stream (see stream_decompressor below).
/// `Codec` provides:
///   bool ready() const;   // the library's state exists
///   void reset();         // a new stream (new connection)
///   codec_step run(std::string_view& in, char* out, std::size_t room);  // consumes from `in`
///   std::size_t library_bytes() const;  // the library's own heap, if known (else 0)
template <class Codec>
class stream_decompressor {
public:
    /// Largest decompressed payload accepted (default 64 MiB). The output
    /// buffer never grows past it (plus one byte).
    std::size_t max_payload = std::size_t{64} << 20;

    stream_decompressor() = default;
    stream_decompressor(const stream_decompressor&) = delete;
    stream_decompressor& operator=(const stream_decompressor&) = delete;

    /// Decompresses one binary WebSocket message of the stream.
    /// Returns:
    ///  - {} with `payload` = the complete payload: hand it on; the view stays
    ///    valid until the next feed(), reset() or shrink();
    ///  - {} with `payload` empty and partial() true: the message ended inside
    ///    a payload; feed the next message (an empty message changes nothing);
    ///  - compression_errc::corrupt_data, payload_too_large or out_of_memory
    ///    (payload empty): the stream is broken, every later feed() returns the
    ///    same error until reset(); the caller closes and reconnects.
    std::error_code feed(std::string_view message, std::string_view& payload) noexcept {
        payload = {};
        if (error_) return error_;
        if (message.empty()) return {}; // nothing changes
        if (!codec_.ready()) return fail(compression_errc::out_of_memory);
        if (!partial_) out_.clear();
        partial_ = true;
        std::string_view in = message;
        for (;;) {
            const auto [at, room] = out_.room(max_payload);
            if (room == 0)
                return fail(out_.size() > max_payload ? compression_errc::payload_too_large : compression_errc::out_of_memory);
            const std::size_t in_before = in.size();
            const codec_step s = codec_.run(in, at, room);
            if (s.error) return fail(s.error);
            out_.commit(s.produced);
            if (out_.size() > max_payload) return fail(compression_errc::payload_too_large);
            if (s.produced == room) continue; // the output filled up: there may be more
            if (!in.empty()) {
                if (s.produced == 0 && in.size() == in_before) return fail(compression_errc::corrupt_data); // stuck
                continue;
            }
            if (s.boundary && out_.size() != 0) {
                partial_ = false;
                payload = out_.view();
            }
            return {};
        }
    }

    /// A new stream (call on every new connection). Keeps the buffers.
    void reset() noexcept {
        codec_.reset();
        out_.clear();
        error_ = {};
        partial_ = false;
    }

    /// Gives the output buffer's memory back between payloads (not while
    /// partial()); the next payload allocates it again.
    void shrink() noexcept {
        if (!partial_) out_.release();
    }

    /// True while a payload is split across binary messages and the rest has not come.
    bool partial() const noexcept { return partial_ && !error_; }
    /// The error that broke the stream, or {}.
    std::error_code error() const noexcept { return error_; }
    /// Heap bytes of the output buffer.
    std::size_t buffer_bytes() const noexcept { return out_.capacity(); }
    /// Heap bytes of the library's state (0 when the library does not say).
    std::size_t library_bytes() const noexcept { return codec_.library_bytes(); }

    Codec& codec() noexcept { return codec_; }
    const Codec& codec() const noexcept { return codec_; }

private:
    std::error_code fail(std::error_code e) noexcept {
        error_ = e;
        partial_ = false;
        out_.clear();
        return e;
    }

    Codec codec_;
    payload_buffer out_;
    std::error_code error_;
    bool partial_ = false;
};

/// A message_machine wrapper that decompresses `Inner`'s binary messages with
/// a stream_decompressor<Codec>: a complete payload goes on as a text
/// message; a partial one is held; a broken stream reaches `Inner` as an
/// empty binary message (the Discord policy reports gateway::errc::
/// malformed_frame, closes 4000 and resumes on a new connection; error()
/// says why). A new connection (on_open, on_close, on_open_refused) starts a
/// new stream. Text messages pass through.
/// The URL asks for the compression through discord::config::compress
/// (transport_compression::zlib_stream / zstd_stream); the wrapper does not
/// touch the inner machine's actions.
///
/// Not copyable or movable (the libraries' states point into themselves).
template <message_machine Inner, class Codec>
class decompressing_machine {
public:
    template <class... Args>
    explicit decompressing_machine(Args&&... args) : inner_(std::forward<Args>(args)...) {}
    decompressing_machine(const decompressing_machine&) = delete;
    decompressing_machine& operator=(const decompressing_machine&) = delete;

    Inner& inner() noexcept { return inner_; }
    const Inner& inner() const noexcept { return inner_; }
    /// The stream: max_payload, error(), the codec's own settings.
    stream_decompressor<Codec>& decompressor() noexcept { return dec_; }
    const stream_decompressor<Codec>& decompressor() const noexcept { return dec_; }

    // ---- the message_machine interface, forwarded -------------------------

    auto on_open(instant now) {
        dec_.reset();
        return inner_.on_open(now);
    }
    auto on_message(std::string_view bytes, message_type type, instant now) {
        using result = decltype(inner_.on_message(bytes, type, now));
        if (type == message_type::text) return inner_.on_message(bytes, type, now);
        std::string_view text;
        const std::error_code e = dec_.feed(bytes, text);
        if (!e && text.empty()) return result(); // the rest of the payload is still to come
        return inner_.on_message(text, e ? message_type::binary : message_type::text, now);
    }
    auto on_close(close_info info, instant now) {
        dec_.reset();
        return inner_.on_close(info, now);
    }
    auto handle_timeout(instant now) { return inner_.handle_timeout(now); }
    auto next_deadline() const noexcept { return inner_.next_deadline(); }
    auto poll() { return inner_.poll(); }

    /// Tagged inputs (generations), when the inner machine has them.
    template <class Gen>
        requires requires(Inner& m, Gen g, instant t) { m.on_open(g, t); }
    auto on_open(Gen generation, instant now) {
        if (generation == inner_.generation()) dec_.reset();
        return inner_.on_open(generation, now);
    }
    template <class Gen>
        requires requires(Inner& m, Gen g, std::string_view s, instant t) { m.on_message(g, s, message_type::text, t); }
    auto on_message(Gen generation, std::string_view bytes, message_type type, instant now) {
        using result = decltype(inner_.on_message(generation, bytes, type, now));
        if (type == message_type::text || generation != inner_.generation()) return inner_.on_message(generation, bytes, type, now);
        std::string_view text;
        const std::error_code e = dec_.feed(bytes, text);
        if (!e && text.empty()) return result();
        return inner_.on_message(generation, text, e ? message_type::binary : message_type::text, now);
    }
    template <class Gen>
        requires requires(Inner& m, Gen g, close_info c, instant t) { m.on_close(g, c, t); }
    auto on_close(Gen generation, close_info info, instant now) {
        if (generation == inner_.generation()) dec_.reset();
        return inner_.on_close(generation, info, now);
    }

    /// A refused upgrade (HTTP `status`), when the inner machine takes it
    /// (ws::session calls it in byte mode): no connection, nothing to decompress.
    auto on_open_refused(std::uint16_t status, instant now)
        requires requires(Inner& m, std::uint16_t st, instant t) { m.on_open_refused(st, t); }
    {
        dec_.reset();
        return inner_.on_open_refused(status, now);
    }

    /// True while a payload is split across binary messages and the rest has not come.
    bool partial() const noexcept { return dec_.partial(); }
    /// Why the last binary message failed (the stream is broken until the
    /// next connection), or {}.
    std::error_code error() const noexcept { return dec_.error(); }
    /// Heap bytes of the wrapper's buffers (the library's own state not counted).
    std::size_t buffer_bytes() const noexcept { return dec_.buffer_bytes(); }

private:
    Inner inner_;
    stream_decompressor<Codec> dec_;
};

} // namespace sluice::discord::detail
