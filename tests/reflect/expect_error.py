#!/usr/bin/env python3
"""expect_error.py INCLUDE_DIR SOURCE CXX [ARGS...]: compile SOURCE, which must
fail, with an error containing the text after `// expect: ` on its first line."""
import subprocess, sys

inc, src, cxx = sys.argv[1], sys.argv[2], sys.argv[3:]
want = open(src).readline().split("expect:", 1)[1].strip()
r = subprocess.run(cxx + ["-std=c++20", "-fsyntax-only", "-I" + inc, src], capture_output=True, text=True)
if r.returncode == 0:
    sys.exit(f"{src}: compiled, but should have failed with: {want}")
if want not in r.stderr:
    sys.exit(f"{src}: failed without the expected message: {want}\n{r.stderr[:3000]}")
print(f"{src}: rejected: {want}")
