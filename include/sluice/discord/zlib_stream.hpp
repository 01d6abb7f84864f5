#pragma once
// sluice/discord/zlib_stream.hpp: Discord's zlib-stream transport
// compression, as a wrapper around any message machine. Only this header
// needs zlib (link with -lz / dependency('zlib')).
//
// With "compress=zlib-stream" in the URL (discord::config::compress), every
// message from the gateway is a binary WebSocket message carrying part of one
// zlib stream that lasts as long as the connection; a gateway payload ends
// where the data ends with the four bytes 00 00 ff ff (a sync flush). The
// wrapper buffers binary messages until that suffix, inflates them with the
// connection's one inflate context, and hands the text to the inner machine.
// A new connection (on_open) starts a new context. Text messages pass through.
//
//     discord::config cfg{...};
//     cfg.compress = discord::transport_compression::zlib_stream;
//     discord::zlib_stream<discord::client> bot(cfg, entropy(rng));   // message mode
//     ws::session<discord::zlib_stream<discord::client>> bytes(...);  // byte mode
//
// Corrupt data, or an inflated payload over `max_inflated`, reaches the inner
// machine as an empty binary message, which the Discord policy reports as
// gateway::errc::malformed_frame (then it closes and resumes on a new
// connection, with a new context).
//
// No allocation in steady state: the input and output buffers keep their
// capacity; zlib allocates its window once, on the first message.
//
// Includes: <cstddef>, <cstdint>, <string>, <string_view>, <utility>;
// <zlib.h>; core/time.hpp, core/transport.hpp.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include <zlib.h>

#include <sluice/core/time.hpp>
#include <sluice/core/transport.hpp>

namespace sluice::discord {

/// Inflates Discord's zlib-stream for `Inner` (a message_machine).
/// Not copyable or movable (zlib's state points at its stream).
template <message_machine Inner>
class zlib_stream {
public:
    /// Largest inflated payload accepted (default 64 MiB, Discord's inbound limit).
    std::size_t max_inflated = std::size_t{64} << 20;

    template <class... Args>
    explicit zlib_stream(Args&&... args) : inner_(std::forward<Args>(args)...) {
        ok_ = inflateInit(&z_) == Z_OK;
    }
    ~zlib_stream() {
        if (ok_) inflateEnd(&z_);
    }
    zlib_stream(const zlib_stream&) = delete;
    zlib_stream& operator=(const zlib_stream&) = delete;

    Inner& inner() noexcept { return inner_; }
    const Inner& inner() const noexcept { return inner_; }

    // ---- the message_machine interface, forwarded -------------------------

    auto on_open(instant now) {
        reset();
        return inner_.on_open(now);
    }
    auto on_message(std::string_view bytes, message_type type, instant now) {
        using result = decltype(inner_.on_message(bytes, type, now));
        if (type == message_type::text) return inner_.on_message(bytes, type, now);
        const std::string_view text = inflate(bytes);
        if (pending_) return result(); // the rest of the payload is still to come
        return inner_.on_message(text, failed_ ? message_type::binary : message_type::text, now);
    }
    auto on_close(close_info info, instant now) {
        reset();
        return inner_.on_close(info, now);
    }
    auto handle_timeout(instant now) { return inner_.handle_timeout(now); }
    auto next_deadline() const noexcept { return inner_.next_deadline(); }
    auto poll() { return inner_.poll(); }

    /// Tagged inputs (generations), when the inner machine has them.
    template <class Gen>
        requires requires(Inner& m, Gen g, instant t) { m.on_open(g, t); }
    auto on_open(Gen generation, instant now) {
        if (generation == inner_.generation()) reset();
        return inner_.on_open(generation, now);
    }
    template <class Gen>
        requires requires(Inner& m, Gen g, std::string_view s, instant t) { m.on_message(g, s, message_type::text, t); }
    auto on_message(Gen generation, std::string_view bytes, message_type type, instant now) {
        using result = decltype(inner_.on_message(generation, bytes, type, now));
        if (type == message_type::text || generation != inner_.generation()) return inner_.on_message(generation, bytes, type, now);
        const std::string_view text = inflate(bytes);
        if (pending_) return result();
        return inner_.on_message(generation, text, failed_ ? message_type::binary : message_type::text, now);
    }
    template <class Gen>
        requires requires(Inner& m, Gen g, close_info c, instant t) { m.on_close(g, c, t); }
    auto on_close(Gen generation, close_info info, instant now) {
        if (generation == inner_.generation()) reset();
        return inner_.on_close(generation, info, now);
    }

    /// A refused upgrade (HTTP `status`), when the inner machine takes it
    /// (ws::session calls it in byte mode): no connection, nothing to inflate.
    auto on_open_refused(std::uint16_t status, instant now)
        requires requires(Inner& m, std::uint16_t st, instant t) { m.on_open_refused(st, t); }
    {
        reset();
        return inner_.on_open_refused(status, now);
    }

    /// Heap bytes of the buffers (zlib's own state not counted: about 7 KiB
    /// plus the 32 KiB window once used).
    std::size_t buffer_bytes() const noexcept { return in_.capacity() + out_.capacity(); }

private:
    static constexpr unsigned char suffix[4] = {0x00, 0x00, 0xff, 0xff};

    static bool ends_with_suffix(std::string_view s) noexcept {
        if (s.size() < 4) return false;
        for (int i = 0; i < 4; ++i)
            if (static_cast<unsigned char>(s[s.size() - 4 + static_cast<std::size_t>(i)]) != suffix[i]) return false;
        return true;
    }

    void reset() {
        in_.clear();
        out_.clear();
        failed_ = false;
        if (ok_) inflateReset(&z_);
        else ok_ = inflateInit(&z_) == Z_OK;
    }

    // The inflated payload; "" with failed_ set on corrupt data or over the
    // limit; "" with pending_ set while the suffix has not arrived.
    std::string_view inflate(std::string_view bytes) {
        failed_ = false;
        pending_ = false;
        if (!ok_) {
            failed_ = true;
            return {};
        }
        in_.append(bytes);
        if (!ends_with_suffix(in_)) {
            if (in_.size() > max_inflated) { // no payload compresses to more than its size... give up
                in_.clear();
                failed_ = true;
            } else {
                pending_ = true;
            }
            return {};
        }
        out_.clear();
        z_.next_in = reinterpret_cast<Bytef*>(in_.data());
        z_.avail_in = static_cast<uInt>(in_.size());
        for (;;) {
            if (out_.capacity() - out_.size() < 4096) out_.reserve(out_.capacity() < 16384 ? 16384 : out_.capacity() * 2);
            const std::size_t have = out_.size();
            const std::size_t room = out_.capacity() - have;
            out_.resize(out_.capacity()); // within capacity: no allocation
            z_.next_out = reinterpret_cast<Bytef*>(out_.data() + have);
            z_.avail_out = static_cast<uInt>(room);
            const uInt in_before = z_.avail_in;
            const int r = ::inflate(&z_, Z_SYNC_FLUSH);
            const std::size_t produced = room - z_.avail_out;
            out_.resize(have + produced);
            if (r != Z_OK && r != Z_STREAM_END && r != Z_BUF_ERROR) {
                failed_ = true; // Z_DATA_ERROR, Z_NEED_DICT, Z_MEM_ERROR, Z_STREAM_ERROR
                break;
            }
            if (out_.size() > max_inflated) {
                failed_ = true;
                break;
            }
            if (z_.avail_out != 0) { // everything available was produced
                if (z_.avail_in != 0 && r != Z_OK) failed_ = true; // stream ended or stuck with input left
                break;
            }
            if (produced == 0 && z_.avail_in == in_before) { // no progress at all
                failed_ = true;
                break;
            }
        }
        in_.clear();
        if (failed_) return {};
        return out_;
    }

public:
    /// True while a payload is split across binary messages and the rest has not come.
    bool partial() const noexcept { return pending_; }

private:
    Inner inner_;
    z_stream z_{};
    std::string in_;  // compressed bytes of the payload in progress
    std::string out_; // the inflated payload
    bool ok_ = false;
    bool failed_ = false;
    bool pending_ = false;
};

} // namespace sluice::discord
