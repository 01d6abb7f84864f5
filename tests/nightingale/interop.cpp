// The Nightingale client in byte mode over real TCP against the scripted
// peer (tests/peers/nightingale_peer.py): connect with the password, the
// voice flow (forward, voice updates, update_state), track events, resume in
// each form after a dropped connection, and the server's refusals read from
// the HTTP answer in byte mode: 409/400 to a resume (a fresh session at once),
// 401 (a stop).
#include <sluice/nightingale.hpp>

#include <doctest/doctest.h>

#include "peers/net.hpp"
#include "support/support.hpp"

#include <string>

using namespace sluice;
using nightingale::action_kind;
using ng_client = peer_net::client<nightingale::client>;

namespace {

nightingale::config make_config(std::uint16_t port, nightingale::resume_form form = nightingale::resume_form::path) {
    nightingale::config c;
    c.base_url = "ws://127.0.0.1:" + std::to_string(port);
    c.user_id = 42;
    c.shards = 2;
    c.password = "pw";
    c.resume = form;
    c.engine.reconnect.base = std::chrono::milliseconds(50);
    return c;
}

std::size_t count(const ng_client& c, action_kind k) {
    std::size_t n = 0;
    for (const auto& r : c.log)
        if (r.a.kind == k) ++n;
    return n;
}
const ng_client::record* last(const ng_client& c, action_kind k) {
    for (auto it = c.log.rbegin(); it != c.log.rend(); ++it)
        if (it->a.kind == k) return &*it;
    return nullptr;
}
std::string data_of(const ng_client::record& r) { return r.bytes.substr(r.a.data_offset, r.a.data_size); }

} // namespace

TEST_SUITE("interop") {

TEST_CASE("nightingale interop: ready, the voice flow and track events") {
    peer_net::peer p("nightingale_peer.py", {"--password", "pw"});
    REQUIRE(p.ok());
    xoshiro256 rng{1};
    ng_client c(rng, make_config(p.port()), rng);
    REQUIRE_FALSE(c.machine().start(peer_net::now()));
    REQUIRE(peer_net::run_until([&] { return c.machine().is_ready(); }, std::chrono::seconds(10), c));
    CHECK(c.machine().session().size() == 36); // a UUID

    // The server asks the bot to join (what its REST connect does): a forward for shard 1.
    CHECK(p.command(R"({"cmd":"join","guild_id":7,"channel_id":8,"shard":1})").find("\"count\":1") != std::string::npos);
    REQUIRE(peer_net::run_until([&] { return count(c, action_kind::forward) == 1; }, std::chrono::seconds(5), c));
    const auto* fwd = last(c, action_kind::forward);
    CHECK(fwd->a.has_shard);
    CHECK(fwd->a.shard == 1);
    CHECK(data_of(*fwd).find(R"("op":4)") != std::string::npos);

    // Discord's answers, passed on as they arrive from the Discord machine.
    bool relayed = false;
    CHECK_FALSE(c.machine().relay_discord_dispatch(
        "VOICE_STATE_UPDATE", R"({"guild_id":"7","channel_id":"8","user_id":"42","session_id":"vs","deaf":false,"mute":false})",
        peer_net::now(), &relayed));
    CHECK(relayed);
    CHECK_FALSE(c.machine().relay_discord_dispatch("VOICE_SERVER_UPDATE", R"({"token":"t","guild_id":"7","endpoint":"voice.test"})",
                                                   peer_net::now(), &relayed));
    CHECK(relayed);
    REQUIRE(peer_net::run_until([&] { return count(c, action_kind::state_update) == 1; }, std::chrono::seconds(5), c));
    nightingale::state_update su;
    REQUIRE_FALSE(nightingale::read_state_update(data_of(*last(c, action_kind::state_update)), su));
    CHECK(su.type == nightingale::state_type::connect_gateway);
    CHECK(su.guild_id == 7u);
    CHECK(su.channel_id == 8u);
    CHECK(su.session_id == "vs");
    CHECK(su.server == "voice.test");

    CHECK(!p.command(R"({"cmd":"play","guild_id":7,"duration_ms":100,"track":{"title":"Song \"one\""}})").empty());
    REQUIRE(peer_net::run_until([&] { return count(c, action_kind::track_event) == 2; }, std::chrono::seconds(5), c));
    nightingale::track_event ev;
    REQUIRE_FALSE(nightingale::read_track_event(data_of(*last(c, action_kind::track_event)), ev));
    CHECK(ev.type == nightingale::track_event_type::track_end);
    CHECK(ev.guild_id == 7u);
    CHECK_FALSE(ev.stopped);
    CHECK(ev.track.title == "Song \"one\"");
    CHECK(ev.track.length == std::chrono::milliseconds(100));
}

TEST_CASE("nightingale interop: the seed's shapes decode the same") {
    peer_net::peer p("nightingale_peer.py", {"--password", "pw", "--format", "seed", "--session-kind", "integer"});
    REQUIRE(p.ok());
    xoshiro256 rng{2};
    ng_client c(rng, make_config(p.port(), nightingale::resume_form::header), rng);
    REQUIRE_FALSE(c.machine().start(peer_net::now()));
    REQUIRE(peer_net::run_until([&] { return c.machine().is_ready(); }, std::chrono::seconds(10), c));
    CHECK(p.command(R"({"cmd":"join","guild_id":7,"channel_id":8})").find("\"ok\":true") != std::string::npos);
    CHECK(p.command(R"({"cmd":"update_state","type":"reconnect_gateway","guild_id":7,"channel_id":8})").find("\"ok\":true") !=
          std::string::npos);
    CHECK(p.command(R"({"cmd":"track","type":"start","guild_id":7,"track":{"duration":2500}})").find("\"ok\":true") !=
          std::string::npos);
    REQUIRE(peer_net::run_until([&] { return count(c, action_kind::track_event) == 1; }, std::chrono::seconds(5), c));
    const auto* fwd = last(c, action_kind::forward);
    REQUIRE(fwd);
    CHECK_FALSE(fwd->a.has_shard);
    CHECK(data_of(*fwd).starts_with(R"({"op":4)"));
    const auto* st = last(c, action_kind::state_update);
    REQUIRE(st);
    CHECK(st->a.state == nightingale::state_type::reconnect_gateway);
    CHECK(st->a.guild_id == 7);
    nightingale::track_event ev;
    REQUIRE_FALSE(nightingale::read_track_event(data_of(*last(c, action_kind::track_event)), ev));
    CHECK_FALSE(ev.guild_id);
    CHECK(ev.track.length == std::chrono::milliseconds(2500));
    // The seed's resume: header `session`.
    const std::string session(c.machine().session());
    CHECK(p.command(R"({"cmd":"drop"})").find("\"count\":1") != std::string::npos);
    REQUIRE(peer_net::run_until([&] { return count(c, action_kind::resumed) == 1; }, std::chrono::seconds(10), c));
    CHECK(c.machine().session() == session);
}

TEST_CASE("nightingale interop: resume by path and by query after a dropped connection") {
    for (auto form : {nightingale::resume_form::path, nightingale::resume_form::query}) {
        peer_net::peer p("nightingale_peer.py", {"--password", "pw"});
        REQUIRE(p.ok());
        xoshiro256 rng{3};
        ng_client c(rng, make_config(p.port(), form), rng);
        REQUIRE_FALSE(c.machine().start(peer_net::now()));
        REQUIRE(peer_net::run_until([&] { return c.machine().is_ready(); }, std::chrono::seconds(10), c));
        const std::string session(c.machine().session());
        CHECK(p.command(R"({"cmd":"join","guild_id":7,"channel_id":8})").find("\"ok\":true") != std::string::npos);
        CHECK(p.command(R"({"cmd":"drop"})").find("\"count\":1") != std::string::npos);
        REQUIRE(peer_net::run_until([&] { return count(c, action_kind::resumed) == 1; }, std::chrono::seconds(10), c));
        CHECK(c.machine().session() == session);
        CHECK(c.connects() == 2);
        nightingale::ready_message r;
        const std::string ready = data_of(*last(c, action_kind::resumed)); // r's views point into it
        REQUIRE_FALSE(nightingale::read_ready(ready, r));
        CHECK(r.resumed);
        CHECK(r.players.find(R"("guild_id":7)") != std::string::npos);
    }
}

TEST_CASE("nightingale interop: a resume refused with 409 or 400 is a clear notice and a fresh connect at once") {
    for (int status : {409, 400}) {
        CAPTURE(status);
        peer_net::peer p("nightingale_peer.py", {"--password", "pw"});
        REQUIRE(p.ok());
        xoshiro256 rng{4};
        nightingale::config cfg = make_config(p.port());
        cfg.engine.reconnect.base = std::chrono::seconds(30); // a backoff would show: the test would time out
        ng_client c(rng, cfg, rng);
        REQUIRE_FALSE(c.machine().start(peer_net::now()));
        REQUIRE(peer_net::run_until([&] { return c.machine().is_ready(); }, std::chrono::seconds(10), c));
        const std::string session(c.machine().session());
        if (status == 409) {
            // The next resume is refused as when another connection holds the session.
            CHECK(p.command(R"({"cmd":"refuse_resume","status":409,"count":5})").find("\"ok\":true") != std::string::npos);
        } else {
            // The server forgets the session: its resume gets 400 "Session not present".
            CHECK(p.command(R"({"cmd":"expire"})").find("\"ok\":true") != std::string::npos);
        }
        CHECK(p.command(R"({"cmd":"drop"})").find("\"count\":1") != std::string::npos);
        // Byte mode reads the HTTP status (ws::session -> on_open_refused): one refused resume, then a fresh session.
        REQUIRE(peer_net::run_until([&] { return count(c, action_kind::ready) == 2; }, std::chrono::seconds(10), c));
        CHECK(c.machine().session() != session);
        CHECK(count(c, action_kind::resumed) == 0);
        CHECK(c.connects() == 3); // fresh, the refused resume, fresh
        const ng_client::record* n = nullptr;
        for (const auto& r : c.log)
            if (r.a.kind == action_kind::notice && r.a.code == status) n = &r;
        REQUIRE(n);
        CHECK(n->a.error == (status == 409 ? nightingale::errc::session_taken : nightingale::errc::session_not_present));
        CHECK(n->a.next == gateway::next_step::new_session);
        CHECK(c.machine().is_ready());
    }
}

TEST_CASE("nightingale interop: a wrong password stops the machine at the first refusal") {
    peer_net::peer p("nightingale_peer.py", {"--password", "right"});
    REQUIRE(p.ok());
    xoshiro256 rng{5};
    nightingale::config cfg = make_config(p.port());
    cfg.engine.max_reconnect_attempts = 2;
    ng_client c(rng, cfg, rng);
    REQUIRE_FALSE(c.machine().start(peer_net::now()));
    REQUIRE(peer_net::run_until([&] { return c.machine().current_state() == gateway::state::failed; }, std::chrono::seconds(10), c));
    CHECK(count(c, action_kind::ready) == 0);
    CHECK(c.connects() == 1); // 401 is fatal: no retry
    const auto* n = last(c, action_kind::notice);
    REQUIRE(n);
    CHECK(n->a.error == nightingale::errc::unauthorized);
    CHECK(n->a.code == 401);
    CHECK(n->a.next == gateway::next_step::stop);
}

} // TEST_SUITE
