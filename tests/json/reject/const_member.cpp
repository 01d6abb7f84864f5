// expect: cannot read into a const member
#include <sluice/json/read.hpp>
struct T { const int c; };
void f(T& t) { static_cast<void>(sluice::json::read(t, "{}")); }
