// Fuzz the Engine.IO decoder and session: the whole input through decode()
// and parse_handshake(), then as a sequence of messages (records.hpp) into a
// client that has started and opened its transport, with time moving and
// timers firing. Invariants: the session never crashes; every close action
// carries 1000, 1002 or 1009; after a disconnected action the session is
// waiting or closed and ignores messages; deadlines are never in the past
// after handle_timeout.
#include <sluice/engineio/client.hpp>

#include "records.hpp"

#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace eio = sluice::engineio;
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    {
        eio::packet p;
        (void)eio::decode(in, sluice::message_type::text, p);
        eio::handshake h;
        if (!eio::parse_handshake(in, h)) {
            if (h.sid.empty() || h.ping_interval.count() <= 0 || h.ping_timeout.count() <= 0) std::abort();
        }
    }
    sluice::xoshiro256 rng(1);
    eio::config cfg;
    cfg.url = eio::make_url("ws://fuzz");
    cfg.max_message = 200;
    eio::client c(cfg, rng);
    std::int64_t t = 0;
    auto now = [&] { return sluice::instant::from_ns(t); };
    (void)c.start(now());
    c.on_open(now());
    fuzz_records::for_each(in, [&](const fuzz_records::record& r) {
        t += 100'000'000 * static_cast<std::int64_t>(r.bytes.size() % 7); // time moves on, sometimes past a deadline
        if (c.current_state() == eio::state::connecting) c.on_open(now());
        c.on_message(r.bytes, r.binary ? sluice::message_type::binary : sluice::message_type::text, now());
        if (r.binary && r.bytes.size() == 1) (void)c.send_text(r.bytes);
        c.handle_timeout(now());
        if (c.next_deadline() <= now()) std::abort();
        while (const auto* e = c.poll()) {
            const auto& a = e->action;
            if (a.op == sluice::transport_op::close && a.close_code != 1000 && a.close_code != 1002 && a.close_code != 1009) std::abort();
            if (a.kind == eio::action_kind::disconnected && c.current_state() == eio::state::open) std::abort();
        }
    });
    return 0;
}
