// SHA-1 (RFC 3174), base64 (RFC 4648), UTF-8, URLs and masking.
#include <sluice/ws/detail/base64.hpp>
#include <sluice/ws/detail/sha1.hpp>
#include <sluice/ws/frame.hpp>
#include <sluice/ws/handshake.hpp>
#include <sluice/ws/url.hpp>
#include <sluice/ws/utf8.hpp>

#include <doctest/doctest.h>

#include "ws_test.hpp"

#include <cstdint>
#include <string>

using namespace sluice;

namespace {
std::string hex(const std::array<std::uint8_t, 20>& d) {
    static const char digits[] = "0123456789ABCDEF";
    std::string s;
    for (auto b : d) {
        s += digits[b >> 4];
        s += digits[b & 15];
    }
    return s;
}
std::string sha1_hex(std::string_view data, int repeat = 1) {
    ws::detail::sha1 h;
    for (int i = 0; i < repeat; ++i) h.update(data);
    return hex(h.digest());
}
std::string b64(std::string_view s) {
    std::string out(ws::detail::base64_size(s.size()), '\0');
    out.resize(ws::detail::base64_encode(reinterpret_cast<const std::uint8_t*>(s.data()), s.size(), out.data()));
    return out;
}
} // namespace

TEST_SUITE("unit") {

TEST_CASE("SHA-1: the RFC 3174 test vectors") {
    CHECK(sha1_hex("abc") == "A9993E364706816ABA3E25717850C26C9CD0D89D");
    CHECK(sha1_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") == "84983E441C3BD26EBAAE4AA1F95129E5E54670F1");
    CHECK(sha1_hex("a", 1000000) == "34AA973CD4C4DAA4F61EEB2BDBAD27316534016F");
    CHECK(sha1_hex("0123456701234567012345670123456701234567012345670123456701234567", 10) ==
          "DEA356A2CDDD90C7A7ECEDC5EBB563934F460452");
    CHECK(sha1_hex("") == "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709");
    // Padding edges: 55, 56 and 64 bytes.
    CHECK(sha1_hex(std::string(55, 'x')) != sha1_hex(std::string(56, 'x')));
    ws::detail::sha1 split;
    split.update("abcdbcdecdefdefgefghfghighij");
    split.update("hijkijkljklmklmnlmnomnopnopq");
    CHECK(hex(split.digest()) == "84983E441C3BD26EBAAE4AA1F95129E5E54670F1");
}

TEST_CASE("base64: the RFC 4648 §10 vectors, both ways") {
    const std::pair<const char*, const char*> vectors[] = {
        {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
    };
    for (auto [plain, encoded] : vectors) {
        CAPTURE(plain);
        CHECK(b64(plain) == encoded);
        std::uint8_t buf[16];
        const auto n = ws::detail::base64_decode(encoded, buf);
        REQUIRE(n >= 0);
        CHECK(std::string(reinterpret_cast<char*>(buf), static_cast<std::size_t>(n)) == plain);
    }
    std::uint8_t buf[16];
    for (const char* bad : {"Zg=", "Zg", "Z===", "Zm9=v", "Zh==", "Zm9w=", "Zm!v", "=Zm9", "Zg==Zg=="})
        CHECK_MESSAGE(ws::detail::base64_decode(bad, buf) == -1, bad);
}

TEST_CASE("RFC 6455 §1.3: the sample key's accept value") {
    const auto a = ws::accept_for("dGhlIHNhbXBsZSBub25jZQ==");
    CHECK(std::string(a.data(), a.size()) == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST_CASE("handshake key: 16 random bytes from the injected entropy, fresh each time") {
    xoshiro256 g(1);
    const auto k1 = ws::make_handshake_key(g), k2 = ws::make_handshake_key(g);
    std::uint8_t raw[18];
    CHECK(ws::detail::base64_decode(k1.key_view(), raw) == 16);
    CHECK(k1.key_view() != k2.key_view());
    xoshiro256 same(1);
    CHECK(ws::make_handshake_key(same).key_view() == k1.key_view()); // deterministic under a seeded source
    CHECK(k1.accept_view() == std::string_view(ws::accept_for(k1.key_view()).data(), 28));
}

TEST_CASE("UTF-8: valid and invalid sequences, whole and split at every point") {
    const std::pair<std::string, bool> cases[] = {
        {"", true}, {"plain ascii", true}, {"κόσμε", true}, {"\xF0\x9F\x98\x80 emoji", true},
        {"\xEF\xBF\xBF", true},                  // U+FFFF
        {"\xF4\x8F\xBF\xBF", true},              // U+10FFFF
        {"\xED\x9F\xBF", true},                  // U+D7FF, just below the surrogates
        {"\xEE\x80\x80", true},                  // U+E000, just above
        {std::string(100, 'a') + "\xC3\xA9" + std::string(40, 'b'), true},
        {"\xC0\x80", false},                     // overlong NUL
        {"\xC1\xBF", false},                     // overlong
        {"\xE0\x80\xAF", false},                 // overlong 3-byte
        {"\xF0\x80\x80\xAF", false},             // overlong 4-byte
        {"\xED\xA0\x80", false},                 // surrogate U+D800
        {"\xED\xBF\xBF", false},                 // surrogate U+DFFF
        {"\xF4\x90\x80\x80", false},             // above U+10FFFF
        {"\xF5\x80\x80\x80", false},             // F5 never appears
        {"\xFF", false},
        {"\x80", false},                         // lone continuation
        {"\xC3", false},                         // truncated
        {"\xE2\x82", false},                     // truncated
        {"\xC3\x28", false},                     // bad continuation
        {std::string(64, 'a') + "\xE2\x28\xA1", false},
        {"\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5\xED\xA0\x80\x65\x64\x69\x74\x65\x64", false}, // Autobahn 6.x style
    };
    for (const auto& [s, valid] : cases) {
        CAPTURE(s);
        CHECK(ws::is_valid_utf8(s) == valid);
        for (std::size_t cut = 0; cut <= s.size(); ++cut) {
            ws::utf8_validator v;
            const bool ok = v.feed(std::string_view(s).substr(0, cut)) && v.feed(std::string_view(s).substr(cut));
            CHECK((ok && v.complete()) == valid);
        }
    }
    // Fail fast: the first impossible byte is reported before the end.
    ws::utf8_validator v;
    CHECK_FALSE(v.feed("ok \xC0"));
    CHECK(v.failed());
    CHECK_FALSE(v.feed("more"));
    // Incomplete is not failed.
    ws::utf8_validator w;
    CHECK(w.feed("\xF0\x9F"));
    CHECK_FALSE(w.complete());
    CHECK(w.feed("\x98\x80"));
    CHECK(w.complete());
}

TEST_CASE("URL: ws and wss, ports, IPv6, targets, and what is refused") {
    ws::url u;
    REQUIRE_FALSE(ws::parse_url("wss://gateway.discord.gg/?v=10&encoding=json", u));
    CHECK(u.tls);
    CHECK(u.host == "gateway.discord.gg");
    CHECK(u.port == 443);
    CHECK(u.target == "/?v=10&encoding=json");
    CHECK(u.default_port());
    REQUIRE_FALSE(ws::parse_url("WS://127.0.0.1:8080", u));
    CHECK_FALSE(u.tls);
    CHECK(u.host == "127.0.0.1");
    CHECK(u.port == 8080);
    CHECK(u.target == "/");
    REQUIRE_FALSE(ws::parse_url("ws://[::1]:9000/ws/resume/abc", u));
    CHECK(u.host == "::1");
    CHECK(u.port == 9000);
    CHECK(u.target == "/ws/resume/abc");
    REQUIRE_FALSE(ws::parse_url("ws://[::1]", u));
    CHECK(u.port == 80);
    for (const char* bad : {"http://x/", "ws://", "ws:///path", "ws://h:0/", "ws://h:65536/", "ws://h:/", "ws://h:8x/",
                            "ws://user@h/", "ws://h/#frag", "ws://[::1/", "ws://[::1]x/", "ws://h/a b", "ws://h?q", "wss:/h"}) {
        CAPTURE(bad);
        const auto ec = ws::parse_url(bad, u);
        CHECK(ec == ws::errc::bad_url);
        CHECK(ec == condition::misuse);
    }
}

TEST_CASE("masking: word-at-a-time matches the byte definition for every length and alignment") {
    const unsigned char key[4] = {0x37, 0xfa, 0x21, 0x3d};
    std::string src(300, '\0');
    for (std::size_t i = 0; i < src.size(); ++i) src[i] = static_cast<char>(i * 7 + 3);
    for (std::size_t off = 0; off < 8; ++off) {
        for (std::size_t n = 0; n + off <= 200; ++n) {
            std::string dst(n + 16, '\0');
            ws::detail::mask_copy(dst.data() + off, src.data() + off, n, key);
            bool same = true;
            for (std::size_t i = 0; i < n; ++i)
                same = same && static_cast<unsigned char>(dst[off + i]) == (static_cast<unsigned char>(src[off + i]) ^ key[i % 4]);
            if (!same) FAIL_CHECK("mismatch at offset " << off << " length " << n);
        }
    }
}

TEST_CASE("client frames: header sizes at the length boundaries, masked with the given key") {
    for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{125}, std::size_t{126}, std::size_t{65535}, std::size_t{65536}, std::size_t{70000}}) {
        CAPTURE(n);
        std::string payload(n, 'q');
        std::string out = "xy";
        ws::append_client_frame(out, ws::opcode::binary, payload, 0x01020304);
        CHECK(out.size() == 2 + ws::client_header_size(n) + n);
        std::vector<ws_test::client_frame> frames;
        REQUIRE(ws_test::decode_client_frames(std::string_view(out).substr(2), frames));
        REQUIRE(frames.size() == 1);
        CHECK(frames[0].op == 2);
        CHECK(frames[0].fin);
        CHECK(frames[0].key == 0x01020304u);
        CHECK(frames[0].payload == payload);
    }
    CHECK(ws::client_header_size(125) == 6);
    CHECK(ws::client_header_size(126) == 8);
    CHECK(ws::client_header_size(65535) == 8);
    CHECK(ws::client_header_size(65536) == 14);
}

TEST_CASE("errors: categories, messages, conditions and close codes") {
    const std::error_code e = ws::errc::invalid_utf8;
    CHECK(std::string(e.category().name()) == "sluice.ws");
    CHECK(e.message() == "text message is not valid UTF-8");
    CHECK(e == condition::invalid_data);
    CHECK(std::error_code(ws::errc::upgrade_refused) == condition::handshake_failed);
    CHECK(std::error_code(ws::errc::masked_frame) == condition::protocol_violation);
    CHECK(std::error_code(ws::errc::message_too_big) == condition::limit_exceeded);
    CHECK(std::error_code(ws::errc::closed_abnormally) == condition::closed);
    CHECK(std::error_code(ws::errc::not_open) == condition::misuse);
    CHECK(ws::close_code_for(ws::errc::reserved_bits) == 1002);
    CHECK(ws::close_code_for(ws::errc::invalid_close_code) == 1002);
    CHECK(ws::close_code_for(ws::errc::invalid_utf8) == 1007);
    CHECK(ws::close_code_for(ws::errc::invalid_close_reason) == 1007);
    CHECK(ws::close_code_for(ws::errc::message_too_big) == 1009);
    CHECK(ws::close_code_for(ws::errc::closed_abnormally) == 1006);
    for (const auto& entry : ws::detail::errc_table) CHECK(std::error_code(entry.code).message() == entry.message);
    const std::error_code h = http::errc::bad_header;
    CHECK(std::string(h.category().name()) == "sluice.http");
    CHECK(h == condition::protocol_violation);
}

} // TEST_SUITE

TEST_CASE("utf8: the vector ASCII test agrees with the word-at-a-time one (random blocks)") {
    std::uint64_t state = 0x9e3779b97f4a7c15ull;
    const auto next = [&state] { // splitmix64
        std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    };
    unsigned char buf[256 + 32];
    for (int round = 0; round < 20000; ++round) {
        for (auto& b : buf) b = static_cast<unsigned char>(next() & 0x7F);
        const int highs = static_cast<int>(next() % 3); // none, one, or a few bytes >= 0x80 at random places
        for (int k = 0; k < highs * (1 + static_cast<int>(next() % 3)); ++k)
            buf[next() % sizeof buf] = static_cast<unsigned char>(0x80 | next());
        const unsigned char* p = buf + next() % 32; // unaligned starts
        CHECK(ws::detail::any_high<256>(p) == ws::detail::any_high_words<256>(p));
        CHECK(ws::detail::any_high<32>(p) == ws::detail::any_high_words<32>(p));
    }
}
