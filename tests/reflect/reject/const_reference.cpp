// expect: is a reference or is not default-constructible
#include <sluice/reflect/fields.hpp>
struct T { int x; const int& r; };
constexpr auto n = sluice::reflect::field_count<T>;
