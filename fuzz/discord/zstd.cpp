// fuzz_discord_zstd: arbitrary bytes as a zstd-stream connection.
//
// The first byte picks how the rest is cut into binary messages (a cut every
// 1 + (byte & 63) bytes, or none when those bits are 0) and whether the
// payload limit is small (bit 7: 64 KiB) or the default (64 MiB); the stream goes to a zstd_decompressor and
// every result is checked:
//  - a payload is never empty and never over the limit;
//  - after an error every later message returns the same error (the stream
//    is broken), and partial() is false;
//  - the output buffer never grows past the largest limit + 1 (bounded
//    memory; the window is bounded by max_window_log, 24 here);
//  - after reset() a known good payload decompresses again.
// Seeds: compressed gateway payloads (one stream each, ZSTD_e_flush a payload).
#include <sluice/discord/zstd_stream.hpp>

#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

// {"op":11} compressed by zstd 1.5 at level 3 with ZSTD_e_flush: a frame
// header and one block.
constexpr unsigned char good[] = {0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58, 0x48, 0x00, 0x00, 0x7b, 0x22, 0x6f,
                                  0x70, 0x22, 0x3a, 0x31, 0x31, 0x7d};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    static sluice::discord::zstd_decompressor d; // reused like a connection's: reset() between inputs
    d.codec().max_window_log = 24;
    d.max_payload = data[0] & 0x80 ? std::size_t{64} << 10 : std::size_t{64} << 20;
    d.reset();
    const std::size_t step = data[0] & 0x3f ? 1 + (data[0] & 0x3f) : size;
    std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
    std::error_code broken;
    while (!rest.empty()) {
        const std::string_view message = rest.substr(0, step);
        rest.remove_prefix(message.size());
        std::string_view payload;
        const std::error_code e = d.feed(message, payload);
        if (broken) check(e == broken);
        if (e) {
            broken = e;
            check(payload.empty() && !d.partial() && d.error() == e);
            continue;
        }
        if (!payload.empty()) check(payload.size() <= d.max_payload && !d.partial());
        check(d.buffer_bytes() <= (std::size_t{64} << 20) + 1);
    }
    d.reset();
    std::string_view payload;
    check(!d.feed(std::string_view(reinterpret_cast<const char*>(good), sizeof good), payload));
    check(payload == "{\"op\":11}");
    return 0;
}
