// bench_memory: resident memory of many idle Discord sessions in one process.
//
// discord_100k_sessions/sluice builds 100,000 discord::client objects (one
// vector, reserved up front), connects each in message mode through hello
// and READY (the fixtures in ../shared/vectors/discord), drains its actions
// and calls shrink(), as a process holding many long-idle shards would.
// Counters: rss_per_session (the process's resident set after minus before,
// divided by the count: the object, its heap, malloc's overhead and
// fragmentation), heap_per_session (the heap allocated and still held, objects
// included, per session: support/heap.cpp),
// sizeof and sessions. Set SLUICE_SESSIONS to change the count.
// discord_idle_session/sluice_malloc: one such session's sizeof and heap,
// counted by malloc as for the other protocols.
#include <sluice/discord.hpp>

#include "support/bench.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <new>
#include <sstream>
#include <string>
#include <array>

namespace {

using namespace sluice;
namespace dc = sluice::discord;

void many_sessions(benchmark::State& state) {
    const char* env = std::getenv("SLUICE_SESSIONS");
    const std::size_t count = env && *env ? std::strtoull(env, nullptr, 10) : 100'000;
    const std::string hello = sluice_bench::load_vector("discord/hello.json"), ready = sluice_bench::load_vector("discord/ready.json");
    xoshiro256 rng{1};
    dc::config cfg;
    cfg.token = "MTE3NjI5MDAwMDAwMDAwMDAwMQ.Gx-abc.secret_token_value";
    cfg.intents = dc::intents::guilds | dc::intents::guild_messages | dc::intents::message_content;
    cfg.engine.wait_for_identify_permit = false;
    double rss = 0, heap = 0;
    std::size_t ready_count = 0;
    for (auto _ : state) {
        const std::size_t rss0 = sluice_bench::rss_bytes();
        sluice_bench::heap_window window;
        // One block for the objects (clients need not be movable), as a
        // process would hold its shards.
        auto* clients = static_cast<dc::client*>(::operator new(count * sizeof(dc::client), std::align_val_t{alignof(dc::client)}));
        for (std::size_t i = 0; i < count; ++i) {
            cfg.shard = std::array<std::uint32_t, 2>{static_cast<std::uint32_t>(i % 1024), 1024};
            dc::client& c = *std::construct_at(clients + i, cfg, entropy(rng));
            (void)c.start(instant::zero());
            while (c.poll()) {
            }
            c.on_open(instant::zero());
            c.on_message(hello, message_type::text, instant::zero());
            while (c.poll()) {
            }
            c.on_message(ready, message_type::text, instant::zero());
            while (c.poll()) {
            }
            c.shrink();
        }
        rss = static_cast<double>(sluice_bench::rss_bytes() - rss0) / static_cast<double>(count);
        heap = static_cast<double>(window.bytes()) / static_cast<double>(count); // the objects' block included
        ready_count = 0;
        for (std::size_t i = 0; i < count; ++i) ready_count += clients[i].is_ready();
        std::destroy_n(clients, count);
        ::operator delete(clients, std::align_val_t{alignof(dc::client)});
    }
    if (ready_count != count) state.SkipWithError("not every session is ready");
    state.counters["sessions"] = static_cast<double>(count);
    state.counters["sizeof"] = static_cast<double>(sizeof(dc::client));
    state.counters["rss_per_session"] = rss;
    state.counters["heap_per_session"] = heap;
}
// Once per process, first: a second run would reuse the pages the first freed.
BENCHMARK(many_sessions)->Name("discord_100k_sessions/sluice")->Iterations(1)->Repetitions(1)->Unit(benchmark::kMillisecond);

// One idle session measured like every other protocol's (support/heap.cpp),
// next to bench_discord's discord_idle_session/sluice (client::heap_bytes()).
void idle_session(benchmark::State& state) {
    const std::string hello = sluice_bench::load_vector("discord/hello.json"), ready = sluice_bench::load_vector("discord/ready.json");
    xoshiro256 rng{2};
    sluice_bench::idle_session(state, sizeof(dc::client), [&] {
        dc::config cfg;
        cfg.token = "MTE3NjI5MDAwMDAwMDAwMDAwMQ.Gx-abc.secret_token_value";
        cfg.engine.wait_for_identify_permit = false;
        auto c = std::make_unique<dc::client>(cfg, entropy(rng));
        (void)c->start(instant::zero());
        c->on_open(instant::zero());
        c->on_message(hello, message_type::text, instant::zero());
        c->on_message(ready, message_type::text, instant::zero());
        while (c->poll()) {
        }
        c->shrink();
        return c;
    });
}
BENCHMARK(idle_session)->Name("discord_idle_session/sluice_malloc")->Iterations(10);

} // namespace

BENCHMARK_MAIN();
