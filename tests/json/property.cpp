// Properties over random inputs: write then read gives back the value;
// random JSON is valid; after random damage, validate() and a strict read of
// a raw value agree exactly, and whatever the strict reader accepts the fast
// reader accepts too.
#include <doctest/doctest.h>

#include "support/support.hpp"

#include <sluice/json.hpp>

#include <cstring>
#include <optional>
#include <string>
#include <vector>

namespace json = sluice::json;

namespace {

struct leaf {
    std::string name;
    std::int64_t n;
    std::optional<double> x;
    bool flag;
};

struct tree {
    std::vector<leaf> leaves;
    std::optional<std::string> note;
    std::vector<std::vector<std::uint16_t>> grid;
    json::raw extra;
};

using rng_t = sluice_test::test_rng;

std::string random_text(rng_t& rng) {
    static const char* const pieces[] = {"a", "Z", " ", "\"", "\\", "\n", "\x01", "\xC3\xA9", "\xE2\x82\xAC",
                                         "\xF0\x9F\x98\x80", "\x7f", "/", "{", "]"};
    std::string s;
    const std::size_t n = rng.below(40);
    for (std::size_t i = 0; i < n; ++i) s += pieces[rng.below(std::size(pieces))];
    return s;
}

double random_double(rng_t& rng) {
    for (;;) {
        const std::uint64_t bits = rng.next();
        double d;
        std::memcpy(&d, &bits, sizeof d);
        if (d == d && d - d == 0) return d;
    }
}

// Random valid JSON, with whitespace, escapes and numbers of every shape.
void random_json(rng_t& rng, int depth, std::string& out) {
    const auto ws = [&] {
        static const char* const spaces[] = {"", "", "", " ", "\n", "\t", "\r\n  "};
        out += spaces[rng.below(std::size(spaces))];
    };
    const auto string = [&] {
        static const char* const parts[] = {"k", "abc", "\\\"", "\\\\", "\\/", "\\n", "\\u00e9", "\\ud83d\\ude00",
                                            "\xC3\xA9", "\xF0\x9F\x98\x80", "]", "}", "[", "{", ",", ":", " "};
        out += '"';
        const std::size_t n = rng.below(6);
        for (std::size_t i = 0; i < n; ++i) out += parts[rng.below(std::size(parts))];
        out += '"';
    };
    ws();
    switch (depth > 6 ? rng.below(4) : rng.below(6)) {
    case 0: {
        static const char* const numbers[] = {"0", "-0", "12", "-7", "3.25", "1e5", "-2.5E-3", "123456789012345678901",
                                              "0.000001", "1E+2"};
        out += numbers[rng.below(std::size(numbers))];
        break;
    }
    case 1: out += rng.below(2) ? "true" : (rng.below(2) ? "false" : "null"); break;
    case 2:
    case 3: string(); break;
    case 4: {
        out += '[';
        const std::size_t n = rng.below(5);
        for (std::size_t i = 0; i < n; ++i) {
            if (i) out += ',';
            random_json(rng, depth + 1, out);
        }
        ws();
        out += ']';
        break;
    }
    default: {
        out += '{';
        const std::size_t n = rng.below(5);
        for (std::size_t i = 0; i < n; ++i) {
            if (i) out += ',';
            ws();
            string();
            ws();
            out += ':';
            random_json(rng, depth + 1, out);
        }
        ws();
        out += '}';
    }
    }
    ws();
}

} // namespace

TEST_CASE("property: write then read gives the value back") {
    rng_t rng{2024};
    std::string buf;
    tree t, back;
    for (int round = 0; round < 2000; ++round) {
        t = {};
        for (std::size_t i = rng.below(5); i > 0; --i)
            t.leaves.push_back({random_text(rng), static_cast<std::int64_t>(rng.next()),
                                rng.below(2) ? std::optional<double>(random_double(rng)) : std::nullopt, rng.below(2) == 1});
        if (rng.below(2)) t.note = random_text(rng);
        for (std::size_t i = rng.below(4); i > 0; --i) {
            t.grid.emplace_back();
            for (std::size_t j = rng.below(4); j > 0; --j) t.grid.back().push_back(static_cast<std::uint16_t>(rng.next()));
        }
        std::string extra;
        random_json(rng, 0, extra);
        t.extra.text = extra;
        // raw keeps the value without its surrounding whitespace
        while (!t.extra.text.empty() && json::detail::is_whitespace(t.extra.text.front())) t.extra.text.remove_prefix(1);
        while (!t.extra.text.empty() && json::detail::is_whitespace(t.extra.text.back())) t.extra.text.remove_suffix(1);
        buf.clear();
        REQUIRE_FALSE(json::write(t, buf));
        REQUIRE_FALSE(json::validate(buf));
        json::error_info info;
        REQUIRE_MESSAGE(!json::read(back, buf, &info), buf << " at " << info.path);
        REQUIRE(back.leaves.size() == t.leaves.size());
        for (std::size_t i = 0; i < t.leaves.size(); ++i) {
            CHECK(back.leaves[i].name == t.leaves[i].name);
            CHECK(back.leaves[i].n == t.leaves[i].n);
            CHECK(back.leaves[i].x == t.leaves[i].x);
            CHECK(back.leaves[i].flag == t.leaves[i].flag);
        }
        CHECK(back.note == t.note);
        CHECK(back.grid == t.grid);
        CHECK(back.extra.text == t.extra.text);
    }
}

TEST_CASE("property: damaged JSON: validate and the strict reader agree") {
    rng_t rng{99};
    json::read_options strict;
    strict.strict = true;
    strict.max_depth = 64;
    static const char bytes[] = {'"', '\\', '[', ']', '{', '}', ',', ':', ' ', '0', '-', 'e', '.', 't', 'n', 'x',
                                 '\x01', '\x80', '\xC3', '\xFF'};
    int valid = 0;
    for (int round = 0; round < 20000; ++round) {
        std::string text;
        random_json(rng, 0, text);
        REQUIRE_MESSAGE(!json::validate(text), text);
        const int damage = static_cast<int>(rng.below(3));
        for (int k = 0; k < damage && !text.empty(); ++k) {
            const std::size_t at = rng.below(text.size());
            switch (rng.below(3)) {
            case 0: text[at] = bytes[rng.below(sizeof bytes)]; break;
            case 1: text.erase(at, 1); break;
            default: text.insert(at, 1, bytes[rng.below(sizeof bytes)]);
            }
        }
        const std::error_code v = json::validate(text);
        json::raw r;
        const std::error_code s = json::read(r, text, strict);
        INFO(text);
        CHECK(v == s);
        json::raw loose;
        if (!s) {
            CHECK_FALSE(json::read(loose, text));
            CHECK(loose.text == r.text);
        }
        valid += !v;
    }
    CHECK(valid > 5000);
}
