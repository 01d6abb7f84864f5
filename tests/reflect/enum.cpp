// Reflection of enums: the name table in meta<E>.
#include <doctest/doctest.h>

#include <sluice/reflect/enum.hpp>

namespace {
enum class color { red, green, blue = 10 };
enum class plain { a, b };
} // namespace

template <>
struct sluice::reflect::meta<color> {
    static constexpr enumerator<color> enumerators[] = {{color::red, "red"}, {color::green, "green"}, {color::blue, "blue"}};
};

static_assert(sluice::reflect::named_enum<color>);
static_assert(!sluice::reflect::named_enum<plain>);
static_assert(sluice::reflect::enum_name(color::blue) == "blue");

TEST_CASE("reflect: enum names both ways") {
    using namespace sluice::reflect;
    CHECK(enum_name(color::red) == "red");
    CHECK(enum_name(static_cast<color>(3)).empty());
    color c = color::red;
    CHECK(enum_from_name("green", c));
    CHECK(c == color::green);
    CHECK_FALSE(enum_from_name("Green", c));
    CHECK_FALSE(enum_from_name("", c));
    CHECK(c == color::green);
}
