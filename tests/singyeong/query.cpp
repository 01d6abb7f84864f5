// Tests of sluice/singyeong/query.hpp: the v2 and v1 JSON of every op,
// logical ops, targets and selectors; the mistakes refused.
#include <sluice/singyeong/query.hpp>

#include <doctest/doctest.h>

#include "support/support.hpp"

#include <cmath>
#include <limits>
#include <string>

using namespace sluice::singyeong;

// Literal paths are checked at compile time; the rules, as constant expressions.
static_assert(path::valid("/a"));
static_assert(path::valid("/a/b/0"));
static_assert(!path::valid(""));
static_assert(!path::valid("/"));
static_assert(!path::valid("a"));
static_assert(!path::valid("//a"));
static_assert(!path::valid("/a/"));
static_assert(!path::valid("/a//b"));
static_assert(to_string(op::ncontains) == "$ncontains");
static_assert(to_string(logic::nor) == "$nor");
static_assert(to_string(selector::avg) == "$avg");

namespace {
std::string v2(const query& q) {
    std::string s;
    const std::error_code ec = q.write(s);
    CHECK_MESSAGE(!ec, ec.message());
    return s;
}
std::string v1(const query& q) {
    std::string s;
    const std::error_code ec = q.write(s, query_form::v1);
    CHECK_MESSAGE(!ec, ec.message());
    return s;
}
} // namespace

TEST_SUITE("unit") {

TEST_CASE("query: the empty query") {
    CHECK(v2(query{}) == R"({"ops":[]})");
    std::string s = "x";
    CHECK(query{}.write(s, query_form::v1) == errc::missing_application);
    CHECK(s == "x"); // nothing appended on error
    CHECK(v1(query("app")) == R"({"application":"app","ops":[]})");
}

TEST_CASE("query: every field and every comparison, v2 and v1") {
    query q("app");
    q.restricted(true).key("k1").droppable(false).optional(true);
    q.where("/s", op::eq, "str")
        .where("/i", op::ne, -5)
        .where("/u", op::gt, 7u)
        .where("/f", op::gte, 1.0)
        .where("/b", op::lt, true)
        .where("/n", op::lte, nullptr)
        .where("/r", op::in, {"eu", "us"})
        .where("/r", op::nin, {1, 2.5})
        .where("/tags", op::contains, "x")
        .where("/tags", op::ncontains, value::json(R"({"a":[1]})"));
    CHECK(q.size() == 10);
    CHECK(v2(q) ==
          R"({"application":"app","restricted":true,"key":"k1","droppable":false,"optional":true,"ops":[)"
          R"({"path":"/s","op":"$eq","to":{"value":"str"}},)"
          R"({"path":"/i","op":"$ne","to":{"value":-5}},)"
          R"({"path":"/u","op":"$gt","to":{"value":7}},)"
          R"({"path":"/f","op":"$gte","to":{"value":1.0}},)"
          R"({"path":"/b","op":"$lt","to":{"value":true}},)"
          R"({"path":"/n","op":"$lte","to":{"value":null}},)"
          R"({"path":"/r","op":"$in","to":{"value":["eu","us"]}},)"
          R"({"path":"/r","op":"$nin","to":{"value":[1,2.5]}},)"
          R"({"path":"/tags","op":"$contains","to":{"value":"x"}},)"
          R"({"path":"/tags","op":"$ncontains","to":{"value":{"a":[1]}}}]})");
    CHECK(v1(q) ==
          R"({"application":"app","restricted":true,"key":"k1","droppable":false,"optional":true,"ops":[)"
          R"({"s":{"$eq":"str"}},{"i":{"$ne":-5}},{"u":{"$gt":7}},{"f":{"$gte":1.0}},{"b":{"$lt":true}},)"
          R"({"n":{"$lte":null}},{"r":{"$in":["eu","us"]}},{"r":{"$nin":[1,2.5]}},)"
          R"({"tags":{"$contains":"x"}},{"tags":{"$ncontains":{"a":[1]}}}]})");
}

TEST_CASE("query: logical ops nest; v1 only when one key is involved") {
    query q("app");
    q.where(all_of(cond("/load", op::gt, 10), cond("/load", op::lt, 20)));
    CHECK(v2(q) == R"({"application":"app","ops":[{"op":"$and","with":[)"
                   R"({"path":"/load","op":"$gt","to":{"value":10}},{"path":"/load","op":"$lt","to":{"value":20}}]}]})");
    CHECK(v1(q) == R"({"application":"app","ops":[{"load":{"$and":[{"$gt":10},{"$lt":20}]}}]})");

    query nested("app");
    nested.where(any_of(none_of(cond("/a", op::eq, 1)), cond("/a", op::in, {2, 3})));
    CHECK(v2(nested) == R"({"application":"app","ops":[{"op":"$or","with":[{"op":"$nor","with":[)"
                        R"({"path":"/a","op":"$eq","to":{"value":1}}]},{"path":"/a","op":"$in","to":{"value":[2,3]}}]}]})");
    CHECK(v1(nested) == R"({"application":"app","ops":[{"a":{"$or":[{"$nor":[{"$eq":1}]},{"$in":[2,3]}]}}]})");

    query across("app");
    across.where(any_of(cond("/a", op::eq, 1), cond("/b", op::eq, 2)));
    std::string s;
    CHECK(across.write(s, query_form::v1) == errc::not_expressible_in_v1);
    CHECK(s.empty());
    CHECK_FALSE(across.write(s)); // v2 is fine
}

TEST_CASE("query: path targets, nested paths and selectors are v2 only") {
    query q("app");
    q.where(condition("/load", op::lt, path("/limit"), 100)).select(selector::min, "latency");
    CHECK(v2(q) == R"({"application":"app","ops":[{"path":"/load","op":"$lt","to":{"path":"/limit","default":100}}],)"
                   R"("selector":{"$min":"latency"}})");
    std::string s;
    CHECK(q.write(s, query_form::v1) == errc::not_expressible_in_v1);

    query deep("app");
    deep.where("/gpu/0/free", op::gte, 1024);
    CHECK(v2(deep) == R"({"application":"app","ops":[{"path":"/gpu/0/free","op":"$gte","to":{"value":1024}}]})");
    CHECK(deep.write(s, query_form::v1) == errc::not_expressible_in_v1);

    query sel("app");
    sel.select(selector::avg, "load");
    CHECK(sel.write(s, query_form::v1) == errc::not_expressible_in_v1);
    CHECK(v2(query{}.select(selector::max, "x")) == R"({"ops":[],"selector":{"$max":"x"}})");
}

TEST_CASE("query: strings are escaped") {
    query q("a\"pp");
    q.where("/k", op::eq, "line\nbreak \\ \x01 \xc3\xa9");
    CHECK(v2(q) == "{\"application\":\"a\\\"pp\",\"ops\":[{\"path\":\"/k\",\"op\":\"$eq\",\"to\":{\"value\":"
                   "\"line\\nbreak \\\\ \\u0001 \xc3\xa9\"}}]}");
}

TEST_CASE("query: mistakes are kept and refused by write") {
    std::string s;
    query bad_path("app");
    bad_path.where(path::runtime("load"), op::eq, 1).where("/ok", op::eq, 2);
    CHECK(bad_path.error() == errc::invalid_path);
    CHECK(bad_path.write(s) == errc::invalid_path);
    CHECK(s.empty());
    CHECK(bad_path.to_json().empty());

    query ok_path("app");
    ok_path.where(path::runtime("/load"), op::eq, 1);
    CHECK_FALSE(ok_path.error());

    query empty_in("app");
    empty_in.where("/r", op::in, {});
    CHECK(empty_in.error() == errc::empty_list);
    query empty_nin("app");
    empty_nin.where("/r", op::nin, {});
    CHECK(empty_nin.error() == errc::empty_list);
    query empty_eq("app"); // equality with the empty list is meaningful
    empty_eq.where("/r", op::eq, {});
    CHECK_FALSE(empty_eq.error());

    query empty_logic("app");
    empty_logic.where(all_of());
    CHECK(empty_logic.error() == errc::empty_logical);

    query nan("app");
    nan.where("/f", op::eq, std::numeric_limits<double>::quiet_NaN());
    CHECK(nan.error() == errc::invalid_metadata);

    query inner("app"); // a mistake inside a nested condition surfaces too
    inner.where(any_of(cond("/a", op::eq, 1), cond(path::runtime("/b/"), op::eq, 2)));
    CHECK(inner.error() == errc::invalid_path);
    CHECK(condition("/a", op::eq, path::runtime("x"), 0).error() == errc::invalid_path);
}

TEST_CASE("query: writing a built query allocates nothing once the buffer has room") {
    query q("app");
    q.where("/region", op::in, {"eu", "us"}).where(any_of(cond("/load", op::lt, 10), cond("/idle", op::eq, true)));
    std::string out;
    out.reserve(1024);
    sluice_test::allocation_counter count;
    for (int i = 0; i < 10; ++i) {
        out.clear();
        CHECK_FALSE(q.write(out));
    }
    CHECK(count.count() == 0);
}

} // TEST_SUITE

TEST_SUITE("unit") {

TEST_CASE("query: text that is not UTF-8 is refused") {
    query app("\xff");
    CHECK(app.error() == errc::invalid_name);
    query p("app");
    p.where(path::runtime("/\xc3"), op::eq, 1);
    CHECK(p.error() == errc::invalid_path);
    query v("app");
    v.where("/k", op::eq, "\xe2\x82");
    CHECK(v.error() == errc::invalid_metadata);
    query s("app");
    s.select(selector::min, "\x80");
    CHECK(s.error() == errc::invalid_name);
}

} // TEST_SUITE
