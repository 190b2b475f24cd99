#!/bin/sh
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 The p2pnoise authors
# Runs sio_interop.py with a Python that can import dissononce (see
# interop.sh). Exit 77 (skip) when there is none.
for py in /usr/bin/python3 python3; do
  if "$py" -c 'import dissononce' 2>/dev/null; then
    exec "$py" "$(dirname "$0")/sio_interop.py" "$@"
  fi
done
echo "skip: no python3 with dissononce (apt-get install python3-dissononce)"
exit 77
