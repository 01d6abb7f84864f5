#include <sluice/core/action_queue.hpp>

#include "support/support.hpp"

#include <doctest/doctest.h>

namespace {
struct act {
    int kind = 0;
};
} // namespace

TEST_CASE("action_queue: FIFO with payloads") {
    sluice::action_queue<act> q;
    CHECK(q.poll() == nullptr);
    q.push({1}, "hello");
    q.push({2});
    std::string& arena = q.begin_payload();
    arena += "in place";
    q.commit({3});
    CHECK(q.size() == 3);
    auto* e = q.poll();
    REQUIRE(e);
    CHECK(e->action.kind == 1);
    CHECK(e->bytes == "hello");
    e = q.poll();
    REQUIRE(e);
    CHECK(e->action.kind == 2);
    CHECK(e->bytes.empty());
    e = q.poll();
    REQUIRE(e);
    CHECK(e->action.kind == 3);
    CHECK(e->bytes == "in place");
    CHECK(q.poll() == nullptr);
    CHECK(q.empty());
}

TEST_CASE("action_queue: rollback drops a half-written payload") {
    sluice::action_queue<act> q;
    q.push({1}, "keep");
    q.begin_payload() += "discard";
    q.rollback();
    q.push({2}, "next");
    CHECK(q.poll()->bytes == "keep");
    CHECK(q.poll()->bytes == "next");
}

TEST_CASE("action_queue: views stay valid while undrained actions remain, draining late is fine") {
    sluice::action_queue<act> q;
    q.push({1}, "first");
    auto* e = q.poll();
    const std::string_view first = e->bytes;
    for (int i = 0; i < 1000; ++i) q.push({i}, "more bytes to force the arena to grow");
    // `first` was handed out before the growth; entries still queued resolve correctly.
    CHECK(q.size() == 1000);
    int n = 0;
    while (auto* x = q.poll()) {
        CHECK(x->bytes == "more bytes to force the arena to grow");
        ++n;
    }
    CHECK(n == 1000);
    (void)first;
}

TEST_CASE("action_queue: no allocation once grown") {
    sluice::action_queue<act> q;
    const std::string payload(200, 'y');
    auto one_round = [&] {
        q.push({1}, payload);
        q.push({2});
        q.begin_payload() += "abc";
        q.commit({3});
        while (q.poll()) {
        }
    };
    one_round();  // the first round grows the item list and the arena
    sluice_test::allocation_counter count;
    for (int round = 0; round < 100; ++round) one_round();
    CHECK(count.count() == 0);
    CHECK(q.heap_bytes() > 0);
    q.shrink();
    CHECK(q.heap_bytes() == 0);
}
