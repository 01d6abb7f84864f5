#pragma once
// Test support shared by every test executable: allocation counting and test
// vector loading. The counting operator new lives in main.cpp.
#include <doctest/doctest.h>

#include <cstddef>
#include <ostream>  // doctest prints std::error_code through operator<<
#include <system_error>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice_test {

/// Number of calls to global operator new (any form) on this thread so far.
std::uint64_t allocation_count() noexcept;

/// Counts global allocations made on this thread between construction and count().
class allocation_counter {
public:
    allocation_counter() noexcept : start_(allocation_count()) {}
    std::uint64_t count() const noexcept { return allocation_count() - start_; }

private:
    std::uint64_t start_;
};

/// Path of ../shared/vectors (or $SLUICE_VECTORS when set).
std::string vectors_dir();
/// Whole content of a file; empty and `ok == false` when it cannot be read.
std::string read_file(const std::string& path, bool* ok = nullptr);
/// Content of vectors_dir()/rel; fails the current test when missing.
std::string read_vector(std::string_view rel);
/// Names of the regular files in a folder, sorted.
std::vector<std::string> list_dir(const std::string& path);

/// A fast deterministic generator for property tests (splitmix64).
struct test_rng {
    std::uint64_t state;
    std::uint64_t next() noexcept {
        std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    std::size_t below(std::size_t n) noexcept { return n ? static_cast<std::size_t>(next() % n) : 0; }
};

/// Split `input` at up to `cuts` random points; returns the pieces in order.
std::vector<std::string_view> random_split(std::string_view input, test_rng& rng, std::size_t cuts);

} // namespace sluice_test

namespace doctest {
/// Failed checks on error codes print "category: message".
template <>
struct StringMaker<std::error_code> {
    static String convert(const std::error_code& ec) {
        return (std::string(ec.category().name()) + ": " + ec.message()).c_str();
    }
};
} // namespace doctest
