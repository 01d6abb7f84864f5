// The Socket.IO client machine: namespaces, events, acks (exactly once:
// answer, timeout, loss), binary attachments, reconnection, peer errors,
// caller misuse, late draining and the allocation proof.
#include <sluice/socketio/client.hpp>

#include "support/support.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace sio = sluice::socketio;
namespace eio = sluice::engineio;
using namespace std::chrono_literals;
using sluice::instant;
using sluice::message_type;
using sluice::transport_op;

namespace {

instant at_ms(std::int64_t ms) { return instant::from_ns(ms * 1'000'000); }

struct record {
    sio::action_kind kind;
    transport_op op;
    message_type type;
    std::uint16_t close_code;
    std::string bytes, nsp, name, args, data;
    std::optional<std::uint64_t> id;
    std::vector<std::string> attachments;
    std::error_code error;
    instant retry_at;
};

std::vector<record> drain(sio::client& c) {
    std::vector<record> out;
    while (const auto* e = c.poll()) {
        const auto& a = e->action;
        record r{a.kind, a.op, a.type, a.close_code, std::string(e->bytes), std::string(a.nsp), std::string(a.name),
                 std::string(a.args), std::string(a.data), a.id, {}, a.error, a.retry_at};
        for (auto v : a.attachments) r.attachments.emplace_back(v);
        out.push_back(std::move(r));
    }
    return out;
}

// The text messages the client sent, in order.
std::vector<std::string> sent(const std::vector<record>& rs) {
    std::vector<std::string> out;
    for (const auto& r : rs)
        if (r.op == transport_op::send) out.push_back(r.type == message_type::binary ? "bin:" + r.bytes : r.bytes);
    return out;
}
const record* find(const std::vector<record>& rs, sio::action_kind k) {
    for (const auto& r : rs)
        if (r.kind == k && r.op == transport_op::none) return &r;
    return nullptr;
}

constexpr const char* open_packet = R"(0{"sid":"E1","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000})";

sio::config test_config() {
    sio::config cfg;
    cfg.engine.url = eio::make_url("ws://127.0.0.1:3334");
    cfg.engine.reconnect_backoff = {1s, 4s, 2.0, sluice::jitter_mode::none, 0};
    cfg.limits.max_pending_acks = 8;
    cfg.limits.max_namespaces = 3;
    return cfg;
}

// A client with "/" and "/admin" connected at t = 0.
struct connected {
    sluice::xoshiro256 rng{3};
    sio::client c{test_config(), rng};
    std::vector<record> setup;
    connected() {
        REQUIRE_FALSE(c.join("/", at_ms(0)));
        REQUIRE_FALSE(c.join("/admin", R"({"token":"secret"})", at_ms(0)));
        REQUIRE_FALSE(c.start(at_ms(0)));
        c.on_open(at_ms(0));
        c.on_message(open_packet, message_type::text, at_ms(0));
        c.on_message(R"(40{"sid":"A"})", message_type::text, at_ms(0));
        c.on_message(R"(40/admin,{"sid":"B"})", message_type::text, at_ms(0));
        setup = drain(c);
        REQUIRE(c.state_of("/") == sio::namespace_state::connected);
        REQUIRE(c.state_of("/admin") == sio::namespace_state::connected);
    }
    std::vector<record> in(std::string_view text, std::int64_t t = 10) {
        c.on_message(text, message_type::text, at_ms(t));
        return drain(c);
    }
};

} // namespace

TEST_CASE("socketio client: connect and join namespaces with auth") {
    connected k;
    const auto& a = k.setup;
    REQUIRE(a.size() >= 6);
    CHECK(a[0].op == transport_op::open);
    CHECK(sluice::open_request::parse(a[0].bytes).url == "ws://127.0.0.1:3334/socket.io/?EIO=4&transport=websocket");
    CHECK(a[1].kind == sio::action_kind::opened);
    CHECK(a[1].data == "E1");
    CHECK(sent(a) == std::vector<std::string>{"40", R"(40/admin,{"token":"secret"})"});
    const auto* c1 = &a[a.size() - 2];
    CHECK(c1->kind == sio::action_kind::namespace_connected);
    CHECK(c1->nsp == "/");
    CHECK(c1->data == "A");
    CHECK(a.back().nsp == "/admin");
    CHECK(a.back().data == "B");
    CHECK(k.c.session().sid_of("/admin") == "B");
}

TEST_CASE("socketio client: joining after the connection is open sends CONNECT at once") {
    connected k;
    REQUIRE_FALSE(k.c.join("/late", at_ms(5)));
    CHECK(sent(drain(k.c)) == std::vector<std::string>{"40/late,"});
    CHECK(k.c.state_of("/late") == sio::namespace_state::connecting);
    auto a = k.in(R"(40/late,{"sid":"C"})");
    REQUIRE(a.size() == 1);
    CHECK(a[0].kind == sio::action_kind::namespace_connected);
}

TEST_CASE("socketio client: events from the server") {
    connected k;
    auto a = k.in(R"(42["hello",1,{"a":[2,3]}])");
    REQUIRE(a.size() == 1);
    CHECK(a[0].kind == sio::action_kind::event);
    CHECK(a[0].nsp == "/");
    CHECK(a[0].name == "hello");
    CHECK(a[0].args == R"([1,{"a":[2,3]}])");
    CHECK_FALSE(a[0].id);
    a = k.in(R"(42/admin,5["question"])");
    REQUIRE(a.size() == 1);
    CHECK(a[0].nsp == "/admin");
    CHECK(a[0].name == "question");
    CHECK(a[0].args == "[]");
    CHECK(a[0].id == 5u);
    // A namespace we are not in: ignored.
    CHECK(k.in(R"(42/other,["x"])").empty());
}

TEST_CASE("socketio client: emitting and answering acks") {
    connected k;
    REQUIRE_FALSE(k.c.emit("/", "chat", R"(["hi",{"n":1}])"));
    REQUIRE_FALSE(k.c.emit("/admin", "ping"));
    REQUIRE_FALSE(k.c.emit("/", "we\"ird", "[ ]"));
    REQUIRE_FALSE(k.c.ack("/admin", 5, "[1]"));
    REQUIRE_FALSE(k.c.ack("/", 6));
    CHECK(sent(drain(k.c)) == std::vector<std::string>{R"(42["chat","hi",{"n":1}])", R"(42/admin,["ping"])", R"(42["we\"ird"])",
                                                       "43/admin,5[1]", "436[]"});
}

TEST_CASE("socketio client: an ack resolves exactly once when answered") {
    connected k;
    std::uint64_t id0 = 99, id1 = 99;
    REQUIRE_FALSE(k.c.emit_with_ack("/", "ask", "[5]", at_ms(10), 5s, id0));
    REQUIRE_FALSE(k.c.emit_with_ack("/admin", "ask", "", at_ms(10), 0s, id1));
    CHECK(id0 == 0);
    CHECK(id1 == 1);
    CHECK(sent(drain(k.c)) == std::vector<std::string>{R"(420["ask",5])", R"(42/admin,1["ask"])"});
    CHECK(k.c.next_deadline() == at_ms(5010));
    auto a = k.in(R"(430[{"doubled":10}])");
    REQUIRE(a.size() == 1);
    CHECK(a[0].kind == sio::action_kind::ack);
    CHECK(a[0].id == 0u);
    CHECK(a[0].nsp == "/");
    CHECK_FALSE(a[0].error);
    CHECK(a[0].args == R"([{"doubled":10}])");
    CHECK(k.in(R"(430[{"doubled":10}])").empty()); // a second answer: ignored
    CHECK(k.in(R"(431[])").empty());               // id 1 belongs to /admin: not answered on "/"
    a = k.in("43/admin,1[]");
    REQUIRE(a.size() == 1);
    CHECK(a[0].args == "[]");
    CHECK(k.c.session().pending_acks() == 0);
    k.c.handle_timeout(at_ms(6000));
    CHECK(drain(k.c).empty()); // the deadline of an answered ack never fires
}

TEST_CASE("socketio client: an ack resolves exactly once on timeout") {
    connected k;
    std::uint64_t id = 0;
    REQUIRE_FALSE(k.c.emit_with_ack("/", "slow", "[]", at_ms(100), 1s, id));
    drain(k.c);
    k.c.handle_timeout(at_ms(1099)); // early
    CHECK(drain(k.c).empty());
    k.c.handle_timeout(at_ms(1100));
    auto a = drain(k.c);
    REQUIRE(a.size() == 1);
    CHECK(a[0].kind == sio::action_kind::ack);
    CHECK(a[0].id == id);
    CHECK(a[0].error == sio::errc::ack_timeout);
    CHECK(a[0].error == sluice::condition::timeout);
    k.c.handle_timeout(at_ms(1100)); // twice
    CHECK(drain(k.c).empty());
    CHECK(k.in("430[1]", 1200).empty()); // too late: ignored
}

TEST_CASE("socketio client: acks are lost with the connection; namespaces rejoin after the reconnect") {
    connected k;
    std::uint64_t a0 = 0, a1 = 0;
    REQUIRE_FALSE(k.c.emit_with_ack("/", "x", "[]", at_ms(10), 10s, a0));
    REQUIRE_FALSE(k.c.emit_with_ack("/admin", "y", "[]", at_ms(10), 0s, a1));
    drain(k.c);
    k.c.on_close({1006, ""}, at_ms(20));
    auto a = drain(k.c);
    std::vector<std::uint64_t> lost;
    int ns_lost = 0;
    for (const auto& r : a) {
        if (r.kind == sio::action_kind::ack) {
            CHECK(r.error == sio::errc::ack_lost);
            lost.push_back(*r.id);
        }
        if (r.kind == sio::action_kind::namespace_disconnected) {
            CHECK(r.error == sio::errc::transport_lost);
            ++ns_lost;
        }
    }
    CHECK(lost.size() == 2);
    CHECK(ns_lost == 2);
    REQUIRE(a.back().kind == sio::action_kind::disconnected);
    CHECK(a.back().error == eio::errc::transport_closed);
    CHECK(a.back().retry_at == at_ms(1020));
    CHECK(k.c.state_of("/") == sio::namespace_state::pending);
    CHECK(k.c.emit("/", "x") == sio::errc::not_connected);

    k.c.handle_timeout(at_ms(1020));
    k.c.on_open(at_ms(1021));
    k.c.on_message(open_packet, message_type::text, at_ms(1022));
    CHECK(sent(drain(k.c)) == std::vector<std::string>{"40", R"(40/admin,{"token":"secret"})"});
    k.in(R"(40{"sid":"A2"})", 1030);
    CHECK(k.c.state_of("/") == sio::namespace_state::connected);
    CHECK(k.c.session().sid_of("/") == "A2");
    CHECK(k.in("430[]", 1040).empty()); // the lost ack does not resolve again
}

TEST_CASE("socketio client: server DISCONNECT of one namespace") {
    connected k;
    std::uint64_t a0 = 0, a1 = 0;
    REQUIRE_FALSE(k.c.emit_with_ack("/", "x", "[]", at_ms(10), 10s, a0));
    REQUIRE_FALSE(k.c.emit_with_ack("/admin", "y", "[]", at_ms(10), 10s, a1));
    drain(k.c);
    auto a = k.in("41/admin,");
    REQUIRE(a.size() == 2);
    CHECK(a[0].kind == sio::action_kind::ack);
    CHECK(a[0].id == a1);
    CHECK(a[0].error == sio::errc::ack_lost);
    CHECK(a[1].kind == sio::action_kind::namespace_disconnected);
    CHECK(a[1].nsp == "/admin");
    CHECK(a[1].error == sio::errc::server_disconnect);
    CHECK(k.c.state_of("/admin") == sio::namespace_state::kicked);
    CHECK(k.c.session().pending_acks() == 1); // "/"'s ack still pending
    CHECK(k.c.emit("/admin", "x") == sio::errc::not_connected);
    // The server closes the rest: "/" is kicked too, and nothing is left to reconnect for.
    k.in("41");
    k.c.on_close({1000, ""}, at_ms(30));
    a = drain(k.c);
    REQUIRE(a.back().kind == sio::action_kind::disconnected);
    CHECK(a.back().retry_at.is_never());
    CHECK(k.c.engine_state() == eio::state::closed);
    // join() again retries a kicked namespace.
    REQUIRE_FALSE(k.c.join("/admin", at_ms(40)));
    REQUIRE_FALSE(k.c.start(at_ms(40)));
    CHECK(drain(k.c).at(0).op == transport_op::open);
}

TEST_CASE("socketio client: CONNECT_ERROR refuses a namespace clearly") {
    sluice::xoshiro256 rng(1);
    sio::client c(test_config(), rng);
    REQUIRE_FALSE(c.join("/", at_ms(0)));
    REQUIRE_FALSE(c.join("/private", R"({"token":"bad"})", at_ms(0)));
    REQUIRE_FALSE(c.start(at_ms(0)));
    c.on_open(at_ms(0));
    c.on_message(open_packet, message_type::text, at_ms(0));
    drain(c);
    c.on_message(R"(44/private,{"message":"not authorized","data":{"reason":"x"}})", message_type::text, at_ms(1));
    auto a = drain(c);
    REQUIRE(a.size() == 1);
    CHECK(a[0].kind == sio::action_kind::namespace_refused);
    CHECK(a[0].nsp == "/private");
    CHECK(a[0].data == R"({"message":"not authorized","data":{"reason":"x"}})");
    CHECK(a[0].error == sio::errc::namespace_refused);
    CHECK(a[0].error == sluice::condition::handshake_failed);
    CHECK(c.state_of("/private") == sio::namespace_state::refused);
    c.on_message(R"(44"Unable to connect")", message_type::text, at_ms(1)); // python-socketio's string form
    a = drain(c);
    REQUIRE(a.size() == 1);
    CHECK(a[0].data == R"("Unable to connect")");
    // Retry with other credentials.
    REQUIRE_FALSE(c.join("/private", R"({"token":"good"})", at_ms(2)));
    CHECK(sent(drain(c)) == std::vector<std::string>{R"(40/private,{"token":"good"})"});
}

TEST_CASE("socketio client: binary events and acks, both directions") {
    connected k;
    auto a = k.in(R"(452-["up",{"_placeholder":true,"num":1},"text",{"_placeholder":true,"num":0}])");
    CHECK(a.empty());
    CHECK(k.c.session().awaiting_attachments());
    k.c.on_message(std::string_view("\x00\x01", 2), message_type::binary, at_ms(11));
    CHECK(drain(k.c).empty());
    k.c.on_message("second", message_type::binary, at_ms(11));
    a = drain(k.c);
    REQUIRE(a.size() == 1);
    CHECK(a[0].kind == sio::action_kind::event);
    CHECK(a[0].name == "up");
    CHECK(a[0].args == R"([{"_placeholder":true,"num":1},"text",{"_placeholder":true,"num":0}])");
    REQUIRE(a[0].attachments.size() == 2);
    CHECK(a[0].attachments[0] == std::string_view("\x00\x01", 2));
    CHECK(a[0].attachments[1] == "second");

    // Sending: a BINARY_EVENT and its attachment; a BINARY_ACK.
    const std::string_view att[] = {"abc"};
    std::uint64_t id = 0;
    REQUIRE_FALSE(k.c.emit_with_ack("/admin", "file", "[" + sio::placeholder(0) + "]", at_ms(12), 0s, id, att));
    REQUIRE_FALSE(k.c.ack("/", 3, "[" + sio::placeholder(0) + "]", att));
    CHECK(sent(drain(k.c)) == std::vector<std::string>{R"(451-/admin,0["file",{"_placeholder":true,"num":0}])", "bin:abc",
                                                       R"(461-3[{"_placeholder":true,"num":0}])", "bin:abc"});
    // The server's BINARY_ACK.
    k.in(R"(461-/admin,0["bin",{"_placeholder":true,"num":0}])");
    k.c.on_message("\x09\x08\x07", message_type::binary, at_ms(13));
    a = drain(k.c);
    REQUIRE(a.size() == 1);
    CHECK(a[0].kind == sio::action_kind::ack);
    CHECK(a[0].id == 0u);
    CHECK(a[0].args == R"(["bin",{"_placeholder":true,"num":0}])");
    REQUIRE(a[0].attachments.size() == 1);
    CHECK(a[0].attachments[0] == "\x09\x08\x07");
}

TEST_CASE("socketio client: malformed packets are protocol errors that close with 1002") {
    const struct {
        const char* name;
        std::vector<std::pair<std::string, bool>> msgs; // text or binary
        std::error_code err;
    } cases[] = {
        {"empty", {{"4", false}}, sio::errc::empty_packet},
        {"unknown type", {{"49", false}}, sio::errc::unknown_packet_type},
        {"bad json", {{R"(42["x",)", false}}, sio::errc::bad_payload},
        {"bad placeholder", {{R"(451-["x",{"_placeholder":true,"num":3}])", false}}, sio::errc::bad_placeholder},
        {"unannounced binary", {{"abc", true}}, sio::errc::unexpected_binary},
        {"text while attachments pending", {{R"(451-["x",{"_placeholder":true,"num":0}])", false}, {R"(42["y"])", false}},
         sio::errc::missing_attachments},
        {"too many attachments", {{R"(4517-["x"])", false}}, sio::errc::too_many_attachments},
        {"engine.io garbage", {{"x", false}}, eio::errc::unknown_packet_type},
    };
    for (const auto& t : cases) {
        CAPTURE(t.name);
        connected k;
        std::uint64_t id = 0;
        REQUIRE_FALSE(k.c.emit_with_ack("/", "x", "[]", at_ms(5), 0s, id));
        drain(k.c);
        for (const auto& [m, bin] : t.msgs) k.c.on_message(m, bin ? message_type::binary : message_type::text, at_ms(10));
        auto a = drain(k.c);
        REQUIRE(!a.empty());
        CHECK(a[0].op == transport_op::close);
        CHECK(a[0].close_code == 1002);
        const auto* ack = find(a, sio::action_kind::ack);
        REQUIRE(ack != nullptr);
        CHECK(ack->error == sio::errc::ack_lost);
        REQUIRE(a.back().kind == sio::action_kind::disconnected);
        CHECK(a.back().error == t.err);
        CHECK(a.back().retry_at == at_ms(1010)); // and it reconnects
        CHECK(k.c.engine_state() == eio::state::waiting);
        CHECK_FALSE(k.c.session().awaiting_attachments());
    }
}

TEST_CASE("socketio client: the caller's misuse is refused and changes nothing") {
    sluice::xoshiro256 rng(1);
    sio::client c(test_config(), rng);
    CHECK(c.emit("/", "x") == sio::errc::unknown_namespace);
    CHECK(c.join("admin", at_ms(0)) == sio::errc::invalid_namespace);
    CHECK(c.join("/a,b", at_ms(0)) == sio::errc::invalid_namespace);
    CHECK(c.join("", at_ms(0)) == sio::errc::invalid_namespace);
    CHECK(c.join("/", "[1]", at_ms(0)) == sio::errc::invalid_args);
    CHECK(c.join("/", "{", at_ms(0)) == sio::errc::invalid_args);
    REQUIRE_FALSE(c.join("/", at_ms(0)));
    CHECK(c.join("/", at_ms(0)) == sio::errc::already_joined);
    REQUIRE_FALSE(c.join("/b", at_ms(0)));
    REQUIRE_FALSE(c.join("/c", at_ms(0)));
    CHECK(c.join("/d", at_ms(0)) == sio::errc::too_many_namespaces);
    CHECK(c.leave("/zzz", at_ms(0)) == sio::errc::unknown_namespace);
    REQUIRE_FALSE(c.leave("/c", at_ms(0)));
    REQUIRE_FALSE(c.join("/d", at_ms(0))); // the slot is free again
    CHECK(c.emit("/", "x") == sio::errc::not_connected);
    CHECK(drain(c).empty()); // nothing was queued
    CHECK(sio::make_error_code(sio::errc::not_connected) == sluice::condition::misuse);

    connected k;
    CHECK(k.c.emit("/", "") == sio::errc::invalid_event_name);
    CHECK(k.c.emit("/", "disconnect") == sio::errc::invalid_event_name);
    CHECK(k.c.emit("/", "\xc3") == sio::errc::invalid_event_name); // not UTF-8
    CHECK(k.c.emit("/", "x", "{}") == sio::errc::invalid_args);
    CHECK(k.c.emit("/", "x", "[1,") == sio::errc::invalid_args);
    CHECK(k.c.ack("/", 1, "1") == sio::errc::invalid_args);
    CHECK(k.c.emit("/", "x", "[\"" + std::string(1000, 'y') + "\"]") == eio::errc::payload_too_large); // maxPayload 1000
    const std::string big(1001, 'z');
    const std::string_view att[] = {big};
    CHECK(k.c.emit("/", "x", "[]", att) == eio::errc::payload_too_large);
    std::uint64_t id = 0;
    for (int i = 0; i < 8; ++i) REQUIRE_FALSE(k.c.emit_with_ack("/", "x", "[]", at_ms(1), 0s, id));
    CHECK(k.c.emit_with_ack("/", "x", "[]", at_ms(1), 0s, id) == sio::errc::too_many_pending_acks);
    CHECK(id == 7);
    CHECK(sent(drain(k.c)).size() == 8);
}

TEST_CASE("socketio client: leave() and close()") {
    connected k;
    std::uint64_t id = 0;
    REQUIRE_FALSE(k.c.emit_with_ack("/admin", "x", "[]", at_ms(5), 0s, id));
    drain(k.c);
    REQUIRE_FALSE(k.c.leave("/admin", at_ms(6)));
    auto a = drain(k.c);
    CHECK(sent(a) == std::vector<std::string>{"41/admin,"});
    REQUIRE(find(a, sio::action_kind::ack) != nullptr);
    CHECK(find(a, sio::action_kind::ack)->error == sio::errc::ack_lost);
    CHECK_FALSE(k.c.state_of("/admin"));
    CHECK(k.in(R"(42/admin,["late"])").empty());

    k.c.close(at_ms(7));
    a = drain(k.c);
    CHECK(sent(a) == std::vector<std::string>{"41"});
    const auto* nd = find(a, sio::action_kind::namespace_disconnected);
    REQUIRE(nd != nullptr);
    CHECK(nd->error == eio::errc::closed_by_client);
    CHECK(a.back().kind == sio::action_kind::disconnected);
    CHECK(a.back().retry_at.is_never());
    CHECK(k.c.next_deadline().is_never());
    // start() again rejoins "/".
    REQUIRE_FALSE(k.c.start(at_ms(8)));
    k.c.on_open(at_ms(8));
    k.c.on_message(open_packet, message_type::text, at_ms(8));
    CHECK(sent(drain(k.c)) == std::vector<std::string>{"40"});
}

TEST_CASE("socketio client: draining late keeps every event intact") {
    connected k;
    for (int i = 0; i < 100; ++i) k.c.on_message("42[\"n\"," + std::to_string(i) + "]", message_type::text, at_ms(10));
    auto a = drain(k.c);
    REQUIRE(a.size() == 100);
    for (int i = 0; i < 100; ++i) CHECK(a[i].args == "[" + std::to_string(i) + "]");
}

TEST_CASE("socketio client: no allocation per event, ack or binary event once connected") {
    connected k;
    const std::string_view att[] = {"attachment bytes longer than sixteen"};
    auto cycle = [&](std::int64_t t) {
        k.c.on_message("2", message_type::text, at_ms(t));
        k.c.on_message(R"(42["task-progress",{"job_id":"cf2646a2","progress":0.19,"eta_relative":9.8}])", message_type::text,
                       at_ms(t));
        k.c.on_message(R"(42/admin,7["question",{"x":1}])", message_type::text, at_ms(t));
        (void)k.c.ack("/admin", 7, R"([{"answer":42}])");
        std::uint64_t id = 0;
        (void)k.c.emit_with_ack("/", "ask", "[5]", at_ms(t), 10s, id);
        k.c.on_message("43" + std::to_string(id) + "[{\"doubled\":10}]", message_type::text, at_ms(t));
        k.c.on_message(R"(451-["up",{"_placeholder":true,"num":0}])", message_type::text, at_ms(t));
        k.c.on_message("binary attachment bytes longer than sixteen", message_type::binary, at_ms(t));
        (void)k.c.emit("/", "file", "[" R"({"_placeholder":true,"num":0})" "]", att);
        k.c.handle_timeout(at_ms(t));
        while (k.c.poll()) {
        }
    };
    for (int i = 0; i < 3; ++i) cycle(10 + i);
    std::uint64_t total = 0;
    for (int i = 0; i < 300; ++i) {
        // Build the test's own strings outside the counted region.
        const std::string ack_text = "43" + std::to_string(3 + i) + "[{\"doubled\":10}]";
        sluice_test::allocation_counter count;
        k.c.on_message("2", message_type::text, at_ms(100 + i));
        k.c.on_message(R"(42["task-progress",{"job_id":"cf2646a2","progress":0.19,"eta_relative":9.8}])", message_type::text,
                       at_ms(100 + i));
        k.c.on_message(R"(42/admin,7["question",{"x":1}])", message_type::text, at_ms(100 + i));
        (void)k.c.ack("/admin", 7, R"([{"answer":42}])");
        std::uint64_t id = 0;
        (void)k.c.emit_with_ack("/", "ask", "[5]", at_ms(100 + i), 10s, id);
        k.c.on_message(ack_text, message_type::text, at_ms(100 + i));
        k.c.on_message(R"(451-["up",{"_placeholder":true,"num":0}])", message_type::text, at_ms(100 + i));
        k.c.on_message("binary attachment bytes longer than sixteen", message_type::binary, at_ms(100 + i));
        (void)k.c.emit("/", "file", "[" R"({"_placeholder":true,"num":0})" "]", att);
        k.c.handle_timeout(at_ms(100 + i));
        int acks_seen = 0;
        while (const auto* e = k.c.poll()) acks_seen += e->action.kind == sio::action_kind::ack;
        total += count.count();
        CHECK(acks_seen == 1);
    }
    CHECK(total == 0);
    CHECK(k.c.session().pending_acks() == 0);
}
