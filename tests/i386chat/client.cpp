// Tests of the i386chat client machine (seed 002): transcripts of every
// function code and field variant, heartbeat and echo loss in simulated
// time, the 4096-byte cap both ways, bad frames, byte mode with random
// splitting, and no allocation per message once connected.
#include <sluice/i386chat.hpp>
#include <sluice/ws/session.hpp>

#include <doctest/doctest.h>

#include "support/support.hpp"
#include "peers/records.hpp"
#include "peers/wire.hpp"

#include <string>
#include <string_view>
#include <vector>

using namespace sluice;
using i386chat::action_kind;

namespace {

instant at_ms(std::int64_t ms) { return instant::from_ns(ms * 1'000'000); }

/// One polled action, copied so tests can keep it.
struct rec {
    i386chat::action a;
    std::string bytes;
    std::string name;
    std::string data;
};

std::vector<rec> drain(i386chat::client& c) {
    std::vector<rec> out;
    while (const auto* e = c.poll())
        out.push_back({e->action, std::string(e->bytes), std::string(i386chat::name(*e)), std::string(i386chat::data(*e))});
    return out;
}

using peer_records::find; // the first record of a kind
using peer_records::sent; // the frames sent

struct fixture {
    xoshiro256 rng{7};
    i386chat::client c{i386chat::config{.url = "ws://chat.test/gateway", .token = "tok"}, rng};

    /// Connects, presents and gets ready at t = 0..3 ms; hb_int = 1000 ms.
    void connect(std::int64_t hb = 1000) {
        REQUIRE_FALSE(c.start(at_ms(0)));
        auto v = drain(c);
        REQUIRE(v.size() == 1);
        CHECK(v[0].a.kind == action_kind::open);
        CHECK(v[0].bytes == "ws://chat.test/gateway");
        REQUIRE_FALSE(c.on_open(at_ms(1)));
        CHECK(drain(c).empty()); // nothing before hello
        REQUIRE_FALSE(c.on_message(R"({"f":100,"cnf":{"hb_int":)" + std::to_string(hb) + "}}", message_type::text, at_ms(2)));
        v = drain(c);
        REQUIRE(sent(v) == std::vector<std::string>{R"({"f":110,"cnf":{"token":"tok"}})"});
        REQUIRE_FALSE(c.on_message(R"({"f":140,"cnf":{"v":6,"session_id":9683494578353,"enc_key":"k\u0065y"}})",
                                   message_type::text, at_ms(3)));
        v = drain(c);
        REQUIRE(v.size() == 1);
        CHECK(v[0].a.kind == action_kind::ready);
        CHECK(c.is_ready());
    }
    std::vector<rec> message(std::string_view text, std::int64_t ms) {
        CHECK_FALSE(c.on_message(text, message_type::text, at_ms(ms)));
        return drain(c);
    }
};

} // namespace

TEST_SUITE("unit") {

TEST_CASE("i386chat: hello, present first, ready with its fields") {
    fixture f;
    f.connect();
    CHECK(f.c.ready().version == 6);
    CHECK(f.c.ready().session_id == 9683494578353u);
    CHECK(f.c.ready().enc_key == "key");
    CHECK(f.c.engine().heartbeat_interval() == std::chrono::milliseconds(1000));
    CHECK(f.c.engine().session_info().id == "9683494578353");
}

TEST_CASE("i386chat: session_id as a string of digits is accepted; a bad one is not") {
    fixture f;
    REQUIRE_FALSE(f.c.start(at_ms(0)));
    REQUIRE_FALSE(f.c.on_open(at_ms(1)));
    f.message(R"({"f":100,"cnf":{"hb_int":1000}})", 2);
    auto v = f.message(R"({"f":140,"cnf":{"v":6,"session_id":"42","enc_key":""}})", 3);
    REQUIRE(find(v, action_kind::ready));
    CHECK(f.c.ready().session_id == 42u);

    fixture g;
    REQUIRE_FALSE(g.c.start(at_ms(0)));
    REQUIRE_FALSE(g.c.on_open(at_ms(1)));
    g.message(R"({"f":100,"cnf":{"hb_int":1000}})", 2);
    v = g.message(R"({"f":140,"cnf":{"v":6,"session_id":"4x","enc_key":""}})", 3);
    const rec* n = find(v, action_kind::notice);
    REQUIRE(n);
    CHECK(n->a.error == gateway::errc::missing_session);
    CHECK(find(v, action_kind::close));
}

TEST_CASE("i386chat: nothing but present before ready") {
    fixture f;
    REQUIRE_FALSE(f.c.start(at_ms(0)));
    drain(f.c);
    CHECK(f.c.execute("MESSAGE_CREATE", "{}", at_ms(0)) == gateway::errc::not_connected);
    REQUIRE_FALSE(f.c.on_open(at_ms(1)));
    CHECK(f.c.execute("MESSAGE_CREATE", "{}", at_ms(1)) == gateway::errc::not_connected);
    auto v = f.message(R"({"f":100,"cnf":{"hb_int":1000}})", 2);
    CHECK(sent(v).size() == 1);
    CHECK(f.c.execute("MESSAGE_CREATE", "{}", at_ms(2)) == gateway::errc::not_connected);
    CHECK(drain(f.c).empty());
}

TEST_CASE("i386chat: no heartbeat before ready, however late it comes") {
    fixture f;
    REQUIRE_FALSE(f.c.start(at_ms(0)));
    REQUIRE_FALSE(f.c.on_open(at_ms(1)));
    auto v = f.message(R"({"f":100,"cnf":{"hb_int":1000}})", 2);
    CHECK(sent(v).size() == 1); // present
    f.c.handle_timeout(at_ms(2500)); // well past hb_int, still no 140
    CHECK(sent(drain(f.c)).empty());
    v = f.message(R"({"f":140,"cnf":{"v":6,"session_id":1,"enc_key":""}})", 2600);
    REQUIRE(find(v, action_kind::ready));
    f.c.handle_timeout(f.c.next_deadline());
    CHECK(sent(drain(f.c)) == std::vector<std::string>{R"({"f":120})"});
}

TEST_CASE("i386chat: heartbeats every hb_int, echo is the ack, a missing echo reconnects") {
    fixture f;
    f.connect(1000);
    CHECK(f.c.next_deadline() == at_ms(3 + 1000)); // the first beat one interval after ready
    f.c.handle_timeout(at_ms(500));                // early: nothing
    CHECK(drain(f.c).empty());
    f.c.handle_timeout(at_ms(1003));
    auto v = drain(f.c);
    CHECK(sent(v) == std::vector<std::string>{R"({"f":120})"});
    v = f.message(R"({"f":120})", 1010); // the echo
    CHECK(v.empty());
    f.c.handle_timeout(at_ms(2003));
    CHECK(sent(drain(f.c)) == std::vector<std::string>{R"({"f":120})"});
    // No echo this time: when the next beat is due, the connection is a zombie.
    f.c.handle_timeout(at_ms(3003));
    v = drain(f.c);
    const rec* n = find(v, action_kind::notice);
    REQUIRE(n);
    CHECK(n->a.error == gateway::errc::zombie_connection);
    CHECK(n->a.next == gateway::next_step::new_session);
    const rec* cl = find(v, action_kind::close);
    REQUIRE(cl);
    CHECK(cl->a.close_code == 1001);
    CHECK(sent(v).empty());
    REQUIRE_FALSE(f.c.on_close(close_info{1001, {}}, at_ms(3003)));
    v = drain(f.c);
    REQUIRE(find(v, action_kind::open)); // reconnects at once, then presents again
    REQUIRE_FALSE(f.c.on_open(at_ms(3004)));
    v = f.message(R"({"f":100,"cnf":{"hb_int":1000}})", 3005);
    CHECK(sent(v) == std::vector<std::string>{R"({"f":110,"cnf":{"token":"tok"}})"});
}

TEST_CASE("i386chat: executes carry increasing sequence numbers and t or e") {
    fixture f;
    f.connect();
    CHECK_FALSE(f.c.execute("MESSAGE_CREATE", R"({"content":"hi"})", at_ms(10)));
    CHECK_FALSE(f.c.execute("START_TYPING", "", at_ms(11)));
    CHECK(f.c.last_sent_sequence() == 2);
    CHECK(sent(drain(f.c)) == std::vector<std::string>{R"({"f":130,"cnf":{"content":"hi"},"s":1,"t":"MESSAGE_CREATE"})",
                                                       R"({"f":130,"s":2,"t":"START_TYPING"})"});
    // Refusals change nothing, not even the sequence.
    CHECK(f.c.execute("", "{}", at_ms(12)) == i386chat::errc::invalid_event_name);
    CHECK(f.c.execute("A\"B", "{}", at_ms(12)) == i386chat::errc::invalid_event_name);
    CHECK(f.c.execute("X", "{nope", at_ms(12)) == i386chat::errc::invalid_configuration);
    const std::string big = "\"" + std::string(4100, 'x') + "\"";
    CHECK(f.c.execute("MESSAGE_CREATE", big, at_ms(12)) == gateway::errc::payload_too_large);
    CHECK(f.c.last_sent_sequence() == 2);
    CHECK(drain(f.c).empty());
    // Exactly 4096 bytes passes.
    const std::size_t fixed = std::string_view(R"({"f":130,"cnf":)").size() + std::string_view(R"(,"s":3,"t":"X"})").size();
    const std::string cnf = "\"" + std::string(4096 - fixed - 2, 'y') + "\"";
    CHECK_FALSE(f.c.execute("X", cnf, at_ms(13)));
    auto v = sent(drain(f.c));
    REQUIRE(v.size() == 1);
    CHECK(v[0].size() == 4096);

    xoshiro256 rng{1};
    i386chat::client e{i386chat::config{.url = "ws://x/", .token = "t", .key = i386chat::event_key::e}, rng};
    REQUIRE_FALSE(e.start(at_ms(0)));
    REQUIRE_FALSE(e.on_open(at_ms(0)));
    REQUIRE_FALSE(e.on_message(R"({"f":100,"cnf":{"hb_int":1000}})", message_type::text, at_ms(0)));
    REQUIRE_FALSE(e.on_message(R"({"f":140,"cnf":{"v":6,"session_id":1,"enc_key":""}})", message_type::text, at_ms(0)));
    drain(e);
    CHECK_FALSE(e.execute("CHANNEL_MOVE", R"({"channel":"x"})", at_ms(1)));
    CHECK(sent(drain(e)) == std::vector<std::string>{R"({"f":130,"cnf":{"channel":"x"},"s":1,"e":"CHANNEL_MOVE"})"});
}

TEST_CASE("i386chat: inbound executes: t or e, known names, stale sequences dropped") {
    fixture f;
    f.connect();
    auto v = f.message(R"({"f":130,"cnf":{"content":"a"},"s":1,"t":"MESSAGE_CREATE"})", 10);
    REQUIRE(v.size() == 1);
    CHECK(v[0].a.kind == action_kind::event);
    CHECK(v[0].a.event == i386chat::event_name::message_create);
    CHECK(v[0].name == "MESSAGE_CREATE");
    CHECK(v[0].data == R"({"content":"a"})");
    CHECK(v[0].a.has_seq);
    CHECK(v[0].a.seq == 1);
    v = f.message(R"({"e":"ROOM_USER_ADD","s":2,"f":130,"cnf":{"session_id":5}})", 11);
    REQUIRE(v.size() == 1);
    CHECK(v[0].a.event == i386chat::event_name::room_user_add);
    v = f.message(R"({"f":130,"cnf":"text","s":3,"t":"CUSTOM","e":"CUSTOM"})", 12);
    REQUIRE(v.size() == 1);
    CHECK(v[0].a.event == i386chat::event_name::other);
    CHECK(v[0].data == R"("text")");
    v = f.message(R"({"f":130,"cnf":{},"s":2,"t":"MESSAGE_DELETE"})", 13); // replayed: dropped
    CHECK(v.empty());
    CHECK(f.c.engine().stale_dropped() == 1);
    v = f.message(R"({"f":130,"t":"START_TYPING"})", 14); // no s, no cnf
    REQUIRE(v.size() == 1);
    CHECK(v[0].data.empty());
    CHECK_FALSE(v[0].a.has_seq);
}

TEST_CASE("i386chat: GATEWAY_DOWN announces the disconnect; the machine reconnects after it") {
    fixture f;
    f.connect();
    CHECK_FALSE(f.c.expecting_shutdown());
    auto v = f.message(R"({"f":130,"cnf":{},"s":1,"t":"GATEWAY_DOWN"})", 10);
    REQUIRE(v.size() == 1);
    CHECK(v[0].a.event == i386chat::event_name::gateway_down);
    CHECK(f.c.expecting_shutdown());
    REQUIRE_FALSE(f.c.on_close(close_info{4003, "shutting down"}, at_ms(20)));
    v = drain(f.c);
    const rec* n = find(v, action_kind::notice);
    REQUIRE(n);
    CHECK(n->a.error == gateway::errc::transport_closed);
    CHECK(n->a.close_code == 4003);
    CHECK(n->a.next == gateway::next_step::new_session);
    CHECK(find(v, action_kind::open));
}

TEST_CASE("i386chat: 150 errors: d false continues, d true and 4005 stops, other codes reconnect") {
    fixture f;
    f.connect();
    auto v = f.message(R"({"f":150,"cnf":{"c":4004,"d":false}})", 10);
    REQUIRE(v.size() == 1);
    CHECK(v[0].a.kind == action_kind::error);
    CHECK(v[0].a.code == 4004);
    CHECK_FALSE(v[0].a.disconnecting);
    CHECK(f.c.is_ready());
    v = f.message(R"({"f":150,"cnf":{"c":4005,"d":true}})", 11);
    REQUIRE(v.size() == 1);
    CHECK(v[0].a.disconnecting);
    REQUIRE_FALSE(f.c.on_close(close_info{4005, {}}, at_ms(12)));
    v = drain(f.c);
    REQUIRE(v.size() == 1);
    CHECK(v[0].a.kind == action_kind::notice);
    CHECK(v[0].a.error == i386chat::errc::refused_token);
    CHECK(v[0].a.next == gateway::next_step::stop);
    CHECK(f.c.current_state() == gateway::state::failed);

    // d true with another code: the connection ends and a new one follows.
    fixture h;
    h.connect();
    v = h.message(R"({"f":150,"cnf":{"c":4001,"d":true}})", 10);
    REQUIRE(!v.empty());
    CHECK(v[0].a.kind == action_kind::error);
    CHECK(v[0].a.disconnecting);
    REQUIRE_FALSE(h.c.on_close(close_info{4001, {}}, at_ms(11)));
    CHECK(find(drain(h.c), action_kind::open));

    for (std::uint16_t code : {4000, 4001, 4002, 4003, 4004, 1000, 1006}) {
        fixture g;
        g.connect();
        REQUIRE_FALSE(g.c.on_close(close_info{code, {}}, at_ms(20)));
        v = drain(g.c);
        REQUIRE(find(v, action_kind::notice));
        CHECK(find(v, action_kind::notice)->a.next == gateway::next_step::new_session);
        CHECK(static_cast<bool>(find(v, action_kind::open)) == (code != 4002)); // 4002: see the next test
    }
}

TEST_CASE("i386chat: after 4002 (rate limited) the reconnect waits rate_limited_wait") {
    for (std::int64_t wait_ms : {5000, 0}) {
        CAPTURE(wait_ms);
        xoshiro256 rng{7};
        i386chat::config cfg{.url = "ws://chat.test/gateway", .token = "tok"};
        cfg.rate_limited_wait = std::chrono::milliseconds(wait_ms);
        i386chat::client c{cfg, rng};
        REQUIRE_FALSE(c.start(at_ms(0)));
        REQUIRE_FALSE(c.on_open(at_ms(1)));
        REQUIRE_FALSE(c.on_message(R"({"f":100,"cnf":{"hb_int":1000}})", message_type::text, at_ms(2)));
        REQUIRE_FALSE(c.on_message(R"({"f":140,"cnf":{"v":6,"session_id":1,"enc_key":"k"}})", message_type::text, at_ms(3)));
        drain(c);
        REQUIRE(c.is_ready());
        REQUIRE_FALSE(c.on_close(close_info{4002, "rate limited"}, at_ms(100)));
        auto v = drain(c);
        const rec* n = find(v, action_kind::notice);
        REQUIRE(n);
        CHECK(n->a.close_code == 4002);
        CHECK(n->a.next == gateway::next_step::new_session);
        if (wait_ms == 0) { // the engine's backoff alone: the first reconnect after a ready session is at once
            CHECK(find(v, action_kind::open));
            continue;
        }
        CHECK_FALSE(find(v, action_kind::open));
        CHECK(c.next_deadline() == at_ms(100 + wait_ms));
        c.handle_timeout(at_ms(100 + wait_ms - 1));
        CHECK(drain(c).empty());
        c.handle_timeout(at_ms(100 + wait_ms));
        v = drain(c);
        REQUIRE(find(v, action_kind::open));
        CHECK(find(v, action_kind::open)->bytes == "ws://chat.test/gateway");
    }
}

TEST_CASE("i386chat: bad frames close with 4004, oversized ones with 4000, and reconnect") {
    const char* malformed[] = {
        "not json",
        R"({"cnf":{}})",                                   // no f
        R"({"f":"120"})",                                  // f not an integer
        R"({"f":999})",                                    // unknown function code
        R"({"f":110,"cnf":{"token":"x"}})",                // client-only
        R"({"f":130,"cnf":{},"s":1})",                     // execute without a name
        R"({"f":130,"cnf":{},"s":1,"t":"A","e":"B"})",    // t and e disagree
        R"({"f":130,"cnf":{},"s":-1,"t":"A"})",           // negative sequence
        R"({"f":130,"s":"1","t":"A"})",                    // s not an integer
        R"({"f":150,"cnf":{"c":"x","d":true}})",           // c not an integer
        R"({"f":150})",                                    // error without cnf
        R"({"f":120,"cnf":{}} trailing)",
        "[]",
        "",
    };
    for (const char* text : malformed) {
        CAPTURE(std::string_view(text));
        fixture f;
        f.connect();
        auto v = f.message(text, 10);
        const rec* n = find(v, action_kind::notice);
        REQUIRE(n);
        CHECK(n->a.error == gateway::errc::malformed_frame);
        const rec* cl = find(v, action_kind::close);
        REQUIRE(cl);
        CHECK(cl->a.close_code == 4004);
        REQUIRE_FALSE(f.c.on_close(close_info{}, at_ms(11)));
        CHECK(find(drain(f.c), action_kind::open));
    }
    // Wrong hello: hb_int missing, zero, or of the wrong type.
    for (const char* hello : {R"({"f":100,"cnf":{}})", R"({"f":100,"cnf":{"hb_int":0}})", R"({"f":100,"cnf":{"hb_int":"1"}})",
                              R"({"f":100})"}) {
        CAPTURE(std::string_view(hello));
        fixture f;
        REQUIRE_FALSE(f.c.start(at_ms(0)));
        REQUIRE_FALSE(f.c.on_open(at_ms(1)));
        drain(f.c);
        auto v = f.message(hello, 2);
        REQUIRE(find(v, action_kind::close));
        CHECK(find(v, action_kind::close)->a.close_code == 4004);
    }
    // A binary message is not a frame.
    fixture b;
    b.connect();
    REQUIRE_FALSE(b.c.on_message(R"({"f":120})", message_type::binary, at_ms(10)));
    CHECK(find(drain(b.c), action_kind::close)->a.close_code == 4004);
    // 4097 bytes: over the cap.
    fixture o;
    o.connect();
    const std::string head = R"({"f":130,"t":"X","cnf":")";
    const std::string big = head + std::string(4097 - head.size() - 2, 'z') + "\"}";
    REQUIRE(big.size() == 4097);
    auto v = o.message(big, 10);
    REQUIRE(find(v, action_kind::notice));
    CHECK(find(v, action_kind::notice)->a.error == gateway::errc::frame_too_large);
    CHECK(find(v, action_kind::close)->a.close_code == 4000);
    // Exactly 4096 is fine.
    fixture p;
    p.connect();
    const std::string fits = head + std::string(4096 - head.size() - 2, 'z') + "\"}";
    v = p.message(fits, 10);
    REQUIRE(v.size() == 1);
    CHECK(v[0].a.kind == action_kind::event);
}

TEST_CASE("i386chat: a second hello or ready is unexpected, not fatal") {
    fixture f;
    f.connect();
    auto v = f.message(R"({"f":100,"cnf":{"hb_int":1000}})", 10);
    REQUIRE(v.size() == 1);
    CHECK(v[0].a.error == gateway::errc::unexpected_frame);
    v = f.message(R"({"f":140,"cnf":{"v":6,"session_id":1,"enc_key":""}})", 11);
    REQUIRE(v.size() == 1);
    CHECK(v[0].a.error == gateway::errc::unexpected_frame);
    CHECK(f.c.is_ready());
}

TEST_CASE("i386chat: close() ends with 1000; start() again reconnects") {
    fixture f;
    f.connect();
    REQUIRE_FALSE(f.c.close(at_ms(10)));
    auto v = drain(f.c);
    REQUIRE(find(v, action_kind::close));
    CHECK(find(v, action_kind::close)->a.close_code == 1000);
    REQUIRE_FALSE(f.c.on_close(close_info{1000, {}}, at_ms(11)));
    v = drain(f.c);
    REQUIRE(find(v, action_kind::notice));
    CHECK(find(v, action_kind::notice)->a.error == gateway::errc::closed_by_user);
    CHECK(f.c.close(at_ms(12)) == gateway::errc::not_running);
    CHECK_FALSE(f.c.start(at_ms(13)));
    CHECK(find(drain(f.c), action_kind::open));
}

TEST_CASE("i386chat: no allocation per message, heartbeat or execute once connected") {
    fixture f;
    f.connect(1000);
    const std::string ev = R"({"f":130,"cnf":{"content":"hello there","channel":"general","author":123},"s":)";
    std::int64_t t = 10;
    std::uint64_t s = 1;
    auto round = [&] {
        for (int i = 0; i < 50; ++i) {
            const std::string text = ev + std::to_string(s++) + R"(,"t":"MESSAGE_CREATE"})";
            CHECK_FALSE(f.c.on_message(text, message_type::text, at_ms(t++)));
        }
        CHECK_FALSE(f.c.execute("MESSAGE_CREATE", R"({"content":"hi"})", at_ms(t++)));
        f.c.handle_timeout(at_ms(t += 1000));
        CHECK_FALSE(f.c.on_message(R"({"f":120})", message_type::text, at_ms(t++)));
        while (f.c.poll()) {
        }
    };
    // The texts above allocate in the test; build them outside the counted part.
    std::vector<std::string> texts;
    for (int i = 0; i < 200; ++i) texts.push_back(ev + std::to_string(1000 + i) + R"(,"t":"MESSAGE_CREATE"})");
    round(); // warm up every buffer
    round();
    std::size_t i = 0;
    sluice_test::allocation_counter count;
    for (int r = 0; r < 3; ++r) {
        for (int k = 0; k < 50; ++k) CHECK_FALSE(f.c.on_message(texts[i++], message_type::text, at_ms(t++)));
        CHECK_FALSE(f.c.execute("MESSAGE_CREATE", R"({"content":"hi"})", at_ms(t++)));
        f.c.handle_timeout(at_ms(t += 1000));
        CHECK_FALSE(f.c.on_message(R"({"f":120})", message_type::text, at_ms(t++)));
        while (f.c.poll()) {
        }
    }
    CHECK(count.count() == 0);
    CHECK(f.c.is_ready());
}

TEST_CASE("i386chat: byte mode over ws::session with random splitting") {
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        CAPTURE(seed);
        xoshiro256 rng{seed};
        ws::session<i386chat::client> s(rng, ws::client_options{}, i386chat::config{.url = "ws://chat.test:8080/gw", .token = "tok"}, rng);
        REQUIRE_FALSE(s.inner().start(at_ms(0)));
        const auto* e = s.poll();
        REQUIRE(e);
        CHECK(e->action.io == ws::io_op::connect);
        CHECK(e->bytes == "chat.test");
        CHECK(e->action.port == 8080);
        s.transport_open(at_ms(1));
        e = s.poll();
        REQUIRE(e);
        REQUIRE(e->action.io == ws::io_op::transmit);
        const std::string request(e->bytes);
        CHECK(request.starts_with("GET /gw HTTP/1.1\r\n"));
        // The server's side: the 101, hello, ready, three events, in one byte stream.
        std::string stream = peer_wire::accept_response(request);
        stream += peer_wire::text(R"({"f":100,"cnf":{"hb_int":5000}})");
        std::vector<std::string> frames_out;
        sluice_test::test_rng split{seed};
        // Present must come back after hello: feed the head first, collect what is sent.
        std::string transmitted;
        auto pump = [&] {
            while (const auto* x = s.poll())
                if (x->action.io == ws::io_op::transmit) transmitted += x->bytes;
        };
        for (std::string_view piece : sluice_test::random_split(stream, split, 6)) {
            s.receive(piece, at_ms(2));
            pump();
        }
        std::vector<peer_wire::client_frame> cf;
        REQUIRE(peer_wire::decode_client_frames(transmitted, cf));
        REQUIRE(cf.size() == 1);
        CHECK(cf[0].payload == R"({"f":110,"cnf":{"token":"tok"}})");
        std::string rest = peer_wire::text(R"({"f":140,"cnf":{"v":6,"session_id":77,"enc_key":"k"}})");
        for (int i = 1; i <= 3; ++i)
            rest += peer_wire::text(R"({"f":130,"cnf":{"n":)" + std::to_string(i) + R"(},"s":)" + std::to_string(i) +
                                  R"(,"t":"MESSAGE_CREATE"})");
        int events = 0;
        bool ready = false;
        for (std::string_view piece : sluice_test::random_split(rest, split, 12)) {
            s.receive(piece, at_ms(3));
            while (const auto* x = s.poll()) {
                if (x->action.io != ws::io_op::none) continue;
                if (x->action.inner.kind == action_kind::ready) ready = true;
                if (x->action.inner.kind == action_kind::event) {
                    ++events;
                    CHECK(x->action.inner.seq == static_cast<std::uint64_t>(events));
                }
            }
        }
        CHECK(ready);
        CHECK(events == 3);
        CHECK(s.inner().ready().session_id == 77u);
    }
}

} // TEST_SUITE
