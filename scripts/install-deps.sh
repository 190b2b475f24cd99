#!/bin/sh
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 The p2pnoise authors
# Installs every Debian 12 package p2pnoise needs to build, test, fuzz and benchmark.
# Idempotent; run as root on a fresh machine. Set PN_DEPS_MINIMAL=1 for the build-only set.
set -eu

pkgs="build-essential cmake pkg-config libsodium-dev libssl-dev libgcrypt20-dev \
      libdecaf-dev libcmocka-dev golang-github-flynn-noise-dev"
if [ "${PN_DEPS_MINIMAL:-0}" != 1 ]; then
  pkgs="$pkgs clang llvm libclang-rt-14-dev valgrind afl++ libuv1-dev python3 \
        python3-dissononce doxygen zip unzip groff-base man-db"
fi

missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
    missing="$missing $p"
done
[ -z "$missing" ] && { echo "install-deps: all packages present"; exit 0; }

if [ "$(id -u)" != 0 ]; then
  echo "install-deps: missing:$missing (run as root)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
