// The job tracker on its own: ids, the exactly-once end, deadlines, slots.
#include <sluice/navigator/tracker.hpp>

#include "support/support.hpp"

#include <vector>

namespace nav = sluice::navigator;
using sluice::instant;

namespace {
instant at_ms(std::int64_t ms) { return instant::from_ns(ms * 1'000'000); }
} // namespace

TEST_CASE("job tracker: a job's life and its single end") {
    nav::job_tracker t(4);
    std::uint64_t a = 0, b = 0;
    REQUIRE_FALSE(t.add("aaaa", at_ms(1000), a));
    REQUIRE_FALSE(t.add("", at_ms(2000), b));
    CHECK(a != b);
    CHECK(t.find("aaaa") == a);
    CHECK(t.find("") == 0);
    CHECK(t.find("other") == 0);
    CHECK(t.awaiting_ids()); // b has no id yet
    REQUIRE_FALSE(t.queued(b, "bbbb"));
    CHECK_FALSE(t.awaiting_ids());
    CHECK(t.get(b)->state == nav::job_state::queued);
    CHECK(t.find("bbbb") == b);

    CHECK(t.advance(a, nav::job_state::started));
    CHECK(t.advance(a, nav::job_state::started)); // progress keeps it started
    CHECK(t.advance(a, nav::job_state::finished));
    CHECK_FALSE(t.advance(a, nav::job_state::failed)); // ended once
    CHECK_FALSE(t.advance(a, nav::job_state::started));
    CHECK(t.get(a)->state == nav::job_state::finished);
    CHECK(t.active() == 1);
    CHECK(t.next_deadline() == at_ms(2000)); // a's deadline went with its end
}

TEST_CASE("job tracker: deadlines and failing everything") {
    nav::job_tracker t(4);
    std::uint64_t a = 0, b = 0, c = 0;
    REQUIRE_FALSE(t.add("a", at_ms(100), a));
    REQUIRE_FALSE(t.add("b", at_ms(200), b));
    REQUIRE_FALSE(t.add("c", instant::never(), c));
    std::vector<std::uint64_t> timed;
    t.expire(at_ms(99), [&](std::uint64_t h) { timed.push_back(h); });
    CHECK(timed.empty());
    t.expire(at_ms(150), [&](std::uint64_t h) { timed.push_back(h); });
    t.expire(at_ms(150), [&](std::uint64_t h) { timed.push_back(h); }); // twice
    CHECK(timed == std::vector<std::uint64_t>{a});
    CHECK(t.get(a)->state == nav::job_state::timed_out);
    CHECK_FALSE(t.advance(a, nav::job_state::finished));
    std::vector<std::uint64_t> failed;
    t.fail_all([&](std::uint64_t h) { failed.push_back(h); });
    CHECK(failed.size() == 2);
    t.fail_all([&](std::uint64_t h) { failed.push_back(h); });
    CHECK(failed.size() == 2);
    t.expire(at_ms(1000), [&](std::uint64_t h) { timed.push_back(h); });
    CHECK(timed.size() == 1); // b failed first: no timeout after
    CHECK(t.next_deadline().is_never());
}

TEST_CASE("job tracker: slots are recycled oldest terminal first; forget") {
    nav::job_tracker t(2);
    std::uint64_t a = 0, b = 0, c = 0;
    REQUIRE_FALSE(t.add("a", instant::never(), a));
    REQUIRE_FALSE(t.add("b", instant::never(), b));
    CHECK(t.add("c", instant::never(), c) == nav::errc::too_many_jobs);
    CHECK(t.advance(b, nav::job_state::failed));
    CHECK(t.advance(a, nav::job_state::finished));
    REQUIRE_FALSE(t.add("c", instant::never(), c));
    CHECK_FALSE(t.get(a)); // the oldest terminal job made room
    CHECK(t.get(b));
    CHECK(c > b);
    REQUIRE_FALSE(t.forget(c));
    CHECK(t.forget(c) == nav::errc::unknown_job);
    CHECK(t.queued(c, "x") == nav::errc::unknown_job);
    CHECK(t.find("c") == 0);
    CHECK(nav::make_error_code(nav::errc::too_many_jobs) == sluice::condition::limit_exceeded);
}
