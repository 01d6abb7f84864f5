// The singyeong client in byte mode over real TCP against the scripted peer
// (tests/peers/singyeong_peer.py), which routes between connected clients:
// request and reply through routing queries, broadcast, QUERY_NODES, a queue
// from producer to worker, no_route, client updates, goodbye with metadata
// restored, and heartbeats over many intervals.
#include <sluice/singyeong.hpp>

#include <doctest/doctest.h>

#include "peers/net.hpp"
#include "support/support.hpp"

#include <string>

using namespace sluice;
using singyeong::action_kind;
using sy_client = peer_net::client<singyeong::client>;

namespace {

singyeong::config make_config(std::uint16_t port, std::string id, std::string app = "app") {
    singyeong::dsn d;
    const std::string text = "singyeong://" + app + "@127.0.0.1:" + std::to_string(port);
    REQUIRE_FALSE(singyeong::parse_dsn(text, d));
    singyeong::config c = singyeong::config::from_dsn(d, id);
    c.engine.reconnect.base = std::chrono::milliseconds(50);
    return c;
}

singyeong::entry as_entry(const sy_client::record& r) { return {r.a, r.bytes}; }

const sy_client::record* find(const sy_client& c, action_kind k, std::size_t skip = 0) {
    for (const auto& r : c.log)
        if (r.a.kind == k && skip-- == 0) return &r;
    return nullptr;
}
std::size_t count(const sy_client& c, action_kind k) {
    std::size_t n = 0;
    for (const auto& r : c.log)
        if (r.a.kind == k) ++n;
    return n;
}

} // namespace

TEST_SUITE("interop") {

TEST_CASE("singyeong interop: request and reply between two clients by metadata") {
    peer_net::peer p("singyeong_peer.py", {"--heartbeat-interval", "400"});
    REQUIRE(p.ok());
    xoshiro256 rng{1};
    sy_client worker(rng, make_config(p.port(), "worker-1"), rng), boss(rng, make_config(p.port(), "boss"), rng);
    const instant t0 = peer_net::now();
    REQUIRE_FALSE(worker.machine().set_metadata("role", singyeong::metadata_value::string("worker"), t0));
    REQUIRE_FALSE(worker.machine().set_metadata("load", singyeong::metadata_value::integer(2), t0));
    REQUIRE_FALSE(boss.machine().set_metadata("role", singyeong::metadata_value::string("boss"), t0));
    REQUIRE_FALSE(worker.machine().start(t0));
    REQUIRE_FALSE(boss.machine().start(t0));
    REQUIRE(peer_net::run_until([&] { return worker.machine().is_ready() && boss.machine().is_ready(); }, std::chrono::seconds(10),
                                worker, boss));
    CHECK_FALSE(find(worker, action_kind::ready)->a.restricted);

    singyeong::query to_workers("app");
    to_workers.where("/role", singyeong::op::eq, "worker").where("/load", singyeong::op::lt, 5);
    std::uint64_t nonce = 0;
    REQUIRE_FALSE(boss.machine().request(to_workers, R"({"job":"resize"})", peer_net::now(), std::chrono::seconds(5), nonce));
    REQUIRE(peer_net::run_until([&] { return find(worker, action_kind::message) != nullptr; }, std::chrono::seconds(5), worker, boss));
    const auto* job = find(worker, action_kind::message);
    const singyeong::entry je = as_entry(*job);
    CHECK(singyeong::payload(je) == R"({"job":"resize"})");
    CHECK(singyeong::sender(je) == "boss");
    CHECK(singyeong::nonce_text(je) == std::to_string(nonce));

    singyeong::query to_boss("app");
    to_boss.where("/role", singyeong::op::eq, "boss");
    REQUIRE_FALSE(worker.machine().reply(to_boss, singyeong::nonce_text(je), R"({"done":true})", peer_net::now()));
    REQUIRE(peer_net::run_until([&] { return find(boss, action_kind::reply) != nullptr; }, std::chrono::seconds(5), worker, boss));
    const singyeong::entry re = as_entry(*find(boss, action_kind::reply));
    CHECK(re.action.nonce == nonce);
    CHECK(singyeong::payload(re) == R"({"done":true})");
    CHECK(boss.machine().pending_requests() == 0);

    // The v1 form of the same query routes the same.
    std::uint64_t n2 = 0;
    singyeong::config v1 = make_config(p.port(), "boss-v1");
    v1.form = singyeong::query_form::v1;
    sy_client old(rng, v1, rng);
    REQUIRE_FALSE(old.machine().start(peer_net::now()));
    REQUIRE(peer_net::run_until([&] { return old.machine().is_ready(); }, std::chrono::seconds(10), old, worker, boss));
    REQUIRE_FALSE(old.machine().request(to_workers, "7", peer_net::now(), std::chrono::seconds(5), n2));
    REQUIRE(peer_net::run_until([&] { return count(worker, action_kind::message) == 2; }, std::chrono::seconds(5), old, worker, boss));

    // Heartbeats every 400 ms keep everyone connected well past 1.5 intervals.
    peer_net::run_for(std::chrono::milliseconds(1500), worker, boss, old);
    CHECK(worker.connects() == 1);
    CHECK(boss.connects() == 1);
    CHECK(count(worker, action_kind::server_error) == 0);
}

TEST_CASE("singyeong interop: no_route, broadcast, QUERY_NODES, client updates") {
    peer_net::peer p("singyeong_peer.py");
    REQUIRE(p.ok());
    xoshiro256 rng{2};
    singyeong::config watcher_cfg = make_config(p.port(), "watcher", "ops");
    watcher_cfg.receive_client_updates = true;
    sy_client watcher(rng, watcher_cfg, rng), a(rng, make_config(p.port(), "a"), rng), b(rng, make_config(p.port(), "b"), rng);
    REQUIRE_FALSE(watcher.machine().start(peer_net::now()));
    REQUIRE(peer_net::run_until([&] { return watcher.machine().is_ready(); }, std::chrono::seconds(10), watcher));
    REQUIRE_FALSE(a.machine().start(peer_net::now()));
    REQUIRE_FALSE(b.machine().start(peer_net::now()));
    REQUIRE(peer_net::run_until([&] { return a.machine().is_ready() && b.machine().is_ready() && count(watcher, action_kind::client_connected) >= 3; },
                                std::chrono::seconds(10), watcher, a, b));
    CHECK(singyeong::app(as_entry(*find(watcher, action_kind::client_connected, 1))) == "app");

    std::uint64_t lost = 0;
    singyeong::query nobody("app");
    nobody.where("/missing", singyeong::op::eq, 1);
    REQUIRE_FALSE(a.machine().request(nobody, "1", peer_net::now(), std::chrono::seconds(5), lost));
    REQUIRE(peer_net::run_until([&] { return find(a, action_kind::request_failed) != nullptr; }, std::chrono::seconds(5), a, b, watcher));
    CHECK(find(a, action_kind::request_failed)->a.nonce == lost);
    CHECK(find(a, action_kind::request_failed)->a.error == singyeong::errc::no_route);
    CHECK(find(a, action_kind::invalid));
    CHECK(a.machine().is_ready());

    REQUIRE_FALSE(a.machine().broadcast(singyeong::query("app"), R"("all")", peer_net::now()));
    REQUIRE(peer_net::run_until([&] { return find(a, action_kind::message) && find(b, action_kind::message); }, std::chrono::seconds(5), a, b,
                                watcher));
    CHECK(find(watcher, action_kind::message) == nullptr); // another application

    std::uint64_t q = 0;
    REQUIRE_FALSE(watcher.machine().query_nodes(singyeong::query("app"), peer_net::now(), duration::zero(), q));
    REQUIRE(peer_net::run_until([&] { return find(watcher, action_kind::reply) != nullptr; }, std::chrono::seconds(5), a, b, watcher));
    const singyeong::entry nodes = as_entry(*find(watcher, action_kind::reply));
    CHECK(nodes.action.nonce == q);
    CHECK(singyeong::nodes(nodes).find(R"("client_id":"a")") != std::string::npos);
    CHECK(singyeong::nodes(nodes).find(R"("client_id":"b")") != std::string::npos);

    REQUIRE_FALSE(b.machine().close(peer_net::now()));
    REQUIRE(peer_net::run_until([&] { return find(watcher, action_kind::client_disconnected) != nullptr; }, std::chrono::seconds(5), a, b,
                                watcher));
}

TEST_CASE("singyeong interop: a queue from producer to worker, acknowledged") {
    peer_net::peer p("singyeong_peer.py");
    REQUIRE(p.ok());
    xoshiro256 rng{3};
    sy_client producer(rng, make_config(p.port(), "producer"), rng), worker(rng, make_config(p.port(), "worker"), rng);
    REQUIRE_FALSE(worker.machine().set_metadata("role", singyeong::metadata_value::string("worker"), peer_net::now()));
    REQUIRE_FALSE(producer.machine().start(peer_net::now()));
    REQUIRE_FALSE(worker.machine().start(peer_net::now()));
    REQUIRE(peer_net::run_until([&] { return producer.machine().is_ready() && worker.machine().is_ready(); }, std::chrono::seconds(10),
                                producer, worker));
    REQUIRE_FALSE(worker.machine().queue_request("jobs", peer_net::now()));
    singyeong::query workers("app");
    workers.where("/role", singyeong::op::eq, "worker");
    std::uint64_t n = 0;
    REQUIRE_FALSE(producer.machine().queue("jobs", workers, R"({"frame":12})", peer_net::now(), duration::zero(), n));
    REQUIRE(peer_net::run_until([&] { return find(producer, action_kind::reply) && find(worker, action_kind::queued); },
                                std::chrono::seconds(5), producer, worker));
    CHECK(find(producer, action_kind::reply)->a.nonce == n);
    CHECK(singyeong::queue(as_entry(*find(producer, action_kind::reply))) == "jobs");
    const singyeong::entry job = as_entry(*find(worker, action_kind::queued));
    CHECK(singyeong::queue(job) == "jobs");
    CHECK(singyeong::payload(job) == R"({"frame":12})");
    REQUIRE_FALSE(worker.machine().queue_ack("jobs", singyeong::item_id(job), peer_net::now()));
    CHECK(peer_net::run_until([&] { return p.seen({R"("event":"queue_ack")", R"("known":true)"}); }, std::chrono::seconds(5), producer,
                              worker));
}

TEST_CASE("singyeong interop: goodbye reconnects and the metadata is restored") {
    peer_net::peer p("singyeong_peer.py", {"--test-commands"});
    REQUIRE(p.ok());
    xoshiro256 rng{4};
    sy_client c(rng, make_config(p.port(), "c1"), rng);
    REQUIRE_FALSE(c.machine().set_metadata("zone", singyeong::metadata_value::string("eu"), peer_net::now()));
    REQUIRE_FALSE(c.machine().start(peer_net::now()));
    REQUIRE(peer_net::run_until([&] { return c.machine().is_ready(); }, std::chrono::seconds(10), c));
    REQUIRE_FALSE(c.machine().set_metadata("load", singyeong::metadata_value::floating(0.5), peer_net::now()));
    REQUIRE(peer_net::run_until([&] { return p.seen({R"("event":"metadata")", R"("load")"}); }, std::chrono::seconds(5), c));
    CHECK(p.command(R"({"cmd":"goodbye","reason":"rebalance"})").find("\"count\":1") != std::string::npos);
    REQUIRE(peer_net::run_until([&] { return c.connects() == 2 && c.machine().is_ready(); }, std::chrono::seconds(10), c));
    const std::string clients = p.command(R"({"cmd":"clients"})");
    CHECK(clients.find(R"("zone":{"type":"string","value":"eu"})") != std::string::npos);
    CHECK(clients.find(R"("load":{"type":"float","value":0.5})") != std::string::npos);
    bool reconnect = false;
    for (const auto& r : c.log)
        if (r.a.kind == action_kind::notice && r.a.error == gateway::errc::reconnect_requested) reconnect = true;
    CHECK(reconnect);
}

TEST_CASE("singyeong interop: a wrong password gives a restricted client") {
    peer_net::peer p("singyeong_peer.py", {"--auth", "secret"});
    REQUIRE(p.ok());
    xoshiro256 rng{5};
    sy_client c(rng, make_config(p.port(), "r"), rng);
    REQUIRE_FALSE(c.machine().start(peer_net::now()));
    REQUIRE(peer_net::run_until([&] { return c.machine().is_ready(); }, std::chrono::seconds(10), c));
    CHECK(c.machine().restricted());
    REQUIRE_FALSE(c.machine().send(singyeong::query("app"), "1", peer_net::now()));
    REQUIRE(peer_net::run_until([&] { return find(c, action_kind::invalid) != nullptr; }, std::chrono::seconds(5), c));
    std::string error;
    std::string_view extra;
    REQUIRE_FALSE(singyeong::read_error(singyeong::data(as_entry(*find(c, action_kind::invalid))), error, extra));
    CHECK(error == "invalid dispatch type SEND (are you restricted?)");
}

} // TEST_SUITE
