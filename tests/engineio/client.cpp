// The Engine.IO client machine: transcripts of every transition, timers,
// peer errors, caller misuse and the allocation proof.
#include <sluice/engineio/client.hpp>

#include "support/support.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace eio = sluice::engineio;
using namespace std::chrono_literals;
using sluice::instant;
using sluice::message_type;
using sluice::transport_op;

namespace {

struct record {
    eio::action_kind kind;
    transport_op op;
    message_type type;
    std::uint16_t close_code;
    std::string bytes;
    std::error_code error;
    instant retry_at;
};

std::vector<record> drain(eio::client& c) {
    std::vector<record> out;
    while (const auto* e = c.poll())
        out.push_back({e->action.kind, e->action.op, e->action.type, e->action.close_code, std::string(e->bytes), e->action.error,
                       e->action.retry_at});
    return out;
}

instant at_ms(std::int64_t ms) { return instant::from_ns(ms * 1'000'000); }

constexpr const char* open_packet = R"(0{"sid":"S1","upgrades":[],"pingInterval":1000,"pingTimeout":500,"maxPayload":100})";

eio::config test_config() {
    eio::config cfg;
    cfg.url = eio::make_url("ws://127.0.0.1:3334");
    cfg.headers = "Authorization: secret\r\n";
    cfg.reconnect_backoff = {1s, 4s, 2.0, sluice::jitter_mode::none, 0};
    return cfg;
}

// A client that has completed its handshake at t = 0.
struct opened {
    sluice::xoshiro256 rng{7};
    eio::client c{test_config(), rng};
    opened() {
        REQUIRE_FALSE(c.start(at_ms(0)));
        c.on_open(at_ms(0));
        c.on_message(open_packet, message_type::text, at_ms(0));
        drain(c);
        REQUIRE(c.current_state() == eio::state::open);
    }
};

} // namespace

TEST_CASE("engineio client: connect, handshake, ping/pong, message") {
    sluice::xoshiro256 rng(1);
    eio::client c(test_config(), rng);
    CHECK(c.current_state() == eio::state::closed);
    CHECK(c.next_deadline().is_never());

    REQUIRE_FALSE(c.start(at_ms(0)));
    auto a = drain(c);
    REQUIRE(a.size() == 1);
    CHECK(a[0].op == transport_op::open);
    const auto req = sluice::open_request::parse(a[0].bytes);
    CHECK(req.url == "ws://127.0.0.1:3334/socket.io/?EIO=4&transport=websocket");
    CHECK(req.header_block == "Authorization: secret\r\n");
    CHECK(c.next_deadline() == at_ms(20000)); // connect timeout
    CHECK(c.engine().generation() == 1);

    c.on_open(at_ms(5));
    CHECK(c.current_state() == eio::state::handshaking);
    c.on_message(open_packet, message_type::text, at_ms(10));
    a = drain(c);
    REQUIRE(a.size() == 1);
    CHECK(a[0].kind == eio::action_kind::opened);
    CHECK(a[0].bytes == "S1");
    CHECK(c.engine().sid() == "S1");
    CHECK(c.engine().ping_interval() == 1000ms);
    CHECK(c.engine().ping_timeout() == 500ms);
    CHECK(c.engine().max_payload() == 100);
    CHECK(c.next_deadline() == at_ms(1510)); // pingInterval + pingTimeout

    c.on_message("2", message_type::text, at_ms(1000));
    a = drain(c);
    REQUIRE(a.size() == 2);
    CHECK(a[0].op == transport_op::send);
    CHECK(a[0].type == message_type::text);
    CHECK(a[0].bytes == "3");
    CHECK(a[1].kind == eio::action_kind::ping);
    CHECK(c.next_deadline() == at_ms(2500));

    c.on_message("4hello", message_type::text, at_ms(1100));
    c.on_message(std::string_view("\x00\x01", 2), message_type::binary, at_ms(1100));
    a = drain(c);
    REQUIRE(a.size() == 2);
    CHECK(a[0].kind == eio::action_kind::message);
    CHECK(a[0].type == message_type::text);
    CHECK(a[0].bytes == "hello");
    CHECK(a[1].kind == eio::action_kind::message);
    CHECK(a[1].type == message_type::binary);
    CHECK(a[1].bytes == std::string_view("\x00\x01", 2));

    REQUIRE_FALSE(c.send_text("hi"));
    REQUIRE_FALSE(c.send_binary("raw"));
    a = drain(c);
    REQUIRE(a.size() == 2);
    CHECK((a[0].op == transport_op::send && a[0].type == message_type::text && a[0].bytes == "4hi"));
    CHECK((a[1].op == transport_op::send && a[1].type == message_type::binary && a[1].bytes == "raw"));
}

TEST_CASE("engineio client: ping probe is echoed; noop, upgrade and pong are ignored") {
    opened o;
    o.c.on_message("2probe", message_type::text, at_ms(100));
    o.c.on_message("6", message_type::text, at_ms(100));
    o.c.on_message("5", message_type::text, at_ms(100));
    o.c.on_message("3", message_type::text, at_ms(100));
    auto a = drain(o.c);
    REQUIRE(a.size() == 2);
    CHECK(a[0].bytes == "3probe");
    CHECK(a[1].kind == eio::action_kind::ping);
    CHECK(o.c.current_state() == eio::state::open);
}

TEST_CASE("engineio client: no ping within pingInterval + pingTimeout closes and reconnects with backoff") {
    opened o;
    CHECK(o.c.next_deadline() == at_ms(1500));
    o.c.handle_timeout(at_ms(1499)); // early: nothing
    CHECK(drain(o.c).empty());
    o.c.handle_timeout(at_ms(1500));
    auto a = drain(o.c);
    REQUIRE(a.size() == 2);
    CHECK(a[0].op == transport_op::close);
    CHECK(a[0].close_code == 1000);
    CHECK(a[1].kind == eio::action_kind::disconnected);
    CHECK(a[1].error == eio::errc::ping_timeout);
    CHECK(a[1].error == sluice::condition::timeout);
    CHECK(a[1].retry_at == at_ms(2500)); // backoff base 1 s, no jitter
    CHECK(o.c.current_state() == eio::state::waiting);
    o.c.handle_timeout(at_ms(1500)); // twice: nothing
    CHECK(drain(o.c).empty());
    // The old transport finishing its close changes nothing.
    o.c.on_close({1000, ""}, at_ms(1600));
    o.c.on_message("4late", message_type::text, at_ms(1600));
    CHECK(drain(o.c).empty());

    o.c.handle_timeout(at_ms(2500));
    a = drain(o.c);
    REQUIRE(a.size() == 1);
    CHECK(a[0].op == transport_op::open);
    CHECK(o.c.engine().generation() == 2);
    // This attempt fails before the upgrade: the next delay doubles.
    o.c.on_close({std::nullopt, ""}, at_ms(2600));
    a = drain(o.c);
    REQUIRE(a.size() == 1);
    CHECK(a[0].error == eio::errc::connect_failed);
    CHECK(a[0].retry_at == at_ms(4600));
    o.c.handle_timeout(at_ms(4600));
    o.c.on_open(at_ms(4601));
    o.c.on_message(R"(0{"sid":"S2","upgrades":[],"pingInterval":1000,"pingTimeout":500})", message_type::text, at_ms(4602));
    a = drain(o.c);
    REQUIRE(a.size() == 2);
    CHECK(a[1].kind == eio::action_kind::opened);
    CHECK(a[1].bytes == "S2");
    CHECK(o.c.engine().max_payload() == 1'000'000); // default when the server does not say
    CHECK(o.c.engine().attempts() == 0);            // a handshake resets the backoff
}

TEST_CASE("engineio client: handshake timeout") {
    sluice::xoshiro256 rng(1);
    auto cfg = test_config();
    cfg.connect_timeout = 3s;
    eio::client c(cfg, rng);
    REQUIRE_FALSE(c.start(at_ms(0)));
    c.on_open(at_ms(10));
    drain(c);
    c.handle_timeout(at_ms(3000));
    auto a = drain(c);
    REQUIRE(a.size() == 2);
    CHECK(a[0].op == transport_op::close);
    CHECK(a[1].error == eio::errc::handshake_timeout);
    CHECK(c.current_state() == eio::state::waiting);
}

TEST_CASE("engineio client: peer errors close with 1002 (or 1009) and reconnect") {
    const struct {
        const char* name;
        bool before_open;
        std::string msg;
        std::uint16_t code;
        eio::errc err;
    } cases[] = {
        {"message before open", true, "4hi", 1002, eio::errc::unexpected_packet},
        {"binary before open", true, "", 1002, eio::errc::unexpected_packet},
        {"bad handshake", true, "0{\"sid\":1}", 1002, eio::errc::bad_handshake},
        {"empty packet", false, "", 1002, eio::errc::empty_packet},
        {"unknown type", false, "9x", 1002, eio::errc::unknown_packet_type},
        {"second open", false, open_packet, 1002, eio::errc::unexpected_packet},
        {"too large", false, "4" + std::string(2000, 'x'), 1009, eio::errc::message_too_large},
    };
    for (const auto& k : cases) {
        CAPTURE(k.name);
        sluice::xoshiro256 rng(1);
        auto cfg = test_config();
        cfg.max_message = 1000;
        eio::client c(cfg, rng);
        REQUIRE_FALSE(c.start(at_ms(0)));
        c.on_open(at_ms(0));
        if (!k.before_open) c.on_message(open_packet, message_type::text, at_ms(0));
        drain(c);
        const bool binary = std::string_view(k.name) == "binary before open";
        c.on_message(k.msg, binary ? message_type::binary : message_type::text, at_ms(50));
        auto a = drain(c);
        REQUIRE(a.size() == 2);
        CHECK(a[0].op == transport_op::close);
        CHECK(a[0].close_code == k.code);
        CHECK(a[1].kind == eio::action_kind::disconnected);
        CHECK(a[1].error == k.err);
        CHECK(a[1].retry_at == at_ms(1050));
        CHECK(c.current_state() == eio::state::waiting);
    }
}

TEST_CASE("engineio client: transport closed by the peer; server close packet") {
    {
        opened o;
        o.c.on_close({1001, "going away"}, at_ms(200));
        auto a = drain(o.c);
        REQUIRE(a.size() == 1);
        CHECK(a[0].error == eio::errc::transport_closed);
        CHECK(a[0].retry_at == at_ms(1200));
    }
    {
        opened o;
        o.c.on_message("1", message_type::text, at_ms(200));
        auto a = drain(o.c);
        REQUIRE(a.size() == 2);
        CHECK(a[0].op == transport_op::close);
        CHECK(a[1].error == eio::errc::server_closed);
        CHECK(a[1].error == sluice::condition::closed);
    }
}

TEST_CASE("engineio client: no reconnection when disabled or when the attempts run out") {
    sluice::xoshiro256 rng(1);
    auto cfg = test_config();
    cfg.reconnect_backoff.max_attempts = 2;
    eio::client c(cfg, rng);
    REQUIRE_FALSE(c.start(at_ms(0)));
    drain(c);
    c.on_close({}, at_ms(1));
    CHECK(drain(c).back().retry_at == at_ms(1001));
    c.handle_timeout(at_ms(1001));
    c.on_close({}, at_ms(1002));
    CHECK(drain(c).back().retry_at == at_ms(3002));
    c.handle_timeout(at_ms(3002));
    c.on_close({}, at_ms(3003));
    auto a = drain(c);
    CHECK(a.back().error == eio::errc::connect_failed);
    CHECK(a.back().retry_at.is_never());
    CHECK(c.current_state() == eio::state::closed);
    CHECK(c.next_deadline().is_never());

    cfg.reconnect = false;
    eio::client d(cfg, rng);
    REQUIRE_FALSE(d.start(at_ms(0)));
    d.on_close({}, at_ms(1));
    CHECK(drain(d).back().retry_at.is_never());
    CHECK(d.current_state() == eio::state::closed);
    REQUIRE_FALSE(d.start(at_ms(2))); // closed: may start again
}

TEST_CASE("engineio client: caller misuse is refused and changes nothing") {
    sluice::xoshiro256 rng(1);
    eio::client c(test_config(), rng);
    CHECK(c.send_text("x") == eio::errc::not_open);
    REQUIRE_FALSE(c.start(at_ms(0)));
    CHECK(c.start(at_ms(0)) == eio::errc::already_started);
    CHECK(c.send_text("x") == eio::errc::not_open);
    c.on_open(at_ms(0));
    c.on_message(open_packet, message_type::text, at_ms(0)); // maxPayload 100
    drain(c);
    CHECK(c.send_text(std::string(99, 'x')) == std::error_code());
    CHECK(c.send_text(std::string(100, 'x')) == eio::errc::payload_too_large); // 101 with the type digit
    CHECK(c.send_binary(std::string(101, 'x')) == eio::errc::payload_too_large);
    CHECK(eio::make_error_code(eio::errc::payload_too_large) == sluice::condition::limit_exceeded);
    CHECK(eio::make_error_code(eio::errc::not_open) == sluice::condition::misuse);
    auto a = drain(c);
    REQUIRE(a.size() == 1);
    CHECK(a[0].bytes.size() == 100);
    // on_open in the wrong state is ignored.
    c.on_open(at_ms(1));
    CHECK(c.current_state() == eio::state::open);
}

TEST_CASE("engineio client: close() by the caller") {
    opened o;
    o.c.close(at_ms(100));
    auto a = drain(o.c);
    REQUIRE(a.size() == 2);
    CHECK(a[0].op == transport_op::close);
    CHECK(a[0].close_code == 1000);
    CHECK(a[1].error == eio::errc::closed_by_client);
    CHECK(a[1].retry_at.is_never());
    CHECK(o.c.next_deadline().is_never());
    o.c.close(at_ms(100)); // twice: nothing
    o.c.on_close({1000, ""}, at_ms(101));
    CHECK(drain(o.c).empty());
    REQUIRE_FALSE(o.c.start(at_ms(200)));
    CHECK(drain(o.c).at(0).op == transport_op::open);
}

TEST_CASE("engineio client: time going backwards is clamped") {
    opened o;
    o.c.on_message("2", message_type::text, at_ms(1000));
    drain(o.c);
    CHECK(o.c.next_deadline() == at_ms(2500));
    o.c.on_message("2", message_type::text, at_ms(10)); // clock stepped back: treated as t = 1000
    drain(o.c);
    CHECK(o.c.next_deadline() == at_ms(2500));
    o.c.handle_timeout(at_ms(0));
    CHECK(drain(o.c).empty());
}

TEST_CASE("engineio client: draining late keeps every action and its bytes") {
    opened o;
    for (int i = 0; i < 50; ++i) o.c.on_message("4message-" + std::to_string(i), message_type::text, at_ms(100));
    auto a = drain(o.c);
    REQUIRE(a.size() == 50);
    for (int i = 0; i < 50; ++i) CHECK(a[i].bytes == "message-" + std::to_string(i));
}

TEST_CASE("engineio client: no allocation per ping or message once connected") {
    opened o;
    auto cycle = [&](std::int64_t t) {
        o.c.on_message("2", message_type::text, at_ms(t));
        o.c.on_message("4some message text that is longer than the small string buffer", message_type::text, at_ms(t));
        o.c.on_message(std::string_view("\x01\x02\x03", 3), message_type::binary, at_ms(t));
        (void)o.c.send_text("reply text also longer than sixteen bytes");
        o.c.handle_timeout(at_ms(t));
        while (o.c.poll()) {
        }
    };
    cycle(100); // warm up the queue
    sluice_test::allocation_counter count;
    for (int i = 0; i < 1000; ++i) cycle(100 + i);
    CHECK(count.count() == 0);
}
