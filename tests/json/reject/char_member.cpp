// expect: a char is ambiguous
#include <sluice/json/read.hpp>
struct T { char c; };
void f(T& t) { static_cast<void>(sluice::json::read(t, "{}")); }
