// Engine.IO / Socket.IO / Navigator benchmarks (families FAMILY/IMPL, ratios
// printed by tools/bench_table.py):
//   navigator_progress/sluice_message  a task-progress frame ("42[...]") into a
//                                      navigator::client with the job in flight,
//                                      polled as a typed job event (task decoded)
//   navigator_progress/sluice_bytes    the same frames as raw WebSocket bytes
//                                      (64 a read) through ws::session
//   navigator_progress/nlohmann        nlohmann::json::parse of the frame's JSON
//                                      and extraction of the same fields
//   socketio_event/sluice_message      the frame into a socketio::client, polled
//                                      as an event (name and args as JSON text)
//   engineio_ping/sluice_message       a ping in, the pong out
//   *_idle_session/sluice              sizeof and heap bytes of a connected, idle
//                                      client (counters; heap counted by
//                                      support/heap.cpp's operator new)
#include <sluice/engineio/client.hpp>
#include <sluice/navigator/client.hpp>
#include <sluice/socketio/client.hpp>
#include <sluice/ws/session.hpp>

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include "support/bench.hpp"
#include "support/engineio_fixture.hpp"

#include <memory>
#include <string>

namespace {

using namespace sluice;
namespace nav = sluice::navigator;

constexpr const char* job_id = "cf2646a2deadbeef";

std::string progress_json() {
    return std::string(R"({"model_name":"cyberrealisticXL_v31","prompt":"Puppies","owner_id":"Russ","job_id":")") + job_id +
           R"(","width":512,"height":512,"steps":50,"seed":-1,"task_type":"txt2img","status":"processing","progress":0.19,)"
           R"("eta_relative":9.849347967850534,"current_step":9,"total_steps":50,"progress_path":"/api/previews/)" +
           job_id + "\"}";
}
std::string progress_frame() { return "42[\"task-progress\"," + progress_json() + "]"; }

constexpr const char* open_packet = sluice_bench::engineio_open_packet;

template <class M>
void drain(M& m) {
    while (const auto* e = m.poll()) benchmark::DoNotOptimize(e);
}

nav::config nav_config() {
    nav::config cfg = nav::config::local();
    cfg.fetch_image_on_finish = false;
    return cfg;
}

// A navigator client connected, with job `job_id` queued.
void connect(nav::client& c) {
    const instant t = instant::zero();
    (void)c.start(t);
    c.on_open(t);
    c.on_message(open_packet, message_type::text, t);
    c.on_message(R"(40{"sid":"wZX3oN0bSVIhsaknAAAI"})", message_type::text, t);
    std::uint64_t job = 0;
    nav::txt2img_request r;
    r.model_name = "cyberrealisticXL_v31";
    r.prompt = "Puppies";
    r.owner_id = "Russ";
    r.job_id = job_id;
    (void)c.submit(r, t, job);
    std::uint64_t request = 0;
    while (const auto* e = c.poll())
        if (e->action.kind == nav::action_kind::http_request) request = e->action.request.id;
    (void)c.on_http_response(request, 200, std::string(R"({"job_id":")") + job_id + "\"}", t);
    drain(c);
}

void navigator_message(benchmark::State& state) {
    xoshiro256 rng{1};
    nav::client c(nav_config(), rng);
    connect(c);
    const std::string frame = progress_frame();
    double sum = 0;
    for (auto _ : state) {
        c.on_message(frame, message_type::text, instant::zero());
        while (const auto* e = c.poll())
            if (e->action.task) sum += *e->action.task->progress;
    }
    benchmark::DoNotOptimize(sum);
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * frame.size()));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(navigator_message)->Name("navigator_progress/sluice_message");

void navigator_bytes(benchmark::State& state) {
    xoshiro256 rng{1};
    ws::session<nav::client> s(rng, ws::client_options{}, nav_config(), rng);
    // Connect through the codec: answer the upgrade, then the handshake frames.
    (void)s.inner().start(instant::zero());
    std::string request;
    while (const auto* e = s.poll())
        if (e->action.io == ws::io_op::transmit) request = std::string(e->bytes);
    s.transport_open(instant::zero());
    while (const auto* e = s.poll())
        if (e->action.io == ws::io_op::transmit) request = std::string(e->bytes);
    const auto at = request.find("Sec-WebSocket-Key: ") + 19;
    const auto accept = ws::accept_for(std::string_view(request).substr(at, 24));
    auto frame = [](std::string_view p) {
        std::string f;
        f += static_cast<char>(0x81);
        if (p.size() < 126) f += static_cast<char>(p.size());
        else {
            f += static_cast<char>(126);
            f += static_cast<char>(p.size() >> 8);
            f += static_cast<char>(p.size() & 0xFF);
        }
        f.append(p);
        return f;
    };
    std::string hello = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
                        std::string(accept.data(), accept.size()) + "\r\n\r\n" + frame(open_packet) + frame(R"(40{"sid":"wZX3oN0bSVIhsaknAAAI"})");
    s.receive(hello, instant::zero());
    std::uint64_t job = 0, req = 0;
    nav::txt2img_request r;
    r.model_name = "m";
    r.prompt = "p";
    r.owner_id = "o";
    r.job_id = job_id;
    (void)s.inner().submit(r, instant::zero(), job);
    while (const auto* e = s.poll())
        if (e->action.inner.kind == nav::action_kind::http_request) req = e->action.inner.request.id;
    (void)s.inner().on_http_response(req, 200, std::string(R"({"job_id":")") + job_id + "\"}", instant::zero());
    while (s.poll()) {
    }
    const std::string one = frame(progress_frame());
    std::string read;
    for (int i = 0; i < 64; ++i) read += one;
    double sum = 0;
    for (auto _ : state) {
        s.receive(read, instant::zero());
        while (const auto* e = s.poll())
            if (e->action.inner.task) sum += *e->action.inner.task->progress;
    }
    benchmark::DoNotOptimize(sum);
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * read.size()));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * 64));
}
BENCHMARK(navigator_bytes)->Name("navigator_progress/sluice_bytes");

// ---- nlohmann/json: what a typical client does with the same frame ------------

struct n_progress {
    std::string job_id, model_name, prompt, owner_id, status, progress_path;
    double progress = 0, eta_relative = 0;
    std::int64_t current_step = 0, total_steps = 0;
};

void nlohmann_bench(benchmark::State& state) {
    const std::string frame = progress_frame();
    n_progress p;
    double sum = 0;
    for (auto _ : state) {
        // Engine.IO "4" and Socket.IO "2" stripped, as a hand-written client does.
        const nlohmann::json j = nlohmann::json::parse(frame.begin() + 2, frame.end());
        if (j.at(0).get_ref<const std::string&>() == "task-progress") {
            const nlohmann::json& d = j.at(1);
            p.job_id = d.at("job_id").get<std::string>();
            if (p.job_id != job_id) continue;
            p.model_name = d.value("model_name", "");
            p.prompt = d.value("prompt", "");
            p.owner_id = d.value("owner_id", "");
            p.status = d.value("status", "");
            p.progress_path = d.value("progress_path", "");
            p.progress = d.value("progress", 0.0);
            p.eta_relative = d.value("eta_relative", 0.0);
            p.current_step = d.value("current_step", std::int64_t{0});
            p.total_steps = d.value("total_steps", std::int64_t{0});
            sum += p.progress;
        }
    }
    benchmark::DoNotOptimize(sum);
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * frame.size()));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(nlohmann_bench)->Name("navigator_progress/nlohmann");

// ---- Socket.IO and Engine.IO ---------------------------------------------------

socketio::config sio_config() {
    socketio::config cfg;
    cfg.engine.url = engineio::make_url("ws://127.0.0.1:3334");
    return cfg;
}

void socketio_message(benchmark::State& state) {
    sluice_bench::socketio_connected s; // shared with the callgrind driver
    socketio::client& c = s.c;
    const std::string frame = progress_frame();
    std::size_t n = 0;
    for (auto _ : state) {
        c.on_message(frame, message_type::text, instant::zero());
        while (const auto* e = c.poll()) n += e->action.args.size();
    }
    benchmark::DoNotOptimize(n);
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * frame.size()));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(socketio_message)->Name("socketio_event/sluice_message");

void engineio_ping(benchmark::State& state) {
    sluice_bench::engineio_connected s; // shared with the callgrind driver
    engineio::client& c = s.c;
    std::size_t n = 0;
    for (auto _ : state) {
        c.on_message("2", message_type::text, instant::zero());
        while (const auto* e = c.poll()) n += e->bytes.size();
    }
    benchmark::DoNotOptimize(n);
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(engineio_ping)->Name("engineio_ping/sluice_message");

// ---- idle sessions ----------------------------------------------------------------

void socketio_idle(benchmark::State& state) {
    xoshiro256 rng{1};
    sluice_bench::idle_session(state, sizeof(socketio::client), [&] {
        auto c = std::make_unique<socketio::client>(sio_config(), rng);
        (void)c->join("/", instant::zero());
        (void)c->start(instant::zero());
        c->on_open(instant::zero());
        c->on_message(open_packet, message_type::text, instant::zero());
        c->on_message(R"(40{"sid":"wZX3oN0bSVIhsaknAAAI"})", message_type::text, instant::zero());
        c->on_message("2", message_type::text, instant::zero());
        drain(*c);
        c->shrink(); // what a long-idle client holds
        return c;
    });
}
BENCHMARK(socketio_idle)->Name("socketio_idle_session/sluice")->Iterations(10);

void navigator_idle(benchmark::State& state) {
    xoshiro256 rng{1};
    sluice_bench::idle_session(state, sizeof(nav::client), [&] {
        auto c = std::make_unique<nav::client>(nav_config(), rng);
        const instant t = instant::zero();
        (void)c->start(t);
        c->on_open(t);
        c->on_message(open_packet, message_type::text, t);
        c->on_message(R"(40{"sid":"wZX3oN0bSVIhsaknAAAI"})", message_type::text, t);
        c->on_message(progress_frame(), message_type::text, t); // someone else's job: dropped
        c->on_message("2", message_type::text, t);
        drain(*c);
        c->shrink(); // what a long-idle client holds
        return c;
    });
}
BENCHMARK(navigator_idle)->Name("navigator_idle_session/sluice")->Iterations(10);

} // namespace

BENCHMARK_MAIN();
