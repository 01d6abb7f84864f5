// Inputs the fuzzers found (fuzz/http), minimized, with what they showed.
#include <sluice/http/response_parser.hpp>

#include <doctest/doctest.h>

#include <ostream> // doctest prints std::error_code with it
#include <string>
#include <string_view>

using namespace sluice;

namespace {

// The body bytes and the final error of a parse of `text` fed `step` bytes at a time.
struct outcome {
    std::string body;
    std::error_code error;
};
outcome parse_in_steps(std::string_view text, std::size_t step, const http::parse_limits& limits) {
    http::response_parser p(limits);
    outcome o;
    for (std::size_t at = 0; at < text.size(); at += step) {
        std::string_view in = text.substr(at, step);
        for (;;) {
            const http::parse_step s = p.parse(in);
            if (s.event == http::parse_event::need_more) break;
            if (s.event == http::parse_event::body) o.body.append(s.body);
            if (s.event == http::parse_event::error) {
                o.error = p.error();
                return o;
            }
        }
    }
    return o;
}

} // namespace

// fuzz_http_response (minimized): a body read until close that passes
// max_body failed at once when it came in one piece (no body at all) but
// gave body pieces first when it came in small ones. Now it gives exactly
// max_body bytes and then body_too_large, however it is split.
TEST_CASE("http fuzz: an until-close body over max_body gives the same events however it is split") {
    http::parse_limits limits;
    limits.max_body = 16;
    const std::string text = "HTTP/1.1 401 Unauthorized\r\n\r\n" + std::string(40, 'x');
    const outcome whole = parse_in_steps(text, text.size(), limits);
    CHECK(whole.error == http::errc::body_too_large);
    CHECK(whole.body == std::string(16, 'x'));
    for (std::size_t step = 1; step < 12; ++step) {
        const outcome split = parse_in_steps(text, step, limits);
        CHECK(split.error == whole.error);
        CHECK(split.body == whole.body);
    }
    // Exactly max_body bytes until the close: accepted.
    const std::string exact = "HTTP/1.1 200 OK\r\n\r\n" + std::string(16, 'y');
    http::response_parser p(limits);
    std::string_view in = exact;
    std::string body;
    for (http::parse_step s = p.parse(in); s.event != http::parse_event::need_more; s = p.parse(in)) {
        REQUIRE(s.event != http::parse_event::error);
        if (s.event == http::parse_event::body) body.append(s.body);
    }
    CHECK(body.size() == 16);
    CHECK(p.finish().event == http::parse_event::done);
}
