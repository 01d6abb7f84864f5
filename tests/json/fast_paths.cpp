// read()'s fast paths against its general ones: each split of a reader into
// an inlined usual case and an out-of-line rest must give the same position,
// error, error offset and value as the general path, also near the end of
// the text. Random inputs; each text is copied into a buffer of its exact
// size, so that a read past its end shows under ASan.
#include <doctest/doctest.h>

#include "random_integer.hpp"
#include "support/support.hpp"

#include <sluice/core/snowflake.hpp>
#include <sluice/json/read.hpp>

#include <bit>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace json = sluice::json;
using json::errc;
using json::detail::context;

namespace {

// The text in a heap block of exactly its size.
struct exact_text {
    std::unique_ptr<char[]> buf;
    std::size_t n;
    explicit exact_text(std::string_view s) : buf(new char[s.size() ? s.size() : 1]), n(s.size()) {
        for (std::size_t i = 0; i < n; ++i) buf[i] = s[i];
    }
    const char* begin() const { return buf.get(); }
    const char* end() const { return buf.get() + n; }
};

context make_context(const char* end) { return context{end, 64, false, errc{}, nullptr, nullptr}; }

// Two readers' results: the same end position (or both null with the same
// error and offset) and the same value.
template <class T>
void same_results(const char* qa, const context& ca, const T& a, const char* qb, const context& cb, const T& b) {
    REQUIRE(qa == qb);
    if (!qa) {
        REQUIRE(ca.error == cb.error);
        REQUIRE(ca.error_at == cb.error_at);
    }
    REQUIRE(a == b);
}

// Random digits (sometimes with another byte inside), then a quote or another
// byte, then 0..40 bytes of tail.
std::string random_quoted_digits(sluice_test::test_rng& rng) {
    const char others[] = {'"', '\\', '/', ':', 'a', '\0', '\x80', '\xc3', '0', '9', ' ', 'u'};
    std::string text = "\"";
    const std::size_t n = rng.below(4) == 0 ? rng.below(23) : 16 + rng.below(4);
    for (std::size_t k = 0; k < n; ++k) text.push_back(static_cast<char>('0' + rng.below(10)));
    if (n != 0 && rng.below(8) == 0) text[1 + rng.below(n)] = others[rng.below(sizeof others)];
    if (rng.below(16) == 0) text.insert(1 + rng.below(n + 1), "\\u0031"); // an escaped digit
    text.push_back(rng.below(6) != 0 ? '"' : others[rng.below(sizeof others)]);
    const std::size_t tail = rng.below(3) == 0 ? 0 : rng.below(41);
    for (std::size_t k = 0; k < tail; ++k) text.push_back(rng.below(2) ? '"' : static_cast<char>(rng.next()));
    return text;
}

} // namespace

TEST_CASE("read fast paths: a snowflake's quoted fast path agrees with the general path (randomized)") {
    sluice_test::test_rng rng{0x5f1a};
    for (int i = 0; i < 200000; ++i) {
        const std::string s = random_quoted_digits(rng);
        const exact_text t(s);
        CAPTURE(s);
        context ca = make_context(t.end()), cb = make_context(t.end());
        sluice::snowflake a{7}, b{7};
        const char* qa = json::detail::read_coded(a, t.begin(), ca);
        const char* qb = json::detail::read_coded_string(b, t.begin(), cb);
        same_results(qa, ca, a, qb, cb, b);
    }
}

TEST_CASE("read fast paths: snowflake fields at every distance from the end of the text") {
    struct ids {
        sluice::snowflake id;
        std::optional<sluice::snowflake> other;
    };
    const std::string id = "1176296352211234816";
    for (const std::string& value : {id, id.substr(0, 16), id.substr(0, 17), id.substr(0, 15), id + "9", "x" + id}) {
        for (std::size_t spaces = 0; spaces < 40; ++spaces) {
            const std::string s = R"({"other":null,"id":")" + value + "\"" + std::string(spaces, ' ') + "}";
            const exact_text t(s);
            CAPTURE(s);
            ids got{};
            json::error_info info;
            const std::error_code ec = json::read(got, std::string_view(t.begin(), t.n), &info);
            sluice::snowflake want;
            if (sluice::from_chars(value, want)) {
                CHECK(ec == errc::invalid_value);
                CHECK(info.offset == s.find(value) - 1);
                CHECK(info.path == "id");
            } else {
                REQUIRE_FALSE(ec);
                CHECK(got.id == want);
            }
        }
    }
}

namespace {

// A string's opening quote, a body of letters, quotes, backslashes and other
// bytes (often escapes, sometimes one at the very end), then 0..40 bytes of tail.
std::string random_string_text(sluice_test::test_rng& rng) {
    const char alphabet[] = {'a', 'b', '"', '\\', '\\', '/', 'u', '\0', '\x80', '\xff', ' ', '{', ']'};
    std::string text = "\"";
    const std::size_t n = rng.below(3) == 0 ? rng.below(8) : rng.below(140);
    const bool plain = rng.below(2) == 0; // no quote inside: the string runs to its end
    for (std::size_t k = 0; k < n; ++k) {
        char ch = rng.below(6) == 0 ? alphabet[rng.below(sizeof alphabet)] : static_cast<char>('a' + rng.below(26));
        if (plain && ch == '"') ch = 'q';
        text.push_back(ch);
    }
    if (rng.below(4) != 0) text.push_back('"');
    const std::size_t tail = rng.below(3) == 0 ? 0 : rng.below(41);
    for (std::size_t k = 0; k < tail; ++k) text.push_back(rng.below(4) == 0 ? '"' : static_cast<char>(rng.next()));
    if (rng.below(8) == 0) text.push_back('\\'); // an escape at the very end
    return text;
}

} // namespace

TEST_CASE("read fast paths: strings skipped a block at a time agree with skip_string (randomized)") {
    sluice_test::test_rng rng{0x57a1};
    int fast = 0;
    for (int i = 0; i < 200000; ++i) {
        const std::string s = random_string_text(rng);
        const exact_text t(s);
        CAPTURE(s);
        // The block scan, when it answers, agrees with skip_string from the same place.
        const char* q = json::detail::skip_string_blocks(t.begin() + 1, t.end());
        const char* p = t.begin() + 1;
        const errc e = json::detail::skip_string(p, t.end());
        if (q) {
            ++fast;
            REQUIRE(e == errc{});
            REQUIRE(p == q);
        }
        // Every backend's block scan (the object reader inlines a narrower one).
        const auto agrees = [&](const char* r) {
            if (r) REQUIRE(r == p);
            if (r) REQUIRE(e == errc{});
        };
#if defined(__SSE2__)
        agrees(json::detail::skip_string_blocks<json::detail::sse2_backend>(t.begin() + 1, t.end()));
#endif
        if constexpr (std::endian::native == std::endian::little)
            agrees(json::detail::skip_string_blocks<json::detail::swar_backend>(t.begin() + 1, t.end()));
        for (const bool strict : {false, true}) {
            // read_raw (the string inline) against its general path.
            context ca = make_context(t.end()), cb = make_context(t.end());
            ca.strict = cb.strict = strict;
            json::raw a{}, b{};
            const char* qa = json::detail::read_raw(a, t.begin(), ca);
            const char* qb = json::detail::read_raw_slow(b, t.begin(), cb);
            same_results(qa, ca, a.text.data(), qb, cb, b.text.data());
            REQUIRE(a.text.size() == b.text.size());
            // skip_any (the string inline) against skip_value.
            context cc = make_context(t.end()), cd = make_context(t.end());
            cc.strict = cd.strict = strict;
            const char* qc = json::detail::skip_any(t.begin(), cc);
            const char* qd = json::detail::skip_value(t.begin(), cd);
            same_results(qc, cc, 0, qd, cd, 0);
        }
    }
    CHECK(fast > 50000);
}

TEST_CASE("read fast paths: literals by a word compare agree with match_literal") {
    const char* const texts[] = {"true", "false", "null", "tru", "fals", "nul", "t", "", "trUe", "falsy", "nulL",
                                 "truex", "false,", "null}", "nullnull", "\"null\"", "n", "fa"};
    for (const char* text : texts) {
        for (std::size_t tail = 0; tail < 3; ++tail) {
            std::string s = text;
            s.append(tail, ' ');
            if (s.empty()) continue;
            const exact_text t(s);
            CAPTURE(s);
            const auto agree = [&](const auto& word) {
                context ca = make_context(t.end()), cb = make_context(t.end());
                const char* qa = json::detail::read_literal(t.begin(), ca, word);
                const char* p = t.begin();
                const errc e = json::detail::match_literal(p, t.end(), word);
                const char* qb = json::detail::result(cb, e, p);
                same_results(qa, ca, 0, qb, cb, 0);
            };
            agree("true");
            agree("false");
            agree("null");
        }
    }
    // The readers that use it: bool, optional null, skipped values; errors and their offsets.
    struct holder {
        std::optional<bool> b;
        bool plain = false;
    };
    const struct {
        const char* doc;
        errc error;
        std::size_t offset;
    } cases[] = {
        {R"({"b":true,"plain":false})", errc{}, 0},      {R"({"b":null,"plain":true,"x":null})", errc{}, 0},
        {R"({"x":false,"plain":true})", errc{}, 0},      {R"({"b":tru})", errc::syntax, 5},
        {R"({"b":tru)", errc::unexpected_end, 5},        {R"({"b":nul)", errc::unexpected_end, 5},
        {R"({"b":nulL})", errc::syntax, 5},              {R"({"x":fals)", errc::unexpected_end, 5},
        {R"({"x":falsE,"plain":true})", errc::syntax, 5}, {R"({"plain":null})", errc::type_mismatch, 9},
        {R"({"plain":f)", errc::unexpected_end, 9},      {R"({"plain":true)", errc::unexpected_end, 13},
    };
    for (const auto& k : cases) {
        const exact_text t(k.doc);
        CAPTURE(k.doc);
        holder h{};
        json::error_info info;
        const std::error_code ec = json::read(h, std::string_view(t.begin(), t.n), &info);
        if (k.error == errc{}) {
            CHECK_FALSE(ec);
        } else {
            CHECK(ec == k.error);
            CHECK(info.offset == k.offset);
        }
    }
}

namespace {

template <class Int>
void int_paths_agree(const exact_text& t) {
    context ca = make_context(t.end()), cb = make_context(t.end());
    Int a = 5, b = 5;
    const char* qa = json::detail::read_int(a, t.begin(), ca);
    const char* qb = json::detail::read_int_slow(b, t.begin(), cb);
    same_results(qa, ca, a, qb, cb, b);
    // The fast path alone: an answer is the general path's, no answer leaves the value alone.
    Int f = 5;
    const char* qf = json::detail::read_integer_fast(t.begin(), t.end(), f);
    if (qf) {
        REQUIRE(qf == qb);
        REQUIRE(f == b);
    } else {
        REQUIRE(f == 5);
    }
}

} // namespace

TEST_CASE("read fast paths: integers, inline fast path vs the digit loop (randomized)") {
    sluice_test::test_rng rng{0x1a7e};
    std::string text;
    int fast = 0;
    for (int i = 0; i < 200000; ++i) {
        json_test::random_integer_text(rng, text);
        if (text.empty()) continue;
        const exact_text t(text);
        CAPTURE(text);
        int_paths_agree<std::int8_t>(t);
        int_paths_agree<std::uint8_t>(t);
        int_paths_agree<std::int16_t>(t);
        int_paths_agree<std::uint16_t>(t);
        int_paths_agree<std::int32_t>(t);
        int_paths_agree<std::uint32_t>(t);
        int_paths_agree<std::int64_t>(t);
        int_paths_agree<std::uint64_t>(t);
        std::int64_t v = 0;
        fast += json::detail::read_integer_fast(t.begin(), t.end(), v) != nullptr;
    }
    CHECK(fast > 50000);
}

namespace {

// skip_container, byte by byte: a backslash (not itself escaped) escapes the
// next byte wherever it is; an unescaped quote toggles "inside a string";
// brackets outside strings count ('[' and '{' alike).
const char* reference_skip(const char* p, const char* end, std::uint32_t max_depth, errc& e, const char*& at) {
    std::uint32_t depth = 1;
    bool escaped = false, in_string = false;
    for (; p != end; ++p) {
        const char ch = *p;
        if (escaped) {
            escaped = false;
            if (ch == '"' || ch == '\\') continue;
        } else if (ch == '\\') {
            escaped = true;
            continue;
        } else if (ch == '"') {
            in_string = !in_string;
            continue;
        }
        if (in_string) continue;
        if (ch == '[' || ch == '{') {
            if (++depth > max_depth) {
                e = errc::depth_exceeded;
                at = p;
                return nullptr;
            }
        } else if ((ch == ']' || ch == '}') && --depth == 0) {
            return p + 1;
        }
    }
    e = errc::unexpected_end;
    at = end;
    return nullptr;
}

template <class Backend>
void skips_agree(const exact_text& t, std::uint32_t max_depth) {
    errc ea{}, eb{};
    const char* ata = nullptr;
    const char* atb = nullptr;
    const char* qa = json::detail::skip_container<Backend>(t.begin() + 1, t.end(), max_depth, ea, ata);
    const char* qb = reference_skip(t.begin() + 1, t.end(), max_depth, eb, atb);
    REQUIRE(qa == qb);
    if (!qa) {
        REQUIRE(ea == eb);
        REQUIRE(ata == atb);
    }
}

} // namespace

TEST_CASE("read fast paths: container skips against a byte-by-byte reference (randomized)") {
    // Long runs without brackets (whole blocks of strings and scalars, with
    // quotes and escapes at block edges), a few brackets, sometimes a low depth limit.
    sluice_test::test_rng rng{0x5c1f};
    const char rare[] = {'[', ']', '{', '}', '\\', '"', '"', '"'};
    for (int i = 0; i < 20000; ++i) {
        std::string s(1, rng.below(2) ? '[' : '{');
        const std::size_t n = rng.below(400);
        const std::size_t rate = 2 + rng.below(60);
        for (std::size_t k = 0; k < n; ++k)
            s.push_back(rng.below(rate) == 0 ? rare[rng.below(sizeof rare)] : static_cast<char>('a' + rng.below(26)));
        if (rng.below(2)) s.append(rng.below(4), ']');
        const exact_text t(s);
        CAPTURE(s);
        const std::uint32_t max_depth = rng.below(4) == 0 ? 1 + static_cast<std::uint32_t>(rng.below(3)) : 64;
        skips_agree<json::detail::best_backend>(t, max_depth);
        skips_agree<json::detail::scalar_backend>(t, max_depth);
        if constexpr (std::endian::native == std::endian::little) skips_agree<json::detail::swar_backend>(t, max_depth);
    }
}

TEST_CASE("read fast paths: an empty array empties the vector as the general path does") {
    struct lists {
        std::vector<int> v;
        std::vector<bool> b;
        std::optional<std::vector<std::string>> s;
    };
    for (const char* empty : {"[]", "[ ]", "[\n]"}) { // the fast path, then the general one
        const std::string doc = std::string(R"({"v":)") + empty + R"(,"b":)" + empty + R"(,"s":)" + empty + "}";
        const exact_text t(doc);
        CAPTURE(doc);
        lists l{{1, 2, 3}, {true, false}, std::vector<std::string>{"x"}};
        REQUIRE_FALSE(json::read(l, std::string_view(t.begin(), t.n)));
        CHECK(l.v.empty());
        CHECK(l.b.empty());
        REQUIRE(l.s.has_value());
        CHECK(l.s->empty());
    }
    // At the end of the text, and errors: depth (the array is one level too
    // deep), an unclosed array, something after it.
    std::vector<int> top{4};
    for (const char* text : {"[]", "[ ]"}) {
        const exact_text t(text);
        top = {4};
        CHECK_FALSE(json::read(top, std::string_view(t.begin(), t.n)));
        CHECK(top.empty());
    }
    for (const char* text : {R"({"v":[]})", R"({"v":[ ]})"}) {
        const exact_text t(text);
        lists l;
        json::error_info info;
        json::read_options shallow;
        shallow.max_depth = 1;
        CHECK(json::read(l, std::string_view(t.begin(), t.n), shallow, &info) == errc::depth_exceeded);
        CHECK(info.offset == 5);
        CHECK(info.path == "v");
    }
    const struct {
        const char* text;
        errc error;
        std::size_t offset;
    } cases[] = {{"[", errc::unexpected_end, 1}, {"[]]", errc::trailing_content, 2}, {"[],", errc::trailing_content, 2}};
    for (const auto& k : cases) {
        const exact_text t(k.text);
        CAPTURE(k.text);
        json::error_info info;
        CHECK(json::read(top, std::string_view(t.begin(), t.n), &info) == k.error);
        CHECK(info.offset == k.offset);
    }
}
