// write(): exact output for every type, escaping, number round trips, errors
// that leave the buffer as it was, no allocation once the buffer has grown.
#include <doctest/doctest.h>

#include "support/support.hpp"

#include <sluice/json/read.hpp>
#include <sluice/json/write.hpp>

#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace json = sluice::json;
using json::errc;

namespace {

enum class color { red, green };
enum class code : int { a = -3 };

struct identify_properties {
    std::string os;
    std::string browser;
    std::string device;
};
struct identify_data {
    std::string token;
    std::uint32_t intents;
    identify_properties properties;
    std::array<int, 2> shard;
    std::optional<int> large_threshold;
};
struct identify {
    int op;
    identify_data d;
};

struct sample {
    bool yes;
    std::int8_t small;
    std::uint64_t big;
    std::int64_t neg;
    double d;
    std::string_view v;
    std::optional<int> gone;
    std::optional<int> here;
    std::vector<std::optional<int>> holes;
    std::vector<bool> bits;
    color col;
    code num;
    json::raw r;
    json::raw empty;
};

template <class T>
std::string w(const T& v) {
    std::string out;
    const std::error_code ec = json::write(v, out);
    REQUIRE_FALSE(ec);
    return out;
}

} // namespace

template <>
struct sluice::reflect::meta<color> {
    static constexpr enumerator<color> enumerators[] = {{color::red, "red"}, {color::green, "green"}};
};

TEST_CASE("write: an identify payload") {
    const identify id{2, {"tok", 513, {"linux", "sluice", "sluice"}, {0, 1}, std::nullopt}};
    CHECK(w(id) == R"({"op":2,"d":{"token":"tok","intents":513,"properties":{"os":"linux","browser":"sluice","device":"sluice"},"shard":[0,1]}})");
    identify back{};
    CHECK_FALSE(json::read(back, w(id)));
    CHECK(back.d.properties.browser == "sluice");
    CHECK(back.d.shard == std::array<int, 2>{0, 1});
}

TEST_CASE("write: every type") {
    sample s{true, -128, std::numeric_limits<std::uint64_t>::max(), std::numeric_limits<std::int64_t>::min(), 0.1, "v",
             std::nullopt, 5, {1, std::nullopt}, {true, false}, color::green, code::a, {R"({"k": [1, 2]})"}, {}};
    CHECK(w(s) == R"({"yes":true,"small":-128,"big":18446744073709551615,"neg":-9223372036854775808,"d":0.1,"v":"v",)"
                  R"("here":5,"holes":[1,null],"bits":[true,false],"col":"green","num":-3,"r":{"k": [1, 2]},"empty":null})");
    CHECK(w(std::optional<int>{}) == "null");
    CHECK(w(std::vector<int>{}) == "[]");
    struct none {};
    CHECK(w(none{}) == "{}");
    struct all_empty {
        std::optional<int> a;
        std::optional<std::string> b;
    };
    CHECK(w(all_empty{}) == "{}");
    CHECK(w(all_empty{std::nullopt, "x"}) == R"({"b":"x"})");
}

TEST_CASE("write: string escaping") {
    CHECK(w(std::string("plain")) == "\"plain\"");
    CHECK(w(std::string("q\"b\\s/")) == R"("q\"b\\s/")");
    CHECK(w(std::string("\n\r\t\b\f")) == R"("\n\r\t\b\f")");
    CHECK(w(std::string("\x01\x1f\x7f", 3)) == "\"\\u0001\\u001f\x7f\"");
    CHECK(w(std::string("nul\0in", 6)) == R"("nul\u0000in")");
    CHECK(w(std::string("\xC3\xA9\xF0\x9F\x98\x80")) == "\"\xC3\xA9\xF0\x9F\x98\x80\"");
    std::string long_text(1000, 'a');
    long_text[500] = '"';
    long_text[999] = '\n';
    const std::string out = w(long_text);
    std::string back;
    CHECK_FALSE(json::read(back, out));
    CHECK(back == long_text);
    // Every byte value survives a round trip (as valid UTF-8 where needed).
    for (int c = 0; c < 0x80; ++c) {
        const std::string one(1, static_cast<char>(c));
        std::string r;
        REQUIRE_FALSE(json::read(r, w(one)));
        CHECK(r == one);
    }
}

TEST_CASE("write: short strings taken whole give what the general path gives") {
    // Lengths around the 128-byte limit and the 16/32-byte blocks, with and
    // without bytes to escape, valid and broken UTF-8, at any position.
    sluice_test::test_rng rng{11};
    const char special[] = {'"', '\\', '\n', '\x01', '\x1f', '\x7f', '\x80', '\xC3', '\xA9', '\xF0', '\xFF', ' ', '\0'};
    for (int round = 0; round < 40000; ++round) {
        std::string s(rng.below(160), 'x');
        for (auto& ch : s) {
            if (rng.below(3) == 0) ch = static_cast<char>('a' + rng.below(26));
            if (rng.below(40) == 0) ch = special[rng.below(sizeof special)];
        }
        if (rng.below(4) == 0 && !s.empty()) s[rng.below(s.size())] = special[rng.below(sizeof special)];
        std::string fast = "pre", general = "pre";
        json::detail::sink fast_sink(fast), general_sink(general);
        const json::errc a = json::detail::write_string(s, fast_sink);
        const json::errc b = json::detail::write_string_general(s, general_sink);
        fast_sink.flush();
        general_sink.flush();
        REQUIRE(a == b);
        if (a == json::errc{}) CHECK(fast == general);
    }
    CHECK(w(std::string(128, 'a')) == "\"" + std::string(128, 'a') + "\"");
    CHECK(w(std::string(127, 'a') + "\n") == "\"" + std::string(127, 'a') + "\\n\"");
    CHECK(w(std::string(129, 'a')) == "\"" + std::string(129, 'a') + "\"");
    // Many strings in one value: the block fills and is flushed in between.
    std::vector<std::string> many;
    std::string expected = "[";
    for (int i = 0; i < 300; ++i) {
        many.push_back(std::string(static_cast<std::size_t>(i % 140), static_cast<char>('a' + i % 26)) + (i % 7 == 0 ? "\t" : ""));
        expected += (i ? ",\"" : "\"") + many.back().substr(0, many.back().size() - (i % 7 == 0)) + (i % 7 == 0 ? "\\t\"" : "\"");
    }
    expected += "]";
    CHECK(w(many) == expected);
    // A run longer than the whole block goes straight to the string.
    const std::string plain(3000, 'p');
    CHECK(w(plain) == "\"" + plain + "\"");
    CHECK(w(std::vector<std::string>{"x", plain, "y"}) == "[\"x\",\"" + plain + "\",\"y\"]");
}

TEST_CASE("write: errors leave the buffer as it was") {
    std::string out = "prefix";
    CHECK(json::write(std::string("bad \xC0\xAF utf8"), out) == errc::invalid_utf8);
    CHECK(out == "prefix");
    CHECK(json::write(std::numeric_limits<double>::quiet_NaN(), out) == errc::non_finite_number);
    CHECK(json::write(std::vector<double>{1.0, INFINITY}, out) == errc::non_finite_number);
    CHECK(out == "prefix");
    CHECK(json::write(static_cast<color>(9), out) == errc::unknown_enumerator);
    CHECK(out == "prefix");
    CHECK(json::write(std::numeric_limits<double>::quiet_NaN(), out) == sluice::condition::invalid_data);
    // An error after the block was already appended to the string (more than 512 bytes written first).
    std::vector<std::string> long_then_bad(40, std::string(30, 'k'));
    long_then_bad.push_back("bad \xC0\xAF utf8");
    CHECK(json::write(long_then_bad, out) == errc::invalid_utf8);
    CHECK(out == "prefix");
}

TEST_CASE("write: appends") {
    std::string out = "[";
    CHECK_FALSE(json::write(1, out));
    out += ',';
    CHECK_FALSE(json::write(std::string("x"), out));
    out += ']';
    CHECK(out == R"([1,"x"])");
}

TEST_CASE("write: doubles and integers round trip") {
    sluice_test::test_rng rng{5};
    std::string out;
    for (int i = 0; i < 20000; ++i) {
        const std::uint64_t bits = rng.next();
        double v;
        std::memcpy(&v, &bits, sizeof v);
        if (!std::isfinite(v)) continue;
        out.clear();
        REQUIRE_FALSE(json::write(v, out));
        REQUIRE_FALSE(json::validate(out));
        double back = 0;
        REQUIRE_FALSE(json::read(back, out));
        REQUIRE(back == v);
        const auto n = static_cast<std::int64_t>(bits);
        out.clear();
        REQUIRE_FALSE(json::write(n, out));
        std::int64_t nb = 0;
        REQUIRE_FALSE(json::read(nb, out));
        REQUIRE(nb == n);
    }
    CHECK(w(-0.0) == "-0");
    CHECK(w(1e300) == "1e+300");
    CHECK(w(5e-324) == "5e-324");
    CHECK(w(3.0f) == "3");
}

TEST_CASE("write: no allocation once the buffer has grown") {
    const identify id{2, {std::string(200, 't'), 513, {"linux", "sluice", "sluice"}, {0, 1}, 250}};
    std::string out;
    REQUIRE_FALSE(json::write(id, out));
    const std::string first = out;
    sluice_test::allocation_counter count;
    for (int i = 0; i < 100; ++i) {
        out.clear();
        REQUIRE_FALSE(json::write(id, out));
    }
    CHECK(count.count() == 0);
    CHECK(out == first);
}
