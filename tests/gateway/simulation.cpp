// Deterministic simulation: a scripted server speaking the line protocol
// produces sequenced events while the network misbehaves (drops, server
// closes, reconnect requests, resumable invalid sessions, lost acks, events
// lost in flight, sloppy replays that repeat an old sequence, transports that
// never report closing, failed connects). Whatever happens, the client must
// deliver every sequence exactly once, in order. Thousands of seeds. The
// harness is support/disconnect_sim.hpp (shared with Discord's simulation);
// this file is the line protocol's wire.
#include "test_policy.hpp"

#include "support/disconnect_sim.hpp"
#include "support/support.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace test_gw;
using sluice::instant;
using sluice::message_type;
namespace gw = sluice::gateway;

namespace {

struct sim : sluice_test::disconnect_sim<sim, gw::session<line_policy>> {
    static constexpr std::uint64_t tick_ms = 400;
    static constexpr std::uint64_t event_per_mille = 400;
    static constexpr int settle_guard = 100;

    std::string session_id;
    int sessions = 0;

    static gw::config cfg() {
        gw::config c = gw::config::defaults<line_policy>();
        c.wait_for_identify_permit = false;
        c.rate_limit = 0; // the simulation sends bursts of commands only through the engine's own frames
        c.max_outbound = 0;
        return c;
    }

    explicit sim(std::uint64_t seed)
        : disconnect_sim(seed, seed * 7 + 1, [](sluice::entropy e) { return gw::session<line_policy>(line_policy{}, e, cfg()); }) {}

    static std::string hello() { return "H 1000"; }
    static std::string event(std::uint64_t seq) { return "D " + std::to_string(seq) + " EVT x"; }
    static std::string resumed(std::uint64_t seq) { return "M " + std::to_string(seq); }

    void on_send(std::string_view bytes) {
        if (bytes == "IDENTIFY") {
            ++sessions;
            session_id = "s" + std::to_string(sessions);
            identified("R 1 " + session_id + " ws://resume");
        } else if (bytes.starts_with("RESUME ")) {
            std::string_view rest = bytes.substr(7);
            std::string_view id = next_word(rest);
            std::uint64_t seq = 0;
            REQUIRE(parse_u64(next_word(rest), seq));
            REQUIRE(id == session_id);
            REQUIRE(seq <= produced);
            replay_from(seq);
        } else if (bytes.starts_with("HB")) {
            beat("A");
        }
    }

    void disrupt(std::uint64_t r) {
        if (r < 8) server_close(std::nullopt);                           // dropped
        else if (r < 14) server_close(std::uint16_t{4000});              // resumable close
        else if (r < 18) server_close(std::uint16_t{1006});
        else if (r < 22 && ready) to_client("X");                        // reconnect request
        else if (r < 26 && ready) to_client("I 1");                      // invalid session, resumable
        else if (r < 30) to_client("B");                                 // heartbeat request
    }
};

} // namespace

TEST_CASE("simulation: every sequence delivered exactly once, in order, across random disconnects") {
    const auto t = sim::run_seeds(2000, 400, [](sim& s) { CHECK(s.client.last_sequence() == s.produced); });
    // The simulation really exercised the paths.
    MESSAGE("resumes " << t.resumes << ", zombies " << t.zombies << ", delivered " << t.delivered);
    CHECK(t.resumes > 2000);
    CHECK(t.zombies > 100);
}
