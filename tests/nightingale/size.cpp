// The size of an idle connected Nightingale client: sizeof plus the heap it
// holds once shrunk after traffic (forwards in both forms, state updates,
// track events, voice updates sent, a resume); and that a shrunk client
// carries on without allocating per message once warm again.
#include <sluice/nightingale.hpp>

#include <doctest/doctest.h>

#include "support/support.hpp"

#include <iterator>
#include <string>
#include <vector>

namespace ng = sluice::nightingale;
using sluice::instant;
using sluice::message_type;

namespace {

instant at_ms(std::int64_t ms) { return instant::from_ns(ms * 1'000'000); }

const std::string ready = R"({"op":"ready","data":{"session":"ad13c35f-7bf4-413b-997d-eef2fe009f98","resumed":false}})";
const std::string resumed = R"({"op":"ready","data":{"session":"ad13c35f-7bf4-413b-997d-eef2fe009f98","resumed":true,"players":[]}})";
const std::string frames[] = {
    R"({"op":"forward","data":{"shard":1,"payload":{"op":4,"d":{"guild_id":"1176296352211234816","channel_id":"1176296352211234817","self_mute":false,"self_deaf":true}}}})",
    R"({"op":"forward","data":{"op":4,"d":{"guild_id":"1176296352211234816","channel_id":null,"self_mute":false,"self_deaf":false}}})",
    R"({"op":"update_state","data":{"type":"connect_gateway","data":{"channel_id":"1","guild_id":"1176296352211234816","session_id":"s","server":{"token":"t","endpoint":"e"},"ssrc":1}}})",
    R"({"op":"event","data":{"guild_id":"1176296352211234816","event":{"type":"track_start","data":{"track":"t","title":"a title","duration":1000}}}})",
};

// One round: every frame in, a voice state out; returns the actions polled.
int traffic(ng::client& c, std::int64_t t) {
    for (const std::string& f : frames) CHECK_FALSE(c.on_message(f, message_type::text, at_ms(t)));
    ng::voice_state v;
    v.guild_id = 1176296352211234816u;
    v.channel_id = 1176296352211234817u;
    v.session_id = "a voice session id longer than sixteen";
    CHECK_FALSE(c.send_voice_state(v, at_ms(t)));
    int n = 0;
    while (c.poll()) ++n;
    return n;
}

} // namespace

TEST_CASE("nightingale client: an idle connected client holds under 1 KiB (sizeof + heap), and works on after shrink()") {
    sluice::xoshiro256 rng{9};
    ng::config cfg;
    cfg.base_url = "ws://127.0.0.1:8081";
    cfg.user_id = 936929561302675456u;
    cfg.shards = 2;
    cfg.password = "youshallnotpass";
    ng::client c(cfg, rng);
    REQUIRE_FALSE(c.start(at_ms(0)));
    REQUIRE_FALSE(c.on_open(at_ms(0)));
    REQUIRE_FALSE(c.on_message(ready, message_type::text, at_ms(0)));
    while (c.poll()) {
    }
    REQUIRE(c.is_ready());
    CHECK(traffic(c, 10) == 5);
    // A lost connection, resumed.
    REQUIRE_FALSE(c.on_close(sluice::close_info{}, at_ms(20)));
    REQUIRE_FALSE(c.on_open(at_ms(20)));
    REQUIRE_FALSE(c.on_message(resumed, message_type::text, at_ms(21)));
    while (c.poll()) {
    }
    REQUIRE(c.is_ready());
    CHECK(traffic(c, 30) == 5);
    const std::size_t warm = c.heap_bytes();
    c.shrink();
    const std::size_t idle = c.heap_bytes();
    MESSAGE("sizeof(nightingale::client) = " << sizeof(ng::client) << ", heap: " << warm << " bytes after traffic, " << idle
                                              << " once idle (shrunk), total " << sizeof(ng::client) + idle);
    CHECK(idle < warm);
    CHECK(sizeof(ng::client) + idle < 1024);
    CHECK(c.poll() == nullptr);
    CHECK(c.is_ready());
    CHECK(c.session() == "ad13c35f-7bf4-413b-997d-eef2fe009f98");
    // Shrunk, it carries on; once warm again, nothing is allocated per message.
    CHECK(traffic(c, 40) == 5);
    sluice_test::allocation_counter count;
    CHECK(traffic(c, 50) == 5);
    CHECK(count.count() == 0);
}

TEST_CASE("nightingale client: a copy hands out its own copy of what was queued (the relay queue's views follow its bytes)") {
    sluice::xoshiro256 rng{9};
    ng::config cfg;
    cfg.base_url = "ws://127.0.0.1:8081";
    cfg.user_id = 936929561302675456u;
    std::vector<std::string> expected;
    auto copy = [&] {
        ng::client c(cfg, rng);
        REQUIRE_FALSE(c.start(at_ms(0)));
        REQUIRE_FALSE(c.on_open(at_ms(0)));
        REQUIRE_FALSE(c.on_message(ready, message_type::text, at_ms(0)));
        for (int i = 0; i < 20; ++i) // the queue's bytes grow (and move) several times
            for (const std::string& f : frames) REQUIRE_FALSE(c.on_message(f, message_type::text, at_ms(1)));
        ng::client other(c);
        while (const auto* e = c.poll()) expected.emplace_back(ng::data(*e));
        return other; // c goes: the copy must not point into its bytes
    }();
    std::vector<std::string> got;
    while (const auto* e = copy.poll()) got.emplace_back(ng::data(*e));
    CHECK(got.size() == 2 + 20 * std::size(frames)); // open, ready, the frames
    CHECK(got == expected);
    CHECK(copy.is_ready());
}
