#pragma once
// Shared helpers for the Discord tests: a client driven in message mode with
// recorded actions, and the client's resume and heartbeat frames read back.
#include <sluice/discord.hpp>

#include "support/support.hpp"

#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

namespace test_dc {

using namespace sluice;
namespace gw = sluice::gateway;
namespace dc = sluice::discord;

inline instant at_ms(std::int64_t ms) { return instant::from_ns(ms * 1'000'000); }

struct rec {
    gw::action a;
    std::string bytes;
    std::string name;
    std::string data;
};

template <class M>
std::vector<rec> drain(M& m) {
    std::vector<rec> out;
    while (auto* e = m.poll())
        out.push_back({e->action, std::string(e->bytes), std::string(gw::name(*e)), std::string(gw::data(*e))});
    return out;
}

inline dc::config base_config() {
    dc::config c;
    c.token = "MTE3NjI5MDAwMDAwMDAwMDAwMQ.Gx-abc.secret_token_value";
    c.intents = dc::intents::guilds | dc::intents::guild_messages | dc::intents::message_content;
    c.properties = {"linux", "sluice", "sluice"};
    c.shard = std::array<std::uint32_t, 2>{0, 1};
    return c;
}

/// Resume (op 6) and heartbeat (op 1) frames, read back with json::read.
struct resume_d {
    std::string token;
    std::string session_id;
    std::uint64_t seq = 0;
};
struct resume_frame {
    int op = 0;
    resume_d d;
};
struct beat_frame {
    int op = 0;
    std::optional<std::uint64_t> d;
};

struct harness {
    xoshiro256 rng{2024};
    dc::client c;
    std::int64_t now = 0;

    explicit harness(dc::config cfg = base_config()) : c(cfg, entropy(rng)) {}

    std::vector<rec> feed(std::string_view text) {
        REQUIRE_FALSE(c.on_message(text, message_type::text, at_ms(now)));
        return drain(c);
    }
    std::vector<rec> vec(std::string_view name) { return feed(sluice_test::read_vector(std::string("discord/") + std::string(name))); }

    // start → open → hello → identify (permit granted) → READY
    void connect() {
        REQUIRE_FALSE(c.start(at_ms(now)));
        auto a = drain(c);
        REQUIRE(a.size() == 1);
        REQUIRE(a[0].a.kind == gw::action_kind::open);
        REQUIRE_FALSE(c.on_open(at_ms(now)));
        auto h = vec("hello.json");
        if (!h.empty() && h[0].a.kind == gw::action_kind::identify_wanted) {
            REQUIRE_FALSE(c.grant_identify(at_ms(now)));
            h = drain(c);
        }
        REQUIRE(h.size() == 1);
        REQUIRE(h[0].bytes.rfind("{\"op\":2,", 0) == 0);
        auto r = vec("ready.json");
        REQUIRE(r.size() == 1);
        REQUIRE(r[0].a.kind == gw::action_kind::ready);
        REQUIRE(c.is_ready());
    }
};

} // namespace test_dc
