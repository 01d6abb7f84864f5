// Tests of sluice/singyeong/dsn.hpp: every example of the server's
// PROTOCOL.md, the extensions (dotted hosts, IPv6) and each rejection.
#include <sluice/singyeong/dsn.hpp>

#include <doctest/doctest.h>

#include "support/support.hpp"

#include <string>
#include <string_view>

using namespace sluice::singyeong;

namespace {
dsn parse_ok(std::string_view text) {
    dsn d;
    const std::error_code ec = parse_dsn(text, d);
    CHECK_MESSAGE(!ec, text, ": ", ec.message());
    return d;
}
std::error_code parse_err(std::string_view text) {
    dsn d;
    return parse_dsn(text, d);
}
} // namespace

TEST_SUITE("unit") {

TEST_CASE("dsn: the protocol document's examples") {
    dsn d = parse_ok("singyeong://test@localhost");
    CHECK(d.application == "test");
    CHECK_FALSE(d.has_password);
    CHECK(d.password.empty());
    CHECK(d.host == "localhost");
    CHECK(d.port == 80);
    CHECK_FALSE(d.tls);
    CHECK(d.url() == "ws://localhost:80/gateway/websocket?encoding=json");

    d = parse_ok("ssingyeong://test:pass-word@localhost");
    CHECK(d.tls);
    CHECK(d.has_password);
    CHECK(d.password == "pass-word");
    CHECK(d.port == 80); // the protocol says 80 even for TLS
    CHECK(d.url() == "wss://localhost:80/gateway/websocket?encoding=json");

    d = parse_ok("singyeong://test@localhost:4567");
    CHECK(d.port == 4567);

    d = parse_ok("ssingyeong://test:pass~-word@localhost:4921/");
    CHECK(d.password == "pass~-word");
    CHECK(d.port == 4921);

    d = parse_ok("singyeong://test:pass@localhost:21312?encoding=json");
    CHECK(d.port == 21312);
    CHECK(d.url() == "ws://localhost:21312/gateway/websocket?encoding=json");
    parse_ok("singyeong://test:pass@localhost:21312/?encoding=json");
}

TEST_CASE("dsn: hosts with dots, IPv6, passwords with ':' '@' '/'") {
    dsn d = parse_ok("singyeong://app:p:a@ss/w?rd@gw.example.com:443");
    CHECK(d.application == "app");
    CHECK(d.password == "p:a@ss/w?rd");
    CHECK(d.host == "gw.example.com");
    CHECK(d.port == 443);

    d = parse_ok("singyeong://app@127.0.0.1:1");
    CHECK(d.host == "127.0.0.1");
    CHECK(d.port == 1);

    d = parse_ok("ssingyeong://app:pw@[::1]:8443");
    CHECK(d.host == "::1");
    CHECK(d.url() == "wss://[::1]:8443/gateway/websocket?encoding=json");

    d = parse_ok("singyeong://app:@host");
    CHECK(d.has_password);
    CHECK(d.password.empty());
}

TEST_CASE("dsn: rejections") {
    CHECK(parse_err("") == errc::dsn_bad_scheme);
    CHECK(parse_err("ws://a@b") == errc::dsn_bad_scheme);
    CHECK(parse_err("ssssssssingyeong://invalid:invalid@invalid:4567/?encoding=msgpack") == errc::dsn_bad_scheme);
    CHECK(parse_err("singyeong://localhost") == errc::dsn_missing_app);
    CHECK(parse_err("singyeong://@localhost") == errc::dsn_missing_app);
    CHECK(parse_err("singyeong://:pw@localhost") == errc::dsn_missing_app);
    CHECK(parse_err("singyeong://app@") == errc::dsn_missing_host);
    CHECK(parse_err("singyeong://app@:80") == errc::dsn_missing_host);
    CHECK(parse_err("singyeong://app@[]:80") == errc::dsn_missing_host);
    CHECK(parse_err("singyeong://app@host:") == errc::dsn_bad_port);
    CHECK(parse_err("singyeong://app@host:0") == errc::dsn_bad_port);
    CHECK(parse_err("singyeong://app@host:65536") == errc::dsn_bad_port);
    CHECK(parse_err("singyeong://app@host:123456") == errc::dsn_bad_port);
    CHECK(parse_err("singyeong://app@host:12ab") == errc::dsn_trailing_garbage);
    CHECK(parse_err("singyeong://app@host/path") == errc::dsn_trailing_garbage);
    CHECK(parse_err("singyeong://app@host?foo=bar") == errc::dsn_trailing_garbage);
    CHECK(parse_err("singyeong://app@host?encoding=xml") == errc::dsn_bad_encoding);
    CHECK(parse_err("singyeong://app@host?encoding=etf") == errc::dsn_unsupported_encoding);
    CHECK(parse_err("singyeong://app@host/?encoding=msgpack") == errc::dsn_unsupported_encoding);
    CHECK(parse_err("singyeong://app@host?encoding=json&x") == errc::dsn_bad_encoding);
}

TEST_CASE("dsn: error codes have messages and coarse conditions") {
    const std::error_code ec = errc::dsn_bad_port;
    CHECK(std::string(ec.category().name()) == "sluice.singyeong");
    CHECK(ec.message() == "DSN port is not a number in 1..65535");
    CHECK(ec == sluice::condition::misuse);
    CHECK(std::error_code(errc::request_timeout) == sluice::condition::timeout);
}

TEST_CASE("dsn: parsing allocates nothing") {
    sluice_test::allocation_counter count;
    dsn d;
    CHECK_FALSE(parse_dsn("ssingyeong://app:secret@gw.example.com:4567/?encoding=json", d));
    CHECK(count.count() == 0);
}

} // TEST_SUITE
