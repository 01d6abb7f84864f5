// bench_i386chat: the i386chat client's most common inbound frame.
//
// Family i386chat_message_create, one frame a time: an execute (f 130)
// MESSAGE_CREATE with a fresh sequence number (10 digits, bumped in place,
// so the client never drops it as replayed), decoded into a typed message.
//   sluice_message  i386chat::client::on_message (envelope, sequence, cap),
//                   poll(), json::read of cnf into a struct of string_views
//   sluice_string   the same into a struct of std::string (reused)
//   nlohmann        nlohmann::json::parse of the frame and extraction of the
//                   same fields into the std::string struct
// Also i386chat_idle_session/sluice (sizeof and heap bytes of a connected,
// idle client after shrink(); counters).
#include <sluice/i386chat.hpp>
#include <sluice/json.hpp>

#include <nlohmann/json.hpp>

#include "support/bench.hpp"

#include <memory>
#include <string>
#include <string_view>

namespace {

using namespace sluice;
namespace ic = sluice::i386chat;

struct frame {
    std::string text = R"({"f":130,"cnf":{"id":"9683494578353","room":"general","author":"ada","content":"hello there, how is the build going today?","ts":1670000000100},"s":1000000000,"t":"MESSAGE_CREATE"})";
    std::size_t seq_at = text.find("\"s\":") + 4;
};

template <class S>
struct chat_message {
    S id{}, room{}, author{}, content{};
    std::int64_t ts = 0;
};

ic::config bench_config() { return ic::config{.url = "ws://127.0.0.1:8082/gateway", .token = "tok"}; }

void connect(ic::client& c) {
    (void)c.start(instant::zero());
    (void)c.on_open(instant::zero());
    (void)c.on_message(R"({"f":100,"cnf":{"hb_int":41250}})", message_type::text, instant::zero());
    (void)c.on_message(R"({"f":140,"cnf":{"v":6,"session_id":9683494578353,"enc_key":"key"}})", message_type::text, instant::zero());
    while (c.poll()) {
    }
}

template <class S>
void sluice_message(benchmark::State& state) {
    xoshiro256 rng{1};
    ic::client c(bench_config(), rng);
    connect(c);
    frame f;
    chat_message<S> m;
    std::size_t n = 0;
    for (auto _ : state) {
        sluice_bench::bump_digits(f.text.data() + f.seq_at, 10);
        (void)c.on_message(f.text, message_type::text, instant::zero());
        while (const ic::entry* e = c.poll())
            if (e->action.kind == ic::action_kind::event && ic::name(*e) == "MESSAGE_CREATE" && !json::read(m, ic::data(*e))) ++n;
        benchmark::DoNotOptimize(m);
    }
    if (n != static_cast<std::size_t>(state.iterations()) || m.author != "ada") state.SkipWithError("wrong result");
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * f.text.size()));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(sluice_message<std::string_view>)->Name("i386chat_message_create/sluice_message");
BENCHMARK(sluice_message<std::string>)->Name("i386chat_message_create/sluice_string");

void nlohmann_bench(benchmark::State& state) {
    frame f;
    chat_message<std::string> m;
    std::uint64_t last = 0;
    std::size_t n = 0;
    for (auto _ : state) {
        sluice_bench::bump_digits(f.text.data() + f.seq_at, 10);
        const nlohmann::json j = nlohmann::json::parse(f.text);
        if (j.at("f").get<int>() != 130) continue;
        const std::uint64_t s = j.at("s").get<std::uint64_t>();
        if (s <= last) continue; // a replayed execute
        last = s;
        if (j.at("t").get_ref<const std::string&>() != "MESSAGE_CREATE") continue;
        const nlohmann::json& d = j.at("cnf");
        m.id = d.at("id").get<std::string>();
        m.room = d.at("room").get<std::string>();
        m.author = d.at("author").get<std::string>();
        m.content = d.at("content").get<std::string>();
        m.ts = d.at("ts").get<std::int64_t>();
        ++n;
        benchmark::DoNotOptimize(m);
    }
    if (n != static_cast<std::size_t>(state.iterations()) || m.author != "ada") state.SkipWithError("wrong result");
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * f.text.size()));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(nlohmann_bench)->Name("i386chat_message_create/nlohmann");

void idle(benchmark::State& state) {
    xoshiro256 rng{2};
    sluice_bench::idle_session(state, sizeof(ic::client), [&] {
        auto c = std::make_unique<ic::client>(bench_config(), rng);
        connect(*c);
        frame f;
        (void)c->on_message(f.text, message_type::text, instant::zero()); // one frame, then idle
        while (c->poll()) {
        }
        c->shrink(); // long idle: the queues go back
        return c;
    });
}
BENCHMARK(idle)->Name("i386chat_idle_session/sluice")->Iterations(10);

} // namespace

BENCHMARK_MAIN();
