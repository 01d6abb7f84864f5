// Deterministic simulation with Discord's own frames: a scripted gateway
// produces MESSAGE_CREATE events while the connection misbehaves (drops,
// resumable close codes, op 7, op 9 true, op 1 requests, lost acks, events
// lost in flight, replays that repeat a sequence, closes never confirmed,
// failed connects). The client must deliver every sequence exactly once, in
// order, each with its own payload, and resume with the right seq every time.
#include "harness.hpp"

using namespace test_dc;

namespace {

struct resume_d {
    std::string token;
    std::string session_id;
    std::uint64_t seq = 0;
};
struct resume_frame {
    int op = 0;
    resume_d d;
};
struct beat_frame {
    int op = 0;
    std::optional<std::uint64_t> d;
};

struct sim {
    sluice_test::test_rng rng;
    xoshiro256 client_rng;
    dc::client c;
    std::uint64_t produced = 0, sent_upto = 0;
    bool conn = false, ready = false, acking = true, calm = false;
    std::uint32_t gen = 0;
    std::int64_t now = 0;
    std::vector<std::uint64_t> delivered;
    int resumes = 0, identifies = 0;
    dc::message m;

    static dc::config cfg() {
        dc::config k = base_config();
        k.engine.wait_for_identify_permit = false;
        return k;
    }
    explicit sim(std::uint64_t seed) : rng{seed}, client_rng(seed ^ 0xabcdef), c(cfg(), entropy(client_rng)) {}

    bool chance(std::uint64_t per_mille) { return rng.below(1000) < per_mille; }
    void to_client(const std::string& text) { REQUIRE_FALSE(c.on_message(gen, text, message_type::text, at_ms(now))); }
    void drop(std::optional<std::uint16_t> code) {
        conn = ready = false;
        REQUIRE_FALSE(c.on_close(gen, {code, {}}, at_ms(now)));
    }
    static std::string event(std::uint64_t seq) {
        return R"({"t":"MESSAGE_CREATE","s":)" + std::to_string(seq) + R"(,"op":0,"d":{"id":")" + std::to_string(seq) +
               R"(","channel_id":"1","content":"event )" + std::to_string(seq) + R"("}})";
    }
    void flush() {
        while (conn && ready && sent_upto < produced) {
            ++sent_upto;
            if (!calm && chance(5)) { // lost in flight; the connection dies with it
                drop(std::nullopt);
                return;
            }
            to_client(event(sent_upto));
        }
    }

    void pump() {
        for (int guard = 0; guard < 200; ++guard) {
            const gw::entry* e = c.poll();
            if (!e) return;
            const gw::action a = e->action;
            const std::string bytes(e->bytes);
            switch (a.kind) {
            case gw::action_kind::open:
                gen = a.generation;
                conn = ready = false;
                if (!calm && chance(100)) {
                    REQUIRE_FALSE(c.on_close(gen, {}, at_ms(now)));
                    break;
                }
                REQUIRE(bytes == (a.resume ? "wss://gateway-us-east1-b.discord.gg/?v=10&encoding=json"
                                           : "wss://gateway.discord.gg/?v=10&encoding=json"));
                conn = true;
                acking = calm || !chance(60);
                REQUIRE_FALSE(c.on_open(gen, at_ms(now)));
                to_client(R"({"op":10,"d":{"heartbeat_interval":41250}})");
                break;
            case gw::action_kind::send:
                REQUIRE(conn);
                if (bytes.rfind("{\"op\":2,", 0) == 0) {
                    ++identifies;
                    produced = sent_upto = 1;
                    ready = true;
                    static const std::string ready_frame = sluice_test::read_vector("discord/ready.json");
                    to_client(ready_frame);
                } else if (bytes.rfind("{\"op\":6,", 0) == 0) {
                    ++resumes;
                    resume_frame rf;
                    REQUIRE_FALSE(json::read(rf, bytes));
                    REQUIRE(rf.d.session_id == "9d1f5b0e6c2a4c7f8e3b1a2d4f6e8c0a");
                    REQUIRE(rf.d.seq == (delivered.empty() ? 1 : delivered.back())); // the right seq, always
                    sent_upto = (!calm && rf.d.seq > 1 && chance(300)) ? rf.d.seq - 1 : rf.d.seq;
                    ready = true;
                    while (conn && sent_upto < produced) to_client(event(++sent_upto));
                    if (conn) {
                        sent_upto = ++produced;
                        to_client(R"({"t":"RESUMED","s":)" + std::to_string(produced) + R"(,"op":0,"d":{}})");
                    }
                } else if (bytes.rfind("{\"op\":1,", 0) == 0) {
                    beat_frame bf;
                    REQUIRE_FALSE(json::read(bf, bytes));
                    REQUIRE(bf.d == (delivered.empty() ? std::optional<std::uint64_t>() : std::optional<std::uint64_t>(delivered.back())));
                    if (acking) to_client(R"({"op":11})");
                } else {
                    FAIL("unexpected send " << bytes);
                }
                break;
            case gw::action_kind::close:
                REQUIRE(a.close_code != 1000);
                REQUIRE(a.close_code != 1001);
                conn = ready = false;
                if (calm || chance(800)) REQUIRE_FALSE(c.on_close(gen, {a.close_code, {}}, at_ms(now)));
                break;
            case gw::action_kind::ready:
                REQUIRE(delivered.empty());
                delivered.push_back(a.seq);
                break;
            case gw::action_kind::resumed:
            case gw::action_kind::dispatch:
                REQUIRE(a.has_seq);
                REQUIRE(a.seq == delivered.back() + 1);
                delivered.push_back(a.seq);
                if (a.kind == gw::action_kind::dispatch) {
                    REQUIRE_FALSE(dc::decode(*e, m));
                    REQUIRE(m.id == snowflake(a.seq)); // its own payload
                }
                break;
            case gw::action_kind::notice:
                if (!delivered.empty()) REQUIRE(a.next != gw::next_step::new_session);
                REQUIRE(a.next != gw::next_step::stop);
                break;
            case gw::action_kind::identify_wanted: FAIL("the permit gate is off"); break;
            }
        }
        FAIL("the action loop did not settle");
    }

    void step() {
        const std::int64_t tick = now + 1 + static_cast<std::int64_t>(rng.below(20'000));
        const instant dl = c.next_deadline();
        const std::int64_t dl_ms = dl.is_never() ? tick : (dl.ns() + 999'999) / 1'000'000;
        now = std::min(tick, std::max(dl_ms, now));
        c.handle_timeout(at_ms(now));
        pump();
        if (identifies > 0 && chance(500)) {
            ++produced;
            flush();
            pump();
        }
        if (calm || !conn) return;
        const auto r = rng.below(1000);
        static constexpr std::uint16_t resumable[] = {4000, 4001, 4002, 4003, 4005, 4008, 1000, 1001, 1006, 1011};
        if (r < 8) drop(std::nullopt);
        else if (r < 16) drop(resumable[rng.below(std::size(resumable))]);
        else if (r < 20 && ready) to_client(R"({"op":7,"d":null})");
        else if (r < 24 && ready) to_client(R"({"op":9,"d":true})");
        else if (r < 30) to_client(R"({"op":1,"d":null})");
        pump();
    }
};

} // namespace

TEST_CASE("discord simulation: every sequence once, in order, with its payload, across random disconnects (2000 seeds)") {
    int resumes = 0;
    std::size_t delivered = 0;
    for (std::uint64_t seed = 1; seed <= 2000; ++seed) {
        CAPTURE(seed);
        sim s(seed);
        REQUIRE_FALSE(s.c.start(at_ms(0)));
        s.pump();
        for (int i = 0; i < 300; ++i) s.step();
        s.calm = true;
        for (int i = 0; i < 400 && !(s.c.is_ready() && s.ready && s.sent_upto == s.produced); ++i) s.step();
        REQUIRE(s.c.is_ready());
        s.flush();
        s.pump();
        REQUIRE(s.identifies == 1);
        CHECK(s.delivered.size() == s.produced);
        CHECK(s.delivered.back() == s.produced);
        resumes += s.resumes;
        delivered += s.delivered.size();
    }
    MESSAGE("resumes " << resumes << ", events delivered " << delivered);
    CHECK(resumes > 2000);
}
