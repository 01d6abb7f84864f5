// expect: has a base class
#include <sluice/reflect/fields.hpp>
struct B { int q; };
struct T : B { int x; };
constexpr auto n = sluice::reflect::field_count<T>;
