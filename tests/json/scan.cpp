// The scanning backends (scalar, SWAR, SSE2, AVX2 when compiled in) agree
// byte for byte (find_near with find), and the UTF-8 checker agrees with a
// reference decoder.
#include <doctest/doctest.h>

#include "support/support.hpp"

#include <sluice/json/detail/scan.hpp>
#include <sluice/json/detail/skip.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace d = sluice::json::detail;

namespace {

template <d::stop S, class B>
std::vector<std::size_t> stops(const std::string& s) {
    std::vector<std::size_t> out;
    const char* p = s.data();
    const char* const end = p + s.size();
    while ((p = d::find<S, B>(p, end)) != end) out.push_back(static_cast<std::size_t>(p++ - s.data()));
    return out;
}

// find_near (the first block inline) stops where find does, from every start.
template <d::stop S, class B>
void near_agrees(const std::string& s) {
    const char* const end = s.data() + s.size();
    for (const char* p = s.data(); p <= end; ++p) REQUIRE(d::find_near<S, B>(p, end) == d::find<S, B>(p, end));
}

template <d::stop S>
void all_backends_agree(const std::string& s) {
    const auto ref = stops<S, d::scalar_backend>(s);
    near_agrees<S, d::scalar_backend>(s);
    near_agrees<S, d::swar_backend>(s);
#if defined(__SSE2__)
    near_agrees<S, d::sse2_backend>(s);
#endif
#if defined(__AVX2__)
    near_agrees<S, d::avx2_backend>(s);
#endif
    CHECK(stops<S, d::swar_backend>(s) == ref);
#if defined(__SSE2__)
    CHECK(stops<S, d::sse2_backend>(s) == ref);
#endif
#if defined(__AVX2__)
    CHECK(stops<S, d::avx2_backend>(s) == ref);
#endif
}

template <class B>
const char* skip_with(const std::string& s, sluice::json::errc& e) {
    const char* at = nullptr;
    return d::skip_container<B>(s.data() + 1, s.data() + s.size(), 64, e, at);
}

// A reference UTF-8 decoder, written the long way.
std::size_t reference_utf8(const unsigned char* p, std::size_t n) {
    std::uint32_t cp;
    std::size_t len;
    if (p[0] < 0x80) return 1;
    if ((p[0] & 0xE0) == 0xC0) { cp = p[0] & 0x1Fu; len = 2; }
    else if ((p[0] & 0xF0) == 0xE0) { cp = p[0] & 0x0Fu; len = 3; }
    else if ((p[0] & 0xF8) == 0xF0) { cp = p[0] & 0x07u; len = 4; }
    else return 0;
    if (n < len) return 0;
    for (std::size_t i = 1; i < len; ++i) {
        if ((p[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (p[i] & 0x3Fu);
    }
    const std::uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return len;
}

} // namespace

TEST_CASE("scan: backends find the same bytes") {
    sluice_test::test_rng rng{42};
    const char alphabet[] = {'a', ' ', '"', '\\', '[', ']', '{', '}', 'Y', '_', 'y', '\x7f', '\x1f', '\x00', '\x80', '\xff', ':', ','};
    for (int round = 0; round < 2000; ++round) {
        std::string s(rng.below(140), 'x');
        for (auto& ch : s)
            if (rng.below(4) == 0) ch = alphabet[rng.below(sizeof alphabet)];
        all_backends_agree<d::stop::quote_or_escape>(s);
        all_backends_agree<d::stop::string_special>(s);
        all_backends_agree<d::stop::structural>(s);
    }
}

TEST_CASE("scan: block masks and container skips agree across backends") {
    sluice_test::test_rng rng{7};
    const char alphabet[] = {'"', '\\', '[', ']', '{', '}', 'a', ',', ' '};
    for (int round = 0; round < 3000; ++round) {
        std::string s = "[";
        const std::size_t n = rng.below(300);
        for (std::size_t i = 0; i < n; ++i) s += alphabet[rng.below(sizeof alphabet)];
        s += "]]]]";
        sluice::json::errc e0{};
        const char* r0 = skip_with<d::scalar_backend>(s, e0);
        sluice::json::errc e1{};
        CHECK(skip_with<d::swar_backend>(s, e1) == r0);
        CHECK(e1 == e0);
#if defined(__SSE2__)
        sluice::json::errc e2{};
        CHECK(skip_with<d::sse2_backend>(s, e2) == r0);
        CHECK(e2 == e0);
#endif
#if defined(__AVX2__)
        sluice::json::errc e3{};
        CHECK(skip_with<d::avx2_backend>(s, e3) == r0);
        CHECK(e3 == e0);
#endif
    }
}

TEST_CASE("scan: container skip finds the matching bracket") {
    const auto skipped = [](const std::string& s) -> std::ptrdiff_t {
        sluice::json::errc e{};
        const char* at = nullptr;
        const char* q = d::skip_container(s.data() + 1, s.data() + s.size(), 64, e, at);
        return q ? q - s.data() : -1;
    };
    CHECK(skipped("[]") == 2);
    CHECK(skipped("[1,[2,{\"a\":\"]}\"}],3] tail") == 20);
    CHECK(skipped("{\"k\\\"]\":\"\\\\\"}x") == 13);
    CHECK(skipped("[\"" + std::string(100, '\\') + "\"]") == 104); // 50 escaped backslashes
    CHECK(skipped("[\"" + std::string(99, '\\') + "\"]") == -1);   // the quote is escaped
    CHECK(skipped("[" + std::string(200, ' ') + "]") == 202);
    CHECK(skipped("[[[") == -1);
    std::string deep = std::string(70, '[') + std::string(70, ']');
    sluice::json::errc e{};
    const char* at = nullptr;
    CHECK(d::skip_container(deep.data() + 1, deep.data() + deep.size(), 64, e, at) == nullptr);
    CHECK(e == sluice::json::errc::depth_exceeded);
}

TEST_CASE("scan: UTF-8 sequences against a reference decoder") {
    // Every 1- and 2-byte prefix, with continuation bytes after.
    for (int a = 0x80; a < 0x100; ++a)
        for (int b = 0; b < 0x100; ++b) {
            const unsigned char buf[4] = {static_cast<unsigned char>(a), static_cast<unsigned char>(b), 0x80, 0xBF};
            for (std::size_t n = 1; n <= 4; ++n) {
                const auto p = reinterpret_cast<const char*>(buf);
                CHECK(d::utf8_sequence(p, p + n) == reference_utf8(buf, n));
            }
        }
    sluice_test::test_rng rng{3};
    for (int i = 0; i < 100000; ++i) {
        unsigned char buf[4];
        for (auto& b : buf) b = static_cast<unsigned char>(0x80 | rng.below(0x80));
        buf[0] = static_cast<unsigned char>(0xC0 + rng.below(0x40));
        const auto p = reinterpret_cast<const char*>(buf);
        REQUIRE(d::utf8_sequence(p, p + 4) == reference_utf8(buf, 4));
    }
    CHECK(d::valid_utf8(nullptr, nullptr));
    const std::string ok = "plain ascii, then \xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80 and more ascii text here";
    CHECK(d::valid_utf8(ok.data(), ok.data() + ok.size()));
    const std::string bad = ok + "\xC3";
    CHECK_FALSE(d::valid_utf8(bad.data(), bad.data() + bad.size()));
}
