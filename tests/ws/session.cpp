// ws::session: byte mode, shown with a trivial echo machine.
#include <sluice/ws/session.hpp>

#include <doctest/doctest.h>

#include "support/support.hpp"
#include "echo_machine.hpp"
#include "ws_test.hpp"

#include <optional>
#include <string>
#include <vector>

using namespace sluice;
using namespace ws_test;
using ws_test::echo_machine;

namespace {

using echo_session = ws::session<echo_machine>;

/// One polled session entry, flattened for comparison.
struct out {
    ws::io_op io;
    char event;
    std::uint16_t code;
    std::string bytes;
};

std::vector<out> drain_session(echo_session& s) {
    std::vector<out> v;
    while (const auto* e = s.poll()) v.push_back({e->action.io, e->action.inner.event, e->action.inner.close_code, std::string(e->bytes)});
    return v;
}

std::string all_transmits(const std::vector<out>& v) {
    std::string s;
    for (const auto& o : v)
        if (o.io == ws::io_op::transmit) s += o.bytes;
    return s;
}

/// A session connected and upgraded; returns the upgrade request.
std::string connect(echo_session& s, std::string_view extra = {}) {
    s.inner().connect(extra);
    auto v = drain_session(s);
    REQUIRE(v.size() == 1);
    CHECK(v[0].io == ws::io_op::connect);
    s.transport_open(at_ms(1));
    v = drain_session(s);
    REQUIRE(v.size() == 1);
    REQUIRE(v[0].io == ws::io_op::transmit);
    return v[0].bytes;
}

} // namespace

TEST_SUITE("unit") {

TEST_CASE("session: connect, upgrade with the machine's headers, echo, machine-initiated close") {
    xoshiro256 rng(1);
    echo_session s(rng, {}, "ws://127.0.0.1:9000/echo?x=1");
    s.inner().connect("Authorization: Bearer secret\r\n");
    const echo_session::entry* e = s.poll();
    REQUIRE(e != nullptr);
    CHECK(e->action.io == ws::io_op::connect);
    CHECK(e->bytes == "127.0.0.1");
    CHECK(e->action.port == 9000);
    CHECK_FALSE(e->action.tls);
    CHECK(s.poll() == nullptr);

    s.transport_open(at_ms(1));
    auto v = drain_session(s);
    REQUIRE(v.size() == 1);
    const std::string request = v[0].bytes;
    CHECK(request.starts_with("GET /echo?x=1 HTTP/1.1\r\n"));
    CHECK(header_of(request, "Authorization") == "Bearer secret");
    CHECK(header_of(request, "Host") == "127.0.0.1:9000");

    // The 101 and two messages in one read: on_open, then each message echoed.
    s.receive(accept_response(request) + text("hi") + binary(std::string("\0\1", 2)), at_ms(2));
    v = drain_session(s);
    REQUIRE(v.size() == 5);
    CHECK((v[0].io == ws::io_op::none && v[0].event == 'o'));
    CHECK((v[1].io == ws::io_op::none && v[1].event == 'm' && v[1].bytes == "hi"));
    CHECK(v[2].io == ws::io_op::transmit);
    CHECK((v[3].event == 'm' && v[3].bytes == std::string("\0\1", 2)));
    std::vector<client_frame> frames;
    REQUIRE(decode_client_frames(all_transmits(v), frames));
    REQUIRE(frames.size() == 2);
    CHECK((frames[0].op == 1 && frames[0].payload == "hi"));
    CHECK((frames[1].op == 2 && frames[1].payload == std::string("\0\1", 2)));

    // A server ping is answered by the codec; the machine never sees it.
    s.receive(ping("beat"), at_ms(3));
    v = drain_session(s);
    REQUIRE(v.size() == 1);
    frames.clear();
    REQUIRE(decode_client_frames(v[0].bytes, frames));
    CHECK((frames[0].op == 10 && frames[0].payload == "beat"));

    // The machine closes with 4000: a close frame goes out; the server answers; the socket closes.
    s.receive(text("close"), at_ms(4));
    v = drain_session(s);
    REQUIRE(v.size() == 2);
    frames.clear();
    REQUIRE(decode_client_frames(v[1].bytes, frames));
    CHECK((frames[0].op == 8 && frames[0].payload == std::string("\x0f\xa0") + "bye"));
    CHECK(s.codec().state() == ws::client_state::closing);
    s.receive(close(4000, "bye"), at_ms(5));
    v = drain_session(s);
    REQUIRE(v.size() == 2);
    CHECK(v[0].io == ws::io_op::disconnect);
    CHECK((v[1].event == 'c' && v[1].code == 4000 && v[1].bytes == "bye"));
}

TEST_CASE("session: a wss URL asks for TLS on 443") {
    xoshiro256 rng(1);
    echo_session s(rng, {}, "wss://gateway.example/?v=10");
    s.inner().connect();
    const auto* e = s.poll();
    REQUIRE(e != nullptr);
    CHECK(e->action.io == ws::io_op::connect);
    CHECK(e->action.tls);
    CHECK(e->action.port == 443);
    CHECK(e->bytes == "gateway.example");
}

TEST_CASE("session: server close, dropped transport, failed connect, refused upgrade, bad URL") {
    xoshiro256 rng(1);
    {
        echo_session s(rng, {}, "ws://h:1/");
        const std::string req = connect(s);
        s.receive(accept_response(req) + close(1001, "going"), at_ms(2));
        auto v = drain_session(s);
        REQUIRE(v.size() == 4);
        // The codec's own output comes first, then the machine's actions.
        CHECK(v[0].io == ws::io_op::transmit); // the echoed close
        CHECK(v[1].io == ws::io_op::disconnect);
        CHECK(v[2].event == 'o');
        CHECK((v[3].event == 'c' && v[3].code == 1001 && v[3].bytes == "going"));
    }
    {
        echo_session s(rng, {}, "ws://h:1/");
        const std::string req = connect(s);
        s.receive(accept_response(req), at_ms(2));
        drain_session(s);
        s.transport_closed(at_ms(3));
        auto v = drain_session(s);
        REQUIRE(v.size() == 1);
        CHECK(v[0].event == 'd'); // no close frame: code nullopt
    }
    {
        echo_session s(rng, {}, "ws://h:1/");
        s.inner().connect();
        drain_session(s);
        s.transport_closed(at_ms(1)); // the TCP connect failed
        auto v = drain_session(s);
        REQUIRE(v.size() == 1);
        CHECK(v[0].event == 'd');
    }
    {
        echo_session s(rng, {}, "ws://h:1/");
        connect(s);
        s.receive("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n", at_ms(2));
        auto v = drain_session(s);
        REQUIRE(v.size() == 2);
        CHECK(v[0].io == ws::io_op::disconnect);
        CHECK(v[1].event == 'd');
        CHECK(s.codec().error() == ws::errc::upgrade_refused);
    }
    {
        echo_session s(rng, {}, "http://not-a-websocket/");
        s.inner().connect();
        auto v = drain_session(s);
        REQUIRE(v.size() == 1);
        CHECK(v[0].event == 'd');
    }
    {
        echo_session s(rng, {}, "ws://h:1/");
        connect(s);
        s.receive("HTTP/1.1 101 Switching", at_ms(2));
        s.handle_timeout(at_ms(60000)); // handshake timeout
        auto v = drain_session(s);
        REQUIRE(v.size() == 2);
        CHECK(v[0].io == ws::io_op::disconnect);
        CHECK(v[1].event == 'd');
    }
}

TEST_CASE("session: a protocol error closes with 1002 and the machine sees a dropped connection") {
    xoshiro256 rng(1);
    echo_session s(rng, {}, "ws://h:1/");
    const std::string req = connect(s);
    s.receive(accept_response(req) + frame(1, "x", true, 4), at_ms(2));
    auto v = drain_session(s);
    REQUIRE(v.size() == 4);
    std::vector<client_frame> frames;
    REQUIRE(v[0].io == ws::io_op::transmit);
    REQUIRE(decode_client_frames(v[0].bytes, frames));
    REQUIRE(frames.size() == 1);
    CHECK(frames[0].payload == std::string("\x03\xea", 2));
    CHECK(v[1].io == ws::io_op::disconnect);
    CHECK(v[2].event == 'o');
    CHECK(v[3].event == 'd');
}

TEST_CASE("session: reconnecting reuses the codec; no allocation in steady state") {
    xoshiro256 rng(1);
    echo_session s(rng, {}, "ws://h:1/");
    std::string req = connect(s);
    s.receive(accept_response(req), at_ms(2));
    drain_session(s);
    const std::string burst = text(std::string(1500, 'a')) + ping("p") + binary(std::string(40000, 'b'), false) + cont("c");
    auto round = [&] {
        s.receive(burst, at_ms(3));
        for (std::size_t at = 0; at < burst.size(); at += 1400) s.receive(std::string_view(burst).substr(at, 1400), at_ms(3));
        std::size_t n = 0;
        while (const auto* e = s.poll()) n += e->bytes.size();
        return n;
    };
    round();
    round();
    {
        sluice_test::allocation_counter count;
        for (int i = 0; i < 10; ++i) round();
        CHECK(count.count() == 0);
    }
    // A new connection on the same session (the machine asks again).
    req = connect(s);
    s.receive(accept_response(req) + text("again"), at_ms(10));
    auto v = drain_session(s);
    REQUIRE(v.size() >= 2);
    CHECK(v[0].event == 'o');
    CHECK(v[1].bytes == "again");
}

TEST_CASE("session: commands before the upgrade completes; deadlines of both machines") {
    xoshiro256 rng(1);
    echo_session s(rng, {.handshake_timeout = std::chrono::seconds(3)}, "ws://h:1/");
    CHECK(s.next_deadline().is_never());
    const std::string req = connect(s);
    CHECK(s.next_deadline() == at_ms(3001)); // the codec's handshake deadline
    s.inner().say("too early");
    CHECK(drain_session(s).empty()); // not open yet: dropped, as a closed socket would
    s.inner().quit();
    auto v = drain_session(s);
    REQUIRE(v.size() == 2); // nothing to shake hands with: the socket is dropped at once
    CHECK(v[0].io == ws::io_op::disconnect);
    CHECK(v[1].event == 'd');
    CHECK(s.codec().state() == ws::client_state::idle);
    CHECK(s.next_deadline().is_never());
    s.receive(accept_response(req), at_ms(5)); // late bytes of the dropped socket are ignored
    CHECK(drain_session(s).empty());
}

TEST_CASE("session: a close request with a code the codec refuses still closes, with 1000") {
    xoshiro256 rng(1);
    echo_session s(rng, {}, "ws://h:1/");
    const std::string req = connect(s);
    s.receive(accept_response(req), at_ms(2));
    drain_session(s);
    s.inner().quit(1006); // never sendable
    auto v = drain_session(s);
    REQUIRE(v.size() == 1);
    std::vector<client_frame> frames;
    REQUIRE(decode_client_frames(v[0].bytes, frames));
    CHECK(frames[0].payload == std::string("\x03\xe8", 2));
}

} // TEST_SUITE
