// fuzz_discord_rest: the REST machine and its rate limits under arbitrary
// scripts (fuzz/support/script.hpp records, read here as): submits on any
// route, responses with any status, rate-limit headers and 429 bodies,
// transport failures, time jumps (also backwards), answers to unknown ids.
// Checked on every step:
//  - every request submitted comes out exactly once (response or failed),
//    and at the end, once time runs on, every one has;
//  - a request is handed out once per attempt (first, or after a 429 or
//    5xx that is retried);
//  - at most 50 requests a second are handed out (interactions apart);
//  - an answer to a request not in flight is refused and changes nothing;
//  - views lie inside their entry.
#include <sluice/discord/rest.hpp>

#include "../support/script.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <vector>

using namespace sluice;
namespace rest = sluice::discord::rest;

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

enum class phase : std::uint8_t { queued, in_flight, done };

struct run {
    rest::client c{[] {
        rest::config k;
        k.authorization = "Bot x";
        k.max_requests = 8;
        k.max_retries = 3;
        k.limits.max_buckets = 4; // small tables: eviction runs
        k.limits.max_routes = 4;
        return k;
    }()};
    std::map<std::uint64_t, phase> ids;
    std::map<std::uint64_t, bool> exempt; // interactions: not under the global limit
    std::deque<std::int64_t> sent_ns;     // instants of non-exempt requests handed out
    instant now = instant::zero();
    instant latest = instant::zero();

    void drain() {
        while (const rest::entry* e = c.poll()) {
            const rest::action& a = e->action;
            auto it = ids.find(a.id);
            check(it != ids.end());
            check(it->second != phase::done);
            if (a.kind == rest::action_kind::request) {
                check(it->second == phase::queued);
                it->second = phase::in_flight;
                const rest::request_view v = rest::view(*e);
                check(std::size_t(a.body_offset) + a.body_size <= e->bytes.size());
                check(std::size_t(a.headers_offset) + a.headers_size <= e->bytes.size());
                check(v.target.starts_with("/api/v10"));
                if (!exempt[a.id]) {
                    const std::int64_t t = latest.ns();
                    sent_ns.push_back(t);
                    while (!sent_ns.empty() && sent_ns.front() <= t - 1'000'000'000) sent_ns.pop_front();
                    check(sent_ns.size() <= 50);
                }
            } else {
                it->second = phase::done;
            }
        }
    }
    std::uint64_t oldest(phase p) const {
        for (const auto& [id, ph] : ids)
            if (ph == p) return id;
        return 0;
    }
    void at(instant t) {
        now = t;
        if (t > latest) latest = t;
    }
};

// "Name: value\n" lines, then the body after a blank line.
void split_response(std::string_view p, std::vector<http::field>& headers, std::string_view& body) {
    headers.clear();
    while (!p.empty()) {
        const std::size_t nl = p.find('\n');
        const std::string_view line = p.substr(0, nl);
        p = nl == std::string_view::npos ? std::string_view{} : p.substr(nl + 1);
        if (line.empty()) break;
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        headers.push_back({line.substr(0, colon), line.substr(colon + 1)});
        if (headers.size() == 16) break;
    }
    body = p;
}

constexpr std::uint16_t statuses[] = {200, 204, 400, 401, 403, 404, 429, 429, 429, 500, 502, 503, 504};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    run r;
    std::vector<http::field> headers;
    const auto answer = [&](std::uint64_t id, std::string_view p) {
        if (!id) return;
        const auto [which, rest_of] = fuzz_script::split_command(p, sizeof statuses / sizeof statuses[0]);
        std::string_view body;
        split_response(rest_of, headers, body);
        check(!r.c.on_response(id, statuses[which], headers, body, r.now));
        if (statuses[which] == 429 || statuses[which] >= 502) r.ids[id] = phase::queued; // retried (or it fails now)
    };
    fuzz_script::reader in(data, size);
    fuzz_script::record rec;
    while (in.next(rec)) {
        const std::string_view p = rec.payload;
        switch (rec.kind) {
        case fuzz_script::op::message: { // submit: method from the first byte, the path after it
            constexpr std::string_view methods[] = {"GET", "POST", "PATCH", "DELETE"};
            const auto [m, path] = fuzz_script::split_command(p, 4);
            std::uint64_t id = 0;
            const std::size_t before = r.c.pending();
            if (!r.c.submit(methods[m], path, "", r.now, id)) {
                check(id != 0 && !r.ids.count(id));
                r.ids[id] = phase::queued;
                r.exempt[id] = rest::route_of(methods[m], path).global_exempt;
                check(r.c.pending() == before + 1);
            } else {
                check(r.c.pending() == before);
            }
            break;
        }
        case fuzz_script::op::advance:
            r.at(r.now + std::chrono::milliseconds(fuzz_script::reader::u16(p)) * 4);
            r.c.handle_timeout(r.now);
            break;
        case fuzz_script::op::deadline:
            if (!r.c.next_deadline().is_never()) r.at(r.c.next_deadline());
            r.c.handle_timeout(r.now);
            break;
        case fuzz_script::op::close: // backwards in time (the machine clamps)
            r.now = r.now - std::chrono::milliseconds(fuzz_script::reader::u16(p));
            r.c.handle_timeout(r.now);
            break;
        case fuzz_script::op::open: answer(r.oldest(phase::in_flight), p); break;
        case fuzz_script::op::binary: {
            const std::uint64_t id = r.oldest(phase::in_flight);
            if (id) check(!r.c.on_failure(id, r.now));
            break;
        }
        case fuzz_script::op::command: { // a 429 with a JSON body built from the payload
            const std::uint64_t id = r.oldest(phase::in_flight);
            if (!id) break;
            std::string body = "{\"retry_after\":" + std::to_string(fuzz_script::reader::u16(p) % 3000) + "e-3";
            if (p.size() > 2 && (p[2] & 1)) body += ",\"global\":true";
            body += "}";
            std::string_view h;
            split_response(p.substr(p.size() > 3 ? 3 : p.size()), headers, h);
            check(!r.c.on_response(id, 429, headers, body, r.now));
            r.ids[id] = phase::queued; // retried (or it fails now)
            break;
        }
        case fuzz_script::op::restart: { // an answer for an id that is not in flight is refused
            const std::uint64_t id = fuzz_script::reader::u16(p);
            const auto it = r.ids.find(id);
            if (it == r.ids.end() || it->second != phase::in_flight) {
                const std::size_t before = r.c.pending();
                check(r.c.on_response(id, 200, {}, "", r.now) == discord::errc::unknown_request);
                check(r.c.pending() == before);
            }
            break;
        }
        }
        r.drain();
    }
    // Time runs on and every request in flight is answered: all come out.
    for (int i = 0; i < 200 && r.c.pending(); ++i) {
        while (const std::uint64_t id = r.oldest(phase::in_flight)) {
            check(!r.c.on_response(id, 200, {}, "{}", r.now));
            r.drain();
        }
        if (!r.c.next_deadline().is_never()) r.at(r.c.next_deadline());
        r.c.handle_timeout(r.now);
        r.drain();
    }
    check(r.c.pending() == 0);
    for (const auto& [id, ph] : r.ids) check(ph == phase::done);
    return 0;
}
