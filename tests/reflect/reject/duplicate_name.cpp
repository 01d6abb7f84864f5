// expect: two fields of T have the same name
#include <sluice/reflect/fields.hpp>
struct T { int d; int data; };
template <> struct sluice::reflect::meta<T> { static constexpr rename renames[] = {{"data", "d"}}; };
constexpr auto n = sluice::reflect::field_names<T>;
