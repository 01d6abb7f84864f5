// The size of an idle connected i386chat client: sizeof plus the heap it
// holds once shrunk after traffic (executes both ways, an error, heartbeats,
// a reconnect); and that a shrunk client carries on without allocating per
// message once warm again.
#include <sluice/i386chat.hpp>

#include <doctest/doctest.h>

#include "support/support.hpp"

#include <string>

namespace ic = sluice::i386chat;
using sluice::instant;
using sluice::message_type;

namespace {

instant at_ms(std::int64_t ms) { return instant::from_ns(ms * 1'000'000); }

void connect(ic::client& c, std::int64_t t) {
    REQUIRE_FALSE(c.on_open(at_ms(t)));
    REQUIRE_FALSE(c.on_message(R"({"f":100,"cnf":{"hb_int":41250}})", message_type::text, at_ms(t)));
    REQUIRE_FALSE(c.on_message(R"({"f":140,"cnf":{"v":6,"session_id":9683494578353,"enc_key":"a key longer than sixteen bytes"}})",
                               message_type::text, at_ms(t)));
    while (c.poll()) {
    }
    REQUIRE(c.is_ready());
}

// One round: executes in (fresh sequences from `seq` on), one out, an error
// that keeps the connection, a heartbeat and its echo; returns the events polled.
int traffic(ic::client& c, std::int64_t t, std::string& frame, std::size_t seq_at) {
    for (int i = 0; i < 5; ++i) {
        for (std::size_t k = seq_at + 9; k >= seq_at; --k) { // +1 on the ten digits of "s"
            if (frame[k] != '9') {
                ++frame[k];
                break;
            }
            frame[k] = '0';
        }
        CHECK_FALSE(c.on_message(frame, message_type::text, at_ms(t)));
    }
    CHECK_FALSE(c.execute("MESSAGE_CREATE", R"({"room":"general","content":"a message long enough to need the heap"})", at_ms(t)));
    CHECK_FALSE(c.on_message(R"({"f":150,"cnf":{"c":4004,"d":false}})", message_type::text, at_ms(t)));
    c.handle_timeout(at_ms(t + 41'250));
    CHECK_FALSE(c.on_message(R"({"f":120})", message_type::text, at_ms(t + 41'250)));
    int events = 0;
    while (const auto* e = c.poll()) events += e->action.kind == ic::action_kind::event;
    return events;
}

} // namespace

TEST_CASE("i386chat client: an idle connected client holds under 1 KiB (sizeof + heap), and works on after shrink()") {
    sluice::xoshiro256 rng{9};
    ic::client c(ic::config{.url = "ws://127.0.0.1:8082/gateway", .token = "a token longer than sixteen bytes"}, rng);
    REQUIRE_FALSE(c.start(at_ms(0)));
    connect(c, 0);
    std::string frame =
        R"({"f":130,"cnf":{"id":"9683494578353","room":"general","author":"ada","content":"hello there, how is the build going today?","ts":1670000000100},"s":1000000000,"t":"MESSAGE_CREATE"})";
    const std::size_t seq_at = frame.find("\"s\":") + 4;
    CHECK(traffic(c, 10, frame, seq_at) == 5);
    // The server goes away; the client presents again.
    REQUIRE_FALSE(c.on_close(sluice::close_info{1001, "going away"}, at_ms(50'000)));
    while (c.poll()) {
    }
    connect(c, 50'000);
    CHECK(traffic(c, 50'010, frame, seq_at) == 5);
    const std::size_t warm = c.heap_bytes();
    c.shrink();
    const std::size_t idle = c.heap_bytes();
    MESSAGE("sizeof(i386chat::client) = " << sizeof(ic::client) << ", heap: " << warm << " bytes after traffic, " << idle
                                           << " once idle (shrunk), total " << sizeof(ic::client) + idle);
    CHECK(idle < warm);
    CHECK(sizeof(ic::client) + idle < 1024);
    CHECK(c.poll() == nullptr);
    CHECK(c.is_ready());
    // Shrunk, it carries on; once warm again, nothing is allocated per message.
    CHECK(traffic(c, 100'000, frame, seq_at) == 5);
    sluice_test::allocation_counter count;
    CHECK(traffic(c, 150'000, frame, seq_at) == 5);
    CHECK(count.count() == 0);
}
