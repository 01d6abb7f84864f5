// zlib-stream: one inflate context a connection, payloads split across
// binary messages, the 00 00 ff ff suffix, corrupt data, a new context on reconnect.
#include <sluice/discord/zlib_stream.hpp>

#include "compressed.hpp"

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
    check_session<deflater>(bot, "wss://gateway.discord.gg/?v=10&encoding=json&compress=zlib-stream",
                            std::string_view("garbage\x00\x00\xff\xff", 11), dc::compression_errc::corrupt_data);
}

TEST_CASE("zlib-stream: a payload whose suffix is split across messages") {
    dc::zlib_decompressor d;
    std::string_view out;
    for (std::size_t cut = 1; cut < 5; ++cut) {
        deflater server;
        const std::string z = server("{\"op\":11}");
        CHECK_FALSE(d.feed(std::string_view(z).substr(0, z.size() - cut), out));
        CHECK(out.empty());
        CHECK(d.partial());
        CHECK_FALSE(d.feed(std::string_view(z).substr(z.size() - cut), out));
        CHECK(out == "{\"op\":11}");
        d.reset();
    }
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
    check_no_allocation<deflater>(bot);
}
