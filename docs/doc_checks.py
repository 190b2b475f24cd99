# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 The p2pnoise authors
"""What the documentation checks (docs/check_docs.py, tests/man/check_man.py)
share: a command line of named options, and the verdict on the flaws a check
found."""
import argparse


def options(required, optional=()):
    """Parses the command line: each option of |required| (such as "--page")
    must be given a value; each (option, default) of |optional| may be."""
    ap = argparse.ArgumentParser()
    for name in required:
        ap.add_argument(name, required=True)
    for name, default in optional:
        ap.add_argument(name, default=default)
    return ap.parse_args()


def verdict(flaws, passed, prefix="", summary=None):
    """Prints each flaw after |prefix|, then |summary| if there is one, and
    returns 1 when there is any flaw; otherwise prints |passed| and returns 0."""
    for f in flaws:
        print(prefix + f)
    if flaws:
        if summary:
            print(summary)
        return 1
    print(passed)
    return 0
