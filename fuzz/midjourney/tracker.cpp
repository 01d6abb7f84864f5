// fuzz_midjourney_tracker: the Midjourney tracker with jobs in flight, fed
// arbitrary Discord events, REST answers and time (fuzz/discord/frames.cpp
// feeds it events too, but never starts a job, so none of the job paths run).
//
// The first input byte picks the setup (bit 0: fetch the application
// commands instead of knowing /imagine; bit 1: a guild channel); the rest is
// a script of fuzz/support/script.hpp records, read here as:
//   message   a gateway dispatch into a connected Discord client whose
//             entries all go to the tracker: payload byte 0 picks the event
//             (MESSAGE_CREATE, MESSAGE_UPDATE, MESSAGE_DELETE, READY, or the
//             payload is the whole frame), the rest is "d". In it "$0".."$3"
//             become the id (nonce) of the newest..4th newest job, "$B" the
//             bot's id and "$C" the channel's, so the fuzzer can address jobs.
//   command   byte 0 picks imagine (prompt = the rest), upscale, variation or
//             reroll (of the job byte 1 names, index byte 2), forget, start.
//   open      answers the oldest HTTP request: status from byte 0, body after.
//   binary    the oldest HTTP request fails at the transport.
//   advance / deadline   time passes (seconds), handle_timeout.
//   close / restart      the gateway connection drops / resumes.
// Checked on every step:
//  - every job ends exactly once (finished or failed), and nothing about a
//    job comes after its end; `started` at most once; percent <= 100;
//  - a finished job is found with its URL (the entry's bytes), a failed one
//    with an error; http_request entries are views inside their entry;
//  - at the end, once every request is answered and the job timeout has
//    passed, every job started has ended.
#include <sluice/discord.hpp>
#include <sluice/midjourney.hpp>

#include "../support/discord_config.hpp"
#include "../support/script.hpp"

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace sluice;
namespace dc = sluice::discord;
namespace gw = sluice::gateway;
namespace mj = sluice::midjourney;

void check(bool ok) {
    if (!ok) std::abort();
}

constexpr std::string_view hello = R"({"op":10,"d":{"heartbeat_interval":41250}})";
constexpr std::string_view ready =
    R"({"t":"READY","s":1,"op":0,"d":{"v":10,"user":{"id":"1","username":"u"},"session_id":"abc","resume_gateway_url":"wss://r.example"}})";
constexpr std::string_view commands_body =
    R"([{"id":"938956540159881230","application_id":"936929561302675456","version":"1166847114203123795","name":"imagine","type":1}])";
constexpr std::string_view channel = "1097345283567484928";

struct job_record {
    bool started = false;
    bool ended = false;
};

struct run {
    xoshiro256 rng{3};
    dc::client c;
    mj::tracker t;
    instant now = instant::zero();
    std::int64_t wall_ms = 1700521301985;
    std::uint64_t seq = 1;
    std::vector<std::uint64_t> ids;            // jobs in submission order
    std::map<std::uint64_t, job_record> jobs;  // every job submitted
    std::deque<std::uint64_t> requests;        // HTTP requests handed out, not answered

    static mj::config mjcfg(std::uint8_t setup) {
        mj::config k;
        k.rest.authorization = "token";
        k.rest.max_retries = 1;
        k.channel_id = snowflake(1097345283567484928);
        if (setup & 2) k.guild_id = snowflake(1011118430651756540);
        if (!(setup & 1)) {
            k.imagine_id = snowflake(938956540159881230);
            k.imagine_version = snowflake(1166847114203123795);
        }
        k.max_jobs = 3; // small: eviction runs
        k.job_timeout = std::chrono::minutes(2);
        return k;
    }
    explicit run(std::uint8_t setup) : c(fuzz_script::discord_config(), entropy(rng)), t(mjcfg(setup)) {}

    void drain_tracker() {
        while (const mj::entry* e = t.poll()) {
            const mj::action& a = e->action;
            switch (a.kind) {
            case mj::action_kind::http_request: {
                check(std::size_t(a.http.body_offset) + a.http.body_size <= e->bytes.size());
                check(std::size_t(a.http.headers_offset) + a.http.headers_size <= e->bytes.size());
                check(mj::request(*e).target.starts_with("/api/v10/"));
                requests.push_back(a.request);
                continue;
            }
            case mj::action_kind::ready: continue;
            case mj::action_kind::failed:
                if (a.job == 0) { // the commands request failed: no job
                    check(a.error == mj::errc::commands_unavailable);
                    continue;
                }
                break;
            default: break;
            }
            auto it = jobs.find(a.job);
            check(it != jobs.end());
            job_record& j = it->second;
            check(!j.ended);
            check(a.percent <= 100);
            const mj::job* found = t.find(a.job);
            switch (a.kind) {
            case mj::action_kind::started:
                check(!j.started);
                j.started = true;
                break;
            case mj::action_kind::finished:
                j.ended = true;
                check(found && found->state == mj::job_state::finished && found->image_url == e->bytes);
                break;
            case mj::action_kind::failed:
                j.ended = true;
                check(a.error && found && found->state == mj::job_state::failed);
                break;
            default: break;
            }
        }
    }
    void drain() {
        while (const gw::entry* e = c.poll()) t.on_gateway(*e, now);
        drain_tracker();
        if (c.current_state() == gw::state::connecting) {
            c.on_open(now);
            while (const gw::entry* e = c.poll()) t.on_gateway(*e, now);
        }
        drain_tracker();
    }
    void submitted(std::error_code ec, std::uint64_t id) {
        if (ec) return;
        check(id != 0 && !jobs.count(id));
        jobs[id] = {};
        ids.push_back(id);
    }
    std::uint64_t job_at(std::uint8_t back) const {
        if (ids.empty()) return 0;
        return ids[ids.size() - 1 - back % (ids.size() < 4 ? ids.size() : 4)];
    }
    // The payload with the placeholders replaced.
    std::string expand(std::string_view p) const {
        std::string out;
        for (std::size_t i = 0; i < p.size(); ++i) {
            if (p[i] == '$' && i + 1 < p.size()) {
                const char k = p[i + 1];
                if (k >= '0' && k <= '3') {
                    out += std::to_string(job_at(static_cast<std::uint8_t>(k - '0')));
                    ++i;
                    continue;
                }
                if (k == 'B') {
                    out += "936929561302675456";
                    ++i;
                    continue;
                }
                if (k == 'C') {
                    out += channel;
                    ++i;
                    continue;
                }
            }
            out += p[i];
        }
        return out;
    }
    void answer(std::string_view p) {
        if (requests.empty()) return;
        constexpr std::uint16_t statuses[] = {204, 200, 200, 400, 429, 500, 503, 404};
        const auto [which, body] = fuzz_script::split_command(p, 8);
        const std::uint64_t id = requests.front();
        requests.pop_front();
        const std::uint16_t st = statuses[which];
        // 200 with an empty body: the commands list, for the commands request.
        // (unknown_request: the REST client timed it out meanwhile, 30 s after handing it out)
        const std::error_code ec = t.on_response(id, st, {}, st == 200 && body.empty() ? commands_body : body, now);
        check(!ec || ec == dc::errc::unknown_request);
    }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    run r(data[0]);
    check(!r.c.start(r.now));
    check(!r.t.start(r.now));
    r.drain();
    r.c.on_message(hello, message_type::text, r.now);
    r.drain();
    r.c.on_message(ready, message_type::text, r.now);
    r.drain();

    fuzz_script::reader in(data + 1, size - 1);
    fuzz_script::record rec;
    std::string frame;
    while (in.next(rec)) {
        const std::string_view p = rec.payload;
        switch (rec.kind) {
        case fuzz_script::op::message: {
            constexpr std::string_view events[] = {"MESSAGE_CREATE", "MESSAGE_UPDATE", "MESSAGE_DELETE", "READY"};
            const auto [which, rest_of] = fuzz_script::split_command(p, 5);
            const std::string d = r.expand(rest_of);
            if (which == 4) {
                frame = d;
            } else {
                frame = R"({"t":")";
                frame += events[which];
                frame += R"(","s":)";
                frame += std::to_string(++r.seq);
                frame += R"(,"op":0,"d":)";
                frame += d;
                frame += '}';
            }
            (void)r.c.on_message(frame, message_type::text, r.now);
            break;
        }
        case fuzz_script::op::command: {
            const auto [which, rest_of] = fuzz_script::split_command(p, 6);
            const std::uint8_t b1 = rest_of.empty() ? 0 : static_cast<std::uint8_t>(rest_of[0]);
            const int index = rest_of.size() > 1 ? static_cast<std::uint8_t>(rest_of[1]) % 6 : 1;
            std::uint64_t id = 0;
            r.wall_ms += 17;
            switch (which) {
            case 0: r.submitted(r.t.imagine(rest_of, r.wall_ms, r.now, id), id); break;
            case 1: r.submitted(r.t.upscale(r.job_at(b1), index, r.wall_ms, r.now, id), id); break;
            case 2: r.submitted(r.t.variation(r.job_at(b1), index, r.wall_ms, r.now, id), id); break;
            case 3: r.submitted(r.t.reroll(r.job_at(b1), r.wall_ms, r.now, id), id); break;
            case 4: {
                const std::uint64_t j = r.job_at(b1);
                const mj::job* f = r.t.find(j);
                const bool can = f && !f->running();
                check(!r.t.forget(j) == can);
                break;
            }
            case 5: (void)r.t.start(r.now); break;
            }
            break;
        }
        case fuzz_script::op::open: r.answer(p); break;
        case fuzz_script::op::binary:
            if (!r.requests.empty()) {
                const std::error_code ec = r.t.on_failure(r.requests.front(), r.now);
                check(!ec || ec == dc::errc::unknown_request);
                r.requests.pop_front();
            }
            break;
        case fuzz_script::op::advance:
            r.now += std::chrono::seconds(fuzz_script::reader::u16(p) % 600);
            r.c.handle_timeout(r.now);
            r.t.handle_timeout(r.now);
            break;
        case fuzz_script::op::deadline:
            if (!r.t.next_deadline().is_never() && r.t.next_deadline() > r.now) r.now = r.t.next_deadline();
            r.t.handle_timeout(r.now);
            r.c.handle_timeout(r.now);
            break;
        case fuzz_script::op::close: (void)r.c.on_close(close_info{4000, {}}, r.now); break;
        case fuzz_script::op::restart: (void)r.c.on_open(r.now); break;
        }
        r.drain();
    }
    // Every request answered, the timeout passes: every job has ended.
    for (int i = 0; i < 64 && !r.requests.empty(); ++i) {
        r.answer("\x00");
        r.drain();
    }
    r.now += std::chrono::minutes(3);
    r.t.handle_timeout(r.now);
    r.drain();
    for (const auto& [id, j] : r.jobs) {
        check(j.ended);
        const mj::job* f = r.t.find(id);
        check(!f || !f->running());
    }
    return 0;
}
