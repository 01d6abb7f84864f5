// expect: is not an aggregate
#include <sluice/reflect/fields.hpp>
class T { int x = 0; public: int get() const { return x; } };
constexpr auto n = sluice::reflect::field_count<T>;
