// bench_singyeong: the singyeong client's most common inbound frame.
//
// Family singyeong_send, one frame a time: an op 4 SEND dispatch routed to
// this client (the message another client sent through the server), its
// payload decoded into a typed struct.
//   sluice_message  singyeong::client::on_message (envelope, dispatch type,
//                   nonce, payload), poll(), json::read of the payload into
//                   a struct of string_views
//   sluice_string   the same into a struct of std::string (reused)
//   nlohmann        nlohmann::json::parse of the frame and extraction of the
//                   same fields into the std::string struct
// Also singyeong_idle_session/sluice (sizeof and heap bytes of a connected,
// idle client after shrink(); counters).
#include <sluice/json.hpp>
#include <sluice/singyeong.hpp>

#include <nlohmann/json.hpp>

#include "support/bench.hpp"

#include <memory>
#include <string>
#include <string_view>

namespace {

using namespace sluice;
namespace sy = sluice::singyeong;

const std::string send_frame =
    R"({"op":4,"t":"SEND","d":{"target":{"application":"app","ops":[]},"nonce":null,"payload":{"job":"render","id":"1176296352211234816","priority":3,"args":"--size 512"},"sender":"worker-7"},"ts":1670000000100})";

template <class S>
struct job {
    S job{}, id{};
    std::int64_t priority = 0;
    S args{};
};

sy::config bench_config() {
    sy::config c;
    c.url = "ws://127.0.0.1:4567/gateway/websocket?encoding=json";
    c.client_id = "c1";
    c.application_id = "app";
    return c;
}

void connect(sy::client& c) {
    (void)c.start(instant::zero());
    (void)c.on_open(instant::zero());
    while (c.poll()) {
    }
    (void)c.on_message(R"({"op":0,"d":{"heartbeat_interval":45000},"t":null,"ts":1670000000000})", message_type::text, instant::zero());
    (void)c.on_message(R"({"op":2,"d":{"client_id":"c1","restricted":false},"t":null,"ts":1670000000001})", message_type::text,
                       instant::zero());
    while (c.poll()) {
    }
}

template <class S>
void sluice_message(benchmark::State& state) {
    xoshiro256 rng{1};
    sy::client c(bench_config(), rng);
    connect(c);
    if (!c.is_ready()) state.SkipWithError("not ready");
    job<S> m;
    std::size_t n = 0;
    for (auto _ : state) {
        (void)c.on_message(send_frame, message_type::text, instant::zero());
        while (const sy::entry* e = c.poll())
            if (e->action.kind == sy::action_kind::message && !json::read(m, sy::payload(*e))) ++n;
        benchmark::DoNotOptimize(m);
    }
    if (n != static_cast<std::size_t>(state.iterations()) || m.priority != 3) state.SkipWithError("wrong result");
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * send_frame.size()));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(sluice_message<std::string_view>)->Name("singyeong_send/sluice_message");
BENCHMARK(sluice_message<std::string>)->Name("singyeong_send/sluice_string");

void nlohmann_bench(benchmark::State& state) {
    job<std::string> m;
    std::string sender;
    std::size_t n = 0;
    for (auto _ : state) {
        const nlohmann::json j = nlohmann::json::parse(send_frame);
        if (j.at("op").get<int>() != 4 || j.at("t").get_ref<const std::string&>() != "SEND") continue;
        const nlohmann::json& d = j.at("d");
        if (auto s = d.find("sender"); s != d.end() && s->is_string()) sender = s->get<std::string>();
        const nlohmann::json& p = d.at("payload");
        m.job = p.at("job").get<std::string>();
        m.id = p.at("id").get<std::string>();
        m.priority = p.at("priority").get<std::int64_t>();
        m.args = p.at("args").get<std::string>();
        ++n;
        benchmark::DoNotOptimize(m);
    }
    if (n != static_cast<std::size_t>(state.iterations()) || m.priority != 3) state.SkipWithError("wrong result");
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * send_frame.size()));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(nlohmann_bench)->Name("singyeong_send/nlohmann");

void idle(benchmark::State& state) {
    xoshiro256 rng{2};
    sluice_bench::idle_session(state, sizeof(sy::client), [&] {
        auto c = std::make_unique<sy::client>(bench_config(), rng);
        connect(*c);
        (void)c->on_message(send_frame, message_type::text, instant::zero()); // one frame, then idle
        while (c->poll()) {
        }
        c->shrink(); // long idle: the queues go back
        return c;
    });
}
BENCHMARK(idle)->Name("singyeong_idle_session/sluice")->Iterations(10);

} // namespace

BENCHMARK_MAIN();
