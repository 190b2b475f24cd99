#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 The p2pnoise authors
"""Checks the p2pnoise(1) manual page against the program.

  check_man.py --page docs/p2pnoise.1 --cli BIN --cli-h io/cli/cli.h
               --version X.Y.Z

1. It renders without a warning: groff -man -Tutf8 -ww -z, and man(1) as
   Debian's man-db runs it (MANWIDTH=80 man --warnings -E UTF-8 -l); any
   output on standard error fails.
2. Its .TH names this version.
3. Every command of `p2pnoise --help` has its own subsection under
   COMMANDS, and no other subsection is there.
4. Every option any `p2pnoise [COMMAND] --help` prints is in the page.
5. The EXIT STATUS list has exactly the codes of cli.h's CLI_* enum.
Exits 77 (skipped) when neither groff nor man is installed."""
import os
import re
import shutil
import subprocess
import sys

# The verdict and command line it shares with docs/check_docs.py.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "docs"))
from doc_checks import options, verdict


def run(cmd, env=None):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=env)
    return r.returncode, r.stdout.decode(errors="replace"), \
        r.stderr.decode(errors="replace")


def sections(src):
    """{".SH name": [lines]} of the page's source."""
    out, cur = {}, None
    for line in src.splitlines():
        m = re.match(r'^\.SH\s+"?([^"]*)"?\s*$', line)
        if m:
            cur = m.group(1)
            out[cur] = []
        elif cur:
            out[cur].append(line)
    return out


def main():
    a = options(["--page", "--cli", "--cli-h", "--version"])
    flaws = []
    with open(a.page) as f:
        src = f.read()

    # 1. Rendering.
    groff, man = shutil.which("groff"), shutil.which("man")
    if not groff and not man:
        print("check_man: neither groff nor man installed: skipped")
        return 77
    renders = []
    if groff:
        renders.append(([groff, "-man", "-Tutf8", "-ww", "-z", a.page], None))
    if man:
        env = dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8")
        renders.append(([man, "--warnings", "-E", "UTF-8", "-l", a.page], env))
    for cmd, env in renders:
        rc, out, err = run(cmd, env)
        if rc != 0 or err.strip():
            flaws.append(f"{' '.join(cmd)}: exit {rc}: {err.strip()}")
        elif cmd[0] == man and "EXIT STATUS" not in out:
            flaws.append(f"{' '.join(cmd)}: no EXIT STATUS in the output")

    # 2. Version.
    m = re.search(r'^\.TH\s+P2PNOISE\s+1\s+\S+\s+"p2pnoise ([^"]+)"', src, re.M)
    if not m or m.group(1) != a.version:
        flaws.append(f".TH: version {m.group(1) if m else '?'}, "
                     f"the project is {a.version}")

    # 3. Commands.
    rc, usage, _ = run([a.cli, "--help"])
    cmds = re.findall(r"^  ([a-z]+) ", usage, re.M)
    if rc != 0 or not cmds:
        flaws.append(f"{a.cli} --help: exit {rc}, no commands found")
    sec = sections(src)
    documented = [re.sub(r'^\.SS\s+"?|"?\s*$', "", l)
                  for l in sec.get("COMMANDS", []) if l.startswith(".SS")]
    for c in cmds:
        if c not in documented:
            flaws.append(f"command {c}: no .SS {c} under COMMANDS")
    for c in documented:
        if c not in cmds:
            flaws.append(f".SS {c}: not a command of {a.cli} --help")

    # 4. Options, as the source writes them (\- for each hyphen).
    helps = [usage]
    for c in cmds:
        rc, out, _ = run([a.cli, c, "--help"])
        if rc != 0:
            flaws.append(f"{a.cli} {c} --help: exit {rc}")
        helps.append(out)
    opts = set()
    for h in helps:
        opts.update(re.findall(r"(?:^|[\s,\[])(--?[a-z][a-z0-9-]*)", h))
    for o in sorted(opts):
        if o.replace("-", "\\-") not in src:
            flaws.append(f"option {o}: not in the page")

    # 5. Exit codes.
    with open(a.cli_h) as f:
        codes = sorted({int(x) for x in
                        re.findall(r"\bCLI_[A-Z]+\s*=\s*(\d+)", f.read())})
    listed, lines = [], sec.get("EXIT STATUS", [])
    for i, l in enumerate(lines[:-1]):
        if l == ".TP" and re.match(r"^\.B \d+$", lines[i + 1]):
            listed.append(int(lines[i + 1].split()[1]))
    if not codes or sorted(listed) != codes:
        flaws.append(f"EXIT STATUS lists {sorted(listed)}, cli.h has {codes}")

    return verdict(flaws, f"check_man: {a.page} renders cleanly; "
                   f"{len(cmds)} commands, {len(opts)} options and exit codes "
                   f"{codes} all documented", prefix="check_man: ")


if __name__ == "__main__":
    sys.exit(main())
