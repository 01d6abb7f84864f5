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

// check_payload() accepts what socket.io-parser (JSON.parse) accepts, which
// includes lone UTF-16 surrogate escapes ("\udaaa": JSON.stringify writes
// them for a string cut inside a pair); sluice::json refuses them
// (invalid_escape: they have no UTF-8 form). So with every surrogate escape
// made plain, the text must validate (fuzz_socketio_client found
// 62-["\udaaa"]: not a bug).
bool without_surrogates_valid(std::string_view text) {
    std::string t(text);
    for (std::size_t i = 0; i + 5 < t.size(); ++i)
        if (t[i] == '\\') {
            if (t[i + 1] == 'u' && (t[i + 2] == 'd' || t[i + 2] == 'D') && std::string_view("89abcdefABCDEF").find(t[i + 3]) != std::string_view::npos)
                t.replace(i + 2, 2, "00");
            ++i; // the escaped character
        }
    const auto ec = sluice::json::validate(t);
    return !ec || ec == sluice::json::errc::invalid_utf8;
}

void check_json(std::string_view text) {
    const auto ec = sluice::json::validate(text);
    if (!ec || ec == sluice::json::errc::invalid_utf8) return;
    if (ec == sluice::json::errc::invalid_escape && without_surrogates_valid(text)) return;
    std::abort();
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
