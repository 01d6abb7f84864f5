// The optional policy hook reconnect_delay(close code): after the server
// closes with a code that says "not now" (rate limited, shutting down), the
// engine waits at least that long before the next connection, and never less
// than its backoff. Policies without the hook are unchanged.
#include "test_policy.hpp"

#include "support/support.hpp"

#include <doctest/doctest.h>

using namespace test_gw;
using sluice::duration;
using sluice::instant;
using sluice::message_type;
namespace gw = sluice::gateway;

namespace {

/// The line policy plus the hook: 4008 (rate limited) waits 5 s, 4003
/// (shutting down) 30 s, every other code nothing; it counts the questions.
struct delaying_policy : line_policy {
    int asked = 0;
    std::uint16_t last_code = 0;
    duration reconnect_delay(std::uint16_t code) {
        ++asked;
        last_code = code;
        if (code == 4008) return std::chrono::seconds(5);
        if (code == 4003) return std::chrono::seconds(30);
        return duration::zero();
    }
};
static_assert(gw::protocol<delaying_policy>);
static_assert(gw::has_reconnect_delay_hook<delaying_policy>);
static_assert(!gw::has_reconnect_delay_hook<line_policy>);

gw::config delay_config(duration backoff_base = std::chrono::seconds(1)) {
    gw::config c = gw::config::defaults<delaying_policy>();
    c.wait_for_identify_permit = false;
    c.reconnect.base = backoff_base;
    c.reconnect.jitter = sluice::jitter_mode::none;
    return c;
}

struct fixture : session_fixture<delaying_policy> {
    explicit fixture(gw::config c = delay_config()) : session_fixture(c, 7) {}
};

const rec* find(const std::vector<rec>& v, gw::action_kind k) {
    for (const rec& r : v)
        if (r.a.kind == k) return &r;
    return nullptr;
}

} // namespace

TEST_SUITE("unit") {

TEST_CASE("engine: reconnect_delay(code) holds the reconnect after a ready session") {
    fixture f;
    f.connect(0);
    auto v = f.server_close(4008, 1000); // rate limited
    CHECK(f.s.protocol().asked == 1);
    CHECK(f.s.protocol().last_code == 4008);
    const rec* n = find(v, gw::action_kind::notice);
    REQUIRE(n);
    CHECK(n->a.error == gw::errc::transport_closed);
    CHECK(n->a.close_code == 4008);
    CHECK(n->a.next == gw::next_step::resume);
    CHECK_FALSE(find(v, gw::action_kind::open)); // not at once, although it is the first reconnect
    CHECK(f.s.current_state() == gw::state::waiting);
    CHECK(f.s.next_deadline() == at_ms(6000));
    f.s.handle_timeout(at_ms(5999));
    CHECK(drain(f.s).empty());
    f.s.handle_timeout(at_ms(6000));
    v = drain(f.s);
    const rec* o = find(v, gw::action_kind::open);
    REQUIRE(o);
    CHECK(o->a.resume); // the verdict still decides what the reconnect is
    CHECK(o->bytes == "ws://resume");
}

TEST_CASE("engine: a zero reconnect_delay keeps the immediate first reconnect; fatal codes are not asked") {
    {
        fixture f;
        f.connect(0);
        auto v = f.server_close(4000, 10);
        CHECK(f.s.protocol().asked == 1);
        REQUIRE(find(v, gw::action_kind::open)); // at once, as without the hook
        CHECK(f.s.current_state() == gw::state::connecting);
    }
    {
        fixture f;
        f.connect(0);
        auto v = f.server_close(4004, 10); // fatal: no reconnect to delay
        CHECK(f.s.protocol().asked == 0);
        CHECK(f.s.current_state() == gw::state::failed);
        CHECK_FALSE(find(v, gw::action_kind::open));
    }
    {
        // A dropped connection (no close code) is not a code's business.
        fixture f;
        f.connect(0);
        REQUIRE_FALSE(f.s.on_close(sluice::close_info{}, at_ms(10)));
        auto v = drain(f.s);
        CHECK(f.s.protocol().asked == 0);
        CHECK(find(v, gw::action_kind::open));
    }
}

TEST_CASE("engine: the wait is the longer of reconnect_delay and the backoff") {
    fixture f(delay_config(std::chrono::seconds(10)));
    f.connect(0);
    f.server_close(4008, 1000); // first reconnect: backoff none, delay 5 s
    CHECK(f.s.next_deadline() == at_ms(6000));
    f.s.handle_timeout(at_ms(6000));
    REQUIRE(find(drain(f.s), gw::action_kind::open));
    // The resume's connection opens but is closed with 4008 again before it resumed:
    // a failed attempt, so the backoff (10 s) applies and is longer than 5 s.
    REQUIRE_FALSE(f.s.on_open(at_ms(6100)));
    REQUIRE_FALSE(f.s.on_message("H 30000", message_type::text, at_ms(6100)));
    drain(f.s);
    f.server_close(4008, 6200);
    CHECK(f.s.next_deadline() == at_ms(16200));
    // Shutting down (30 s) outlasts the backoff.
    f.s.handle_timeout(at_ms(16200));
    REQUIRE(find(drain(f.s), gw::action_kind::open));
    REQUIRE_FALSE(f.s.on_open(at_ms(16300)));
    REQUIRE_FALSE(f.s.on_message("H 30000", message_type::text, at_ms(16300)));
    drain(f.s);
    f.server_close(4003, 16400);
    CHECK(f.s.next_deadline() == at_ms(46400));
}

TEST_CASE("engine: reconnect_delay is not asked when the client closed the connection") {
    fixture f;
    f.connect(0);
    REQUIRE_FALSE(f.s.on_message("X", message_type::text, at_ms(10))); // the server asks for a reconnect: we close
    drain(f.s);
    CHECK(f.s.current_state() == gw::state::closing);
    f.server_close(4008, 20); // its answer to our close
    CHECK(f.s.protocol().asked == 0);
    CHECK(f.s.current_state() == gw::state::connecting); // reconnected at once, as planned
}

} // TEST_SUITE
