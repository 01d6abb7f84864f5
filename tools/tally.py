#!/usr/bin/env python3
"""Count passed and failed tests in a Meson testlog.json.

A doctest executable counts its test cases (from its summary line); any other
test (a fuzzer, an interop script) counts as one. A doctest run that crashed
before its summary counts its test as failed. Prints "PASSED FAILED".
"""
import json, re, sys

summary = re.compile(r"\[doctest\] test cases:\s*(\d+)\s*\|\s*(\d+) passed\s*\|\s*(\d+) failed")
passed = failed = 0
try:
    lines = open(sys.argv[1], encoding="utf-8", errors="replace").read().splitlines()
except OSError:
    print("0 1")
    sys.exit(0)
for line in lines:
    if not line.strip():
        continue
    t = json.loads(line)
    ok = t.get("result") in ("OK", "EXPECTEDFAIL")
    if t.get("result") == "SKIP":
        continue
    m = summary.search(t.get("stdout") or "")
    if m:
        p, f = int(m.group(2)), int(m.group(3))
        if not ok and f == 0:
            f = 1  # crashed or leaked after its summary
        passed += p
        failed += f
    else:
        passed += ok
        failed += not ok
print(passed, failed)
