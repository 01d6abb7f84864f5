// The Midjourney tracker: the fixture transcript (started → progress 31% →
// finished), buttons, failures from embeds, timeouts, matching rules.
#include <sluice/discord.hpp>
#include <sluice/midjourney.hpp>

#include "support/support.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace sluice;
namespace gw = sluice::gateway;
namespace dc = sluice::discord;
namespace mj = sluice::midjourney;

namespace {

instant at_ms(std::int64_t ms) { return instant::from_ns(ms * 1'000'000); }
constexpr std::int64_t wall_ms = 1700521301985; // the fixture's era (Unix ms)
const snowflake channel{1097345283567484928};
const snowflake guild{1011118430651756540};

const char* commands_body =
    R"([{"id":"938956540159881230","application_id":"936929561302675456","version":"1166847114203123795","name":"imagine","type":1},)"
    R"({"id":"972289487818334209","application_id":"936929561302675456","version":"1","name":"info","type":1}])";

struct out {
    mj::action a;
    std::string bytes;
};

struct fixture {
    xoshiro256 rng{7};
    dc::client bot;
    mj::tracker t;
    std::int64_t now = 0;
    std::vector<out> seen;

    static dc::config bot_config() {
        dc::config c;
        c.token = "user-token";
        c.engine.wait_for_identify_permit = false;
        return c;
    }
    static mj::config mj_config() {
        mj::config c;
        c.rest.authorization = "user-token";
        c.channel_id = channel;
        c.guild_id = guild;
        c.job_timeout = std::chrono::minutes(5);
        c.max_jobs = 4;
        return c;
    }
    explicit fixture(mj::config c = mj_config()) : bot(bot_config(), entropy(rng)), t(c) {}

    // A gateway message into the Discord client; every entry goes on to the tracker.
    void gateway(std::string_view text) {
        REQUIRE_FALSE(bot.on_message(text, message_type::text, at_ms(now)));
        while (auto* e = bot.poll()) t.on_gateway(*e, at_ms(now));
    }
    void vec(std::string_view name, std::string_view from = {}, std::string_view to = {}) {
        std::string text = sluice_test::read_vector(std::string("discord/") + std::string(name));
        if (!from.empty()) {
            const auto at = text.find(from);
            REQUIRE(at != std::string::npos);
            text.replace(at, from.size(), to);
        }
        gateway(text);
    }
    std::vector<out> drain() {
        std::vector<out> v;
        while (auto* e = t.poll()) v.push_back({e->action, std::string(e->bytes)});
        seen.insert(seen.end(), v.begin(), v.end());
        return v;
    }
    // Connects the bot (READY) and loads the commands.
    void ready() {
        REQUIRE_FALSE(bot.start(at_ms(0)));
        REQUIRE_FALSE(bot.on_open(at_ms(0)));
        vec("hello.json");
        vec("ready.json");
        REQUIRE_FALSE(t.start(at_ms(0)));
        auto a = drain();
        REQUIRE(a.size() == 1);
        REQUIRE(a[0].a.kind == mj::action_kind::http_request);
        REQUIRE_FALSE(t.on_response(a[0].a.request, 200, {}, commands_body, at_ms(0)));
        auto r = drain();
        REQUIRE(r.size() == 1);
        REQUIRE(r[0].a.kind == mj::action_kind::ready);
        REQUIRE(t.is_ready());
    }
    // imagine(prompt): answers its POST with 204; returns the job id.
    std::uint64_t imagine(std::string_view prompt) {
        std::uint64_t id = 0;
        REQUIRE_FALSE(t.imagine(prompt, wall_ms + now, at_ms(now), id));
        auto a = drain();
        REQUIRE(a.size() == 1);
        REQUIRE(a[0].a.kind == mj::action_kind::http_request);
        REQUIRE_FALSE(t.on_response(a[0].a.request, 204, {}, "", at_ms(now)));
        CHECK(drain().empty());
        return id;
    }
};

std::string nonce_text(std::uint64_t id) { return std::string(to_chars(snowflake(id)).view()); }

} // namespace

TEST_CASE("midjourney: the fixture transcript gives started → progress 31% → finished") {
    fixture f;
    f.ready();
    CHECK(f.t.imagine_command() == snowflake(938956540159881230));
    std::uint64_t job = 0;
    REQUIRE_FALSE(f.t.imagine("a lighthouse on a cliff at dawn, volumetric light, 35mm --ar 3:2", wall_ms, at_ms(0), job));
    auto post = f.drain();
    REQUIRE(post.size() == 1);
    const auto req = mj::request(mj::entry{post[0].a, post[0].bytes});
    CHECK(req.method == "POST");
    CHECK(req.target == "/api/v10/interactions");
    CHECK(req.header_block.find("Authorization: user-token\r\n") != std::string_view::npos);
    const std::string nonce = nonce_text(job);
    CHECK(req.body.find("\"session_id\":\"9d1f5b0e6c2a4c7f8e3b1a2d4f6e8c0a\"") != std::string_view::npos);
    CHECK(req.body.find("\"nonce\":\"" + nonce + "\"") != std::string_view::npos);
    CHECK(req.body.find("\"id\":\"938956540159881230\",\"name\":\"imagine\"") != std::string_view::npos);
    CHECK(req.body.find(R"("options":[{"type":3,"name":"prompt","value":"a lighthouse on a cliff at dawn, volumetric light, 35mm --ar 3:2"}])") !=
          std::string_view::npos);
    CHECK(f.t.find(job)->state == mj::job_state::submitting);
    REQUIRE_FALSE(f.t.on_response(post[0].a.request, 204, {}, "", at_ms(10)));
    CHECK(f.t.find(job)->state == mj::job_state::waiting);

    // started: the bot's message carries our nonce.
    f.vec("midjourney_started.json", "1176296340000000000", nonce);
    auto s = f.drain();
    REQUIRE(s.size() == 1);
    CHECK(s[0].a.kind == mj::action_kind::started);
    CHECK(s[0].a.job == job);
    CHECK(s[0].bytes == "a lighthouse on a cliff at dawn, volumetric light, 35mm --ar 3:2 --v 6.0"); // as echoed
    CHECK(f.t.find(job)->message_id == snowflake(1176296352211234816));

    // progress from MESSAGE_UPDATE (same id, nonce null).
    f.vec("message_update.json");
    auto p = f.drain();
    REQUIRE(p.size() == 1);
    CHECK(p[0].a.kind == mj::action_kind::progress);
    CHECK(p[0].a.percent == 31);
    CHECK(p[0].a.job == job);

    // the original is deleted: waiting for the result.
    f.vec("midjourney_deleted.json");
    CHECK(f.drain().empty());
    CHECK(f.t.find(job)->state == mj::job_state::deleted);

    // finished: no nonce, matched by the echoed prompt.
    f.vec("midjourney_finished.json");
    auto d = f.drain();
    REQUIRE(d.size() == 1);
    CHECK(d[0].a.kind == mj::action_kind::finished);
    CHECK(d[0].a.job == job);
    CHECK(d[0].a.percent == 100);
    CHECK(d[0].bytes ==
          "https://cdn.discordapp.com/attachments/1097345283567484928/1176296488710351020/"
          "painter_a_lighthouse_on_a_cliff_at_dawn_5b3c1e0a-7d2f-4e11-9a8b-2f0c6d4e9a71.png");
    const mj::job* j = f.t.find(job);
    REQUIRE(j);
    CHECK(j->state == mj::job_state::finished);
    CHECK(j->hash == "5b3c1e0a-7d2f-4e11-9a8b-2f0c6d4e9a71");
    CHECK(j->message_id == snowflake(1176296489012341122));
    REQUIRE(j->buttons().size() == 9);
    CHECK(j->buttons()[0] == "MJ::JOB::upsample::1::5b3c1e0a-7d2f-4e11-9a8b-2f0c6d4e9a71");
    CHECK(j->buttons()[4] == "MJ::JOB::reroll::0::5b3c1e0a-7d2f-4e11-9a8b-2f0c6d4e9a71::SOLO");

    std::vector<mj::action_kind> kinds;
    for (auto& o : f.seen)
        if (o.a.kind != mj::action_kind::http_request && o.a.kind != mj::action_kind::ready) kinds.push_back(o.a.kind);
    CHECK(kinds == std::vector<mj::action_kind>{mj::action_kind::started, mj::action_kind::progress, mj::action_kind::finished});
    CHECK(f.t.next_deadline().is_never()); // nothing running

    // Buttons: upscale 2 posts a type 3 interaction on the grid's message.
    std::uint64_t up = 0;
    REQUIRE_FALSE(f.t.upscale(job, 2, wall_ms + 1000, at_ms(1000), up));
    auto b = f.drain();
    REQUIRE(b.size() == 1);
    const auto breq = mj::request(mj::entry{b[0].a, b[0].bytes});
    CHECK(breq.body.find("\"type\":3") != std::string_view::npos);
    CHECK(breq.body.find("\"message_id\":\"1176296489012341122\"") != std::string_view::npos);
    CHECK(breq.body.find("\"custom_id\":\"MJ::JOB::upsample::2::5b3c1e0a-7d2f-4e11-9a8b-2f0c6d4e9a71\"") != std::string_view::npos);
    CHECK(f.t.find(up)->kind == mj::job_kind::upscale);
    CHECK(f.t.find(up)->prompt == "a lighthouse on a cliff at dawn, volumetric light, 35mm --ar 3:2 --v 6.0");
    std::uint64_t rr = 0, var = 0;
    REQUIRE_FALSE(f.t.reroll(job, wall_ms + 1001, at_ms(1001), rr));
    REQUIRE_FALSE(f.t.variation(job, 4, wall_ms + 1002, at_ms(1002), var));
    auto more = f.drain();
    REQUIRE(more.size() == 2);
    CHECK(mj::request(mj::entry{more[0].a, more[0].bytes}).body.find("MJ::JOB::reroll::0::5b3c1e0a-7d2f-4e11-9a8b-2f0c6d4e9a71::SOLO") !=
          std::string_view::npos);
    CHECK(mj::request(mj::entry{more[1].a, more[1].bytes}).body.find("MJ::JOB::variation::4::") != std::string_view::npos);
    CHECK(f.t.upscale(job, 5, wall_ms, at_ms(1003), up) == mj::errc::invalid_index);
    CHECK(f.t.upscale(up, 1, wall_ms, at_ms(1003), up) == mj::errc::not_finished);
    CHECK(f.t.upscale(12345, 1, wall_ms, at_ms(1003), up) == mj::errc::unknown_job);

    // The upscale's result: "Image #2", matched by prompt and kind.
    const std::string upscaled =
        R"({"t":"MESSAGE_CREATE","s":1300,"op":0,"d":{"id":"1176296600000000001","channel_id":"1097345283567484928",)"
        R"("author":{"id":"936929561302675456","username":"Midjourney Bot","bot":true},)"
        R"("content":"**a lighthouse on a cliff at dawn, volumetric light, 35mm --ar 3:2 --v 6.0** - Image #2 <@402019850117365761>",)"
        R"("attachments":[{"id":"1","filename":"painter_x_5b3c1e0a-7d2f-4e11-9a8b-2f0c6d4e9a71.png","url":"https://cdn/u2.png","size":1}],)"
        R"("components":[]}})";
    f.gateway(upscaled);
    auto u = f.drain();
    REQUIRE(u.size() == 1);
    CHECK(u[0].a.kind == mj::action_kind::finished);
    CHECK(u[0].a.job == up);
    CHECK(u[0].a.type == mj::job_kind::upscale);
    CHECK(u[0].bytes == "https://cdn/u2.png");
}

TEST_CASE("midjourney: failures from embeds; Job queued keeps waiting") {
    struct row {
        const char* title;
        std::uint32_t color;
        mj::errc error;
    };
    const row rows[] = {
        {"Invalid parameter", 16711680, mj::errc::invalid_parameter},
        {"Banned prompt detected", 16711680, mj::errc::banned_prompt},
        {"Queue full", 16711680, mj::errc::queue_full},
        {"Action needed to continue", 16776960, mj::errc::action_needed},
        {"Pending mod message", 16776960, mj::errc::pending_moderation},
        {"Something else broke", 16711680, mj::errc::job_error},
    };
    for (const row& r : rows) {
        CAPTURE(r.title);
        fixture f;
        f.ready();
        const std::uint64_t job = f.imagine("a cat");
        // "Job queued" first: keeps waiting.
        const std::string queued = R"({"t":"MESSAGE_CREATE","s":2,"op":0,"d":{"id":"11","channel_id":"1097345283567484928","nonce":")" +
                                   nonce_text(job) +
                                   R"(","author":{"id":"936929561302675456"},"content":"","embeds":[{"title":"Job queued","color":16776960,"description":"Your job will start shortly"}]}})";
        f.gateway(queued);
        auto q = f.drain();
        REQUIRE(q.size() == 1);
        CHECK(q[0].a.kind == mj::action_kind::queued);
        CHECK(f.t.find(job)->running());
        const std::string failed = R"({"t":"MESSAGE_CREATE","s":3,"op":0,"d":{"id":"12","channel_id":"1097345283567484928","nonce":")" +
                                   nonce_text(job) + R"(","author":{"id":"936929561302675456"},"content":"","embeds":[{"title":")" +
                                   r.title + R"(","color":)" + std::to_string(r.color) +
                                   R"(,"description":"Details here"}]}})";
        f.gateway(failed);
        auto e = f.drain();
        REQUIRE(e.size() == 1);
        CHECK(e[0].a.kind == mj::action_kind::failed);
        CHECK(e[0].a.error == r.error);
        CHECK(e[0].bytes == std::string(r.title) + ": Details here");
        CHECK(f.t.find(job)->state == mj::job_state::failed);
        // Nothing more for an ended job.
        f.vec("message_update.json");
        CHECK(f.drain().empty());
    }
}

TEST_CASE("midjourney: every job ends: a deadline fails it with timed_out") {
    fixture f;
    f.ready();
    const std::uint64_t job = f.imagine("slow");
    CHECK(f.t.next_deadline() == at_ms(5 * 60'000));
    f.t.handle_timeout(at_ms(5 * 60'000 - 1));
    CHECK(f.drain().empty());
    f.t.handle_timeout(at_ms(5 * 60'000));
    auto a = f.drain();
    REQUIRE(a.size() == 1);
    CHECK(a[0].a.kind == mj::action_kind::failed);
    CHECK(a[0].a.error == mj::errc::timed_out);
    CHECK(a[0].a.error == sluice::condition::timeout);
    CHECK(f.t.find(job)->state == mj::job_state::failed);
    f.t.handle_timeout(at_ms(5 * 60'000 + 1)); // once only
    CHECK(f.drain().empty());
}

TEST_CASE("midjourney: only the bot's messages in the job's channel count") {
    fixture f;
    f.ready();
    const std::uint64_t job = f.imagine("a lighthouse on a cliff at dawn, volumetric light, 35mm --ar 3:2");
    const std::string nonce = nonce_text(job);
    // Another author with our nonce, then the bot in another channel: ignored.
    f.vec("midjourney_started.json", "\"author\":{\"username\":\"Midjourney Bot\",\"public_flags\":589824,\"id\":\"936929561302675456\"",
          "\"author\":{\"username\":\"Impostor\",\"public_flags\":0,\"id\":\"402019850117365761\"");
    CHECK(f.drain().empty());
    std::string other = sluice_test::read_vector("discord/midjourney_started.json");
    other.replace(other.find("1176296340000000000"), 19, nonce);
    other.replace(other.find("\"channel_id\":\"1097345283567484928\""), 34, "\"channel_id\":\"1097345283567484929\"");
    other.replace(other.find("\"s\":1285"), 8, "\"s\":1286");
    f.gateway(other);
    CHECK(f.drain().empty());
    CHECK(f.t.find(job)->state == mj::job_state::waiting);
}

TEST_CASE("midjourney: two jobs with the same prompt resolve in submission order") {
    fixture f;
    f.ready();
    const std::uint64_t first = f.imagine("twin");
    const std::uint64_t second = f.imagine("twin");
    auto started = [&](std::uint64_t job, const char* id, int s) {
        f.gateway(R"({"t":"MESSAGE_CREATE","s":)" + std::to_string(s) + R"(,"op":0,"d":{"id":")" + id +
                  R"(","channel_id":"1097345283567484928","nonce":")" + nonce_text(job) +
                  R"j(","author":{"id":"936929561302675456"},"content":"**twin --v 6.0** - <@1> (Waiting to start)","attachments":[]}})j");
    };
    started(second, "21", 2); // the second starts first
    started(first, "20", 3);
    f.drain();
    auto result = [&](const char* id, int s) {
        f.gateway(R"({"t":"MESSAGE_CREATE","s":)" + std::to_string(s) + R"(,"op":0,"d":{"id":")" + id +
                  R"j(","channel_id":"1097345283567484928","author":{"id":"936929561302675456"},"content":"**twin --v 6.0** - <@1> (fast)",)j"
                  R"("attachments":[{"id":"9","filename":"a_b.png","url":"https://cdn/)" +
                  id + R"(.png"}]}})");
        auto a = f.drain();
        REQUIRE(a.size() == 1);
        CHECK(a[0].a.kind == mj::action_kind::finished);
        return a[0].a.job;
    };
    CHECK(result("30", 4) == first);
    CHECK(result("31", 5) == second);
}

TEST_CASE("midjourney: a result for a job whose start was missed matches the sent prompt") {
    fixture f;
    f.ready();
    const std::uint64_t job = f.imagine("a lighthouse on a cliff at dawn, volumetric light, 35mm --ar 3:2");
    f.vec("midjourney_finished.json"); // echoes "... --v 6.0": the sent prompt is its prefix
    auto a = f.drain();
    REQUIRE(a.size() == 1);
    CHECK(a[0].a.job == job);
    CHECK(a[0].a.kind == mj::action_kind::finished);
}

TEST_CASE("midjourney: misuse, refused submissions, commands unavailable, eviction") {
    fixture f;
    std::uint64_t id = 0;
    CHECK(f.t.imagine("x", wall_ms, at_ms(0), id) == mj::errc::not_ready);
    f.ready();
    CHECK(f.t.imagine("", wall_ms, at_ms(0), id) == mj::errc::invalid_prompt);
    CHECK(f.t.imagine(std::string(4001, 'p'), wall_ms, at_ms(0), id) == mj::errc::invalid_prompt);
    CHECK(f.drain().empty());

    // A refused POST fails the job with the status and body.
    REQUIRE_FALSE(f.t.imagine("refused", wall_ms, at_ms(0), id));
    auto post = f.drain();
    REQUIRE_FALSE(f.t.on_response(post[0].a.request, 400, {}, R"({"message":"Invalid Form Body"})", at_ms(1)));
    auto a = f.drain();
    REQUIRE(a.size() == 1);
    CHECK(a[0].a.kind == mj::action_kind::failed);
    CHECK(a[0].a.error == mj::errc::submit_failed);
    CHECK(a[0].a.status == 400);
    CHECK(a[0].bytes == R"({"message":"Invalid Form Body"})");

    // 4 slots: three running plus the failed one, then the failed one is evicted.
    std::uint64_t j1 = f.imagine("one"), j2 = f.imagine("two"), j3 = f.imagine("three");
    (void)j1, (void)j2, (void)j3;
    std::uint64_t j4 = f.imagine("four");
    CHECK_FALSE(f.t.find(id)); // evicted
    CHECK(f.t.imagine("five", wall_ms, at_ms(0), id) == mj::errc::jobs_full);
    CHECK(f.t.forget(j4) == mj::errc::unknown_job); // running
    f.t.handle_timeout(at_ms(10 * 60'000));
    CHECK(f.drain().size() == 4);
    CHECK_FALSE(f.t.forget(j4));
    CHECK_FALSE(f.t.find(j4));

    // Commands without "imagine".
    fixture g;
    REQUIRE_FALSE(g.bot.start(at_ms(0)));
    REQUIRE_FALSE(g.t.start(at_ms(0)));
    auto req = g.drain();
    REQUIRE_FALSE(g.t.on_response(req[0].a.request, 200, {}, R"([{"id":"1","application_id":"936929561302675456","version":"1","name":"info"}])",
                                  at_ms(0)));
    auto c = g.drain();
    REQUIRE(c.size() == 1);
    CHECK(c[0].a.kind == mj::action_kind::failed);
    CHECK(c[0].a.error == mj::errc::commands_unavailable);
}

TEST_CASE("midjourney: configured commands skip the fetch") {
    mj::config c = fixture::mj_config();
    c.imagine_id = snowflake(938956540159881230);
    c.imagine_version = snowflake(1166847114203123795);
    fixture f(c);
    REQUIRE_FALSE(f.t.start(at_ms(0)));
    CHECK(f.drain().empty());
    REQUIRE_FALSE(f.bot.start(at_ms(0)));
    REQUIRE_FALSE(f.bot.on_open(at_ms(0)));
    f.vec("hello.json");
    f.vec("ready.json");
    auto a = f.drain();
    REQUIRE(a.size() == 1);
    CHECK(a[0].a.kind == mj::action_kind::ready);
}

TEST_CASE("midjourney: parsing helpers") {
    static_assert(mj::echoed_prompt("**a b** - <@1> (fast)") == std::string_view("a b"));
    static_assert(!mj::echoed_prompt("no bold"));
    static_assert(mj::progress_percent("**x (1%)** - <@1> (31%) (fast)") == 31);
    static_assert(mj::progress_percent("**x** - <@1> (100%)") == 100);
    static_assert(!mj::progress_percent("**x** - <@1> (fast)"));
    static_assert(!mj::progress_percent("**x** - <@1> (250%)"));
    static_assert(mj::waiting_to_start("**x** - <@1> (Waiting to start)"));
    static_assert(mj::result_of("**x** - Image #3 <@1>") == mj::result_kind::upscale);
    static_assert(mj::result_of("**x** - Variations (Strong) by <@1> (fast)") == mj::result_kind::variation);
    static_assert(mj::result_of("**Image # in prompt** - <@1> (fast)") == mj::result_kind::grid);
    static_assert(mj::hash_of_custom_id("MJ::JOB::upsample::1::abc-def") == std::string_view("abc-def"));
    static_assert(mj::hash_of_custom_id("MJ::JOB::reroll::0::abc::SOLO") == std::string_view("abc"));
    static_assert(!mj::hash_of_custom_id("MJ::Other::x"));
    static_assert(mj::hash_of_filename("painter_a_5b3c1e0a-7d2f-4e11-9a8b-2f0c6d4e9a71.png") ==
                  std::string_view("5b3c1e0a-7d2f-4e11-9a8b-2f0c6d4e9a71"));
    static_assert(!mj::hash_of_filename("grid_0.webp"));
    static_assert(mj::classify_embed("Job queued", 16776960) == mj::embed_verdict::queued);
    static_assert(mj::classify_embed("Anything", 16711680) == mj::embed_verdict::failed);
    static_assert(mj::classify_embed("Info", 5793266) == mj::embed_verdict::none);
    CHECK(std::error_code(mj::errc::queue_full) == sluice::condition::limit_exceeded);
}

TEST_CASE("midjourney: following a job allocates nothing once warmed up") {
    fixture f;
    f.ready();
    const std::string started = sluice_test::read_vector("discord/midjourney_started.json");
    const std::string update = sluice_test::read_vector("discord/message_update.json");
    const std::string deleted = sluice_test::read_vector("discord/midjourney_deleted.json");
    const std::string finished = sluice_test::read_vector("discord/midjourney_finished.json");
    std::uint64_t seq = 2000;
    auto with_seq = [&](std::string text) {
        text.replace(text.find("\"s\":") + 4, 4, std::to_string(seq++));
        return text;
    };
    std::string s1, s2, s3, s4;
    auto cycle = [&](int i) {
        std::uint64_t job = 0;
        REQUIRE_FALSE(f.t.imagine("a lighthouse on a cliff at dawn, volumetric light, 35mm --ar 3:2", wall_ms + i * 1000, at_ms(i), job));
        std::uint64_t request = 0;
        while (auto* e = f.t.poll()) request = e->action.request;
        REQUIRE_FALSE(f.t.on_response(request, 204, {}, "", at_ms(i)));
        s1 = with_seq(started);
        const std::string n = nonce_text(job);
        s1.replace(s1.find("1176296340000000000"), 19, n);
        s2 = with_seq(update);
        s3 = with_seq(deleted);
        s4 = with_seq(finished);
        int events = 0;
        for (const std::string* m : {&s1, &s2, &s3, &s4}) {
            REQUIRE_FALSE(f.bot.on_message(*m, message_type::text, at_ms(i)));
            while (auto* e = f.bot.poll()) f.t.on_gateway(*e, at_ms(i));
            while (auto* e = f.t.poll()) events += e->action.kind != mj::action_kind::http_request;
        }
        REQUIRE(events == 3);
        REQUIRE_FALSE(f.t.forget(job));
    };
    cycle(1);
    cycle(2);
    cycle(3);
    // The strings above are built outside the counted region.
    std::uint64_t job = 0;
    REQUIRE_FALSE(f.t.imagine("a lighthouse on a cliff at dawn, volumetric light, 35mm --ar 3:2", wall_ms + 9000, at_ms(9), job));
    std::uint64_t request = 0;
    while (auto* e = f.t.poll()) request = e->action.request;
    s1 = with_seq(started);
    s1.replace(s1.find("1176296340000000000"), 19, nonce_text(job));
    s2 = with_seq(update);
    s3 = with_seq(deleted);
    s4 = with_seq(finished);
    sluice_test::allocation_counter n;
    REQUIRE_FALSE(f.t.on_response(request, 204, {}, "", at_ms(9)));
    int events = 0;
    for (const std::string* m : {&s1, &s2, &s3, &s4}) {
        REQUIRE_FALSE(f.bot.on_message(*m, message_type::text, at_ms(9)));
        while (auto* e = f.bot.poll()) f.t.on_gateway(*e, at_ms(9));
        while (auto* e = f.t.poll()) events += e->action.kind != mj::action_kind::http_request;
    }
    CHECK(events == 3);
    CHECK(n.count() == 0);
}
