#!/usr/bin/env python3
"""if_cpu_has.py FLAG PROGRAM [ARGS...]: run PROGRAM when /proc/cpuinfo lists
FLAG (e.g. avx2), else report the test as skipped (exit code 77)."""
import os, sys

flag, program = sys.argv[1], sys.argv[2:]
try:
    flags = open("/proc/cpuinfo").read().split()
except OSError:
    flags = []
if flag not in flags:
    print(f"CPU without {flag}: skipped")
    sys.exit(77)
os.execv(program[0], program)
