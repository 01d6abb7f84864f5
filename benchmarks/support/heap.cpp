// benchmarks/support/heap.cpp: global operator new/delete that can count the
// heap an object holds (not part of the library).
//
// While a heap_window is open (support/bench.hpp), every allocation adds its
// malloc_usable_size and every deallocation subtracts it, so the window's
// balance is the heap still held by what was built inside it. Outside a
// window the operators cost one predictable branch over malloc/free, the same
// for sluice and the peers. (glibc's mallinfo2 cannot do this: chunks cached
// in the per-thread tcache count as in use, so small deltas read as 0.)
#include <cstddef>
#include <cstdlib>
#include <malloc.h>
#include <new>

namespace sluice_bench {
bool heap_counting = false;
long long heap_balance = 0;
} // namespace sluice_bench

namespace {
void* counted(void* p) {
    if (p == nullptr) std::abort(); // benchmarks: out of memory is fatal
    if (sluice_bench::heap_counting) sluice_bench::heap_balance += static_cast<long long>(malloc_usable_size(p));
    return p;
}
void uncounted(void* p) noexcept {
    if (p != nullptr && sluice_bench::heap_counting) sluice_bench::heap_balance -= static_cast<long long>(malloc_usable_size(p));
    std::free(p);
}
std::size_t at_least_one(std::size_t n) { return n ? n : 1; }
void* aligned(std::size_t n, std::align_val_t a) {
    const auto al = static_cast<std::size_t>(a);
    return std::aligned_alloc(al, (at_least_one(n) + al - 1) / al * al);
}
} // namespace

void* operator new(std::size_t n) { return counted(std::malloc(at_least_one(n))); }
void* operator new[](std::size_t n) { return counted(std::malloc(at_least_one(n))); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counted(std::malloc(at_least_one(n))); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return counted(std::malloc(at_least_one(n))); }
void* operator new(std::size_t n, std::align_val_t a) { return counted(aligned(n, a)); }
void* operator new[](std::size_t n, std::align_val_t a) { return counted(aligned(n, a)); }
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept { return counted(aligned(n, a)); }
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept { return counted(aligned(n, a)); }
void operator delete(void* p) noexcept { uncounted(p); }
void operator delete[](void* p) noexcept { uncounted(p); }
void operator delete(void* p, std::size_t) noexcept { uncounted(p); }
void operator delete[](void* p, std::size_t) noexcept { uncounted(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { uncounted(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { uncounted(p); }
void operator delete(void* p, std::align_val_t) noexcept { uncounted(p); }
void operator delete[](void* p, std::align_val_t) noexcept { uncounted(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { uncounted(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { uncounted(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { uncounted(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { uncounted(p); }
