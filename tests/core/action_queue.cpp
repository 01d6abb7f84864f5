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

TEST_CASE("action_queue: a later poll leaves earlier entries as they were") {
    sluice::action_queue<act> q;
    q.push({1}, "one");
    q.push({2}, "two");
    q.push({3});
    const auto* a = q.poll();
    const auto* b = q.poll();
    const auto* c = q.poll();
    REQUIRE((a && b && c));
    CHECK(a != b);
    CHECK(a->action.kind == 1);
    CHECK(a->bytes == "one");
    CHECK(b->action.kind == 2);
    CHECK(b->bytes == "two");
    CHECK(c->action.kind == 3);
    CHECK(c->bytes.empty());
    CHECK(q.poll() == nullptr);
    CHECK(a->bytes == "one"); // the empty poll changed nothing either
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

TEST_CASE("action_queue: payloads written in place, interleaved with appended ones, survive growth and copies") {
    sluice::action_queue<act> q;
    std::string expected[300];
    for (int i = 0; i < 300; ++i) {
        if (i % 3 == 0) {
            q.begin_payload() += "appended " + std::to_string(i);
            q.commit({i});
            expected[i] = "appended " + std::to_string(i);
        } else {
            const std::string text(static_cast<std::size_t>(i * 7 % 500), static_cast<char>('a' + i % 26));
            char* at = q.push_uninitialized({i}, text.size());
            text.copy(at, text.size());
            expected[i] = text;
        }
    }
    sluice::action_queue<act> copy = q;
    for (auto* queue : {&q, &copy}) {
        int n = 0;
        while (auto* e = queue->poll()) {
            CHECK(e->action.kind == n);
            CHECK(e->bytes == expected[n]);
            ++n;
        }
        CHECK(n == 300);
    }
    // Once drained, the next write reuses both arenas without allocating.
    sluice_test::allocation_counter count;
    for (int round = 0; round < 100; ++round) {
        q.push_uninitialized({1}, 400)[0] = 'x';
        q.push({2}, "copied");
        q.begin_payload() += "abc";
        q.commit({3});
        CHECK(q.poll()->bytes.size() == 400);
        CHECK(q.poll()->bytes == "copied");
        CHECK(q.poll()->bytes == "abc");
    }
    CHECK(count.count() == 0);
    q.shrink();
    CHECK(q.heap_bytes() == 0);
}
