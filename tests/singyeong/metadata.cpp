// Tests of sluice/singyeong/metadata.hpp: value encoding per type, version
// syntax, reserved keys, the store's order, replacement and compaction.
#include <sluice/singyeong/metadata.hpp>

#include <doctest/doctest.h>

#include "support/support.hpp"

#include <limits>
#include <string>

using namespace sluice::singyeong;

static_assert(is_semantic_version("1.2.3"));
static_assert(is_semantic_version("0.0.0"));
static_assert(is_semantic_version("10.20.30-rc.1+build.5"));
static_assert(is_semantic_version("1.0.0+x-y"));
static_assert(is_semantic_version("1.0.0-alpha-1"));
static_assert(!is_semantic_version(""));
static_assert(!is_semantic_version("1.2"));
static_assert(!is_semantic_version("1.2.3."));
static_assert(!is_semantic_version("01.2.3"));
static_assert(!is_semantic_version("1.2.3-"));
static_assert(!is_semantic_version("1.2.3-a..b"));
static_assert(!is_semantic_version("1.2.3+"));
static_assert(!is_semantic_version("1.2.3-a_b"));
static_assert(!is_semantic_version("v1.2.3"));
static_assert(is_reserved_metadata_key("restricted") && !is_reserved_metadata_key("load"));
static_assert(to_string(metadata_type::float_) == "float");

namespace {
std::string json_of(const metadata_value& v) {
    std::string s;
    CHECK_FALSE(v.write_value(s));
    return s;
}
} // namespace

TEST_SUITE("unit") {

TEST_CASE("metadata: values per type") {
    CHECK(json_of(metadata_value::string("a\"b")) == R"("a\"b")");
    CHECK(json_of(metadata_value::integer(-42)) == "-42");
    CHECK(json_of(metadata_value::floating(1)) == "1.0"); // the server checks is_float
    CHECK(json_of(metadata_value::floating(0.25)) == "0.25");
    CHECK(json_of(metadata_value::floating(1e300)) == "1e+300");
    CHECK(json_of(metadata_value::boolean(true)) == "true");
    CHECK(json_of(metadata_value::version("1.2.3-rc.1")) == R"("1.2.3-rc.1")");
    CHECK(json_of(metadata_value::list(R"( ["a", 1] )")) == R"(["a", 1])");
    CHECK(json_of(metadata_value::map(R"({"k": {}})")) == R"({"k": {}})");

    std::string s;
    CHECK(metadata_value::floating(std::numeric_limits<double>::infinity()).write_value(s) == errc::invalid_metadata);
    CHECK(metadata_value::version("1.2").write_value(s) == errc::invalid_metadata);
    CHECK(metadata_value::list("{}").write_value(s) == errc::invalid_metadata);
    CHECK(metadata_value::map("[]").write_value(s) == errc::invalid_metadata);
    CHECK(metadata_value::map("").write_value(s) == errc::invalid_metadata);
}

TEST_CASE("metadata: the store keeps order, replaces, refuses") {
    metadata_store store(3);
    std::string out;
    store.write(out);
    CHECK(out == "{}");

    CHECK_FALSE(store.set("load", metadata_value::integer(5)));
    CHECK_FALSE(store.set("region", metadata_value::string("eu")));
    CHECK_FALSE(store.set("load", metadata_value::floating(0.5)));
    CHECK(store.size() == 2);
    out.clear();
    store.write(out);
    CHECK(out == R"({"load":{"type":"float","value":0.5},"region":{"type":"string","value":"eu"}})");
    out.clear();
    store.write_one(out, "region");
    CHECK(out == R"({"region":{"type":"string","value":"eu"}})");

    CHECK(store.set("restricted", metadata_value::boolean(true)) == errc::reserved_metadata_key);
    CHECK(store.set("", metadata_value::boolean(true)) == errc::invalid_metadata);
    CHECK(store.set("a/b", metadata_value::boolean(true)) == errc::invalid_metadata);
    CHECK(store.set("v", metadata_value::version("x")) == errc::invalid_metadata);
    CHECK(store.size() == 2);
    CHECK_FALSE(store.set("v", metadata_value::version("2.0.0")));
    CHECK(store.set("w", metadata_value::integer(1)) == errc::metadata_full);
    CHECK_FALSE(store.set("v", metadata_value::version("2.0.1"))); // replacing is fine when full

    auto v = store.find("v");
    REQUIRE(v);
    CHECK(v->type == metadata_type::version);
    CHECK(v->json == R"("2.0.1")");
    CHECK_FALSE(store.find("w"));
    CHECK(store.at(0).key == "load");

    store.clear();
    CHECK(store.empty());
}

TEST_CASE("metadata: many replacements compact the store") {
    metadata_store store;
    for (int i = 0; i < 5000; ++i) {
        CHECK_FALSE(store.set("counter", metadata_value::integer(i)));
        CHECK_FALSE(store.set("name", metadata_value::string("some value that takes room")));
    }
    std::string out;
    store.write(out);
    CHECK(out == R"({"counter":{"type":"integer","value":4999},"name":{"type":"string","value":"some value that takes room"}})");
}

} // TEST_SUITE

TEST_SUITE("unit") {

TEST_CASE("metadata: text that is not UTF-8, list and map text that is not JSON") {
    metadata_store store;
    CHECK(store.set("k", metadata_value::string("\xff")) == errc::invalid_metadata);
    CHECK(store.set("\xff", metadata_value::integer(1)) == errc::invalid_metadata);
    CHECK(store.set("k", metadata_value::list("[1,")) == errc::invalid_metadata);
    CHECK(store.set("k", metadata_value::map("{} {}")) == errc::invalid_metadata);
    CHECK(store.empty());
}

} // TEST_SUITE
