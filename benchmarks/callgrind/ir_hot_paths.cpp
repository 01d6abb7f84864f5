// ir_hot_paths: each hot path as a fixed number of operations, for
// tools/callgrind.py, which runs `ir_hot_paths NAME N` under valgrind's
// callgrind twice (two N) and prints (Ir(N2) - Ir(N1)) / (N2 - N1): the
// instructions one operation costs, setup excluded, the same on any machine
// however loaded. Google Benchmark 1.7 cannot fix an iteration count from the
// command line, hence this driver. `ir_hot_paths --list` names the paths.
//
// Each operation is what the benchmark of the same name does once: a frame
// in, its actions polled, the typed value decoded (or a payload written).
#include <sluice/discord.hpp>
#include <sluice/engineio/client.hpp>
#include <sluice/i386chat.hpp>
#include <sluice/json.hpp>
#include <sluice/navigator/client.hpp>
#include <sluice/nightingale.hpp>
#include <sluice/singyeong.hpp>
#include <sluice/socketio/client.hpp>
#include <sluice/ws.hpp>

#include "support/engineio_fixture.hpp"
#include "support/fixture.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

using namespace sluice;
using namespace sluice_bench;
namespace dc = sluice::discord;

namespace {

template <class M>
void drain(M& m) {
    while (m.poll()) {
    }
}

std::size_t sink = 0; // results, so nothing is optimized away

// A hot path: setup once, then `op` N times.
using path = std::function<void(long)>;

void discord_message(long n) {
    xoshiro256 rng{1};
    dc::client c(discord_config(), entropy(rng));
    (void)c.start(instant::zero());
    drain(c);
    c.on_open(instant::zero());
    c.on_message(load_vector("discord/hello.json"), message_type::text, instant::zero());
    c.on_message(load_vector("discord/ready.json"), message_type::text, instant::zero());
    drain(c);
    discord_update_frame f;
    dc::message m;
    for (long i = 0; i < n; ++i) {
        bump_digits(f.text.data() + f.seq_at, 10);
        c.on_message(f.text, message_type::text, instant::zero());
        while (const gateway::entry* e = c.poll())
            if (dc::event_of(*e) == dc::event::message_update && !dc::decode(*e, m)) ++sink;
    }
}

void discord_bytes(long n) {
    discord_bytes_session b;
    discord_update_frame f;
    std::string wire = server_text_frame(f.text);
    char* digits = wire.data() + 4 + f.seq_at;
    dc::message m;
    for (long i = 0; i < n; ++i) {
        bump_digits(digits, 10);
        b.s.receive(wire, instant::zero());
        while (const auto* e = b.s.poll())
            if (e->action.io == ws::io_op::none && dc::event_of(e->action.inner, e->bytes) == dc::event::message_update &&
                !dc::decode(e->action.inner, e->bytes, m))
                ++sink;
    }
}

void discord_heartbeat_ack(long n) {
    discord_bytes_session b;
    const std::string wire = server_text_frame(R"({"op":11})");
    instant t = instant::zero();
    for (long i = 0; i < n; ++i) {
        // a heartbeat due, then its ack as raw bytes
        t = b.s.inner().next_deadline();
        b.s.handle_timeout(t);
        drain(b.s);
        b.s.receive(wire, t);
        while (b.s.poll()) ++sink;
    }
}

void json_read(long n) {
    discord_update_frame f;
    struct envelope {
        json::raw d;
    } env{};
    if (json::read(env, f.text)) std::exit(2);
    dc::message m;
    for (long i = 0; i < n; ++i)
        if (!json::read(m, env.d.text)) ++sink;
}

dc::identify_args identify() {
    dc::identify_args a;
    a.token = "MTE3NjI5MDAwMDAwMDAwMDAwMQ.Gx-abc.secret_token_value";
    a.intents = dc::intents::guilds | dc::intents::guild_messages | dc::intents::message_content;
    a.shard = std::array<std::uint32_t, 2>{3, 16};
    return a;
}

void json_write_identify(long n) {
    const dc::identify_args a = identify();
    std::string out;
    for (long i = 0; i < n; ++i) {
        out.clear();
        if (!dc::write_identify(out, a)) sink += out.size();
    }
}

void json_write_heartbeat(long n) {
    std::string out;
    for (long i = 0; i < n; ++i) {
        out.clear();
        dc::write_heartbeat(out, 1000000000u + static_cast<std::uint64_t>(i));
        sink += out.size();
    }
}

void nightingale_forward(long n) {
    xoshiro256 rng{1};
    nightingale::config cfg;
    cfg.base_url = "ws://127.0.0.1:8081";
    cfg.user_id = 936929561302675456u;
    cfg.password = "youshallnotpass";
    nightingale::client c(cfg, rng);
    (void)c.start(instant::zero());
    (void)c.on_open(instant::zero());
    (void)c.on_message(R"({"op":"ready","data":{"session":"ad13c35f-7bf4-413b-997d-eef2fe009f98","resumed":false}})", message_type::text,
                       instant::zero());
    drain(c);
    const std::string frame =
        R"({"op":"forward","data":{"shard":1,"payload":{"op":4,"d":{"guild_id":"1176296352211234816","channel_id":"1176296352211234817","self_mute":false,"self_deaf":true}}}})";
    for (long i = 0; i < n; ++i) {
        (void)c.on_message(frame, message_type::text, instant::zero());
        while (const auto* e = c.poll()) sink += nightingale::data(*e).size();
    }
}

void i386chat_message_create(long n) {
    xoshiro256 rng{1};
    i386chat::client c(i386chat::config{.url = "ws://127.0.0.1:8082/gateway", .token = "tok"}, rng);
    (void)c.start(instant::zero());
    (void)c.on_open(instant::zero());
    (void)c.on_message(R"({"f":100,"cnf":{"hb_int":41250}})", message_type::text, instant::zero());
    (void)c.on_message(R"({"f":140,"cnf":{"v":6,"session_id":9683494578353,"enc_key":"key"}})", message_type::text, instant::zero());
    drain(c);
    std::string frame =
        R"({"f":130,"cnf":{"id":"9683494578353","room":"general","author":"ada","content":"hello there, how is the build going today?","ts":1670000000100},"s":1000000000,"t":"MESSAGE_CREATE"})";
    const std::size_t seq_at = frame.find("\"s\":") + 4;
    struct chat_message {
        std::string_view id, room, author, content;
        std::int64_t ts = 0;
    } m;
    for (long i = 0; i < n; ++i) {
        bump_digits(frame.data() + seq_at, 10);
        (void)c.on_message(frame, message_type::text, instant::zero());
        while (const auto* e = c.poll())
            if (e->action.kind == i386chat::action_kind::event && !json::read(m, i386chat::data(*e))) ++sink;
    }
}

void singyeong_send(long n) {
    xoshiro256 rng{1};
    singyeong::config cfg;
    cfg.url = "ws://127.0.0.1:4567/gateway/websocket?encoding=json";
    cfg.client_id = "c1";
    cfg.application_id = "app";
    singyeong::client c(cfg, rng);
    (void)c.start(instant::zero());
    (void)c.on_open(instant::zero());
    (void)c.on_message(R"({"op":0,"d":{"heartbeat_interval":45000},"t":null,"ts":1670000000000})", message_type::text, instant::zero());
    (void)c.on_message(R"({"op":2,"d":{"client_id":"c1","restricted":false},"t":null,"ts":1670000000001})", message_type::text,
                       instant::zero());
    drain(c);
    const std::string frame =
        R"({"op":4,"t":"SEND","d":{"target":{"application":"app","ops":[]},"nonce":null,"payload":{"job":"render","id":"1176296352211234816","priority":3,"args":"--size 512"},"sender":"worker-7"},"ts":1670000000100})";
    struct job {
        std::string_view job, id;
        std::int64_t priority = 0;
        std::string_view args;
    } m;
    for (long i = 0; i < n; ++i) {
        (void)c.on_message(frame, message_type::text, instant::zero());
        while (const auto* e = c.poll())
            if (e->action.kind == singyeong::action_kind::message && !json::read(m, singyeong::payload(*e))) ++sink;
    }
}

constexpr const char* open_packet = R"(0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})";
const std::string progress_frame =
    R"(42["task-progress",{"model_name":"cyberrealisticXL_v31","prompt":"Puppies","owner_id":"Russ","job_id":"cf2646a2deadbeef","width":512,"height":512,"steps":50,"seed":-1,"task_type":"txt2img","status":"processing","progress":0.19,"eta_relative":9.849347967850534,"current_step":9,"total_steps":50,"progress_path":"/api/previews/cf2646a2deadbeef"}])";

void socketio_event(long n) {
    socketio_connected s; // bench_engineio's socketio_message client
    socketio::client& c = s.c;
    for (long i = 0; i < n; ++i) {
        c.on_message(progress_frame, message_type::text, instant::zero());
        while (const auto* e = c.poll()) sink += e->action.args.size();
    }
}

void navigator_progress(long n) {
    xoshiro256 rng{1};
    navigator::config cfg = navigator::config::local();
    cfg.fetch_image_on_finish = false;
    navigator::client c(cfg, rng);
    const instant t = instant::zero();
    (void)c.start(t);
    c.on_open(t);
    c.on_message(open_packet, message_type::text, t);
    c.on_message(R"(40{"sid":"wZX3oN0bSVIhsaknAAAI"})", message_type::text, t);
    navigator::txt2img_request r;
    r.model_name = "cyberrealisticXL_v31";
    r.prompt = "Puppies";
    r.owner_id = "Russ";
    r.job_id = "cf2646a2deadbeef";
    std::uint64_t job = 0, request = 0;
    (void)c.submit(r, t, job);
    while (const auto* e = c.poll())
        if (e->action.kind == navigator::action_kind::http_request) request = e->action.request.id;
    (void)c.on_http_response(request, 200, R"({"job_id":"cf2646a2deadbeef"})", t);
    drain(c);
    for (long i = 0; i < n; ++i) {
        c.on_message(progress_frame, message_type::text, t);
        while (const auto* e = c.poll())
            if (e->action.task) ++sink;
    }
}

void engineio_ping(long n) {
    engineio_connected s; // bench_engineio's engineio_ping client
    engineio::client& c = s.c;
    for (long i = 0; i < n; ++i) {
        c.on_message("2", message_type::text, instant::zero());
        while (const auto* e = c.poll()) sink += e->bytes.size();
    }
}

const std::vector<std::pair<const char*, path>> paths = {
    {"json_read_view/discord_message", json_read},
    {"json_write_identify", json_write_identify},
    {"json_write_heartbeat", json_write_heartbeat},
    {"discord_message_update/message", discord_message},
    {"discord_message_update/bytes", discord_bytes},
    {"discord_heartbeat_ack/bytes", discord_heartbeat_ack},
    {"nightingale_forward", nightingale_forward},
    {"i386chat_message_create", i386chat_message_create},
    {"singyeong_send", singyeong_send},
    {"socketio_event", socketio_event},
    {"navigator_progress", navigator_progress},
    {"engineio_ping", engineio_ping},
};

} // namespace

int main(int argc, char** argv) {
    if (argc == 2 && std::strcmp(argv[1], "--list") == 0) {
        for (const auto& [name, f] : paths) std::printf("%s\n", name);
        return 0;
    }
    if (argc != 3) {
        std::fprintf(stderr, "usage: ir_hot_paths NAME N | --list\n");
        return 2;
    }
    for (const auto& [name, f] : paths)
        if (std::strcmp(argv[1], name) == 0) {
            f(std::strtol(argv[2], nullptr, 10));
            std::printf("%zu\n", sink);
            return 0;
        }
    std::fprintf(stderr, "ir_hot_paths: no path %s (--list)\n", argv[1]);
    return 2;
}
