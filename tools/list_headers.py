#!/usr/bin/env python3
"""Print every public header under INCLUDE_DIR as an include path (sluice/...)."""
import os, sys

root = sys.argv[1]
out = []
for d, _, files in os.walk(os.path.join(root, "sluice")):
    for f in files:
        if f.endswith(".hpp") and "/detail" not in d.replace(os.sep, "/"):
            out.append(os.path.relpath(os.path.join(d, f), root).replace(os.sep, "/"))
print("\n".join(sorted(out)))
