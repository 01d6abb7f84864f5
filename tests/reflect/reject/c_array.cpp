// expect: has a C array member
#include <sluice/reflect/fields.hpp>
struct T { int x; int arr[3]; };
constexpr auto n = sluice::reflect::field_count<T>;
