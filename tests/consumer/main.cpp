// Consumes sluice as an embedder would and checks one thing from each layer it includes.
#include <sluice/sluice.hpp>

#include <cstdio>

int main() {
    sluice::monotonic_clamp clamp;
    const auto t = clamp(sluice::instant::from_ns(5));
    const bool ok = clamp(sluice::instant::from_ns(1)) == t;
    std::puts(ok ? "consumer ok" : "consumer FAILED");
    return ok ? 0 : 1;
}
