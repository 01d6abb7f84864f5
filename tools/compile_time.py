#!/usr/bin/env python3
"""Seconds to compile a file that includes sluice next to one that includes
nlohmann/json.hpp: same compiler, same flags, same machine, one after the
other, the median of several runs each.

    tools/compile_time.py [--cxx g++-12] [--runs 5] [--out build/compile_time.json]

Each probe is a one-line translation unit (the include and an empty main),
compiled with `CXX -std=c++20 -O2 -c -Iinclude` (the flags of a release
build; override with --flags). The result is written in Google Benchmark's
JSON shape (benchmarks named compile_time/<probe>, real_time in seconds) so
tools/bench_table.py reads it with the benchmark results.
"""
import argparse, json, os, statistics, subprocess, sys, tempfile, time

PROBES = [
    ("sluice", "#include <sluice/sluice.hpp>"),          # every layer and protocol
    ("sluice_json", "#include <sluice/json.hpp>"),       # sluice's JSON alone
    ("nlohmann", "#include <nlohmann/json.hpp>"),
]

def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cxx", default=os.environ.get("CXX", "g++-12"))
    ap.add_argument("--flags", default="-std=c++20 -O2")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--out", default=os.path.join(root, "build", "compile_time.json"))
    a = ap.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, line in PROBES:
            src = os.path.join(tmp, name + ".cpp")
            with open(src, "w") as f:
                f.write(line + "\nint main() { return 0; }\n")
            cmd = [a.cxx] + a.flags.split() + ["-I" + os.path.join(root, "include"), "-c", src, "-o", os.path.join(tmp, name + ".o")]
            times = []
            for _ in range(a.runs):
                t0 = time.perf_counter()
                r = subprocess.run(cmd, capture_output=True, text=True)
                times.append(time.perf_counter() - t0)
                if r.returncode != 0:
                    sys.stderr.write(r.stderr[-2000:])
                    sys.exit(f"compile_time: {name} does not compile")
            med = statistics.median(times)
            results.append({"name": f"compile_time/{name}", "run_name": f"compile_time/{name}", "run_type": "iteration",
                            "real_time": med, "cpu_time": med, "time_unit": "s", "iterations": a.runs,
                            "min_seconds": min(times), "max_seconds": max(times)})
            print(f"  compile_time/{name:<12} median {med:6.2f} s  (min {min(times):.2f}, max {max(times):.2f}, {a.runs} runs)")
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump({"context": {"cxx": a.cxx, "flags": a.flags}, "benchmarks": results}, f, indent=1)

if __name__ == "__main__":
    main()
