#!/bin/sh
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 The p2pnoise authors
# Installs the build into a temporary prefix and builds a small consumer
# against the installed copy, through pkg-config (shared library) and through
# find_package (static, then shared).  Usage: install_test.sh BUILD_DIR CC [SANITIZE]
set -e
BUILD=$1 CC=$2 SAN=$3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
FLAGS=""
[ -n "$SAN" ] && FLAGS="-fsanitize=$SAN"
cmake --install "$BUILD" --prefix "$T/prefix" >/dev/null
for f in include/p2pnoise/engine.h include/p2pnoise/noise.h include/p2pnoise/keys.h \
  include/p2pnoise/version.h include/p2pnoise/io.h bin/p2pnoise \
  share/man/man1/p2pnoise.1; do
  [ -e "$T/prefix/$f" ] || { echo "missing $f"; exit 1; }
done
# man finds the installed page by name under the prefix's manual tree.
if command -v man >/dev/null; then
  MANWIDTH=80 man -M "$T/prefix/share/man" -E UTF-8 p2pnoise 2>&1 |
    grep -q '^EXIT STATUS' || { echo "man -M PREFIX p2pnoise failed"; exit 1; }
fi
LIBDIR=$(dirname "$(find "$T/prefix" -name p2pnoise.pc)")/..
ls "$LIBDIR"/libp2pnoise.a "$LIBDIR"/libp2pnoise.so >/dev/null
mkdir "$T/src"
cat >"$T/src/consumer.c" <<'C'
#include <p2pnoise/engine.h>
#include <p2pnoise/keys.h>
#include <p2pnoise/version.h>
#include <stdio.h>
#include <string.h>
int main(void) {
  pn_engine_config cfg;
  pn_engine *e;
  uint8_t key[32];
  memset(key, 7, sizeof key);
  pn_engine_config_default(&cfg);
  cfg.static_private = key;
  cfg.static_private_len = 32;
  if (pn_engine_new(&e, &cfg, 1) != PN_OK) return 1;
  pn_peer_id id;
  pn_engine_local_id(e, &id);
  char hex[PN_PEER_ID_HEX_MAX];
  if (pn_peer_id_to_hex(&id, hex, sizeof hex) != PN_OK) return 1;
  printf("consumer: p2pnoise %s (headers %s), engine up, id %.8s..., %s\n",
         pn_version(), PN_VERSION_STRING, hex, pn_strerror(PN_ERR_OVERFLOW));
  pn_engine_free(e);
  return id.len == 32 && strcmp(pn_version(), PN_VERSION_STRING) == 0 ? 0 : 1;
}
C
# 1. pkg-config
export PKG_CONFIG_PATH="$LIBDIR/pkgconfig"
# shellcheck disable=SC2046
"$CC" $FLAGS -o "$T/c_pc" "$T/src/consumer.c" $(pkg-config --cflags --libs p2pnoise) \
  -Wl,-rpath,"$(cd "$LIBDIR" && pwd)"
"$T/c_pc"
# The driver through its own pkg-config file.
cat >"$T/src/io_consumer.c" <<'C'
#include <p2pnoise/io.h>
#include <stdio.h>
int main(void) {
  pn_time t = pn_io_now();
  printf("io consumer: clock at %llu ns\n", (unsigned long long)t);
  return t ? 0 : 1;
}
C
# shellcheck disable=SC2046
"$CC" $FLAGS -o "$T/io_pc" "$T/src/io_consumer.c" $(pkg-config --cflags --libs p2pnoise-io) \
  -Wl,-rpath,"$(cd "$LIBDIR" && pwd)"
"$T/io_pc"
# 2. find_package, static and shared
cat >"$T/src/CMakeLists.txt" <<'C'
cmake_minimum_required(VERSION 3.20)
project(consumer C)
find_package(p2pnoise 0.1 REQUIRED)
add_executable(c_static consumer.c)
target_link_libraries(c_static PRIVATE p2pnoise::p2pnoise)
add_executable(c_shared consumer.c)
target_link_libraries(c_shared PRIVATE p2pnoise::p2pnoise_shared)
C
cmake -S "$T/src" -B "$T/b" -DCMAKE_C_COMPILER="$CC" -DCMAKE_PREFIX_PATH="$T/prefix" \
  -DCMAKE_C_FLAGS="$FLAGS" -DCMAKE_EXE_LINKER_FLAGS="$FLAGS" >/dev/null
cmake --build "$T/b" >/dev/null
"$T/b/c_static"
"$T/b/c_shared"
echo "install: pkg-config (engine, driver) and find_package consumers built and ran"
