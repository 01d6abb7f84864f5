// bench_json: typed read of a Discord MESSAGE_UPDATE (std::string and
// std::string_view fields) and writes of identify, heartbeat and dispatch payloads, sluice against
// simdjson on-demand, RapidJSON, Boost.JSON and nlohmann/json in one binary.
// Families: json_read_string, json_read_view, json_write_identify,
// json_write_heartbeat, json_write_dispatch; each benchmark checks once that
// it extracted (or wrote) the same as sluice.
#include "message.hpp"

#include <sluice/json.hpp>

#include <benchmark/benchmark.h>

#include "support/fixture.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace {

const std::string& fixture() {
    static const std::string text = sluice_bench::load_vector("discord/message_update.json");
    return text;
}

// simdjson needs 64 readable bytes after the text; a gateway would receive
// into such a buffer, so it is made once, outside the timing.
const std::string& padded_fixture() {
    static const std::string padded = fixture() + std::string(64, ' ');
    return padded;
}

template <class Str>
bool same(const bench::dispatch<Str>& a, const bench::dispatch<Str>& b) {
    const auto& x = a.d;
    const auto& y = b.d;
    if (a.op != b.op || a.s != b.s || a.t != b.t || x.id != y.id || x.channel_id != y.channel_id ||
        x.guild_id != y.guild_id || x.content != y.content || x.nonce != y.nonce || x.tts != y.tts ||
        x.edited_timestamp != y.edited_timestamp || x.author.id != y.author.id ||
        x.author.username != y.author.username || x.author.bot != y.author.bot ||
        x.attachments.size() != y.attachments.size())
        return false;
    for (std::size_t i = 0; i < x.attachments.size(); ++i) {
        const auto& p = x.attachments[i];
        const auto& q = y.attachments[i];
        if (p.id != q.id || p.url != q.url || p.filename != q.filename || p.size != q.size || p.width != q.width ||
            p.height != q.height)
            return false;
    }
    return true;
}

template <class Str>
const bench::dispatch<Str>& reference() {
    static const bench::dispatch<Str> ref = [] {
        bench::dispatch<Str> r;
        if (sluice::json::read(r, fixture())) {
            std::fprintf(stderr, "bench_json: sluice cannot read the fixture\n");
            std::exit(1);
        }
        return r;
    }();
    return ref;
}

template <class Str, class Read>
void run_read(benchmark::State& state, Read read) {
    bench::dispatch<Str> out;
    if (!read(out) || !same(out, reference<Str>())) {
        state.SkipWithError("extracted values differ from sluice's");
        return;
    }
    for (auto _ : state) {
        const bool ok = read(out);
        benchmark::DoNotOptimize(ok);
        benchmark::DoNotOptimize(out);
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * fixture().size()));
    bench::release_peer_documents();
}

template <class Str>
void read_sluice(benchmark::State& state) {
    run_read<Str>(state, [](bench::dispatch<Str>& out) { return !sluice::json::read(out, fixture()); });
}
template <class Str>
void read_simdjson(benchmark::State& state) {
    run_read<Str>(state, [](bench::dispatch<Str>& out) {
        return bench::read_simdjson(padded_fixture(), fixture().size(), out);
    });
}
template <class Str>
void read_rapidjson(benchmark::State& state) {
    run_read<Str>(state, [](bench::dispatch<Str>& out) { return bench::read_rapidjson(fixture(), out); });
}
template <class Str>
void read_boost_json(benchmark::State& state) {
    run_read<Str>(state, [](bench::dispatch<Str>& out) { return bench::read_boost_json(fixture(), out); });
}
template <class Str>
void read_nlohmann(benchmark::State& state) {
    run_read<Str>(state, [](bench::dispatch<Str>& out) { return bench::read_nlohmann(fixture(), out); });
}

BENCHMARK(read_sluice<std::string>)->Name("json_read_string/sluice");
BENCHMARK(read_simdjson<std::string>)->Name("json_read_string/simdjson");
BENCHMARK(read_rapidjson<std::string>)->Name("json_read_string/rapidjson");
BENCHMARK(read_boost_json<std::string>)->Name("json_read_string/boost_json");
BENCHMARK(read_nlohmann<std::string>)->Name("json_read_string/nlohmann");
BENCHMARK(read_sluice<std::string_view>)->Name("json_read_view/sluice");
BENCHMARK(read_simdjson<std::string_view>)->Name("json_read_view/simdjson");
BENCHMARK(read_rapidjson<std::string_view>)->Name("json_read_view/rapidjson");
BENCHMARK(read_boost_json<std::string_view>)->Name("json_read_view/boost_json");
BENCHMARK(read_nlohmann<std::string_view>)->Name("json_read_view/nlohmann");

// The strict reader (skipped values checked like validate()) and validate().
void read_sluice_strict(benchmark::State& state) {
    sluice::json::read_options opt;
    opt.strict = true;
    run_read<std::string_view>(state, [&](bench::dispatch<std::string_view>& out) {
        return !sluice::json::read(out, fixture(), opt);
    });
}
BENCHMARK(read_sluice_strict)->Name("json_read_view/sluice_strict");

void validate_sluice(benchmark::State& state) {
    for (auto _ : state) benchmark::DoNotOptimize(sluice::json::validate(fixture()));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * fixture().size()));
}
BENCHMARK(validate_sluice)->Name("json_validate/sluice");

// Writes `value` again and again into a reused buffer; checks once that the
// output is byte for byte sluice's.
template <class Value, class Write>
void run_write(benchmark::State& state, const Value& value, Write write) {
    std::string out;
    std::string expected;
    static_cast<void>(sluice::json::write(value, expected));
    write(value, out);
    if (out != expected) {
        state.SkipWithError(("output differs from sluice's: " + out).c_str());
        return;
    }
    std::size_t bytes = 0;
    for (auto _ : state) {
        write(value, out);
        bytes += out.size();
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

template <class Value>
void sluice_write(const Value& v, std::string& out) {
    out.clear();
    static_cast<void>(sluice::json::write(v, out));
}

void write_sluice(benchmark::State& state) { run_write(state, bench::sample_identify(), sluice_write<bench::identify>); }
void write_nlohmann(benchmark::State& state) {
    run_write(state, bench::sample_identify(), [](const bench::identify& v, std::string& out) { bench::write_nlohmann(v, out); });
}
void write_boost_json(benchmark::State& state) {
    run_write(state, bench::sample_identify(), [](const bench::identify& v, std::string& out) { bench::write_boost_json(v, out); });
}
void write_rapidjson(benchmark::State& state) {
    run_write(state, bench::sample_identify(), [](const bench::identify& v, std::string& out) { bench::write_rapidjson(v, out); });
}

BENCHMARK(write_sluice)->Name("json_write_identify/sluice");
BENCHMARK(write_rapidjson)->Name("json_write_identify/rapidjson");
BENCHMARK(write_boost_json)->Name("json_write_identify/boost_json");
BENCHMARK(write_nlohmann)->Name("json_write_identify/nlohmann");

// A heartbeat: {"op":1,"d":<sequence>}.
const bench::heartbeat sample_heartbeat{1, 1287};
void write_heartbeat_sluice(benchmark::State& state) { run_write(state, sample_heartbeat, sluice_write<bench::heartbeat>); }
void write_heartbeat_boost_json(benchmark::State& state) {
    run_write(state, sample_heartbeat, [](const bench::heartbeat& v, std::string& out) { bench::write_boost_json(v, out); });
}
BENCHMARK(write_heartbeat_sluice)->Name("json_write_heartbeat/sluice");
BENCHMARK(write_heartbeat_boost_json)->Name("json_write_heartbeat/boost_json");

// A dispatch: the MESSAGE_UPDATE fields read from the fixture, written back.
void write_dispatch_sluice(benchmark::State& state) {
    run_write(state, reference<std::string>(), sluice_write<bench::dispatch<std::string>>);
}
void write_dispatch_boost_json(benchmark::State& state) {
    run_write(state, reference<std::string>(),
              [](const bench::dispatch<std::string>& v, std::string& out) { bench::write_boost_json(v, out); });
}
BENCHMARK(write_dispatch_sluice)->Name("json_write_dispatch/sluice");
BENCHMARK(write_dispatch_boost_json)->Name("json_write_dispatch/boost_json");

} // namespace

BENCHMARK_MAIN();
