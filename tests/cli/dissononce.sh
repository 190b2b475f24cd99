#!/bin/sh
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 The p2pnoise authors
# Runs an interop script of this folder with a Python that can import
# dissononce (the Debian package installs it for the system interpreter,
# which may not be the python3 first on PATH). Exit 77 (skip) when there is
# none.
#   dissononce.sh SCRIPT ARGS...   (SCRIPT: interop.py, sio_interop.py)
script=$1
shift
for py in /usr/bin/python3 python3; do
  if "$py" -c 'import dissononce' 2>/dev/null; then
    exec "$py" "$(dirname "$0")/$script" "$@"
  fi
done
echo "skip: no python3 with dissononce (apt-get install python3-dissononce)"
exit 77
