#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 The p2pnoise authors
"""Keeps the README's "Resource limits" table true to the engine.

  check_readme.py ROOT

For each row: the reason code exists in engine.h, every `field` named in
the bound and time-limit columns is a field of pn_engine_config, and the
status is "enforced" exactly when some engine source (engine/p2p, other
than the reason strings) uses the reason code."""
import glob
import os
import re
import sys


def main():
    root = sys.argv[1]
    with open(os.path.join(root, "README.md")) as f:
        readme = f.read()
    with open(os.path.join(root, "engine/include/p2pnoise/engine.h")) as f:
        header = f.read()
    cfg = re.search(r"typedef struct pn_engine_config \{(.*?)\} pn_engine_config;",
                    header, re.S)
    fields = set(re.findall(r"\b(\w+);", cfg.group(1))) if cfg else set()
    code = ""
    for p in glob.glob(os.path.join(root, "engine/p2p/*.c")):
        if os.path.basename(p) != "reason.c":
            with open(p) as f:
                code += f.read()

    m = re.search(r"^### Resource limits\n(.*?)^###? ", readme, re.S | re.M)
    rows = []
    if m:
        for line in m.group(1).splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) == 5 and cells[3].startswith("`"):
                rows.append(cells)
    flaws = []
    if not rows:
        flaws.append("no table in README.md's \"Resource limits\"")
    for what, bound, limit, reason, status in rows:
        r = reason.strip("`")
        if not re.search(rf"\bPN_REASON_{r}\b", header):
            flaws.append(f"{r}: no PN_REASON_{r} in engine.h")
        for fld in re.findall(r"`([a-z_]+)`", bound + " " + limit):
            if fld not in fields and not fld.startswith("pn_"):
                flaws.append(f"{r}: `{fld}` is not a pn_engine_config field")
        used = re.search(rf"\bPN_REASON_{r}\b", code) is not None
        if status not in ("enforced", "specified, not yet enforced"):
            flaws.append(f"{r}: status '{status}'")
        elif used != (status == "enforced"):
            flaws.append(f"{r}: README says '{status}', but the engine "
                         f"{'emits' if used else 'never emits'} PN_REASON_{r}")
    for f in flaws:
        print("check_readme: " + f)
    if flaws:
        return 1
    print(f"check_readme: {len(rows)} resource limits, each as the engine has it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
