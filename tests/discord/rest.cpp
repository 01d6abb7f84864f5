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
