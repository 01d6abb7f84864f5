// Deterministic simulation with Discord's own frames: a scripted gateway
// produces MESSAGE_CREATE events while the connection misbehaves (drops,
// resumable close codes, op 7, op 9 true, op 1 requests, lost acks, events
// lost in flight, replays that repeat a sequence, closes never confirmed,
// failed connects). The client must deliver every sequence exactly once, in
// order, each with its own payload, and resume with the right seq every time.
// The harness is support/disconnect_sim.hpp (shared with the engine's
// simulation); this file is Discord's wire and its extra checks.
#include "harness.hpp"

#include "support/disconnect_sim.hpp"

using namespace test_dc;

namespace {

struct sim : sluice_test::disconnect_sim<sim, dc::client> {
    static constexpr std::uint64_t tick_ms = 20'000;
    static constexpr std::uint64_t event_per_mille = 500;
    static constexpr int settle_guard = 200;

    dc::message m;

    static dc::config cfg() {
        dc::config k = base_config();
        k.engine.wait_for_identify_permit = false;
        return k;
    }
    explicit sim(std::uint64_t seed) : disconnect_sim(seed, seed ^ 0xabcdef, [](entropy e) { return dc::client(cfg(), e); }) {}

    static std::string hello() { return R"({"op":10,"d":{"heartbeat_interval":41250}})"; }
    static std::string event(std::uint64_t seq) {
        return R"({"t":"MESSAGE_CREATE","s":)" + std::to_string(seq) + R"(,"op":0,"d":{"id":")" + std::to_string(seq) +
               R"(","channel_id":"1","content":"event )" + std::to_string(seq) + R"("}})";
    }
    static std::string resumed(std::uint64_t seq) { return R"({"t":"RESUMED","s":)" + std::to_string(seq) + R"(,"op":0,"d":{}})"; }

    void check_open(const gw::action& a, std::string_view bytes) {
        REQUIRE(bytes == (a.resume ? "wss://gateway-us-east1-b.discord.gg/?v=10&encoding=json"
                                   : "wss://gateway.discord.gg/?v=10&encoding=json"));
    }
    void check_close(std::uint16_t code) {
        REQUIRE(code != 1000);
        REQUIRE(code != 1001);
    }
    void check_delivered(const gw::entry& e) {
        if (e.action.kind != gw::action_kind::dispatch) return;
        REQUIRE_FALSE(dc::decode(e, m));
        REQUIRE(m.id == snowflake(e.action.seq)); // its own payload
    }

    void on_send(std::string_view bytes) {
        if (bytes.starts_with("{\"op\":2,")) {
            static const std::string ready_frame = sluice_test::read_vector("discord/ready.json");
            identified(ready_frame);
        } else if (bytes.starts_with("{\"op\":6,")) {
            resume_frame rf;
            REQUIRE_FALSE(json::read(rf, bytes));
            REQUIRE(rf.d.session_id == "9d1f5b0e6c2a4c7f8e3b1a2d4f6e8c0a");
            REQUIRE(rf.d.seq == (delivered.empty() ? 1 : delivered.back())); // the right seq, always
            replay_from(rf.d.seq);
        } else if (bytes.starts_with("{\"op\":1,")) {
            beat_frame bf;
            REQUIRE_FALSE(json::read(bf, bytes));
            REQUIRE(bf.d == (delivered.empty() ? std::optional<std::uint64_t>() : std::optional<std::uint64_t>(delivered.back())));
            beat(R"({"op":11})");
        } else {
            FAIL("unexpected send " << bytes);
        }
    }

    void disrupt(std::uint64_t r) {
        static constexpr std::uint16_t resumable[] = {4000, 4001, 4002, 4003, 4005, 4008, 1000, 1001, 1006, 1011};
        if (r < 8) server_close(std::nullopt);
        else if (r < 16) server_close(resumable[rng.below(std::size(resumable))]);
        else if (r < 20 && ready) to_client(R"({"op":7,"d":null})");
        else if (r < 24 && ready) to_client(R"({"op":9,"d":true})");
        else if (r < 30) to_client(R"({"op":1,"d":null})");
    }
};

} // namespace

TEST_CASE("discord simulation: every sequence once, in order, with its payload, across random disconnects (2000 seeds)") {
    const auto t = sim::run_seeds(2000, 300, [](sim&) {});
    MESSAGE("resumes " << t.resumes << ", events delivered " << t.delivered);
    CHECK(t.resumes > 2000);
}
