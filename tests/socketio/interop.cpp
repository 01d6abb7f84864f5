// Interop: socketio::client in byte mode (ws::session) against the real
// `socket.io` npm server (4.8.1, tests/package.json) and Debian's
// python3-socketio (5.7), each started here on a free port of 127.0.0.1 (see
// tests/peers/socketio_peer.js and socketio_python_peer.py).
#include <sluice/socketio/client.hpp>

#include "net.hpp"
#include "support/support.hpp"

#include <algorithm>
#include <deque>
#include <random>
#include <string>
#include <vector>

using namespace std::chrono_literals;
namespace sio = sluice::socketio;
namespace eio = sluice::engineio;
using sio_net::now;

namespace {

struct rec {
    sio::action_kind kind;
    std::string nsp, name, args, data;
    std::optional<std::uint64_t> id;
    std::vector<std::string> attachments;
    std::error_code error;
    sluice::instant retry_at;
};

using sio_net::squeeze;

struct session_under_test {
    sluice::xoshiro256 rng{std::random_device{}()};
    sio_net::driver<sio::client> d;
    std::deque<rec> events; // stable addresses: wait() hands out pointers
    std::size_t pings = 0;

    static sio::config make_config(std::uint16_t port) {
        sio::config cfg;
        cfg.engine.url = eio::make_url("ws://127.0.0.1:" + std::to_string(port));
        cfg.engine.reconnect_backoff = {200ms, 1s, 2.0, sluice::jitter_mode::equal, 0};
        return cfg;
    }
    explicit session_under_test(std::uint16_t port) : d(rng, make_config(port), rng) {}

    sio::client& c() { return d.inner(); }
    void on(const sio_net::driver<sio::client>::entry& e) {
        const sio::action& a = e.action.inner;
        if (a.kind == sio::action_kind::ping) {
            ++pings;
            return;
        }
        rec r{a.kind, std::string(a.nsp), std::string(a.name), squeeze(a.args), std::string(a.data), a.id, {}, a.error, a.retry_at};
        for (auto v : a.attachments) r.attachments.emplace_back(v);
        events.push_back(std::move(r));
    }
    // Runs until an action satisfying `pred` has arrived (one that arrived
    // earlier counts too: several can come in one read).
    const rec* wait(const std::function<bool(const rec&)>& pred, std::chrono::milliseconds limit = 10s) {
        const std::size_t from = 0;
        const rec* found = nullptr;
        d.run([&](const auto& e) { on(e); },
              [&] {
                  for (std::size_t i = from; i < events.size() && !found; ++i)
                      if (pred(events[i])) found = &events[i];
                  return found != nullptr;
              },
              limit);
        return found;
    }
    const rec* wait_event(std::string_view nsp, std::string_view name) {
        return wait([&](const rec& r) { return r.kind == sio::action_kind::event && r.nsp == nsp && r.name == name; });
    }
    bool seen(const std::function<bool(const rec&)>& pred) const {
        return std::any_of(events.begin(), events.end(), pred);
    }
    void idle(std::chrono::milliseconds t) {
        d.run([&](const auto& e) { on(e); }, [] { return false; }, t);
    }
};

void run_interop(sio_net::peer_process& peer) {
    INFO("peer: " << peer.name());
    REQUIRE(peer.port() != 0);
    session_under_test t(peer.port());
    auto& c = t.c();

    // Connect to "/" and a custom namespace with auth payloads; one refused.
    REQUIRE_FALSE(c.join("/", R"({"token":"secret"})", now()));
    REQUIRE_FALSE(c.join("/admin", R"({"token":"admin-pass","n":[1,2]})", now()));
    REQUIRE_FALSE(c.join("/refused", R"({"token":"x"})", now()));
    REQUIRE_FALSE(c.start(now()));
    const auto* w1 = t.wait_event("/", "welcome");
    REQUIRE(w1 != nullptr);
    CHECK(w1->args.find(R"("auth":{"token":"secret"})") != std::string::npos);
    const auto* w2 = t.wait_event("/admin", "welcome");
    REQUIRE(w2 != nullptr);
    CHECK(w2->args.find(R"("auth":{"token":"admin-pass","n":[1,2]})") != std::string::npos);
    CHECK(c.state_of("/") == sio::namespace_state::connected);
    CHECK(c.state_of("/admin") == sio::namespace_state::connected);
    const auto* refused = t.wait([](const rec& r) { return r.kind == sio::action_kind::namespace_refused; });
    REQUIRE(refused != nullptr);
    CHECK(refused->nsp == "/refused");
    CHECK(refused->error == sio::errc::namespace_refused);
    CHECK(squeeze(refused->data) == R"({"message":"not authorized","data":{"reason":"refused by test"}})");
    CHECK(c.state_of("/refused") == sio::namespace_state::refused);
    CHECK(peer.wait_report({R"("event":"connection")", R"("nsp":"/admin")", R"("auth":{"token":"admin-pass","n":[1,2]})"}));

    // Events both ways.
    REQUIRE_FALSE(c.emit("/", "echo", R"([1,"two",{"three":3},[true,null]])"));
    const auto* echo = t.wait_event("/", "echo");
    REQUIRE(echo != nullptr);
    CHECK(echo->args == R"([1,"two",{"three":3},[true,null]])");
    CHECK_FALSE(echo->id);

    // Acks both ways: ours answered by the server ...
    std::uint64_t id = 0;
    REQUIRE_FALSE(c.emit_with_ack("/admin", "ask", "[21]", now(), 5s, id));
    const auto* ack = t.wait([&](const rec& r) { return r.kind == sio::action_kind::ack && r.id == id; });
    REQUIRE(ack != nullptr);
    CHECK_FALSE(ack->error);
    CHECK(ack->nsp == "/admin");
    CHECK(ack->args == R"([{"doubled":42}])");
    // ... and the server's answered by us.
    REQUIRE_FALSE(c.emit("/", "request-ack", R"(["q1"])"));
    const auto* question = t.wait_event("/", "question");
    REQUIRE(question != nullptr);
    REQUIRE(question->id);
    CHECK(question->args == R"(["q1"])");
    REQUIRE_FALSE(c.ack("/", *question->id, R"(["a1",{"ok":true}])"));
    const auto* answer = t.wait_event("/", "answer");
    REQUIRE(answer != nullptr);
    CHECK(answer->args == R"(["a1",{"ok":true}])");
    CHECK(peer.wait_report({R"("event":"answered")", R"(["a1",{"ok":true}])"}));

    // A binary event both ways, and a binary ack.
    const std::string blob("\x00\xff\x10 binary", 10);
    const std::string_view att[] = {blob};
    REQUIRE_FALSE(c.emit("/", "binary", "[{\"m\":1}," + sio::placeholder(0) + "]", att));
    const auto* bin = t.wait_event("/", "binary-echo");
    REQUIRE(bin != nullptr);
    CHECK(bin->args == R"([{"m":1},{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])");
    REQUIRE(bin->attachments.size() == 2);
    CHECK(bin->attachments[0] == blob);
    CHECK(bin->attachments[1] == "\x01\x02\x03");
    CHECK(peer.wait_report({R"("name":"binary")", R"({"binary":[0,255,16,32,98,105,110,97,114,121]})"}));
    REQUIRE_FALSE(c.emit_with_ack("/", "binary-ack", "", now(), 5s, id));
    const auto* bin_ack = t.wait([&](const rec& r) { return r.kind == sio::action_kind::ack && r.id == id; });
    REQUIRE(bin_ack != nullptr);
    CHECK(bin_ack->args == R"(["bin",{"_placeholder":true,"num":0}])");
    REQUIRE(bin_ack->attachments.size() == 1);
    CHECK(bin_ack->attachments[0] == "\x09\x08\x07");

    // The server pings every 200 ms: three seconds of pings, answered, and
    // the session stays up.
    const std::size_t pings_before = t.pings;
    t.idle(3s);
    CHECK(t.pings - pings_before >= 8);
    CHECK_FALSE(t.seen([](const rec& r) { return r.kind == sio::action_kind::disconnected; }));
    CHECK(c.engine_state() == eio::state::open);
    CHECK(t.d.connects() == 1);

    // Server-side disconnect of one namespace; the other stays.
    REQUIRE_FALSE(c.emit("/admin", "kick"));
    const auto* kicked = t.wait([](const rec& r) { return r.kind == sio::action_kind::namespace_disconnected && r.nsp == "/admin"; });
    REQUIRE(kicked != nullptr);
    CHECK(kicked->nsp == "/admin");
    CHECK(kicked->error == sio::errc::server_disconnect);
    CHECK(c.state_of("/admin") == sio::namespace_state::kicked);
    REQUIRE_FALSE(c.emit("/", "echo", R"(["still here"])"));
    REQUIRE(t.wait([](const rec& r) { return r.kind == sio::action_kind::event && r.name == "echo" && r.args == R"(["still here"])"; }) !=
            nullptr);

    // The server disconnects everything and closes: no namespace is left to
    // rejoin, so the client does not reconnect.
    REQUIRE_FALSE(c.emit("/", "kick-all"));
    const auto* gone = t.wait([](const rec& r) { return r.kind == sio::action_kind::disconnected; });
    REQUIRE(gone != nullptr);
    CHECK(gone->retry_at.is_never());
    CHECK(t.seen([](const rec& r) {
        return r.kind == sio::action_kind::namespace_disconnected && r.nsp == "/" && r.error == sio::errc::server_disconnect;
    }));
    t.idle(500ms);
    CHECK(t.d.connects() == 1);
    CHECK(c.engine_state() == eio::state::closed);
}

} // namespace

TEST_CASE("socketio interop: socket.io npm server 4.8") {
    const std::string dir = sio_net::source_dir() + "/tests/peers/";
    sio_net::peer_process peer({"node", dir + "socketio_peer.js", "--ping-interval", "200", "--ping-timeout", "2000"}, "socket.io (node)");
    run_interop(peer);
}

TEST_CASE("socketio interop: python3-socketio") {
    const std::string dir = sio_net::source_dir() + "/tests/peers/";
    sio_net::peer_process peer({"/usr/bin/python3", dir + "socketio_python_peer.py", "--ping-interval", "200", "--ping-timeout", "2000"},
                               "python-socketio");
    run_interop(peer);
}
