#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "support.hpp"

#include <algorithm>
#include <cstdlib>
#include <dirent.h>
#include <fstream>
#include <new>
#include <sstream>

// Replacing the global allocation functions lets a test count every
// allocation its code makes, including those inside the standard library.
namespace {
thread_local std::uint64_t g_allocations = 0;

void* counted_alloc(std::size_t n) {
    ++g_allocations;
    if (n == 0) n = 1;
    if (void* p = std::malloc(n)) return p;
#if defined(__cpp_exceptions)
    throw std::bad_alloc();
#else
    std::abort();
#endif
}

void* counted_alloc_aligned(std::size_t n, std::align_val_t al) {
    ++g_allocations;
    std::size_t a = static_cast<std::size_t>(al);
    if (n == 0) n = 1;
    n = (n + a - 1) / a * a;
    if (void* p = std::aligned_alloc(a, n)) return p;
#if defined(__cpp_exceptions)
    throw std::bad_alloc();
#else
    std::abort();
#endif
}
} // namespace

void* operator new(std::size_t n) { return counted_alloc(n); }
void* operator new[](std::size_t n) { return counted_alloc(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { ++g_allocations; return std::malloc(n ? n : 1); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { ++g_allocations; return std::malloc(n ? n : 1); }
void* operator new(std::size_t n, std::align_val_t a) { return counted_alloc_aligned(n, a); }
void* operator new[](std::size_t n, std::align_val_t a) { return counted_alloc_aligned(n, a); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

namespace sluice_test {

std::uint64_t allocation_count() noexcept { return g_allocations; }

std::string vectors_dir() {
    if (const char* env = std::getenv("SLUICE_VECTORS"); env && *env) return env;
    return SLUICE_VECTORS_DIR;
}

std::string read_file(const std::string& path, bool* ok) {
    std::ifstream in(path, std::ios::binary);
    if (ok) *ok = static_cast<bool>(in);
    if (!in) return {};
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string read_vector(std::string_view rel) {
    bool ok = false;
    std::string path = vectors_dir() + "/" + std::string(rel);
    std::string s = read_file(path, &ok);
    if (!ok) FAIL("missing test vector " << path);
    return s;
}

std::vector<std::string> list_dir(const std::string& path) {
    std::vector<std::string> out;
    if (DIR* d = opendir(path.c_str())) {
        while (dirent* e = readdir(d))
            if (e->d_name[0] != '.') out.emplace_back(e->d_name);
        closedir(d);
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::string_view> random_split(std::string_view input, test_rng& rng, std::size_t cuts) {
    std::vector<std::size_t> at;
    for (std::size_t i = 0; i < cuts; ++i) at.push_back(rng.below(input.size() + 1));
    std::sort(at.begin(), at.end());
    std::vector<std::string_view> out;
    std::size_t prev = 0;
    for (std::size_t a : at) {
        out.push_back(input.substr(prev, a - prev));
        prev = a;
    }
    out.push_back(input.substr(prev));
    return out;
}

} // namespace sluice_test
