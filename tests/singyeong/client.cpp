// Tests of the singyeong client machine: identify in each form, heartbeats,
// metadata restored on every connection, SEND/BROADCAST/QUEUE/QUERY_NODES
// frames, nonce correlation (reply, timeout, no_route, connection loss: each
// request resolves exactly once), inbound dispatches in both shapes, ops 3,
// 7 and 8, bad frames, byte mode with random splitting, and no allocation
// per message once connected.
#include <sluice/singyeong.hpp>
#include <sluice/ws/session.hpp>

#include <doctest/doctest.h>

#include "peers/records.hpp"
#include "peers/wire.hpp"
#include "support/support.hpp"

#include <set>
#include <string>
#include <string_view>
#include <vector>

using namespace sluice;
using singyeong::action_kind;

namespace {

instant at_ms(std::int64_t ms) { return instant::from_ns(ms * 1'000'000); }

struct rec {
    singyeong::action a;
    std::string bytes, name, data, payload, nonce, sender, queue, id, app, nodes;
};

std::vector<rec> drain(singyeong::client& c) {
    std::vector<rec> out;
    while (const auto* e = c.poll())
        out.push_back({e->action, std::string(e->bytes), std::string(singyeong::name(*e)), std::string(singyeong::data(*e)),
                       std::string(singyeong::payload(*e)), std::string(singyeong::nonce_text(*e)),
                       std::string(singyeong::sender(*e)), std::string(singyeong::queue(*e)), std::string(singyeong::item_id(*e)),
                       std::string(singyeong::app(*e)), std::string(singyeong::nodes(*e))});
    return out;
}
using peer_records::find; // the first record of a kind
using peer_records::sent; // the frames sent

singyeong::config make_config() {
    singyeong::config c;
    c.url = "ws://sy.test:4567/gateway/websocket?encoding=json";
    c.client_id = "c1";
    c.application_id = "app";
    return c;
}

const std::string hello = R"({"op":0,"d":{"heartbeat_interval":1000},"t":null,"ts":1670000000000})";
const std::string ready = R"({"op":2,"d":{"client_id":"c1","restricted":false},"t":null,"ts":1670000000001})";

struct fixture {
    xoshiro256 rng{5};
    singyeong::client c;
    explicit fixture(singyeong::config cfg = make_config()) : c(std::move(cfg), rng) {}

    /// Connects at t = ms..ms+3; returns what was sent (identify, and anything after ready).
    std::vector<std::string> connect(std::int64_t ms = 0) {
        REQUIRE_FALSE(c.start(at_ms(ms)));
        auto v = drain(c);
        REQUIRE(find(v, action_kind::open));
        CHECK(find(v, action_kind::open)->bytes == c.settings().url);
        return handshake(ms);
    }
    std::vector<std::string> handshake(std::int64_t ms) {
        REQUIRE_FALSE(c.on_open(at_ms(ms + 1)));
        CHECK(drain(c).empty());
        REQUIRE_FALSE(c.on_message(hello, message_type::text, at_ms(ms + 2)));
        std::vector<std::string> out = sent(drain(c));
        REQUIRE_FALSE(c.on_message(ready, message_type::text, at_ms(ms + 3)));
        auto v = drain(c);
        REQUIRE(find(v, action_kind::ready));
        CHECK_FALSE(find(v, action_kind::ready)->a.restricted);
        for (auto& s : sent(v)) out.push_back(s);
        CHECK(c.is_ready());
        return out;
    }
    std::vector<rec> message(std::string_view text, std::int64_t ms) {
        CHECK_FALSE(c.on_message(text, message_type::text, at_ms(ms)));
        return drain(c);
    }
};

std::string dispatch(std::string_view t, std::string_view d) {
    return R"({"op":4,"t":")" + std::string(t) + R"(","d":)" + std::string(d) + R"(,"ts":1670000000100})";
}

} // namespace

TEST_SUITE("unit") {

TEST_CASE("singyeong: identify carries every configured field and the stored metadata") {
    singyeong::config cfg = make_config();
    cfg.auth = "secret";
    cfg.ip = "10.0.0.1";
    cfg.namespace_ = "ns";
    cfg.receive_client_updates = true;
    fixture f(cfg);
    CHECK_FALSE(f.c.set_metadata("load", singyeong::metadata_value::integer(3), at_ms(0)));
    CHECK(f.c.set_metadata("ip", singyeong::metadata_value::string("x"), at_ms(0)) == singyeong::errc::reserved_metadata_key);
    const auto out = f.connect();
    REQUIRE(out.size() == 1);
    CHECK(out[0] == R"({"op":1,"d":{"client_id":"c1","application_id":"app","auth":"secret","ip":"10.0.0.1","namespace":"ns",)"
                    R"("receive_client_updates":true,"metadata":{"load":{"type":"integer","value":3}}}})");
    CHECK(f.c.engine().heartbeat_interval() == std::chrono::milliseconds(1000));
}

TEST_CASE("singyeong: the seed's application_name, metadata after ready, restricted ready") {
    singyeong::config cfg = make_config();
    cfg.app_field = singyeong::application_field::application_name;
    cfg.restore = singyeong::metadata_restore::update_after_ready;
    fixture f(cfg);
    CHECK_FALSE(f.c.set_metadata("v", singyeong::metadata_value::version("1.2.3"), at_ms(0)));
    REQUIRE_FALSE(f.c.start(at_ms(0)));
    drain(f.c);
    REQUIRE_FALSE(f.c.on_open(at_ms(1)));
    auto v = f.message(hello, 2);
    CHECK(sent(v) == std::vector<std::string>{R"({"op":1,"d":{"client_id":"c1","application_name":"app"}})"});
    v = f.message(R"({"op":2,"d":{"client_id":"c1","restricted":true},"ts":5})", 3);
    REQUIRE(v.size() == 2);
    CHECK(v[0].a.kind == action_kind::ready);
    CHECK(v[0].a.restricted);
    CHECK(f.c.restricted());
    CHECK(v[1].bytes == R"({"op":4,"t":"UPDATE_METADATA","d":{"v":{"type":"version","value":"1.2.3"}}})");
}

TEST_CASE("singyeong: configuration errors stop start()") {
    for (auto mutate : {+[](singyeong::config& c) { c.client_id = "a b"; }, +[](singyeong::config& c) { c.client_id.clear(); },
                        +[](singyeong::config& c) { c.application_id = "x y"; },
                        +[](singyeong::config& c) { c.auth = "\xff"; }}) {
        singyeong::config cfg = make_config();
        mutate(cfg);
        xoshiro256 rng{1};
        singyeong::client c(cfg, rng);
        CHECK(c.config_error() == singyeong::errc::invalid_name);
        CHECK(c.start(at_ms(0)) == singyeong::errc::invalid_name);
        CHECK_FALSE(c.poll());
    }
}

TEST_CASE("singyeong: heartbeats with the client id; a missing ack reconnects and identifies again") {
    fixture f;
    CHECK_FALSE(f.c.set_metadata("load", singyeong::metadata_value::integer(1), at_ms(0)));
    f.connect();
    const instant first = f.c.next_deadline();
    CHECK(first >= at_ms(2));
    CHECK(first <= at_ms(2 + 1000)); // jittered within one interval
    f.c.handle_timeout(first);
    CHECK(sent(drain(f.c)) == std::vector<std::string>{R"({"op":5,"d":{"client_id":"c1"}})"});
    f.message(R"({"op":6,"d":{"client_id":"c1"},"ts":1})", 100);
    f.c.handle_timeout(f.c.next_deadline());
    CHECK(sent(drain(f.c)).size() == 1);
    // No ack: at the next beat the connection is a zombie.
    f.c.handle_timeout(f.c.next_deadline());
    auto v = drain(f.c);
    REQUIRE(find(v, action_kind::notice));
    CHECK(find(v, action_kind::notice)->a.error == gateway::errc::zombie_connection);
    CHECK(find(v, action_kind::notice)->a.next == gateway::next_step::new_session);
    REQUIRE(find(v, action_kind::close));
    CHECK(find(v, action_kind::close)->a.close_code == 4000);
    REQUIRE_FALSE(f.c.on_close(close_info{4000, {}}, at_ms(5000)));
    v = drain(f.c);
    REQUIRE(find(v, action_kind::open));
    // Metadata set meanwhile is part of the new identify.
    CHECK_FALSE(f.c.set_metadata("load", singyeong::metadata_value::integer(2), at_ms(5000)));
    const auto out = f.handshake(5000);
    REQUIRE(out.size() == 1);
    CHECK(out[0] == R"({"op":1,"d":{"client_id":"c1","application_id":"app","metadata":{"load":{"type":"integer","value":2}}}})");
}

TEST_CASE("singyeong: set_metadata while connected sends one UPDATE_METADATA") {
    fixture f;
    f.connect();
    CHECK_FALSE(f.c.set_metadata("ratio", singyeong::metadata_value::floating(1), at_ms(10)));
    CHECK_FALSE(f.c.set_metadata("tags", singyeong::metadata_value::list(R"(["a","b"])"), at_ms(10)));
    CHECK(f.c.set_metadata("bad", singyeong::metadata_value::version("1"), at_ms(10)) == singyeong::errc::invalid_metadata);
    CHECK(sent(drain(f.c)) == std::vector<std::string>{
                                  R"({"op":4,"t":"UPDATE_METADATA","d":{"ratio":{"type":"float","value":1.0}}})",
                                  R"({"op":4,"t":"UPDATE_METADATA","d":{"tags":{"type":"list","value":["a","b"]}}})"});
    CHECK(f.c.metadata().size() == 2);
}

TEST_CASE("singyeong: SEND, BROADCAST and reply frames; v1 queries; refusals") {
    fixture f;
    singyeong::query q("app");
    q.where("/load", singyeong::op::lt, 5);
    CHECK(f.c.send(q, "{}", at_ms(0)) == gateway::errc::not_connected);
    f.connect();
    CHECK_FALSE(f.c.send(q, R"({"x":1})", at_ms(10)));
    CHECK_FALSE(f.c.broadcast(singyeong::query("app"), "[1,2]", at_ms(10)));
    CHECK_FALSE(f.c.reply(q, "their-nonce", "true", at_ms(10)));
    CHECK(sent(drain(f.c)) ==
          std::vector<std::string>{
              R"({"op":4,"t":"SEND","d":{"target":{"application":"app","ops":[{"path":"/load","op":"$lt","to":{"value":5}}]},"nonce":null,"payload":{"x":1},"sender":"c1"}})",
              R"({"op":4,"t":"BROADCAST","d":{"target":{"application":"app","ops":[]},"nonce":null,"payload":[1,2],"sender":"c1"}})",
              R"({"op":4,"t":"SEND","d":{"target":{"application":"app","ops":[{"path":"/load","op":"$lt","to":{"value":5}}]},"nonce":"their-nonce","payload":true,"sender":"c1"}})"});
    CHECK(f.c.send(q, "{nope", at_ms(10)) == json::errc::syntax);
    CHECK(f.c.send(q, "", at_ms(10)) == json::errc::unexpected_end);
    singyeong::query bad("app");
    bad.where("/r", singyeong::op::in, {});
    CHECK(f.c.send(bad, "1", at_ms(10)) == singyeong::errc::empty_list);
    CHECK(drain(f.c).empty());

    singyeong::config v1 = make_config();
    v1.form = singyeong::query_form::v1;
    v1.include_sender = false;
    fixture g(v1);
    g.connect();
    CHECK_FALSE(g.c.send(q, "1", at_ms(10)));
    CHECK(sent(drain(g.c)) == std::vector<std::string>{
                                  R"({"op":4,"t":"SEND","d":{"target":{"application":"app","ops":[{"load":{"$lt":5}}]},"nonce":null,"payload":1}})"});
    singyeong::query sel("app");
    sel.select(singyeong::selector::min, "load");
    CHECK(g.c.send(sel, "1", at_ms(10)) == singyeong::errc::not_expressible_in_v1);
}

TEST_CASE("singyeong: a request resolves exactly once: by its reply") {
    fixture f;
    f.connect();
    std::uint64_t n1 = 0, n2 = 0;
    CHECK_FALSE(f.c.request(singyeong::query("app"), R"({"q":1})", at_ms(10), std::chrono::seconds(5), n1));
    CHECK_FALSE(f.c.request(singyeong::query("app"), R"({"q":2})", at_ms(10), std::chrono::seconds(5), n2));
    CHECK(n1 != n2);
    CHECK(f.c.pending_requests() == 2);
    auto v = drain(f.c);
    REQUIRE(v.size() == 2);
    CHECK(v[0].bytes.find(R"("nonce":")" + std::to_string(n1) + "\"") != std::string::npos);

    // The answer to n2 arrives first, as a SEND from the worker (real shape: target null, seed's sender).
    v = f.message(dispatch("SEND", R"({"target":null,"nonce":")" + std::to_string(n2) + R"(","payload":{"a":2},"sender":"w1"})"), 20);
    REQUIRE(v.size() == 1);
    CHECK(v[0].a.kind == action_kind::reply);
    CHECK(v[0].a.nonce == n2);
    CHECK(v[0].a.dispatch == singyeong::dispatch_type::send);
    CHECK(v[0].payload == R"({"a":2})");
    CHECK(v[0].sender == "w1");
    CHECK(v[0].a.has_ts);
    CHECK(v[0].a.ts == 1670000000100);
    // A second answer to n2 is someone else's message now.
    v = f.message(dispatch("SEND", R"({"nonce":")" + std::to_string(n2) + R"(","payload":3})"), 21);
    REQUIRE(v.size() == 1);
    CHECK(v[0].a.kind == action_kind::message);
    CHECK(v[0].nonce == std::to_string(n2));
    // A BROADCAST may answer too.
    v = f.message(dispatch("BROADCAST", R"({"nonce":")" + std::to_string(n1) + R"(","payload":null})"), 22);
    REQUIRE(v.size() == 1);
    CHECK(v[0].a.kind == action_kind::reply);
    CHECK(v[0].a.nonce == n1);
    CHECK(f.c.pending_requests() == 0);
}

TEST_CASE("singyeong: a request resolves exactly once: timeout, no_route, connection loss") {
    fixture f;
    f.connect();
    std::uint64_t a = 0, b = 0, c = 0, d = 0;
    CHECK_FALSE(f.c.request(singyeong::query("app"), "1", at_ms(10), std::chrono::milliseconds(500), a));
    CHECK_FALSE(f.c.request(singyeong::query("app"), "2", at_ms(10), std::chrono::seconds(60), b));
    CHECK_FALSE(f.c.request(singyeong::query("app"), "3", at_ms(10), std::chrono::seconds(60), c));
    CHECK_FALSE(f.c.query_nodes(singyeong::query("app"), at_ms(10), duration::zero(), d));
    drain(f.c);
    CHECK(f.c.next_deadline() <= at_ms(510));
    f.c.handle_timeout(at_ms(511));
    auto v = drain(f.c);
    const rec* failed = find(v, action_kind::request_failed);
    REQUIRE(failed);
    CHECK(failed->a.nonce == a);
    CHECK(failed->a.error == singyeong::errc::request_timeout);
    // The real server's no_route: op 3 with the refused dispatch in extra_info.
    v = f.message(R"({"op":3,"d":{"error":"no_route","extra_info":{"op":4,"t":"SEND","d":{"target":{},"nonce":")" +
                      std::to_string(b) + R"(","payload":2},"ts":null}},"t":null,"ts":7})",
                  600);
    REQUIRE(v.size() == 2);
    CHECK(v[0].a.kind == action_kind::invalid);
    std::string error;
    std::string_view extra;
    REQUIRE_FALSE(singyeong::read_error(v[0].data, error, extra));
    CHECK(error == "no_route");
    CHECK(v[1].a.kind == action_kind::request_failed);
    CHECK(v[1].a.nonce == b);
    CHECK(v[1].a.error == singyeong::errc::no_route);
    CHECK(f.c.is_ready()); // op 3 is not fatal
    // The connection drops: c and d are lost, once.
    REQUIRE_FALSE(f.c.on_close(close_info{}, at_ms(700)));
    v = drain(f.c);
    std::set<std::uint64_t> lost;
    for (const rec& r : v)
        if (r.a.kind == action_kind::request_failed) {
            CHECK(r.a.error == singyeong::errc::request_lost);
            lost.insert(r.a.nonce);
        }
    CHECK(lost == std::set<std::uint64_t>{c, d});
    CHECK(f.c.pending_requests() == 0);
    f.c.handle_timeout(at_ms(100'000));
    for (const rec& r : drain(f.c)) CHECK(r.a.kind != action_kind::request_failed);
}

TEST_CASE("singyeong: QUERY_NODES bare or wrapped; replies with or without the nonce") {
    fixture f;
    f.connect();
    singyeong::query q("app");
    q.where("/load", singyeong::op::in, {1, 2});
    std::uint64_t n1 = 0, n2 = 0;
    CHECK_FALSE(f.c.query_nodes(q, at_ms(10), duration::zero(), n1));
    CHECK_FALSE(f.c.query_nodes(singyeong::query("other"), at_ms(10), duration::zero(), n2));
    auto v = drain(f.c);
    REQUIRE(v.size() == 2);
    CHECK(v[0].bytes == R"({"op":4,"t":"QUERY_NODES","d":{"application":"app","ops":[{"path":"/load","op":"$in","to":{"value":[1,2]}}]}})");
    // The real server echoes no nonce: the oldest request is answered.
    v = f.message(dispatch("QUERY_NODES", R"({"nodes":[{"client_id":"a"}]})"), 20);
    REQUIRE(v.size() == 1);
    CHECK(v[0].a.kind == action_kind::reply);
    CHECK(v[0].a.nonce == n1);
    CHECK(v[0].nodes == R"([{"client_id":"a"}])");
    v = f.message(dispatch("QUERY_NODES", R"({"nodes":[]})"), 21);
    CHECK(v.at(0).a.nonce == n2);
    v = f.message(dispatch("QUERY_NODES", R"({"nodes":[]})"), 22); // nobody asked
    CHECK(v.at(0).a.kind == action_kind::dispatch);

    singyeong::config w = make_config();
    w.nodes_form = singyeong::query_nodes_form::wrapped;
    fixture g(w);
    g.connect();
    CHECK_FALSE(g.c.query_nodes(singyeong::query("app"), at_ms(10), duration::zero(), n1));
    CHECK_FALSE(g.c.query_nodes(singyeong::query("app"), at_ms(10), duration::zero(), n2));
    v = drain(g.c);
    CHECK(v[0].bytes == R"({"op":4,"t":"QUERY_NODES","d":{"target":{"application":"app","ops":[]},"nonce":")" +
                            std::to_string(n1) + R"("}})");
    v = g.message(dispatch("QUERY_NODES", R"({"nodes":[],"nonce":")" + std::to_string(n2) + R"("})"), 20);
    CHECK(v.at(0).a.nonce == n2); // by nonce, not by age
}

TEST_CASE("singyeong: queues: QUEUE and its confirm, queued messages, request, cancel, ack") {
    fixture f;
    f.connect();
    std::uint64_t j1 = 0, j2 = 0, j3 = 0;
    singyeong::query q("app");
    CHECK_FALSE(f.c.queue("jobs", q, R"({"n":1})", at_ms(10), duration::zero(), j1));
    CHECK_FALSE(f.c.queue("other", q, R"({"n":2})", at_ms(10), duration::zero(), j2));
    CHECK_FALSE(f.c.queue("jobs", q, R"({"n":3})", at_ms(10), duration::zero(), j3));
    CHECK(f.c.queue("", q, "1", at_ms(10), duration::zero(), j3) == singyeong::errc::invalid_name);
    CHECK_FALSE(f.c.queue_request("jobs", at_ms(11)));
    CHECK_FALSE(f.c.queue_request_cancel("jobs", at_ms(11)));
    CHECK_FALSE(f.c.queue_ack("jobs", "id-1", at_ms(11)));
    CHECK(f.c.queue_ack("jobs", "", at_ms(11)) == singyeong::errc::invalid_name);
    auto v = sent(drain(f.c));
    REQUIRE(v.size() == 6);
    CHECK(v[0] == R"({"op":4,"t":"QUEUE","d":{"target":{"application":"app","ops":[]},"queue":"jobs","nonce":")" +
                      std::to_string(j1) + R"(","payload":{"n":1}}})");
    CHECK(v[3] == R"({"op":4,"t":"QUEUE_REQUEST","d":{"queue":"jobs"}})");
    CHECK(v[4] == R"({"op":4,"t":"QUEUE_REQUEST_CANCEL","d":{"queue":"jobs"}})");
    CHECK(v[5] == R"({"op":4,"t":"QUEUE_ACK","d":{"queue":"jobs","id":"id-1"}})");
    // Confirms without nonce (the real server) match the oldest request of that queue.
    auto r = f.message(dispatch("QUEUE_CONFIRM", R"({"queue":"other"})"), 20);
    REQUIRE(r.size() == 1);
    CHECK(r[0].a.kind == action_kind::reply);
    CHECK(r[0].a.nonce == j2);
    CHECK(r[0].queue == "other");
    r = f.message(dispatch("QUEUE_CONFIRM", R"({"queue":"jobs","nonce":")" + std::to_string(j3) + R"("})"), 21);
    CHECK(r.at(0).a.nonce == j3);
    r = f.message(dispatch("QUEUE_CONFIRM", R"({"queue":"jobs"})"), 22);
    CHECK(r.at(0).a.nonce == j1);
    // A queued message for this client.
    r = f.message(dispatch("QUEUE", R"({"target":null,"nonce":"x9","payload":{"queue":"jobs","id":"m-1","payload":{"work":true}}})"), 23);
    REQUIRE(r.size() == 1);
    CHECK(r[0].a.kind == action_kind::queued);
    CHECK(r[0].queue == "jobs");
    CHECK(r[0].id == "m-1");
    CHECK(r[0].payload == R"({"work":true})");
    CHECK(r[0].nonce == "x9");
    // A QUEUE body without its queue/id is malformed: a notice, the connection stays.
    r = f.message(dispatch("QUEUE", R"({"nonce":null,"payload":{"queue":"jobs"}})"), 24);
    REQUIRE(r.size() == 1);
    CHECK(r[0].a.kind == action_kind::notice);
    CHECK(r[0].a.error == gateway::errc::malformed_frame);
    CHECK(f.c.is_ready());
}

TEST_CASE("singyeong: client updates in both shapes; unknown dispatches") {
    fixture f;
    f.connect();
    auto v = f.message(dispatch("CLIENT_CONNECTED", R"({"target":null,"nonce":null,"payload":{"app":"a1"}})"), 10);
    REQUIRE(v.size() == 1);
    CHECK(v[0].a.kind == action_kind::client_connected);
    CHECK(v[0].app == "a1");
    v = f.message(dispatch("CLIENT_DISCONNECTED", R"({"app":"a2"})"), 11);
    CHECK(v.at(0).a.kind == action_kind::client_disconnected);
    CHECK(v.at(0).app == "a2");
    v = f.message(dispatch("PLUGIN_EVENT", R"({"x":1})"), 12);
    CHECK(v.at(0).a.kind == action_kind::dispatch);
    CHECK(v.at(0).name == "PLUGIN_EVENT");
    CHECK(v.at(0).data == R"({"x":1})");
    v = f.message(dispatch("CLIENT_CONNECTED", R"({"nope":1})"), 13);
    CHECK(v.at(0).a.error == gateway::errc::malformed_frame);
}

TEST_CASE("singyeong: op 8 is a server_error and the close reconnects; goodbye reconnects at once") {
    fixture f;
    f.connect();
    std::uint64_t pending = 0;
    CHECK_FALSE(f.c.request(singyeong::query("app"), "1", at_ms(10), duration::zero(), pending));
    drain(f.c);
    auto v = f.message(R"({"op":8,"d":{"error":"heartbeat took too long","extra_info":null},"t":null,"ts":9})", 10);
    REQUIRE(!v.empty());
    CHECK(v[0].a.kind == action_kind::server_error);
    if (find(v, action_kind::close)) { // the engine closes at once when the server says it drops us
        CHECK(v[0].a.next == gateway::next_step::new_session);
        REQUIRE(find(v, action_kind::request_failed));
        CHECK(find(v, action_kind::request_failed)->a.nonce == pending);
    }
    std::string error;
    std::string_view extra;
    REQUIRE_FALSE(singyeong::read_error(v[0].data, error, extra));
    CHECK(error == "heartbeat took too long");
    REQUIRE_FALSE(f.c.on_close(close_info{1000, {}}, at_ms(11)));
    v = drain(f.c);
    REQUIRE(find(v, action_kind::open));
    CHECK(f.c.pending_requests() == 0);
    f.handshake(12);

    v = f.message(R"({"op":7,"d":{"reason":"rebalance"},"t":null,"ts":9})", 20);
    REQUIRE(find(v, action_kind::notice));
    CHECK(find(v, action_kind::notice)->a.error == gateway::errc::reconnect_requested);
    CHECK(find(v, action_kind::close)->a.close_code == 4000);
    REQUIRE_FALSE(f.c.on_close(close_info{4000, {}}, at_ms(21)));
    CHECK(find(drain(f.c), action_kind::open));
}

TEST_CASE("singyeong: bad frames close with 1007 and reconnect; unknown ops are notices") {
    for (const char* bad : {"{", R"({"d":{}})", R"({"op":"4"})", R"({"op":1,"d":{}})", R"({"op":5,"d":{}})",
                            R"({"op":4,"d":{}})", R"({"op":0,"d":{"heartbeat_interval":0}})",
                            R"({"op":4,"t":"SEND","d":{},"ts":"x"})", "[]"}) {
        CAPTURE(std::string_view(bad));
        fixture f;
        f.connect();
        auto v = f.message(bad, 10);
        const rec* n = find(v, action_kind::notice);
        REQUIRE(n);
        CHECK(n->a.error != gateway::errc::unexpected_frame);
        REQUIRE(find(v, action_kind::close));
        CHECK(find(v, action_kind::close)->a.close_code == 1007);
    }
    // A ready without client_id cannot establish the connection.
    fixture r;
    REQUIRE_FALSE(r.c.start(at_ms(0)));
    REQUIRE_FALSE(r.c.on_open(at_ms(1)));
    r.message(hello, 2);
    auto v = r.message(R"({"op":2,"d":{"restricted":false}})", 3);
    REQUIRE(find(v, action_kind::notice));
    CHECK(find(v, action_kind::notice)->a.error == gateway::errc::missing_session);
    CHECK(find(v, action_kind::close)->a.close_code == 1007);

    fixture f;
    f.connect();
    v = f.message(R"({"op":9,"d":{}})", 10);
    REQUIRE(v.size() == 1);
    CHECK(v[0].a.error == gateway::errc::unexpected_frame);
    CHECK(f.c.is_ready());
}

TEST_CASE("singyeong: the pending table has a fixed capacity") {
    singyeong::config cfg = make_config();
    cfg.max_pending = 2;
    fixture f(cfg);
    f.connect();
    std::uint64_t n = 0;
    CHECK_FALSE(f.c.request(singyeong::query("app"), "1", at_ms(10), duration::zero(), n));
    CHECK_FALSE(f.c.request(singyeong::query("app"), "1", at_ms(10), duration::zero(), n));
    CHECK(f.c.request(singyeong::query("app"), "1", at_ms(10), duration::zero(), n) == core_errc::table_full);
    CHECK(sent(drain(f.c)).size() == 2);
}

TEST_CASE("singyeong: no allocation per message, heartbeat or request once connected") {
    fixture f;
    f.connect();
    singyeong::query q("app");
    q.where("/load", singyeong::op::lt, 5);
    const std::string msg = dispatch("SEND", R"({"target":null,"nonce":"abc","payload":{"job":"a payload long enough","n":1},"sender":"w"})");
    std::int64_t t = 10;
    std::uint64_t last = 0;
    CHECK_FALSE(f.c.request(q, "0", at_ms(t), duration::zero(), last)); // learns where the nonces are
    // Nonces count up: the replies to the next 20 requests can be written before counting.
    auto replies_after = [](std::uint64_t from) {
        std::vector<std::string> v;
        for (std::uint64_t i = 1; i <= 20; ++i) v.push_back(dispatch("SEND", R"({"nonce":")" + std::to_string(from + i) + R"(","payload":1})"));
        return v;
    };
    auto round = [&](const std::vector<std::string>& replies) {
        for (int i = 0; i < 20; ++i) CHECK_FALSE(f.c.request(q, R"({"q":1})", at_ms(t), duration::zero(), last));
        for (const std::string& r : replies) CHECK_FALSE(f.c.on_message(r, message_type::text, at_ms(t)));
        for (int i = 0; i < 50; ++i) CHECK_FALSE(f.c.on_message(msg, message_type::text, at_ms(t)));
        t += 1000;
        f.c.handle_timeout(at_ms(t)); // a heartbeat is due each second
        CHECK_FALSE(f.c.on_message(R"({"op":6,"d":{"client_id":"c1"},"ts":1})", message_type::text, at_ms(t)));
        while (f.c.poll()) {
        }
    };
    auto r1 = replies_after(last);
    round(r1);
    auto r2 = replies_after(last);
    round(r2);
    auto r3 = replies_after(last), r4 = replies_after(last + 20);
    CHECK(f.c.pending_requests() == 1); // only the probe
    sluice_test::allocation_counter count;
    round(r3);
    round(r4);
    CHECK(count.count() == 0);
    CHECK(f.c.pending_requests() == 1);
    CHECK(f.c.is_ready());
}

TEST_CASE("singyeong: byte mode over ws::session with random splitting") {
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        CAPTURE(seed);
        xoshiro256 rng{seed};
        ws::session<singyeong::client> s(rng, ws::client_options{}, make_config(), rng);
        REQUIRE_FALSE(s.inner().start(at_ms(0)));
        const auto* e = s.poll();
        REQUIRE(e);
        CHECK(e->action.io == ws::io_op::connect);
        CHECK(e->bytes == "sy.test");
        CHECK(e->action.port == 4567);
        s.transport_open(at_ms(1));
        e = s.poll();
        REQUIRE(e);
        const std::string request(e->bytes);
        CHECK(request.starts_with("GET /gateway/websocket?encoding=json HTTP/1.1\r\n"));
        std::string stream = peer_wire::accept_response(request) + peer_wire::text(hello) + peer_wire::text(ready);
        for (int i = 0; i < 4; ++i) stream += peer_wire::text(dispatch("BROADCAST", R"({"nonce":null,"payload":)" + std::to_string(i) + "}"));
        sluice_test::test_rng split{seed};
        std::string transmitted;
        int messages = 0;
        for (std::string_view piece : sluice_test::random_split(stream, split, 16)) {
            s.receive(piece, at_ms(2));
            while (const auto* x = s.poll()) {
                if (x->action.io == ws::io_op::transmit) transmitted += x->bytes;
                if (x->action.io != ws::io_op::none) continue;
                if (x->action.inner.kind == action_kind::message) {
                    CHECK(x->bytes.substr(x->action.inner.payload_span.offset, x->action.inner.payload_span.size) ==
                          std::to_string(messages));
                    ++messages;
                }
            }
        }
        CHECK(messages == 4);
        std::vector<peer_wire::client_frame> frames;
        REQUIRE(peer_wire::decode_client_frames(transmitted, frames));
        REQUIRE(frames.size() == 1);
        CHECK(frames[0].payload == R"({"op":1,"d":{"client_id":"c1","application_id":"app"}})");
    }
}

} // TEST_SUITE

TEST_SUITE("unit") {

TEST_CASE("singyeong: close() fails pending requests at once, each once") {
    fixture f;
    f.connect();
    std::uint64_t a = 0, b = 0;
    CHECK_FALSE(f.c.request(singyeong::query("app"), "1", at_ms(10), duration::zero(), a));
    CHECK_FALSE(f.c.queue("q", singyeong::query("app"), "2", at_ms(10), duration::zero(), b));
    drain(f.c);
    REQUIRE_FALSE(f.c.close(at_ms(11)));
    auto v = drain(f.c);
    std::set<std::uint64_t> lost;
    for (const rec& r : v)
        if (r.a.kind == action_kind::request_failed) lost.insert(r.a.nonce);
    CHECK(lost == std::set<std::uint64_t>{a, b});
    REQUIRE_FALSE(f.c.on_close(close_info{1000, {}}, at_ms(12)));
    for (const rec& r : drain(f.c)) CHECK(r.a.kind != action_kind::request_failed);
}

} // TEST_SUITE
