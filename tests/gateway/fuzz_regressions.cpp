// Inputs the fuzzers found (fuzz/gateway), minimized, with what they showed.
#include <sluice/discord.hpp>

#include "support/support.hpp"

#include <doctest/doctest.h>

#include <string_view>

using namespace sluice;
namespace gw = sluice::gateway;
namespace dc = sluice::discord;

// fuzz_gateway_ops (minimized): heartbeats the server asked for (op 1)
// before hello were sent, then hello gave the connection a fresh send budget
// that forgot them, so 121 frames went out within 60 s (Discord closes with
// 4008 past 120). Hello now only changes the share kept for heartbeats.
TEST_CASE("gateway fuzz: heartbeats requested before hello count against the connection's 120 sends a minute") {
    xoshiro256 rng{5};
    dc::config cfg;
    cfg.token = "token";
    cfg.engine.wait_for_identify_permit = false;
    dc::client c(cfg, entropy(rng));
    const instant t0 = instant::zero();
    int sent = 0;
    const auto drain = [&] {
        while (const gw::entry* e = c.poll())
            if (e->action.kind == gw::action_kind::send) ++sent;
    };
    REQUIRE_FALSE(c.start(t0));
    drain();
    REQUIRE_FALSE(c.on_open(t0));
    for (int i = 0; i < 10; ++i) (void)c.on_message(R"({"op":1,"d":null})", message_type::text, t0);
    drain();
    const int before_hello = sent;
    CHECK(before_hello > 0); // sent, as the server asked
    (void)c.on_message(R"({"op":10,"d":{"heartbeat_interval":41250}})", message_type::text, t0);
    (void)c.on_message(
        R"({"t":"READY","s":1,"op":0,"d":{"v":10,"user":{"id":"1","username":"u"},"session_id":"abc","resume_gateway_url":"wss://r.example"}})",
        message_type::text, t0);
    drain();
    REQUIRE(c.is_ready());
    const instant t1 = t0 + std::chrono::seconds(1);
    for (int i = 0; i < 200; ++i) (void)c.send(R"({"op":3,"d":null})", t1);
    for (int i = 0; i < 10; ++i) (void)c.on_message(R"({"op":1,"d":null})", message_type::text, t1);
    drain();
    CHECK(sent <= 120);
}
