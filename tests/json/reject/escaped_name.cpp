// expect: a field name needs escaping
#include <sluice/json/write.hpp>
struct T { int a; };
template <> struct sluice::reflect::meta<T> { static constexpr rename renames[] = {{"a", "a\"b"}}; };
void f(const T& t, std::string& out) { static_cast<void>(sluice::json::write(t, out)); }
