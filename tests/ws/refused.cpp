// ws::session and a refused upgrade (an HTTP status other than 101), in byte
// mode: the raw HTTP answer is fed as bytes, whole and split at random
// points. An Inner with on_open_refused(status, now) gets the status; one
// without it sees a dropped connection (on_close with no code), as before.
// Then each gateway client through it: Discord, i386chat and singyeong stop
// on 401 and 403 (retry on 503); Nightingale turns 400/409 to a resume into a
// notice and a fresh connect at once, stops on 401, and on 400 to a fresh
// connect. Last, every policy's verdict for every status, each answer split
// at random: stop, retry after the backoff, or (Nightingale's refused
// resume) a fresh connect at once: in the same poll as the refusal, with no
// timer fired, even while the backoff is running.
#include <sluice/discord/client.hpp>
#include <sluice/i386chat/client.hpp>
#include <sluice/nightingale/client.hpp>
#include <sluice/singyeong/client.hpp>
#include <sluice/ws/session.hpp>

#include <doctest/doctest.h>

#include "support/support.hpp"
#include "echo_machine.hpp"
#include "ws_test.hpp"

#include <algorithm>
#include <array>
#include <initializer_list>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

using namespace sluice;
using namespace ws_test;

namespace {

/// The echo machine plus the refused-upgrade hook: it records each status.
struct refusable_echo : echo_machine {
    using echo_machine::echo_machine;
    std::vector<std::uint16_t> refused;
    void on_open_refused(std::uint16_t status, instant) { refused.push_back(status); }
};
static_assert(ws::takes_open_refused<refusable_echo>);
static_assert(!ws::takes_open_refused<echo_machine>);
static_assert(ws::takes_open_refused<discord::client>);
static_assert(ws::takes_open_refused<i386chat::client>);
static_assert(ws::takes_open_refused<singyeong::client>);
static_assert(ws::takes_open_refused<nightingale::client>);

std::string refusal(int status, std::string_view reason, std::string_view body = {}) {
    return "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) +
           "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
           std::string(body);
}

/// One polled entry of a gateway client's session, flattened.
struct seen {
    ws::io_op io = ws::io_op::none;
    int kind = -1; // the inner action's kind (io_op::none only)
    std::error_code error;
    std::int64_t code = 0;
    gateway::next_step next = gateway::next_step::none;
    std::string bytes;
    bool operator==(const seen&) const = default;
};

template <class S>
std::vector<seen> drain_all(S& s) {
    std::vector<seen> v;
    while (const auto* e = s.poll()) {
        seen x;
        x.io = e->action.io;
        if constexpr (requires { e->action.inner.next; }) {
            if (e->action.io == ws::io_op::none) {
                x.kind = static_cast<int>(e->action.inner.kind);
                x.error = e->action.inner.error;
                x.code = e->action.inner.code;
                x.next = e->action.inner.next;
            }
        }
        x.bytes.assign(e->bytes);
        v.push_back(std::move(x));
    }
    return v;
}

/// Polls the connect, opens the socket, returns the upgrade request.
template <class S>
std::string open_socket(S& s, std::int64_t ms) {
    auto v = drain_all(s);
    REQUIRE(!v.empty());
    CHECK(v.back().io == ws::io_op::connect);
    s.transport_open(at_ms(ms));
    v = drain_all(s);
    REQUIRE(v.size() == 1);
    REQUIRE(v[0].io == ws::io_op::transmit);
    return v[0].bytes;
}

/// Opens the socket of a connect already polled; returns the upgrade request.
template <class S>
std::string open_polled(S& s, std::int64_t ms) {
    s.transport_open(at_ms(ms));
    const auto v = drain_all(s);
    REQUIRE(v.size() == 1);
    REQUIRE(v[0].io == ws::io_op::transmit);
    return v[0].bytes;
}

/// Feeds `response` in `pieces` random pieces (0: whole) and returns what the session hands out.
template <class S>
std::vector<seen> feed(S& s, std::string_view response, std::int64_t ms, sluice_test::test_rng* rng = nullptr, std::size_t cuts = 0) {
    if (rng == nullptr) {
        s.receive(response, at_ms(ms));
    } else {
        for (std::string_view piece : sluice_test::random_split(response, *rng, cuts)) s.receive(piece, at_ms(ms));
    }
    return drain_all(s);
}

/// The engine's reconnect attempts of a gateway client (Discord's is the engine; the others have one).
template <class M>
std::uint32_t attempts_of(const M& m) {
    if constexpr (requires { m.engine(); }) return m.engine().reconnect_attempts();
    else return m.reconnect_attempts();
}

/// The notice among `v` (the first one), or nullptr.
const seen* notice_in(const std::vector<seen>& v, int notice_kind) {
    for (const seen& x : v)
        if (x.io == ws::io_op::none && x.kind == notice_kind) return &x;
    return nullptr;
}

// ---- the protocols' configurations

discord::config discord_config() {
    discord::config c;
    c.token = "MTE3NjI5MDAwMDAwMDAwMDAwMQ.Gx-abc.secret_token_value";
    c.intents = discord::intents::guilds;
    c.engine.wait_for_identify_permit = false;
    return c;
}
i386chat::config chat_config() {
    i386chat::config c;
    c.url = "ws://chat.test:8090/gateway";
    c.token = "t";
    return c;
}
singyeong::config sy_config() {
    singyeong::config c;
    c.url = "ws://sy.test:4567/gateway/websocket?encoding=json";
    c.client_id = "c1";
    c.application_id = "app";
    return c;
}
nightingale::config ng_config() {
    nightingale::config c;
    c.base_url = "ws://ng.test:8081";
    c.user_id = 42;
    c.shards = 2;
    c.password = "pw";
    return c;
}
constexpr std::string_view ng_uuid = "ad13c35f-7bf4-413b-997d-eef2fe009f98";

/// A Nightingale session in byte mode, ready, then its connection dropped:
/// the resume's socket is open and its upgrade request returned.
std::string ng_ready_then_resume(ws::session<nightingale::client>& s) {
    REQUIRE_FALSE(s.inner().start(at_ms(0)));
    const std::string req = open_socket(s, 1);
    CHECK(req.starts_with("GET /ws?shards=2&user_id=42 HTTP/1.1\r\n"));
    auto v = feed(s, accept_response(req) + text(R"({"op":"ready","data":{"session":")" + std::string(ng_uuid) + R"(","resumed":false}})"), 2);
    REQUIRE(s.inner().is_ready());
    s.transport_closed(at_ms(3)); // dropped: resume at once
    const std::string resume = open_socket(s, 4);
    CHECK(resume.starts_with("GET /ws/resume/" + std::string(ng_uuid) + " HTTP/1.1\r\n"));
    return resume;
}

} // namespace

TEST_SUITE("unit") {

TEST_CASE("session: a refused upgrade reaches on_open_refused with its status, whole or split anywhere") {
    const std::string response = refusal(409, "Conflict", R"({"message":"session taken"})");
    sluice_test::test_rng rng{409};
    for (int seed = 0; seed < 300; ++seed) {
        CAPTURE(seed);
        xoshiro256 r(1);
        ws::session<refusable_echo> s(r, {}, "ws://h:1/");
        s.inner().connect();
        open_socket(s, 1);
        if (seed == 0) s.receive(response, at_ms(2));
        else
            for (std::string_view piece : sluice_test::random_split(response, rng, 1 + rng.below(12))) s.receive(piece, at_ms(2));
        std::vector<ws::io_op> ops;
        std::vector<char> events;
        while (const auto* e = s.poll()) {
            ops.push_back(e->action.io);
            if (e->action.io == ws::io_op::none) events.push_back(e->action.inner.event);
        }
        CHECK(ops == std::vector<ws::io_op>{ws::io_op::disconnect}); // the socket goes; no 'd' for the machine
        CHECK(events.empty());
        CHECK(s.inner().refused == std::vector<std::uint16_t>{409});
        CHECK(s.codec().error() == ws::errc::upgrade_refused);
    }
}

TEST_CASE("session: without the hook, a refused upgrade is a dropped connection; a bad 101 is one for both") {
    {
        xoshiro256 r(1);
        ws::session<echo_machine> s(r, {}, "ws://h:1/");
        s.inner().connect();
        open_socket(s, 1);
        s.receive(refusal(403, "Forbidden"), at_ms(2));
        std::vector<char> events;
        while (const auto* e = s.poll())
            if (e->action.io == ws::io_op::none) events.push_back(e->action.inner.event);
        CHECK(events == std::vector<char>{'d'});
    }
    {
        xoshiro256 r(1);
        ws::session<refusable_echo> s(r, {}, "ws://h:1/");
        s.inner().connect();
        open_socket(s, 1);
        // A 101 with a wrong Sec-WebSocket-Accept is not a refusal: the handshake failed.
        s.receive("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  "Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n",
                  at_ms(2));
        std::vector<char> events;
        while (const auto* e = s.poll())
            if (e->action.io == ws::io_op::none) events.push_back(e->action.inner.event);
        CHECK(events == std::vector<char>{'d'});
        CHECK(s.inner().refused.empty());
        CHECK(s.codec().error() == ws::errc::bad_accept);
    }
}

TEST_CASE("byte mode: Discord, i386chat and singyeong stop on 401 and 403, retry on 503") {
    constexpr int discord_notice = static_cast<int>(gateway::action_kind::notice);
    constexpr int chat_notice = static_cast<int>(i386chat::action_kind::notice);
    constexpr int sy_notice = static_cast<int>(singyeong::action_kind::notice);
    for (int status : {401, 403, 503}) {
        CAPTURE(status);
        const bool fatal = status != 503;
        const std::string response = refusal(status, fatal ? "Unauthorized" : "Service Unavailable", "nope");
        auto check = [&](auto& s, int notice_kind, auto state_of) {
            const std::string req = open_socket(s, 1);
            CHECK(req.starts_with("GET /"));
            const auto v = feed(s, response, 2);
            REQUIRE(!v.empty());
            CHECK(v[0].io == ws::io_op::disconnect);
            const seen* n = notice_in(v, notice_kind);
            REQUIRE(n);
            CHECK(n->error == gateway::errc::connect_failed);
            CHECK(n->code == status);
            if (fatal) {
                CHECK(n->next == gateway::next_step::stop);
                CHECK(v.back().io == ws::io_op::none); // no new connection
                CHECK(state_of() == gateway::state::failed);
            } else {
                CHECK(n->next == gateway::next_step::new_session); // no session yet to resume
                CHECK(v.back().io == ws::io_op::connect);          // the first retry goes at once
                CHECK(state_of() == gateway::state::connecting);
            }
        };
        {
            xoshiro256 r(7);
            ws::session<discord::client> s(r, {}, discord_config(), entropy(r));
            REQUIRE_FALSE(s.inner().start(at_ms(0)));
            check(s, discord_notice, [&] { return s.inner().current_state(); });
        }
        {
            xoshiro256 r(7);
            ws::session<i386chat::client> s(r, {}, chat_config(), r);
            REQUIRE_FALSE(s.inner().start(at_ms(0)));
            check(s, chat_notice, [&] { return s.inner().current_state(); });
        }
        {
            xoshiro256 r(7);
            ws::session<singyeong::client> s(r, {}, sy_config(), r);
            REQUIRE_FALSE(s.inner().start(at_ms(0)));
            check(s, sy_notice, [&] { return s.inner().current_state(); });
        }
    }
}

TEST_CASE("byte mode: Nightingale 400/409 to a resume: a clear notice and a fresh connect at once; 401 stops") {
    constexpr int notice = static_cast<int>(nightingale::action_kind::notice);
    for (int status : {400, 409}) {
        CAPTURE(status);
        xoshiro256 r(5);
        ws::session<nightingale::client> s(r, {}, ng_config(), r);
        ng_ready_then_resume(s);
        const auto v = feed(s, status == 400 ? refusal(400, "Bad Request", R"({"message":"Session not present"})")
                                             : refusal(409, "Conflict", R"({"message":"session taken"})"),
                            5);
        REQUIRE(v.size() == 3);
        CHECK(v[0].io == ws::io_op::disconnect);
        REQUIRE(v[1].io == ws::io_op::none);
        CHECK(v[1].kind == notice);
        CHECK(v[1].error == (status == 400 ? nightingale::errc::session_not_present : nightingale::errc::session_taken));
        CHECK(v[1].code == status);
        CHECK(v[1].next == gateway::next_step::new_session);
        CHECK(v[2].io == ws::io_op::connect); // at once: no backoff, no second resume
        CHECK(v[2].bytes == "ng.test");
        s.transport_open(at_ms(6));
        const auto req = drain_all(s);
        REQUIRE(req.size() == 1);
        CHECK(req[0].bytes.starts_with("GET /ws?shards=2&user_id=42 HTTP/1.1\r\n"));
        CHECK(s.inner().session().empty());
        // The fresh connect succeeds: a new session.
        s.receive(accept_response(req[0].bytes) + text(R"({"op":"ready","data":{"session":"s2","resumed":false}})"), at_ms(7));
        drain_all(s);
        CHECK(s.inner().is_ready());
        CHECK(s.inner().session() == "s2");
    }
    SUBCASE("401 stops, whatever was being opened") {
        xoshiro256 r(5);
        ws::session<nightingale::client> s(r, {}, ng_config(), r);
        ng_ready_then_resume(s);
        const auto v = feed(s, refusal(401, "Unauthorized"), 5);
        const seen* n = notice_in(v, notice);
        REQUIRE(n);
        CHECK(n->error == nightingale::errc::unauthorized);
        CHECK(n->next == gateway::next_step::stop);
        CHECK(v.back().io != ws::io_op::connect);
        CHECK(s.inner().current_state() == gateway::state::failed);
    }
    SUBCASE("400 to a fresh connect stops: the query is wrong") {
        xoshiro256 r(5);
        ws::session<nightingale::client> s(r, {}, ng_config(), r);
        REQUIRE_FALSE(s.inner().start(at_ms(0)));
        open_socket(s, 1);
        const auto v = feed(s, refusal(400, "Bad Request", "Failed to deserialize query string: user_id"), 2);
        const seen* n = notice_in(v, notice);
        REQUIRE(n);
        CHECK(n->error == nightingale::errc::bad_request);
        CHECK(n->next == gateway::next_step::stop);
        CHECK(s.inner().current_state() == gateway::state::failed);
    }
}

TEST_CASE("property: a Nightingale resume refusal split at random points gives the same actions (thousands of splits)") {
    sluice_test::test_rng rng{2026};
    for (int status : {400, 409}) {
        CAPTURE(status);
        const std::string response = status == 400 ? refusal(400, "Bad Request", R"({"message":"Session not present"})")
                                                   : refusal(409, "Conflict", R"({"message":"session taken"})");
        auto run = [&](sluice_test::test_rng* split, std::size_t cuts) {
            xoshiro256 r(5); // the same masks and keys each run
            ws::session<nightingale::client> s(r, {}, ng_config(), r);
            ng_ready_then_resume(s);
            auto v = feed(s, response, 5, split, cuts);
            s.transport_open(at_ms(6));
            for (auto& x : drain_all(s)) v.push_back(std::move(x));
            return v;
        };
        const auto whole = run(nullptr, 0);
        REQUIRE(whole.size() == 4); // disconnect, notice, connect, the fresh upgrade request
        int differing = 0;
        for (int seed = 0; seed < 1000; ++seed) {
            if (run(&rng, 1 + rng.below(response.size())) != whole && ++differing == 1) FAIL_CHECK("seed " << seed << " differs");
        }
        CHECK(differing == 0);
    }
}

TEST_CASE("byte mode: every protocol's verdict for every status; new session at once only for Nightingale's refused resume") {
    enum class outcome { stop, backoff, at_once };
    struct expected {
        int status;
        outcome what;
        gateway::next_step next; // of the notice (stop, or what the reconnect is)
    };
    using gateway::next_step;
    // The statuses in `stops` stop, those in `now` connect fresh at once, the rest are retried
    // after the backoff as `retry` (a new session when there is none to resume).
    auto table = [](std::initializer_list<int> stops, std::initializer_list<int> now, next_step retry) {
        std::vector<expected> t;
        for (int status : {400, 401, 403, 404, 409, 429, 500, 503}) {
            auto in = [&](std::initializer_list<int> l) { return std::find(l.begin(), l.end(), status) != l.end(); };
            if (in(stops)) t.push_back({status, outcome::stop, next_step::stop});
            else if (in(now)) t.push_back({status, outcome::at_once, next_step::new_session});
            else t.push_back({status, outcome::backoff, retry});
        }
        return t;
    };
    // Discord and i386chat: gateway::default_open_refused. No session yet: every retry is a new one.
    const std::vector<expected> plain = table({401, 403}, {}, next_step::new_session);
    // singyeong, and Nightingale's fresh connect: also 400 and 404 stop; 5xx a new session after the
    // backoff (not at once).
    const std::vector<expected> sy = table({400, 401, 403, 404}, {}, next_step::new_session);
    const std::vector<expected>& ng_fresh = sy;
    // Nightingale, a resume: 400 and 409 a fresh connect at once; 401, 403, 404 stop; the rest resumed again.
    const std::vector<expected> ng_resume = table({401, 403, 404}, {400, 409}, next_step::resume);

    sluice_test::test_rng rng{4096};
    constexpr std::int64_t t0 = 10'000; // after every set-up step

    // `prepare(s)` leaves s with a socket open and its upgrade request written, the
    // machine's second (or later) attempt, so a retry would wait the backoff.
    auto run = [&](auto make, auto prepare, int notice_kind, const std::vector<expected>& table, std::string_view what) {
        for (const expected& x : table) {
            for (int split = 0; split < 8; ++split) {
                CAPTURE(what);
                CAPTURE(x.status);
                CAPTURE(split);
                xoshiro256 r(9);
                auto holder = make(r);
                auto& s = *holder;
                prepare(s);
                const std::string response = refusal(x.status, "No", R"({"message":"no"})");
                const auto v = split == 0 ? feed(s, response, t0) : feed(s, response, t0, &rng, 1 + rng.below(response.size()));
                REQUIRE(!v.empty());
                CHECK(v[0].io == ws::io_op::disconnect);
                const seen* n = notice_in(v, notice_kind);
                REQUIRE(n);
                CHECK(n->code == x.status);
                CHECK(n->next == x.next);
                switch (x.what) {
                case outcome::stop:
                    CHECK(v.back().io == ws::io_op::none);
                    CHECK(s.inner().current_state() == gateway::state::failed);
                    CHECK(s.next_deadline().is_never());
                    break;
                case outcome::backoff: {
                    CHECK(v.back().io == ws::io_op::none); // nothing opens before the timer
                    CHECK(s.inner().current_state() == gateway::state::waiting);
                    const instant due = s.next_deadline();
                    CHECK(due > at_ms(t0));
                    s.handle_timeout(due);
                    const auto w = drain_all(s);
                    REQUIRE(!w.empty());
                    CHECK(w.back().io == ws::io_op::connect);
                    break;
                }
                case outcome::at_once: {
                    // The connect is in the refusal's own poll: no timer was fired, none is waited for.
                    CHECK(v.back().io == ws::io_op::connect);
                    CHECK(s.inner().current_state() == gateway::state::connecting);
                    CHECK(attempts_of(s.inner()) >= 2); // not the free first retry after a ready session
                    const std::string req = open_polled(s, t0);
                    CHECK(req.starts_with("GET /ws?shards=2&user_id=42 HTTP/1.1\r\n"));
                    break;
                }
                }
            }
        }
    };
    // A first attempt refused with 503 (its retry is the free one, at once), then the second attempt's socket.
    auto second_attempt = [](auto& s) {
        REQUIRE_FALSE(s.inner().start(at_ms(0)));
        open_socket(s, 1);
        const auto v = feed(s, refusal(503, "Service Unavailable"), 2);
        REQUIRE(!v.empty());
        REQUIRE(v.back().io == ws::io_op::connect);
        open_polled(s, 3);
    };
    auto boxed = [](auto* p) { return std::unique_ptr<std::remove_pointer_t<decltype(p)>>(p); };

    run([&](xoshiro256& r) { return boxed(new ws::session<discord::client>(r, {}, discord_config(), entropy(r))); },
        second_attempt, static_cast<int>(gateway::action_kind::notice), plain, "discord");
    run([&](xoshiro256& r) { return boxed(new ws::session<i386chat::client>(r, {}, chat_config(), r)); }, second_attempt,
        static_cast<int>(i386chat::action_kind::notice), plain, "i386chat");
    run([&](xoshiro256& r) { return boxed(new ws::session<singyeong::client>(r, {}, sy_config(), r)); }, second_attempt,
        static_cast<int>(singyeong::action_kind::notice), sy, "singyeong");
    run([&](xoshiro256& r) { return boxed(new ws::session<nightingale::client>(r, {}, ng_config(), r)); }, second_attempt,
        static_cast<int>(nightingale::action_kind::notice), ng_fresh, "nightingale fresh");
    // Nightingale's resume, refused once with 503 (the backoff runs), then the second resume's socket.
    run([&](xoshiro256& r) { return boxed(new ws::session<nightingale::client>(r, {}, ng_config(), r)); },
        [](auto& s) {
            ng_ready_then_resume(s);
            const auto v = feed(s, refusal(503, "Service Unavailable"), 5);
            REQUIRE(s.inner().current_state() == gateway::state::waiting);
            s.handle_timeout(s.next_deadline());
            REQUIRE(drain_all(s).back().io == ws::io_op::connect);
            const std::string req = open_polled(s, 5000);
            REQUIRE(req.starts_with("GET /ws/resume/" + std::string(ng_uuid) + " HTTP/1.1\r\n"));
        },
        static_cast<int>(nightingale::action_kind::notice), ng_resume, "nightingale resume");
}

} // TEST_SUITE
