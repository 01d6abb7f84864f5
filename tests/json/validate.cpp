// validate(): the whole JSONTestSuite folder, precise error codes and offsets,
// UTF-8 and escape edge cases, depth limits.
#include <doctest/doctest.h>

#include "support/support.hpp"

#include <sluice/json/validate.hpp>

#include <string>
#include <string_view>

namespace json = sluice::json;
using json::errc;

namespace {

std::error_code check(std::string_view text) { return json::validate(text); }

} // namespace

TEST_CASE("validate: JSONTestSuite y_ accepted, n_ rejected, i_ no crash") {
    const std::string dir = sluice_test::vectors_dir() + "/json/test_parsing";
    const auto names = sluice_test::list_dir(dir);
    REQUIRE(names.size() > 300);
    int yes = 0, no = 0, maybe = 0;
    for (const auto& name : names) {
        bool ok = false;
        const std::string text = sluice_test::read_file(dir + "/" + name, &ok);
        REQUIRE(ok);
        const std::error_code ec = json::validate(text);
        INFO(name << ": " << (ec ? ec.message() : "accepted"));
        if (name[0] == 'y') {
            CHECK_FALSE(ec);
            ++yes;
        } else if (name[0] == 'n') {
            CHECK(ec);
            if (ec) CHECK(ec.category() == json::json_category());
            ++no;
        } else {
            ++maybe; // implementation-defined: only must not crash
        }
    }
    CHECK(yes >= 95);
    CHECK(no >= 180);
    CHECK(maybe >= 30);
}

TEST_CASE("validate: accepts every kind of value") {
    for (const char* t : {"0", "-0", "1.5e+10", "-12.25E-3", "true", "false", "null", "\"\"", "\"a\\u00e9\\n\"", "[]", "{}",
                          " [ 1 , [ ] , { } , \"x\" ] ", "{\"a\":{\"b\":[null,{\"c\":true}]}}", "\t\r\n 7 \n",
                          "\"\xF0\x9F\x98\x80\"", "\"\\ud83d\\ude00\"", "123456789012345678901234567890"}) {
        INFO(t);
        CHECK_FALSE(check(t));
    }
}

TEST_CASE("validate: precise errors") {
    struct {
        const char* text;
        errc code;
    } cases[] = {
        {"", errc::unexpected_end},
        {"   ", errc::unexpected_end},
        {"[", errc::unexpected_end},
        {"[1,", errc::unexpected_end},
        {"{\"a\"", errc::unexpected_end},
        {"{\"a\":", errc::unexpected_end},
        {"\"abc", errc::unexpected_end},
        {"tru", errc::unexpected_end},
        {"-", errc::unexpected_end},
        {"1.", errc::unexpected_end},
        {"1e", errc::unexpected_end},
        {"1e+", errc::unexpected_end},
        {"[1,]", errc::syntax},
        {"{\"a\":1,}", errc::syntax},
        {"{,}", errc::syntax},
        {"[1 2]", errc::syntax},
        {"{\"a\" 1}", errc::syntax},
        {"{1:2}", errc::syntax},
        {"[}", errc::syntax},
        {"{]", errc::syntax},
        {"nul1", errc::syntax},
        {"True", errc::syntax},
        {"'a'", errc::syntax},
        {"01", errc::invalid_number},
        {"-a", errc::invalid_number},
        {"1.e3", errc::invalid_number},
        {"+1", errc::syntax},
        {".5", errc::syntax},
        {"1ex", errc::invalid_number},
        {"\"\\x\"", errc::invalid_escape},
        {"\"\\u12G4\"", errc::invalid_escape},
        {"\"\\ud800\"", errc::invalid_escape},
        {"\"\\udc00\"", errc::invalid_escape},
        {"\"\\ud800\\u0041\"", errc::invalid_escape},
        {"\"\\ud800x\"", errc::invalid_escape},
        {"\"\\ud800\\", errc::unexpected_end},
        {"\"\\u00", errc::unexpected_end},
        {"\"a\tb\"", errc::control_character},
        {"\"a\nb\"", errc::control_character},
        {"\"\xC0\xAF\"", errc::invalid_utf8},             // overlong '/'
        {"\"\xE0\x80\xAF\"", errc::invalid_utf8},         // overlong
        {"\"\xF0\x80\x80\xAF\"", errc::invalid_utf8},     // overlong
        {"\"\xED\xA0\x80\"", errc::invalid_utf8},         // UTF-8 encoded surrogate U+D800
        {"\"\xF4\x90\x80\x80\"", errc::invalid_utf8},     // above U+10FFFF
        {"\"\xF5\x80\x80\x80\"", errc::invalid_utf8},
        {"\"\x80\"", errc::invalid_utf8},                 // lone continuation byte
        {"\"\xC3\"", errc::invalid_utf8},                 // truncated
        {"\"\xE2\x82\"", errc::invalid_utf8},             // truncated
        {"\"\xFF\"", errc::invalid_utf8},
        {"1 2", errc::trailing_content},
        {"{} x", errc::trailing_content},
        {"\xEF\xBB\xBF{}", errc::syntax},                 // byte order mark
    };
    for (const auto& c : cases) {
        INFO(c.text);
        CHECK(check(c.text) == std::error_code(c.code));
    }
}

TEST_CASE("validate: UTF-8 boundaries accepted") {
    for (const char* t : {"\"\xC2\x80\"", "\"\xDF\xBF\"", "\"\xE0\xA0\x80\"", "\"\xED\x9F\xBF\"", "\"\xEE\x80\x80\"",
                          "\"\xEF\xBF\xBF\"", "\"\xF0\x90\x80\x80\"", "\"\xF4\x8F\xBF\xBF\"", "\"\\udbff\\udfff\""}) {
        INFO(t);
        CHECK_FALSE(check(t));
    }
}

TEST_CASE("validate: error offset and conditions") {
    json::error_info info;
    CHECK(json::validate("[1, 2, x]", {}, &info) == errc::syntax);
    CHECK(info.offset == 7);
    CHECK(info.path.empty());
    CHECK(json::validate("[1, 2, x]") == sluice::condition::protocol_violation);
    CHECK(json::validate("\"\xC0\xAF\"", {}, &info) == errc::invalid_utf8);
    CHECK(info.offset == 1);
    CHECK(make_error_code(errc::depth_exceeded) == sluice::condition::limit_exceeded);
    CHECK(make_error_code(errc::missing_field) == sluice::condition::invalid_data);
    CHECK(json::json_category().name() == std::string("sluice.json"));
    CHECK_FALSE(make_error_code(errc::syntax).message().empty());
}

TEST_CASE("validate: depth limit") {
    const auto nested = [](int depth) { return std::string(static_cast<std::size_t>(depth), '[') + std::string(static_cast<std::size_t>(depth), ']'); };
    CHECK_FALSE(check(nested(64)));
    CHECK(check(nested(65)) == errc::depth_exceeded);
    json::validate_options o;
    o.max_depth = 3;
    CHECK_FALSE(json::validate("[{\"a\":[1]}]", o));
    CHECK(json::validate("[{\"a\":[[1]]}]", o) == errc::depth_exceeded);
    o.max_depth = 0;
    CHECK_FALSE(json::validate("7", o));
    CHECK(json::validate("[]", o) == errc::depth_exceeded);
    o.max_depth = 100000; // acts as 1024: no stack growth either way
    CHECK_FALSE(json::validate(nested(1024), o));
    CHECK(json::validate(nested(1025), o) == errc::depth_exceeded);
    // Hostile nesting costs nothing: a million brackets are refused at the limit.
    CHECK(check(std::string(1000000, '[')) == errc::depth_exceeded);
}
