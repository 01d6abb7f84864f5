#pragma once
// A tiny line protocol that exercises every engine hook without JSON, so the
// engine's tests do not depend on any real protocol:
//
//   server → client                      client → server
//   H <interval ms>        hello          IDENTIFY                identify
//   A                      heartbeat ack  RESUME <id> <seq>       resume
//   B                      beat request   HB <seq>|HB null        heartbeat
//   D <seq|-> <name> <data> dispatch
//   R <seq> <id> <url>     ready          open URLs: ws://fresh, or <resume url>
//   M <seq|->              resumed
//   X                      reconnect
//   I 0|1                  invalid session (1 = resumable)
//   E <code> 0|1           server error (1 = fatal)
//   O <anything>           other (well-formed, unknown)
//   anything else          malformed
// Also: drain() and rec (recorded actions), at_ms(), and session_fixture (a
// session brought to ready).
#include <sluice/gateway.hpp>

#include <doctest/doctest.h>

#include <charconv>
#include <string>
#include <string_view>

namespace test_gw {

using namespace sluice;

inline std::string_view next_word(std::string_view& s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    auto sp = s.find(' ');
    std::string_view w = s.substr(0, sp);
    s = sp == std::string_view::npos ? std::string_view{} : s.substr(sp + 1);
    return w;
}

inline bool parse_u64(std::string_view w, std::uint64_t& v) {
    auto r = std::from_chars(w.data(), w.data() + w.size(), v);
    return r.ec == std::errc{} && r.ptr == w.data() + w.size() && !w.empty();
}

struct line_policy {
    static constexpr gateway::protocol_traits traits = [] {
        gateway::protocol_traits t;
        t.close_code_resume = 4900;
        t.close_code_end = 1000;
        t.close_code_malformed = 4901;
        t.close_code_too_large = 4902;
        t.max_inbound = 256;
        t.max_outbound = 64;
        t.rate_limit = 10;
        t.rate_window = std::chrono::seconds(60);
        t.invalid_session_delay_min = std::chrono::seconds(1);
        t.invalid_session_delay_max = std::chrono::seconds(5);
        return t;
    }();

    std::string fresh_url = "ws://fresh";
    int identifies = 0;

    std::error_code classify(std::string_view text, message_type type, gateway::frame& f) {
        if (type != message_type::text) return gateway::errc::malformed_frame;
        std::string_view rest = text;
        std::string_view op = next_word(rest);
        std::uint64_t v = 0;
        if (op == "H") {
            if (!parse_u64(next_word(rest), v)) return gateway::errc::malformed_frame;
            f.kind = gateway::frame_kind::hello;
            f.heartbeat_interval = from_ms(static_cast<std::int64_t>(v));
        } else if (op == "A") {
            f.kind = gateway::frame_kind::heartbeat_ack;
        } else if (op == "B") {
            f.kind = gateway::frame_kind::heartbeat_request;
        } else if (op == "D" || op == "R" || op == "M") {
            std::string_view s = next_word(rest);
            if (s != "-") {
                if (!parse_u64(s, v)) return gateway::errc::malformed_frame;
                f.seq = v;
            }
            if (op == "D") {
                f.kind = gateway::frame_kind::dispatch;
                f.name = next_word(rest);
                f.data = rest;
                if (f.name.empty()) return gateway::errc::malformed_frame;
            } else if (op == "R") {
                f.kind = gateway::frame_kind::ready;
                f.data = rest; // "<id> <url>"
            } else {
                f.kind = gateway::frame_kind::resumed;
            }
        } else if (op == "X") {
            f.kind = gateway::frame_kind::reconnect;
        } else if (op == "I") {
            std::string_view b = next_word(rest);
            if (b != "0" && b != "1") return gateway::errc::malformed_frame;
            f.kind = gateway::frame_kind::invalid_session;
            f.flag = b == "1";
        } else if (op == "E") {
            if (!parse_u64(next_word(rest), v)) return gateway::errc::malformed_frame;
            f.code = static_cast<std::int64_t>(v);
            f.kind = gateway::frame_kind::server_error;
            f.flag = next_word(rest) == "1";
            f.data = text;
        } else if (op == "O") {
            f.kind = gateway::frame_kind::other;
            f.data = rest;
        } else {
            return gateway::errc::malformed_frame;
        }
        return {};
    }

    std::error_code on_ready(const gateway::frame& f, gateway::session_data& s) {
        std::string_view rest = f.data;
        std::string_view id = next_word(rest);
        std::string_view url = next_word(rest);
        if (id.empty()) return gateway::errc::missing_session;
        s.id.assign(id);
        s.resume_url.assign(url);
        return {};
    }

    void write_open(std::string& out, gateway::connect_kind kind, const gateway::session_data& s) {
        if (kind == gateway::connect_kind::resume && !s.resume_url.empty()) out += s.resume_url;
        else out += fresh_url;
    }
    void write_identify(std::string& out) {
        ++identifies;
        out += "IDENTIFY";
    }
    bool write_resume(std::string& out, const gateway::session_data& s) {
        out += "RESUME ";
        out += s.id;
        out += ' ';
        out += std::to_string(s.seq.value_or(0));
        return true;
    }
    void write_heartbeat(std::string& out, std::optional<std::uint64_t> seq) {
        out += "HB ";
        if (seq) out += std::to_string(*seq);
        else out += "null";
    }
    gateway::close_verdict on_close_code(std::uint16_t code) {
        if (code == 4004) return gateway::close_verdict::fatal;
        if (code == 4007 || code == 4009) return gateway::close_verdict::new_session;
        return gateway::close_verdict::resume;
    }
};

static_assert(gateway::protocol<line_policy>);

/// One polled action, copied so tests can keep it.
struct rec {
    gateway::action a;
    std::string bytes;
    std::string name;
    std::string data;
};

template <class S>
std::vector<rec> drain(S& s) {
    std::vector<rec> out;
    while (auto* e = s.poll())
        out.push_back({e->action, std::string(e->bytes), std::string(gateway::name(*e)), std::string(gateway::data(*e))});
    return out;
}

inline instant at_ms(std::int64_t ms) { return instant::from_ns(ms * 1'000'000); }

} // namespace test_gw

namespace test_gw {

/// Like i386chat: nothing but identify before ready (no heartbeat), no
/// jitter, no resume, no sequence.
struct quiet_policy : line_policy {
    static constexpr gateway::protocol_traits traits = [] {
        gateway::protocol_traits t = line_policy::traits;
        t.heartbeat_before_ready = false;
        t.jitter_first_heartbeat = false;
        t.resumable = false;
        t.sequenced = false;
        return t;
    }();
};
static_assert(gateway::protocol<quiet_policy>);

/// Like Nightingale: no hello, no identify (ready follows the open), resume
/// by URL and header only, no heartbeat, a 409 on the resume upgrade starts
/// a new session at once (a 400 one after the backoff).
struct url_resume_policy : line_policy {
    static constexpr gateway::protocol_traits traits = [] {
        gateway::protocol_traits t = line_policy::traits;
        t.server_hello = false;
        t.client_identifies = false;
        t.sequenced = false;
        return t;
    }();
    void write_open(std::string& out, gateway::connect_kind kind, const gateway::session_data& s) {
        if (kind == gateway::connect_kind::resume) {
            out += "ws://host/ws/resume/";
            out += s.id;
            out += "\r\nsession: ";
            out += s.id;
            out += "\r\n";
        } else {
            out += "ws://host/ws?shards=1&user_id=1\r\nAuthorization: pw\r\n";
        }
    }
    bool write_resume(std::string&, const gateway::session_data&) { return false; }
    gateway::close_verdict on_open_refused(std::uint16_t status) {
        if (status == 409) return gateway::close_verdict::new_session_now; // session taken: afresh at once
        if (status == 400) return gateway::close_verdict::new_session;     // afresh, after the backoff
        return gateway::default_open_refused(status);
    }
};
static_assert(gateway::protocol<url_resume_policy>);
static_assert(gateway::has_open_refused_hook<url_resume_policy>);

/// A session of a line policy `P` (default-constructed) on its own
/// generator, for tests that start from a ready session.
template <class P>
struct session_fixture {
    sluice::xoshiro256 rng;
    gateway::session<P> s;
    session_fixture(const gateway::config& c, std::uint64_t seed) : rng(seed), s(P{}, sluice::entropy(rng), c) {}

    // start → open → hello → identify → ready (session "abc", seq 1, resume URL ws://resume)
    void connect(std::int64_t ms) {
        REQUIRE_FALSE(s.start(at_ms(ms)));
        open_and_ready(ms);
    }
    void open_and_ready(std::int64_t ms) {
        drain(s);
        REQUIRE_FALSE(s.on_open(at_ms(ms)));
        REQUIRE_FALSE(s.on_message("H 30000", message_type::text, at_ms(ms)));
        REQUIRE_FALSE(s.on_message("R 1 abc ws://resume", message_type::text, at_ms(ms)));
        drain(s);
        REQUIRE(s.is_ready());
    }
    // The server closes with `code`; returns what the session queued.
    std::vector<rec> server_close(std::uint16_t code, std::int64_t ms) {
        sluice::close_info ci;
        ci.code = code;
        REQUIRE_FALSE(s.on_close(ci, at_ms(ms)));
        return drain(s);
    }
};

} // namespace test_gw
