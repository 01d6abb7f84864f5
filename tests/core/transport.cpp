#include <sluice/core/transport.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

TEST_CASE("open_request: URL alone") {
    auto r = sluice::open_request::parse("wss://gateway.discord.gg/?v=10&encoding=json");
    CHECK(r.url == "wss://gateway.discord.gg/?v=10&encoding=json");
    CHECK(r.header_block.empty());
}

TEST_CASE("open_request: URL with header lines") {
    auto r = sluice::open_request::parse("ws://127.0.0.1:8080/ws/resume/abc\r\nAuthorization: pw\r\nsession:  abc\r\n");
    CHECK(r.url == "ws://127.0.0.1:8080/ws/resume/abc");
    std::vector<std::string> seen;
    r.for_each_header([&](std::string_view n, std::string_view v) { seen.push_back(std::string(n) + "=" + std::string(v)); });
    CHECK(seen == std::vector<std::string>{"Authorization=pw", "session=abc"});
}
