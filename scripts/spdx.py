#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 The p2pnoise authors
"""Checks (or with --fix, adds) the SPDX licence and copyright lines at the
top of every source file of the project.

  scripts/spdx.py [--fix] [ROOT]

Source files: C sources and headers, CMake files, shell, Python, manual
pages (roff, *.1) and the scripts without an extension that start with a
shebang. Fuzz corpora, regressions and dictionaries are data, not source."""
import os
import sys

LICENSE = "SPDX-License-Identifier: MIT"
COPYRIGHT = "SPDX-FileCopyrightText: 2026 The p2pnoise authors"
SKIP_DIRS = {".git", "corpus", "regressions", "dict", "out"}


def kind(path):
    name = os.path.basename(path)
    if name.endswith((".c", ".h")):
        return "c"
    if name == "CMakeLists.txt" or name.endswith((".cmake", ".cmake.in")):
        return "hash"
    if name.endswith((".sh", ".py", ".pc.in")):
        return "hash"
    if name.endswith(".1"):
        return "roff"
    if "." not in name:
        try:
            with open(path, "rb") as f:
                if f.read(2) == b"#!":
                    return "hash"
        except OSError:
            pass
    return None


def sources(root):
    for d, dirs, files in os.walk(root):
        dirs[:] = [x for x in dirs if x not in SKIP_DIRS and not x.startswith("build")]
        for f in sorted(files):
            p = os.path.join(d, f)
            k = kind(p)
            if k:
                yield p, k


def fix(path, k):
    with open(path) as f:
        lines = f.read().split("\n")
    if k == "c":
        head = ["/* " + LICENSE, " * " + COPYRIGHT + " */"]
        at = 0
    elif k == "roff":
        head = ['.\\" ' + LICENSE, '.\\" ' + COPYRIGHT]
        at = 0
    else:
        head = ["# " + LICENSE, "# " + COPYRIGHT]
        at = 1 if lines and lines[0].startswith("#!") else 0
    lines[at:at] = head
    with open(path, "w") as f:
        f.write("\n".join(lines))


def main():
    args = [a for a in sys.argv[1:] if a != "--fix"]
    root = args[0] if args else os.path.join(os.path.dirname(__file__), "..")
    missing = []
    n = 0
    for p, k in sources(root):
        n += 1
        with open(p, errors="replace") as f:
            top = f.read(400)
        if LICENSE not in top or COPYRIGHT not in top:
            missing.append((p, k))
    if "--fix" in sys.argv:
        for p, k in missing:
            fix(p, k)
        print(f"spdx: added to {len(missing)} of {n} files")
        return 0
    for p, _ in missing:
        print(f"spdx: no licence lines in {os.path.relpath(p, root)}")
    print(f"spdx: {n - len(missing)} of {n} source files carry the licence lines")
    return 1 if missing or n == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
