// Deterministic simulation: a scripted server speaking the line protocol
// produces sequenced events while the network misbehaves (drops, server
// closes, reconnect requests, resumable invalid sessions, lost acks, events
// lost in flight, sloppy replays that repeat an old sequence, transports that
// never report closing, failed connects). Whatever happens, the client must
// deliver every sequence exactly once, in order. Thousands of seeds.
#include "test_policy.hpp"

#include "support/support.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace test_gw;
using sluice::instant;
using sluice::message_type;
namespace gw = sluice::gateway;

namespace {

struct sim {
    sluice_test::test_rng rng;
    sluice::xoshiro256 client_rng;
    gw::session<line_policy> client;

    // Server side.
    std::uint64_t produced = 0;   // last sequence produced in the session
    std::uint64_t sent_upto = 0;  // last sequence sent on the current connection
    std::string session_id;
    bool conn = false;            // transport open (server view)
    bool ready = false;           // server considers the client ready
    bool acking = true;           // false: the server stopped acking (zombie)
    std::uint32_t gen = 0;
    int sessions = 0;
    bool calm = false;            // no more disruptions

    std::int64_t now = 0;
    std::vector<std::uint64_t> delivered;
    int resumes = 0, identifies = 0, zombies = 0;

    static gw::config cfg() {
        gw::config c = gw::config::defaults<line_policy>();
        c.wait_for_identify_permit = false;
        c.rate_limit = 0; // the simulation sends bursts of commands only through the engine's own frames
        c.max_outbound = 0;
        return c;
    }

    explicit sim(std::uint64_t seed) : rng{seed}, client_rng(seed * 7 + 1), client(line_policy{}, sluice::entropy(client_rng), cfg()) {}

    bool chance(std::uint64_t per_mille) { return rng.below(1000) < per_mille; }

    void to_client(const std::string& text) {
        REQUIRE_FALSE(client.on_message(gen, text, message_type::text, at_ms(now)));
    }

    void server_close(std::optional<std::uint16_t> code) {
        conn = ready = false;
        REQUIRE_FALSE(client.on_close(gen, {code, {}}, at_ms(now)));
    }

    void send_events() {
        while (conn && ready && sent_upto < produced) {
            ++sent_upto;
            if (!calm && chance(5)) { // lost in flight, then the connection dies
                server_close(std::nullopt);
                return;
            }
            to_client("D " + std::to_string(sent_upto) + " EVT x");
        }
    }

    void pump() {
        for (int guard = 0; guard < 100; ++guard) {
            const gw::entry* e = client.poll();
            if (!e) return;
            const gw::action a = e->action;
            const std::string bytes(e->bytes);
            switch (a.kind) {
            case gw::action_kind::open:
                gen = a.generation;
                conn = false;
                ready = false;
                if (!calm && chance(100)) { // connect fails
                    REQUIRE_FALSE(client.on_close(gen, {}, at_ms(now)));
                    break;
                }
                conn = true;
                acking = calm || !chance(60);
                REQUIRE_FALSE(client.on_open(gen, at_ms(now)));
                to_client("H 1000");
                break;
            case gw::action_kind::send:
                REQUIRE(conn);
                if (bytes == "IDENTIFY") {
                    ++identifies;
                    ++sessions;
                    session_id = "s" + std::to_string(sessions);
                    produced = 1;
                    sent_upto = 1;
                    ready = true;
                    delivered_reset_allowed = true;
                    to_client("R 1 " + session_id + " ws://resume");
                } else if (bytes.rfind("RESUME ", 0) == 0) {
                    ++resumes;
                    std::string_view rest = std::string_view(bytes).substr(7);
                    std::string_view id = next_word(rest);
                    std::uint64_t seq = 0;
                    REQUIRE(parse_u64(next_word(rest), seq));
                    REQUIRE(id == session_id);
                    REQUIRE(seq <= produced);
                    // A sloppy server replays one sequence too many.
                    sent_upto = (!calm && seq > 1 && chance(300)) ? seq - 1 : seq;
                    ready = true;
                    // Replay, then RESUMED (which takes a sequence of its own).
                    while (conn && sent_upto < produced) {
                        ++sent_upto;
                        to_client("D " + std::to_string(sent_upto) + " EVT x");
                    }
                    if (conn) {
                        ++produced;
                        sent_upto = produced;
                        to_client("M " + std::to_string(produced));
                    }
                } else if (bytes.rfind("HB", 0) == 0) {
                    if (acking) to_client("A");
                }
                break;
            case gw::action_kind::close:
                conn = ready = false;
                if (calm || chance(800)) REQUIRE_FALSE(client.on_close(gen, {a.close_code, {}}, at_ms(now)));
                // else: the transport never reports; the close wait ends it
                break;
            case gw::action_kind::ready:
            case gw::action_kind::resumed:
            case gw::action_kind::dispatch:
                REQUIRE(a.has_seq);
                if (a.kind == gw::action_kind::ready) {
                    // A new session starts over at 1 (only with the first identify here).
                    REQUIRE(delivered.empty());
                }
                if (!delivered.empty()) REQUIRE(a.seq == delivered.back() + 1);
                delivered.push_back(a.seq);
                break;
            case gw::action_kind::notice: {
                if (a.error == gw::errc::zombie_connection) ++zombies;
                REQUIRE(a.next != gw::next_step::stop);
                CAPTURE(a.error.message());
                if (!delivered.empty()) REQUIRE(a.next != gw::next_step::new_session); // a session, once had, is never lost
                break;
            }
            case gw::action_kind::identify_wanted: FAIL("permit gate is off"); break;
            }
        }
        FAIL("action loop did not settle");
    }
    bool delivered_reset_allowed = false;

    void step() {
        // Advance to the next interesting instant: a client deadline or a server tick.
        const std::int64_t tick = now + 1 + static_cast<std::int64_t>(rng.below(400));
        const instant dl = client.next_deadline();
        const std::int64_t dl_ms = dl.is_never() ? tick : (dl.ns() + 999'999) / 1'000'000;
        now = std::min(tick, std::max(dl_ms, now));
        client.handle_timeout(at_ms(now));
        pump();
        // The server produces an event.
        if (sessions > 0 && chance(400)) {
            ++produced;
            send_events();
            pump();
        }
        if (calm || !conn) return;
        // Disruptions.
        const auto r = rng.below(1000);
        if (r < 8) server_close(std::nullopt);                           // dropped
        else if (r < 14) server_close(std::uint16_t{4000});              // resumable close
        else if (r < 18) server_close(std::uint16_t{1006});
        else if (r < 22 && ready) to_client("X");                        // reconnect request
        else if (r < 26 && ready) to_client("I 1");                      // invalid session, resumable
        else if (r < 30) to_client("B");                                 // heartbeat request
        pump();
    }
};

} // namespace

TEST_CASE("simulation: every sequence delivered exactly once, in order, across random disconnects") {
    int total_resumes = 0, total_zombies = 0;
    std::size_t total_delivered = 0;
    for (std::uint64_t seed = 1; seed <= 2000; ++seed) {
        CAPTURE(seed);
        sim s(seed);
        REQUIRE_FALSE(s.client.start(at_ms(0)));
        s.pump();
        for (int i = 0; i < 400; ++i) s.step();
        // Calm down and let the client catch up.
        s.calm = true;
        for (int i = 0; i < 400 && !(s.client.is_ready() && s.ready && s.sent_upto == s.produced); ++i) s.step();
        REQUIRE(s.client.is_ready());
        s.send_events();
        s.pump();
        REQUIRE(s.identifies == 1);
        REQUIRE(!s.delivered.empty());
        CHECK(s.delivered.size() == s.produced);
        CHECK(s.delivered.back() == s.produced);
        CHECK(s.client.last_sequence() == s.produced);
        total_resumes += s.resumes;
        total_delivered += s.delivered.size();
        total_zombies += s.zombies;
    }
    // The simulation really exercised the paths.
    MESSAGE("resumes " << total_resumes << ", zombies " << total_zombies << ", delivered " << total_delivered);
    CHECK(total_resumes > 2000);
    CHECK(total_zombies > 100);
}
