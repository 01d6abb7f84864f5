// Reflection: field counts, names and access for many aggregate shapes, both
// compilers (the static_asserts are the test; the cases check access at run time).
#include <doctest/doctest.h>

#include <sluice/reflect.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace r = sluice::reflect;

// A member that cannot live in a constant expression: names then come from an
// object that is declared but never defined, which needs a type with
// external linkage (not in an unnamed namespace, not local to a function).
struct reflect_test_not_literal {
    reflect_test_not_literal() {}
    ~reflect_test_not_literal() {}
    int v = 0;
};
struct reflect_test_holds_not_literal {
    reflect_test_not_literal a;
    int b;
};
using holds_not_literal = reflect_test_holds_not_literal;
static_assert(!sluice::reflect::detail::literal_fake<holds_not_literal>);

namespace {

struct empty {};
struct one { int only; };
struct inner { int a; std::string b; };
struct nested { inner first; int middle; inner last; };
struct deep { nested n; std::optional<nested> maybe; std::vector<nested> many; };
struct mixed {
    bool flag;
    std::int8_t i8;
    std::uint64_t u64;
    double d;
    float f;
    std::string s;
    std::string_view sv;
    std::optional<int> opt;
    std::vector<std::string> vec;
    std::array<int, 3> arr;
    empty nothing;
    inner in;
};
struct defaults { int x = 7; std::string name = "n"; std::optional<bool> b = true; };
struct with_const { const int c; int m; };
template <class S>
struct templated { S id; std::vector<S> ids; };
struct underscores { int _leading; int trailing_; int mid_dle2; int CamelCase; };
// A struct whose members are themselves single-member aggregates: brace
// elision must not split them.
struct wrap { one a; one b; std::array<one, 2> c; };

struct big {
    int a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, c0, c1, c2, c3, c4, c5, c6, c7,
        c8, c9, d0, d1, d2, d3, d4, d5, d6, d7, d8, d9, e0, e1, e2, e3, e4, e5, e6, e7, e8, e9, f0, f1, f2, f3, f4, f5,
        f6, f7, f8, f9, g0, g1, g2, last;
};

struct payload { int op; std::string data; };

class point {
public:
    point() = default;
    point(int x, int y) : x_(x), y_(y) {}
    int x() const { return x_; }
    int y() const { return y_; }

private:
    friend struct sluice::reflect::meta<point>;
    int x_ = 0;
    int y_ = 0;
};

struct base { int id; };
struct derived : base { int extra; };

// Lists a subset of an aggregate's members, in another order.
struct subset { int a; int skipped; int b; };

} // namespace

template <>
struct sluice::reflect::meta<payload> {
    static constexpr rename renames[] = {{"data", "d"}};
};
template <>
struct sluice::reflect::meta<point> {
    using members = member_list<&point::x_, &point::y_>;
    static constexpr rename renames[] = {{"x_", "x"}, {"y_", "y"}};
};
template <>
struct sluice::reflect::meta<derived> {
    using members = member_list<&derived::id, &derived::extra>;
};
template <>
struct sluice::reflect::meta<subset> {
    using members = member_list<&subset::b, &subset::a>;
};

// Counts.
static_assert(r::field_count<empty> == 0);
static_assert(r::field_count<one> == 1);
static_assert(r::field_count<inner> == 2);
static_assert(r::field_count<nested> == 3);
static_assert(r::field_count<deep> == 3);
static_assert(r::field_count<mixed> == 12);
static_assert(r::field_count<defaults> == 3);
static_assert(r::field_count<with_const> == 2);
static_assert(r::field_count<templated<std::string_view>> == 2);
static_assert(r::field_count<wrap> == 3);
static_assert(r::field_count<big> == 64);
static_assert(r::field_count<const nested> == 3);
static_assert(r::field_count<point> == 2);
static_assert(r::field_count<derived> == 2);
static_assert(r::field_count<subset> == 2);
static_assert(r::field_count<holds_not_literal> == 2);

// Names.
static_assert(r::field_name<one, 0> == "only");
static_assert(r::field_names<holds_not_literal> == std::array<std::string_view, 2>{"a", "b"});
static_assert(r::detail::literal_fake<nested>);
static_assert(r::field_names<nested> == std::array<std::string_view, 3>{"first", "middle", "last"});
static_assert(r::field_names<deep> == std::array<std::string_view, 3>{"n", "maybe", "many"});
static_assert(r::field_names<mixed> == std::array<std::string_view, 12>{"flag", "i8", "u64", "d", "f", "s", "sv", "opt",
                                                                        "vec", "arr", "nothing", "in"});
static_assert(r::field_names<templated<int>> == std::array<std::string_view, 2>{"id", "ids"});
static_assert(r::field_names<underscores> ==
              std::array<std::string_view, 4>{"_leading", "trailing_", "mid_dle2", "CamelCase"});
static_assert(r::field_name<big, 0> == "a0");
static_assert(r::field_name<big, 63> == "last");
static_assert(r::field_name<payload, 0> == "op");
static_assert(r::field_name<payload, 1> == "d");
static_assert(r::member_name<payload, 1> == "data");
static_assert(r::field_names<point> == std::array<std::string_view, 2>{"x", "y"});
static_assert(r::member_name<point, 0> == "x_");
static_assert(r::field_names<derived> == std::array<std::string_view, 2>{"id", "extra"});
static_assert(r::field_names<subset> == std::array<std::string_view, 2>{"b", "a"});
static_assert(r::field_names<empty>.empty());

// Types.
static_assert(std::is_same_v<r::field_type<mixed, 7>, std::optional<int>>);
static_assert(std::is_same_v<r::field_type<deep, 2>, std::vector<nested>>);
static_assert(std::is_same_v<r::field_type<point, 1>, int>);
static_assert(std::is_same_v<decltype(r::get<0>(std::declval<const one&>())), const int&>);

// Concept.
static_assert(r::reflectable<nested>);
static_assert(r::reflectable<point>);
static_assert(!r::reflectable<int>);
static_assert(!r::reflectable<std::string>);

// Usable in constant expressions.
// (wrap, not nested: Clang 16 cannot build libstdc++ 12's std::string at compile time)
static_assert([] {
    wrap w{};
    r::get<1>(w).only = 5;
    r::get<0>(r::get<2>(w)[1]) = 6;
    return w.b.only == 5 && w.c[1].only == 6;
}());

TEST_CASE("reflect: get reads and writes fields by index") {
    mixed m{};
    r::get<0>(m) = true;
    r::get<2>(m) = 42u;
    r::get<5>(m) = "text";
    r::get<7>(m) = 3;
    r::get<11>(m).b = "inner";
    CHECK(m.flag);
    CHECK(m.u64 == 42u);
    CHECK(m.s == "text");
    CHECK(m.opt == 3);
    CHECK(m.in.b == "inner");

    const mixed& c = m;
    CHECK(r::get<5>(c) == "text");
}

TEST_CASE("reflect: visit_fields sees every field in order") {
    defaults d;
    int count = 0;
    r::visit_fields(d, [&](auto&... f) { count = sizeof...(f); });
    CHECK(count == 3);
    r::visit_fields(d, [](int& x, std::string& name, std::optional<bool>& b) {
        CHECK(x == 7);
        CHECK(name == "n");
        CHECK(b == true);
        x = 8;
    });
    CHECK(d.x == 8);

    big b{};
    r::visit_fields(b, [](auto&... f) {
        int i = 0;
        ((f = i++), ...);
    });
    CHECK(b.a0 == 0);
    CHECK(b.last == 63);
}

TEST_CASE("reflect: member lists reach private and base members") {
    point p(3, 4);
    CHECK(r::get<0>(p) == 3);
    r::get<1>(p) = 9;
    CHECK(p.y() == 9);

    derived d{};
    r::get<0>(d) = 1;
    r::get<1>(d) = 2;
    CHECK(d.id == 1);
    CHECK(d.extra == 2);

    subset s{1, 2, 3};
    CHECK(r::get<0>(s) == 3);
    CHECK(r::get<1>(s) == 1);
}

TEST_CASE("reflect: names of a function-local type") {
    struct local { int alpha; double beta; };
    CHECK(r::field_count<local> == 2);
    CHECK(r::field_name<local, 0> == "alpha");
    CHECK(r::field_name<local, 1> == "beta");
    struct with_strings { std::string text; std::vector<std::string> list; std::optional<int> maybe; };
    CHECK(r::field_names<with_strings> == std::array<std::string_view, 3>{"text", "list", "maybe"});
}
