// expect: has a reference member
#include <sluice/reflect/fields.hpp>
struct T { int& r; int x; };
constexpr auto n = sluice::reflect::field_count<T>;
