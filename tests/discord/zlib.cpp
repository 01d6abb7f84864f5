// zlib-stream: one inflate context a connection, payloads split across
// binary messages, the 00 00 ff ff suffix, corrupt data, a new context on reconnect.
#include <sluice/discord/zlib_stream.hpp>

#include "harness.hpp"

#include <zlib.h>

using namespace test_dc;

namespace {

// A server side deflate stream: each payload ends with a sync flush.
struct deflater {
    z_stream z{};
    deflater() { REQUIRE(deflateInit(&z, 6) == Z_OK); }
    ~deflater() { deflateEnd(&z); }
    std::string operator()(std::string_view text) {
        std::string out(text.size() + 1024, '\0');
        z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
        z.avail_in = static_cast<uInt>(text.size());
        z.next_out = reinterpret_cast<Bytef*>(out.data());
        z.avail_out = static_cast<uInt>(out.size());
        REQUIRE(deflate(&z, Z_SYNC_FLUSH) == Z_OK);
        out.resize(out.size() - z.avail_out);
        return out;
    }
};

static_assert(sluice::message_machine<dc::zlib_stream<dc::client>>);

dc::config zconfig() {
    dc::config c = base_config();
    c.compress = dc::transport_compression::zlib_stream;
    c.engine.wait_for_identify_permit = false;
    return c;
}

} // namespace

TEST_CASE("zlib-stream: the URL asks for it; payloads inflate with one context a connection") {
    xoshiro256 rng{1};
    dc::zlib_stream<dc::client> bot(zconfig(), entropy(rng));
    REQUIRE_FALSE(bot.inner().start(at_ms(0)));
    auto o = drain(bot);
    REQUIRE(o.size() == 1);
    CHECK(o[0].bytes == "wss://gateway.discord.gg/?v=10&encoding=json&compress=zlib-stream");
    REQUIRE_FALSE(bot.on_open(at_ms(0)));
    deflater server;
    CHECK_FALSE(bot.on_message(server(sluice_test::read_vector("discord/hello.json")), message_type::binary, at_ms(0)));
    auto id = drain(bot);
    REQUIRE(id.size() == 1);
    CHECK(id[0].bytes.rfind("{\"op\":2", 0) == 0);
    // READY split over three binary messages.
    const std::string ready = server(sluice_test::read_vector("discord/ready.json"));
    const std::size_t third = ready.size() / 3;
    CHECK_FALSE(bot.on_message(std::string_view(ready).substr(0, third), message_type::binary, at_ms(1)));
    CHECK(bot.partial());
    CHECK(drain(bot).empty());
    CHECK_FALSE(bot.on_message(std::string_view(ready).substr(third, third), message_type::binary, at_ms(1)));
    CHECK_FALSE(bot.on_message(std::string_view(ready).substr(2 * third), message_type::binary, at_ms(1)));
    CHECK_FALSE(bot.partial());
    auto r = drain(bot);
    REQUIRE(r.size() == 1);
    CHECK(r[0].a.kind == gw::action_kind::ready);
    // The context carries over: later payloads reference earlier ones.
    for (int i = 0; i < 3; ++i) {
        CHECK_FALSE(bot.on_message(server(sluice_test::read_vector("discord/message_update.json").replace(
                                       sluice_test::read_vector("discord/message_update.json").find("1287"), 4, std::to_string(1287 + i))),
                                   message_type::binary, at_ms(2)));
        auto d = drain(bot);
        REQUIRE(d.size() == 1);
        CHECK(d[0].a.kind == gw::action_kind::dispatch);
        CHECK(d[0].a.seq == 1287u + static_cast<unsigned>(i));
    }
    // Text messages pass through.
    CHECK_FALSE(bot.on_message(sluice_test::read_vector("discord/heartbeat_ack.json"), message_type::text, at_ms(3)));
    CHECK(drain(bot).empty());

    // Corrupt data: a malformed-frame notice and a resumable close...
    CHECK_FALSE(bot.on_message(std::string("garbage\x00\x00\xff\xff", 11), message_type::binary, at_ms(4)));
    CHECK(bot.error() == dc::compression_errc::corrupt_data);
    auto bad = drain(bot);
    REQUIRE(bad.size() == 2);
    CHECK(bad[0].a.error == gw::errc::malformed_frame);
    CHECK(bad[1].a.close_code == 4000);
    // ...and the next connection starts a fresh context.
    REQUIRE_FALSE(bot.on_close({std::uint16_t{4000}, {}}, at_ms(5)));
    drain(bot);
    REQUIRE_FALSE(bot.on_open(at_ms(6)));
    deflater server2;
    CHECK_FALSE(bot.on_message(server2(sluice_test::read_vector("discord/hello.json")), message_type::binary, at_ms(6)));
    auto resume = drain(bot);
    REQUIRE(resume.size() == 1);
    CHECK(resume[0].bytes.rfind("{\"op\":6", 0) == 0);
    CHECK_FALSE(bot.on_message(server2(sluice_test::read_vector("discord/resumed.json")), message_type::binary, at_ms(7)));
    auto rs = drain(bot);
    REQUIRE(rs.size() == 1);
    CHECK(rs[0].a.kind == gw::action_kind::resumed);
}

TEST_CASE("zlib-stream: an inflated payload over the limit is refused") {
    xoshiro256 rng{1};
    dc::zlib_stream<dc::client> bot(zconfig(), entropy(rng));
    bot.decompressor().max_payload = 1000;
    bot.inner().start(at_ms(0));
    bot.on_open(at_ms(0));
    drain(bot);
    deflater server;
    bot.on_message(server(sluice_test::read_vector("discord/hello.json")), message_type::binary, at_ms(0));
    drain(bot);
    bot.on_message(server(sluice_test::read_vector("discord/ready.json")), message_type::binary, at_ms(0)); // 1015 bytes
    CHECK(bot.error() == dc::compression_errc::payload_too_large);
    CHECK(bot.buffer_bytes() <= 1001);
    auto a = drain(bot);
    REQUIRE(a.size() == 2);
    CHECK(a[0].a.error == gw::errc::malformed_frame);
}

TEST_CASE("zlib-stream: no allocation per message once the buffers have grown") {
    xoshiro256 rng{1};
    dc::zlib_stream<dc::client> bot(zconfig(), entropy(rng));
    bot.inner().start(at_ms(0));
    bot.on_open(at_ms(0));
    deflater server;
    bot.on_message(server(sluice_test::read_vector("discord/hello.json")), message_type::binary, at_ms(0));
    bot.on_message(server(sluice_test::read_vector("discord/ready.json")), message_type::binary, at_ms(0));
    drain(bot);
    std::string frame = sluice_test::read_vector("discord/message_update.json");
    std::vector<std::string> compressed;
    for (int i = 0; i < 40; ++i) {
        frame.replace(frame.find("\"s\":") + 4, 4, std::to_string(2000 + i));
        compressed.push_back(server(frame));
    }
    for (int i = 0; i < 2; ++i) {
        bot.on_message(compressed[static_cast<std::size_t>(i)], message_type::binary, at_ms(1));
        while (bot.poll()) {
        }
    }
    sluice_test::allocation_counter n;
    for (std::size_t i = 2; i < compressed.size(); ++i) {
        bot.on_message(compressed[i], message_type::binary, at_ms(1));
        while (bot.poll()) {
        }
    }
    CHECK(n.count() == 0);
    CHECK(bot.inner().last_sequence() == 2039u);
}
