// bench_nightingale: the Nightingale client's most common inbound frame.
//
// Family nightingale_forward, one frame a time: a `forward` message (real
// server form {shard, payload}) carrying a Discord op 4 voice state update,
// which the caller must hand to that shard's Discord machine unchanged.
//   sluice_message  nightingale::client::on_message (envelope, op, shard,
//                   payload checked as JSON), poll(), the payload as a view
//   nlohmann        nlohmann::json::parse of the frame, op and shard read,
//                   the payload serialized again with dump() (nlohmann keeps
//                   no source text, so re-serializing is how a typical client
//                   gets the bytes to forward)
// Also nightingale_idle_session/sluice: sizeof and heap bytes of a connected,
// idle client after shrink() (counters; heap measured by malloc, see support/bench.hpp).
#include <sluice/nightingale.hpp>

#include <nlohmann/json.hpp>

#include "support/bench.hpp"

#include <memory>
#include <string>

namespace {

using namespace sluice;
namespace ng = sluice::nightingale;

const std::string ready = R"({"op":"ready","data":{"session":"ad13c35f-7bf4-413b-997d-eef2fe009f98","resumed":false}})";
const std::string forward =
    R"({"op":"forward","data":{"shard":1,"payload":{"op":4,"d":{"guild_id":"1176296352211234816","channel_id":"1176296352211234817","self_mute":false,"self_deaf":true}}}})";

ng::config bench_config() {
    ng::config c;
    c.base_url = "ws://127.0.0.1:8081";
    c.user_id = 936929561302675456u;
    c.shards = 2;
    c.password = "youshallnotpass";
    return c;
}

void connect(ng::client& c) {
    (void)c.start(instant::zero());
    while (c.poll()) {
    }
    (void)c.on_open(instant::zero());
    (void)c.on_message(ready, message_type::text, instant::zero());
    while (c.poll()) {
    }
}

void sluice_message(benchmark::State& state) {
    xoshiro256 rng{1};
    ng::client c(bench_config(), rng);
    connect(c);
    std::size_t bytes = 0, n = 0;
    for (auto _ : state) {
        (void)c.on_message(forward, message_type::text, instant::zero());
        while (const ng::entry* e = c.poll()) {
            if (e->action.kind == ng::action_kind::forward && e->action.shard == 1) {
                bytes += ng::data(*e).size();
                ++n;
            }
        }
    }
    benchmark::DoNotOptimize(bytes);
    if (n != static_cast<std::size_t>(state.iterations())) state.SkipWithError("wrong result");
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * forward.size()));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(sluice_message)->Name("nightingale_forward/sluice_message");

void nlohmann_bench(benchmark::State& state) {
    std::size_t bytes = 0, n = 0;
    std::string payload;
    for (auto _ : state) {
        const nlohmann::json j = nlohmann::json::parse(forward);
        if (j.at("op").get_ref<const std::string&>() == "forward") {
            const nlohmann::json& d = j.at("data");
            const std::uint64_t shard = d.at("shard").get<std::uint64_t>();
            payload = d.at("payload").dump();
            if (shard == 1) {
                bytes += payload.size();
                ++n;
            }
        }
    }
    benchmark::DoNotOptimize(bytes);
    if (n != static_cast<std::size_t>(state.iterations())) state.SkipWithError("wrong result");
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * forward.size()));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(nlohmann_bench)->Name("nightingale_forward/nlohmann");

void idle(benchmark::State& state) {
    xoshiro256 rng{2};
    sluice_bench::idle_session(state, sizeof(ng::client), [&] {
        auto c = std::make_unique<ng::client>(bench_config(), rng);
        connect(*c);
        (void)c->on_message(forward, message_type::text, instant::zero()); // one frame, then idle
        while (c->poll()) {
        }
        c->shrink(); // long idle: the queues go back
        return c;
    });
}
BENCHMARK(idle)->Name("nightingale_idle_session/sluice")->Iterations(10);

} // namespace

BENCHMARK_MAIN();
