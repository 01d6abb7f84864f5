// No allocation per message once connected: receiving, sequencing,
// heartbeating, acking, polling and decoding a typed event allocate nothing
// after the first round has grown the buffers.
#include "harness.hpp"

using namespace test_dc;

TEST_CASE("discord: no allocation per dispatch, heartbeat or command once connected") {
    harness h;
    h.connect();
    const std::string update = sluice_test::read_vector("discord/message_update.json");
    const std::string ack = sluice_test::read_vector("discord/heartbeat_ack.json");
    const std::string request = sluice_test::read_vector("discord/server_heartbeat_request.json");
    dc::message m;
    std::string frame = update;
    std::uint64_t seq = 1287;
    auto round = [&](std::int64_t ms) {
        // A fresh sequence each round (written in place, same length).
        const std::string s = std::to_string(seq++);
        frame.replace(frame.find("\"s\":") + 4, 4, s);
        REQUIRE_FALSE(h.c.on_message(frame, message_type::text, at_ms(ms)));
        REQUIRE_FALSE(h.c.on_message(request, message_type::text, at_ms(ms)));
        REQUIRE_FALSE(h.c.on_message(ack, message_type::text, at_ms(ms)));
        h.c.handle_timeout(h.c.next_deadline());
        REQUIRE_FALSE(h.c.on_message(ack, message_type::text, at_ms(ms)));
        REQUIRE_FALSE(h.c.update_voice_state({snowflake(1), std::nullopt, false, false}, at_ms(ms)));
        int dispatches = 0;
        while (auto* e = h.c.poll()) {
            if (e->action.kind == gw::action_kind::dispatch) {
                ++dispatches;
                REQUIRE(dc::event_of(*e) == dc::event::message_update);
                REQUIRE_FALSE(dc::decode(*e, m));
            }
        }
        REQUIRE(dispatches == 1);
    };
    round(1); // grows the arena, the item list and m's vectors
    round(2);
    sluice_test::allocation_counter count;
    for (int i = 0; i < 50; ++i) round(3 + i * 50'000);
    CHECK(count.count() == 0);
    CHECK(h.c.is_ready());
}
