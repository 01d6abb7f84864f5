// ws::client: the handshake, messages, control frames, the close handshake,
// protocol errors and their close codes, misuse, timers and allocation.
#include <sluice/ws/client.hpp>

#include <doctest/doctest.h>

#include "support/support.hpp"
#include "ws_test.hpp"

#include <functional>
#include <string>
#include <vector>

using namespace sluice;
using namespace ws_test;
using ws::action_kind;

namespace {

record ev(action_kind k, std::string bytes = {}, message_type t = message_type::text) {
    return {k, t, 0, 0, {}, std::move(bytes)};
}
record closed_ev(std::uint16_t code, std::error_code ec = {}, std::string reason = {}, std::uint16_t http = 0) {
    return {action_kind::closed, message_type::text, code, http, ec, std::move(reason)};
}
record open_ev(std::string proto = {}) {
    record r = ev(action_kind::open, std::move(proto));
    r.http_status = 101;
    return r;
}

/// Starts a client and answers its upgrade with `response(request)`.
struct handshake_run {
    xoshiro256 rng{11};
    ws::client c{rng};
    std::string request;
    std::vector<record> out;
    handshake_run(const ws::upgrade_request& req, auto&& response) {
        REQUIRE_FALSE(c.start(req, at_ms(0)));
        auto rs = drain(c);
        REQUIRE(rs.size() == 1);
        request = rs[0].bytes;
        c.receive(response(request), at_ms(5));
        out = drain(c);
    }
};

const ws::upgrade_request basic{.host = "example.com", .port = 80, .tls = false, .target = "/chat"};

} // namespace

TEST_SUITE("unit") {

TEST_CASE("RFC 6455 §4.1: the upgrade request") {
    xoshiro256 rng(3);
    ws::client c(rng);
    REQUIRE_FALSE(c.start({.host = "example.com", .port = 8443, .tls = true, .target = "/gateway?v=10",
                           .subprotocols = "chat, superchat", .header_block = "Authorization: Bearer abc\r\n"},
                          at_ms(0)));
    const auto rs = drain(c);
    REQUIRE(rs.size() == 1);
    CHECK(rs[0].kind == action_kind::transmit);
    const std::string& r = rs[0].bytes;
    CHECK(r.starts_with("GET /gateway?v=10 HTTP/1.1\r\n"));
    CHECK(header_of(r, "Host") == "example.com:8443");
    CHECK(header_of(r, "Upgrade") == "websocket");
    CHECK(header_of(r, "Connection") == "Upgrade");
    CHECK(header_of(r, "Sec-WebSocket-Version") == "13");
    CHECK(header_of(r, "Sec-WebSocket-Protocol") == "chat, superchat");
    CHECK(header_of(r, "Authorization") == "Bearer abc");
    std::uint8_t raw[20];
    CHECK(ws::detail::base64_decode(header_of(r, "Sec-WebSocket-Key"), raw) == 16);
    CHECK(r.ends_with("\r\n\r\n"));
    CHECK(c.state() == ws::client_state::handshake);

    // Default ports are left out of Host; IPv6 literals get brackets.
    xoshiro256 rng2(3);
    ws::client d(rng2);
    REQUIRE_FALSE(d.start({.host = "::1", .port = 443, .tls = true}, at_ms(0)));
    CHECK(header_of(drain(d)[0].bytes, "Host") == "[::1]");
}

TEST_CASE("RFC 6455 §4.1: bad request pieces are refused and nothing is queued") {
    xoshiro256 rng(3);
    ws::client c(rng);
    CHECK(c.start({.host = "exa mple.com"}, at_ms(0)) == ws::errc::bad_request_header);
    CHECK(c.start({.host = ""}, at_ms(0)) == ws::errc::bad_request_header);
    CHECK(c.start({.host = "h", .target = "/a b"}, at_ms(0)) == ws::errc::bad_request_header);
    CHECK(c.start({.host = "h", .subprotocols = "a b"}, at_ms(0)) == ws::errc::bad_request_header);
    CHECK(c.start({.host = "h", .header_block = "X: 1\r\nEvil\r\n"}, at_ms(0)) == ws::errc::bad_request_header);
    CHECK(c.start({.host = "h", .header_block = "X: a\nb\r\n"}, at_ms(0)) == ws::errc::bad_request_header);
    CHECK(c.poll() == nullptr);
    CHECK(c.state() == ws::client_state::idle);
    REQUIRE_FALSE(c.start(basic, at_ms(0)));
    CHECK(c.start(basic, at_ms(0)) == ws::errc::already_started);
}

TEST_CASE("RFC 6455 §4.1: a valid 101 opens; the key is fresh per connection") {
    handshake_run h(basic, [](const std::string& req) { return accept_response(req); });
    CHECK(h.out == std::vector<record>{open_ev()});
    CHECK(h.c.is_open());
    CHECK(h.c.next_deadline().is_never()); // the handshake timer is gone
    handshake_run h2(basic, [](const std::string& req) { return accept_response(req); });
    xoshiro256 other(12);
    ws::client c3(other);
    (void)c3.start(basic, at_ms(0));
    CHECK(header_of(drain(c3)[0].bytes, "Sec-WebSocket-Key") != header_of(h.request, "Sec-WebSocket-Key"));
}

TEST_CASE("RFC 6455 §4.1: bytes after the 101 in the same read are not lost") {
    handshake_run h(basic, [](const std::string& req) { return accept_response(req) + text("first") + ping("p") + binary("second"); });
    const auto evs = events_of(h.out);
    CHECK(evs == std::vector<record>{open_ev(), ev(action_kind::message, "first"), ev(action_kind::ping, "p"),
                                     ev(action_kind::message, "second", message_type::binary)});
}

TEST_CASE("RFC 6455 §4.1: every failed response check is a handshake error") {
    struct bad_case {
        const char* name;
        std::function<std::string(const std::string&)> response;
        ws::errc expected;
        std::uint16_t http_status;
        const char* offered = "";
    };
    auto with_accept = [](const std::string& req) {
        const auto a = ws::accept_for(header_of(req, "Sec-WebSocket-Key"));
        return std::string(a.data(), a.size());
    };
    const bad_case cases[] = {
        {"401", [](const std::string&) { return std::string("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n"); },
         ws::errc::upgrade_refused, 401},
        {"200", [](const std::string&) { return std::string("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"); }, ws::errc::upgrade_refused, 200},
        {"no Upgrade", [&](const std::string& r) { return "HTTP/1.1 101 S\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + with_accept(r) + "\r\n\r\n"; },
         ws::errc::bad_upgrade_header, 101},
        {"Upgrade: h2c", [&](const std::string& r) { return "HTTP/1.1 101 S\r\nUpgrade: h2c\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + with_accept(r) + "\r\n\r\n"; },
         ws::errc::bad_upgrade_header, 101},
        {"no Connection", [&](const std::string& r) { return "HTTP/1.1 101 S\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: " + with_accept(r) + "\r\n\r\n"; },
         ws::errc::bad_connection_header, 101},
        {"no Accept", [](const std::string&) { return std::string("HTTP/1.1 101 S\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"); },
         ws::errc::bad_accept, 101},
        {"wrong Accept", [](const std::string&) { return std::string("HTTP/1.1 101 S\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"); },
         ws::errc::bad_accept, 101},
        {"two Accepts", [&](const std::string& r) { return accept_response(r, "Sec-WebSocket-Accept: " + with_accept(r) + "\r\n"); },
         ws::errc::bad_accept, 101},
        {"unrequested extension", [](const std::string& r) { return accept_response(r, "Sec-WebSocket-Extensions: permessage-deflate\r\n"); },
         ws::errc::unrequested_extension, 101},
        {"unrequested subprotocol", [](const std::string& r) { return accept_response(r, "Sec-WebSocket-Protocol: chat\r\n"); },
         ws::errc::unrequested_subprotocol, 101},
        {"subprotocol not among those offered", [](const std::string& r) { return accept_response(r, "Sec-WebSocket-Protocol: other\r\n"); },
         ws::errc::unrequested_subprotocol, 101, "chat, superchat"},
        {"two subprotocols", [](const std::string& r) { return accept_response(r, "Sec-WebSocket-Protocol: chat, superchat\r\n"); },
         ws::errc::unrequested_subprotocol, 101, "chat, superchat"},
        {"malformed HTTP", [](const std::string&) { return std::string("HTTP/1.1 101 Switching\nUpgrade: websocket\r\n\r\n"); },
         ws::errc::bad_handshake_response, 0},
        {"head over the limit", [](const std::string&) { return "HTTP/1.1 101 S\r\nX: " + std::string(9000, 'x') + "\r\n\r\n"; },
         ws::errc::bad_handshake_response, 0},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        ws::upgrade_request req = basic;
        req.subprotocols = c.offered;
        handshake_run h(req, c.response);
        REQUIRE(h.out.size() == 2);
        CHECK(h.out[0].kind == action_kind::close_transport);
        CHECK(h.out[1].kind == action_kind::closed);
        CHECK(h.out[1].error == c.expected);
        CHECK(h.out[1].error == condition::handshake_failed);
        CHECK(h.out[1].http_status == c.http_status);
        CHECK(h.out[1].close_code == 1006);
        CHECK(h.c.state() == ws::client_state::failed);
        // Failed stays failed: more bytes are dropped, commands refused.
        CHECK(h.c.receive(text("late"), at_ms(6)) == c.expected);
        CHECK(h.c.poll() == nullptr);
        CHECK(h.c.send("x") == ws::errc::not_open);
    }
}

TEST_CASE("RFC 6455 §4.1: a 401 carries its status and reason phrase") {
    handshake_run h(basic, [](const std::string&) {
        return std::string("HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer\r\nContent-Length: 12\r\n\r\nbad token!!!");
    });
    REQUIRE(h.out.size() == 2);
    CHECK(h.out[1] == closed_ev(1006, ws::errc::upgrade_refused, "Unauthorized", 401));
    CHECK(h.out[1].error.message() == "server refused the WebSocket upgrade");
}

TEST_CASE("RFC 6455 §4.1: the offered subprotocol the server picked is reported") {
    ws::upgrade_request req = basic;
    req.subprotocols = "chat, superchat";
    handshake_run h(req, [](const std::string& r) { return accept_response(r, "Sec-WebSocket-Protocol: superchat\r\n"); });
    CHECK(h.out == std::vector<record>{open_ev("superchat")});
}

TEST_CASE("RFC 6455 §4.1: handshake timeout and end of transport during the handshake") {
    xoshiro256 rng(1);
    ws::client c(rng, {.handshake_timeout = std::chrono::seconds(2)});
    REQUIRE_FALSE(c.start(basic, at_ms(1000)));
    drain(c);
    CHECK(c.next_deadline() == at_ms(3000));
    c.handle_timeout(at_ms(2999)); // early: nothing
    CHECK(c.poll() == nullptr);
    c.receive("HTTP/1.1 101 Swi", at_ms(2000));
    c.handle_timeout(at_ms(3000));
    auto rs = drain(c);
    CHECK(rs == std::vector<record>{ev(action_kind::close_transport), closed_ev(1006, ws::errc::handshake_timeout)});
    c.handle_timeout(at_ms(9000)); // twice: nothing
    CHECK(c.poll() == nullptr);

    ws::client d(rng);
    REQUIRE_FALSE(d.start(basic, at_ms(0)));
    drain(d);
    d.transport_closed(at_ms(1));
    CHECK(drain(d) == std::vector<record>{closed_ev(1006, ws::errc::handshake_eof)});
    d.transport_closed(at_ms(2)); // once only
    CHECK(d.poll() == nullptr);
}

TEST_CASE("RFC 6455 §5.4/§5.6: text, binary, empty and fragmented messages") {
    open_client o;
    o.c.receive(text("hello") + binary(std::string("\0\1\2", 3)) + text("") + text("frag", false) + cont("men", false) + cont("ted"),
                at_ms(2));
    CHECK(drain(o.c) == std::vector<record>{ev(action_kind::message, "hello"), ev(action_kind::message, std::string("\0\1\2", 3), message_type::binary),
                                            ev(action_kind::message, ""), ev(action_kind::message, "fragmented")});
    // Fragmented binary with an empty final fragment.
    o.c.receive(binary("ab", false) + cont("", true), at_ms(3));
    CHECK(drain(o.c) == std::vector<record>{ev(action_kind::message, "ab", message_type::binary)});
}

TEST_CASE("RFC 6455 §5.4/§5.5.2: control frames inside a fragmented message; pong echoes the ping payload") {
    open_client o;
    o.c.receive(text("Hel", false) + ping("are you there") + cont("lo, ", false) + pong("unsolicited") + cont("world"), at_ms(2));
    const auto rs = drain(o.c);
    CHECK(events_of(rs) == std::vector<record>{ev(action_kind::ping, "are you there"), ev(action_kind::pong, "unsolicited"),
                                               ev(action_kind::message, "Hello, world")});
    const auto sent = sent_frames(rs);
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].op == 0xA);
    CHECK(sent[0].payload == "are you there");
    // The pong goes out before the ping event is reported.
    CHECK(rs[0].kind == action_kind::transmit);
}

TEST_CASE("RFC 6455 §5.3: client frames are masked with a fresh key each") {
    open_client o;
    REQUIRE_FALSE(o.c.send("same"));
    REQUIRE_FALSE(o.c.send("same"));
    REQUIRE_FALSE(o.c.send(std::string(70000, 'z'), message_type::binary));
    REQUIRE_FALSE(o.c.ping("p"));
    const auto rs = drain(o.c);
    REQUIRE(rs.size() == 4);
    CHECK(rs[0].bytes != rs[1].bytes); // same payload, different masks
    const auto sent = sent_frames(rs);
    REQUIRE(sent.size() == 4);
    CHECK(sent[0].payload == "same");
    CHECK(sent[0].op == 1);
    CHECK(sent[1].payload == "same");
    CHECK(sent[0].key != sent[1].key);
    CHECK(sent[2].op == 2);
    CHECK(sent[2].payload == std::string(70000, 'z'));
    CHECK(sent[3].op == 9);
    CHECK(sent[3].payload == "p");
    CHECK(o.c.ping(std::string(126, 'x')) == ws::errc::control_payload_too_long);
    CHECK(o.c.ping(std::string(125, 'x')) == std::error_code{});
}

TEST_CASE("RFC 6455 §7.1.5/§5.5.1: a server close is echoed and reported") {
    open_client o;
    o.c.receive(close(4000, "resume please") + text("ignored after close"), at_ms(2));
    const auto rs = drain(o.c);
    REQUIRE(rs.size() == 3);
    const auto sent = sent_frames(rs);
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].op == 8);
    CHECK(sent[0].payload == std::string("\x0f\xa0", 2)); // the code echoed
    CHECK(rs[1].kind == action_kind::close_transport);
    CHECK(rs[2] == closed_ev(4000, {}, "resume please"));
    CHECK(o.c.state() == ws::client_state::closed);
    CHECK(o.c.send("x") == ws::errc::not_open);
    o.c.transport_closed(at_ms(3));
    CHECK(o.c.poll() == nullptr); // the closed event came once

    open_client e;
    e.c.receive(ws_test::frame(8, ""), at_ms(2)); // no status code
    const auto rs2 = drain(e.c);
    REQUIRE(rs2.size() == 3);
    CHECK(sent_frames(rs2)[0].payload.empty()); // answered with an empty close
    CHECK(rs2[2] == closed_ev(1005));
}

TEST_CASE("RFC 6455 §7.1.2: client close, the server answers, then the socket closes") {
    open_client o;
    REQUIRE_FALSE(o.c.close(1000, "done", at_ms(10)));
    auto rs = drain(o.c);
    REQUIRE(rs.size() == 1);
    CHECK(sent_frames(rs)[0].payload == std::string("\x03\xe8") + "done");
    CHECK(o.c.state() == ws::client_state::closing);
    CHECK(o.c.send("late") == ws::errc::not_open);
    CHECK(o.c.close() == ws::errc::not_open);
    // Messages still arrive while closing; pings are not answered any more.
    o.c.receive(text("in flight") + ping("x") + close(1000, "ok"), at_ms(20));
    rs = drain(o.c);
    CHECK(rs == std::vector<record>{ev(action_kind::message, "in flight"), ev(action_kind::ping, "x"), ev(action_kind::close_transport),
                                    closed_ev(1000, {}, "ok")});
    CHECK(o.c.next_deadline().is_never());
}

TEST_CASE("RFC 6455 §7.1.1: the server never answers our close: 1006 after close_timeout") {
    open_client o({.close_timeout = std::chrono::seconds(1)});
    REQUIRE_FALSE(o.c.close(1001, "", at_ms(100)));
    drain(o.c);
    CHECK(o.c.next_deadline() == at_ms(1100));
    o.c.handle_timeout(at_ms(1100));
    CHECK(drain(o.c) == std::vector<record>{ev(action_kind::close_transport), closed_ev(1006, ws::errc::close_timeout)});
}

TEST_CASE("RFC 6455 §7.1.5: a transport that ends without a close gives 1006") {
    open_client o;
    o.c.receive(text("partial", false), at_ms(2));
    o.c.transport_closed(at_ms(3));
    const auto rs = drain(o.c);
    CHECK(rs == std::vector<record>{closed_ev(1006, ws::errc::closed_abnormally)});
    CHECK(rs[0].error == condition::closed);
}

TEST_CASE("RFC 6455 §7.4: close codes sent and received") {
    struct code_case {
        std::uint16_t code;
        bool valid;
    };
    const code_case cases[] = {{999, false},  {1000, true},  {1001, true},  {1002, true},  {1003, true},  {1004, false},
                               {1005, false}, {1006, false}, {1007, true},  {1010, true},  {1011, true},  {1014, true},
                               {1015, false}, {1016, false}, {2000, false}, {2999, false}, {3000, true},  {4999, true},
                               {5000, false}, {65535, false}, {0, false}};
    for (const auto& c : cases) {
        CAPTURE(c.code);
        CHECK(ws::is_valid_close_code(c.code) == c.valid);
        open_client o;
        o.c.receive(close(c.code), at_ms(2));
        const auto rs = drain(o.c);
        REQUIRE_FALSE(rs.empty());
        if (c.valid) {
            CHECK(rs.back() == closed_ev(c.code));
        } else {
            CHECK(rs.back() == closed_ev(1002, ws::errc::invalid_close_code));
            CHECK(sent_frames(rs).at(0).payload == std::string("\x03\xea", 2)); // we close with 1002
        }
        open_client s;
        CHECK((s.c.close(c.code) == std::error_code{}) == c.valid);
        if (!c.valid) CHECK(s.c.close(c.code) == ws::errc::bad_close_code);
    }
}

TEST_CASE("RFC 6455 §5.5.1: close reasons must be UTF-8 and fit 123 bytes") {
    open_client o;
    CHECK(o.c.close(1000, std::string(124, 'r')) == ws::errc::control_payload_too_long);
    CHECK(o.c.close(1000, "\xC0\x80") == ws::errc::bad_close_reason);
    CHECK(o.c.poll() == nullptr); // nothing changed
    CHECK(o.c.is_open());
    CHECK_FALSE(o.c.close(1000, std::string(123, 'r')));
}

TEST_CASE("RFC 6455 protocol errors: one close code each, then failed stays failed") {
    struct proto_case {
        const char* section;
        const char* name;
        std::string input;
        ws::errc expected;
        std::uint16_t close_code;
    };
    const proto_case cases[] = {
        {"5.2", "reserved bit", frame(1, "x", true, 4), ws::errc::reserved_bits, 1002},
        {"5.2", "reserved opcode", frame(5, "x"), ws::errc::reserved_opcode, 1002},
        {"5.1", "masked server frame", frame(1, "x", true, 0, true), ws::errc::masked_frame, 1002},
        {"5.5", "fragmented control frame", frame(9, "x", false), ws::errc::fragmented_control, 1002},
        {"5.5", "control frame over 125 bytes", frame(10, std::string(126, 'x')), ws::errc::control_too_long, 1002},
        {"5.2", "non-minimal length", frame(2, "abc", true, 0, false, 2), ws::errc::non_minimal_length, 1002},
        {"5.4", "continuation without a start", cont("x"), ws::errc::unexpected_continuation, 1002},
        {"5.4", "new message inside a fragmented one", text("a", false) + text("b"), ws::errc::expected_continuation, 1002},
        {"5.5.1", "1-byte close payload", frame(8, "\x03"), ws::errc::bad_close_payload, 1002},
        {"7.4", "close code 1005 on the wire", close(1005), ws::errc::invalid_close_code, 1002},
        {"8.1", "invalid UTF-8 text", text("\xC0\x80"), ws::errc::invalid_utf8, 1007},
        {"8.1", "truncated UTF-8 at the end of a message", text("ok \xE2\x82"), ws::errc::invalid_utf8, 1007},
        {"8.1", "invalid UTF-8 across fragments", text("\xE2", false) + cont("\x82", false) + cont("\x28"), ws::errc::invalid_utf8, 1007},
        {"5.5.1", "invalid UTF-8 close reason", close(1000, "\xFF"), ws::errc::invalid_close_reason, 1007},
        {"10.4", "a frame over the message limit", binary(std::string(1025, 'x')), ws::errc::message_too_big, 1009},
        {"10.4", "fragments adding up over the limit", binary(std::string(600, 'x'), false) + cont(std::string(600, 'x')),
         ws::errc::message_too_big, 1009},
        {"10.4", "a 64-bit length near 2^63", std::string("\x82\x7f\x7f\xff\xff\xff\xff\xff\xff\xff", 10), ws::errc::message_too_big, 1009},
    };
    for (const auto& c : cases) {
        CAPTURE(c.section);
        CAPTURE(c.name);
        open_client o({.max_message_size = 1024});
        o.c.receive(text("before") + c.input + text("after"), at_ms(2));
        const auto rs = drain(o.c);
        REQUIRE(rs.size() == 4);
        CHECK(rs[0] == ev(action_kind::message, "before"));
        const auto sent = sent_frames(rs);
        REQUIRE(sent.size() == 1);
        CHECK(sent[0].op == 8);
        CHECK(sent[0].payload == std::string{static_cast<char>(c.close_code >> 8), static_cast<char>(c.close_code & 0xFF)});
        CHECK(rs[2].kind == action_kind::close_transport);
        CHECK(rs[3] == closed_ev(c.close_code, c.expected));
        CHECK(o.c.state() == ws::client_state::failed);
        CHECK(o.c.error() == c.expected);
        // Failed stays failed.
        CHECK(o.c.receive(text("more"), at_ms(3)) == c.expected);
        o.c.transport_closed(at_ms(4));
        o.c.handle_timeout(at_ms(100000));
        CHECK(o.c.poll() == nullptr);
        CHECK(o.c.send("x") == ws::errc::not_open);
        CHECK(o.c.ping() == ws::errc::not_open);
        CHECK(o.c.close() == ws::errc::not_open);
    }
}

TEST_CASE("RFC 6455 §8.1: invalid UTF-8 fails fast, before the message ends") {
    open_client o;
    o.c.receive(text("valid start \xFF", false), at_ms(2));
    const auto rs = drain(o.c);
    REQUIRE_FALSE(rs.empty());
    CHECK(rs.back() == closed_ev(1007, ws::errc::invalid_utf8));
}

TEST_CASE("RFC 6455 §10.4: the message limit is exact") {
    open_client o({.max_message_size = 100});
    o.c.receive(binary(std::string(100, 'x')) + text(std::string(50, 'a'), false) + cont(std::string(50, 'b')), at_ms(2));
    const auto rs = drain(o.c);
    REQUIRE(rs.size() == 2);
    CHECK(rs[1].bytes.size() == 100);
}

TEST_CASE("client: misuse before the connection, and start again after it ended") {
    xoshiro256 rng(5);
    ws::client c(rng);
    CHECK(c.send("x") == ws::errc::not_open);
    CHECK(c.ping() == ws::errc::not_open);
    CHECK(c.close() == ws::errc::not_open);
    CHECK(c.send("x") == condition::misuse);
    c.receive("ignored", at_ms(0));
    c.transport_closed(at_ms(0));
    CHECK(c.poll() == nullptr);
    REQUIRE_FALSE(c.start(basic, at_ms(0)));
    auto req = drain(c)[0].bytes;
    CHECK(c.send("x") == ws::errc::not_open); // still in the handshake
    c.receive(accept_response(req) + close(1000), at_ms(1));
    drain(c);
    CHECK(c.state() == ws::client_state::closed);
    REQUIRE_FALSE(c.start(basic, at_ms(2))); // a new connection on the same object
    req = drain(c)[0].bytes;
    c.receive(accept_response(req) + text("again"), at_ms(3));
    CHECK(events_of(drain(c)) == std::vector<record>{open_ev(), ev(action_kind::message, "again")});
}

TEST_CASE("client: the pull API delivers zero-copy views into the input") {
    open_client o;
    const std::string input = text("in place") + text("split", false) + cont(" up");
    std::string_view in = input;
    auto e = o.c.next_event(in, at_ms(2));
    REQUIRE(e.action.kind == action_kind::message);
    CHECK(e.bytes == "in place");
    CHECK(e.bytes.data() == input.data() + 2);
    e = o.c.next_event(in, at_ms(2));
    REQUIRE(e.action.kind == action_kind::message);
    CHECK(e.bytes == "split up"); // reassembled
    CHECK(o.c.next_event(in, at_ms(2)).action.kind == action_kind::none);
    CHECK(in.empty());
}

TEST_CASE("client: no allocation in steady state (receiving, replying, sending)") {
    open_client o;
    const std::string burst = text(std::string(1500, 'j')) + binary(std::string(300, 'b'), false) + ping("hb") +
                              cont(std::string(300, 'c')) + text(std::string(70000, 'k')) + pong("x");
    const std::string outgoing(2000, 'o');
    auto round = [&] {
        o.c.receive(burst, at_ms(2));
        // Split reads too: every byte boundary kind.
        for (std::size_t at = 0; at < burst.size(); at += 997) o.c.receive(std::string_view(burst).substr(at, 997), at_ms(2));
        (void)o.c.send(outgoing);
        (void)o.c.ping("p");
        std::size_t n = 0;
        while (const auto* e = o.c.poll()) n += e->bytes.size();
        return n;
    };
    round();
    round(); // the buffers have grown
    sluice_test::allocation_counter count;
    for (int i = 0; i < 20; ++i) round();
    CHECK(count.count() == 0);
}

TEST_CASE("client: an idle client is small; shrink() gives buffer memory back") {
    CHECK(sizeof(ws::client) <= 1024);
    open_client o;
    o.c.receive(text(std::string(100000, 'x'), false) + cont("y"), at_ms(2));
    (void)o.c.send(std::string(50000, 'z'));
    drain(o.c);
    CHECK(o.c.heap_bytes() > 100000);
    o.c.shrink();
    CHECK(o.c.heap_bytes() == 0);
    o.c.receive(text("still works"), at_ms(3));
    CHECK(drain(o.c) == std::vector<record>{ev(action_kind::message, "still works")});
    // A message half received survives shrink().
    const std::string split = text(std::string(1000, 's'));
    o.c.receive(std::string_view(split).substr(0, 500), at_ms(4));
    o.c.shrink();
    o.c.receive(std::string_view(split).substr(500), at_ms(5));
    CHECK(drain(o.c) == std::vector<record>{ev(action_kind::message, std::string(1000, 's'))});
}

} // TEST_SUITE
