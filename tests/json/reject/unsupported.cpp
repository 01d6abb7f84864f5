// expect: unsupported type
#include <sluice/json/read.hpp>
#include <map>
struct T { std::map<int, int> m; };
void f(T& t) { static_cast<void>(sluice::json::read(t, "{}")); }
