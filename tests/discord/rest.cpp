// REST as actions: builders, the HTTP text, 429 retry_after (body and
// header, global), 5xx retries, timeouts, failures, exactly-once outcomes.
#include <sluice/discord/rest.hpp>

#include "support/support.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace rest = sluice::discord::rest;
namespace dc = sluice::discord;
using sluice::instant;
using sluice::snowflake;

namespace {

instant at_ms(std::int64_t ms) { return instant::from_ns(ms * 1'000'000); }

struct out {
    rest::action a;
    std::string bytes;
};

std::vector<out> drain(rest::client& c) {
    std::vector<out> v;
    while (auto* e = c.poll()) v.push_back({e->action, std::string(e->bytes)});
    return v;
}

rest::config cfg() {
    rest::config c;
    c.authorization = "Bot abc.def";
    c.max_requests = 4;
    c.max_retries = 2;
    return c;
}

} // namespace

TEST_CASE("rest: GET application commands is a complete HTTP/1.1 request with its parts located") {
    rest::client c(cfg());
    std::uint64_t id = 0;
    REQUIRE_FALSE(c.get_application_commands(snowflake(936929561302675456), std::nullopt, at_ms(0), id));
    CHECK(id == 1);
    auto* e = c.poll();
    REQUIRE(e);
    CHECK(e->action.kind == rest::action_kind::request);
    CHECK(e->action.id == 1);
    const rest::request_view v = rest::view(*e);
    CHECK(v.method == "GET");
    CHECK(v.target == "/api/v10/applications/936929561302675456/commands");
    CHECK(v.header_block == "Host: discord.com\r\nAuthorization: Bot abc.def\r\nUser-Agent: DiscordBot (https://github.com/sluice, 0.1)\r\n");
    CHECK(v.body.empty());
    CHECK(v.http == "GET /api/v10/applications/936929561302675456/commands HTTP/1.1\r\n" + std::string(v.header_block) + "\r\n");
    std::uint64_t id2 = 0;
    REQUIRE_FALSE(c.get_application_commands(snowflake(1), snowflake(2), at_ms(0), id2));
    CHECK(rest::view(*c.poll()).target == "/api/v10/applications/1/guilds/2/commands");

    // The response hands back the body; the commands read into typed structs.
    const std::string body =
        R"([{"id":"938956540159881230","application_id":"936929561302675456","version":"1166847114203123795","name":"imagine","type":1,"description":"Create images with Midjourney","options":[{"type":3,"name":"prompt","description":"The prompt to imagine","required":true}]}])";
    REQUIRE_FALSE(c.on_response(id, 200, {}, body, at_ms(50)));
    auto r = drain(c);
    REQUIRE(r.size() == 1);
    CHECK(r[0].a.kind == rest::action_kind::response);
    CHECK(r[0].a.status == 200);
    CHECK_FALSE(r[0].a.error);
    std::vector<rest::application_command> cmds;
    REQUIRE_FALSE(sluice::json::read(cmds, r[0].bytes));
    REQUIRE(cmds.size() == 1);
    CHECK(cmds[0].id == snowflake(938956540159881230));
    CHECK(cmds[0].version == snowflake(1166847114203123795));
    CHECK(cmds[0].name.text == "\"imagine\"");
    CHECK(c.on_response(id, 200, {}, body, at_ms(51)) == dc::errc::unknown_request); // exactly once
}

TEST_CASE("rest: POST /interactions type 2 (a command with options) and type 3 (a button)") {
    rest::client c(cfg());
    const rest::command_option opts[] = {{"prompt", "a \"quoted\" lighthouse --v 6.0"}};
    rest::command_interaction ci;
    ci.application_id = snowflake(936929561302675456);
    ci.guild_id = snowflake(1011118430651756540);
    ci.channel_id = snowflake(1097345283567484928);
    ci.session_id = "9d1f5b0e6c2a4c7f8e3b1a2d4f6e8c0a";
    ci.nonce = snowflake(1176296340000000000);
    ci.command_id = snowflake(938956540159881230);
    ci.command_version = snowflake(1166847114203123795);
    ci.command_name = "imagine";
    ci.options = opts;
    std::uint64_t id = 0;
    REQUIRE_FALSE(c.post_interaction(ci, at_ms(0), id));
    auto* e = c.poll();
    REQUIRE(e);
    auto v = rest::view(*e);
    CHECK(v.method == "POST");
    CHECK(v.target == "/api/v10/interactions");
    CHECK(v.header_block.find("Content-Type: application/json\r\n") != std::string_view::npos);
    CHECK(v.header_block.find("Content-Length: " + std::to_string(v.body.size()) + "\r\n") != std::string_view::npos);
    CHECK(v.body ==
          R"({"type":2,"application_id":"936929561302675456","guild_id":"1011118430651756540","channel_id":"1097345283567484928",)"
          R"("session_id":"9d1f5b0e6c2a4c7f8e3b1a2d4f6e8c0a","nonce":"1176296340000000000","data":{"version":"1166847114203123795",)"
          R"("id":"938956540159881230","name":"imagine","type":1,"options":[{"type":3,"name":"prompt","value":"a \"quoted\" lighthouse --v 6.0"}]}})");
    CHECK_FALSE(sluice::json::validate(v.body));

    rest::component_interaction bi;
    bi.application_id = snowflake(936929561302675456);
    bi.guild_id = snowflake(1011118430651756540);
    bi.channel_id = snowflake(1097345283567484928);
    bi.session_id = "s";
    bi.nonce = snowflake(5);
    bi.message_id = snowflake(1176296489012341122);
    bi.custom_id = "MJ::JOB::upsample::1::5b3c1e0a-7d2f-4e11-9a8b-2f0c6d4e9a71";
    REQUIRE_FALSE(c.post_interaction(bi, at_ms(0), id));
    CHECK(rest::view(*c.poll()).body ==
          R"({"type":3,"application_id":"936929561302675456","guild_id":"1011118430651756540","channel_id":"1097345283567484928",)"
          R"("session_id":"s","nonce":"5","message_id":"1176296489012341122","data":{"component_type":2,)"
          R"("custom_id":"MJ::JOB::upsample::1::5b3c1e0a-7d2f-4e11-9a8b-2f0c6d4e9a71"}})");

    bi.custom_id = "";
    CHECK(c.post_interaction(bi, at_ms(0), id) == dc::errc::invalid_argument);
    ci.session_id = "";
    CHECK(c.post_interaction(ci, at_ms(0), id) == dc::errc::invalid_argument);
    CHECK(c.poll() == nullptr);
}

TEST_CASE("rest: 429 honours retry_after (body and header), then the response comes once") {
    rest::client c(cfg());
    std::uint64_t id = 0;
    c.submit("POST", "/channels/1/messages", R"({"content":"hi"})", at_ms(0), id);
    drain(c);
    REQUIRE_FALSE(c.on_response(id, 429, {}, R"({"message":"You are being rate limited.","retry_after":1.5,"global":false})", at_ms(10)));
    CHECK(drain(c).empty()); // not handed out
    CHECK(c.next_deadline() == at_ms(1510));
    c.handle_timeout(at_ms(1509));
    CHECK(drain(c).empty());
    c.handle_timeout(at_ms(1510));
    auto again = drain(c);
    REQUIRE(again.size() == 1);
    CHECK(again[0].a.kind == rest::action_kind::request);
    CHECK(again[0].a.attempts == 1);
    CHECK(again[0].a.id == id);
    // A Retry-After header larger than the body's value wins.
    const sluice::http::field h[] = {{"retry-after", "3"}};
    REQUIRE_FALSE(c.on_response(id, 429, h, R"({"retry_after":0.5})", at_ms(1600)));
    CHECK(c.next_deadline() == at_ms(4600));
    c.handle_timeout(at_ms(4600));
    drain(c);
    REQUIRE_FALSE(c.on_response(id, 200, {}, R"({"id":"1"})", at_ms(4700)));
    auto r = drain(c);
    REQUIRE(r.size() == 1);
    CHECK(r[0].a.kind == rest::action_kind::response);
    CHECK(r[0].bytes == R"({"id":"1"})");
}

TEST_CASE("rest: too many 429s fail the request with rest_rate_limited") {
    rest::client c(cfg()); // max_retries 2
    std::uint64_t id = 0;
    c.submit("GET", "/x", "", at_ms(0), id);
    std::int64_t t = 0;
    for (int i = 0; i < 2; ++i) {
        drain(c);
        c.on_response(id, 429, {}, R"({"retry_after":1})", at_ms(t));
        t += 1000;
        c.handle_timeout(at_ms(t));
    }
    drain(c);
    c.on_response(id, 429, {}, R"({"retry_after":1})", at_ms(t));
    auto r = drain(c);
    REQUIRE(r.size() == 1);
    CHECK(r[0].a.kind == rest::action_kind::response);
    CHECK(r[0].a.error == dc::errc::rest_rate_limited);
    CHECK(r[0].a.error == sluice::condition::limit_exceeded);
    CHECK(c.pending() == 0);
}

TEST_CASE("rest: a global 429 holds every request until it passes") {
    rest::client c(cfg());
    std::uint64_t a = 0, b = 0;
    c.submit("GET", "/a", "", at_ms(0), a);
    drain(c);
    const sluice::http::field h[] = {{"X-RateLimit-Global", "true"}};
    c.on_response(a, 429, h, R"({"retry_after":2})", at_ms(0));
    c.submit("GET", "/b", "", at_ms(100), b);
    CHECK(drain(c).empty()); // held
    c.handle_timeout(at_ms(2000));
    auto r = drain(c);
    CHECK(r.size() == 2);
}

TEST_CASE("rest: statuses, 5xx retries, timeouts, transport failures, a full queue") {
    rest::client c(cfg());
    std::uint64_t ids[4];
    for (auto& id : ids) REQUIRE_FALSE(c.submit("GET", "/x", "", at_ms(0), id));
    std::uint64_t extra = 0;
    CHECK(c.submit("GET", "/x", "", at_ms(0), extra) == dc::errc::rest_queue_full);
    drain(c);
    c.on_response(ids[0], 404, {}, R"({"message":"Unknown Channel","code":10003})", at_ms(1));
    c.on_response(ids[1], 401, {}, "{}", at_ms(1));
    c.on_failure(ids[2], at_ms(1));
    c.on_response(ids[3], 503, {}, "", at_ms(1)); // retried after 1 s
    auto r = drain(c);
    REQUIRE(r.size() == 3);
    CHECK(r[0].a.error == dc::errc::not_found);
    CHECK(r[0].a.status == 404);
    CHECK(r[1].a.error == dc::errc::unauthorized);
    CHECK(r[2].a.kind == rest::action_kind::failed);
    CHECK(r[2].a.error == dc::errc::connection_lost);
    CHECK(c.next_deadline() == at_ms(1001));
    c.handle_timeout(at_ms(1001));
    auto retry = drain(c);
    REQUIRE(retry.size() == 1);
    CHECK(retry[0].a.attempts == 1);
    // No answer: the timeout fails it; a late answer is refused.
    c.handle_timeout(at_ms(1001 + 30'000));
    auto t = drain(c);
    REQUIRE(t.size() == 1);
    CHECK(t[0].a.kind == rest::action_kind::failed);
    CHECK(t[0].a.error == dc::errc::request_timeout);
    CHECK(c.on_response(ids[3], 200, {}, "", at_ms(40'000)) == dc::errc::unknown_request);
    CHECK(c.pending() == 0);
    CHECK(c.next_deadline().is_never());
}

TEST_CASE("rest: no allocation in steady state") {
    rest::client c(cfg());
    auto round = [&](std::int64_t ms) {
        std::uint64_t id = 0;
        REQUIRE_FALSE(c.get_application_commands(snowflake(936929561302675456), std::nullopt, at_ms(ms), id));
        while (c.poll()) {
        }
        REQUIRE_FALSE(c.on_response(id, 200, {}, R"([{"id":"1","application_id":"2","version":"3","name":"x"}])", at_ms(ms)));
        while (c.poll()) {
        }
    };
    round(0);
    round(1);
    sluice_test::allocation_counter n;
    for (int i = 2; i < 50; ++i) round(i);
    CHECK(n.count() == 0);
}

// ---- rate limits: routes, buckets, the global limit, 429s -------------------

namespace {

using fields = std::vector<sluice::http::field>;

fields bucket_headers(std::string_view bucket, std::string_view limit, std::string_view remaining, std::string_view reset_after) {
    return {{"X-RateLimit-Bucket", bucket},
            {"X-RateLimit-Limit", limit},
            {"X-RateLimit-Remaining", remaining},
            {"X-RateLimit-Reset-After", reset_after}};
}

} // namespace

TEST_CASE("rest limits: routes keep major parameters and replace other ids") {
    constexpr rest::route a = rest::route_of("GET", "/channels/1/messages/2");
    static_assert(a.key == rest::route_of("GET", "/channels/1/messages/3").key); // computed at compile time too
    CHECK(a.key == rest::route_of("GET", "/channels/1/messages/99?limit=5").key);
    CHECK(a.key != rest::route_of("DELETE", "/channels/1/messages/2").key);  // the method is part of it
    CHECK(a.key != rest::route_of("GET", "/channels/2/messages/2").key);     // the channel is major
    CHECK(a.major != rest::route_of("GET", "/channels/2/messages/2").major);
    CHECK(a.major == rest::route_of("POST", "/channels/1/typing").major);
    CHECK(a.major != 0);
    CHECK(rest::route_of("GET", "/guilds/5/members/6").key == rest::route_of("GET", "/guilds/5/members/7").key);
    CHECK(rest::route_of("GET", "/guilds/5/members/6").key != rest::route_of("GET", "/guilds/8/members/6").key);
    CHECK(rest::route_of("GET", "/users/@me").major == 0);
    CHECK(rest::route_of("GET", "/users/1").key == rest::route_of("GET", "/users/2").key);
    // Reactions: the emoji is not part of the route.
    CHECK(rest::route_of("PUT", "/channels/1/messages/2/reactions/%F0%9F%91%8D/@me").key ==
          rest::route_of("PUT", "/channels/1/messages/3/reactions/smile:123/@me").key);
    // Webhooks: id and token are major; executing with a token is not under the global limit.
    const rest::route w = rest::route_of("POST", "/webhooks/10/tok-en");
    CHECK(w.global_exempt);
    CHECK(w.major != rest::route_of("POST", "/webhooks/10/other").major);
    CHECK_FALSE(rest::route_of("GET", "/webhooks/10").global_exempt);
    // Interactions: the id and token are replaced; exempt from the global limit.
    const rest::route i = rest::route_of("POST", "/interactions/11/aaa/callback");
    CHECK(i.key == rest::route_of("POST", "/interactions/12/bbb/callback").key);
    CHECK(i.global_exempt);
    CHECK(rest::route_of("POST", "/interactions").global_exempt);
    CHECK_FALSE(a.global_exempt);
}

TEST_CASE("rest limits: Limit, Remaining and Reset-After hold the route until the reset") {
    rest::rate_limiter l;
    const rest::route r = rest::route_of("POST", "/channels/1/messages");
    REQUIRE(l.acquire(r, at_ms(0)).granted); // unknown bucket: not held
    const fields h = {{"x-ratelimit-limit", "3"}, {"X-RATELIMIT-REMAINING", " 2 "}, {"X-RateLimit-Reset-After", "1.5"}};
    const rest::limit_feedback f = l.on_response(r, 200, h, "{}", at_ms(100));
    CHECK_FALSE(f.limited);
    CHECK(f.has_bucket);
    CHECK(f.limit == 3);
    CHECK(f.remaining == 2);
    CHECK(f.reset_after == std::chrono::milliseconds(1500));
    CHECK(l.acquire(r, at_ms(200)).granted);
    CHECK(l.acquire(r, at_ms(300)).granted);
    const rest::permit p = l.acquire(r, at_ms(400));
    CHECK_FALSE(p.granted);
    CHECK(p.retry_at == at_ms(1600));
    CHECK(l.ready_at(r, at_ms(400)) == at_ms(1600));
    CHECK_FALSE(l.acquire(r, at_ms(1599)).granted);
    // Another channel is another bucket.
    CHECK(l.acquire(rest::route_of("POST", "/channels/2/messages"), at_ms(400)).granted);
    // After the reset, `limit` more go (the window guessed as long as the last).
    CHECK(l.acquire(r, at_ms(1600)).granted);
    CHECK(l.acquire(r, at_ms(1600)).granted);
    CHECK(l.acquire(r, at_ms(1600)).granted);
    CHECK(l.acquire(r, at_ms(1600)).retry_at == at_ms(3100));
    // A response in the window never raises what requests in flight have taken.
    const fields late = {{"X-RateLimit-Limit", "3"}, {"X-RateLimit-Remaining", "2"}, {"X-RateLimit-Reset-After", "1.4"}};
    l.on_response(r, 200, late, "", at_ms(1700));
    CHECK(l.state(r)->remaining == 0);
    CHECK(l.state(r)->reset_at == at_ms(3100));
    // Malformed values are ignored.
    const fields junk = {{"X-RateLimit-Remaining", "-1"}, {"X-RateLimit-Reset-After", "soon"}};
    CHECK_FALSE(l.on_response(r, 200, junk, "", at_ms(1800)).has_bucket);
    CHECK(l.state(r)->reset_at == at_ms(3100));
}

TEST_CASE("rest limits: routes that report the same bucket hash share it (per major parameter)") {
    rest::rate_limiter l;
    const rest::route a = rest::route_of("PATCH", "/channels/1/messages/5");
    const rest::route b = rest::route_of("DELETE", "/channels/1/messages/5");
    const rest::route other_channel = rest::route_of("DELETE", "/channels/2/messages/5");
    l.on_response(a, 200, bucket_headers("abcd", "2", "1", "5"), "", at_ms(0));
    l.on_response(b, 200, bucket_headers("abcd", "2", "1", "5"), "", at_ms(0));
    l.on_response(other_channel, 200, bucket_headers("abcd", "2", "1", "5"), "", at_ms(0));
    CHECK(l.buckets() == 2); // channel 1's (a and b) and channel 2's
    CHECK(l.acquire(a, at_ms(10)).granted);
    const rest::permit p = l.acquire(b, at_ms(20)); // a took the last one
    CHECK_FALSE(p.granted);
    CHECK(p.retry_at == at_ms(5000));
    CHECK(l.acquire(other_channel, at_ms(20)).granted);
    // A route that learns its hash later brings what it knew; once shared, the bucket's state wins.
    const rest::route c = rest::route_of("GET", "/channels/1/pins");
    l.on_response(c, 200, bucket_headers("", "5", "4", "1"), "", at_ms(30)); // no hash yet: its own bucket
    CHECK(l.buckets() == 3);
    l.on_response(c, 200, bucket_headers("abcd", "2", "0", "4.97"), "", at_ms(30));
    CHECK(l.buckets() == 2);
    CHECK_FALSE(l.acquire(c, at_ms(40)).granted);
}

TEST_CASE("rest limits: a route's 429 holds its bucket; a global 429 holds everything") {
    const rest::route a = rest::route_of("POST", "/channels/1/messages");
    const rest::route b = rest::route_of("GET", "/guilds/2");
    SUBCASE("per route (body retry_after, Retry-After larger)") {
        rest::rate_limiter l;
        const fields h = {{"Retry-After", "3"}, {"X-RateLimit-Scope", "user"}};
        const rest::limit_feedback f = l.on_response(a, 429, h, R"({"message":"You are being rate limited.","retry_after":2.5,"global":false})", at_ms(0));
        CHECK(f.limited);
        CHECK_FALSE(f.global);
        CHECK(f.scope == rest::limit_scope::user);
        CHECK(f.retry_after == std::chrono::seconds(3));
        CHECK(l.acquire(a, at_ms(10)).retry_at == at_ms(3000));
        CHECK(l.acquire(b, at_ms(10)).granted);
        CHECK(l.acquire(a, at_ms(3000)).granted); // no limit known: free after the wait
        CHECK(l.acquire(a, at_ms(3000)).granted);
    }
    SUBCASE("shared scope: the route waits, and the scope is reported") {
        rest::rate_limiter l;
        const fields h = {{"X-RateLimit-Scope", "shared"}};
        const rest::limit_feedback f = l.on_response(a, 429, h, R"({"retry_after":0.25,"global":false})", at_ms(0));
        CHECK(f.scope == rest::limit_scope::shared);
        CHECK_FALSE(f.global);
        CHECK(l.ready_at(a, at_ms(0)) == at_ms(250));
        CHECK(l.ready_at(b, at_ms(0)) == at_ms(0));
    }
    SUBCASE("global: body, header or scope") {
        for (int how = 0; how < 3; ++how) {
            CAPTURE(how);
            rest::rate_limiter l;
            fields h;
            std::string_view body = R"({"retry_after":1.25})";
            if (how == 0) body = R"({"retry_after":1.25,"global":true})";
            if (how == 1) h = {{"X-RateLimit-Global", "true"}};
            if (how == 2) h = {{"X-RateLimit-Scope", "global"}};
            const rest::limit_feedback f = l.on_response(a, 429, h, body, at_ms(0));
            CHECK(f.global);
            CHECK(l.global_hold() == at_ms(1250));
            CHECK(l.acquire(b, at_ms(100)).retry_at == at_ms(1250));
            CHECK(l.acquire(rest::route_of("POST", "/interactions/1/t/callback"), at_ms(100)).retry_at == at_ms(1250));
            CHECK(l.acquire(b, at_ms(1250)).granted);
            CHECK(l.acquire(a, at_ms(1250)).granted);
        }
    }
    SUBCASE("no retry_after anywhere: 1 s; absurd values are cut") {
        rest::rate_limiter l({.max_reset_after = std::chrono::minutes(2)});
        CHECK(l.on_response(a, 429, {}, "not json", at_ms(0)).retry_after == std::chrono::seconds(1));
        CHECK(l.on_response(a, 429, {}, R"({"retry_after":1e300})", at_ms(0)).retry_after == std::chrono::minutes(2));
    }
}

TEST_CASE("rest limits: the global limit lets 50 requests a second go, interactions apart") {
    rest::rate_limiter l;
    for (int i = 0; i < 50; ++i) REQUIRE(l.acquire(rest::route_of("GET", "/channels/" + std::to_string(i)), at_ms(i)).granted);
    const rest::route r = rest::route_of("GET", "/guilds/1");
    const rest::permit p = l.acquire(r, at_ms(60));
    CHECK_FALSE(p.granted);
    // When the first of the 50 has left the window (core's limiter counts in 1/15 s steps: a little late, never early).
    CHECK(p.retry_at >= at_ms(1000));
    CHECK(p.retry_at <= at_ms(1000 + 67 + 67));
    CHECK(l.acquire(rest::route_of("POST", "/interactions/1/tok/callback"), at_ms(60)).granted);
    CHECK_FALSE(l.acquire(r, p.retry_at - std::chrono::nanoseconds(1)).granted);
    for (int i = 0; i < 50; ++i) REQUIRE(l.acquire(r, p.retry_at).granted);
    CHECK(l.acquire(r, p.retry_at).retry_at > p.retry_at + std::chrono::seconds(1) - std::chrono::milliseconds(1));
    rest::rate_limiter unlimited({.global_per_second = 0});
    for (int i = 0; i < 200; ++i) REQUIRE(unlimited.acquire(r, at_ms(0)).granted);
}

TEST_CASE("rest limits: time going backwards is clamped") {
    rest::rate_limiter l;
    const rest::route r = rest::route_of("POST", "/channels/1/messages");
    l.on_response(r, 200, bucket_headers("h", "1", "0", "1"), "", at_ms(10'000));
    // An earlier clock never makes the reset come sooner, nor refills the bucket.
    CHECK(l.ready_at(r, at_ms(5'000)) == at_ms(11'000));
    CHECK(l.acquire(r, at_ms(5'000)).retry_at == at_ms(11'000));
    l.on_response(r, 200, bucket_headers("h", "1", "0", "1"), "", at_ms(3'000)); // read as 10 s: the same reset
    CHECK(l.state(r)->reset_at == at_ms(11'000));
    CHECK(l.acquire(r, at_ms(11'000)).granted);
    CHECK(l.acquire(r, at_ms(0)).retry_at == at_ms(12'000)); // at 11 s, the window guessed 1 s long
    l.on_response(r, 429, {}, R"({"retry_after":2})", at_ms(1)); // clamped to 11 s
    CHECK(l.ready_at(r, at_ms(0)) == at_ms(13'000));
}

TEST_CASE("rest limits: bounded tables evict ended buckets, never live ones") {
    rest::rate_limiter l({.max_buckets = 2, .max_routes = 2});
    const rest::route a = rest::route_of("GET", "/channels/1"), b = rest::route_of("GET", "/channels/2"),
                      c = rest::route_of("GET", "/channels/3");
    l.on_response(a, 200, bucket_headers("ha", "1", "0", "1"), "", at_ms(0));
    l.on_response(b, 200, bucket_headers("hb", "1", "0", "2"), "", at_ms(0));
    l.on_response(c, 200, bucket_headers("hc", "1", "0", "3"), "", at_ms(0)); // full of live buckets: not tracked
    CHECK(l.buckets() == 2);
    CHECK_FALSE(l.state(c));
    CHECK(l.acquire(c, at_ms(10)).granted);
    CHECK_FALSE(l.acquire(a, at_ms(10)).granted);
    CHECK_FALSE(l.acquire(b, at_ms(10)).granted);
    // a's window ended: c takes its place.
    l.on_response(c, 200, bucket_headers("hc", "1", "0", "3"), "", at_ms(1500));
    CHECK(l.buckets() == 2);
    REQUIRE(l.state(c));
    CHECK_FALSE(l.state(a));
    CHECK_FALSE(l.acquire(c, at_ms(1500)).granted);
    CHECK_FALSE(l.acquire(b, at_ms(1500)).granted);
    CHECK(l.acquire(a, at_ms(1500)).granted);
}

TEST_CASE("rest limits: no allocation once warmed") {
    rest::rate_limiter l;
    const fields h = bucket_headers("0123456789abcdef0123456789abcdef", "5", "4", "0.5");
    const rest::route rs[] = {rest::route_of("GET", "/channels/1/messages"), rest::route_of("POST", "/channels/1/messages"),
                              rest::route_of("GET", "/guilds/2/members/3")};
    for (const auto& r : rs) l.on_response(r, 200, h, "", at_ms(0));
    sluice_test::allocation_counter n;
    for (int i = 0; i < 1000; ++i) {
        const rest::route r = rest::route_of("GET", "/channels/1/messages/42");
        (void)l.acquire(r, at_ms(i * 20));
        (void)l.on_response(r, 200, h, "", at_ms(i * 20 + 5));
        (void)l.on_response(rs[i % 3], 429, h, R"({"retry_after":0.01,"global":false})", at_ms(i * 20 + 6));
    }
    CHECK(n.count() == 0);
}

TEST_CASE("rest: the client holds requests for their bucket and hands them out at the reset") {
    rest::client c(cfg());
    std::uint64_t a = 0, b = 0, other = 0;
    REQUIRE_FALSE(c.submit("POST", "/channels/1/messages", R"({"content":"1"})", at_ms(0), a));
    drain(c);
    const fields h = bucket_headers("msg", "5", "0", "2");
    REQUIRE_FALSE(c.on_response(a, 200, h, "{}", at_ms(100)));
    drain(c);
    REQUIRE_FALSE(c.submit("POST", "/channels/1/messages", R"({"content":"2"})", at_ms(200), b));
    REQUIRE_FALSE(c.submit("POST", "/channels/9/messages", R"({"content":"3"})", at_ms(200), other));
    auto out = drain(c);
    REQUIRE(out.size() == 1); // channel 9 goes; channel 1 waits for its reset
    CHECK(out[0].a.id == other);
    CHECK(c.next_deadline() == at_ms(2100));
    CHECK(c.limits().state(rest::route_of("POST", "/channels/1/messages"))->reset_at == at_ms(2100));
    c.handle_timeout(at_ms(2099));
    CHECK(drain(c).empty());
    c.handle_timeout(at_ms(2100));
    out = drain(c);
    REQUIRE(out.size() == 1);
    CHECK(out[0].a.id == b);
    CHECK(out[0].a.attempts == 0);
}
