// The gateway engine driven by the line test policy: every transition of the
// table in session.hpp, every close verdict, timers, generations, misuse.
#include "test_policy.hpp"

#include "support/support.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace test_gw;
using sluice::instant;
using sluice::message_type;
namespace gw = sluice::gateway;

namespace {

gw::config test_config() {
    gw::config c = gw::config::defaults<line_policy>();
    c.wait_for_identify_permit = false;
    return c;
}

struct harness {
    sluice::xoshiro256 rng{42};
    gw::session<line_policy> s;
    explicit harness(gw::config c = test_config()) : s(line_policy{}, sluice::entropy(rng), c) {}

    std::vector<rec> msg(std::string_view text, std::int64_t ms) {
        CHECK_FALSE(s.on_message(text, message_type::text, at_ms(ms)));
        return drain(s);
    }
    // start → open → hello → identify → ready with seq 1, session "abc", resume url ws://resume
    void connect(std::int64_t ms = 0, std::uint64_t interval = 30'000) {
        REQUIRE_FALSE(s.start(at_ms(ms)));
        auto a = drain(s);
        REQUIRE(a.size() == 1);
        REQUIRE(a[0].a.kind == gw::action_kind::open);
        REQUIRE_FALSE(s.on_open(at_ms(ms)));
        auto b = msg("H " + std::to_string(interval), ms);
        REQUIRE(b.size() == 1);
        CHECK(b[0].bytes == "IDENTIFY");
        auto c = msg("R 1 abc ws://resume", ms);
        REQUIRE(c.size() == 1);
        CHECK(c[0].a.kind == gw::action_kind::ready);
        REQUIRE(s.is_ready());
    }
};

std::size_t count_kind(const std::vector<rec>& v, gw::action_kind k) {
    std::size_t n = 0;
    for (auto& r : v) n += r.a.kind == k;
    return n;
}

} // namespace

TEST_CASE("engine: hello → identify → ready, transport actions carry the concept's fields") {
    harness h;
    CHECK(h.s.current_state() == gw::state::idle);
    CHECK(h.s.next_deadline().is_never());
    REQUIRE_FALSE(h.s.start(at_ms(0)));
    auto a = drain(h.s);
    REQUIRE(a.size() == 1);
    CHECK(a[0].a.kind == gw::action_kind::open);
    CHECK(a[0].a.op == sluice::transport_op::open);
    CHECK(a[0].bytes == "ws://fresh");
    CHECK_FALSE(a[0].a.resume);
    CHECK(a[0].a.generation == 1);
    CHECK(h.s.current_state() == gw::state::connecting);
    CHECK(h.s.next_deadline() == at_ms(30'000)); // handshake timeout armed

    REQUIRE_FALSE(h.s.on_open(at_ms(10)));
    CHECK(h.s.current_state() == gw::state::awaiting_hello);
    auto b = h.msg("H 1000", 20);
    REQUIRE(b.size() == 1);
    CHECK(b[0].a.kind == gw::action_kind::send);
    CHECK(b[0].a.op == sluice::transport_op::send);
    CHECK(b[0].a.type == message_type::text);
    CHECK(b[0].bytes == "IDENTIFY");
    CHECK(h.s.current_state() == gw::state::identifying);

    auto c = h.msg("R 1 abc ws://resume", 30);
    REQUIRE(c.size() == 1);
    CHECK(c[0].a.kind == gw::action_kind::ready);
    CHECK(c[0].a.has_seq);
    CHECK(c[0].a.seq == 1);
    CHECK(c[0].bytes == "R 1 abc ws://resume");
    CHECK(c[0].data == "abc ws://resume");
    CHECK(h.s.is_ready());
    CHECK(h.s.snapshot().id == "abc");
    CHECK(h.s.snapshot().resume_url == "ws://resume");
    CHECK(h.s.last_sequence() == 1u);
}

TEST_CASE("engine: identify waits for an external permit") {
    gw::config c = test_config();
    c.wait_for_identify_permit = true;
    harness h(c);
    h.s.start(at_ms(0));
    drain(h.s);
    CHECK(h.s.grant_identify(at_ms(0)) == gw::errc::no_identify_pending); // nothing asked yet
    h.s.on_open(at_ms(0));
    auto a = h.msg("H 1000", 0);
    REQUIRE(a.size() == 1);
    CHECK(a[0].a.kind == gw::action_kind::identify_wanted);
    CHECK(h.s.current_state() == gw::state::awaiting_permit);
    CHECK(h.s.protocol().identifies == 0);
    // Heartbeats keep going while the permit is pending.
    h.s.handle_timeout(at_ms(1000));
    auto hb = drain(h.s);
    REQUIRE(hb.size() == 1);
    CHECK(hb[0].bytes == "HB null");
    h.msg("A", 1001);
    REQUIRE_FALSE(h.s.grant_identify(at_ms(5000)));
    auto b = drain(h.s);
    REQUIRE(b.size() == 1);
    CHECK(b[0].bytes == "IDENTIFY");
    CHECK(h.s.grant_identify(at_ms(5000)) == gw::errc::no_identify_pending); // one permit, one identify
    h.msg("R 1 abc ws://resume", 5001);
    CHECK(h.s.is_ready());
}

TEST_CASE("engine: permit pending when the transport drops; a late grant is refused") {
    gw::config c = test_config();
    c.wait_for_identify_permit = true;
    harness h(c);
    h.s.start(at_ms(0));
    h.s.on_open(at_ms(0));
    h.msg("H 1000", 0);
    h.s.on_close({std::uint16_t{4000}, {}}, at_ms(10));
    drain(h.s);
    CHECK(h.s.grant_identify(at_ms(11)) == gw::errc::no_identify_pending);
}

TEST_CASE("engine: first heartbeat after interval × injected jitter, then every interval") {
    harness h;
    sluice::xoshiro256 copy{42};
    const double jitter = sluice::entropy(copy).uniform01();
    h.connect(0, 1000);
    const instant first = at_ms(0) + std::chrono::nanoseconds(static_cast<std::int64_t>(1e9 * jitter));
    CHECK(h.s.next_deadline() == first);
    CHECK(h.s.heartbeat_interval() == std::chrono::milliseconds(1000));

    h.s.handle_timeout(first - std::chrono::nanoseconds(1)); // early: nothing
    CHECK(drain(h.s).empty());
    h.s.handle_timeout(first);
    auto a = drain(h.s);
    REQUIRE(a.size() == 1);
    CHECK(a[0].bytes == "HB 1"); // the last sequence
    h.s.handle_timeout(first);   // twice: nothing
    CHECK(drain(h.s).empty());
    CHECK(h.s.next_deadline() == first + std::chrono::milliseconds(1000));
    h.s.on_message("A", message_type::text, first + std::chrono::milliseconds(40));
    CHECK(h.s.latency() == std::chrono::milliseconds(40));
    for (int i = 1; i <= 5; ++i) {
        const instant t = first + std::chrono::milliseconds(1000 * i);
        CHECK(h.s.next_deadline() == t);
        h.s.handle_timeout(t);
        auto b = drain(h.s);
        REQUIRE(b.size() == 1);
        CHECK(b[0].bytes == "HB 1");
        h.s.on_message("A", message_type::text, t);
    }
}

TEST_CASE("engine: the interval comes from hello") {
    for (std::uint64_t interval : {250u, 41250u, 60000u}) {
        harness h;
        h.connect(0, interval);
        CHECK(h.s.heartbeat_interval() == std::chrono::milliseconds(interval));
        CHECK(h.s.next_deadline() <= at_ms(static_cast<std::int64_t>(interval)));
    }
}

TEST_CASE("engine: zombie → close with the resume code → resume with the last sequence") {
    harness h;
    h.connect(0, 1000);
    h.msg("D 2 MESSAGE_CREATE {}", 1);
    h.msg("D 3 MESSAGE_CREATE {}", 2);
    h.s.handle_timeout(at_ms(1000));
    auto beat = drain(h.s);
    REQUIRE(beat.size() == 1);
    CHECK(beat[0].bytes == "HB 3");
    // No ack: at the next beat the connection is a zombie.
    h.s.handle_timeout(at_ms(2000));
    auto z = drain(h.s);
    REQUIRE(z.size() == 2);
    CHECK(z[0].a.kind == gw::action_kind::notice);
    CHECK(z[0].a.error == gw::errc::zombie_connection);
    CHECK(z[0].a.error == sluice::condition::timeout);
    CHECK(z[0].a.next == gw::next_step::resume);
    CHECK(z[1].a.kind == gw::action_kind::close);
    CHECK(z[1].a.op == sluice::transport_op::close);
    CHECK(z[1].a.close_code == 4900);
    CHECK(z[1].a.close_code != 1000);
    CHECK(z[1].a.close_code != 1001);
    CHECK(h.s.current_state() == gw::state::closing);
    // Messages after our close are ignored.
    CHECK(h.msg("D 4 MESSAGE_CREATE {}", 2001).empty());
    h.s.on_close({std::uint16_t{4900}, {}}, at_ms(2002));
    auto o = drain(h.s);
    REQUIRE(o.size() == 1);
    CHECK(o[0].a.kind == gw::action_kind::open);
    CHECK(o[0].a.resume);
    CHECK(o[0].bytes == "ws://resume");
    CHECK(o[0].a.generation == 2);
    h.s.on_open(at_ms(2003));
    auto r = h.msg("H 1000", 2004);
    REQUIRE(r.size() == 1);
    CHECK(r[0].bytes == "RESUME abc 3");
    CHECK(h.s.current_state() == gw::state::resuming);
    // Replay, then resumed.
    auto d = h.msg("D 4 MESSAGE_CREATE {}", 2005);
    REQUIRE(d.size() == 1);
    CHECK(d[0].a.seq == 4);
    auto m = h.msg("M 5", 2006);
    REQUIRE(m.size() == 1);
    CHECK(m[0].a.kind == gw::action_kind::resumed);
    CHECK(h.s.is_ready());
    CHECK(h.s.protocol().identifies == 1);
}

TEST_CASE("engine: a server-requested heartbeat goes at once and keeps the schedule") {
    harness h;
    h.connect(0, 1000);
    const instant due = h.s.next_deadline();
    auto a = h.msg("B", 5);
    REQUIRE(a.size() == 1);
    CHECK(a[0].bytes == "HB 1");
    CHECK(h.s.next_deadline() == due);
    // Its ack in flight when the regular beat is due is not a zombie.
    h.s.handle_timeout(due);
    auto b = drain(h.s);
    REQUIRE(b.size() == 1);
    CHECK(b[0].bytes == "HB 1");
}

TEST_CASE("engine: a requested beat right before the regular one, acked late, is no zombie") {
    harness h;
    h.connect(0, 1000);
    const instant due = h.s.next_deadline();
    h.s.handle_timeout(due); // regular beat 1
    drain(h.s);
    h.s.on_message("A", message_type::text, due + std::chrono::milliseconds(10));
    h.s.on_message("B", message_type::text, due + std::chrono::milliseconds(990)); // requested beat
    drain(h.s);
    h.s.handle_timeout(due + std::chrono::milliseconds(1000)); // regular beat 2: acked since beat 1
    auto a = drain(h.s);
    REQUIRE(a.size() == 1);
    CHECK(a[0].a.kind == gw::action_kind::send);
}

TEST_CASE("engine: dispatch with sequence tracking; stale sequences dropped") {
    harness h;
    h.connect();
    auto a = h.msg("D 2 GUILD_CREATE {\"id\":1}", 1);
    REQUIRE(a.size() == 1);
    CHECK(a[0].a.kind == gw::action_kind::dispatch);
    CHECK(a[0].name == "GUILD_CREATE");
    CHECK(a[0].data == "{\"id\":1}");
    CHECK(a[0].a.seq == 2);
    CHECK(h.msg("D 2 GUILD_CREATE {}", 2).empty());
    CHECK(h.msg("D 1 GUILD_CREATE {}", 2).empty());
    CHECK(h.s.stale_dropped() == 2);
    CHECK(h.msg("D 5 X {}", 3).size() == 1);
    CHECK(h.s.last_sequence() == 5u);
    // An unsequenced dispatch is delivered and leaves the sequence alone.
    auto b = h.msg("D - TYPING {}", 4);
    REQUIRE(b.size() == 1);
    CHECK_FALSE(b[0].a.has_seq);
    CHECK(h.s.last_sequence() == 5u);
}

TEST_CASE("engine: reconnect request → resume") {
    harness h;
    h.connect();
    auto a = h.msg("X", 1);
    REQUIRE(a.size() == 2);
    CHECK(a[0].a.error == gw::errc::reconnect_requested);
    CHECK(a[0].a.next == gw::next_step::resume);
    CHECK(a[1].a.close_code == 4900);
    h.s.on_close({std::uint16_t{4900}, {}}, at_ms(2));
    auto o = drain(h.s);
    REQUIRE(o.size() == 1);
    CHECK(o[0].a.resume);
}

TEST_CASE("engine: invalid session, resumable → resume at once") {
    harness h;
    h.connect();
    auto a = h.msg("I 1", 1);
    REQUIRE(a.size() == 2);
    CHECK(a[0].a.error == gw::errc::session_invalidated);
    CHECK(a[0].a.next == gw::next_step::resume);
    h.s.on_close({}, at_ms(2));
    auto o = drain(h.s);
    REQUIRE(o.size() == 1);
    CHECK(o[0].a.resume);
    CHECK(h.s.snapshot().id == "abc");
}

TEST_CASE("engine: invalid session, not resumable → wait 1–5 s (injected jitter), then identify afresh") {
    std::vector<std::int64_t> waits;
    for (std::uint64_t seed = 1; seed <= 50; ++seed) {
        sluice::xoshiro256 rng{seed};
        gw::session<line_policy> s(line_policy{}, sluice::entropy(rng), test_config());
        s.start(at_ms(0));
        s.on_open(at_ms(0));
        s.on_message("H 1000", message_type::text, at_ms(0));
        s.on_message("R 1 abc ws://resume", message_type::text, at_ms(0));
        drain(s);
        s.on_message("I 0", message_type::text, at_ms(100));
        auto a = drain(s);
        REQUIRE(a.size() == 2);
        CHECK(a[0].a.next == gw::next_step::new_session);
        CHECK(s.snapshot().id.empty()); // forgotten
        s.on_close({std::uint16_t{4900}, {}}, at_ms(200));
        CHECK(drain(s).empty());
        CHECK(s.current_state() == gw::state::waiting);
        const auto wait = s.next_deadline() - at_ms(200);
        CHECK(wait >= std::chrono::seconds(1));
        CHECK(wait <= std::chrono::seconds(5));
        waits.push_back(wait.count());
        s.handle_timeout(s.next_deadline());
        auto o = drain(s);
        REQUIRE(o.size() == 1);
        CHECK_FALSE(o[0].a.resume);
        CHECK(o[0].bytes == "ws://fresh");
        s.on_open(at_ms(10'000));
        auto i = drain(s);
        CHECK(i.empty());
        s.on_message("H 1000", message_type::text, at_ms(10'000));
        auto j = drain(s);
        REQUIRE(j.size() == 1);
        CHECK(j[0].bytes == "IDENTIFY");
    }
    std::sort(waits.begin(), waits.end());
    CHECK(waits.front() != waits.back()); // jitter really varies
}

TEST_CASE("engine: close verdicts: resume, new session, fatal, dropped") {
    struct row {
        std::optional<std::uint16_t> code;
        gw::next_step next;
        gw::errc error;
    };
    const row rows[] = {
        {std::uint16_t{4000}, gw::next_step::resume, gw::errc::transport_closed},
        {std::uint16_t{1006}, gw::next_step::resume, gw::errc::transport_closed},
        {std::nullopt, gw::next_step::resume, gw::errc::transport_closed},
        {std::uint16_t{4007}, gw::next_step::new_session, gw::errc::transport_closed},
        {std::uint16_t{4009}, gw::next_step::new_session, gw::errc::transport_closed},
        {std::uint16_t{4004}, gw::next_step::stop, gw::errc::fatal_close},
    };
    for (const row& r : rows) {
        CAPTURE(r.code.value_or(0));
        harness h;
        h.connect();
        REQUIRE_FALSE(h.s.on_close({r.code, {}}, at_ms(5)));
        auto a = drain(h.s);
        REQUIRE(!a.empty());
        CHECK(a[0].a.kind == gw::action_kind::notice);
        CHECK(a[0].a.error == r.error);
        CHECK(a[0].a.next == r.next);
        CHECK(a[0].a.close_code == r.code.value_or(0));
        if (r.next == gw::next_step::stop) {
            CHECK(a.size() == 1);
            CHECK(h.s.current_state() == gw::state::failed);
            CHECK(h.s.next_deadline().is_never());
        } else {
            REQUIRE(a.size() == 2);
            CHECK(a[1].a.kind == gw::action_kind::open);
            CHECK(a[1].a.resume == (r.next == gw::next_step::resume));
        }
    }
}

TEST_CASE("engine: generations: nothing from an old transport touches the new one") {
    harness h;
    h.connect();
    const std::uint32_t old = h.s.generation();
    h.s.on_close({std::uint16_t{4000}, {}}, at_ms(5));
    drain(h.s);
    const std::uint32_t cur = h.s.generation();
    CHECK(cur == old + 1);
    CHECK(h.s.on_message(old, "D 9 LATE {}", message_type::text, at_ms(6)) == gw::errc::stale_generation);
    CHECK(h.s.on_close(old, {}, at_ms(6)) == gw::errc::stale_generation);
    CHECK(h.s.on_open(old, at_ms(6)) == gw::errc::stale_generation);
    CHECK(drain(h.s).empty());
    CHECK(h.s.current_state() == gw::state::connecting);
    REQUIRE_FALSE(h.s.on_open(cur, at_ms(7)));
    h.s.on_message(cur, "H 1000", message_type::text, at_ms(8));
    auto r = drain(h.s);
    REQUIRE(r.size() == 1);
    CHECK(r[0].bytes == "RESUME abc 1");
    CHECK(h.s.last_sequence() == 1u);
}

TEST_CASE("engine: timers of an old transport never fire on the new one") {
    harness h;
    h.connect(0, 1000);
    h.s.on_close({}, at_ms(10));
    drain(h.s);
    h.s.on_open(at_ms(20));
    // No heartbeat before hello on the new transport, even at the old deadline.
    h.s.handle_timeout(at_ms(1500));
    CHECK(drain(h.s).empty());
    CHECK(h.s.next_deadline() == at_ms(20 + 30'000)); // only the handshake timer
}

TEST_CASE("engine: caller misuse returns an error and changes nothing") {
    harness h;
    CHECK(h.s.send("x", at_ms(0)) == gw::errc::not_connected);
    CHECK(h.s.send("x", at_ms(0)) == sluice::condition::misuse);
    CHECK(h.s.on_open(at_ms(0)) == gw::errc::not_running);
    CHECK(h.s.on_message("A", message_type::text, at_ms(0)) == gw::errc::not_running);
    CHECK(h.s.on_close({}, at_ms(0)) == gw::errc::not_running);
    CHECK(h.s.close(at_ms(0)) == gw::errc::not_running);
    CHECK(drain(h.s).empty());
    h.connect();
    CHECK(h.s.start(at_ms(1)) == gw::errc::already_running);
    CHECK(h.s.restore({"x", "", 1}) == gw::errc::session_running);
    CHECK(h.s.on_open(at_ms(1)) == gw::errc::not_running); // already open
    const std::string big(65, 'x');
    CHECK(h.s.send(big, at_ms(1)) == gw::errc::payload_too_large);
    CHECK(h.s.send(big, at_ms(1)) == sluice::condition::limit_exceeded);
    CHECK(drain(h.s).empty());
    CHECK(h.s.send(std::string(64, 'x'), at_ms(1)).value() == 0);
    CHECK(drain(h.s).size() == 1);
    CHECK(h.s.is_ready());
    CHECK(h.s.snapshot().id == "abc");
}

TEST_CASE("engine: send_with writes in place; a writer error rolls back") {
    harness h;
    h.connect();
    CHECK_FALSE(h.s.send_with([](std::string& out) { out += "typed"; }, at_ms(1)));
    CHECK(h.s.send_with([](std::string& out) {
        out += "half";
        return std::error_code(gw::errc::build_failed);
    }, at_ms(1)) == gw::errc::build_failed);
    auto a = drain(h.s);
    REQUIRE(a.size() == 1);
    CHECK(a[0].bytes == "typed");
}

TEST_CASE("engine: send rate limit keeps slots for heartbeats") {
    harness h; // limit 10 per 60 s; interval 1 s → reserve ceil(60/1) + 2, clamped to 10
    gw::config c = test_config();
    harness h2(c);
    h.connect(0, 30'000); // reserve ceil(60/30) + 2 = 4; identify used 1
    int sent = 0;
    while (!h.s.send("cmd", at_ms(1))) ++sent;
    CHECK(sent == 6 - 1); // 10 - 4 reserved - 1 identify
    CHECK(h.s.send("cmd", at_ms(1)) == gw::errc::rate_limited);
    CHECK(h.s.send("cmd", at_ms(1)) == sluice::condition::limit_exceeded);
    CHECK_FALSE(h.s.can_send(at_ms(1)));
    drain(h.s);
    // The heartbeat still goes.
    h.s.handle_timeout(h.s.next_deadline());
    auto a = drain(h.s);
    REQUIRE(a.size() == 1);
    CHECK(a[0].bytes == "HB 1");
    // After the window, sends are allowed again.
    CHECK_FALSE(h.s.send("cmd", at_ms(70'000)));
}

TEST_CASE("engine: server-requested heartbeats cannot blow the send budget") {
    harness h;
    h.connect(0, 30'000);
    int beats = 0, skipped = 0;
    for (int i = 0; i < 40; ++i) {
        for (auto& r : h.msg("B", 1)) {
            beats += r.a.kind == gw::action_kind::send;
            skipped += r.a.kind == gw::action_kind::notice && r.a.error == gw::errc::heartbeat_skipped;
        }
    }
    CHECK(beats == 9); // 10 in the window, identify took one
    CHECK(skipped == 31);
    CHECK(h.s.is_ready());
}

TEST_CASE("engine: time going backwards is clamped") {
    harness h;
    h.connect(10'000, 1000);
    const instant due = h.s.next_deadline();
    h.s.on_message("D 2 X {}", message_type::text, at_ms(0)); // earlier than seen: treated as 10 s
    drain(h.s);
    h.s.handle_timeout(at_ms(5)); // back in time: nothing due
    CHECK(drain(h.s).empty());
    CHECK(h.s.next_deadline() == due);
}

TEST_CASE("engine: malformed and oversized messages close and resume") {
    {
        harness h;
        h.connect();
        auto a = h.msg("garbage", 1);
        REQUIRE(a.size() == 2);
        CHECK(a[0].a.error == gw::errc::malformed_frame);
        CHECK(a[0].a.error == sluice::condition::invalid_data);
        CHECK(a[0].a.next == gw::next_step::resume);
        CHECK(a[1].a.close_code == 4901);
        CHECK(h.s.last_sequence() == 1u);
    }
    {
        harness h;
        h.connect();
        auto a = h.msg("D 2 X " + std::string(300, 'y'), 1);
        REQUIRE(a.size() == 2);
        CHECK(a[0].a.error == gw::errc::frame_too_large);
        CHECK(a[1].a.close_code == 4902);
        CHECK(h.s.last_sequence() == 1u); // never accepted
    }
    {
        harness h;
        h.connect();
        CHECK_FALSE(h.s.on_message("A", message_type::binary, at_ms(1)));
        auto a = drain(h.s);
        REQUIRE(a.size() == 2);
        CHECK(a[0].a.error == gw::errc::malformed_frame);
    }
}

TEST_CASE("engine: unexpected frames become notices and change nothing") {
    harness h;
    h.connect();
    auto a = h.msg("H 1000", 1); // a second hello
    REQUIRE(a.size() == 1);
    CHECK(a[0].a.error == gw::errc::unexpected_frame);
    CHECK(a[0].a.next == gw::next_step::none);
    auto b = h.msg("R 7 zzz ws://x", 1); // ready while ready
    REQUIRE(b.size() == 1);
    CHECK(b[0].a.error == gw::errc::unexpected_frame);
    CHECK(h.s.snapshot().id == "abc");
    auto c = h.msg("O what is this", 1);
    REQUIRE(c.size() == 1);
    CHECK(c[0].a.error == gw::errc::unexpected_frame);
    CHECK(c[0].data == "what is this");
    CHECK(h.s.is_ready());
}

TEST_CASE("engine: server error frames are notices; the close decides") {
    harness h;
    h.connect();
    auto a = h.msg("E 4002 0", 1);
    REQUIRE(a.size() == 1);
    CHECK(a[0].a.error == gw::errc::server_error);
    CHECK(a[0].a.code == 4002);
    CHECK(h.s.is_ready());
}

TEST_CASE("engine: a hello interval out of range closes") {
    harness h;
    h.s.start(at_ms(0));
    h.s.on_open(at_ms(0));
    drain(h.s);
    auto a = h.msg("H 5", 1); // 5 ms < 100 ms minimum
    REQUIRE(a.size() == 2);
    CHECK(a[0].a.error == gw::errc::bad_heartbeat_interval);
}

TEST_CASE("engine: handshake timeouts: no hello, no ready, no open") {
    {
        harness h;
        h.s.start(at_ms(0));
        h.s.on_open(at_ms(0));
        drain(h.s);
        h.s.handle_timeout(at_ms(30'000));
        auto a = drain(h.s);
        REQUIRE(a.size() == 2);
        CHECK(a[0].a.error == gw::errc::handshake_timeout);
        CHECK(a[1].a.kind == gw::action_kind::close);
    }
    {
        harness h;
        h.s.start(at_ms(0));
        h.s.on_open(at_ms(0));
        h.s.on_message("H 1000", message_type::text, at_ms(0));
        drain(h.s);
        h.s.on_message("A", message_type::text, at_ms(1000));
        for (int t = 1000; t < 30'000; t += 1000) {
            h.s.handle_timeout(at_ms(t));
            h.s.on_message("A", message_type::text, at_ms(t));
        }
        drain(h.s);
        h.s.handle_timeout(at_ms(30'000));
        auto a = drain(h.s);
        CHECK(count_kind(a, gw::action_kind::close) == 1);
    }
    {
        harness h;
        h.s.start(at_ms(0));
        drain(h.s);
        h.s.handle_timeout(at_ms(30'000)); // the transport never opened: close it, retry once it is gone
        auto a = drain(h.s);
        REQUIRE(a.size() == 2);
        CHECK(a[0].a.error == gw::errc::handshake_timeout);
        CHECK(a[1].a.kind == gw::action_kind::close);
        CHECK(h.s.current_state() == gw::state::closing);
        h.s.on_close({}, at_ms(30'001));
        auto b = drain(h.s);
        REQUIRE(b.size() == 1);
        CHECK(b[0].a.kind == gw::action_kind::open);
        CHECK(b[0].a.generation == 2);
    }
}

TEST_CASE("engine: the close wait gives up on a transport that never reports closing") {
    harness h;
    h.connect();
    h.msg("X", 1);
    CHECK(h.s.next_deadline() == at_ms(1 + 5000));
    h.s.handle_timeout(at_ms(5001));
    auto a = drain(h.s);
    REQUIRE(a.size() == 1);
    CHECK(a[0].a.kind == gw::action_kind::open);
}

TEST_CASE("engine: reconnect backoff grows with failed attempts, resets after ready, can give up") {
    gw::config c = test_config();
    c.max_reconnect_attempts = 5;
    harness h(c);
    h.connect();
    h.s.on_close({}, at_ms(10)); // healthy session dropped: reconnect at once
    auto a = drain(h.s);
    REQUIRE(a.size() == 2);
    CHECK(a[1].a.kind == gw::action_kind::open);
    std::int64_t now = 10;
    duration prev{};
    for (std::uint32_t i = 1; i < 5; ++i) {
        h.s.on_close({}, at_ms(now)); // connect failed
        auto b = drain(h.s);
        REQUIRE(b.size() == 1);
        CHECK(b[0].a.error == gw::errc::connect_failed);
        CHECK(h.s.current_state() == gw::state::waiting);
        const duration d = h.s.next_deadline() - at_ms(now);
        const duration cap = std::chrono::seconds(1) * (1 << (i - 1));
        CHECK(d >= cap / 2);
        CHECK(d <= cap);
        CHECK(d >= prev / 2);
        prev = d;
        now = (h.s.next_deadline() - instant::zero()).count() / 1'000'000 + 1;
        h.s.handle_timeout(at_ms(now));
        auto o = drain(h.s);
        REQUIRE(o.size() == 1);
        CHECK(o[0].a.kind == gw::action_kind::open);
    }
    h.s.on_close({}, at_ms(now));
    auto g = drain(h.s);
    REQUIRE(g.size() == 2);
    CHECK(g[1].a.error == gw::errc::gave_up);
    CHECK(g[1].a.next == gw::next_step::stop);
    CHECK(h.s.current_state() == gw::state::failed);
    // start() again is allowed after failing.
    CHECK_FALSE(h.s.start(at_ms(now)));
}

TEST_CASE("engine: an upgrade refused with 401 is fatal; 503 retries") {
    {
        harness h;
        h.s.start(at_ms(0));
        drain(h.s);
        CHECK_FALSE(h.s.on_open_refused(401, at_ms(1)));
        auto a = drain(h.s);
        REQUIRE(a.size() == 1);
        CHECK(a[0].a.error == gw::errc::connect_failed);
        CHECK(a[0].a.code == 401);
        CHECK(a[0].a.next == gw::next_step::stop);
        CHECK(h.s.current_state() == gw::state::failed);
    }
    {
        harness h;
        h.s.start(at_ms(0));
        drain(h.s);
        CHECK_FALSE(h.s.on_open_refused(503, at_ms(1)));
        CHECK(h.s.current_state() == gw::state::connecting); // first retry is immediate
    }
}

TEST_CASE("engine: user close ends the session with 1000; keep_session closes with the resume code") {
    {
        harness h;
        h.connect();
        REQUIRE_FALSE(h.s.close(at_ms(1)));
        auto a = drain(h.s);
        REQUIRE(a.size() == 1);
        CHECK(a[0].a.close_code == 1000);
        CHECK(h.s.current_state() == gw::state::ending);
        CHECK(h.s.snapshot().id.empty());
        CHECK(h.s.send("x", at_ms(1)) == gw::errc::not_connected);
        h.s.on_close({std::uint16_t{1000}, {}}, at_ms(2));
        auto b = drain(h.s);
        REQUIRE(b.size() == 1);
        CHECK(b[0].a.error == gw::errc::closed_by_user);
        CHECK(b[0].a.next == gw::next_step::stop);
        CHECK(h.s.current_state() == gw::state::closed);
        CHECK(h.s.next_deadline().is_never());
    }
    {
        harness h;
        h.connect();
        h.msg("D 7 X {}", 1);
        REQUIRE_FALSE(h.s.close(at_ms(1), gw::close_mode::keep_session));
        auto a = drain(h.s);
        REQUIRE(a.size() == 1);
        CHECK(a[0].a.close_code == 4900);
        h.s.handle_timeout(at_ms(5001)); // no on_close: the close wait ends it
        auto b = drain(h.s);
        REQUIRE(b.size() == 1);
        CHECK(b[0].a.error == gw::errc::closed_by_user);
        CHECK(h.s.snapshot().id == "abc");
        CHECK(h.s.snapshot().seq == 7u);
    }
}

TEST_CASE("engine: export and restore: a restarted process resumes") {
    std::string id, url;
    std::optional<std::uint64_t> seq;
    {
        harness h;
        h.connect();
        h.msg("D 41 X {}", 1);
        auto snap = h.s.snapshot();
        id = snap.id;
        url = snap.resume_url;
        seq = snap.seq;
    }
    harness h2;
    CHECK(h2.s.restore({id, url, std::nullopt}) == gw::errc::invalid_session_data); // sequenced: needs seq
    REQUIRE_FALSE(h2.s.restore({id, url, seq}));
    REQUIRE_FALSE(h2.s.start(at_ms(0)));
    auto a = drain(h2.s);
    REQUIRE(a.size() == 1);
    CHECK(a[0].a.resume);
    CHECK(a[0].bytes == "ws://resume");
    h2.s.on_open(at_ms(1));
    auto b = h2.msg("H 1000", 2);
    REQUIRE(b.size() == 1);
    CHECK(b[0].bytes == "RESUME abc 41");
    // The server refuses: invalid session, not resumable → identify afresh later.
    auto c = h2.msg("I 0", 3);
    CHECK(c[0].a.next == gw::next_step::new_session);
}

TEST_CASE("engine: a ready without a session id is unusable → new session") {
    harness h;
    h.s.start(at_ms(0));
    h.s.on_open(at_ms(0));
    h.msg("H 1000", 0);
    auto a = h.msg("R 1", 1);
    REQUIRE(a.size() == 2);
    CHECK(a[0].a.error == gw::errc::missing_session);
    CHECK(a[0].a.next == gw::next_step::new_session);
}

TEST_CASE("engine: a ready while resuming starts a new session") {
    harness h;
    h.connect();
    h.s.on_close({}, at_ms(1));
    drain(h.s);
    h.s.on_open(at_ms(2));
    h.msg("H 1000", 2);
    auto a = h.msg("R 1 fresh ws://resume2", 3);
    REQUIRE(a.size() == 1);
    CHECK(a[0].a.kind == gw::action_kind::ready);
    CHECK(h.s.snapshot().id == "fresh");
    CHECK(h.s.last_sequence() == 1u);
}

TEST_CASE("engine: error codes: names, messages, conditions") {
    const std::error_code ec = gw::errc::zombie_connection;
    CHECK(std::string(ec.category().name()) == "sluice.gateway");
    CHECK(ec.message() == "no heartbeat ack between two heartbeats");
    CHECK(std::error_code(gw::errc::not_connected) == sluice::condition::misuse);
    CHECK(std::error_code(gw::errc::fatal_close) == sluice::condition::handshake_failed);
}
