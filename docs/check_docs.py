#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 The p2pnoise authors
"""Builds the reference documentation and fails on any flaw in it.

  check_docs.py --doxygen BIN --doxyfile FILE --out DIR
                [--expect NAME,...]

1. Doxygen with FILE writes the HTML into DIR/html; every warning it gives
   (an undocumented function, type, field or macro, a @param that names no
   parameter...) is a flaw.
2. Doxygen again with EXTRACT_ALL=YES and XML output lists every public
   item, documented or not; each must have a description. This catches what
   Doxygen 1.9.4 does not warn about: undocumented enumerators, and every
   member of a header that lacks its @file block.

--expect turns the run into a canary: it passes only if the check fails and
every NAME appears among the flaws, which proves the check can fail."""
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

from doc_checks import options, verdict


def doxygen(binary, config_text, cwd):
    """Runs doxygen on a configuration given as text; returns its status."""
    r = subprocess.run([binary, "-"], input=config_text.encode(), cwd=cwd,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if r.returncode != 0 and r.stdout:
        sys.stdout.write(r.stdout.decode(errors="replace"))
    return r.returncode


def warnings(log):
    """(file, text) for each warning of the log; continuation lines (such as
    the list of undocumented parameters) join their warning."""
    out = []
    if not os.path.exists(log):
        return out
    with open(log, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            m = re.match(r"^(/[^:]+|[^ :][^:]*):(\d+): (.*)$", line)
            if m:
                out.append([m.group(1), f"{m.group(1)}:{m.group(2)}: {m.group(3)}"])
            elif out and line.strip():
                out[-1][1] += " " + line.strip()
    return [tuple(w) for w in out]


def described(node):
    text = ""
    for tag in ("briefdescription", "detaileddescription"):
        d = node.find(tag)
        if d is not None:
            text += "".join(d.itertext())
    return text.strip() != ""


def undocumented(xml_dir):
    """(file, text) for each public item without a description."""
    out = []
    index = ET.parse(os.path.join(xml_dir, "index.xml")).getroot()
    for comp in index.findall("compound"):
        kind = comp.get("kind")
        if kind not in ("file", "struct", "union"):
            continue
        root = ET.parse(os.path.join(xml_dir, comp.get("refid") + ".xml")).getroot()
        for cdef in root.findall("compounddef"):
            name = cdef.findtext("compoundname")
            loc = cdef.find("location")
            where = loc.get("file") if loc is not None else name
            if not described(cdef):
                what = "has no @file block" if kind == "file" else "is not documented"
                out.append((where, f"{where}: {kind} {name} {what}"))
            for m in cdef.iter("memberdef"):
                mname = m.findtext("name")
                mloc = m.find("location")
                mfile = mloc.get("file") if mloc is not None else where
                line = mloc.get("line") if mloc is not None else "?"
                if not described(m):
                    out.append((mfile, f"{mfile}:{line}: {m.get('kind')} {mname} "
                                       f"(in {name}) is not documented"))
                for v in m.findall("enumvalue"):
                    if not described(v):
                        out.append((mfile, f"{mfile}:{line}: enumerator "
                                           f"{v.findtext('name')} (in {name}) "
                                           "is not documented"))
    return out


def main():
    a = options(["--doxygen", "--doxyfile", "--out"], [("--expect", "")])
    expect = [e for e in a.expect.split(",") if e]

    with open(a.doxyfile) as f:
        config = f.read()
    os.makedirs(a.out, exist_ok=True)
    log = os.path.join(a.out, "warnings.log")
    if os.path.exists(log):
        os.remove(log)
    cwd = os.path.dirname(os.path.abspath(a.doxyfile))
    rc_html = doxygen(a.doxygen, config + f"\nOUTPUT_DIRECTORY = {a.out}\n"
                      f"WARN_LOGFILE = {log}\n", cwd)
    flaws = warnings(log)

    xml_out = os.path.join(a.out, "completeness")
    extra = (f"\nEXTRACT_ALL = YES\nGENERATE_HTML = NO\nGENERATE_XML = YES\n"
             f"OUTPUT_DIRECTORY = {xml_out}\nWARN_LOGFILE = {xml_out}.log\n"
             f"WARN_AS_ERROR = NO\n")
    os.makedirs(xml_out, exist_ok=True)
    rc_xml = doxygen(a.doxygen, config + extra, cwd)
    if rc_xml != 0:
        print("check_docs: the completeness run of doxygen failed")
        return 1
    flaws += undocumented(os.path.join(xml_out, "xml"))
    if rc_html != 0 and not flaws:
        flaws.append(("?", f"doxygen exited with {rc_html} (see {log})"))

    # One line per flaw, the same flaw once.
    seen, fatal = set(), []
    for _, text in flaws:
        if text in seen:
            continue
        seen.add(text)
        fatal.append(text)

    if expect:
        text = "\n".join(fatal)
        missing = [e for e in expect if e not in text]
        if fatal and not missing:
            print(f"check_docs canary: the check failed as it must "
                  f"({len(fatal)} flaws, every expected one among them)")
            return 0
        print("check_docs canary: the check did not catch: "
              + (", ".join(missing) if missing else "anything"))
        for t in fatal:
            print("  " + t)
        return 1

    return verdict(fatal, "check_docs: reference documentation complete: "
                   + os.path.join(a.out, "html", "index.html"),
                   summary=f"check_docs: {len(fatal)} flaws in the reference "
                           "documentation")


if __name__ == "__main__":
    sys.exit(main())
