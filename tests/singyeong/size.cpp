// The size of an idle connected singyeong client: sizeof plus the heap it
// holds once shrunk after traffic of every kind (metadata, requests answered
// by nonce and oldest first, messages, a heartbeat); and that a shrunk client
// carries on (requests and replies) without allocating per message once warm
// again.
#include <sluice/singyeong.hpp>

#include <doctest/doctest.h>

#include "support/support.hpp"

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace sy = sluice::singyeong;
using sluice::instant;
using sluice::message_type;

namespace {

instant at_ms(std::int64_t ms) { return instant::from_ns(ms * 1'000'000); }

std::string dispatch(std::string_view t, std::string_view d) {
    return R"({"op":4,"t":")" + std::string(t) + R"(","d":)" + std::string(d) + R"(,"ts":1670000000100})";
}

// What answers the next round of traffic() after nonce `last` (nonces count
// up): ten SEND replies by nonce, a QUERY_NODES reply without one (matched
// oldest first), five messages from others.
std::vector<std::string> frames_after(std::uint64_t last) {
    std::vector<std::string> v;
    for (std::uint64_t i = 1; i <= 10; ++i)
        v.push_back(dispatch("SEND", R"({"nonce":")" + std::to_string(last + i) + R"(","payload":{"done":true}})"));
    v.push_back(dispatch("QUERY_NODES", R"({"nodes":[{"app_id":"app","client_id":"c2"}]})"));
    for (int i = 0; i < 5; ++i)
        v.push_back(dispatch("SEND", R"({"target":null,"nonce":null,"payload":{"job":"a payload long enough","n":1},"sender":"w"})"));
    return v;
}

// Ten requests and a QUERY_NODES, answered by `frames`, and a heartbeat;
// returns how many replies were polled (`last`: the last nonce).
int traffic(sy::client& c, const sy::query& q, const std::vector<std::string>& frames, std::int64_t t, std::uint64_t& last) {
    for (int i = 0; i < 10; ++i) REQUIRE_FALSE(c.request(q, R"({"job":"render"})", at_ms(t), std::chrono::seconds(10), last));
    REQUIRE_FALSE(c.query_nodes(q, at_ms(t), std::chrono::seconds(10), last));
    for (const std::string& f : frames) CHECK_FALSE(c.on_message(f, message_type::text, at_ms(t + 1)));
    c.handle_timeout(at_ms(t + 50'000)); // a heartbeat
    CHECK_FALSE(c.on_message(R"({"op":6,"d":{"client_id":"c1"},"ts":1})", message_type::text, at_ms(t + 50'000)));
    int replies = 0;
    while (const auto* e = c.poll()) replies += e->action.kind == sy::action_kind::reply;
    return replies;
}

} // namespace

TEST_CASE("singyeong client: an idle connected client holds under 1 KiB (sizeof + heap), and works on after shrink()") {
    sluice::xoshiro256 rng{9};
    sy::config cfg;
    cfg.url = "ws://127.0.0.1:4567/gateway/websocket?encoding=json";
    cfg.client_id = "c1";
    cfg.application_id = "app";
    sy::client c(cfg, rng);
    REQUIRE_FALSE(c.set_metadata("load", sy::metadata_value::integer(3), at_ms(0)));
    REQUIRE_FALSE(c.start(at_ms(0)));
    c.on_open(at_ms(0));
    c.on_message(R"({"op":0,"d":{"heartbeat_interval":45000},"t":null,"ts":1670000000000})", message_type::text, at_ms(0));
    c.on_message(R"({"op":2,"d":{"client_id":"c1","restricted":false},"t":null,"ts":1670000000001})", message_type::text, at_ms(0));
    while (c.poll()) {
    }
    REQUIRE(c.is_ready());
    sy::query q("app");
    q.where("/load", sy::op::lt, 5);
    std::uint64_t last = 0;
    REQUIRE_FALSE(c.request(q, "1", at_ms(1), std::chrono::seconds(10), last)); // learns where the nonces are
    c.on_message(dispatch("SEND", R"({"nonce":")" + std::to_string(last) + R"(","payload":1})"), message_type::text, at_ms(2));
    while (c.poll()) {
    }
    const auto f1 = frames_after(last), f2 = frames_after(last + 11), f3 = frames_after(last + 22);
    CHECK(traffic(c, q, f1, 10, last) == 11);
    CHECK(c.pending_requests() == 0);
    const std::size_t warm = c.heap_bytes();
    c.shrink();
    const std::size_t idle = c.heap_bytes();
    MESSAGE("sizeof(singyeong::client) = " << sizeof(sy::client) << ", heap: " << warm << " bytes after traffic, " << idle
                                            << " once idle (shrunk), total " << sizeof(sy::client) + idle);
    CHECK(idle < warm);
    CHECK(sizeof(sy::client) + idle < 1024);
    CHECK(c.poll() == nullptr);
    CHECK(c.is_ready());
    // Shrunk, it carries on; once warm again, nothing is allocated per message.
    CHECK(traffic(c, q, f2, 100'000, last) == 11);
    sluice_test::allocation_counter count;
    CHECK(traffic(c, q, f3, 200'000, last) == 11);
    CHECK(count.count() == 0);
    CHECK(c.pending_requests() == 0);
    CHECK(c.settings().url == cfg.url);
    CHECK(c.settings().max_pending == cfg.max_pending);
}
