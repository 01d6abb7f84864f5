// ws benchmarks: bytes to messages for 1.5 KiB unmasked server frames, and
// masking of client frames, in bytes per second, each next to memcpy of the
// same bytes in the same run (tools/bench_table.py prints the ratios).
//   ws_parse_1500       receive() + poll(): messages copied into the action queue
//   ws_parse_1500_pull  next_event(): zero-copy views (the path ws::session takes)
//   ws_mask_N           write_client_frame(): header + masked payload into caller memory
//   ws_send_N           send() + poll(): the same through the action queue
#include <sluice/ws/client.hpp>

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace {

using namespace sluice;

constexpr std::size_t frame_payload = 1500;
constexpr std::size_t frames_per_read = 64; // ~96 KiB a read, as a busy gateway delivers

/// A JSON-looking ASCII payload of `n` bytes (gateway dispatches are text).
std::string payload(std::size_t n) {
    const std::string unit = R"({"t":"MESSAGE_CREATE","s":42,"op":0,"d":{"id":"1234567890123456789","content":"hello world"}},)";
    std::string s;
    while (s.size() < n) s += unit;
    s.resize(n);
    return s;
}

/// 64 unmasked text frames of 1500 bytes, as a server sends them.
std::string server_frames() {
    const std::string p = payload(frame_payload);
    std::string out;
    for (std::size_t i = 0; i < frames_per_read; ++i) {
        out += static_cast<char>(0x81);
        out += static_cast<char>(126);
        out += static_cast<char>(frame_payload >> 8);
        out += static_cast<char>(frame_payload & 0xFF);
        out += p;
    }
    return out;
}

/// A client past its handshake.
struct open_client {
    xoshiro256 rng{1};
    ws::client c{rng};
    open_client() {
        (void)c.start({.host = "bench", .port = 80, .tls = false, .target = "/", .subprotocols = {}, .header_block = {}}, instant::from_ns(0));
        const std::string req(c.poll()->bytes);
        const auto at = req.find("Sec-WebSocket-Key: ") + 19;
        const auto accept = ws::accept_for(std::string_view(req).substr(at, 24));
        c.receive("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
                      std::string(accept.data(), accept.size()) + "\r\n\r\n",
                  instant::from_ns(1));
        while (c.poll() != nullptr) {}
    }
};

void memcpy_of(benchmark::State& state, std::size_t n) {
    const std::string src = payload(n);
    std::string dst(n, '\0');
    for (auto _ : state) {
        std::memcpy(dst.data(), src.data(), n);
        benchmark::DoNotOptimize(dst.data());
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * n));
}

// Bytes -> messages through the queue: receive(), then poll() every message
// (each payload is copied into the action queue, UTF-8 checked).
void ws_parse_1500_sluice(benchmark::State& state) {
    open_client o;
    const std::string input = server_frames();
    std::size_t messages = 0;
    for (auto _ : state) {
        o.c.receive(input, instant::from_ns(2));
        while (const auto* e = o.c.poll()) {
            messages += e->action.kind == ws::action_kind::message;
            benchmark::DoNotOptimize(e->bytes.data());
        }
    }
    if (messages != state.iterations() * frames_per_read) state.SkipWithError("lost messages");
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * input.size()));
}
void ws_parse_1500_memcpy(benchmark::State& state) { memcpy_of(state, server_frames().size()); }

// Bytes -> messages through the pull API (what ws::session uses): zero-copy views.
void ws_parse_1500_pull_sluice(benchmark::State& state) {
    open_client o;
    const std::string input = server_frames();
    std::size_t messages = 0;
    for (auto _ : state) {
        std::string_view in = input;
        for (;;) {
            const auto e = o.c.next_event(in, instant::from_ns(2));
            if (e.action.kind == ws::action_kind::none) break;
            benchmark::DoNotOptimize(e.bytes.data());
            ++messages;
        }
    }
    if (messages != state.iterations() * frames_per_read) state.SkipWithError("lost messages");
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * input.size()));
}

// Masking a client frame: the header and the masked payload written into
// memory the caller owns (what an adapter does into its socket buffer).
void ws_mask(benchmark::State& state, std::size_t n) {
    const std::string p = payload(n);
    std::string out(ws::client_header_size(n) + n, '\0');
    std::uint32_t key = 0x12345678;
    for (auto _ : state) {
        ws::write_client_frame(out.data(), ws::opcode::text, p, key++);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
void ws_mask_1500_sluice(benchmark::State& state) { ws_mask(state, frame_payload); }
void ws_mask_1500_memcpy(benchmark::State& state) { memcpy_of(state, frame_payload); }
void ws_mask_65536_sluice(benchmark::State& state) { ws_mask(state, 65536); }
void ws_mask_65536_memcpy(benchmark::State& state) { memcpy_of(state, 65536); }

// The whole send path: send() frames and masks into the action queue (a
// fresh key from the entropy source each time); poll() hands it out.
void ws_send(benchmark::State& state, std::size_t n) {
    open_client o;
    const std::string p = payload(n);
    for (auto _ : state) {
        (void)o.c.send(p);
        const auto* e = o.c.poll();
        benchmark::DoNotOptimize(e->bytes.data());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
void ws_send_1500_sluice(benchmark::State& state) { ws_send(state, frame_payload); }
void ws_send_65536_sluice(benchmark::State& state) { ws_send(state, 65536); }

} // namespace

BENCHMARK(ws_parse_1500_sluice)->Name("ws_parse_1500/sluice");
BENCHMARK(ws_parse_1500_memcpy)->Name("ws_parse_1500/memcpy");
BENCHMARK(ws_parse_1500_pull_sluice)->Name("ws_parse_1500_pull/sluice");
BENCHMARK(ws_parse_1500_memcpy)->Name("ws_parse_1500_pull/memcpy");
BENCHMARK(ws_mask_1500_sluice)->Name("ws_mask_1500/sluice");
BENCHMARK(ws_mask_1500_memcpy)->Name("ws_mask_1500/memcpy");
BENCHMARK(ws_mask_65536_sluice)->Name("ws_mask_65536/sluice");
BENCHMARK(ws_mask_65536_memcpy)->Name("ws_mask_65536/memcpy");
BENCHMARK(ws_send_1500_sluice)->Name("ws_send_1500/sluice");
BENCHMARK(ws_mask_1500_memcpy)->Name("ws_send_1500/memcpy");
BENCHMARK(ws_send_65536_sluice)->Name("ws_send_65536/sluice");
BENCHMARK(ws_mask_65536_memcpy)->Name("ws_send_65536/memcpy");

BENCHMARK_MAIN();
