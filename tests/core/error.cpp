#include <sluice/core/error.hpp>

#include "support/support.hpp"

namespace {
enum class demo_errc { first = 1, second };
inline constexpr sluice::detail::code_entry<demo_errc> demo_table[] = {
    {demo_errc::first, "first thing went wrong", sluice::condition::protocol_violation},
    {demo_errc::second, "second thing went wrong", sluice::condition::limit_exceeded},
};
const std::error_category& demo_category() {
    static const sluice::detail::table_category<demo_errc, demo_table> cat("sluice.demo");
    return cat;
}
} // namespace

TEST_CASE("table_category: messages, names and coarse conditions") {
    const std::error_code a(1, demo_category()), b(2, demo_category()), c(99, demo_category());
    CHECK(std::string(demo_category().name()) == "sluice.demo");
    CHECK(a.message() == "first thing went wrong");
    CHECK(a == sluice::condition::protocol_violation);
    CHECK(a != sluice::condition::limit_exceeded);
    CHECK(b == sluice::condition::limit_exceeded);
    CHECK(c.message() == "unknown error");
    CHECK(c != sluice::condition::protocol_violation);
    CHECK(sluice::make_error_condition(sluice::condition::timeout).message() == "timed out");
    CHECK(std::string(sluice::condition_category().name()) == "sluice");
}
