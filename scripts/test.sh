#!/bin/sh
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 The p2pnoise authors
# Set-up, build and run every test through ctest. From a fresh clone:
#   ./scripts/test.sh
# Environment (all optional): CC, BUILD_DIR (default build), BUILD_TYPE,
# PN_SANITIZE (e.g. address,undefined), PN_WERROR (ON/OFF), PN_WITH_OPENSSL,
# PN_VECTORS_DIR (official JSON vectors; default ../shared/vectors if present),
# CTEST_ARGS (extra ctest arguments, e.g. "-L quick").
set -eu
cd "$(dirname "$0")/.."
"$(pwd)/scripts/install-deps.sh"

build=${BUILD_DIR:-build}
vectors=${PN_VECTORS_DIR:-}
if [ -z "$vectors" ] && [ -d ../shared/vectors ]; then
  vectors=$(cd ../shared/vectors && pwd)
fi
cmake -S . -B "$build" \
  ${CC:+-DCMAKE_C_COMPILER="$CC"} \
  -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" \
  -DPN_SANITIZE="${PN_SANITIZE:-}" \
  -DPN_WERROR="${PN_WERROR:-OFF}" \
  -DPN_WITH_OPENSSL="${PN_WITH_OPENSSL:-ON}" \
  -DPN_VECTORS_DIR="$vectors"
cmake --build "$build" -j"$(nproc)"
cd "$build"
# shellcheck disable=SC2086
ctest --output-on-failure -j"$(nproc)" ${CTEST_ARGS:-}
