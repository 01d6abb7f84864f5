// expect: a union cannot be reflected
#include <sluice/reflect/fields.hpp>
union T { int a; float b; };
constexpr auto n = sluice::reflect::field_count<T>;
