// bench_compress: Discord's transport compressions end to end in message
// mode: a compressed MESSAGE_UPDATE payload (each with a fresh sequence
// number, one stream for the connection, as the gateway sends them) through
// discord::zstd_stream or discord::zlib_stream into discord::client and its
// dispatch action, against the same payload uncompressed. Bytes processed are
// the JSON payload's, so the rates compare the same work.
//
//   discord_update_transport/sluice_zstd   zstd-stream (level 3, ZSTD_e_flush a payload)
//   discord_update_transport/zlib_stream   zlib-stream (level 6, Z_SYNC_FLUSH a payload)
//   discord_update_transport/uncompressed  text messages (no decompression)
//
// The compressed payloads are made up front (4096 a stream); when they run
// out the connection is rebuilt outside the timing.
#include <benchmark/benchmark.h>

#include <sluice/discord.hpp>
#include <sluice/discord/zlib_stream.hpp>
#include <sluice/discord/zstd_stream.hpp>

#include <zlib.h>
#include <zstd.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "support/fixture.hpp"

namespace {

namespace dc = sluice::discord;
using sluice::instant;
using sluice::message_type;

constexpr int stream_payloads = 4096;

struct zstd_compressor {
    ZSTD_CCtx* c = ZSTD_createCCtx();
    zstd_compressor() { ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, 3); }
    ~zstd_compressor() { ZSTD_freeCCtx(c); }
    std::string operator()(const std::string& text) {
        std::string out(ZSTD_compressBound(text.size()) + 64, '\0');
        ZSTD_inBuffer in{text.data(), text.size(), 0};
        ZSTD_outBuffer o{out.data(), out.size(), 0};
        while (ZSTD_compressStream2(c, &o, &in, ZSTD_e_flush) != 0) {
        }
        out.resize(o.pos);
        return out;
    }
};

struct zlib_compressor {
    z_stream z{};
    zlib_compressor() { deflateInit(&z, 6); }
    ~zlib_compressor() { deflateEnd(&z); }
    std::string operator()(const std::string& text) {
        std::string out(text.size() + 1024, '\0');
        z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
        z.avail_in = static_cast<uInt>(text.size());
        z.next_out = reinterpret_cast<Bytef*>(out.data());
        z.avail_out = static_cast<uInt>(out.size());
        deflate(&z, Z_SYNC_FLUSH);
        out.resize(out.size() - z.avail_out);
        return out;
    }
};

// One connection's messages: hello, READY, then the updates; the type says
// what the machine gets (binary for a compressed stream).
struct stream {
    std::vector<std::string> messages;
    std::size_t payload_bytes = 0; // of one update
};

template <class Compress>
stream make_stream() {
    Compress compress;
    stream s;
    s.messages.push_back(compress(sluice_bench::load_vector("discord/hello.json")));
    s.messages.push_back(compress(sluice_bench::load_vector("discord/ready.json")));
    sluice_bench::discord_update_frame update;
    s.payload_bytes = update.text.size();
    for (int i = 0; i < stream_payloads; ++i) {
        s.messages.push_back(compress(update.text));
        update.next();
    }
    return s;
}

struct no_compression {
    std::string operator()(const std::string& text) const { return text; }
};

dc::client& client_of(dc::client& c) { return c; }
template <class M>
dc::client& client_of(M& wrapper) {
    return wrapper.inner();
}

template <class Machine>
void run(benchmark::State& state, const stream& s, message_type type) {
    sluice::xoshiro256 rng{1};
    std::unique_ptr<Machine> m;
    std::size_t next = 0;
    auto connect = [&] {
        m = std::make_unique<Machine>(sluice_bench::discord_config(), sluice::entropy(rng));
        client_of(*m).start(instant::zero());
        while (m->poll()) {
        }
        m->on_open(instant::zero());
        for (int i = 0; i < 2; ++i) {
            m->on_message(s.messages[static_cast<std::size_t>(i)], type, instant::zero());
            while (m->poll()) {
            }
        }
        next = 2;
    };
    connect();
    std::uint64_t dispatches = 0;
    for (auto _ : state) {
        if (next == s.messages.size()) {
            state.PauseTiming();
            connect();
            state.ResumeTiming();
        }
        m->on_message(s.messages[next++], type, instant::zero());
        while (auto* e = m->poll()) dispatches += e->action.kind == sluice::gateway::action_kind::dispatch;
    }
    if (dispatches != static_cast<std::uint64_t>(state.iterations())) state.SkipWithError("a payload did not come out as a dispatch");
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(s.payload_bytes));
    state.SetItemsProcessed(state.iterations());
}

void bm_zstd(benchmark::State& state) {
    static const stream s = make_stream<zstd_compressor>();
    run<dc::zstd_stream<dc::client>>(state, s, message_type::binary);
}
void bm_zlib(benchmark::State& state) {
    static const stream s = make_stream<zlib_compressor>();
    run<dc::zlib_stream<dc::client>>(state, s, message_type::binary);
}
void bm_plain(benchmark::State& state) {
    static const stream s = make_stream<no_compression>();
    run<dc::client>(state, s, message_type::text);
}

} // namespace

BENCHMARK(bm_zstd)->Name("discord_update_transport/sluice_zstd");
BENCHMARK(bm_zlib)->Name("discord_update_transport/zlib_stream");
BENCHMARK(bm_plain)->Name("discord_update_transport/uncompressed");

BENCHMARK_MAIN();
