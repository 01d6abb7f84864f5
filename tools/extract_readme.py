#!/usr/bin/env python3
"""Write the first ```cpp block of README (argv[1]) to argv[2], so a test compiles it."""
import re, sys

text = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r"```cpp\n(.*?)```", text, re.S)
if not m:
    sys.exit("README has no ```cpp block")
open(sys.argv[2], "w", encoding="utf-8").write("// Extracted from README.md by tools/extract_readme.py.\n" + m.group(1))
