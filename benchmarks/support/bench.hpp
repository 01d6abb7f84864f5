#pragma once
// benchmarks/support/bench.hpp: helpers shared by the protocol and memory
// benchmarks (not part of the library).
//  - heap_window: counts the heap (malloc_usable_size of every operator new
//    minus every operator delete) while it is open, through the global
//    operators of support/heap.cpp, which each benchmark here links; so an
//    idle session's heap is measured by the allocator, without help from the
//    machine under test;
//  - heap_in_use(): malloc's own bytes in use (glibc mallinfo2; counts
//    tcache-cached chunks as in use, so only for large deltas);
//  - rss_bytes(): the process's resident set (/proc/self/statm);
//  - idle_counters(): the counters every *_idle_session benchmark reports
//    (sizeof, heap_bytes, total), read by tools/bench_table.py;
//  - and, through support/fixture.hpp, load_vector(), bump_digits() and the
//    other inputs every benchmark builds the same way.
//
// Includes: <benchmark/benchmark.h> for the counters; <malloc.h> for
// mallinfo2; <cstdio> for /proc; <cstddef> for sizes; support/fixture.hpp
// for the shared inputs.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include "support/fixture.hpp"

#include <cstddef>
#include <cstdio>

namespace sluice_bench {

extern bool heap_counting;      // support/heap.cpp
extern long long heap_balance; // support/heap.cpp

/// Opens a counting window; bytes() is the heap allocated since and still held.
class heap_window {
public:
    heap_window() noexcept {
        heap_balance = 0;
        heap_counting = true;
    }
    ~heap_window() { heap_counting = false; }
    heap_window(const heap_window&) = delete;
    heap_window& operator=(const heap_window&) = delete;
    std::size_t bytes() const noexcept { return heap_balance > 0 ? static_cast<std::size_t>(heap_balance) : 0; }
};

inline std::size_t heap_in_use() noexcept { return mallinfo2().uordblks; }

inline std::size_t rss_bytes() noexcept {
    std::FILE* f = std::fopen("/proc/self/statm", "r");
    if (f == nullptr) return 0;
    unsigned long size = 0, resident = 0;
    const int n = std::fscanf(f, "%lu %lu", &size, &resident);
    std::fclose(f);
    return n == 2 ? static_cast<std::size_t>(resident) * 4096u : 0;
}

inline void idle_counters(benchmark::State& state, std::size_t size, std::size_t heap) {
    state.counters["sizeof"] = static_cast<double>(size);
    state.counters["heap_bytes"] = static_cast<double>(heap);
    state.counters["total"] = static_cast<double>(size + heap);
}

/// Measures the heap held by the object `make()` returns (a unique_ptr to a
/// connected, idle session, built inside the window): the window's bytes
/// minus the object's own block.
template <class Make>
void idle_session(benchmark::State& state, std::size_t size, Make&& make) {
    std::size_t heap = 0;
    for (auto _ : state) {
        heap_window w;
        auto c = make();
        const std::size_t own = malloc_usable_size(c.get());
        heap = w.bytes() > own ? w.bytes() - own : 0;
        benchmark::DoNotOptimize(c);
    }
    idle_counters(state, size, heap);
}

} // namespace sluice_bench
