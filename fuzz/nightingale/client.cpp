// Fuzz the Nightingale client: a script (support/script.hpp) of server messages,
// time, transport events, refusals and voice updates. Invariants: every
// frame sent is a JSON object; every open is the fresh or a resume URL of
// the configured server; forward payloads are JSON objects; views lie inside
// their entry; nothing crashes.
#include <sluice/json/validate.hpp>
#include <sluice/nightingale.hpp>

#include "../support/script.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

using namespace sluice;

namespace {

void check(nightingale::client& c) {
    while (const nightingale::entry* e = c.poll()) {
        const nightingale::action& a = e->action;
        if (a.data_size && a.data_offset + a.data_size > e->bytes.size()) std::abort();
        switch (a.kind) {
        case nightingale::action_kind::send:
            if (!e->bytes.starts_with(R"({"op":)") || json::validate(e->bytes)) std::abort();
            break;
        case nightingale::action_kind::open: {
            const open_request r = open_request::parse(e->bytes);
            if (!r.url.starts_with("ws://fuzz:1/ws?user_id=42") && !r.url.starts_with("ws://fuzz:1/ws/resume/")) std::abort();
            break;
        }
        case nightingale::action_kind::forward: {
            const std::string_view d = nightingale::data(*e);
            if (d.empty() || d.front() != '{' || json::validate(d)) std::abort();
            break;
        }
        default: break;
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    xoshiro256 rng(1);
    nightingale::config cfg;
    cfg.base_url = "ws://fuzz:1";
    cfg.user_id = 42;
    nightingale::client c(cfg, rng);
    instant now = instant::zero();
    (void)c.start(now);
    check(c);
    fuzz_script::play(
        c, data, size, now,
        [&](std::string_view p) {
            const auto [which, rest] = fuzz_script::split_command(p, 4);
            switch (which) {
            case 0: (void)c.send_message("update_voice_state", rest, now); break;
            case 1: (void)c.relay_discord_dispatch("VOICE_SERVER_UPDATE", rest, now); break;
            case 2: (void)c.on_open_refused(fuzz_script::reader::u16(rest), now); break;
            default: (void)c.send_voice_state({7, 8, 42, rest}, now); break;
            }
        },
        [&] {
            (void)c.close(now, gateway::close_mode::keep_session);
            check(c);
            (void)c.start(now);
        },
        [&] { check(c); }, 4);
    return 0;
}
