#include <sluice/http/request.hpp>

#include <doctest/doctest.h>

#include <ostream> // doctest prints std::error_code with it
#include <string>

using namespace sluice;

TEST_SUITE("unit") {

TEST_CASE("request_writer: request line, headers, Content-Length, body") {
    std::string out = "prefix|";
    http::request_writer w(out, "POST", "/api/v10/channels/1/messages?x=1");
    w.header("Host", "discord.com").header("Authorization", " Bot abc ").header("Content-Type", "application/json");
    CHECK_FALSE(w.finish(R"({"content":"hi"})"));
    CHECK(out == "prefix|POST /api/v10/channels/1/messages?x=1 HTTP/1.1\r\n"
                 "Host: discord.com\r\nAuthorization: Bot abc\r\nContent-Type: application/json\r\n"
                 "Content-Length: 16\r\n\r\n{\"content\":\"hi\"}");
}

TEST_CASE("request_writer: GET has no Content-Length; POST with an empty body has 0") {
    std::string a, b;
    CHECK_FALSE(http::request_writer(a, "GET", "/").header("Host", "h").finish());
    CHECK(a == "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    CHECK_FALSE(http::request_writer(b, "POST", "/x").finish());
    CHECK(b == "POST /x HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
}

TEST_CASE("request_writer: a caller's own framing header replaces the automatic one") {
    std::string out;
    http::request_writer w(out, "POST", "/");
    w.header("content-length", "3");
    CHECK_FALSE(w.finish("abc"));
    CHECK(out == "POST / HTTP/1.1\r\ncontent-length: 3\r\n\r\nabc");
}

TEST_CASE("request_writer: header block lines are validated one by one") {
    std::string out;
    http::request_writer w(out, "GET", "/ws");
    w.header_block("Authorization: Bearer t\r\nsession: 42\r\n");
    CHECK_FALSE(w.finish());
    CHECK(out == "GET /ws HTTP/1.1\r\nAuthorization: Bearer t\r\nsession: 42\r\n\r\n");

    std::string bad = "keep";
    http::request_writer v(bad, "GET", "/");
    v.header_block("no-colon-here\r\n");
    CHECK(v.finish() == http::errc::invalid_header_name);
    CHECK(bad == "keep");
    std::string bad2;
    http::request_writer u(bad2, "GET", "/");
    u.header_block("A: b"); // no CRLF at the end
    CHECK(u.finish() == http::errc::invalid_header_value);
    CHECK(bad2.empty());
}

TEST_CASE("request_writer: invalid pieces are refused and the output restored") {
    struct bad_case {
        const char* name;
        std::string method, target, header_name, header_value;
        http::errc expected;
    };
    const bad_case cases[] = {
        {"method with space", "GE T", "/", "A", "b", http::errc::invalid_method},
        {"empty method", "", "/", "A", "b", http::errc::invalid_method},
        {"empty target", "GET", "", "A", "b", http::errc::invalid_target},
        {"target with space", "GET", "/a b", "A", "b", http::errc::invalid_target},
        {"target with CRLF", "GET", "/a\r\nX: y", "A", "b", http::errc::invalid_target},
        {"header name with colon", "GET", "/", "A:B", "b", http::errc::invalid_header_name},
        {"empty header name", "GET", "/", "", "b", http::errc::invalid_header_name},
        {"header injection", "GET", "/", "A", "b\r\nEvil: 1", http::errc::invalid_header_value},
        {"NUL in value", "GET", "/", "A", std::string("b\0c", 3), http::errc::invalid_header_value},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        std::string out = "unchanged";
        http::request_writer w(out, c.method, c.target);
        w.header(c.header_name, c.header_value).header("Later", "ok");
        const std::error_code ec = w.finish("body");
        CHECK(ec == c.expected);
        CHECK(ec == condition::misuse);
        CHECK(out == "unchanged");
    }
}

} // TEST_SUITE
