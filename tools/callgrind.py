#!/usr/bin/env python3
"""Instructions per operation of each hot path, under valgrind's callgrind.

    tools/callgrind.py [--build build/bench] [--n 2000] [--markdown] [PATH...]

Runs benchmarks/callgrind's ir_hot_paths (built in the bench tree) for each
hot path twice, with N and 2N operations, and prints
(Ir(2N) - Ir(N)) / N: the instructions one operation costs, setup excluded.
Instruction counts do not depend on the machine's load, so a regression shows
as a number even where timings are noise. Needs valgrind (./run installs it).
"""
import argparse, os, re, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def total_ir(exe, path, n, env):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        r = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", exe, path, str(n)],
                           capture_output=True, text=True, env=env)
        if r.returncode != 0:
            sys.exit(f"callgrind: {path} {n} failed:\n{r.stderr[-2000:]}")
        for line in open(out):
            m = re.match(r"(?:summary|totals):\s+(\d+)", line)
            if m:
                return int(m.group(1))
    sys.exit(f"callgrind: no totals for {path}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("paths", nargs="*", help="hot paths (default: all, see ir_hot_paths --list)")
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "bench"), help="the bench tree")
    ap.add_argument("--n", type=int, default=2000, help="operations of the shorter run")
    ap.add_argument("--markdown", action="store_true")
    a = ap.parse_args()
    exe = os.path.join(a.build, "benchmarks", "callgrind", "ir_hot_paths")
    if not os.access(exe, os.X_OK):
        sys.exit(f"callgrind: {exe} not built (ninja -C {a.build} benchmarks/callgrind/ir_hot_paths)")
    env = dict(os.environ)
    env.setdefault("SLUICE_VECTORS", os.path.join(ROOT, "..", "shared", "vectors"))
    paths = a.paths or subprocess.run([exe, "--list"], capture_output=True, text=True, check=True).stdout.split()
    rows = []
    for p in paths:
        one, two = total_ir(exe, p, a.n, env), total_ir(exe, p, 2 * a.n, env)
        rows.append((p, (two - one) / a.n))
        if not a.markdown:
            print(f"  {p:<36} {rows[-1][1]:>10.0f} Ir/op", flush=True)
    if a.markdown:
        print("| hot path (ir_hot_paths) | instructions per operation |\n|---|---:|")
        for p, ir in rows:
            print(f"| {p} | {ir:.0f} |")


if __name__ == "__main__":
    main()
