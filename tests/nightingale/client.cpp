// Tests of the Nightingale client machine: transcripts of every op in both
// spellings, resume in its three forms with refusals, the resume window and
// attempt limit in simulated time, voice updates typed, raw and relayed,
// bad frames, snapshot/restore, byte mode with random splitting, and no
// allocation per message once connected.
#include <sluice/nightingale.hpp>
#include <sluice/ws/session.hpp>

#include <doctest/doctest.h>

#include "peers/wire.hpp"
#include "support/support.hpp"

#include <string>
#include <string_view>
#include <vector>

using namespace sluice;
using nightingale::action_kind;

namespace {

instant at_ms(std::int64_t ms) { return instant::from_ns(ms * 1'000'000); }

struct rec {
    nightingale::action a;
    std::string bytes;
    std::string data;
};

std::vector<rec> drain(nightingale::client& c) {
    std::vector<rec> out;
    while (const auto* e = c.poll()) out.push_back({e->action, std::string(e->bytes), std::string(nightingale::data(*e))});
    return out;
}
const rec* find(const std::vector<rec>& v, action_kind k) {
    for (const rec& r : v)
        if (r.a.kind == k) return &r;
    return nullptr;
}

constexpr std::string_view uuid = "ad13c35f-7bf4-413b-997d-eef2fe009f98";
const std::string ready_fresh = R"({"op":"ready","data":{"session":"ad13c35f-7bf4-413b-997d-eef2fe009f98","resumed":false}})";
const std::string ready_resumed =
    R"({"op":"ready","data":{"session":"ad13c35f-7bf4-413b-997d-eef2fe009f98","resumed":true,"players":[{"guild_id":7,"channel_id":8,"paused":false,"volume":100,"currently_playing":null,"queue":[]}]}})";

nightingale::config make_config(nightingale::resume_form form = nightingale::resume_form::path) {
    nightingale::config c;
    c.base_url = "ws://ng.test:8081/";
    c.user_id = 42;
    c.shards = 2;
    c.password = "pw";
    c.resume = form;
    return c;
}

struct fixture {
    xoshiro256 rng{3};
    nightingale::client c;
    explicit fixture(nightingale::config cfg = make_config()) : c(std::move(cfg), rng) {}

    void connect(std::int64_t ms = 0) {
        REQUIRE_FALSE(c.start(at_ms(ms)));
        auto v = drain(c);
        REQUIRE(v.size() == 1);
        REQUIRE(v[0].a.kind == action_kind::open);
        CHECK(v[0].bytes == "ws://ng.test:8081/ws?shards=2&user_id=42\r\nAuthorization: pw\r\n");
        REQUIRE_FALSE(c.on_open(at_ms(ms + 1)));
        CHECK(drain(c).empty()); // nothing to send: the URL identifies
        REQUIRE_FALSE(c.on_message(ready_fresh, message_type::text, at_ms(ms + 2)));
        v = drain(c);
        REQUIRE(v.size() == 1);
        CHECK(v[0].a.kind == action_kind::ready);
        CHECK(c.is_ready());
        CHECK(c.session() == uuid);
    }
    std::vector<rec> message(std::string_view text, std::int64_t ms) {
        CHECK_FALSE(c.on_message(text, message_type::text, at_ms(ms)));
        return drain(c);
    }
    /// Drops the connection at `ms`; returns the open that follows.
    std::string drop(std::int64_t ms) {
        REQUIRE_FALSE(c.on_close(close_info{}, at_ms(ms)));
        auto v = drain(c);
        const rec* n = find(v, action_kind::notice);
        REQUIRE(n);
        CHECK(n->a.error == gateway::errc::transport_closed);
        CHECK(n->a.next == gateway::next_step::resume);
        const rec* o = find(v, action_kind::open);
        REQUIRE(o);
        return o->bytes;
    }
};

} // namespace

TEST_SUITE("unit") {

TEST_CASE("nightingale: connect URL without shards and password; integer session (seed)") {
    nightingale::config cfg = make_config();
    cfg.shards.reset();
    cfg.password.clear();
    xoshiro256 rng{1};
    nightingale::client c(cfg, rng);
    REQUIRE_FALSE(c.start(at_ms(0)));
    auto v = drain(c);
    REQUIRE(v.size() == 1);
    CHECK(v[0].bytes == "ws://ng.test:8081/ws?user_id=42");
    REQUIRE_FALSE(c.on_open(at_ms(1)));
    REQUIRE_FALSE(c.on_message(R"({"data":{"resumed":false,"session":1234},"op":"ready"})", message_type::text, at_ms(2)));
    v = drain(c);
    REQUIRE(find(v, action_kind::ready));
    CHECK(c.session() == "1234");
    nightingale::ready_message r;
    REQUIRE_FALSE(nightingale::read_ready(v[0].data, r));
    CHECK(r.session == "1234");
    CHECK_FALSE(r.resumed);
}

TEST_CASE("nightingale: forward in both forms hands out the Discord payload") {
    fixture f;
    f.connect();
    auto v = f.message(R"({"op":"forward","data":{"shard":1,"payload":{"op":4,"d":{"guild_id":"7","channel_id":"8","self_mute":false,"self_deaf":true}}}})", 10);
    REQUIRE(v.size() == 1);
    CHECK(v[0].a.kind == action_kind::forward);
    CHECK(v[0].a.has_shard);
    CHECK(v[0].a.shard == 1);
    CHECK(v[0].data == R"({"op":4,"d":{"guild_id":"7","channel_id":"8","self_mute":false,"self_deaf":true}})");
    v = f.message(R"({"op":"forward","data":{"op":4,"d":{"guild_id":"7","channel_id":null}}})", 11);
    REQUIRE(v.size() == 1);
    CHECK(v[0].a.kind == action_kind::forward);
    CHECK_FALSE(v[0].a.has_shard);
    CHECK(v[0].data == R"({"op":4,"d":{"guild_id":"7","channel_id":null}})");
}

TEST_CASE("nightingale: update_state in both spellings") {
    fixture f;
    f.connect();
    auto v = f.message(R"({"op":"update_state","data":{"type":"connect_gateway","data":{"channel_id":8,"guild_id":7,"session_id":"vs","server":"voice.example","ssrc":4242}}})", 10);
    REQUIRE(v.size() == 1);
    CHECK(v[0].a.kind == action_kind::state_update);
    CHECK(v[0].a.state == nightingale::state_type::connect_gateway);
    CHECK(v[0].a.has_guild);
    CHECK(v[0].a.guild_id == 7);
    nightingale::state_update s;
    REQUIRE_FALSE(nightingale::read_state_update(v[0].data, s));
    CHECK(s.channel_id == 8u);
    CHECK(s.guild_id == 7u);
    CHECK(s.session_id == "vs");
    CHECK(s.server == "voice.example");
    CHECK(s.ssrc == 4242u);

    v = f.message(R"({"op":"update_state","data":{"type":"reconnect_gateway","data":{"channel":"8","guild":"7","session":"vs2","server":"s","ssrc":1}}})", 11);
    REQUIRE(v.size() == 1);
    CHECK(v[0].a.state == nightingale::state_type::reconnect_gateway);
    CHECK(v[0].a.guild_id == 7);
    REQUIRE_FALSE(nightingale::read_state_update(v[0].data, s));
    CHECK(s.type == nightingale::state_type::reconnect_gateway);
    CHECK(s.session_id == "vs2");

    v = f.message(R"({"op":"update_state","data":{"type":"disconnect_gateway","data":{"channel_id":null,"guild_id":7,"session_id":"vs"}}})", 12);
    REQUIRE(v.size() == 1);
    CHECK(v[0].a.state == nightingale::state_type::disconnect_gateway);
    REQUIRE_FALSE(nightingale::read_state_update(v[0].data, s));
    CHECK_FALSE(s.channel_id);
    CHECK_FALSE(s.server);
    CHECK_FALSE(s.ssrc);
}

TEST_CASE("nightingale: track events wrapped or flat, every duration form") {
    fixture f;
    f.connect();
    nightingale::track_event ev;
    auto v = f.message(R"({"op":"event","data":{"guild_id":7,"event":{"type":"track_start","data":{"track":null,"artist":"A","album":null,"channel":"C","duration":180500,"source_url":"https://x","title":"T \"quoted\"","thumbnail":null}}}})", 10);
    REQUIRE(v.size() == 1);
    CHECK(v[0].a.kind == action_kind::track_event);
    CHECK(v[0].a.track == nightingale::track_event_type::track_start);
    CHECK(v[0].a.has_guild);
    CHECK(v[0].a.guild_id == 7);
    REQUIRE_FALSE(nightingale::read_track_event(v[0].data, ev));
    CHECK(ev.guild_id == 7u);
    CHECK(ev.track.title == "T \"quoted\"");
    CHECK(ev.track.artist == "A");
    CHECK_FALSE(ev.track.album);
    CHECK(ev.track.length == std::chrono::milliseconds(180500));

    v = f.message(R"({"op":"event","data":{"guild":7,"event":{"type":"track_end","data":{"stopped":true,"track":{"title":"T","duration":{"secs":2,"nanos":500000000}}}}}})", 11);
    REQUIRE(v.size() == 1);
    CHECK(v[0].a.track == nightingale::track_event_type::track_end);
    CHECK(v[0].a.guild_id == 7);
    REQUIRE_FALSE(nightingale::read_track_event(v[0].data, ev));
    CHECK(ev.stopped);
    CHECK(ev.track.length == std::chrono::milliseconds(2500));

    v = f.message(R"({"op":"event","data":{"type":"track_errored","data":{"error":"boom","track":{"duration":"3000"}}}})", 12);
    REQUIRE(v.size() == 1);
    CHECK(v[0].a.track == nightingale::track_event_type::track_errored);
    CHECK_FALSE(v[0].a.has_guild);
    REQUIRE_FALSE(nightingale::read_track_event(v[0].data, ev));
    CHECK_FALSE(ev.guild_id);
    CHECK(ev.error == "boom");
    CHECK(ev.track.length == std::chrono::milliseconds(3000));

    v = f.message(R"({"op":"event","data":{"type":"track_start","data":{"duration":"3:05"}}})", 13);
    REQUIRE_FALSE(nightingale::read_track_event(v.at(0).data, ev));
    CHECK_FALSE(ev.track.length);
    CHECK(ev.track.duration_text == "3:05");
}

TEST_CASE("nightingale: unknown ops and types are notices; malformed frames close and resume") {
    fixture f;
    f.connect();
    auto v = f.message(R"({"op":"stats","data":{"players":1}})", 10);
    REQUIRE(v.size() == 1);
    CHECK(v[0].a.kind == action_kind::notice);
    CHECK(v[0].a.error == gateway::errc::unexpected_frame);
    v = f.message(R"({"op":"event","data":{"guild_id":7,"event":{"type":"track_paused","data":{}}}})", 11);
    REQUIRE(v.size() == 1);
    CHECK(v[0].a.error == gateway::errc::unexpected_frame);
    CHECK(f.c.is_ready());

    for (const char* bad : {"nope", R"({"data":{}})", R"({"op":"ready"})", R"({"op":1,"data":{}})",
                            R"({"op":"forward","data":[1]})", R"({"op":"forward","data":{"shard":"x","payload":{}}})",
                            R"({"op":"ready","data":{"session":"","resumed":false}})", R"({"op":"ready","data":{"session":"a"}})"}) {
        CAPTURE(std::string_view(bad));
        fixture g;
        g.connect();
        v = g.message(bad, 10);
        const rec* n = find(v, action_kind::notice);
        REQUIRE(n);
        CHECK(n->a.error == gateway::errc::malformed_frame);
        CHECK(n->a.next == gateway::next_step::resume);
        REQUIRE(find(v, action_kind::close));
        CHECK(find(v, action_kind::close)->a.close_code == 1007);
        REQUIRE_FALSE(g.c.on_close(close_info{1007, {}}, at_ms(11)));
        v = drain(g.c);
        REQUIRE(find(v, action_kind::open));
        CHECK(find(v, action_kind::open)->bytes == "ws://ng.test:8081/ws/resume/" + std::string(uuid) + "\r\nAuthorization: pw\r\n");
    }
    fixture b;
    b.connect();
    REQUIRE_FALSE(b.c.on_message(ready_fresh, message_type::binary, at_ms(10)));
    CHECK(find(drain(b.c), action_kind::close)->a.close_code == 1007);

    nightingale::config small = make_config();
    small.engine.max_inbound = 100;
    fixture s(small);
    s.connect();
    v = s.message(R"({"op":"forward","data":{"op":4,"d":{"padding":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}}})", 10);
    REQUIRE(find(v, action_kind::notice));
    CHECK(find(v, action_kind::notice)->a.error == gateway::errc::frame_too_large);
    CHECK(find(v, action_kind::close)->a.close_code == 1009);
}

TEST_CASE("nightingale: resume in each form after a dropped connection") {
    struct form_case {
        nightingale::resume_form form;
        std::string open;
    };
    const std::string id(uuid);
    for (const form_case& fc : {form_case{nightingale::resume_form::path, "ws://ng.test:8081/ws/resume/" + id + "\r\nAuthorization: pw\r\n"},
                                form_case{nightingale::resume_form::query, "ws://ng.test:8081/ws/resume?session=" + id + "\r\nAuthorization: pw\r\n"},
                                form_case{nightingale::resume_form::header, "ws://ng.test:8081/ws/resume\r\nAuthorization: pw\r\nsession: " + id + "\r\n"}}) {
        fixture f(make_config(fc.form));
        f.connect();
        CHECK(f.drop(100) == fc.open);
        REQUIRE_FALSE(f.c.on_open(at_ms(101)));
        CHECK(drain(f.c).empty());
        auto v = f.message(ready_resumed, 102);
        REQUIRE(v.size() == 1);
        CHECK(v[0].a.kind == action_kind::resumed);
        nightingale::ready_message r;
        REQUIRE_FALSE(nightingale::read_ready(v[0].data, r));
        CHECK(r.resumed);
        CHECK(r.players.starts_with(R"([{"guild_id":7)"));
        std::vector<nightingale::player> players;
        REQUIRE_FALSE(nightingale::read_players(r.players, players));
        REQUIRE(players.size() == 1);
        CHECK(players[0].guild_id == 7u);
        CHECK(players[0].channel_id == 8u);
        CHECK(players[0].volume == 100u);
        CHECK_FALSE(players[0].currently_playing);
        CHECK(f.c.session() == uuid);
        const open_request req = open_request::parse(fc.open);
        int headers = 0;
        req.for_each_header([&](std::string_view name, std::string_view value) {
            ++headers;
            if (name == "session") CHECK(value == uuid);
            if (name == "Authorization") CHECK(value == "pw");
        });
        CHECK(headers == (fc.form == nightingale::resume_form::header ? 2 : 1));
    }
}

TEST_CASE("nightingale: a refused resume (400, 409) connects fresh at once; 401 stops") {
    for (std::uint16_t status : {400, 409}) {
        for (bool first : {true, false}) { // the first resume after the drop, or one after failed attempts (backoff running)
            CAPTURE(status);
            CAPTURE(first);
            fixture f;
            f.connect();
            f.drop(100);
            std::int64_t t = 101;
            if (!first) { // the server is unreachable once: the resume is retried after a backoff
                REQUIRE_FALSE(f.c.on_close(close_info{}, at_ms(t)));
                drain(f.c);
                REQUIRE(f.c.current_state() == gateway::state::waiting);
                t = f.c.next_deadline().ns() / 1'000'000 + 1;
                f.c.handle_timeout(at_ms(t));
                auto r = drain(f.c);
                REQUIRE(find(r, action_kind::open));
                CHECK(find(r, action_kind::open)->bytes.starts_with("ws://ng.test:8081/ws/resume/"));
            }
            REQUIRE_FALSE(f.c.on_open_refused(status, at_ms(t)));
            auto v = drain(f.c);
            REQUIRE(v.size() == 2); // the notice, then the fresh open at once: no backoff, no second resume
            CHECK(v[0].a.kind == action_kind::notice);
            CHECK(v[0].a.error == (status == 400 ? nightingale::errc::session_not_present : nightingale::errc::session_taken));
            CHECK(v[0].a.error == condition::handshake_failed);
            CHECK(v[0].a.code == status);
            CHECK(v[0].a.next == gateway::next_step::new_session);
            CHECK(v[1].a.kind == action_kind::open);
            CHECK(v[1].bytes == "ws://ng.test:8081/ws?shards=2&user_id=42\r\nAuthorization: pw\r\n");
            CHECK(f.c.current_state() == gateway::state::connecting);
            CHECK(f.c.session().empty());
            REQUIRE_FALSE(f.c.on_open(at_ms(t + 1)));
            v = f.message(R"({"op":"ready","data":{"session":"11111111-2222-3333-4444-555555555555","resumed":false}})", t + 2);
            REQUIRE(find(v, action_kind::ready));
            CHECK(f.c.session() == "11111111-2222-3333-4444-555555555555");
            // The tagged form ignores a refusal of an older transport.
            CHECK(f.c.on_open_refused(v[0].a.generation - 1, status, at_ms(t + 3)) == gateway::errc::stale_generation);
        }
    }
    SUBCASE("401 stops") {
        fixture u;
        REQUIRE_FALSE(u.c.start(at_ms(0)));
        drain(u.c);
        REQUIRE_FALSE(u.c.on_open_refused(401, at_ms(1)));
        auto v = drain(u.c);
        REQUIRE(v.size() == 1);
        CHECK(v[0].a.error == nightingale::errc::unauthorized);
        CHECK(v[0].a.next == gateway::next_step::stop);
        CHECK(u.c.current_state() == gateway::state::failed);
    }
    SUBCASE("400 to a fresh connect (the query) stops: retrying the same URL cannot help") {
        fixture u;
        REQUIRE_FALSE(u.c.start(at_ms(0)));
        drain(u.c);
        REQUIRE_FALSE(u.c.on_open_refused(400, at_ms(1)));
        auto v = drain(u.c);
        REQUIRE(v.size() == 1);
        CHECK(v[0].a.error == nightingale::errc::bad_request);
        CHECK(v[0].a.code == 400);
        CHECK(v[0].a.next == gateway::next_step::stop);
        CHECK(u.c.current_state() == gateway::state::failed);
    }
    SUBCASE("the fresh connect at once is an attempt: refused in turn, its retry waits the backoff") {
        fixture f;
        f.connect();
        f.drop(100);
        REQUIRE_FALSE(f.c.on_open_refused(409, at_ms(101)));
        auto v = drain(f.c);
        REQUIRE(find(v, action_kind::open)); // at once
        CHECK(f.c.engine().reconnect_attempts() == 1); // the same attempt as the refused resume
        REQUIRE_FALSE(f.c.on_open_refused(503, at_ms(102)));
        v = drain(f.c);
        REQUIRE(find(v, action_kind::notice));
        CHECK(find(v, action_kind::notice)->a.next == gateway::next_step::new_session);
        CHECK_FALSE(find(v, action_kind::open));
        CHECK(f.c.current_state() == gateway::state::waiting);
        CHECK(f.c.next_deadline() > at_ms(102));
        f.c.handle_timeout(f.c.next_deadline());
        v = drain(f.c);
        REQUIRE(find(v, action_kind::open));
        CHECK(find(v, action_kind::open)->bytes == "ws://ng.test:8081/ws?shards=2&user_id=42\r\nAuthorization: pw\r\n");
    }
    SUBCASE("max_reconnect_attempts = 1: the refused resume still connects fresh (the same attempt); its failure gives up") {
        nightingale::config cfg = make_config();
        cfg.engine.max_reconnect_attempts = 1;
        fixture f(std::move(cfg));
        f.connect();
        f.drop(100); // attempt 1: the resume
        REQUIRE_FALSE(f.c.on_open_refused(400, at_ms(101)));
        auto v = drain(f.c);
        REQUIRE(v.size() == 2);
        CHECK(v[0].a.error == nightingale::errc::session_not_present);
        CHECK(v[0].a.next == gateway::next_step::new_session);
        CHECK(v[1].a.kind == action_kind::open);
        REQUIRE_FALSE(f.c.on_open_refused(503, at_ms(102)));
        v = drain(f.c);
        REQUIRE(v.size() == 2);
        CHECK(v[1].a.error == gateway::errc::gave_up);
        CHECK(v[1].a.next == gateway::next_step::stop);
        CHECK(f.c.current_state() == gateway::state::failed);
    }
    SUBCASE("503 to a resume is retried as a resume") {
        fixture f;
        f.connect();
        f.drop(100);
        REQUIRE_FALSE(f.c.on_open_refused(503, at_ms(101)));
        auto v = drain(f.c);
        REQUIRE(find(v, action_kind::notice));
        CHECK(find(v, action_kind::notice)->a.next == gateway::next_step::resume);
        CHECK(f.c.current_state() == gateway::state::waiting); // the second attempt waits its backoff
        f.c.handle_timeout(f.c.next_deadline());
        v = drain(f.c);
        REQUIRE(find(v, action_kind::open));
        CHECK(find(v, action_kind::open)->bytes.starts_with("ws://ng.test:8081/ws/resume/"));
    }
}

TEST_CASE("nightingale: past the resume window, or after failed attempts, the machine connects fresh") {
    const std::string fresh = "ws://ng.test:8081/ws?shards=2&user_id=42\r\nAuthorization: pw\r\n";
    const std::string resume = "ws://ng.test:8081/ws/resume/" + std::string(uuid) + "\r\nAuthorization: pw\r\n";
    SUBCASE("window") {
        fixture f;
        f.connect();
        CHECK(f.drop(1000) == resume);
        // The server is unreachable for a while: failed connects, backoff.
        std::int64_t t = 1001;
        REQUIRE_FALSE(f.c.on_close(close_info{}, at_ms(t))); // attempt 1 failed (no status: byte mode)
        auto v = drain(f.c);
        CHECK(find(v, action_kind::notice)->a.next == gateway::next_step::resume);
        // Jump past the window before the next attempt.
        f.c.handle_timeout(at_ms(1000 + 56'000));
        v = drain(f.c);
        REQUIRE(find(v, action_kind::open));
        CHECK(find(v, action_kind::open)->bytes == fresh);
        REQUIRE_FALSE(f.c.on_open(at_ms(57'001)));
        v = f.message(R"({"op":"ready","data":{"session":"new","resumed":false}})", 57'002);
        REQUIRE(find(v, action_kind::ready)); // a new session, announced as such
        CHECK(f.c.session() == "new");
    }
    SUBCASE("attempts") {
        fixture f;
        f.connect();
        CHECK(f.drop(1000) == resume); // attempt 1
        REQUIRE_FALSE(f.c.on_close(close_info{}, at_ms(1001)));
        drain(f.c);
        f.c.handle_timeout(f.c.next_deadline());
        auto v = drain(f.c);
        REQUIRE(find(v, action_kind::open));
        CHECK(find(v, action_kind::open)->bytes == resume); // attempt 2
        REQUIRE_FALSE(f.c.on_close(close_info{}, at_ms(3000)));
        drain(f.c);
        f.c.handle_timeout(f.c.next_deadline());
        v = drain(f.c);
        REQUIRE(find(v, action_kind::open));
        CHECK(find(v, action_kind::open)->bytes == fresh); // attempts used up
    }
}

TEST_CASE("nightingale: snapshot and restore resume in a new process") {
    fixture f;
    f.connect();
    const auto snap = f.c.snapshot();
    CHECK(snap.id == uuid);
    const std::string id(snap.id);
    REQUIRE_FALSE(f.c.close(at_ms(10), gateway::close_mode::keep_session));
    auto v = drain(f.c);
    CHECK(find(v, action_kind::close)->a.close_code == 4000);

    fixture g;
    REQUIRE_FALSE(g.c.restore({id, {}, std::nullopt}));
    REQUIRE_FALSE(g.c.start(at_ms(20)));
    v = drain(g.c);
    REQUIRE(v.size() == 1);
    CHECK(v[0].bytes == "ws://ng.test:8081/ws/resume/" + id + "\r\nAuthorization: pw\r\n");
    REQUIRE_FALSE(g.c.on_open(at_ms(21)));
    v = g.message(ready_resumed, 22);
    REQUIRE(find(v, action_kind::resumed));
}

TEST_CASE("nightingale: voice updates typed, raw and relayed from Discord dispatches") {
    fixture f;
    CHECK(f.c.send_voice_state({7, 8, 42, "vs"}, at_ms(0)) == gateway::errc::not_connected);
    f.connect();
    CHECK_FALSE(f.c.send_voice_state({7, 8, 42, "vs"}, at_ms(10)));
    CHECK_FALSE(f.c.send_voice_state({7, std::nullopt, 42, "vs"}, at_ms(10)));
    CHECK_FALSE(f.c.send_voice_server({7, "voice.example:443", "tok"}, at_ms(11)));
    CHECK_FALSE(f.c.send_voice_server({7, std::nullopt, "tok"}, at_ms(11)));
    auto v = drain(f.c);
    REQUIRE(v.size() == 4);
    CHECK(v[0].bytes == R"({"op":"update_voice_state","data":{"guild_id":"7","user_id":"42","session_id":"vs","channel_id":"8"}})");
    CHECK(v[1].bytes == R"({"op":"update_voice_state","data":{"guild_id":"7","user_id":"42","session_id":"vs","channel_id":null}})");
    CHECK(v[2].bytes == R"({"op":"update_voice_server","data":{"endpoint":"voice.example:443","guild_id":"7","token":"tok"}})");
    CHECK(v[3].bytes == R"({"op":"update_voice_server","data":{"endpoint":null,"guild_id":"7","token":"tok"}})");

    nightingale::config ints = make_config();
    ints.ids = nightingale::id_format::integer;
    fixture g(ints);
    g.connect();
    CHECK_FALSE(g.c.send_voice_state({std::nullopt, 8, 42, "vs"}, at_ms(10)));
    CHECK(drain(g.c).at(0).bytes == R"({"op":"update_voice_state","data":{"guild_id":null,"user_id":42,"session_id":"vs","channel_id":8}})");

    bool relayed = false;
    const std::string own = R"({"member":{},"user_id":"42","suppress":false,"session_id":"vs","self_video":false,"self_mute":false,"self_deaf":true,"request_to_speak_timestamp":null,"mute":false,"guild_id":"7","deaf":false,"channel_id":"8"})";
    CHECK_FALSE(f.c.relay_discord_dispatch("VOICE_STATE_UPDATE", own, at_ms(12), &relayed));
    CHECK(relayed);
    CHECK_FALSE(f.c.relay_discord_dispatch("VOICE_STATE_UPDATE", R"({"user_id":"43","guild_id":"7"})", at_ms(12), &relayed));
    CHECK_FALSE(relayed); // another member
    CHECK_FALSE(f.c.relay_discord_dispatch("VOICE_SERVER_UPDATE", R"({"token":"t","guild_id":"7","endpoint":"e"})", at_ms(12), &relayed));
    CHECK(relayed);
    CHECK_FALSE(f.c.relay_discord_dispatch("MESSAGE_CREATE", "{}", at_ms(12), &relayed));
    CHECK_FALSE(relayed);
    v = drain(f.c);
    REQUIRE(v.size() == 2);
    CHECK(v[0].bytes == R"({"op":"update_voice_state","data":)" + own + "}");
    CHECK(v[1].bytes == R"({"op":"update_voice_server","data":{"token":"t","guild_id":"7","endpoint":"e"}})");
    CHECK(f.c.send_message("update_voice_server", "[1]", at_ms(13)) == nightingale::errc::not_an_object);
    CHECK(f.c.send_message("update_voice_server", "{nope", at_ms(13)) == nightingale::errc::not_an_object);
    CHECK(drain(f.c).empty());
}

TEST_CASE("nightingale: no allocation per message once connected") {
    fixture f;
    f.connect();
    const std::string fwd = R"({"op":"forward","data":{"shard":0,"payload":{"op":4,"d":{"guild_id":"7","channel_id":"8","self_mute":false,"self_deaf":true}}}})";
    const std::string ev = R"({"op":"event","data":{"guild_id":7,"event":{"type":"track_start","data":{"title":"a long enough title to leave SSO","duration":1000}}}})";
    const std::string st = R"({"op":"update_state","data":{"type":"connect_gateway","data":{"channel_id":8,"guild_id":7,"session_id":"vs","server":"s","ssrc":1}}})";
    auto round = [&](std::int64_t t) {
        for (int i = 0; i < 30; ++i) {
            CHECK_FALSE(f.c.on_message(fwd, message_type::text, at_ms(t)));
            CHECK_FALSE(f.c.on_message(ev, message_type::text, at_ms(t)));
            CHECK_FALSE(f.c.on_message(st, message_type::text, at_ms(t)));
        }
        CHECK_FALSE(f.c.send_voice_state({7, 8, 42, "vs"}, at_ms(t)));
        while (f.c.poll()) {
        }
    };
    round(10);
    round(11);
    sluice_test::allocation_counter count;
    round(12);
    round(13);
    CHECK(count.count() == 0);
}

TEST_CASE("nightingale: byte mode over ws::session with random splitting") {
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        CAPTURE(seed);
        xoshiro256 rng{seed};
        ws::session<nightingale::client> s(rng, ws::client_options{}, make_config(), rng);
        REQUIRE_FALSE(s.inner().start(at_ms(0)));
        const auto* e = s.poll();
        REQUIRE(e);
        CHECK(e->action.io == ws::io_op::connect);
        CHECK(e->bytes == "ng.test");
        s.transport_open(at_ms(1));
        e = s.poll();
        REQUIRE(e);
        const std::string request(e->bytes);
        CHECK(request.starts_with("GET /ws?shards=2&user_id=42 HTTP/1.1\r\n"));
        CHECK(request.find("\r\nAuthorization: pw\r\n") != std::string::npos);
        std::string stream = peer_wire::accept_response(request) + peer_wire::text(ready_fresh);
        for (int i = 0; i < 5; ++i)
            stream += peer_wire::text(R"({"op":"forward","data":{"shard":)" + std::to_string(i) + R"(,"payload":{"op":4,"d":{}}}})");
        sluice_test::test_rng split{seed};
        int forwards = 0;
        bool ready = false;
        for (std::string_view piece : sluice_test::random_split(stream, split, 16)) {
            s.receive(piece, at_ms(2));
            while (const auto* x = s.poll()) {
                if (x->action.io != ws::io_op::none) continue;
                if (x->action.inner.kind == action_kind::ready) ready = true;
                if (x->action.inner.kind == action_kind::forward) {
                    CHECK(x->action.inner.shard == static_cast<std::uint64_t>(forwards));
                    CHECK(x->bytes.substr(x->action.inner.data_offset, x->action.inner.data_size) == R"({"op":4,"d":{}})");
                    ++forwards;
                }
            }
        }
        CHECK(ready);
        CHECK(forwards == 5);
    }
}

} // TEST_SUITE

TEST_SUITE("unit") {

TEST_CASE("nightingale: a forward payload that is not JSON through and through is malformed") {
    fixture f;
    f.connect();
    auto v = f.message("{\"op\":\"forward\",\"data\":{\"shard\":0,\"payload\":{\"op\":4,\"d\":{\"k\xff\":1}}}}", 10);
    REQUIRE(find(v, action_kind::notice));
    CHECK(find(v, action_kind::notice)->a.error == gateway::errc::malformed_frame);
    CHECK_FALSE(find(v, action_kind::forward));
}

} // TEST_SUITE

TEST_SUITE("unit") {

TEST_CASE("nightingale: players of a resumed session, typed") {
    std::vector<nightingale::player> players;
    REQUIRE_FALSE(nightingale::read_players(
        R"([{"guild_id":"7","channel_id":null,"paused":true,"volume":50,"currently_playing":{"title":"A","duration":1000},)"
        R"("queue":[{"title":"B","duration":{"secs":2,"nanos":0}},{"title":null}]},{"guild_id":9,"channel_id":10,"paused":false,"volume":100,"currently_playing":null,"queue":[]}])",
        players));
    REQUIRE(players.size() == 2);
    CHECK(players[0].guild_id == 7u);
    CHECK_FALSE(players[0].channel_id);
    CHECK(players[0].paused);
    CHECK(players[0].volume == 50u);
    REQUIRE(players[0].currently_playing);
    CHECK(players[0].currently_playing->title == "A");
    REQUIRE(players[0].queue.size() == 2);
    CHECK(players[0].queue[0].length == std::chrono::seconds(2));
    CHECK_FALSE(players[0].queue[1].title);
    CHECK(players[1].channel_id == 10u);
    REQUIRE_FALSE(nightingale::read_players("", players));
    CHECK(players.empty());
    CHECK(nightingale::read_players(R"([{"guild_id":"x"}])", players) == nightingale::errc::invalid_id);
    CHECK(nightingale::read_players(R"({})", players));
}

} // TEST_SUITE
