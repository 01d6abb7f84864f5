// A refused upgrade (on_open_refused) and the close verdicts, engine level:
// the policy classifies the HTTP status (close_verdict: resume,
// new_session, fatal, new_session_now) and the engine carries it out in its
// transport-gone path. Each verdict after a refused fresh connect and after
// a refused resume; "at once" (new_session_now) is a separate property from
// "new session": it skips the backoff's wait without advancing it, only
// after a connection opened to resume, and still counts as an attempt. The
// same verdict from on_close_code behaves the same. Without the hook:
// default_open_refused (401/403 fatal, the rest resumed).
#include "test_policy.hpp"

#include "support/support.hpp"

#include <doctest/doctest.h>

using namespace test_gw; // and, through it, sluice
namespace gw = sluice::gateway;

namespace {

/// The line policy answering every refusal (and close code 4010) with
/// `answer`; it records what it was asked.
struct answering_policy : line_policy {
    gw::close_verdict answer = gw::close_verdict::resume;
    int asked = 0;
    std::uint16_t last_status = 0;
    gw::close_verdict on_open_refused(std::uint16_t status) {
        ++asked;
        last_status = status;
        return answer;
    }
    gw::close_verdict on_close_code(std::uint16_t code) {
        return code == 4010 ? answer : line_policy::on_close_code(code);
    }
};
static_assert(gw::protocol<answering_policy>);
static_assert(gw::has_open_refused_hook<answering_policy>);
static_assert(!gw::has_open_refused_hook<line_policy>);

// The property helpers and the default for policies without the hook.
static_assert(gw::starts_new_session(gw::close_verdict::new_session));
static_assert(gw::starts_new_session(gw::close_verdict::new_session_now));
static_assert(!gw::starts_new_session(gw::close_verdict::resume));
static_assert(!gw::starts_new_session(gw::close_verdict::fatal));
static_assert(gw::reconnects_at_once(gw::close_verdict::new_session_now));
static_assert(!gw::reconnects_at_once(gw::close_verdict::new_session));
static_assert(!gw::reconnects_at_once(gw::close_verdict::resume));
static_assert(!gw::reconnects_at_once(gw::close_verdict::fatal));
static_assert(gw::default_open_refused(401) == gw::close_verdict::fatal);
static_assert(gw::default_open_refused(403) == gw::close_verdict::fatal);
static_assert(gw::default_open_refused(0) == gw::close_verdict::resume);
static_assert(gw::default_open_refused(400) == gw::close_verdict::resume);
static_assert(gw::default_open_refused(404) == gw::close_verdict::resume);
static_assert(gw::default_open_refused(409) == gw::close_verdict::resume);
static_assert(gw::default_open_refused(503) == gw::close_verdict::resume);

constexpr duration second = std::chrono::seconds(1);

gw::config refused_config(std::uint32_t max_attempts = 0) {
    gw::config c = gw::config::defaults<answering_policy>();
    c.wait_for_identify_permit = false;
    c.reconnect.base = second; // 1 s, 2 s, 4 s, ... exactly
    c.reconnect.jitter = sluice::jitter_mode::none;
    c.max_reconnect_attempts = max_attempts;
    return c;
}

struct fixture : session_fixture<answering_policy> {
    explicit fixture(gw::config c = refused_config()) : session_fixture(c, 11) {}

    // The ready session's connection drops: the resume's open goes at once (attempt 1).
    void drop(std::int64_t ms) {
        REQUIRE_FALSE(s.on_close({}, at_ms(ms)));
        const auto v = drain(s);
        REQUIRE(v.size() == 2);
        REQUIRE(v[1].a.kind == gw::action_kind::open);
        REQUIRE(v[1].bytes == "ws://resume");
        REQUIRE(s.current_state() == gw::state::connecting);
    }
    std::vector<rec> refuse(std::uint16_t status, std::int64_t ms) {
        REQUIRE_FALSE(s.on_open_refused(status, at_ms(ms)));
        return drain(s);
    }
    // Fires the reconnect timer; returns the open it queued.
    rec wait_open(duration expected_wait, instant since) {
        REQUIRE(s.current_state() == gw::state::waiting);
        CHECK(s.next_deadline() - since == expected_wait);
        s.handle_timeout(s.next_deadline());
        auto v = drain(s);
        REQUIRE(v.size() == 1);
        REQUIRE(v[0].a.kind == gw::action_kind::open);
        return v[0];
    }
};

// The open queued at once by a refusal: notice first, then the open, and no
// timer but the new connection's handshake timeout.
template <class F>
void check_at_once(F& f, const std::vector<rec>& v, std::uint16_t status, std::int64_t ms) {
    REQUIRE(v.size() == 2);
    CHECK(v[0].a.kind == gw::action_kind::notice);
    CHECK(v[0].a.error == gw::errc::connect_failed);
    CHECK(v[0].a.code == status);
    CHECK(v[0].a.next == gw::next_step::new_session);
    CHECK(v[1].a.kind == gw::action_kind::open);
    CHECK_FALSE(v[1].a.resume);
    CHECK(v[1].bytes == "ws://fresh");
    CHECK(v[1].a.generation == v[0].a.generation + 1);
    CHECK(f.s.current_state() == gw::state::connecting);
    CHECK(f.s.next_deadline() == at_ms(ms) + f.s.settings().handshake_timeout);
    CHECK(f.s.snapshot().id.empty());
}

} // namespace

TEST_SUITE("unit") {

TEST_CASE("refused: every verdict after a refused resume") {
    struct row {
        gw::close_verdict answer;
        std::uint16_t status;
        gw::next_step next;      // the notice's
        bool at_once;            // the open comes with the notice (else after 1 s of backoff)
        std::string_view reopen; // the next open's URL ("" = none: stopped)
    };
    const row rows[] = {
        {gw::close_verdict::fatal, 401, gw::next_step::stop, false, ""},
        {gw::close_verdict::resume, 503, gw::next_step::resume, false, "ws://resume"},
        {gw::close_verdict::new_session, 400, gw::next_step::new_session, false, "ws://fresh"},
        {gw::close_verdict::new_session_now, 409, gw::next_step::new_session, true, "ws://fresh"},
    };
    const std::int64_t t = 100;
    for (const row& r : rows) {
        CAPTURE(static_cast<int>(r.answer));
        fixture f;
        f.connect(0);
        f.drop(t);
        f.s.protocol().answer = r.answer;
        const auto v = f.refuse(r.status, t + 1);
        CHECK(f.s.protocol().asked == 1);
        CHECK(f.s.protocol().last_status == r.status);
        REQUIRE(!v.empty());
        CHECK(v[0].a.error == gw::errc::connect_failed);
        CHECK(v[0].a.code == r.status);
        CHECK(v[0].a.next == r.next);
        // A new session forgets the old one; a stop keeps it (start() may resume it).
        CHECK(f.s.snapshot().id.empty() == (r.next == gw::next_step::new_session));
        if (r.next == gw::next_step::stop) {
            CHECK(v.size() == 1);
            CHECK(f.s.current_state() == gw::state::failed);
            CHECK(f.s.next_deadline().is_never());
            CHECK_FALSE(f.s.start(at_ms(t + 2))); // start() again is the caller's choice
            continue;
        }
        if (!r.at_once) {
            CHECK(v.size() == 1);
            const rec o = f.wait_open(second, at_ms(t + 1));
            CHECK(o.a.resume == (r.next == gw::next_step::resume));
            CHECK(o.bytes == r.reopen);
            continue;
        }
        check_at_once(f, v, r.status, t + 1);
        CHECK(f.s.reconnect_attempts() == 1); // it continues the refused attempt
        // The fresh connection proceeds: identify, a new session.
        REQUIRE_FALSE(f.s.on_open(at_ms(t + 2)));
        REQUIRE_FALSE(f.s.on_message("H 30000", message_type::text, at_ms(t + 2)));
        auto id = drain(f.s);
        REQUIRE(id.size() == 1);
        CHECK(id[0].bytes == "IDENTIFY");
        REQUIRE_FALSE(f.s.on_message("R 1 def ws://resume2", message_type::text, at_ms(t + 3)));
        drain(f.s);
        CHECK(f.s.is_ready());
        CHECK(f.s.snapshot().id == "def");
    }
}

TEST_CASE("refused: every verdict after a refused fresh connect; new_session_now is new_session there") {
    for (auto answer : {gw::close_verdict::fatal, gw::close_verdict::resume, gw::close_verdict::new_session,
                        gw::close_verdict::new_session_now}) {
        CAPTURE(static_cast<int>(answer));
        fixture f;
        f.s.protocol().answer = answer;
        REQUIRE_FALSE(f.s.start(at_ms(0)));
        drain(f.s);
        auto v = f.refuse(400, 1);
        if (answer == gw::close_verdict::fatal) {
            REQUIRE(v.size() == 1);
            CHECK(v[0].a.next == gw::next_step::stop);
            CHECK(f.s.current_state() == gw::state::failed);
            continue;
        }
        // No session: every other verdict is a new session; the first retry after start() goes at once.
        REQUIRE(v.size() == 2);
        CHECK(v[0].a.next == gw::next_step::new_session);
        CHECK(v[1].a.kind == gw::action_kind::open);
        CHECK(v[1].bytes == "ws://fresh");
        // Refused again: the backoff, for new_session_now too (it only skips it after a resume,
        // so a policy cannot spin the engine in a loop without a pause).
        v = f.refuse(400, 2);
        REQUIRE(v.size() == 1);
        CHECK(v[0].a.next == gw::next_step::new_session);
        const rec o = f.wait_open(second, at_ms(2));
        CHECK(o.bytes == "ws://fresh");
    }
}

TEST_CASE("refused: at once neither waits the backoff nor advances it") {
    // drop → resume (attempt 1) → 503 → waits 1 s → resume (2) → 409 now → fresh (3) at once
    // → 503 → waits 2 s: the backoff continues where it was, as if the at-once open had not been.
    fixture f;
    f.connect(0);
    f.drop(100);
    f.s.protocol().answer = gw::close_verdict::resume;
    f.refuse(503, 101);
    CHECK(f.wait_open(second, at_ms(101)).bytes == "ws://resume");
    const std::int64_t t = 1101;
    f.s.protocol().answer = gw::close_verdict::new_session_now;
    check_at_once(f, f.refuse(409, t), 409, t);
    f.s.protocol().answer = gw::close_verdict::resume;
    const auto v = f.refuse(503, t + 1);
    REQUIRE(v.size() == 1);
    CHECK(v[0].a.next == gw::next_step::new_session); // nothing left to resume
    CHECK(f.wait_open(2 * second, at_ms(t + 1)).bytes == "ws://fresh");
}

TEST_CASE("refused: at once continues the refused attempt: max_reconnect_attempts does not stop it") {
    fixture f(refused_config(1));
    f.connect(0);
    f.drop(100); // attempt 1 of 1: the resume
    f.s.protocol().answer = gw::close_verdict::new_session_now;
    check_at_once(f, f.refuse(409, 101), 409, 101); // still attempt 1
    CHECK(f.s.reconnect_attempts() == 1);
    f.s.protocol().answer = gw::close_verdict::resume;
    const auto v = f.refuse(503, 102); // the fresh connect fails too: the attempts are used up
    REQUIRE(v.size() == 2);
    CHECK(v[0].a.error == gw::errc::connect_failed);
    CHECK(v[1].a.error == gw::errc::gave_up);
    CHECK(v[1].a.next == gw::next_step::stop);
    CHECK(f.s.current_state() == gw::state::failed);
}

TEST_CASE("refused: a refused resume with the at-once verdict while the backoff runs still goes at once") {
    fixture f;
    f.connect(0);
    f.drop(100);
    f.s.protocol().answer = gw::close_verdict::resume;
    std::int64_t t = 101;
    duration wait = second;
    for (int i = 0; i < 3; ++i) { // three refused resumes: 1 s, 2 s, 4 s
        f.refuse(503, t);
        CHECK(f.wait_open(wait, at_ms(t)).bytes == "ws://resume");
        t = (f.s.next_deadline() - instant::zero()).count() / 1'000'000 - 30'000; // the open's instant
        wait *= 2;
    }
    f.s.protocol().answer = gw::close_verdict::new_session_now;
    check_at_once(f, f.refuse(409, t), 409, t);
}

TEST_CASE("refused: the same verdicts from on_close_code; at once only after a connection opened to resume") {
    // A resume connection that is open but not resumed yet (its reconnect was attempt 2, so a
    // plain new_session would wait the backoff): 4010 = new_session_now reconnects fresh at once.
    for (auto answer : {gw::close_verdict::new_session, gw::close_verdict::new_session_now}) {
        CAPTURE(static_cast<int>(answer));
        fixture f;
        f.connect(0);
        f.drop(100);
        f.s.protocol().answer = gw::close_verdict::resume;
        f.refuse(503, 101);
        f.wait_open(second, at_ms(101));
        REQUIRE_FALSE(f.s.on_open(at_ms(1102)));
        REQUIRE_FALSE(f.s.on_message("H 30000", message_type::text, at_ms(1102)));
        REQUIRE(f.s.current_state() == gw::state::resuming);
        drain(f.s);
        f.s.protocol().answer = answer;
        sluice::close_info ci;
        ci.code = 4010;
        REQUIRE_FALSE(f.s.on_close(ci, at_ms(1103)));
        const auto v = drain(f.s);
        REQUIRE(!v.empty());
        CHECK(v[0].a.error == gw::errc::transport_closed);
        CHECK(v[0].a.close_code == 4010);
        CHECK(v[0].a.next == gw::next_step::new_session);
        CHECK(f.s.snapshot().id.empty());
        if (answer == gw::close_verdict::new_session_now) {
            REQUIRE(v.size() == 2);
            CHECK(v[1].a.kind == gw::action_kind::open);
            CHECK(v[1].bytes == "ws://fresh");
            CHECK(f.s.current_state() == gw::state::connecting);
        } else {
            REQUIRE(v.size() == 1);
            CHECK(f.wait_open(2 * second, at_ms(1103)).bytes == "ws://fresh");
        }
    }
    SUBCASE("a fresh connection closed with it before ready: the backoff") {
        fixture f;
        f.s.protocol().answer = gw::close_verdict::new_session_now;
        REQUIRE_FALSE(f.s.start(at_ms(0)));
        drain(f.s);
        f.refuse(503, 1); // attempt 1 at once (first after start)
        REQUIRE_FALSE(f.s.on_open(at_ms(2)));
        REQUIRE_FALSE(f.s.on_message("H 30000", message_type::text, at_ms(2)));
        drain(f.s);
        sluice::close_info ci;
        ci.code = 4010;
        REQUIRE_FALSE(f.s.on_close(ci, at_ms(3)));
        REQUIRE(drain(f.s).size() == 1);
        CHECK(f.wait_open(second, at_ms(3)).bytes == "ws://fresh");
    }
}

TEST_CASE("refused: without the hook, 401 and 403 stop, the rest resumes after the backoff") {
    for (std::uint16_t status : {0, 400, 401, 403, 404, 409, 429, 500, 503}) {
        CAPTURE(status);
        sluice::xoshiro256 rng{3};
        gw::config c = gw::config::defaults<line_policy>();
        c.wait_for_identify_permit = false;
        c.reconnect.jitter = sluice::jitter_mode::none;
        gw::session<line_policy> s(line_policy{}, sluice::entropy(rng), c);
        REQUIRE_FALSE(s.start(at_ms(0)));
        drain(s);
        REQUIRE_FALSE(s.on_open(at_ms(0)));
        REQUIRE_FALSE(s.on_message("H 30000", message_type::text, at_ms(0)));
        REQUIRE_FALSE(s.on_message("R 1 abc ws://resume", message_type::text, at_ms(0)));
        REQUIRE_FALSE(s.on_close({}, at_ms(1)));
        drain(s);
        REQUIRE_FALSE(s.on_open_refused(status, at_ms(2)));
        const auto v = drain(s);
        REQUIRE(v.size() == 1);
        CHECK(v[0].a.code == status);
        if (status == 401 || status == 403) {
            CHECK(v[0].a.next == gw::next_step::stop);
            CHECK(s.current_state() == gw::state::failed);
        } else {
            CHECK(v[0].a.next == gw::next_step::resume);
            CHECK(s.current_state() == gw::state::waiting);
            CHECK(s.next_deadline() == at_ms(1002));
        }
    }
}

TEST_CASE("refused: misuse changes nothing") {
    fixture f;
    CHECK(f.s.on_open_refused(401, at_ms(0)) == gw::errc::not_running); // idle
    f.connect(0);
    CHECK(f.s.on_open_refused(401, at_ms(1)) == gw::errc::not_running); // open already
    CHECK(f.s.is_ready());
    f.drop(2);
    CHECK(f.s.on_open_refused(f.s.generation() - 1, 409, at_ms(3)) == gw::errc::stale_generation);
    CHECK(drain(f.s).empty());
    CHECK(f.s.protocol().asked == 0);
    CHECK(f.s.current_state() == gw::state::connecting);
}

} // TEST_SUITE
