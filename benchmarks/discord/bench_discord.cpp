// bench_discord: a MESSAGE_UPDATE frame from the gateway to a typed event.
//
// Family discord_message_update, one frame a time:
//   sluice_message  message mode: discord::client::on_message (envelope,
//                   sequence, queue), poll(), discord::decode into a reused
//                   discord::message
//   sluice_bytes    byte mode: the same frame inside a WebSocket frame,
//                   through ws::session<discord::client>::receive, then poll
//                   and decode
//   nlohmann        nlohmann::json::parse of the frame and extraction of the
//                   same fields into a struct with std::string members (what
//                   most C++ Discord libraries do)
// Each frame carries a fresh sequence number (10 digits, bumped in place), so
// the client never drops one as stale. Family discord_heartbeat_ack: {"op":11}
// frames per second (items/s) in byte and message mode. Also:
// discord_idle_session reports sizeof and heap bytes of a connected, idle
// client as counters.
#include <sluice/discord.hpp>
#include <sluice/ws.hpp>

#include <nlohmann/json.hpp>

#include <benchmark/benchmark.h>

#include "support/fixture.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

using namespace sluice;
using namespace sluice_bench;
namespace dc = sluice::discord;
namespace gw = sluice::gateway;

namespace {

template <class M>
void drain(M& m) {
    while (m.poll()) {
    }
}

void connect(dc::client& c) {
    c.start(instant::zero());
    drain(c);
    c.on_open(instant::zero());
    c.on_message(load_vector("discord/hello.json"), message_type::text, instant::zero());
    drain(c);
    c.on_message(load_vector("discord/ready.json"), message_type::text, instant::zero());
    drain(c);
}

bool check(const dc::message& m) {
    std::string s;
    return m.id == snowflake(1176296352211234816) && m.author && m.author->id == snowflake(936929561302675456) && m.attachments &&
           m.attachments->size() == 1 && (*m.attachments)[0].size == 148922u && dc::text(*m.content, s).find("(31%)") != std::string::npos;
}

// ---- sluice, message mode ------------------------------------------------

void sluice_message(benchmark::State& state) {
    xoshiro256 rng{1};
    dc::client c(discord_config(), entropy(rng));
    connect(c);
    discord_update_frame f;
    dc::message m;
    std::size_t events = 0;
    for (auto _ : state) {
        bump_digits(f.text.data() + f.seq_at, 10);
        c.on_message(f.text, message_type::text, instant::zero());
        while (const gw::entry* e = c.poll()) {
            if (dc::event_of(*e) == dc::event::message_update && !dc::decode(*e, m)) ++events;
        }
        benchmark::DoNotOptimize(m);
    }
    if (events != static_cast<std::size_t>(state.iterations()) || !check(m)) state.SkipWithError("wrong result");
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * f.text.size()));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(sluice_message)->Name("discord_message_update/sluice_message");

// ---- sluice, byte mode -----------------------------------------------------

void sluice_bytes(benchmark::State& state) {
    discord_bytes_session b;
    auto& s = b.s;
    discord_update_frame f;
    std::string wire = server_text_frame(f.text);
    char* digits = wire.data() + 4 + f.seq_at;
    dc::message m;
    std::size_t events = 0;
    for (auto _ : state) {
        bump_digits(digits, 10);
        s.receive(wire, instant::zero());
        while (const auto* e = s.poll()) {
            if (e->action.io == ws::io_op::none && dc::event_of(e->action.inner, e->bytes) == dc::event::message_update &&
                !dc::decode(e->action.inner, e->bytes, m))
                ++events;
        }
        benchmark::DoNotOptimize(m);
    }
    if (events != static_cast<std::size_t>(state.iterations()) || !check(m)) state.SkipWithError("wrong result");
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * f.text.size()));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(sluice_bytes)->Name("discord_message_update/sluice_bytes");

// ---- heartbeat acks -----------------------------------------------------------
// Family discord_heartbeat_ack: {"op":11} frames, one at a time, through the
// byte-mode machine (WebSocket frame, envelope, heartbeat state) and the
// message-mode one; nlohmann parses the same text and reads op.

void ack_bytes(benchmark::State& state) {
    discord_bytes_session b;
    auto& s = b.s;
    const std::string wire = server_text_frame(R"({"op":11})");
    for (auto _ : state) {
        s.receive(wire, instant::zero());
        drain(s);
    }
    if (!s.inner().is_ready()) state.SkipWithError("the session stopped");
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * wire.size()));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(ack_bytes)->Name("discord_heartbeat_ack/sluice_bytes");

void ack_message(benchmark::State& state) {
    xoshiro256 rng{7};
    dc::client c(discord_config(), entropy(rng));
    connect(c);
    const std::string text = R"({"op":11})";
    for (auto _ : state) {
        c.on_message(text, message_type::text, instant::zero());
        drain(c);
    }
    if (!c.is_ready()) state.SkipWithError("the session stopped");
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(ack_message)->Name("discord_heartbeat_ack/sluice_message");

void ack_nlohmann(benchmark::State& state) {
    const std::string text = R"({"op":11})";
    int op = 0;
    for (auto _ : state) {
        const nlohmann::json j = nlohmann::json::parse(text);
        op = j.at("op").get<int>();
        benchmark::DoNotOptimize(op);
    }
    if (op != 11) state.SkipWithError("wrong result");
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(ack_nlohmann)->Name("discord_heartbeat_ack/nlohmann");

// ---- nlohmann/json ---------------------------------------------------------

// The same fields as discord::message, as a typical nlohmann-based library
// keeps them: std::string members, ids parsed to integers.
struct n_user {
    std::uint64_t id = 0;
    std::string username, global_name, discriminator, avatar;
    bool bot = false;
    std::uint64_t public_flags = 0;
};
struct n_attachment {
    std::uint64_t id = 0;
    std::string filename, url, proxy_url, content_type;
    std::uint64_t size = 0;
    std::uint32_t width = 0, height = 0;
};
struct n_component {
    int type = 0;
    std::string custom_id, label;
};
struct n_message {
    int op = 0;
    std::uint64_t s = 0;
    std::string t;
    std::uint64_t id = 0, channel_id = 0, guild_id = 0;
    n_user author;
    std::string content, nonce, timestamp, edited_timestamp;
    int type = 0;
    bool tts = false;
    std::uint64_t flags = 0;
    std::vector<n_attachment> attachments;
    std::vector<std::string> embed_titles;
    std::vector<n_component> components;
};

std::uint64_t id_of(const nlohmann::json& j) { return j.is_string() ? std::stoull(j.get_ref<const std::string&>()) : 0; }
std::string str_of(const nlohmann::json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

void nlohmann_decode(const std::string& text, n_message& out) {
    const nlohmann::json j = nlohmann::json::parse(text);
    out.op = j.at("op").get<int>();
    out.s = j.at("s").get<std::uint64_t>();
    out.t = j.at("t").get<std::string>();
    const nlohmann::json& d = j.at("d");
    out.id = id_of(d.at("id"));
    out.channel_id = id_of(d.at("channel_id"));
    out.guild_id = d.contains("guild_id") ? id_of(d["guild_id"]) : 0;
    if (auto a = d.find("author"); a != d.end()) {
        out.author.id = id_of(a->at("id"));
        out.author.username = str_of(*a, "username");
        out.author.global_name = str_of(*a, "global_name");
        out.author.discriminator = str_of(*a, "discriminator");
        out.author.avatar = str_of(*a, "avatar");
        out.author.bot = a->value("bot", false);
        out.author.public_flags = a->value("public_flags", std::uint64_t{0});
    }
    out.content = str_of(d, "content");
    out.nonce = str_of(d, "nonce");
    out.timestamp = str_of(d, "timestamp");
    out.edited_timestamp = str_of(d, "edited_timestamp");
    out.type = d.value("type", 0);
    out.tts = d.value("tts", false);
    out.flags = d.value("flags", std::uint64_t{0});
    out.attachments.clear();
    for (const auto& a : d.at("attachments")) {
        n_attachment x;
        x.id = id_of(a.at("id"));
        x.filename = str_of(a, "filename");
        x.url = str_of(a, "url");
        x.proxy_url = str_of(a, "proxy_url");
        x.content_type = str_of(a, "content_type");
        x.size = a.value("size", std::uint64_t{0});
        x.width = a.value("width", 0u);
        x.height = a.value("height", 0u);
        out.attachments.push_back(std::move(x));
    }
    out.embed_titles.clear();
    for (const auto& e : d.at("embeds")) out.embed_titles.push_back(str_of(e, "title"));
    out.components.clear();
    for (const auto& row : d.at("components"))
        for (const auto& c : row.at("components")) out.components.push_back({c.value("type", 0), str_of(c, "custom_id"), str_of(c, "label")});
}

void nlohmann_bench(benchmark::State& state) {
    discord_update_frame f;
    n_message m;
    for (auto _ : state) {
        bump_digits(f.text.data() + f.seq_at, 10);
        nlohmann_decode(f.text, m);
        benchmark::DoNotOptimize(m);
    }
    if (m.id != 1176296352211234816u || m.author.id != 936929561302675456u || m.attachments.size() != 1 ||
        m.attachments[0].size != 148922u || m.content.find("(31%)") == std::string::npos)
        state.SkipWithError("wrong result");
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * f.text.size()));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(nlohmann_bench)->Name("discord_message_update/nlohmann");

// ---- the idle session --------------------------------------------------------

void idle_session(benchmark::State& state) {
    xoshiro256 rng{4};
    std::size_t heap = 0;
    for (auto _ : state) {
        dc::client c(discord_config(), entropy(rng));
        connect(c);
        instant t = instant::zero();
        for (int i = 0; i < 3; ++i) { // a few heartbeats and acks
            t = c.next_deadline();
            c.handle_timeout(t);
            drain(c);
            c.on_message(R"({"op":11})", message_type::text, t);
            drain(c);
        }
        c.shrink(); // what a long-idle session holds...
        t = c.next_deadline();
        c.handle_timeout(t); // ...once it has beaten again
        drain(c);
        c.on_message(R"({"op":11})", message_type::text, t);
        drain(c);
        heap = c.heap_bytes();
        benchmark::DoNotOptimize(heap);
    }
    state.counters["sizeof"] = static_cast<double>(sizeof(dc::client));
    state.counters["heap_bytes"] = static_cast<double>(heap);
    state.counters["total"] = static_cast<double>(sizeof(dc::client) + heap);
}
BENCHMARK(idle_session)->Name("discord_idle_session/sluice")->Iterations(10);

} // namespace

BENCHMARK_MAIN();
