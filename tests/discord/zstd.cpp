// zstd-stream: one ZSTD_DCtx a connection, each payload flushed (ZSTD_e_flush)
// into its binary message(s), payloads split across messages at random,
// the vectors as a session transcript, corrupt data, the payload and window
// limits, a new stream on reconnect, no allocation per message once warm.
#include <sluice/discord/zstd_stream.hpp>

#include "compressed.hpp"

#include <zstd.h>

#include <algorithm>

using namespace test_dc;

namespace {

// A server side zstd stream: each payload ends with ZSTD_e_flush (one frame
// for the whole connection, never ended), as the gateway does.
struct zstd_server {
    ZSTD_CCtx* c = ZSTD_createCCtx();
    explicit zstd_server(int level = 3, int window_log = 0) {
        REQUIRE(c != nullptr);
        REQUIRE_FALSE(ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, level)));
        if (window_log != 0) REQUIRE_FALSE(ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_windowLog, window_log)));
    }
    ~zstd_server() { ZSTD_freeCCtx(c); }
    zstd_server(const zstd_server&) = delete;
    zstd_server& operator=(const zstd_server&) = delete;
    std::string operator()(std::string_view text) {
        std::string out(ZSTD_compressBound(text.size()) + 64, '\0');
        ZSTD_inBuffer in{text.data(), text.size(), 0};
        ZSTD_outBuffer o{out.data(), out.size(), 0};
        std::size_t left;
        do {
            left = ZSTD_compressStream2(c, &o, &in, ZSTD_e_flush);
            REQUIRE_FALSE(ZSTD_isError(left));
        } while (left != 0);
        out.resize(o.pos);
        return out;
    }
};

static_assert(sluice::message_machine<dc::zstd_stream<dc::client>>);

dc::config zconfig() {
    dc::config c = base_config();
    c.engine.wait_for_identify_permit = false;
    c.compress = dc::transport_compression::zstd_stream;
    return c;
}

} // namespace

TEST_CASE("zstd-stream: the URL asks for it; payloads decompress with one context a connection") {
    xoshiro256 rng{1};
    dc::zstd_stream<dc::client> bot(zconfig(), entropy(rng));
    // A reserved block type (3) for the corrupt data.
    check_session<zstd_server>(bot, "wss://gateway.discord.gg/?v=10&encoding=json&compress=zstd-stream",
                               std::string_view("\x06\x00\x00", 3), dc::compression_errc::corrupt_data);
}

TEST_CASE("zstd-stream: property: payloads split at random points into messages come out whole, in order") {
    sluice_test::test_rng rng{77};
    std::vector<std::string> payloads;
    for (const char* name : {"hello.json", "ready.json", "message_update.json", "heartbeat_ack.json", "resumed.json",
                             "midjourney_started.json", "midjourney_finished.json", "reconnect.json"})
        payloads.push_back(sluice_test::read_vector(std::string("discord/") + name));
    payloads.push_back(std::string(300'000, 'x') + "}"); // several blocks, in one message
    for (int round = 0; round < 200; ++round) {
        zstd_server server(1 + static_cast<int>(rng.below(9)));
        dc::zstd_decompressor d;
        if (round % 2 == 1) d.reset();
        for (int k = 0; k < 12; ++k) {
            const std::string& p = payloads[rng.below(payloads.size())];
            const std::string z = server(p);
            // A payload over one block only arrives whole (see the header).
            const auto pieces = p.size() > 100'000 ? std::vector<std::string_view>{z}
                                                   : sluice_test::random_split(z, rng, rng.below(6));
            std::string got;
            std::size_t after = 0; // non-empty pieces after the payload came out
            for (const std::string_view piece : pieces) {
                std::string_view out;
                REQUIRE_FALSE(d.feed(piece, out));
                if (!got.empty() && !piece.empty()) ++after;
                if (!out.empty()) {
                    REQUIRE(got.empty());
                    got = out;
                } else if (!piece.empty() && got.empty()) {
                    REQUIRE(d.partial()); // a piece ending inside the payload
                }
            }
            REQUIRE(after == 0);
            REQUIRE(got == p);
            REQUIRE_FALSE(d.partial());
        }
    }
}

TEST_CASE("zstd-stream: the vectors as one session's transcript, through the client") {
    xoshiro256 rng{1};
    dc::zstd_stream<dc::client> bot(zconfig(), entropy(rng));
    bot.inner().start(at_ms(0));
    bot.on_open(at_ms(0));
    drain(bot);
    zstd_server server;
    std::size_t compressed = 0, plain = 0;
    std::vector<gw::action_kind> kinds;
    // in the order of their sequence numbers (1, 1285, 1287, 1288, 1289)
    for (const char* name : {"hello.json", "ready.json", "midjourney_started.json", "message_update.json",
                             "midjourney_deleted.json", "heartbeat_ack.json", "midjourney_finished.json"}) {
        const std::string text = sluice_test::read_vector(std::string("discord/") + name);
        const std::string z = server(text);
        compressed += z.size();
        plain += text.size();
        CHECK_FALSE(bot.on_message(z, message_type::binary, at_ms(1)));
        CHECK_FALSE(bot.error());
        for (const auto& e : drain(bot)) kinds.push_back(e.a.kind);
    }
    MESSAGE("transcript: " << plain << " bytes of JSON in " << compressed << " compressed");
    CHECK(compressed < plain);
    CHECK(std::count(kinds.begin(), kinds.end(), gw::action_kind::ready) == 1);
    CHECK(std::count(kinds.begin(), kinds.end(), gw::action_kind::dispatch) == 4);
    CHECK(std::count(kinds.begin(), kinds.end(), gw::action_kind::notice) == 0);
}

TEST_CASE("zstd-stream: corrupt data breaks the stream until reset") {
    zstd_server server;
    dc::zstd_decompressor d;
    std::string_view out;
    SUBCASE("not a zstd frame") {
        CHECK(d.feed("{\"op\":10}", out) == dc::compression_errc::corrupt_data);
    }
    SUBCASE("a flipped magic number") {
        std::string z = server("{\"op\":11}");
        z[0] = static_cast<char>(z[0] ^ 1);
        CHECK(d.feed(z, out) == dc::compression_errc::corrupt_data);
    }
    SUBCASE("a block that claims more than it holds, then garbage") {
        REQUIRE_FALSE(d.feed(server("{\"op\":11}"), out));
        CHECK(out == "{\"op\":11}");
        // compressed block (type 2) of 0x1fffff bytes: over the block maximum
        CHECK(d.feed(std::string("\xfc\xff\xff", 3), out) == dc::compression_errc::corrupt_data);
    }
    CHECK(out.empty());
    CHECK(d.error() == dc::compression_errc::corrupt_data);
    CHECK_FALSE(d.partial());
    // Sticky: even good data fails now...
    CHECK(d.feed(server("{\"op\":1}"), out) == dc::compression_errc::corrupt_data);
    // ...until a new connection.
    d.reset();
    zstd_server fresh;
    CHECK_FALSE(d.feed(fresh("{\"op\":1}"), out));
    CHECK(out == "{\"op\":1}");
}

TEST_CASE("zstd-stream: a payload over the limit is refused without growing past it") {
    xoshiro256 rng{1};
    dc::zstd_stream<dc::client> bot(zconfig(), entropy(rng));
    bot.decompressor().max_payload = 1000;
    bot.inner().start(at_ms(0));
    bot.on_open(at_ms(0));
    drain(bot);
    zstd_server server;
    bot.on_message(server(sluice_test::read_vector("discord/hello.json")), message_type::binary, at_ms(0));
    drain(bot);
    bot.on_message(server(sluice_test::read_vector("discord/ready.json")), message_type::binary, at_ms(0)); // 1015 bytes
    CHECK(bot.error() == dc::compression_errc::payload_too_large);
    CHECK(bot.error() == sluice::condition::limit_exceeded);
    CHECK(bot.decompressor().buffer_bytes() <= 1001);
    auto a = drain(bot);
    REQUIRE(a.size() == 2);
    CHECK(a[0].a.error == gw::errc::malformed_frame);

    // A bomb: 64 MiB of zeros in a few KiB, against a 1 MiB limit.
    dc::zstd_decompressor d;
    d.max_payload = 1 << 20;
    zstd_server bomb_server(19);
    const std::string bomb = bomb_server(std::string(std::size_t{64} << 20, '\0'));
    CHECK(bomb.size() < 16384);
    std::string_view out;
    CHECK(d.feed(bomb, out) == dc::compression_errc::payload_too_large);
    CHECK(d.buffer_bytes() <= (1u << 20) + 1);
}

TEST_CASE("zstd-stream: a window over max_window_log is refused") {
    dc::zstd_decompressor d;
    d.codec().max_window_log = 20;
    d.reset();
    zstd_server server(3, 24);
    std::string_view out;
    CHECK(d.feed(server(std::string(100, 'a')), out) == dc::compression_errc::payload_too_large);
    d.codec().max_window_log = 24;
    d.reset();
    zstd_server again(3, 24);
    CHECK_FALSE(d.feed(again(std::string(100, 'a')), out));
    CHECK(out == std::string(100, 'a'));
}

TEST_CASE("zstd-stream: no allocation per message once the buffers have grown") {
    xoshiro256 rng{1};
    dc::zstd_stream<dc::client> bot(zconfig(), entropy(rng));
    check_no_allocation<zstd_server>(bot);
    CHECK(bot.decompressor().library_bytes() > 0);
}
