#pragma once
// A random integer-shaped text for the integer readers' randomized tests
// (tests/json/read.cpp, tests/json/fast_paths.cpp): an optional minus, 1 to 8
// digits (sometimes 0 to 23), sometimes a digit replaced by another byte
// (a fraction, exponent, separator, NUL, non-ASCII, '0'), sometimes one such
// byte after, then either a short tail or one that reaches past the 20-byte
// window the fast paths need. Empty when nothing came out.
#include <cstddef>
#include <string>

#include "support/support.hpp"

namespace json_test {

inline void random_integer_text(sluice_test::test_rng& rng, std::string& text) {
    static constexpr char others[] = {'.', 'e', 'E', '-', '+', ',', '}', ']', ' ', '"', 'x', '/', ':', '\0', '\xb0', '0'};
    text.clear();
    if (rng.below(4) == 0) text.push_back('-');
    const std::size_t digits = rng.below(5) == 0 ? rng.below(24) : 1 + rng.below(8);
    for (std::size_t k = 0; k < digits; ++k) text.push_back(static_cast<char>('0' + rng.below(10)));
    if (rng.below(4) == 0 && !text.empty()) text[rng.below(text.size())] = others[rng.below(sizeof others)];
    if (rng.below(2) == 0) text.push_back(others[rng.below(sizeof others)]);
    const std::size_t tail = rng.below(2) == 0 ? rng.below(4) : 18 + rng.below(10);
    for (std::size_t k = 0; k < tail; ++k) text.push_back(rng.below(2) ? ',' : static_cast<char>('0' + rng.below(10)));
}

} // namespace json_test
