// Interop: ws::client and ws::session against real servers on 127.0.0.1,
// started here on a free port: Debian's python3-websockets (10.4) and the npm
// `ws` package (tests/package.json). A tiny blocking TCP client feeds the codec
// (the process and the connection are tests/peers/net.hpp's).
#include <sluice/ws/client.hpp>
#include <sluice/ws/session.hpp>

#include <doctest/doctest.h>

#include "echo_machine.hpp"
#include "peers/net.hpp"
#include "support/support.hpp"
#include "ws_test.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

using namespace sluice;
using namespace ws_test;
using ws::action_kind;

namespace {

using peer_net::now;
using peer_net::source_dir;
using peer_server = peer_net::process; // a server process: its first line gives the port
using tcp = peer_net::tcp;

/// Drives one ws::client over one tcp connection.
struct driver {
    xoshiro256 rng{std::random_device{}()};
    ws::client c{rng, {.max_message_size = 4 << 20}};
    tcp conn;
    std::vector<record> events;
    bool transport_ended = false;
    std::vector<char> buf = std::vector<char>(1 << 16);

    driver(std::uint16_t port, std::string_view target, std::string_view headers = {}) : conn(port, tcp::mode::blocking) {
        REQUIRE(conn.ok());
        REQUIRE_FALSE(c.start({.host = "127.0.0.1", .port = port, .target = target, .header_block = headers}, now()));
    }
    ~driver() { // leave politely, so the servers log no dropped connections
        if (c.is_open() && !c.close(1000, "test over")) pump([&] { return c.state() != ws::client_state::closing; });
    }
    driver(const driver&) = delete;
    driver& operator=(const driver&) = delete;
    void flush() {
        while (const auto* e = c.poll()) {
            if (e->action.kind == action_kind::transmit) conn.send_all(e->bytes);
            else if (e->action.kind == action_kind::close_transport) conn.shut();
            else events.push_back({e->action.kind, e->action.type, e->action.close_code, e->action.http_status, e->action.error, std::string(e->bytes)});
        }
    }
    /// Reads until `done()` or the transport ends or 10 s pass without bytes.
    bool pump(const std::function<bool()>& done) {
        for (;;) {
            flush();
            if (done()) return true;
            if (transport_ended) return false;
            const ssize_t n = conn.recv_some(buf.data(), buf.size());
            if (n <= 0) {
                transport_ended = true;
                c.transport_closed(now());
                continue;
            }
            c.receive(std::string_view(buf.data(), static_cast<std::size_t>(n)), now());
        }
    }
    bool wait_for(action_kind k) {
        const std::size_t from = events.size();
        return pump([&] {
            for (std::size_t i = from; i < events.size(); ++i)
                if (events[i].kind == k) return true;
            return false;
        });
    }
    /// The next message (an empty record with kind none on failure).
    record next_message() {
        const std::size_t from = events.size();
        record found{action_kind::none, message_type::text, 0, 0, {}, {}};
        pump([&] {
            for (std::size_t i = from; i < events.size(); ++i)
                if (events[i].kind == action_kind::message) {
                    found = events[i];
                    return true;
                }
            return false;
        });
        return found;
    }
    const record* last(action_kind k) const {
        for (auto it = events.rbegin(); it != events.rend(); ++it)
            if (it->kind == k) return &*it;
        return nullptr;
    }
};

std::string utf8_text(std::size_t n) {
    static const std::string unit = "sluice ✓ κόσμε 🙂 ";
    std::string s;
    while (s.size() < n) s += unit;
    while (s.size() > n) { // trim on a character boundary, pad with ASCII
        s.pop_back();
        while (!s.empty() && (static_cast<unsigned char>(s.back()) & 0xC0) == 0x80) s.pop_back();
        if (!s.empty() && static_cast<unsigned char>(s.back()) >= 0xC0) s.pop_back();
    }
    while (s.size() < n) s += 'x';
    return s;
}

void run_interop(const peer_server& server) {
    REQUIRE(server.port() != 0);
    const std::uint16_t port = server.port();

    SUBCASE("echo of text and binary messages from 0 bytes to 1 MiB") {
        driver d(port, "/echo");
        REQUIRE(d.wait_for(action_kind::open));
        sluice_test::test_rng rng{7};
        for (std::size_t n : {0, 1, 125, 126, 127, 1000, 65535, 65536, 65537, 300000, 1 << 20}) {
            CAPTURE(n);
            const std::string t = utf8_text(n);
            REQUIRE_FALSE(d.c.send(t, message_type::text));
            record m = d.next_message();
            CHECK(m.kind == action_kind::message);
            CHECK(m.type == message_type::text);
            CHECK(m.bytes.size() == n);
            CHECK(m.bytes == t);
            std::string b(n, '\0');
            for (auto& ch : b) ch = static_cast<char>(rng.next());
            REQUIRE_FALSE(d.c.send(b, message_type::binary));
            m = d.next_message();
            CHECK(m.type == message_type::binary);
            CHECK(m.bytes == b);
        }
        REQUIRE_FALSE(d.c.close(1000, "bye"));
        REQUIRE(d.wait_for(action_kind::closed));
        CHECK(d.last(action_kind::closed)->close_code == 1000);
        CHECK_FALSE(d.last(action_kind::closed)->error);
    }

    SUBCASE("fragmented messages from the server") {
        driver d(port, "/");
        REQUIRE(d.wait_for(action_kind::open));
        REQUIRE_FALSE(d.c.send("cmd:fragments"));
        record m = d.next_message();
        CHECK(m.bytes == "fragmented ✓");
        CHECK(m.type == message_type::text);
        REQUIRE_FALSE(d.c.send("cmd:fragments-binary"));
        m = d.next_message();
        CHECK(m.bytes == std::string("\0\1\2", 3));
        CHECK(m.type == message_type::binary);
    }

    SUBCASE("server pings are answered with the same payload") {
        driver d(port, "/");
        REQUIRE(d.wait_for(action_kind::open));
        REQUIRE_FALSE(d.c.send("cmd:ping:are you there"));
        const record m = d.next_message();
        CHECK(m.bytes == "pong-received:are you there");
        REQUIRE(d.last(action_kind::ping) != nullptr);
        CHECK(d.last(action_kind::ping)->bytes == "are you there");
    }

    SUBCASE("client pings get pongs") {
        driver d(port, "/");
        REQUIRE(d.wait_for(action_kind::open));
        REQUIRE_FALSE(d.c.ping("hello?"));
        REQUIRE(d.wait_for(action_kind::pong));
        CHECK(d.last(action_kind::pong)->bytes == "hello?");
    }

    SUBCASE("server-initiated close with a code and a reason") {
        driver d(port, "/");
        REQUIRE(d.wait_for(action_kind::open));
        REQUIRE_FALSE(d.c.send("cmd:close:4001:see you later ✓"));
        REQUIRE(d.wait_for(action_kind::closed));
        const record* c = d.last(action_kind::closed);
        CHECK(c->close_code == 4001);
        CHECK(c->bytes == "see you later ✓");
        CHECK_FALSE(c->error);
        CHECK(d.c.state() == ws::client_state::closed);
    }

    SUBCASE("client close: the server answers and closes") {
        driver d(port, "/");
        REQUIRE(d.wait_for(action_kind::open));
        REQUIRE_FALSE(d.c.close(4002, "client done"));
        REQUIRE(d.wait_for(action_kind::closed));
        const record* c = d.last(action_kind::closed);
        CHECK(c->close_code == 4002);
        CHECK_FALSE(c->error);
    }

    SUBCASE("an upgrade with an Authorization header the server checks") {
        driver d(port, "/auth", "Authorization: Bearer sekret\r\n");
        REQUIRE(d.wait_for(action_kind::open));
        REQUIRE_FALSE(d.c.send("cmd:whoami"));
        CHECK(d.next_message().bytes == "Bearer sekret");
    }

    SUBCASE("a refused upgrade (401) is a clear handshake error") {
        driver d(port, "/auth", "Authorization: Bearer wrong\r\n");
        REQUIRE(d.wait_for(action_kind::closed));
        const record* c = d.last(action_kind::closed);
        CHECK(c->http_status == 401);
        CHECK(c->error == ws::errc::upgrade_refused);
        CHECK(c->error == condition::handshake_failed);
        CHECK(c->bytes == "Unauthorized");
        CHECK(d.last(action_kind::open) == nullptr);
    }

    SUBCASE("byte mode: ws::session with an echo machine over the same socket") {
        using echo_session = ws::session<echo_machine>;
        xoshiro256 rng(1);
        echo_session s(rng, {}, "ws://127.0.0.1:" + std::to_string(port) + "/auth", 2);
        s.inner().connect("Authorization: Bearer sekret\r\n");
        std::unique_ptr<tcp> conn;
        std::vector<std::string> seen; // the machine's own events: "o", "m:<text>", "c:<code>:<reason>", "d"
        auto flush = [&] {
            while (const auto* e = s.poll()) {
                switch (e->action.io) {
                case ws::io_op::connect:
                    CHECK(e->bytes == "127.0.0.1");
                    conn = std::make_unique<tcp>(e->action.port, tcp::mode::blocking);
                    REQUIRE(conn->ok());
                    s.transport_open(now());
                    break;
                case ws::io_op::transmit: conn->send_all(e->bytes); break;
                case ws::io_op::disconnect: conn->shut(); break;
                case ws::io_op::none:
                    if (e->action.inner.event == 'o') seen.push_back("o");
                    if (e->action.inner.event == 'm') seen.push_back("m:" + std::string(e->bytes));
                    if (e->action.inner.event == 'c') seen.push_back("c:" + std::to_string(e->action.inner.close_code) + ":" + std::string(e->bytes));
                    if (e->action.inner.event == 'd') seen.push_back("d");
                    break;
                }
            }
        };
        std::vector<char> buf(1 << 16);
        bool said = false, closing = false;
        for (int rounds = 0; rounds < 1000; ++rounds) {
            flush();
            if (!seen.empty() && (seen.back().starts_with("c:") || seen.back() == "d")) break;
            if (!said && !seen.empty() && seen[0] == "o") {
                s.inner().say("ping-pong");
                said = true;
                continue;
            }
            if (!closing && seen.size() >= 4) { // o, m, m, m: the machine echoed twice and stopped
                s.inner().say("cmd:close:4003:enough");
                closing = true;
                continue;
            }
            const ssize_t n = conn ? conn->recv_some(buf.data(), buf.size()) : 0;
            if (n <= 0) s.transport_closed(now());
            else s.receive(std::string_view(buf.data(), static_cast<std::size_t>(n)), now());
        }
        CHECK(seen == std::vector<std::string>{"o", "m:ping-pong", "m:ping-pong", "m:ping-pong", "c:4003:enough"});
    }
}

peer_server& python_server() {
    static peer_server s({"/usr/bin/python3", source_dir() + "/tests/peers/ws_server.py"}, "python3-websockets");
    return s;
}
peer_server& node_server() {
    static peer_server s({"node", source_dir() + "/tests/peers/ws_server.js"}, "npm ws");
    return s;
}

} // namespace

TEST_SUITE("interop") {

TEST_CASE("interop: python3-websockets 10.4") { run_interop(python_server()); }

TEST_CASE("interop: npm ws") { run_interop(node_server()); }

} // TEST_SUITE
