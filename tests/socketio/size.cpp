// The size of an idle connected Socket.IO client: sizeof plus the heap it
// holds once shrunk, after traffic of every kind (events, acks both ways, a
// binary event); and that a shrunk client works on without allocating per
// message once warm again.
#include <sluice/socketio/client.hpp>

#include <doctest/doctest.h>

#include "support/support.hpp"

#include <chrono>
#include <string>

namespace sio = sluice::socketio;
using namespace std::chrono_literals;
using sluice::instant;
using sluice::message_type;

namespace {

instant at_ms(std::int64_t ms) { return instant::from_ns(ms * 1'000'000); }

// Real servers' sids are 20 characters.
constexpr const char* open_packet =
    R"(0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})";

void drain(sio::client& c) {
    while (c.poll()) {
    }
}

// One round of traffic; returns how many events and answered acks were polled.
int traffic(sio::client& c, std::int64_t t) {
    const std::string_view att[] = {"attachment bytes longer than sixteen"};
    c.on_message("2", message_type::text, at_ms(t));
    c.on_message(R"(42["task-progress",{"job_id":"cf2646a2","progress":0.19,"eta_relative":9.8}])", message_type::text, at_ms(t));
    c.on_message(R"(42["n\u00e4me with escapes",1])", message_type::text, at_ms(t));
    std::uint64_t id = 0;
    (void)c.emit_with_ack("/", "ask", "[5]", at_ms(t), 10s, id);
    c.on_message("43" + std::to_string(id) + "[{\"doubled\":10}]", message_type::text, at_ms(t));
    c.on_message(R"(451-["up",{"_placeholder":true,"num":0}])", message_type::text, at_ms(t));
    c.on_message("binary attachment bytes longer than sixteen", message_type::binary, at_ms(t));
    (void)c.emit("/", "file", R"([{"_placeholder":true,"num":0}])", att);
    int n = 0;
    while (const auto* e = c.poll()) n += e->action.kind == sio::action_kind::event || (e->action.kind == sio::action_kind::ack && !e->action.error);
    return n;
}

} // namespace

TEST_CASE("socketio client: an idle connected client holds under 1 KiB (sizeof + heap), and works on after shrink()") {
    sluice::xoshiro256 rng{9};
    sio::config cfg;
    cfg.engine.url = sluice::engineio::make_url("ws://127.0.0.1:3334");
    sio::client c(cfg, rng);
    REQUIRE_FALSE(c.join("/", at_ms(0)));
    REQUIRE_FALSE(c.start(at_ms(0)));
    c.on_open(at_ms(0));
    c.on_message(open_packet, message_type::text, at_ms(0));
    c.on_message(R"(40{"sid":"wZX3oN0bSVIhsaknAAAI"})", message_type::text, at_ms(0));
    drain(c);
    REQUIRE(c.state_of("/") == sio::namespace_state::connected);
    for (int i = 0; i < 3; ++i) CHECK(traffic(c, 10 + i) == 4);
    const std::size_t warm = c.heap_bytes();
    c.shrink();
    const std::size_t idle = c.heap_bytes();
    MESSAGE("sizeof(socketio::client) = " << sizeof(sio::client) << ", heap: " << warm << " bytes after traffic, " << idle
                                          << " once idle (shrunk), total " << sizeof(sio::client) + idle);
    CHECK(idle < warm);
    CHECK(sizeof(sio::client) + idle < 1024);
    CHECK(c.poll() == nullptr);
    CHECK(c.session().pending_acks() == 0);

    // Shrunk, it carries on: the first round allocates again, later ones do not.
    CHECK(traffic(c, 100) == 4);
    sluice_test::allocation_counter count;
    for (int i = 0; i < 50; ++i) CHECK(traffic(c, 200 + i) == 4);
    CHECK(count.count() <= 50); // the test's own to_string of each ack id, at most
    CHECK(c.state_of("/") == sio::namespace_state::connected);
}
