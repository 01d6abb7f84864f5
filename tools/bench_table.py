#!/usr/bin/env python3
"""Print Google Benchmark JSON as comparison tables.

Benchmarks are named FAMILY/IMPL (e.g. json_read_string/sluice,
json_read_string/simdjson). Each family becomes a table with throughput and
the ratio of sluice to every other implementation in the same run.
"""
import json, sys
from collections import OrderedDict

data = json.load(open(sys.argv[1]))
families = OrderedDict()
for b in data["benchmarks"]:
    if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
        continue
    name = b.get("run_name", b["name"])
    fam, _, impl = name.rpartition("/")
    if not fam:
        fam, impl = name, "sluice"
    families.setdefault(fam, OrderedDict())[impl] = b

def rate(b):
    if "bytes_per_second" in b:
        return b["bytes_per_second"], "MB/s", 1e6
    if "items_per_second" in b:
        return b["items_per_second"], "k items/s", 1e3
    t = b["real_time"]
    return 1.0 / t if t else 0.0, "1/time", 1.0

for fam, impls in families.items():
    base = next((b for i, b in impls.items() if i.startswith("sluice")), None)
    print(f"\n{fam}")
    print(f"  {'implementation':<28} {'throughput':>16}  {'sluice is':>12}")
    for impl, b in impls.items():
        r, unit, scale = rate(b)
        ratio = ""
        if base is not None and r > 0:
            ratio = f"{rate(base)[0] / r:.2f}x"
        print(f"  {impl:<28} {r / scale:>12.1f} {unit:<5} {ratio:>10}")
