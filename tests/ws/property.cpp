// Property: any split of a server transcript gives the same actions.
#include <sluice/ws/client.hpp>

#include <doctest/doctest.h>

#include "support/support.hpp"
#include "ws_test.hpp"

#include <string>
#include <vector>

using namespace sluice;
using namespace ws_test;

namespace {

struct transcript_case {
    const char* name;
    std::string (*server)(const std::string& request); // the bytes the server sends
    bool eof;                                          // the transport ends after them
    const char* subprotocols = "";
};

std::vector<record> run(const transcript_case& t, const std::vector<std::string_view>& pieces, std::string* request_out = nullptr) {
    xoshiro256 rng(99);
    ws::client c(rng, {.max_message_size = 1 << 20});
    (void)c.start({.host = "h", .subprotocols = t.subprotocols}, at_ms(0));
    std::vector<record> out = drain(c);
    if (request_out) *request_out = out.at(0).bytes;
    std::int64_t ms = 1;
    for (std::string_view p : pieces) {
        c.receive(p, at_ms(ms++));
        for (auto& r : drain(c)) out.push_back(std::move(r));
    }
    if (t.eof) c.transport_closed(at_ms(ms));
    for (auto& r : drain(c)) out.push_back(std::move(r));
    return out;
}

const transcript_case cases[] = {
    {"messages of every length form, fragments, pings, clean close",
     [](const std::string& r) {
         return accept_response(r) + text("hello") + binary(std::string(300, 'b')) + text("frag", false) + ping("mid") +
                cont("ment", false) + pong("") + cont("ed") + binary(std::string(70000, 'L')) + text("κόσμε") + close(1000, "bye");
     },
     false},
    {"UTF-8 split across fragments, then an invalid sequence",
     [](const std::string& r) {
         return accept_response(r) + text("\xF0\x9F", false) + cont("\x98\x80", true) + text("ok \xE2\x82", false) + cont("\x28");
     },
     false},
    {"refused upgrade", [](const std::string&) { return std::string("HTTP/1.1 401 Unauthorized\r\nContent-Length: 3\r\n\r\nno!"); }, true},
    {"empty close and trailing bytes",
     [](const std::string& r) { return accept_response(r) + ping("12345") + frame(8, "") + text("dropped"); }, false},
    {"subprotocol, a message, then the transport drops",
     [](const std::string& r) { return accept_response(r, "Sec-WebSocket-Protocol: b\r\n") + text(std::string(200, 'x')) + text("cut", false); },
     true, "a, b"},
    {"protocol error in a header split anywhere", [](const std::string& r) { return accept_response(r) + text("a") + frame(2, "abc", true, 0, false, 8); }, false},
};

} // namespace

TEST_SUITE("unit") {

TEST_CASE("property: every transcript split at random points gives identical actions (thousands of seeds)") {
    sluice_test::test_rng rng{2024};
    for (const auto& t : cases) {
        CAPTURE(t.name);
        std::string request;
        run(t, {}, &request);
        const std::string server = t.server(request);
        const auto whole = run(t, {server});
        REQUIRE(whole.size() >= 2);
        std::vector<std::string_view> bytes;
        for (std::size_t i = 0; i < server.size() && i < 4000; ++i) bytes.push_back(std::string_view(server).substr(i, 1));
        if (server.size() < 4000) CHECK(run(t, bytes) == whole);
        int differing = 0;
        for (int seed = 0; seed < 2000; ++seed) {
            const auto pieces = sluice_test::random_split(server, rng, 1 + rng.below(20));
            if (run(t, pieces) != whole && ++differing == 1) FAIL_CHECK("seed " << seed << " gives different actions");
        }
        CHECK(differing == 0);
    }
}

} // TEST_SUITE
