// Engine.IO v4 packet codec and open-packet parsing.
#include <sluice/engineio/handshake.hpp>
#include <sluice/engineio/packet.hpp>
#include <sluice/engineio/session.hpp>

#include "support/support.hpp"

#include <string>

namespace eio = sluice::engineio;
using sluice::message_type;

TEST_CASE("engineio decode: every text packet type") {
    const struct {
        const char* wire;
        eio::packet_type type;
        const char* data;
    } cases[] = {
        {"0{\"sid\":\"x\"}", eio::packet_type::open, "{\"sid\":\"x\"}"},
        {"1", eio::packet_type::close, ""},
        {"2", eio::packet_type::ping, ""},
        {"2probe", eio::packet_type::ping, "probe"},
        {"3", eio::packet_type::pong, ""},
        {"3probe", eio::packet_type::pong, "probe"},
        {"4", eio::packet_type::message, ""},
        {"4hello", eio::packet_type::message, "hello"},
        {"42[\"ev\",1]", eio::packet_type::message, "2[\"ev\",1]"},
        {"5", eio::packet_type::upgrade, ""},
        {"6", eio::packet_type::noop, ""},
    };
    for (const auto& c : cases) {
        CAPTURE(c.wire);
        eio::packet p;
        REQUIRE_FALSE(eio::decode(c.wire, message_type::text, p));
        CHECK(p.type == c.type);
        CHECK(p.encoding == message_type::text);
        CHECK(p.data == c.data);
    }
}

TEST_CASE("engineio decode: binary messages are message packets without prefix") {
    const std::string bytes("\x04\x00\xff\x01", 4);
    eio::packet p;
    REQUIRE_FALSE(eio::decode(bytes, message_type::binary, p));
    CHECK(p.type == eio::packet_type::message);
    CHECK(p.encoding == message_type::binary);
    CHECK(p.data == bytes); // v4: the 0x04 byte is data, not a type
    REQUIRE_FALSE(eio::decode("", message_type::binary, p));
    CHECK(p.data.empty());
}

TEST_CASE("engineio decode: malformed text packets") {
    eio::packet p{eio::packet_type::noop, message_type::text, "unchanged"};
    CHECK(eio::decode("", message_type::text, p) == eio::errc::empty_packet);
    CHECK(eio::decode("7", message_type::text, p) == eio::errc::unknown_packet_type);
    CHECK(eio::decode("bAQID", message_type::text, p) == eio::errc::unknown_packet_type); // polling-only base64
    CHECK(eio::decode("x4", message_type::text, p) == eio::errc::unknown_packet_type);
    CHECK(eio::decode("/", message_type::text, p) == eio::errc::unknown_packet_type);
    CHECK(eio::decode(":", message_type::text, p) == eio::errc::unknown_packet_type);
    CHECK(p.data == "unchanged");
    CHECK(eio::make_error_code(eio::errc::empty_packet) == sluice::condition::protocol_violation);
}

TEST_CASE("engineio encode") {
    std::string out;
    eio::encode(eio::packet_type::pong, "", out);
    eio::encode(eio::packet_type::message, "hi", out);
    eio::encode(eio::packet_type::pong, "probe", out);
    CHECK(out == "34hi3probe");
    CHECK(eio::to_char(eio::packet_type::noop) == '6');
}

TEST_CASE("engineio handshake: socket.io npm server form") {
    eio::handshake h;
    REQUIRE_FALSE(eio::parse_handshake(
        R"({"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})", h));
    CHECK(h.sid == "lv_VI97HAXpY6yYWAAAC");
    CHECK(h.ping_interval == std::chrono::milliseconds(25000));
    CHECK(h.ping_timeout == std::chrono::milliseconds(20000));
    CHECK(h.max_payload == 1000000);
}

TEST_CASE("engineio handshake: python-engineio form (no maxPayload, spaces)") {
    eio::handshake h;
    REQUIRE_FALSE(eio::parse_handshake(R"({"sid": "abc", "upgrades": [], "pingTimeout": 5000, "pingInterval": 300})", h));
    CHECK(h.sid == "abc");
    CHECK(h.ping_interval == std::chrono::milliseconds(300));
    CHECK(h.ping_timeout == std::chrono::milliseconds(5000));
    CHECK(h.max_payload == 0);
}

TEST_CASE("engineio handshake: malformed") {
    const char* bad[] = {
        "",
        "{}",
        "[]",
        R"({"sid":"a","pingInterval":1000})",                      // no pingTimeout
        R"({"pingInterval":1000,"pingTimeout":1000})",             // no sid
        R"({"sid":"","pingInterval":1000,"pingTimeout":1000})",    // empty sid
        R"({"sid":5,"pingInterval":1000,"pingTimeout":1000})",     // sid not a string
        R"({"sid":"a","pingInterval":"1000","pingTimeout":1000})", // interval not a number
        R"({"sid":"a","pingInterval":0,"pingTimeout":1000})",      // zero interval
        R"({"sid":"a","pingInterval":-5,"pingTimeout":1000})",     // negative
        R"({"sid":"a","pingInterval":1000,"pingTimeout":86400001})", // over a day
        R"({"sid":"a","pingInterval":1000,"pingTimeout":99999999999999999999999})",
        R"({"sid":"a","pingInterval":1000,"pingTimeout":1000)",    // truncated
    };
    for (const char* b : bad) {
        CAPTURE(b);
        eio::handshake h;
        CHECK(eio::parse_handshake(b, h) == eio::errc::bad_handshake);
    }
}

TEST_CASE("engineio make_url") {
    CHECK(eio::make_url("ws://127.0.0.1:3334") == "ws://127.0.0.1:3334/socket.io/?EIO=4&transport=websocket");
    CHECK(eio::make_url("wss://h/", "/socket.io/") == "wss://h/socket.io/?EIO=4&transport=websocket");
    CHECK(eio::make_url("ws://h:1", "/custom/", "token=x") == "ws://h:1/custom/?EIO=4&transport=websocket&token=x");
}
