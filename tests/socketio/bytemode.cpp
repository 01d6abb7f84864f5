// Byte mode: socketio::client inside ws::session, fed a server transcript
// whole and split at random points (thousands of splits): the same actions
// every time.
#include <sluice/socketio/client.hpp>
#include <sluice/ws/session.hpp>

#include "bytes.hpp"
#include "support/support.hpp"

#include <string>
#include <vector>

namespace sio = sluice::socketio;
namespace eio = sluice::engineio;
using sluice::instant;

namespace {

using session = sluice::ws::session<sio::client>;

instant at_ms(std::int64_t ms) { return instant::from_ns(ms * 1'000'000); }

sio::config test_config() {
    sio::config cfg;
    cfg.engine.url = eio::make_url("ws://127.0.0.1:3334");
    return cfg;
}

// Everything the session hands out, as text: Socket.IO actions, then after a
// "|" the socket work (the two interleave differently with the splits: the
// codec's pongs come out before the machine's actions of the same read).
std::string transmits;
std::string describe(session& s, std::string* upgrade = nullptr) {
    std::string out;
    std::string& io = transmits;
    while (const auto* e = s.poll()) {
        const auto& a = e->action;
        switch (a.io) {
        case sluice::ws::io_op::connect: io += "connect " + std::string(e->bytes) + ":" + std::to_string(a.port) + "\n"; break;
        case sluice::ws::io_op::transmit:
            if (upgrade && upgrade->empty()) *upgrade = std::string(e->bytes);
            io += "transmit " + std::to_string(e->bytes.size()) + "\n"; // masked: the size is what is stable
            break;
        case sluice::ws::io_op::disconnect: io += "disconnect\n"; break;
        case sluice::ws::io_op::none: {
            const sio::action& x = a.inner;
            out += "action " + std::to_string(static_cast<int>(x.kind)) + " nsp=" + std::string(x.nsp) + " name=" + std::string(x.name) +
                   " args=" + std::string(x.args) + " data=" + std::string(x.data) + " id=" + (x.id ? std::to_string(*x.id) : "-") +
                   " err=" + x.error.message();
            for (auto att : x.attachments) out += " att=" + std::string(att);
            out += "\n";
            break;
        }
        }
    }
    return out;
}

// The server's side of a session, in two parts: the 101, the handshake and
// two namespaces; then (after the client has asked for ack 0) events (one
// fragmented over three frames with a ping in between), the ack, a binary
// event with two attachments, a ping, a DISCONNECT.
std::string transcript_head(std::string_view upgrade) {
    using namespace sio_bytes;
    std::string s = switching_protocols(upgrade);
    s += text(R"(0{"sid":"E","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})");
    s += text(R"(40{"sid":"A"})");
    s += text(R"(40/admin,{"sid":"B"})");
    return s;
}
std::string transcript_body() {
    using namespace sio_bytes;
    std::string s;
    s += text(R"(42["hello",{"n":1},"two"])");
    s += frame(0x1, R"(42/admin,7["frag)", false) + frame(0x9, "ping!") + frame(0x0, "mented\",", false) + frame(0x0, R"({"x":[1,2,3]}])");
    s += text("2");
    s += text(R"(430[{"doubled":42}])");
    s += text(R"(452-["bin",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])");
    s += binary(std::string("\x00\x01\x02", 3));
    s += binary(std::string(300, 'z'));
    s += text(R"(42["unicode","h\u00e9llo \u2603"])");
    s += text("41/admin,");
    return s;
}

std::string run(const std::string& head, const std::string& body, sluice_test::test_rng* split) {
    transmits.clear();
    sluice::xoshiro256 rng(99);
    session s(rng, sluice::ws::client_options{}, test_config(), rng);
    std::string log;
    REQUIRE_FALSE(s.inner().join("/", instant::zero()));
    REQUIRE_FALSE(s.inner().join("/admin", instant::zero()));
    REQUIRE_FALSE(s.inner().start(at_ms(0)));
    log += describe(s);
    s.transport_open(at_ms(1));
    log += describe(s);
    auto feed = [&](const std::string& bytes) {
        std::vector<std::string_view> pieces;
        if (split) pieces = sluice_test::random_split(bytes, *split, 1 + split->below(30));
        else pieces.push_back(bytes);
        for (auto p : pieces) {
            s.receive(p, at_ms(2));
            log += describe(s);
        }
    };
    feed(head);
    REQUIRE(s.inner().state_of("/") == sio::namespace_state::connected);
    std::uint64_t id = 0;
    REQUIRE_FALSE(s.inner().emit_with_ack("/", "ask", "[21]", at_ms(2), std::chrono::seconds(5), id));
    log += describe(s);
    feed(body);
    log += "|" + transmits;
    return log;
}

} // namespace

TEST_CASE("socketio byte mode: the same actions for any split of the server's bytes") {
    std::string upgrade;
    {
        sluice::xoshiro256 rng(99);
        session s(rng, sluice::ws::client_options{}, test_config(), rng);
        REQUIRE_FALSE(s.inner().join("/", instant::zero()));
        REQUIRE_FALSE(s.inner().start(at_ms(0)));
        describe(s);
        s.transport_open(at_ms(1));
        describe(s, &upgrade);
    }
    REQUIRE(upgrade.starts_with("GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"));
    const std::string head = transcript_head(upgrade), body = transcript_body();
    const std::string whole = run(head, body, nullptr);
    CHECK(whole.find("name=hello args=[{\"n\":1},\"two\"]") != std::string::npos);
    CHECK(whole.find("name=fragmented args=[{\"x\":[1,2,3]}] data= id=7") != std::string::npos);
    CHECK(whole.find("att=" + std::string("\x00\x01\x02", 3)) != std::string::npos);
    CHECK(whole.find("name=unicode args=[\"h\\u00e9llo \\u2603\"]") != std::string::npos);
    CHECK(whole.find("args=[{\"doubled\":42}]") != std::string::npos); // the ack for id 0
    CHECK(whole.find("nsp=/admin name= args= data= id=- err=socket.io: the server disconnected the namespace") != std::string::npos);
    sluice_test::test_rng rng{2024};
    for (int i = 0; i < 2000; ++i) {
        CAPTURE(i);
        const std::string split = run(head, body, &rng);
        REQUIRE(split == whole);
    }
}
