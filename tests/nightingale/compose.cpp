// Nightingale composed with the Discord machine, the way a bot runs them: a
// `forward` goes unchanged to the Discord machine of its shard, and the
// Discord machine's VOICE_STATE_UPDATE / VOICE_SERVER_UPDATE dispatches go
// back to Nightingale. Both machines are driven by scripted transcripts.
#include <sluice/discord.hpp>
#include <sluice/nightingale.hpp>

#include <doctest/doctest.h>

#include "support/support.hpp"

#include <array>
#include <string>
#include <vector>

using namespace sluice;

namespace {

instant at_ms(std::int64_t ms) { return instant::from_ns(ms * 1'000'000); }

/// What a Discord shard sent, in order.
std::vector<std::string> discord_sends(discord::client& d, std::vector<std::pair<std::string, std::string>>* dispatches = nullptr) {
    std::vector<std::string> out;
    while (const auto* e = d.poll()) {
        if (e->action.kind == gateway::action_kind::send) out.emplace_back(e->bytes);
        if (e->action.kind == gateway::action_kind::identify_wanted) (void)d.grant_identify(at_ms(0));
        if (dispatches && e->action.kind == gateway::action_kind::dispatch)
            dispatches->emplace_back(std::string(gateway::name(*e)), std::string(gateway::data(*e)));
    }
    return out;
}

/// A Discord shard, connected and READY as bot user 42.
void connect_discord(discord::client& d) {
    REQUIRE_FALSE(d.start(at_ms(0)));
    REQUIRE_FALSE(d.on_open(at_ms(1)));
    REQUIRE_FALSE(d.on_message(R"({"op":10,"d":{"heartbeat_interval":41250},"s":null,"t":null})", message_type::text, at_ms(2)));
    auto sent = discord_sends(d);
    sent = discord_sends(d); // identify goes out once the permit is granted
    REQUIRE_FALSE(d.on_message(R"({"op":0,"s":1,"t":"READY","d":{"v":10,"session_id":"s1","resume_gateway_url":"wss://resume.discord.test","user":{"id":"42","username":"bot"},"guilds":[]}})",
                               message_type::text, at_ms(3)));
    discord_sends(d);
    REQUIRE(d.is_ready());
}

} // namespace

TEST_SUITE("unit") {

TEST_CASE("nightingale + discord: forwards reach the right shard, voice updates come back") {
    xoshiro256 rng{11};
    std::array<discord::client, 2> shards{discord::client({.token = "t", .shard = std::array<std::uint32_t, 2>{0, 2}}, rng),
                                          discord::client({.token = "t", .shard = std::array<std::uint32_t, 2>{1, 2}}, rng)};
    for (auto& d : shards) connect_discord(d);

    nightingale::config nc;
    nc.base_url = "ws://ng.test";
    nc.user_id = 42;
    nc.shards = 2;
    nightingale::client ng(nc, rng);
    REQUIRE_FALSE(ng.start(at_ms(0)));
    REQUIRE_FALSE(ng.on_open(at_ms(1)));
    REQUIRE_FALSE(ng.on_message(R"({"op":"ready","data":{"session":"u-1","resumed":false}})", message_type::text, at_ms(2)));
    while (ng.poll()) {
    }

    // Nightingale asks shard 1 to join a voice channel (what its REST connect does).
    const std::string join = R"({"op":4,"d":{"guild_id":"7","channel_id":"8","self_mute":false,"self_deaf":true}})";
    REQUIRE_FALSE(ng.on_message(R"({"op":"forward","data":{"shard":1,"payload":)" + join + "}}", message_type::text, at_ms(10)));
    int forwarded = 0;
    while (const auto* e = ng.poll()) {
        if (e->action.kind != nightingale::action_kind::forward) continue;
        REQUIRE(e->action.has_shard);
        REQUIRE(e->action.shard < shards.size());
        CHECK_FALSE(shards[e->action.shard].send(nightingale::data(*e), at_ms(10)));
        ++forwarded;
    }
    CHECK(forwarded == 1);
    CHECK(discord_sends(shards[0]).empty());
    CHECK(discord_sends(shards[1]) == std::vector<std::string>{join});

    // Discord answers on shard 1 with the bot's voice state and the voice server.
    REQUIRE_FALSE(shards[1].on_message(
        R"({"op":0,"s":2,"t":"VOICE_STATE_UPDATE","d":{"guild_id":"7","channel_id":"8","user_id":"42","session_id":"vs","deaf":false,"mute":false,"self_deaf":true,"self_mute":false,"self_video":false,"suppress":false,"request_to_speak_timestamp":null}})",
        message_type::text, at_ms(20)));
    REQUIRE_FALSE(shards[1].on_message(
        R"({"op":0,"s":3,"t":"VOICE_STATE_UPDATE","d":{"guild_id":"7","channel_id":"8","user_id":"99","session_id":"other"}})",
        message_type::text, at_ms(20)));
    REQUIRE_FALSE(shards[1].on_message(R"({"op":0,"s":4,"t":"VOICE_SERVER_UPDATE","d":{"token":"vt","guild_id":"7","endpoint":"voice.test:443"}})",
                                       message_type::text, at_ms(21)));
    std::vector<std::pair<std::string, std::string>> dispatches;
    discord_sends(shards[1], &dispatches);
    REQUIRE(dispatches.size() == 3);
    int relayed_count = 0;
    for (const auto& [name, d] : dispatches) {
        bool relayed = false;
        CHECK_FALSE(ng.relay_discord_dispatch(name, d, at_ms(22), &relayed));
        relayed_count += relayed;
    }
    CHECK(relayed_count == 2); // the other member's voice state is not Nightingale's business
    std::vector<std::string> to_ng;
    while (const auto* e = ng.poll())
        if (e->action.kind == nightingale::action_kind::send) to_ng.emplace_back(e->bytes);
    REQUIRE(to_ng.size() == 2);
    CHECK(to_ng[0] == R"({"op":"update_voice_state","data":)" + dispatches[0].second + "}");
    CHECK(to_ng[1] == R"({"op":"update_voice_server","data":{"token":"vt","guild_id":"7","endpoint":"voice.test:443"}})");

    // Nightingale is connected to voice.
    REQUIRE_FALSE(ng.on_message(R"({"op":"update_state","data":{"type":"connect_gateway","data":{"channel_id":8,"guild_id":7,"session_id":"vs","server":"voice.test:443","ssrc":9}}})",
                                message_type::text, at_ms(30)));
    const auto* e = ng.poll();
    REQUIRE(e);
    CHECK(e->action.kind == nightingale::action_kind::state_update);
    CHECK(e->action.guild_id == 7);
}

} // TEST_SUITE
