#include <sluice/http/response_parser.hpp>

#include <doctest/doctest.h>

#include "support/support.hpp"

#include <ostream> // doctest prints std::error_code with it
#include <string>
#include <vector>

using namespace sluice;

namespace {

/// Everything a parse produced, in a comparable form.
struct transcript {
    std::vector<std::string> events; // "head 200 OK", "done", "error <message>"
    std::vector<std::string> headers; // "name=value" of the last head
    std::string body;                // all body pieces of all responses, joined with '|' between responses
    std::string leftover;            // input not consumed after the last done (when stop_after_done)
    bool operator==(const transcript&) const = default;
};

transcript run(http::response_parser& p, const std::vector<std::string_view>& pieces, bool eof, bool stop_after_done = false) {
    transcript t;
    bool stopped = false;
    for (std::string_view in : pieces) {
        if (stopped) {
            t.leftover.append(in);
            continue;
        }
        for (;;) {
            const http::parse_step s = p.parse(in);
            if (s.event == http::parse_event::need_more) break;
            if (s.event == http::parse_event::head) {
                t.events.push_back("head " + std::to_string(p.status()) + " " + std::string(p.reason()));
                t.headers.clear();
                for (std::size_t i = 0; i < p.header_count(); ++i)
                    t.headers.push_back(std::string(p.header_at(i).name) + "=" + std::string(p.header_at(i).value));
            } else if (s.event == http::parse_event::body) {
                t.body.append(s.body);
            } else if (s.event == http::parse_event::done) {
                t.events.push_back("done");
                t.body += '|';
                if (stop_after_done) {
                    t.leftover.append(in);
                    stopped = true;
                    break;
                }
            } else {
                t.events.push_back("error " + p.error().message());
                break;
            }
        }
        if (!t.events.empty() && t.events.back().starts_with("error")) break;
    }
    if (eof && !stopped) {
        const http::parse_step s = p.finish();
        if (s.event == http::parse_event::done) {
            t.events.push_back("done");
            t.body += '|';
        } else if (s.event == http::parse_event::error && (t.events.empty() || !t.events.back().starts_with("error"))) {
            t.events.push_back("error " + p.error().message());
        }
    }
    return t;
}

transcript run_whole(std::string_view input, bool eof, bool stop_after_done = false, http::parse_limits limits = {}) {
    http::response_parser p(limits);
    return run(p, {input}, eof, stop_after_done);
}

const std::string chunked_response =
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\nX-A: 1\r\n\r\n"
    "5;name=value\r\nhello\r\n"
    "1A \r\n, and this is chunked data\r\n"
    "0\r\nTrailer-One: x\r\nTrailer-Two: y\r\n\r\n";

} // namespace

TEST_SUITE("unit") {

TEST_CASE("response: Content-Length body, headers, case-insensitive lookup") {
    http::response_parser p;
    std::string_view in = "HTTP/1.1 200 OK\r\nContent-Type:text/plain \r\ncontent-length: 5\r\nX-Dup: a\r\nx-dup: b\r\n\r\nhelloEXTRA";
    auto s = p.parse(in);
    REQUIRE(s.event == http::parse_event::head);
    CHECK(p.status() == 200);
    CHECK(p.reason() == "OK");
    CHECK(p.version_minor() == 1);
    CHECK(p.header("CONTENT-TYPE") == "text/plain");
    CHECK(p.header("Content-Length") == "5");
    CHECK(p.header("x-DUP") == "a");
    CHECK(p.count("X-Dup") == 2);
    CHECK(p.header("missing").empty());
    CHECK(p.framing() == http::body_framing::content_length);
    CHECK(p.content_length() == 5);
    s = p.parse(in);
    REQUIRE(s.event == http::parse_event::body);
    CHECK(s.body == "hello");
    CHECK(p.parse(in).event == http::parse_event::done);
    CHECK(in == "EXTRA"); // the bytes after the response are left to the caller
}

TEST_CASE("response: chunked with extensions, whitespace and trailers") {
    const transcript t = run_whole(chunked_response, false);
    CHECK(t.events == std::vector<std::string>{"head 200 OK", "done"});
    CHECK(t.body == "hello, and this is chunked data|");
}

TEST_CASE("response: body until close ends at finish()") {
    const transcript t = run_whole("HTTP/1.0 200 OK\r\nServer: x\r\n\r\nall of this", true);
    CHECK(t.events == std::vector<std::string>{"head 200 OK", "done"});
    CHECK(t.body == "all of this|");
    // A Transfer-Encoding that does not end in chunked also runs until close (RFC 9112 §6.3).
    CHECK(run_whole("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nzz", true).body == "zz|");
}

TEST_CASE("response: no body for 1xx, 204, 304 and HEAD, whatever the headers say") {
    for (const char* head : {"HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n", "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n",
                             "HTTP/1.1 100 Continue\r\n\r\n"}) {
        CAPTURE(head);
        const transcript t = run_whole(head, false, true);
        CHECK(t.events.size() == 2);
        CHECK(t.body == "|");
    }
    http::response_parser p;
    p.expect_no_body();
    std::string_view in = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n";
    CHECK(p.parse(in).event == http::parse_event::head);
    CHECK(p.framing() == http::body_framing::none);
    CHECK(p.parse(in).event == http::parse_event::done);
}

TEST_CASE("response: 101 leaves the following bytes in the input") {
    http::response_parser p;
    std::string_view in = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x02hi";
    CHECK(p.parse(in).event == http::parse_event::head);
    CHECK(p.status() == 101);
    CHECK(p.parse(in).event == http::parse_event::done);
    CHECK(in == "\x81\x02hi");
}

TEST_CASE("response: keep-alive, two responses back to back, an interim 100 first") {
    const std::string two = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc" + chunked_response;
    const transcript t = run_whole(two, false);
    CHECK(t.events == std::vector<std::string>{"head 100 Continue", "done", "head 200 OK", "done", "head 200 OK", "done"});
    CHECK(t.body == "|abc|hello, and this is chunked data|");
}

TEST_CASE("response: empty reason phrase and a reason with spaces") {
    CHECK(run_whole("HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n", false).events.front() == "head 404 ");
    CHECK(run_whole("HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n", false).events.front() == "head 404 ");
    CHECK(run_whole("HTTP/1.1 401 Unauthorized Here\r\nContent-Length: 0\r\n\r\n", false).events.front() == "head 401 Unauthorized Here");
}

TEST_CASE("response: malformed input gives one precise error, and stays failed") {
    struct bad_case {
        const char* name;
        std::string input;
        http::errc expected;
        bool eof = false;
    };
    const bad_case cases[] = {
        {"not HTTP", "HTTX/1.1 200 OK\r\n\r\n", http::errc::bad_status_line},
        {"short status line", "HTTP/1.1 20\r\n\r\n", http::errc::bad_status_line},
        {"HTTP/2.0", "HTTP/2.0 200 OK\r\n\r\n", http::errc::bad_version},
        {"HTTP/1.2", "HTTP/1.2 200 OK\r\n\r\n", http::errc::bad_version},
        {"letters in status", "HTTP/1.1 2x0 OK\r\n\r\n", http::errc::bad_status_code},
        {"status 099", "HTTP/1.1 099 OK\r\n\r\n", http::errc::bad_status_code},
        {"status 600", "HTTP/1.1 600 OK\r\n\r\n", http::errc::bad_status_code},
        {"four digit status", "HTTP/1.1 2000 OK\r\n\r\n", http::errc::bad_status_code},
        {"control char in reason", "HTTP/1.1 200 O\x01K\r\n\r\n", http::errc::bad_status_line},
        {"bare LF", "HTTP/1.1 200 OK\nA: b\r\n\r\n", http::errc::bad_line_ending},
        {"bare CR", "HTTP/1.1 200 OK\r\nA: b\rc\r\n\r\n", http::errc::bad_line_ending},
        {"obs-fold", "HTTP/1.1 200 OK\r\nA: b\r\n c\r\n\r\n", http::errc::obsolete_line_folding},
        {"no colon", "HTTP/1.1 200 OK\r\nAb\r\n\r\n", http::errc::bad_header},
        {"space before colon", "HTTP/1.1 200 OK\r\nA : b\r\n\r\n", http::errc::bad_header},
        {"empty name", "HTTP/1.1 200 OK\r\n: b\r\n\r\n", http::errc::bad_header},
        {"control char in value", "HTTP/1.1 200 OK\r\nA: b\x7f\r\n\r\n", http::errc::bad_header},
        {"Content-Length letters", "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n", http::errc::bad_content_length},
        {"Content-Length negative", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", http::errc::bad_content_length},
        {"Content-Length empty", "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", http::errc::bad_content_length},
        {"Content-Length huge", "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", http::errc::bad_content_length},
        {"Content-Length disagree", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", http::errc::bad_content_length},
        {"Content-Length list disagree", "HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\n", http::errc::bad_content_length},
        {"CL and TE", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", http::errc::conflicting_framing},
        {"chunk size not hex", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", http::errc::bad_chunk_size},
        {"chunk size empty", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n;x\r\n", http::errc::bad_chunk_size},
        {"chunk size overflow", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n", http::errc::bad_chunk_size},
        {"chunk size junk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5 x\r\n", http::errc::bad_chunk_size},
        {"chunk without CRLF", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n", http::errc::bad_chunk_end},
        {"bad trailer", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nnope\r\n\r\n", http::errc::bad_header},
        {"eof in head", "HTTP/1.1 200 OK\r\nA: b\r\n", http::errc::unexpected_eof, true},
        {"eof in status line", "HTT", http::errc::unexpected_eof, true},
        {"eof in body", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabc", http::errc::unexpected_eof, true},
        {"eof in chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", http::errc::unexpected_eof, true},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        http::response_parser p;
        std::string_view in = c.input;
        bool failed = false;
        for (int i = 0; i < 100 && !failed; ++i) {
            const auto s = p.parse(in);
            if (s.event == http::parse_event::error) failed = true;
            if (s.event == http::parse_event::need_more) break;
        }
        if (c.eof && !failed) failed = p.finish().event == http::parse_event::error;
        CHECK(failed);
        CHECK(p.error() == c.expected);
        std::string_view more = "HTTP/1.1 200 OK\r\n\r\n";
        CHECK(p.parse(more).event == http::parse_event::error); // stays failed
        p.reset();
        CHECK_FALSE(p.error());
    }
}

TEST_CASE("response: limits on head size, header count, body size and line length") {
    http::parse_limits small{64, 3, 10, 16};
    CHECK(run_whole("HTTP/1.1 200 OK\r\nA: " + std::string(80, 'x') + "\r\n\r\n", false, false, small).events.back() ==
          "error HTTP head exceeds the size limit");
    CHECK(run_whole("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", true, false, small).events.size() == 2);
    CHECK(run_whole("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", false, false, small).events.back() ==
          "error too many HTTP headers");
    CHECK(run_whole("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n", false, false, small).events.back() ==
          "error HTTP body exceeds the size limit");
    CHECK(run_whole("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n6\r\n", false, false, small).events.back() ==
          "error HTTP body exceeds the size limit");
    CHECK(run_whole("HTTP/1.1 200 OK\r\n\r\n01234567890", false, false, small).events.back() == "error HTTP body exceeds the size limit");
    CHECK(run_whole("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;" + std::string(20, 'e') + "\r\n", false, false, small)
              .events.back() == "error chunk or trailer line exceeds the size limit");
    // The error codes map to the coarse condition.
    http::response_parser p(small);
    std::string_view in = "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n";
    while (p.parse(in).event != http::parse_event::error) {}
    CHECK(p.error() == condition::limit_exceeded);
}

TEST_CASE("response: any split of the input gives the same result (property, thousands of seeds)") {
    const std::vector<std::pair<std::string, bool>> inputs = {
        {"HTTP/1.1 200 OK\r\nContent-Length: 13\r\nX: y\r\n\r\nhello, world!", false},
        {chunked_response, false},
        {"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc" + chunked_response, false},
        {"HTTP/1.0 200 OK\r\n\r\nuntil the very end", true},
        {"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer\r\nContent-Length: 6\r\n\r\ndenied", false},
        {"HTTP/1.1 200 OK\r\nA: b\r\n c\r\n\r\n", false},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX", false},
    };
    sluice_test::test_rng rng{42};
    for (const auto& [input, eof] : inputs) {
        CAPTURE(input);
        const transcript whole = run_whole(input, eof);
        // Byte by byte.
        std::vector<std::string_view> bytes;
        for (std::size_t i = 0; i < input.size(); ++i) bytes.push_back(std::string_view(input).substr(i, 1));
        http::response_parser p1;
        CHECK(run(p1, bytes, eof) == whole);
        for (int seed = 0; seed < 1500; ++seed) {
            http::response_parser p;
            const auto pieces = sluice_test::random_split(input, rng, 1 + rng.below(12));
            const transcript t = run(p, pieces, eof);
            if (!(t == whole)) {
                FAIL_CHECK("split " << seed << " differs");
                break;
            }
        }
    }
}

TEST_CASE("response: no allocation once the buffers have grown") {
    const std::string input = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nX: y\r\n\r\nabc" + chunked_response;
    http::response_parser p;
    run_whole(input, false); // warm-up of the test's own code paths
    {
        std::string_view in = input;
        while (p.parse(in).event != http::parse_event::need_more) {}
    }
    sluice_test::allocation_counter count;
    for (int i = 0; i < 10; ++i) {
        std::string_view in = input;
        while (p.parse(in).event != http::parse_event::need_more) {}
    }
    CHECK(count.count() == 0);
}

} // TEST_SUITE
