#include <sluice/core/timer_table.hpp>

#include <doctest/doctest.h>

#include <vector>

namespace {
enum class timer { heartbeat, ack, reconnect, count };
using table = sluice::timer_table<timer, static_cast<std::size_t>(timer::count)>;
sluice::instant at(std::int64_t ms) { return sluice::instant::zero() + sluice::from_ms(ms); }
} // namespace

TEST_CASE("timer_table: next deadline is the earliest armed one") {
    table t;
    CHECK(t.next_deadline().is_never());
    t.arm(timer::heartbeat, at(100));
    t.arm(timer::ack, at(50));
    CHECK(t.next_deadline() == at(50));
    t.arm(timer::ack, at(500));  // re-arming later moves the next deadline
    CHECK(t.next_deadline() == at(100));
    t.disarm(timer::heartbeat);
    CHECK(t.next_deadline() == at(500));
    CHECK_FALSE(t.armed(timer::heartbeat));
    t.clear();
    CHECK(t.next_deadline().is_never());
}

TEST_CASE("timer_table: fires due timers once each, earliest first") {
    table t;
    t.arm(timer::reconnect, at(30));
    t.arm(timer::heartbeat, at(10));
    t.arm(timer::ack, at(20));
    std::vector<timer> fired;
    t.expire(at(25), [&](timer id) { fired.push_back(id); });
    CHECK(fired == std::vector<timer>{timer::heartbeat, timer::ack});
    CHECK(t.next_deadline() == at(30));
    fired.clear();
    t.expire(at(25), [&](timer id) { fired.push_back(id); });  // twice: nothing more
    CHECK(fired.empty());
}

TEST_CASE("timer_table: expire called early does nothing") {
    table t;
    t.arm(timer::heartbeat, at(100));
    int n = 0;
    t.expire(at(99), [&](timer) { ++n; });
    CHECK(n == 0);
    CHECK(t.armed(timer::heartbeat));
}

TEST_CASE("timer_table: a callback may re-arm its own timer (periodic)") {
    table t;
    t.arm(timer::heartbeat, at(10));
    int n = 0;
    t.expire(at(10), [&](timer id) { ++n; t.arm(id, at(20)); });
    CHECK(n == 1);
    CHECK(t.next_deadline() == at(20));
}

TEST_CASE("timer_table: a callback that re-arms in the past cannot loop forever") {
    table t;
    t.arm(timer::heartbeat, at(10));
    int n = 0;
    t.expire(at(10), [&](timer id) { ++n; t.arm(id, at(0)); });
    CHECK(n <= 12);
}
