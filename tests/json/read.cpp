// read(): every supported type, every error with its field path, escapes,
// unknown keys, raw values, depth, strictness.
#include <doctest/doctest.h>

#include "random_integer.hpp"
#include "support/support.hpp"

#include <sluice/json/read.hpp>

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace json = sluice::json;
using json::errc;

namespace {

enum class level : std::uint8_t { low = 1, high = 200 };
enum class color { red, green, blue };

// A type with its own text form, found by ADL (like sluice::snowflake).
struct hex_id {
    std::uint32_t value = 0;
};
std::error_code from_chars(std::string_view s, hex_id& out) {
    std::uint32_t v = 0;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), v, 16);
    if (r.ec != std::errc{} || r.ptr != s.data() + s.size()) return std::make_error_code(std::errc::invalid_argument);
    out.value = v;
    return {};
}
struct hex_chars {
    char buf[8];
    std::size_t n;
    operator std::string_view() const { return {buf, n}; }
};
hex_chars to_chars(const hex_id& id) {
    hex_chars c{};
    c.n = static_cast<std::size_t>(std::to_chars(c.buf, c.buf + 8, id.value, 16).ptr - c.buf);
    return c;
}

struct scalars {
    bool b;
    std::int8_t i8;
    std::uint8_t u8;
    std::int16_t i16;
    std::uint16_t u16;
    std::int32_t i32;
    std::uint32_t u32;
    std::int64_t i64;
    std::uint64_t u64;
    float f;
    double d;
};

struct strings {
    std::string s;
    std::string_view v;
};

struct inner {
    std::string_view id;
    int n;
};

struct everything {
    scalars sc;
    strings st;
    std::optional<int> opt;
    std::vector<inner> items;
    std::array<int, 3> triple;
    level lv;
    color col;
    json::raw any;
    hex_id hex;
    std::vector<std::vector<int>> grid;
    std::vector<bool> flags;
    std::vector<std::optional<int>> holes;
};

struct payload {
    int op;
    json::raw data;
    std::optional<std::int64_t> s;
    std::optional<std::string_view> t;
};

struct long_names {
    int a_rather_long_field_name;
    int another_rather_long_field_name;
    int short_one;
    int x;
};

class point {
public:
    int x() const { return x_; }
    int y() const { return y_; }

private:
    friend struct sluice::reflect::meta<point>;
    int x_ = 0;
    int y_ = 0;
};

struct node {
    int v;
    std::vector<node> kids;
};

template <class T>
std::error_code rd(T& out, std::string_view text, json::error_info* info = nullptr) {
    return json::read(out, text, info);
}

} // namespace

template <>
struct sluice::reflect::meta<color> {
    static constexpr enumerator<color> enumerators[] = {{color::red, "red"}, {color::green, "green"}, {color::blue, "blue"}};
};
template <>
struct sluice::reflect::meta<payload> {
    static constexpr rename renames[] = {{"data", "d"}};
};
template <>
struct sluice::reflect::meta<point> {
    using members = member_list<&point::x_, &point::y_>;
    static constexpr rename renames[] = {{"x_", "x"}, {"y_", "y"}};
};

static_assert(json::detail::string_coded<hex_id>);
static_assert(!json::detail::string_coded<std::string>);

TEST_CASE("read: every supported type") {
    const std::string text = R"({
        "sc": {"b": true, "i8": -128, "u8": 255, "i16": -32768, "u16": 65535, "i32": -2147483648,
               "u32": 4294967295, "i64": -9223372036854775808, "u64": 18446744073709551615,
               "f": 1.5, "d": -2.5e-3},
        "st": {"s": "esc\"aped\\\n\u00e9\ud83d\ude00", "v": "plain"},
        "opt": 7,
        "items": [{"id": "a", "n": 1}, {"id": "b", "n": 2}],
        "triple": [1, 2, 3],
        "lv": 200,
        "col": "blue",
        "any": {"nested": [1, "two", {"3": null}]},
        "hex": "ff0a",
        "grid": [[1, 2], [], [3]],
        "flags": [true, false, true],
        "holes": [1, null, 3]
    })";
    everything e{};
    json::error_info info;
    REQUIRE_MESSAGE(!rd(e, text, &info), info.path << " @" << info.offset);
    CHECK(e.sc.b);
    CHECK(e.sc.i8 == -128);
    CHECK(e.sc.u8 == 255);
    CHECK(e.sc.i16 == -32768);
    CHECK(e.sc.u16 == 65535);
    CHECK(e.sc.i32 == std::numeric_limits<std::int32_t>::min());
    CHECK(e.sc.u32 == 4294967295u);
    CHECK(e.sc.i64 == std::numeric_limits<std::int64_t>::min());
    CHECK(e.sc.u64 == std::numeric_limits<std::uint64_t>::max());
    CHECK(e.sc.f == 1.5f);
    CHECK(e.sc.d == -2.5e-3);
    CHECK(e.st.s == "esc\"aped\\\n\xC3\xA9\xF0\x9F\x98\x80");
    CHECK(e.st.v == "plain");
    CHECK(e.st.v.data() > text.data());
    CHECK(e.st.v.data() < text.data() + text.size()); // zero-copy
    CHECK(e.opt == 7);
    REQUIRE(e.items.size() == 2);
    CHECK(e.items[1].id == "b");
    CHECK(e.items[1].n == 2);
    CHECK(e.triple == std::array<int, 3>{1, 2, 3});
    CHECK(e.lv == level::high);
    CHECK(e.col == color::blue);
    CHECK(e.any.text == R"({"nested": [1, "two", {"3": null}]})");
    CHECK(e.hex.value == 0xff0a);
    CHECK(e.grid == std::vector<std::vector<int>>{{1, 2}, {}, {3}});
    CHECK(e.flags == std::vector<bool>{true, false, true});
    CHECK(e.holes == std::vector<std::optional<int>>{1, std::nullopt, 3});
}

TEST_CASE("read: top-level scalars and containers") {
    int i = 0;
    CHECK_FALSE(rd(i, " 42 "));
    CHECK(i == 42);
    std::string s;
    CHECK_FALSE(rd(s, "\"x\""));
    CHECK(s == "x");
    std::vector<int> v;
    CHECK_FALSE(rd(v, "[1,2,3]"));
    CHECK(v.size() == 3);
    json::raw r;
    CHECK_FALSE(rd(r, "  [1, 2]  "));
    CHECK(r.text == "[1, 2]");
    std::optional<bool> ob = true;
    CHECK_FALSE(rd(ob, "null"));
    CHECK_FALSE(ob);
}

TEST_CASE("read: integers are range-checked") {
    std::int8_t i8 = 0;
    CHECK(rd(i8, "127") == std::error_code{});
    CHECK(rd(i8, "128") == errc::number_out_of_range);
    CHECK(rd(i8, "-129") == errc::number_out_of_range);
    std::uint64_t u = 0;
    CHECK(rd(u, "18446744073709551616") == errc::number_out_of_range);
    CHECK(rd(u, "99999999999999999999") == errc::number_out_of_range);
    CHECK(rd(u, "100000000000000000000") == errc::number_out_of_range);
    CHECK(rd(u, "-1") == errc::number_out_of_range);
    CHECK_FALSE(rd(u, "-0"));
    CHECK(u == 0);
    CHECK_FALSE(rd(u, "10000000000000000000"));
    CHECK(u == 10000000000000000000ull);
    std::int64_t i = 0;
    CHECK(rd(i, "9223372036854775808") == errc::number_out_of_range);
    CHECK(rd(i, "-9223372036854775809") == errc::number_out_of_range);
    CHECK(rd(i, "1.0") == errc::type_mismatch);
    CHECK(rd(i, "1e2") == errc::type_mismatch);
    CHECK(rd(i, "\"1\"") == errc::type_mismatch);
    CHECK(rd(i, "true") == errc::type_mismatch);
    CHECK(rd(i, "01") == errc::invalid_number);
    CHECK(rd(i, "-") == errc::unexpected_end);
    CHECK(rd(i, "-x") == errc::invalid_number);
    CHECK(rd(i, "x") == errc::syntax);
    CHECK(rd(i, "12x") == errc::trailing_content);
}

// read_integer's fast paths (a lone 0, 1..7 digits in one word, up to 19
// digits) against read_integer_slow, the digit-by-digit general path: the same
// error, end and value for random numbers and near-numbers, long or short
// texts, into narrow and wide types.
template <class Int>
void integer_paths_agree(const std::string& text, std::size_t at) {
    const char* const end = text.data() + text.size();
    const char* p_fast = text.data() + at;
    const char* p_slow = p_fast;
    Int fast{7}, slow{7};
    const errc ef = sluice::json::detail::read_integer(p_fast, end, fast);
    const errc es = sluice::json::detail::read_integer_slow(p_slow, end, slow);
    CAPTURE(text);
    REQUIRE(ef == es);
    REQUIRE(p_fast == p_slow);
    REQUIRE(fast == slow);
}

TEST_CASE("read: integer fast paths agree with the digit loop (randomized)") {
    sluice_test::test_rng rng{0x1e7};
    std::string text;
    for (int i = 0; i < 200000; ++i) {
        json_test::random_integer_text(rng, text);
        if (text.empty()) continue;
        integer_paths_agree<std::int8_t>(text, 0);
        integer_paths_agree<std::uint32_t>(text, 0);
        integer_paths_agree<std::int64_t>(text, 0);
        integer_paths_agree<std::uint64_t>(text, 0);
    }
}

TEST_CASE("read: floating point is correctly rounded") {
    double d = 0;
    sluice_test::test_rng rng{11};
    for (int k = 0; k < 20000; ++k) {
        std::uint64_t bits = rng.next();
        double v;
        std::memcpy(&v, &bits, sizeof v);
        if (!std::isfinite(v)) continue;
        char buf[64];
        const auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
        REQUIRE_FALSE(rd(d, std::string_view(buf, static_cast<std::size_t>(end - buf))));
        REQUIRE(d == v);
    }
    for (const char* t : {"0.1", "1e23", "8.988465674311579e307", "2.2250738585072011e-308", "4.9e-324",
                          "9007199254740993", "0.30000000000000004", "123456789012345678901234567890e-10", "1E22",
                          "1e-22", "3.0e+2", "-0.0000123"}) {
        double expect = 0;
        std::from_chars(t, t + std::strlen(t), expect);
        REQUIRE_FALSE(rd(d, t));
        CHECK(d == expect);
    }
    CHECK(rd(d, "1e400") == errc::number_out_of_range);
    CHECK(rd(d, "-1e400") == errc::number_out_of_range);
    CHECK_FALSE(rd(d, "1e-400"));
    CHECK(d == 0.0);
    CHECK_FALSE(rd(d, "-0"));
    CHECK(std::signbit(d));
    CHECK_FALSE(rd(d, "-1e-400"));
    CHECK(std::signbit(d));
    CHECK(rd(d, "\"1.5\"") == errc::type_mismatch);
    CHECK(rd(d, "1.") == errc::unexpected_end);
    CHECK(rd(d, "1.x") == errc::invalid_number);
    float f = 0;
    CHECK_FALSE(rd(f, "0.1"));
    CHECK(f == 0.1f);
    CHECK_FALSE(rd(f, "16777217"));
    CHECK(f == 16777216.0f);
    CHECK(rd(f, "1e39") == errc::number_out_of_range);
}

TEST_CASE("read: strings, escapes and UTF-8") {
    std::string s;
    CHECK_FALSE(rd(s, R"("\"\\\/\b\f\n\r\t")"));
    CHECK(s == "\"\\/\b\f\n\r\t");
    CHECK_FALSE(rd(s, R"("\u0041\u00e9\u20ac\ud83d\ude00\u0000")"));
    CHECK(s == std::string("A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\0", 11));
    CHECK_FALSE(rd(s, "\"\xE2\x82\xAC raw UTF-8\""));
    CHECK(s == "\xE2\x82\xAC raw UTF-8");
    CHECK(rd(s, R"("\ud800")") == errc::invalid_escape);
    CHECK(rd(s, R"("\udc00\ud800")") == errc::invalid_escape);
    CHECK(rd(s, R"("\q")") == errc::invalid_escape);
    CHECK(rd(s, "\"\xC0\x80\"") == errc::invalid_utf8);
    CHECK(rd(s, "\"\xED\xA0\x80\"") == errc::invalid_utf8);
    CHECK(rd(s, "\"a\x01\"") == errc::control_character);
    CHECK(rd(s, "\"abc") == errc::unexpected_end);
    CHECK(rd(s, "12") == errc::type_mismatch);
    // Long strings cross block boundaries with escapes anywhere.
    std::string big = "\"";
    std::string expect;
    for (int i = 0; i < 300; ++i) {
        big += (i % 37 == 0) ? "\\n" : "x";
        expect += (i % 37 == 0) ? "\n" : "x";
    }
    big += "\"";
    CHECK_FALSE(rd(s, big));
    CHECK(s == expect);
}

TEST_CASE("read: string_view never returns escaped text") {
    std::string_view v;
    json::error_info info;
    strings st{};
    CHECK(rd(st, R"({"s": "ok", "v": "has \"escape\""})", &info) == errc::escaped_string_view);
    CHECK(info.path == "v");
    CHECK(rd(v, R"("a\u0041")") == errc::escaped_string_view);
    CHECK_FALSE(rd(v, "\"\xC3\xA9t\xC3\xA9\""));
    CHECK(v == "\xC3\xA9t\xC3\xA9");
    CHECK(rd(v, "\"\xC3\"") == errc::invalid_utf8);
    // The escaped value stays available through raw, then std::string.
    json::raw r;
    CHECK_FALSE(rd(r, R"("has \"escape\"")"));
    std::string s;
    CHECK_FALSE(rd(s, r.text));
    CHECK(s == "has \"escape\"");
}

TEST_CASE("read: optional fields, missing or null, are emptied") {
    struct opts {
        std::optional<int> a;
        std::optional<std::string> b;
        int c;
    };
    opts o{5, "old", 0};
    CHECK_FALSE(rd(o, R"({"c": 1})"));
    CHECK_FALSE(o.a);
    CHECK_FALSE(o.b);
    CHECK_FALSE(rd(o, R"({"a": null, "b": "new", "c": 2})"));
    CHECK_FALSE(o.a);
    CHECK(o.b == "new");
    CHECK(rd(o, R"({"a": nul, "c": 2})") == errc::syntax);
    CHECK(rd(o, R"({"a": "x", "c": 2})") == errc::type_mismatch);
}

// 40 fields (the member dispatch switches over 16 at a time): every other
// one optional, keys in random order, some left out.
struct wide {
    int r0, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10, r11, r12, r13, r14, r15, r16, r17, r18, r19;
    std::optional<int> o0; std::optional<int> o1; std::optional<int> o2; std::optional<int> o3; std::optional<int> o4; std::optional<int> o5; std::optional<int> o6; std::optional<int> o7; std::optional<int> o8; std::optional<int> o9; std::optional<int> o10; std::optional<int> o11; std::optional<int> o12; std::optional<int> o13; std::optional<int> o14; std::optional<int> o15; std::optional<int> o16; std::optional<int> o17; std::optional<int> o18; std::optional<int> o19;
};

TEST_CASE("read: wide structs, keys in any order, missing fields found") {
    constexpr std::size_t n = sluice::reflect::field_count<wide>;
    static_assert(n == 40);
    sluice_test::test_rng rng{0x71de};
    for (int round = 0; round < 2000; ++round) {
        std::array<std::size_t, n> order{};
        for (std::size_t i = 0; i < n; ++i) order[i] = i;
        for (std::size_t i = n - 1; i > 0; --i) std::swap(order[i], order[rng.below(i + 1)]);
        std::array<bool, n> present{};
        std::string text = "{";
        for (std::size_t i : order) {
            present[i] = rng.below(i < 20 ? 64 : 4) != 0; // required fields r0..r19 come first
            if (!present[i]) continue;
            if (text.size() > 1) text += rng.below(4) == 0 ? " , " : ",";
            text += "\"" + std::string(sluice::reflect::field_names<wide>[i]) + "\":" + std::to_string(i * 7 + 1);
        }
        text += "}";
        wide w{};
        w.o0 = w.o19 = -1; // emptied when missing
        json::error_info info;
        const auto ec = json::read(w, text, &info);
        CAPTURE(text);
        std::size_t first_missing_required = n;
        for (std::size_t i = 0; i < 20; ++i)
            if (!present[i]) {
                first_missing_required = i;
                break;
            }
        if (first_missing_required != n) {
            CHECK(ec == errc::missing_field);
            CHECK(info.path == sluice::reflect::field_names<wide>[first_missing_required]);
            continue;
        }
        REQUIRE_FALSE(ec);
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            const auto check = [&](const auto& f, std::size_t i) {
                if constexpr (std::is_same_v<std::remove_cvref_t<decltype(f)>, int>) {
                    CHECK(f == static_cast<int>(i * 7 + 1));
                } else {
                    CHECK(f.has_value() == present[i]);
                    if (f) CHECK(*f == static_cast<int>(i * 7 + 1));
                }
            };
            (check(sluice::reflect::get<I>(w), I), ...);
        }(std::make_index_sequence<n>{});
    }
}

TEST_CASE("read: vectors reuse their elements and shrink") {
    std::vector<std::string> v;
    CHECK_FALSE(rd(v, R"(["a long string that does not fit in SSO", "b", "c"])"));
    REQUIRE(v.size() == 3);
    const char* first = v[0].data();
    const auto cap = v.capacity();
    CHECK_FALSE(rd(v, R"(["short", "b"])"));
    CHECK(v == std::vector<std::string>{"short", "b"});
    CHECK(v[0].data() == first); // element reused, its buffer kept
    CHECK(v.capacity() == cap);
    CHECK_FALSE(rd(v, "[]"));
    CHECK(v.empty());
    CHECK(rd(v, "[1]") == errc::type_mismatch);
    CHECK(rd(v, "[\"a\",]") == errc::syntax);
    CHECK(rd(v, "[\"a\" \"b\"]") == errc::syntax);
    CHECK(rd(v, "{}") == errc::type_mismatch);
}

TEST_CASE("read: std::array wants the exact length") {
    std::array<int, 2> a{};
    CHECK_FALSE(rd(a, "[4, 5]"));
    CHECK(a == std::array<int, 2>{4, 5});
    CHECK(rd(a, "[1]") == errc::wrong_array_size);
    CHECK(rd(a, "[1,2,3]") == errc::wrong_array_size);
    CHECK(rd(a, "[]") == errc::wrong_array_size);
    std::array<int, 0> none{};
    CHECK_FALSE(rd(none, "[]"));
}

TEST_CASE("read: enums as numbers and names") {
    level l{};
    CHECK_FALSE(rd(l, "1"));
    CHECK(l == level::low);
    CHECK_FALSE(rd(l, "7")); // any value of the underlying type
    CHECK(static_cast<int>(l) == 7);
    CHECK(rd(l, "256") == errc::number_out_of_range);
    color c{};
    CHECK_FALSE(rd(c, "\"green\""));
    CHECK(c == color::green);
    CHECK_FALSE(rd(c, "\"\\u0072ed\"")); // escaped form of "red"
    CHECK(c == color::red);
    CHECK(rd(c, "\"purple\"") == errc::unknown_enumerator);
    CHECK(rd(c, "\"" + std::string(100, 'r') + "\"") == errc::unknown_enumerator);
    CHECK(rd(c, "1") == errc::type_mismatch);
}

TEST_CASE("read: types with their own from_chars") {
    hex_id h;
    CHECK_FALSE(rd(h, "\"beef\""));
    CHECK(h.value == 0xbeef);
    CHECK_FALSE(rd(h, "\"\\u0062eef\""));
    CHECK(h.value == 0xbeef);
    json::error_info info;
    everything e{};
    CHECK(rd(h, "\"xyz\"", &info) == errc::invalid_value);
    CHECK(info.offset == 0);
    CHECK(rd(h, "12") == errc::type_mismatch);
    CHECK(std::string_view(to_chars(hex_id{0xab})) == "ab"); // what write() would use
}

TEST_CASE("read: unknown keys of every shape are skipped") {
    inner in{};
    const std::string text = R"({"u1": 12.5e3, "u2": "str \" with ] and } and \\", "u3": [1, [2, {"x": "]"}], {}],
        "u4": {"deep": {"er": [true, false, null]}}, "u5": true, "u6": null, "u7": [], "u8": {},
        "id": "found", "u9": -0.0, "n": 3, "u10": "\u00e9\ud83d\ude00"})";
    CHECK_FALSE(rd(in, text));
    CHECK(in.id == "found");
    CHECK(in.n == 3);
    // Malformed scalars are caught even when skipped.
    CHECK(rd(in, R"({"u": tru, "id": "a", "n": 1})") == errc::syntax);
    CHECK(rd(in, R"({"u": 01, "id": "a", "n": 1})") == errc::invalid_number);
    CHECK(rd(in, R"({"u": [1, "abc], "id": "a", "n": 1})") == errc::unexpected_end);
    CHECK(rd(in, R"({"u": "abc, "id": "a", "n": 1})") == errc::syntax);
}

TEST_CASE("read: strict mode checks skipped values fully") {
    inner in{};
    json::read_options strict;
    strict.strict = true;
    const char* sloppy = R"({"u": [1,,2 x], "id": "a", "n": 1})";
    CHECK_FALSE(json::read(in, sloppy));
    CHECK(json::read(in, sloppy, strict) == errc::syntax);
    const char* bad_utf8 = "{\"u\": \"\xC0\xAF\", \"id\": \"a\", \"n\": 1}";
    CHECK_FALSE(json::read(in, bad_utf8));
    CHECK(json::read(in, bad_utf8, strict) == errc::invalid_utf8);
    const char* bad_key = "{\"\x01\": 1, \"id\": \"a\", \"n\": 1}";
    CHECK_FALSE(json::read(in, bad_key));
    CHECK(json::read(in, bad_key, strict) == errc::control_character);
    CHECK_FALSE(json::read(in, R"({"id": "a", "u": {"x": [1, 2]}, "n": 1})", strict));
    CHECK(in.id == "a");
}

TEST_CASE("read: keys") {
    inner in{};
    CHECK_FALSE(rd(in, R"({"\u0069d": "escaped key", "n": 1})"));
    CHECK(in.id == "escaped key");
    CHECK_FALSE(rd(in, R"({"id": "first", "n": 1, "id": "last"})")); // the last wins
    CHECK(in.id == "last");
    CHECK_FALSE(rd(in, R"({"i":1,"idd":2,"Id":3,"id":"x","n":0})"));
    CHECK(in.id == "x");
    // Keys at the very end of the text (no 8 bytes to load).
    CHECK_FALSE(rd(in, R"({"n":1,"id":"y"})"));
    CHECK(in.id == "y");
    long_names ln{};
    CHECK_FALSE(rd(ln, R"({"a_rather_long_field_name": 1, "another_rather_long_field_name": 2, "short_one": 3,
                          "another_rather_long_field_namf": 9, "a_rather_long_field_nam": 9, "x": 4})"));
    CHECK(ln.a_rather_long_field_name == 1);
    CHECK(ln.another_rather_long_field_name == 2);
    CHECK(ln.short_one == 3);
    CHECK(ln.x == 4);
    // Known keys with whitespace before the colon take the general path.
    ln = {};
    CHECK_FALSE(rd(ln, "{\"a_rather_long_field_name\" :1,\"another_rather_long_field_name\"\t:2,"
                       "\"short_one\"\n: 3, \"x\" : 4}"));
    CHECK(ln.a_rather_long_field_name == 1);
    CHECK(ln.another_rather_long_field_name == 2);
    CHECK(ln.short_one == 3);
    CHECK(ln.x == 4);
    CHECK(rd(in, R"({id: "a", "n": 1})") == errc::syntax);
    CHECK(rd(in, R"({"id" "a", "n": 1})") == errc::syntax);
    CHECK(rd(in, R"({"id": "a", "n": 1,})") == errc::syntax);
    CHECK(rd(in, R"({"id": "a" "n": 1})") == errc::syntax);
    CHECK(rd(in, R"({"id": "a", "n": 1)") == errc::unexpected_end);
    CHECK(rd(in, "{\"id\"") == errc::unexpected_end);
    CHECK(rd(in, "{\"id") == errc::unexpected_end);
}

TEST_CASE("read: whitespace anywhere") {
    inner in{};
    CHECK_FALSE(rd(in, " \t\r\n{ \n\"id\" \t: \r\"w\" , \"n\"\n:\n5\n}\n "));
    CHECK(in.id == "w");
    CHECK(in.n == 5);
    std::vector<int> v;
    CHECK_FALSE(rd(v, "[ 1 ,\n2\t, 3 ]"));
    CHECK(v.size() == 3);
}

TEST_CASE("read: errors name the field path") {
    struct user {
        std::string_view id;
        std::string username;
    };
    struct attachment {
        std::string_view id;
        std::uint32_t size;
    };
    struct message {
        user author;
        std::vector<attachment> attachments;
        std::optional<std::vector<std::vector<int>>> grid;
    };
    struct envelope {
        int op;
        message d;
    };
    envelope e{};
    json::error_info info;
    CHECK(rd(e, R"({"op": 0, "d": {"author": {"id": 5, "username": "u"}, "attachments": []}})", &info) ==
          errc::type_mismatch);
    CHECK(info.path == "d.author.id");
    CHECK(rd(e, R"({"op": 0, "d": {"author": {"id": "5"}, "attachments": []}})", &info) == errc::missing_field);
    CHECK(info.path == "d.author.username");
    CHECK(rd(e, R"({"op": 0, "d": {"author": {"id": "1", "username": "u"},
                   "attachments": [{"id": "a", "size": 1}, {"id": "b", "size": -1}]}})",
             &info) == errc::number_out_of_range);
    CHECK(info.path == "d.attachments[1].size");
    CHECK(rd(e, R"({"op": 0, "d": {"author": {"id": "1", "username": "u"}, "attachments": [],
                   "grid": [[1], [2, "x"]]}})",
             &info) == errc::type_mismatch);
    CHECK(info.path == "d.grid[1][1]");
    CHECK(rd(e, R"({"d": {"author": {"id": "1", "username": "u"}, "attachments": []}})", &info) == errc::missing_field);
    CHECK(info.path == "op");
    CHECK(rd(e, R"([1])", &info) == errc::type_mismatch);
    CHECK(info.path.empty());
    CHECK(info.offset == 0);
    // The path is cleared by the next read.
    CHECK(rd(e, R"({"op": "x"})", &info) == errc::type_mismatch);
    CHECK(info.path == "op");
    CHECK(info.offset == 7);
    CHECK(rd(e, R"({"op": 1, "d": {"author": {"id": "1", "username": "u"}, "attachments": []}})") == std::error_code{});
}

TEST_CASE("read: gateway payloads: the body as raw, in any order") {
    payload p{};
    CHECK_FALSE(rd(p, R"({"d": {"content": "hi", "id": "1"}, "op": 0, "s": 42, "t": "MESSAGE_CREATE"})"));
    CHECK(p.op == 0);
    CHECK(p.s == 42);
    CHECK(p.t == "MESSAGE_CREATE");
    struct message_create {
        std::string_view content;
        std::string_view id;
    };
    message_create m{};
    CHECK_FALSE(rd(m, p.data.text));
    CHECK(m.content == "hi");
    CHECK_FALSE(rd(p, R"({"op": 11, "d": null, "s": null, "t": null})"));
    CHECK(p.op == 11);
    CHECK(p.data.text == "null");
    CHECK_FALSE(p.s);
    CHECK_FALSE(p.t);
    CHECK(rd(p, R"({"op": 1})") == errc::missing_field);
}

TEST_CASE("read: non-aggregates through meta<T>::members") {
    point pt;
    CHECK_FALSE(rd(pt, R"({"y": 2, "x": 1})"));
    CHECK(pt.x() == 1);
    CHECK(pt.y() == 2);
}

TEST_CASE("read: depth is limited, also for recursive types") {
    node n{};
    CHECK_FALSE(rd(n, R"({"v": 1, "kids": [{"v": 2, "kids": []}, {"v": 3, "kids": [{"v": 4, "kids": []}]}]})"));
    REQUIRE(n.kids.size() == 2);
    CHECK(n.kids[1].kids[0].v == 4);
    std::string deep;
    for (int i = 0; i < 100; ++i) deep += R"({"v": 0, "kids": [)";
    CHECK(rd(n, deep) == errc::depth_exceeded);
    json::read_options o;
    o.max_depth = 2;
    std::vector<std::vector<int>> vv;
    CHECK_FALSE(json::read(vv, "[[1]]", o));
    CHECK(json::read(vv, "[[[1]]]", o) == errc::type_mismatch);
    inner in{};
    CHECK(json::read(in, R"({"x": [[1]], "id": "a", "n": 1})", o) == errc::depth_exceeded);
    CHECK(json::read(in, R"({"x": [[]], "id": "a", "n": 1})", o) == errc::depth_exceeded);
    CHECK_FALSE(json::read(in, R"({"x": [], "id": "a", "n": 1})", o));
    o.strict = true;
    CHECK(json::read(in, R"({"x": [[1]], "id": "a", "n": 1})", o) == errc::depth_exceeded);
    // A million brackets in an unknown value: refused at the limit, no recursion.
    std::string hostile = R"({"x": )" + std::string(1000000, '[');
    CHECK(rd(in, hostile) == errc::depth_exceeded);
}

TEST_CASE("read: the text holds exactly one value") {
    inner in{};
    CHECK(rd(in, "") == errc::unexpected_end);
    CHECK(rd(in, "   ") == errc::unexpected_end);
    CHECK(rd(in, R"({"id": "a", "n": 1} {})") == errc::trailing_content);
    CHECK(rd(in, R"({"id": "a", "n": 1}   )") == std::error_code{});
    CHECK(rd(in, "{") == errc::unexpected_end);
    CHECK(rd(in, "{}") == errc::missing_field);
    CHECK(rd(in, "[]") == errc::type_mismatch);
    CHECK(rd(in, "x") == errc::syntax);
}

TEST_CASE("read: errors compare equal to their conditions") {
    inner in{};
    CHECK(rd(in, "{") == sluice::condition::protocol_violation);
    CHECK(rd(in, "[]") == sluice::condition::invalid_data);
    CHECK(rd(in, "{}") == sluice::condition::invalid_data);
    std::string deep(100, '[');
    CHECK(rd(in, R"({"x":)" + deep) == sluice::condition::limit_exceeded);
}
