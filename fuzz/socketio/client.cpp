// Fuzz the Socket.IO packet decoder and session. The whole input goes
// through decode_header() and check_payload(), whose verdict is checked
// against sluice::json::validate (what the scanner accepts must be JSON);
// then the input, as a sequence of messages (../engineio/records.hpp), goes
// into a client connected to "/" and "/a", which also emits events asking
// for acks. Invariants: no crash; every ack id resolves at most once; every
// event's and ack's args is a JSON array; pending acks never exceed the limit;
// shrink() between messages changes none of that.
#include <sluice/json/validate.hpp>
#include <sluice/socketio/client.hpp>

#include "../engineio/records.hpp"

#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

namespace {

void check_json(std::string_view text) {
    if (const auto ec = sluice::json::validate(text); ec && ec != sluice::json::errc::invalid_utf8) std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace sio = sluice::socketio;
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    {
        sio::packet p;
        if (!sio::decode_header(in, p)) {
            sio::payload_info info;
            std::string scratch;
            if (!sio::check_payload(p, info, scratch, 32) && !p.data.empty()) check_json(p.data);
        }
    }
    sluice::xoshiro256 rng(1);
    sio::config cfg;
    cfg.engine.url = sluice::engineio::make_url("ws://fuzz");
    cfg.limits.max_pending_acks = 4;
    cfg.limits.max_attachments = 3;
    cfg.limits.max_attachment_bytes = 64;
    sio::client c(cfg, rng);
    std::int64_t t = 0;
    auto now = [&] { return sluice::instant::from_ns(t); };
    (void)c.join("/", now());
    (void)c.join("/a", R"({"token":"x"})", now());
    (void)c.start(now());
    c.on_open(now());
    c.on_message(R"(0{"sid":"E","upgrades":[],"pingInterval":1000,"pingTimeout":1000,"maxPayload":500})", sluice::message_type::text, now());
    c.on_message(R"(40{"sid":"A"})", sluice::message_type::text, now());
    c.on_message(R"(40/a,{"sid":"B"})", sluice::message_type::text, now());
    std::set<std::uint64_t> issued, resolved;
    fuzz_records::for_each(in, [&](const fuzz_records::record& r) {
        t += 200'000'000 * static_cast<std::int64_t>(r.bytes.size() % 5);
        if (c.engine_state() == sluice::engineio::state::connecting) {
            c.on_open(now());
            c.on_message(R"(0{"sid":"E","upgrades":[],"pingInterval":1000,"pingTimeout":1000})", sluice::message_type::text, now());
        }
        c.on_message(r.bytes, r.binary ? sluice::message_type::binary : sluice::message_type::text, now());
        if (r.bytes.size() == 1) {
            std::uint64_t id = 0;
            if (!c.emit_with_ack(r.binary ? "/a" : "/", "ev", "[1]", now(), std::chrono::seconds(1), id)) issued.insert(id);
        }
        c.handle_timeout(now());
        if (c.session().pending_acks() > 4) std::abort();
        while (const auto* e = c.poll()) {
            const auto& a = e->action;
            if (a.kind == sio::action_kind::event) check_json(a.args);
            if (a.kind == sio::action_kind::ack) {
                if (!a.id || !issued.count(*a.id) || !resolved.insert(*a.id).second) std::abort(); // once, and only ours
                if (!a.error) check_json(a.args);
            }
        }
        if (r.bytes.size() % 7 == 3) { // idle memory given back; acks and namespaces go on
            c.shrink();
            if (c.poll() != nullptr) std::abort();
        }
    });
    return 0;
}
