// expect: renames names a member T does not have
#include <sluice/reflect/fields.hpp>
struct T { int data; };
template <> struct sluice::reflect::meta<T> { static constexpr rename renames[] = {{"dta", "d"}}; };
constexpr auto n = sluice::reflect::field_names<T>;
