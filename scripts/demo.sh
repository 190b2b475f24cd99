#!/bin/sh
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 The p2pnoise authors
# Set-up, build and run the demo. From a fresh clone:
#   ./scripts/demo.sh
set -eu
cd "$(dirname "$0")/.."
"$(pwd)/scripts/install-deps.sh"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target p2pnoise_cli >/dev/null
exec ./build/bin/p2pnoise demo "$@"
