// The i386chat client in byte mode over real TCP against the scripted peer
// (tests/peers/i386chat_peer.py): chat between two clients, heartbeats kept
// up, a withheld echo detected and healed, GATEWAY_DOWN and a refused token.
#include <sluice/i386chat.hpp>

#include <doctest/doctest.h>

#include "peers/net.hpp"
#include "support/support.hpp"

#include <string>

using namespace sluice;
using i386chat::action_kind;
using chat_client = peer_net::client<i386chat::client>;

namespace {

i386chat::config make_config(std::uint16_t port, std::string token = "tok") {
    i386chat::config c;
    c.url = "ws://127.0.0.1:" + std::to_string(port) + "/gateway";
    c.token = std::move(token);
    c.engine.reconnect.base = std::chrono::milliseconds(50);
    return c;
}

std::size_t count(const chat_client& c, action_kind k, i386chat::event_name n = i386chat::event_name::other, bool any = true) {
    std::size_t total = 0;
    for (const auto& r : c.log)
        if (r.a.kind == k && (any || r.a.event == n)) ++total;
    return total;
}

std::string data_of(const chat_client::record& r) { return r.bytes.substr(r.a.data_offset, r.a.data_size); }

} // namespace

TEST_SUITE("interop") {

TEST_CASE("i386chat interop: present, ready, chat between two clients, heartbeats") {
    peer_net::peer p("i386chat_peer.py", {"--hb-int", "300", "--token", "tok"});
    REQUIRE(p.ok());
    xoshiro256 rng{1};
    chat_client a(rng, make_config(p.port()), rng), b(rng, make_config(p.port()), rng);
    REQUIRE_FALSE(a.machine().start(peer_net::now()));
    REQUIRE_FALSE(b.machine().start(peer_net::now()));
    REQUIRE(peer_net::run_until([&] { return a.machine().is_ready() && b.machine().is_ready(); }, std::chrono::seconds(10), a, b));
    CHECK(a.machine().ready().version == 6);
    CHECK(a.machine().ready().session_id != b.machine().ready().session_id);

    REQUIRE_FALSE(a.machine().execute("MESSAGE_CREATE", R"({"content":"hello from a"})", peer_net::now()));
    REQUIRE(peer_net::run_until([&] { return count(b, action_kind::event, i386chat::event_name::message_create, false) == 1; },
                                std::chrono::seconds(5), a, b));
    for (const auto& r : b.log)
        if (r.a.kind == action_kind::event && r.a.event == i386chat::event_name::message_create) {
            CHECK(data_of(r).find(R"("content":"hello from a")") != std::string::npos);
            CHECK(data_of(r).find(R"("author":)" + std::to_string(a.machine().ready().session_id)) != std::string::npos);
        }
    // Heartbeats every 300 ms keep both alive for two seconds (the peer drops at 450 ms without one).
    peer_net::run_for(std::chrono::milliseconds(2000), a, b);
    CHECK(a.machine().is_ready());
    CHECK(b.machine().is_ready());
    CHECK(a.connects() == 1);
    CHECK(count(a, action_kind::notice) == 0);
    CHECK(count(a, action_kind::error) == 0);
}

TEST_CASE("i386chat interop: a withheld echo is a dead connection: reconnect and present again") {
    peer_net::peer p("i386chat_peer.py", {"--hb-int", "200", "--grace", "10"});
    REQUIRE(p.ok());
    xoshiro256 rng{2};
    chat_client c(rng, make_config(p.port()), rng);
    REQUIRE_FALSE(c.machine().start(peer_net::now()));
    REQUIRE(peer_net::run_until([&] { return c.machine().is_ready(); }, std::chrono::seconds(10), c));
    CHECK(p.command(R"({"cmd":"withhold_echo"})").find("\"ok\":true") != std::string::npos);
    REQUIRE(peer_net::run_until(
        [&] {
            for (const auto& r : c.log)
                if (r.a.kind == action_kind::notice && r.a.error == gateway::errc::zombie_connection) return true;
            return false;
        },
        std::chrono::seconds(5), c));
    REQUIRE(peer_net::run_until([&] { return c.machine().is_ready() && c.connects() == 2; }, std::chrono::seconds(10), c));
    CHECK(count(c, action_kind::ready) == 2);
}

TEST_CASE("i386chat interop: GATEWAY_DOWN, then the close, then a new connection") {
    peer_net::peer p("i386chat_peer.py");
    REQUIRE(p.ok());
    xoshiro256 rng{3};
    chat_client c(rng, make_config(p.port()), rng);
    REQUIRE_FALSE(c.machine().start(peer_net::now()));
    REQUIRE(peer_net::run_until([&] { return c.machine().is_ready(); }, std::chrono::seconds(10), c));
    CHECK(p.command(R"({"cmd":"gateway_down","delay_ms":100})").find("\"ok\":true") != std::string::npos);
    REQUIRE(peer_net::run_until([&] { return count(c, action_kind::event, i386chat::event_name::gateway_down, false) == 1; },
                                std::chrono::seconds(5), c));
    CHECK(c.machine().expecting_shutdown());
    REQUIRE(peer_net::run_until([&] { return c.connects() == 2 && c.machine().is_ready(); }, std::chrono::seconds(10), c));
    bool saw_4003 = false;
    for (const auto& r : c.log)
        if (r.a.kind == action_kind::notice && r.a.close_code == 4003) saw_4003 = true;
    CHECK(saw_4003);
}

TEST_CASE("i386chat interop: non-fatal errors continue; a refused token stops") {
    peer_net::peer p("i386chat_peer.py", {"--token", "right"});
    REQUIRE(p.ok());
    xoshiro256 rng{4};
    chat_client ok(rng, make_config(p.port(), "right"), rng);
    REQUIRE_FALSE(ok.machine().start(peer_net::now()));
    REQUIRE(peer_net::run_until([&] { return ok.machine().is_ready(); }, std::chrono::seconds(10), ok));
    REQUIRE_FALSE(ok.machine().execute("NOT_AN_EVENT", "{}", peer_net::now()));
    REQUIRE(peer_net::run_until([&] { return count(ok, action_kind::error) == 1; }, std::chrono::seconds(5), ok));
    for (const auto& r : ok.log)
        if (r.a.kind == action_kind::error) {
            CHECK(r.a.code == 4004);
            CHECK_FALSE(r.a.disconnecting);
        }
    peer_net::run_for(std::chrono::milliseconds(200), ok);
    CHECK(ok.machine().is_ready());

    chat_client bad(rng, make_config(p.port(), "wrong"), rng);
    REQUIRE_FALSE(bad.machine().start(peer_net::now()));
    REQUIRE(peer_net::run_until([&] { return bad.machine().current_state() == gateway::state::failed; }, std::chrono::seconds(10),
                                bad));
    bool refused = false;
    for (const auto& r : bad.log)
        if (r.a.kind == action_kind::notice && r.a.error == i386chat::errc::refused_token) refused = true;
    CHECK(refused);
    CHECK(bad.connects() == 1);
}

} // TEST_SUITE
