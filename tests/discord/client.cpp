// The Discord client in message mode: the transcript of the vectors in
// ../shared/vectors/discord, every op both ways, the close-code table,
// commands, malformed input.
#include "harness.hpp"

#include <algorithm>

using namespace test_dc;

namespace {

// What identify carries, read back (resume and heartbeat: harness.hpp).
struct props {
    std::string os, browser, device;
};
struct identify_d {
    std::string token;
    std::uint64_t intents = 0;
    props properties;
    std::optional<std::array<std::uint32_t, 2>> shard;
    std::optional<json::raw> presence;
    std::optional<std::uint32_t> large_threshold;
};
struct identify_frame {
    int op = 0;
    identify_d d;
};

} // namespace

TEST_CASE("discord: transcript hello → identify → READY → dispatches → heartbeat → reconnect → resume → RESUMED") {
    harness h;
    REQUIRE_FALSE(h.c.start(at_ms(0)));
    auto open = drain(h.c);
    REQUIRE(open.size() == 1);
    CHECK(open[0].a.kind == gw::action_kind::open);
    CHECK(open[0].bytes == "wss://gateway.discord.gg/?v=10&encoding=json");
    CHECK_FALSE(open[0].a.resume);
    REQUIRE_FALSE(h.c.on_open(at_ms(0)));

    // op 10 → the permit gate asks first (default on).
    auto hello = h.vec("hello.json");
    REQUIRE(hello.size() == 1);
    CHECK(hello[0].a.kind == gw::action_kind::identify_wanted);
    CHECK(h.c.heartbeat_interval() == std::chrono::milliseconds(41250));
    CHECK(h.c.next_deadline() < at_ms(41250)); // first beat: interval × jitter
    REQUIRE_FALSE(h.c.grant_identify(at_ms(0)));
    auto ident = drain(h.c);
    REQUIRE(ident.size() == 1);
    identify_frame idf;
    REQUIRE_FALSE(json::read(idf, ident[0].bytes));
    CHECK(idf.op == 2);
    CHECK(idf.d.token == "MTE3NjI5MDAwMDAwMDAwMDAwMQ.Gx-abc.secret_token_value");
    CHECK(idf.d.intents == (dc::intents::guilds | dc::intents::guild_messages | dc::intents::message_content));
    CHECK(idf.d.properties.os == "linux");
    CHECK(idf.d.properties.browser == "sluice");
    CHECK(idf.d.properties.device == "sluice");
    REQUIRE(idf.d.shard);
    CHECK((*idf.d.shard)[0] == 0);
    CHECK((*idf.d.shard)[1] == 1);
    CHECK_FALSE(idf.d.presence);

    // READY: typed, session kept.
    auto ready = h.vec("ready.json");
    REQUIRE(ready.size() == 1);
    CHECK(ready[0].a.kind == gw::action_kind::ready);
    CHECK(ready[0].a.seq == 1);
    CHECK(ready[0].name == "READY");
    dc::ready r;
    {
        gw::entry e{ready[0].a, ready[0].bytes};
        CHECK(dc::event_of(e) == dc::event::ready);
        REQUIRE_FALSE(dc::decode(e, r));
        std::string scratch;
        CHECK(r.v == 10);
        CHECK(dc::text(r.session_id, scratch) == "9d1f5b0e6c2a4c7f8e3b1a2d4f6e8c0a");
        CHECK(r.user.id == snowflake(1176290000000000001));
        CHECK(r.user.bot == true);
        REQUIRE(r.guilds);
        CHECK(r.guilds->size() == 2);
        CHECK(r.shard.has_value());
        dc::message wrong;
        CHECK(dc::decode(e, wrong) == dc::errc::wrong_event);
    }
    CHECK(h.c.session_id() == "9d1f5b0e6c2a4c7f8e3b1a2d4f6e8c0a");
    CHECK(h.c.snapshot().resume_url == "wss://gateway-us-east1-b.discord.gg");
    CHECK(h.c.last_sequence() == 1u);

    // Dispatches in sequence.
    for (const char* v : {"midjourney_started.json", "message_update.json", "midjourney_deleted.json", "midjourney_finished.json"}) {
        auto d = h.vec(v);
        REQUIRE(d.size() == 1);
        CHECK(d[0].a.kind == gw::action_kind::dispatch);
    }
    CHECK(h.c.last_sequence() == 1289u);

    // The regular heartbeat carries the last sequence; the ack measures latency.
    const instant due = h.c.next_deadline();
    h.c.handle_timeout(due);
    auto beat = drain(h.c);
    REQUIRE(beat.size() == 1);
    CHECK(beat[0].bytes == R"({"op":1,"d":1289})");
    beat_frame bf;
    REQUIRE_FALSE(json::read(bf, beat[0].bytes));
    CHECK(bf.d == 1289u);
    REQUIRE_FALSE(h.c.on_message(sluice_test::read_vector("discord/heartbeat_ack.json"), message_type::text,
                                 due + std::chrono::milliseconds(25)));
    CHECK(drain(h.c).empty());
    CHECK(h.c.latency() == std::chrono::milliseconds(25));

    // op 1 from the server: beat now.
    auto req = h.vec("server_heartbeat_request.json");
    REQUIRE(req.size() == 1);
    CHECK(req[0].bytes == R"({"op":1,"d":1289})");

    // op 7: close with a resumable code, then resume at resume_gateway_url with the same query.
    auto rc = h.vec("reconnect.json");
    REQUIRE(rc.size() == 2);
    CHECK(rc[0].a.error == gw::errc::reconnect_requested);
    CHECK(rc[0].a.next == gw::next_step::resume);
    CHECK(rc[1].a.kind == gw::action_kind::close);
    CHECK(rc[1].a.close_code == 4000);
    REQUIRE_FALSE(h.c.on_close({std::uint16_t{4000}, {}}, at_ms(100'000)));
    auto reopen = drain(h.c);
    REQUIRE(reopen.size() == 1);
    CHECK(reopen[0].a.resume);
    CHECK(reopen[0].bytes == "wss://gateway-us-east1-b.discord.gg/?v=10&encoding=json");
    REQUIRE_FALSE(h.c.on_open(at_ms(100'001)));
    h.now = 100'002;
    auto res = h.vec("hello.json");
    REQUIRE(res.size() == 1); // resume needs no permit
    resume_frame rf;
    REQUIRE_FALSE(json::read(rf, res[0].bytes));
    CHECK(rf.op == 6);
    CHECK(rf.d.token == idf.d.token);
    CHECK(rf.d.session_id == "9d1f5b0e6c2a4c7f8e3b1a2d4f6e8c0a");
    CHECK(rf.d.seq == 1289);
    CHECK(h.c.current_state() == gw::state::resuming);

    auto resumed = h.vec("resumed.json");
    REQUIRE(resumed.size() == 1);
    CHECK(resumed[0].a.kind == gw::action_kind::resumed);
    CHECK(resumed[0].a.seq == 1290);
    CHECK(h.c.is_ready());
    CHECK(h.c.last_sequence() == 1290u);
}

TEST_CASE("discord: MESSAGE_UPDATE decodes into the typed message") {
    harness h;
    h.connect();
    auto d = h.vec("message_update.json");
    REQUIRE(d.size() == 1);
    gw::entry e{d[0].a, d[0].bytes};
    CHECK(dc::event_of(e) == dc::event::message_update);
    CHECK(d[0].a.seq == 1287);
    dc::message m;
    REQUIRE_FALSE(dc::decode(e, m));
    std::string scratch;
    CHECK(m.id == snowflake(1176296352211234816));
    CHECK(m.channel_id == snowflake(1097345283567484928));
    CHECK(m.guild_id == snowflake(1011118430651756540));
    REQUIRE(m.author);
    CHECK(m.author->id == snowflake(936929561302675456));
    CHECK(dc::text(*m.author->username, scratch) == "Midjourney Bot");
    CHECK(m.author->bot == true);
    CHECK(dc::text(*m.content, scratch) ==
          "**a lighthouse on a cliff at dawn, volumetric light, 35mm --ar 3:2 --v 6.0** - <@402019850117365761> (31%) (fast)");
    CHECK_FALSE(m.nonce); // null
    CHECK(m.tts == false);
    REQUIRE(m.attachments);
    REQUIRE(m.attachments->size() == 1);
    const auto& a = (*m.attachments)[0];
    CHECK(a.id == snowflake(1176296353180123146));
    CHECK(dc::text(a.filename, scratch) == "grid_0.webp");
    CHECK(a.size == 148922u);
    CHECK(a.width == 1024u);
    CHECK(a.height == 683u);
    CHECK(dc::plain_text(a.url) ==
          std::string_view("https://cdn.discordapp.com/ephemeral-attachments/1097345283567484928/1176296353180123146/grid_0.webp"));
}

TEST_CASE("discord: text() decodes escapes into scratch, plain_text() refuses them") {
    json::raw r{R"("line one\nline \"two\" \u00e9")"};
    std::string scratch;
    CHECK(dc::text(r, scratch) == "line one\nline \"two\" \xc3\xa9");
    CHECK_FALSE(dc::plain_text(r));
    CHECK(dc::text(json::raw{"null"}, scratch).empty());
    CHECK(dc::text(json::raw{}, scratch).empty());
    CHECK(dc::nonce_value(json::raw{R"("1176296340000000000")"}) == snowflake(1176296340000000000));
    CHECK(dc::nonce_value(json::raw{"42"}) == snowflake(42));
    CHECK_FALSE(dc::nonce_value(json::raw{R"("abc")"}));
}

TEST_CASE("discord: MESSAGE_CREATE, MESSAGE_DELETE and INTERACTION_CREATE are typed; others raw") {
    harness h;
    h.connect();
    auto del = h.vec("midjourney_deleted.json");
    REQUIRE(del.size() == 1);
    dc::message_delete md;
    REQUIRE_FALSE(dc::decode(gw::entry{del[0].a, del[0].bytes}, md));
    CHECK(md.id == snowflake(1176296352211234816));

    auto c = h.vec("midjourney_finished.json");
    REQUIRE(c.size() == 1);
    dc::message m;
    REQUIRE_FALSE(dc::decode(gw::entry{c[0].a, c[0].bytes}, m));
    REQUIRE(m.components);
    CHECK(m.components->size() == 2);
    std::string scratch;
    CHECK(dc::text(*(*(*m.components)[0].components)[0].custom_id, scratch) ==
          "MJ::JOB::upsample::1::5b3c1e0a-7d2f-4e11-9a8b-2f0c6d4e9a71");
    CHECK_FALSE(m.nonce);

    const std::string ic =
        R"({"t":"INTERACTION_CREATE","s":1290,"op":0,"d":{"version":1,"type":3,"token":"aW50ZXJhY3Rpb24","id":"1176296600000000000",)"
        R"("application_id":"1176290000000000001","channel_id":"1097345283567484928","guild_id":"1011118430651756540",)"
        R"("data":{"custom_id":"btn","component_type":2},"member":{"user":{"id":"402019850117365761","username":"painter"}}}})";
    auto i = h.feed(ic);
    REQUIRE(i.size() == 1);
    dc::interaction it;
    REQUIRE_FALSE(dc::decode(gw::entry{i[0].a, i[0].bytes}, it));
    CHECK(it.type == 3);
    CHECK(it.id == snowflake(1176296600000000000));
    CHECK(dc::text(it.token, scratch) == "aW50ZXJhY3Rpb24");
    REQUIRE(it.data);
    CHECK(it.data->text == R"({"custom_id":"btn","component_type":2})");

    auto other = h.feed(R"({"t":"TYPING_START","s":1291,"op":0,"d":{"user_id":"1","channel_id":"2","timestamp":1700000000}})");
    REQUIRE(other.size() == 1);
    gw::entry oe{other[0].a, other[0].bytes};
    CHECK(dc::event_of(oe) == dc::event::other);
    CHECK(other[0].name == "TYPING_START");
    CHECK(other[0].a.seq == 1291);
    struct typing {
        std::string_view user_id;
        std::int64_t timestamp = 0;
    } t;
    REQUIRE_FALSE(json::read(t, gw::data(oe)));
    CHECK(t.user_id == "1");
    CHECK(t.timestamp == 1700000000);
}

TEST_CASE("discord: the envelope may list d first, and s/t may be null or missing") {
    harness h;
    h.connect();
    auto a = h.feed(R"({"d":{"id":"5","channel_id":"6"},"t":"MESSAGE_DELETE","op":0,"s":2})");
    REQUIRE(a.size() == 1);
    CHECK(a[0].a.seq == 2);
    CHECK(a[0].data == R"({"id":"5","channel_id":"6"})");
    CHECK(h.feed(R"({"op":11})").empty());
    CHECK(h.feed(R"({"op":11,"d":null,"s":null,"t":null,"unknown":[1,2,{"x":"y"}]})").empty());
}

TEST_CASE("discord: op 9 true resumes; op 9 false waits 1–5 s then identifies on the original URL") {
    {
        harness h;
        h.connect();
        auto a = h.vec("invalid_session_true.json");
        REQUIRE(a.size() == 2);
        CHECK(a[0].a.error == gw::errc::session_invalidated);
        CHECK(a[0].a.next == gw::next_step::resume);
        CHECK(a[1].a.close_code == 4000);
        h.c.on_close({std::uint16_t{4000}, {}}, at_ms(1));
        auto o = drain(h.c);
        REQUIRE(o.size() == 1);
        CHECK(o[0].a.resume);
    }
    for (std::uint64_t seed = 0; seed < 20; ++seed) {
        harness h;
        h.rng = xoshiro256(seed);
        h.connect();
        auto a = h.vec("invalid_session_false.json");
        REQUIRE(a.size() == 2);
        CHECK(a[0].a.next == gw::next_step::new_session);
        CHECK(h.c.session_id().empty());
        h.c.on_close({std::uint16_t{4000}, {}}, at_ms(10));
        CHECK(drain(h.c).empty());
        const auto wait = h.c.next_deadline() - at_ms(10);
        CHECK(wait >= std::chrono::seconds(1));
        CHECK(wait <= std::chrono::seconds(5));
        h.c.handle_timeout(h.c.next_deadline());
        auto o = drain(h.c);
        REQUIRE(o.size() == 1);
        CHECK_FALSE(o[0].a.resume);
        CHECK(o[0].bytes == "wss://gateway.discord.gg/?v=10&encoding=json");
    }
}

TEST_CASE("discord: the close-code table, exactly as PROTOCOLS.md") {
    struct row {
        std::uint16_t code;
        gw::next_step next;
    };
    const row rows[] = {
        {4000, gw::next_step::resume},      {4001, gw::next_step::resume},      {4002, gw::next_step::resume},
        {4003, gw::next_step::resume},      {4005, gw::next_step::resume},      {4008, gw::next_step::resume},
        {4007, gw::next_step::new_session}, {4009, gw::next_step::new_session}, {4004, gw::next_step::stop},
        {4010, gw::next_step::stop},        {4011, gw::next_step::stop},        {4012, gw::next_step::stop},
        {4013, gw::next_step::stop},        {4014, gw::next_step::stop},        {1000, gw::next_step::resume},
        {1001, gw::next_step::resume},      {1006, gw::next_step::resume},      {1011, gw::next_step::resume},
        {4006, gw::next_step::resume},      {4999, gw::next_step::resume},
    };
    for (const row& r : rows) {
        CAPTURE(r.code);
        harness h;
        h.connect();
        REQUIRE_FALSE(h.c.on_close({r.code, {}}, at_ms(1)));
        auto a = drain(h.c);
        REQUIRE_FALSE(a.empty());
        CHECK(a[0].a.kind == gw::action_kind::notice);
        CHECK(a[0].a.close_code == r.code);
        CHECK(a[0].a.next == r.next);
        if (r.next == gw::next_step::stop) {
            CHECK(a[0].a.error == gw::errc::fatal_close);
            CHECK(h.c.current_state() == gw::state::failed);
            CHECK(dc::close_code_error(r.code) == sluice::condition::handshake_failed);
        } else {
            REQUIRE(a.size() == 2);
            CHECK(a[1].a.kind == gw::action_kind::open);
            CHECK(a[1].a.resume == (r.next == gw::next_step::resume));
            CHECK(a[1].bytes == (r.next == gw::next_step::resume ? "wss://gateway-us-east1-b.discord.gg/?v=10&encoding=json"
                                                                 : "wss://gateway.discord.gg/?v=10&encoding=json"));
        }
    }
    CHECK(dc::close_code_error(4004) == dc::errc::authentication_failed);
    CHECK(dc::close_code_error(4004).message() == "Discord closed: authentication failed (4004)");
    CHECK(dc::close_code_error(4014) == dc::errc::disallowed_intents);
    CHECK_FALSE(dc::close_code_error(1000));
    CHECK(dc::find_close_code(4009)->name == "session timed out");
    static_assert(dc::close_code_verdict(4004) == gw::close_verdict::fatal);
    static_assert(dc::close_code_verdict(4007) == gw::close_verdict::new_session);
    static_assert(dc::close_code_verdict(4008) == gw::close_verdict::resume);
}

TEST_CASE("discord: zombie connection → close with 4000 → resume with the last seq") {
    harness h;
    h.connect();
    h.vec("midjourney_started.json");
    h.c.handle_timeout(h.c.next_deadline());
    auto b1 = drain(h.c);
    REQUIRE(b1.size() == 1);
    CHECK(b1[0].bytes == R"({"op":1,"d":1285})");
    h.vec("message_update.json"); // events keep coming, but no ack
    h.c.handle_timeout(h.c.next_deadline());
    auto z = drain(h.c);
    REQUIRE(z.size() == 2);
    CHECK(z[0].a.error == gw::errc::zombie_connection);
    CHECK(z[1].a.close_code == 4000);
    h.c.on_close({}, at_ms(200'000));
    auto o = drain(h.c);
    REQUIRE(o.size() == 1);
    CHECK(o[0].a.resume);
    h.c.on_open(at_ms(200'001));
    auto r = h.vec("hello.json");
    REQUIRE(r.size() == 1);
    resume_frame rf;
    REQUIRE_FALSE(json::read(rf, r[0].bytes));
    CHECK(rf.d.seq == 1287);
}

TEST_CASE("discord: commands: presence, voice state, request guild members (op 3, 4, 8)") {
    harness h;
    // Refused before ready.
    CHECK(h.c.update_presence({}, at_ms(0)) == gw::errc::not_connected);
    h.connect();
    const dc::activity acts[] = {{"with the gateway", 0, std::nullopt, std::nullopt}};
    REQUIRE_FALSE(h.c.update_presence({1700000000000, acts, "idle", true}, at_ms(1)));
    REQUIRE_FALSE(h.c.update_voice_state({snowflake(10), snowflake(20), true, false}, at_ms(1)));
    REQUIRE_FALSE(h.c.update_voice_state({snowflake(10), std::nullopt, false, false}, at_ms(1)));
    const snowflake ids[] = {snowflake(1), snowflake(2)};
    REQUIRE_FALSE(h.c.request_guild_members({snowflake(10), std::nullopt, 0, true, ids, "n1"}, at_ms(1)));
    REQUIRE_FALSE(h.c.request_guild_members({snowflake(10), "pa", 5, std::nullopt, {}, std::nullopt}, at_ms(1)));
    auto a = drain(h.c);
    REQUIRE(a.size() == 5);
    CHECK(a[0].bytes ==
          R"({"op":3,"d":{"since":1700000000000,"activities":[{"name":"with the gateway","type":0}],"status":"idle","afk":true}})");
    CHECK(a[1].bytes == R"({"op":4,"d":{"guild_id":"10","channel_id":"20","self_mute":true,"self_deaf":false}})");
    CHECK(a[2].bytes == R"({"op":4,"d":{"guild_id":"10","channel_id":null,"self_mute":false,"self_deaf":false}})");
    CHECK(a[3].bytes == R"({"op":8,"d":{"guild_id":"10","limit":0,"presences":true,"user_ids":["1","2"],"nonce":"n1"}})");
    CHECK(a[4].bytes == R"({"op":8,"d":{"guild_id":"10","query":"pa","limit":5}})");
    for (auto& r : a) CHECK_FALSE(json::validate(r.bytes));

    // Misuse: nothing sent.
    CHECK(h.c.request_guild_members({snowflake(10), std::nullopt, 0, {}, {}, {}}, at_ms(1)) == dc::errc::invalid_argument);
    CHECK(h.c.request_guild_members({snowflake(10), "x", 0, {}, ids, {}}, at_ms(1)) == dc::errc::invalid_argument);
    CHECK(h.c.request_guild_members({snowflake(10), "x", 0, {}, {}, std::string_view(std::string(33, 'n'))}, at_ms(1)) ==
          dc::errc::invalid_argument);
    const dc::activity nameless[] = {{"", 0, {}, {}}};
    CHECK(h.c.update_presence({std::nullopt, nameless, "online", false}, at_ms(1)) == dc::errc::invalid_argument);
    const std::string huge(5000, 'x');
    const dc::activity big[] = {{huge, 0, {}, {}}};
    CHECK(h.c.update_presence({std::nullopt, big, "online", false}, at_ms(1)) == gw::errc::payload_too_large);
    const dc::activity bad_utf8[] = {{"\xff\xfe", 0, {}, {}}};
    CHECK(h.c.update_presence({std::nullopt, bad_utf8, "online", false}, at_ms(1)) == sluice::json::errc::invalid_utf8);
    CHECK(drain(h.c).empty());
}

TEST_CASE("discord: 120 sends per 60 s, with heartbeat slots kept") {
    harness h;
    h.connect();
    // 41.25 s interval: ceil(60 / 41.25) = 2 beats + identify/resume + one requested beat = 4 reserved.
    int sent = 0;
    while (!h.c.update_voice_state({snowflake(1), std::nullopt, false, false}, at_ms(1))) ++sent;
    CHECK(sent == 120 - 4 - 1); // identify already used one
    CHECK(h.c.update_voice_state({snowflake(1), std::nullopt, false, false}, at_ms(1)) == gw::errc::rate_limited);
    drain(h.c);
    // Heartbeats still go out.
    h.c.handle_timeout(h.c.next_deadline());
    auto b = drain(h.c);
    REQUIRE(b.size() == 1);
    CHECK(b[0].bytes == R"({"op":1,"d":1})");
    CHECK(h.vec("server_heartbeat_request.json").size() == 1);
}

TEST_CASE("discord: identify options: presence, large_threshold, properties; config errors refuse start") {
    {
        dc::config c = base_config();
        const dc::activity acts[] = {{"music", 2, {}, {}}};
        c.presence = dc::presence_update{std::nullopt, acts, "dnd", false};
        c.large_threshold = 100;
        c.properties = {"windows", "my-bot", "my-bot"};
        c.shard = std::array<std::uint32_t, 2>{3, 8};
        harness h(c);
        c = {}; // views are not kept
        h.c.start(at_ms(0));
        h.c.on_open(at_ms(0));
        drain(h.c);
        h.vec("hello.json");
        h.c.grant_identify(at_ms(0));
        auto a = drain(h.c);
        REQUIRE(a.size() == 1);
        identify_frame f;
        REQUIRE_FALSE(json::read(f, a[0].bytes));
        CHECK(f.d.properties.os == "windows");
        CHECK(f.d.large_threshold == 100u);
        CHECK((*f.d.shard)[0] == 3);
        REQUIRE(f.d.presence);
        CHECK(f.d.presence->text == R"({"since":null,"activities":[{"name":"music","type":2}],"status":"dnd","afk":false})");
    }
    auto refused = [](dc::config c) {
        harness h(c);
        CHECK(h.c.config_error());
        CHECK(h.c.start(at_ms(0)) == h.c.config_error());
        CHECK(drain(h.c).empty());
        return h.c.config_error();
    };
    dc::config c = base_config();
    c.token = "";
    CHECK(refused(c) == dc::errc::invalid_argument);
    c = base_config();
    c.shard = std::array<std::uint32_t, 2>{2, 2};
    CHECK(refused(c) == dc::errc::invalid_argument);
    c = base_config();
    c.large_threshold = 10;
    CHECK(refused(c) == dc::errc::invalid_argument);
    c = base_config();
    const std::string long_token(5000, 't');
    c.token = long_token;
    CHECK(refused(c) == gw::errc::payload_too_large);
}

TEST_CASE("discord: gateway URL forms and the transport compression in the query") {
    auto url_of = [](std::string_view base, dc::transport_compression z) {
        dc::config c = base_config();
        c.gateway_url = base;
        c.compress = z;
        harness h(c);
        h.c.start(at_ms(0));
        return drain(h.c).at(0).bytes;
    };
    CHECK(url_of("wss://gateway.discord.gg", dc::transport_compression::none) == "wss://gateway.discord.gg/?v=10&encoding=json");
    CHECK(url_of("wss://gateway.discord.gg/", dc::transport_compression::none) == "wss://gateway.discord.gg/?v=10&encoding=json");
    CHECK(url_of("wss://gateway.discord.gg/?x=1", dc::transport_compression::zlib_stream) ==
          "wss://gateway.discord.gg/?x=1&v=10&encoding=json&compress=zlib-stream");
    CHECK(url_of("wss://gateway.discord.gg", dc::transport_compression::zstd_stream) ==
          "wss://gateway.discord.gg/?v=10&encoding=json&compress=zstd-stream");
}

TEST_CASE("discord: malformed or oversized frames from the server become notices and a resumable close") {
    const char* bad[] = {
        "",
        "not json",
        "{\"op\":0,\"d\":{}",                       // truncated
        "{\"d\":{}}",                               // no op
        "{\"op\":\"0\",\"d\":{}}",                  // op not a number
        "{\"op\":0,\"s\":3,\"d\":{}}",              // dispatch without t
        "{\"op\":0,\"s\":3,\"t\":\"X\"}",           // dispatch without d
        "{\"op\":0,\"s\":-3,\"t\":\"X\",\"d\":{}}", // negative sequence
        "{\"op\":0,\"s\":3,\"t\":\"X\",\"d\":{}} trailing",
        "[1,2,3]",
        "{\"op\":10,\"d\":{\"heartbeat_interval\":-5}}",
        "{\"op\":10,\"d\":{}}",
        "{\"op\":10}",
        "{\"d\":{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]},\"op\":0,\"s\":2,\"t\":\"X\"}",
        "{\"op\":0,\"s\":2,\"t\":\"X\",\"d\":{}",           // d last, frame not closed
        "{\"t\":\"X\",\"s\":02,\"op\":0,\"d\":{}}",         // leading zero
        "{\"t\":\"X\",\"s\":99999999999999999999,\"op\":0,\"d\":{}}", // over 64 bits
    };
    for (const char* text : bad) {
        CAPTURE(std::string(text));
        harness h;
        h.connect();
        auto a = h.feed(text);
        REQUIRE(a.size() == 2);
        CHECK(a[0].a.error == gw::errc::malformed_frame);
        CHECK(a[0].a.next == gw::next_step::resume);
        CHECK(a[1].a.close_code == 4000);
        CHECK(h.c.last_sequence() == 1u);
        CHECK(h.c.snapshot().id == "9d1f5b0e6c2a4c7f8e3b1a2d4f6e8c0a");
    }
    {
        harness h;
        h.connect();
        REQUIRE_FALSE(h.c.on_message(sluice_test::read_vector("discord/heartbeat_ack.json"), message_type::binary, at_ms(0)));
        auto a = drain(h.c);
        REQUIRE(a.size() == 2);
        CHECK(a[0].a.error == gw::errc::malformed_frame);
    }
    {
        dc::config c = base_config();
        c.engine.max_inbound = 1024;
        harness h(c);
        h.connect(); // ready.json is 1015 bytes
        auto a = h.vec("message_update.json"); // 1464 bytes
        REQUIRE(a.size() == 2);
        CHECK(a[0].a.error == gw::errc::frame_too_large);
        CHECK(a[1].a.close_code == 1009);
        CHECK(h.c.last_sequence() == 1u);
    }
    {
        // In Discord's order (d last), d is read when decoded: a bad d is a
        // decode error, the session goes on. strict_json catches it on arrival.
        const std::string deep = "{\"t\":\"X\",\"s\":2,\"op\":0,\"d\":{\"deep\":" + std::string(100, '[') + std::string(100, ']') + "}}";
        harness h;
        h.connect();
        auto a = h.feed(deep);
        REQUIRE(a.size() == 1);
        CHECK(a[0].a.kind == gw::action_kind::dispatch);
        struct any {
            json::raw deep;
        } v;
        CHECK(json::read(v, a[0].data) == json::errc::depth_exceeded);
        dc::config c = base_config();
        c.strict_json = true;
        harness s(c);
        s.connect();
        auto b = s.feed(deep);
        REQUIRE(b.size() == 2);
        CHECK(b[0].a.error == gw::errc::malformed_frame);
        // Extra keys after d (not Discord's order): decoding d reports it, never wrong values.
        auto x = h.feed(R"({"t":"MESSAGE_DELETE","s":3,"op":0,"d":{"id":"5","channel_id":"6"},"extra":{}})");
        REQUIRE(x.size() == 1);
        dc::message_delete md;
        CHECK(dc::decode(gw::entry{x[0].a, x[0].bytes}, md) == json::errc::trailing_content);
    }
    {
        // strict_json: invalid UTF-8 inside a skipped part of d is caught at arrival.
        dc::config c = base_config();
        c.strict_json = true;
        harness h(c);
        h.connect();
        auto a = h.feed("{\"op\":0,\"s\":2,\"t\":\"X\",\"d\":{\"x\":\"\xff\"}}");
        REQUIRE(a.size() == 2);
        CHECK(a[0].a.error == gw::errc::malformed_frame);
    }
    {
        // An unknown op is a notice; the session goes on.
        harness h;
        h.connect();
        auto a = h.feed(R"({"op":42,"d":{"x":1}})");
        REQUIRE(a.size() == 1);
        CHECK(a[0].a.error == gw::errc::unexpected_frame);
        CHECK(a[0].a.code == 42);
        CHECK(a[0].data == R"({"x":1})");
        CHECK(h.c.is_ready());
    }
}

TEST_CASE("discord: a READY without session_id, or with a bad one, starts over") {
    harness h;
    h.c.start(at_ms(0));
    h.c.on_open(at_ms(0));
    h.vec("hello.json");
    h.c.grant_identify(at_ms(0));
    drain(h.c);
    auto a = h.feed(R"({"t":"READY","s":1,"op":0,"d":{"v":10}})");
    REQUIRE(a.size() == 2);
    CHECK(a[0].a.error == gw::errc::missing_session);
    CHECK(a[0].a.next == gw::next_step::new_session);
}

TEST_CASE("discord: session export → a new process → resume") {
    std::string id, url;
    std::uint64_t seq = 0;
    {
        harness h;
        h.connect();
        h.vec("message_update.json");
        REQUIRE_FALSE(h.c.close(at_ms(1), gw::close_mode::keep_session));
        auto a = drain(h.c);
        REQUIRE(a.size() == 1);
        CHECK(a[0].a.close_code == 4000); // not 1000/1001: the session survives
        auto s = h.c.snapshot();
        id = s.id;
        url = s.resume_url;
        seq = *s.seq;
    }
    harness h2;
    REQUIRE_FALSE(h2.c.restore({id, url, seq}));
    REQUIRE_FALSE(h2.c.start(at_ms(0)));
    auto o = drain(h2.c);
    REQUIRE(o.size() == 1);
    CHECK(o[0].bytes == "wss://gateway-us-east1-b.discord.gg/?v=10&encoding=json");
    h2.c.on_open(at_ms(0));
    auto r = h2.vec("hello.json");
    REQUIRE(r.size() == 1);
    CHECK(r[0].bytes.find("\"op\":6") != std::string::npos);
    CHECK(r[0].bytes.find("\"seq\":1287") != std::string::npos);
}
