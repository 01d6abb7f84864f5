// Byte mode: ws::session<discord::client> is one object with one
// receive(bytes, now). The server's byte stream (the 101, then the
// transcript's frames) split at random points gives the same events.
#include <sluice/ws.hpp>

#include "harness.hpp"

using namespace test_dc;

namespace {

using byte_client = ws::session<dc::client>;

// An unmasked server text frame.
std::string server_frame(std::string_view payload, std::uint8_t opcode = 0x1) {
    std::string f;
    f.push_back(static_cast<char>(0x80 | opcode));
    if (payload.size() < 126) {
        f.push_back(static_cast<char>(payload.size()));
    } else if (payload.size() < 65536) {
        f.push_back(static_cast<char>(126));
        f.push_back(static_cast<char>(payload.size() >> 8));
        f.push_back(static_cast<char>(payload.size() & 0xff));
    } else {
        f.push_back(static_cast<char>(127));
        for (int i = 7; i >= 0; --i) f.push_back(static_cast<char>((payload.size() >> (8 * i)) & 0xff));
    }
    f.append(payload);
    return f;
}

// The payload of a masked client frame (single frame, any length form).
std::string client_payload(std::string_view f) {
    std::size_t len = static_cast<unsigned char>(f[1]) & 0x7f, at = 2;
    if (len == 126) {
        len = (static_cast<std::size_t>(static_cast<unsigned char>(f[2])) << 8) | static_cast<unsigned char>(f[3]);
        at = 4;
    } else if (len == 127) {
        len = 0;
        for (int i = 0; i < 8; ++i) len = (len << 8) | static_cast<unsigned char>(f[2 + static_cast<std::size_t>(i)]);
        at = 10;
    }
    const std::string_view mask = f.substr(at, 4);
    std::string p(f.substr(at + 4, len));
    for (std::size_t i = 0; i < p.size(); ++i) p[i] = static_cast<char>(p[i] ^ mask[i % 4]);
    return p;
}

dc::config byte_config() {
    dc::config c = base_config();
    c.engine.wait_for_identify_permit = false;
    return c;
}

// One recorded event of the inner machine (what the user sees).
struct seen {
    gw::action_kind kind;
    std::uint64_t seq;
    std::string name;
    std::string data;
    bool operator==(const seen&) const = default;
};

struct byte_run {
    xoshiro256 ws_rng{11};
    xoshiro256 rng{12};
    byte_client s;
    std::vector<seen> events;
    std::vector<std::string> sent; // client message payloads
    std::string upgrade;           // the upgrade request text
    std::string host;
    std::uint16_t port = 0;
    bool tls = false;

    byte_run() : s(entropy(ws_rng), ws::client_options{}, byte_config(), entropy(rng)) {}

    void pump() {
        while (auto* e = s.poll()) {
            switch (e->action.io) {
            case ws::io_op::connect:
                host = e->bytes;
                port = e->action.port;
                tls = e->action.tls;
                break;
            case ws::io_op::transmit:
                if (upgrade.empty()) upgrade = e->bytes;
                else sent.push_back(client_payload(e->bytes));
                break;
            case ws::io_op::disconnect: break;
            case ws::io_op::none: {
                const gw::action& a = e->action.inner;
                if (a.kind == gw::action_kind::ready || a.kind == gw::action_kind::resumed || a.kind == gw::action_kind::dispatch ||
                    a.kind == gw::action_kind::notice)
                    events.push_back({a.kind, a.seq, std::string(gw::detail::slice(e->bytes, a.name_offset, a.name_size)),
                                      std::string(gw::detail::slice(e->bytes, a.data_offset, a.data_size))});
                break;
            }
            }
        }
    }

    // Starts, "opens the socket", returns the server's 101 for the upgrade.
    std::string connect() {
        REQUIRE_FALSE(s.inner().start(at_ms(0)));
        pump();
        CHECK(host == "gateway.discord.gg");
        CHECK(port == 443);
        CHECK(tls);
        s.transport_open(at_ms(0));
        pump();
        REQUIRE(upgrade.rfind("GET /?v=10&encoding=json HTTP/1.1\r\n", 0) == 0);
        const auto k = upgrade.find("Sec-WebSocket-Key: ");
        REQUIRE(k != std::string::npos);
        const std::string key = upgrade.substr(k + 19, 24);
        const auto accept = ws::accept_for(key);
        return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
               std::string(accept.data(), accept.size()) + "\r\n\r\n";
    }
};

std::string transcript_frames() {
    std::string out;
    for (const char* v : {"hello.json", "ready.json", "midjourney_started.json", "message_update.json", "heartbeat_ack.json",
                          "midjourney_deleted.json", "midjourney_finished.json", "server_heartbeat_request.json"})
        out += server_frame(sluice_test::read_vector(std::string("discord/") + v));
    // A large dispatch (16-bit length) and a 64-bit-length one.
    std::string big = R"({"t":"GUILD_CREATE","s":1291,"op":0,"d":{"pad":")" + std::string(70000, 'x') + "\"}}";
    out += server_frame(R"({"t":"TYPING_START","s":1290,"op":0,"d":{"pad":")" + std::string(300, 'y') + "\"}}");
    out += server_frame(big);
    return out;
}

} // namespace

TEST_CASE("byte mode: upgrade, identify, the transcript, typed decode through ws::session") {
    byte_run r;
    const std::string stream = r.connect() + transcript_frames();
    r.s.receive(stream, at_ms(1));
    r.pump();
    REQUIRE(r.sent.size() == 2); // identify, then the requested heartbeat
    CHECK(r.sent[0].rfind("{\"op\":2,\"d\":{\"token\":", 0) == 0);
    CHECK(r.sent[1] == R"({"op":1,"d":1289})");
    REQUIRE(r.events.size() == 7);
    CHECK(r.events[0].kind == gw::action_kind::ready);
    CHECK(r.events[2].name == "MESSAGE_UPDATE");
    CHECK(r.events[2].seq == 1287);
    CHECK(r.events[6].name == "GUILD_CREATE");
    CHECK(r.events[6].data.size() == 70000 + 10);
    CHECK(r.s.inner().is_ready());
    CHECK(r.s.inner().last_sequence() == 1291u);
}

TEST_CASE("byte mode: any split of the server's bytes gives the same events (2000 seeds)") {
    std::vector<seen> reference;
    std::vector<std::string> reference_sent;
    {
        byte_run r;
        const std::string stream = r.connect() + transcript_frames();
        r.s.receive(stream, at_ms(1));
        r.pump();
        reference = r.events;
        reference_sent = r.sent;
    }
    REQUIRE(reference.size() == 7);
    sluice_test::test_rng rng{99};
    for (int seed = 0; seed < 2000; ++seed) {
        CAPTURE(seed);
        byte_run r;
        const std::string stream = r.connect() + transcript_frames();
        for (std::string_view piece : sluice_test::random_split(stream, rng, 1 + rng.below(64))) {
            r.s.receive(piece, at_ms(1));
            r.pump();
        }
        REQUIRE(r.events == reference);
        REQUIRE(r.sent == reference_sent);
    }
}

TEST_CASE("byte mode: the server's close code drives resume; the resume goes to resume_gateway_url") {
    byte_run r;
    std::string stream = r.connect();
    for (const char* v : {"hello.json", "ready.json", "message_update.json"})
        stream += server_frame(sluice_test::read_vector(std::string("discord/") + v));
    r.s.receive(stream, at_ms(1));
    r.pump();
    // The server closes with 4000 (resumable).
    std::string close = "\x88\x02";
    close.push_back(static_cast<char>(4000 >> 8));
    close.push_back(static_cast<char>(4000 & 0xff));
    r.host.clear();
    r.s.receive(close, at_ms(2));
    r.pump();
    r.upgrade.clear();
    REQUIRE_FALSE(r.events.empty());
    CHECK(r.events.back().kind == gw::action_kind::notice);
    CHECK(r.host == "gateway-us-east1-b.discord.gg"); // reconnecting to resume
    r.s.transport_open(at_ms(3));
    r.pump();
    REQUIRE(r.upgrade.rfind("GET /?v=10&encoding=json HTTP/1.1\r\n", 0) == 0);
    const auto k = r.upgrade.find("Sec-WebSocket-Key: ");
    const auto accept = ws::accept_for(r.upgrade.substr(k + 19, 24));
    r.sent.clear();
    r.s.receive("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
                    std::string(accept.data(), accept.size()) + "\r\n\r\n" + server_frame(sluice_test::read_vector("discord/hello.json")),
                at_ms(4));
    r.pump();
    REQUIRE(r.sent.size() == 1);
    CHECK(r.sent[0].find("\"op\":6") != std::string::npos);
    CHECK(r.sent[0].find("\"seq\":1287") != std::string::npos);
}

TEST_CASE("byte mode: a malformed text message, and one over the limit") {
    byte_run r;
    std::string stream = r.connect();
    for (const char* v : {"hello.json", "ready.json"}) stream += server_frame(sluice_test::read_vector(std::string("discord/") + v));
    stream += server_frame("{\"op\":0,\"t\":");
    r.s.receive(stream, at_ms(1));
    r.pump();
    REQUIRE(r.events.size() == 2);
    CHECK(r.events[1].kind == gw::action_kind::notice);
    CHECK(r.s.inner().current_state() == gw::state::closing);
}
