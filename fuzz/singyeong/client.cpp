// Fuzz the singyeong client: a script (support/script.hpp) of server messages, time,
// transport events and commands (requests, queues, metadata). Invariants:
// every frame sent is JSON; every request the client made resolves exactly
// once (a reply or a failure, and all of them once the client is closed);
// nothing resolves that was never asked; views lie inside their entry;
// nothing crashes.
#include <sluice/json/validate.hpp>
#include <sluice/singyeong.hpp>

#include "../support/script.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string_view>

using namespace sluice;

namespace {

struct ledger {
    std::set<std::uint64_t> open, done;
    void resolve(std::uint64_t n) {
        if (!open.erase(n)) std::abort(); // never asked, or resolved twice
        done.insert(n);
    }
};

void check(singyeong::client& c, ledger& l) {
    while (const singyeong::entry* e = c.poll()) {
        const singyeong::action& a = e->action;
        for (const singyeong::text_span s : {a.name_span, a.data_span, a.payload_span, a.nonce_span, a.sender_span, a.queue_span,
                                             a.id_span, a.app_span, a.nodes_span})
            if (s.size && s.offset + s.size > e->bytes.size()) std::abort();
        switch (a.kind) {
        case singyeong::action_kind::send:
            if (json::validate(e->bytes)) std::abort();
            break;
        case singyeong::action_kind::reply:
        case singyeong::action_kind::request_failed: l.resolve(a.nonce); break;
        default: break;
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    xoshiro256 rng(1);
    singyeong::config cfg;
    cfg.url = "ws://fuzz:1/gateway/websocket?encoding=json";
    cfg.client_id = "c1";
    cfg.application_id = "app";
    cfg.max_pending = 8;
    singyeong::client c(cfg, rng);
    ledger l;
    instant now = instant::zero();
    (void)c.start(now);
    check(c, l);
    const singyeong::query q("app");
    fuzz_script::play(
        c, data, size, now,
        [&](std::string_view p) {
            const auto [which, rest] = fuzz_script::split_command(p, 6);
            std::uint64_t nonce = 0;
            std::error_code ec;
            switch (which) {
            case 0: ec = c.request(q, rest, now, std::chrono::seconds(30), nonce); break;
            case 1: ec = c.query_nodes(q, now, std::chrono::seconds(30), nonce); break;
            case 2: ec = c.queue("q", q, rest, now, std::chrono::seconds(30), nonce); break;
            case 3: (void)c.queue_request(rest, now); break;
            case 4: (void)c.queue_ack("q", rest, now); break;
            default: (void)c.set_metadata("k", singyeong::metadata_value::string(rest), now); break;
            }
            if (which <= 2 && !ec && !l.open.insert(nonce).second) std::abort(); // nonces are unique
        },
        [&] {
            (void)c.close(now);
            check(c, l);
            (void)c.start(now);
        },
        [&] { check(c, l); });
    (void)c.close(now);
    check(c, l);
    if (!l.open.empty()) std::abort(); // closing resolves every request
    return 0;
}
