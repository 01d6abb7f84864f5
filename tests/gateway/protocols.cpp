// The hooks the other gateway protocols need (issue 5), exercised with
// policies shaped like them: i386chat (nothing before ready, no resume) and
// Nightingale (no hello, no identify, resume by URL and header, 409 on the
// upgrade). Also: server errors that disconnect, and notices carrying frames.
#include "test_policy.hpp"

#include "support/support.hpp"

#include <doctest/doctest.h>

using namespace test_gw;
using sluice::instant;
using sluice::message_type;
namespace gw = sluice::gateway;

namespace {
template <class P>
gw::config plain() {
    gw::config c = gw::config::defaults<P>();
    c.wait_for_identify_permit = false;
    return c;
}

// A line-protocol session connected with session "abc" (seq 1).
struct harness {
    sluice::xoshiro256 rng{42};
    gw::session<line_policy> s{line_policy{}, sluice::entropy(rng), plain<line_policy>()};
    std::vector<rec> msg(std::string_view text, std::int64_t ms) {
        CHECK_FALSE(s.on_message(text, message_type::text, at_ms(ms)));
        return drain(s);
    }
    void connect() {
        s.start(at_ms(0));
        s.on_open(at_ms(0));
        msg("H 30000", 0);
        msg("R 1 abc ws://resume", 0);
        REQUIRE(s.is_ready());
    }
};
} // namespace

TEST_CASE("protocols: nothing but identify before ready; beats start at ready, without jitter") {
    sluice::xoshiro256 rng{1};
    gw::session<quiet_policy> s(quiet_policy{}, sluice::entropy(rng), plain<quiet_policy>());
    s.start(at_ms(0));
    s.on_open(at_ms(0));
    drain(s);
    s.on_message("H 1000", message_type::text, at_ms(0));
    auto a = drain(s);
    REQUIRE(a.size() == 1);
    CHECK(a[0].bytes == "IDENTIFY");
    CHECK(s.next_deadline() == at_ms(30'000)); // only the handshake timer: no beat before ready
    s.on_message("B", message_type::text, at_ms(10)); // a beat request before ready is not answered
    CHECK(drain(s).empty());
    s.on_message("R - 9683494578353 x", message_type::text, at_ms(500));
    auto r = drain(s);
    REQUIRE(r.size() == 1);
    CHECK(r[0].a.kind == gw::action_kind::ready);
    CHECK(s.next_deadline() == at_ms(1500)); // ready + one interval
    s.handle_timeout(at_ms(1500));
    auto b = drain(s);
    REQUIRE(b.size() == 1);
    CHECK(b[0].bytes == "HB null");
    // No echo by the next beat: close and reconnect with a new session (no resume).
    s.handle_timeout(at_ms(2500));
    auto z = drain(s);
    REQUIRE(z.size() == 2);
    CHECK(z[0].a.error == gw::errc::zombie_connection);
    CHECK(z[0].a.next == gw::next_step::new_session);
    s.on_close({}, at_ms(2501));
    auto o = drain(s);
    REQUIRE(o.size() == 1);
    CHECK_FALSE(o[0].a.resume);
}

TEST_CASE("protocols: a server error that disconnects closes and reconnects; one that does not carries on") {
    harness h;
    h.connect();
    auto a = h.msg("E 4001 0", 1);
    REQUIRE(a.size() == 1);
    CHECK(a[0].a.error == gw::errc::server_error);
    CHECK(a[0].a.next == gw::next_step::none);
    CHECK(a[0].data == "E 4001 0");
    auto b = h.msg("E 4002 1", 2);
    REQUIRE(b.size() == 2);
    CHECK(b[0].a.error == gw::errc::server_error);
    CHECK(b[0].a.next == gw::next_step::resume);
    CHECK(b[0].a.code == 4002);
    CHECK(b[0].data == "E 4002 1");
    CHECK(b[1].a.kind == gw::action_kind::close);
}

TEST_CASE("protocols: invalid-session and reconnect notices carry the server's frame") {
    harness h;
    h.connect();
    auto a = h.msg("I 0", 1);
    REQUIRE(a.size() == 2);
    CHECK(a[0].bytes == "I 0");
}

TEST_CASE("protocols: no hello, no identify; resume by URL and header; 409 starts afresh") {
    sluice::xoshiro256 rng{1};
    gw::session<url_resume_policy> s(url_resume_policy{}, sluice::entropy(rng), plain<url_resume_policy>());
    s.start(at_ms(0));
    auto o = drain(s);
    REQUIRE(o.size() == 1);
    const auto req = sluice::open_request::parse(o[0].bytes);
    CHECK(req.url == "ws://host/ws?shards=1&user_id=1");
    CHECK(req.header_block == "Authorization: pw\r\n");
    s.on_open(at_ms(1));
    CHECK(s.current_state() == gw::state::identifying); // waiting for ready, nothing sent
    CHECK(drain(s).empty());
    s.on_message("R - ad13c35f-7bf4-413b-997d-eef2fe009f98 -", message_type::text, at_ms(2));
    CHECK(drain(s).size() == 1);
    CHECK(s.is_ready());
    CHECK(s.next_deadline().is_never()); // no heartbeat: none was asked for
    s.on_message("D - forward {\"op\":4}", message_type::text, at_ms(3));
    auto d = drain(s);
    REQUIRE(d.size() == 1);
    CHECK(d[0].name == "forward");
    CHECK_FALSE(d[0].a.has_seq);

    // Dropped: resume by URL and header, no frame; the server's ready says resumed.
    s.on_close({}, at_ms(10));
    auto r = drain(s);
    REQUIRE(r.size() == 2);
    CHECK(r[1].a.resume);
    const auto rq = sluice::open_request::parse(r[1].bytes);
    CHECK(rq.url == "ws://host/ws/resume/ad13c35f-7bf4-413b-997d-eef2fe009f98");
    CHECK(rq.header_block == "session: ad13c35f-7bf4-413b-997d-eef2fe009f98\r\n");
    s.on_open(at_ms(11));
    CHECK(s.current_state() == gw::state::resuming);
    CHECK(drain(s).empty());
    s.on_message("M -", message_type::text, at_ms(12));
    auto m = drain(s);
    REQUIRE(m.size() == 1);
    CHECK(m[0].a.kind == gw::action_kind::resumed);

    // Dropped again, and the resume upgrade is refused with 409 (new_session_now): a fresh connect at once.
    s.on_close({}, at_ms(20));
    drain(s);
    REQUIRE_FALSE(s.on_open_refused(409, at_ms(21)));
    auto f = drain(s);
    REQUIRE(f.size() == 2);
    CHECK(f[0].a.error == gw::errc::connect_failed);
    CHECK(f[0].a.code == 409);
    CHECK(f[0].a.next == gw::next_step::new_session);
    CHECK(f[1].a.kind == gw::action_kind::open); // a second attempt, yet no backoff
    CHECK_FALSE(f[1].a.resume);
    CHECK(f[1].bytes == "ws://host/ws?shards=1&user_id=1\r\nAuthorization: pw\r\n");
    CHECK(s.snapshot().id.empty());
    CHECK(s.current_state() == gw::state::connecting);
}
