// Fuzz the i386chat client: a script (support/script.hpp) of server messages, time,
// transport events and executes. Invariants: every frame sent is JSON and
// at most 4096 bytes; nothing but present goes out between an open and
// ready; views lie inside their entry; nothing crashes.
#include <sluice/i386chat.hpp>
#include <sluice/json/validate.hpp>

#include "../support/script.hpp"

#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <cstdlib>
#include <string_view>

using namespace sluice;

namespace {

void check(i386chat::client& c, bool& ready) {
    while (const i386chat::entry* e = c.poll()) {
        const i386chat::action& a = e->action;
        if (a.name_offset + a.name_size > e->bytes.size() && a.name_size) std::abort();
        if (a.data_offset + a.data_size > e->bytes.size() && a.data_size) std::abort();
        switch (a.kind) {
        case i386chat::action_kind::open: ready = false; break;
        case i386chat::action_kind::ready: ready = true; break;
        case i386chat::action_kind::send:
            if (e->bytes.size() > 4096 || json::validate(e->bytes)) std::abort();
            if (!ready && !e->bytes.starts_with(R"({"f":110,)")) std::abort(); // nothing but present before ready
            break;
        case i386chat::action_kind::notice:
            if (a.next != gateway::next_step::none) ready = false;
            break;
        default: break;
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    xoshiro256 rng(1);
    i386chat::config cfg;
    cfg.url = "ws://fuzz/";
    cfg.token = "token";
    i386chat::client c(cfg, rng);
    instant now = instant::zero();
    bool ready = false;
    (void)c.start(now);
    check(c, ready);
    fuzz_script::play(
        c, data, size, now,
        [&](std::string_view p) {
            const std::size_t cut = p.empty() ? 0 : static_cast<std::uint8_t>(p[0]) % p.size();
            const std::string_view event = p.substr(1 < p.size() ? 1 : p.size(), cut);
            (void)c.execute(event, p.substr(std::min(p.size(), 1 + cut)), now);
        },
        [&] {
            (void)c.close(now);
            check(c, ready);
            (void)c.start(now);
        },
        [&] { check(c, ready); });
    return 0;
}
