#!/bin/bash
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 The p2pnoise authors
# CI check of the OSS-Fuzz / ClusterFuzzLite build without Docker: runs
# build.sh as OSS-Fuzz's libFuzzer + ASan configuration would (clang,
# -fsanitize=address,fuzzer-no-link, LIB_FUZZING_ENGINE=-fsanitize=fuzzer)
# into a temporary $OUT, checks that every harness of fuzz/harnesses.txt
# (and its aead build) came out with its seed corpus and options, then runs
# each target once over its unzipped seeds with its dictionary and max_len
# (-runs=0: every seed executed, no fuzzing). Exits non-zero on any failure.
#   .clusterfuzzlite/smoke.sh [KEEP_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=${1:-$(mktemp -d)}
[ $# -gt 0 ] || trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/out" "$tmp/work"

export CC=${CC_LIBFUZZER:-clang} CXX=${CXX_LIBFUZZER:-clang++}
export CFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only -fsanitize=address -fsanitize-address-use-after-scope -fsanitize=fuzzer-no-link"
export CXXFLAGS=$CFLAGS
export LIB_FUZZING_ENGINE=-fsanitize=fuzzer
export OUT=$tmp/out WORK=$tmp/work
"$root/.clusterfuzzlite/build.sh"

status=0
while read -r name _ modes _; do
  case $name in '' | '#'*) continue ;; esac
  [ -f "$root/fuzz/fuzz_$name.c" ] || continue
  for mode in ${modes//,/ }; do
    t=fuzz_$name
    [ "$mode" = aead ] && t=${t}_aead
    if [ ! -x "$OUT/$t" ] || [ ! -f "$OUT/${t}_seed_corpus.zip" ] ||
      [ ! -f "$OUT/$t.options" ]; then
      echo "!! $t: target, seed corpus or options missing from \$OUT" >&2
      status=1
      continue
    fi
    seeds=$tmp/seeds/$t
    mkdir -p "$seeds"
    unzip -q -o "$OUT/${t}_seed_corpus.zip" -d "$seeds"
    args=(-runs=0 "-max_len=$(sed -n 's/^max_len *= *//p' "$OUT/$t.options")")
    [ -f "$OUT/$t.dict" ] && args+=("-dict=$OUT/$t.dict")
    log=$tmp/$t.log
    if ASAN_OPTIONS=detect_leaks=1 "$OUT/$t" "${args[@]}" "$seeds" >"$log" 2>&1; then
      echo "ok   $t: $(find "$seeds" -type f | wc -l) seeds"
    else
      echo "!! $t failed on its seeds:" >&2
      tail -20 "$log" >&2
      status=1
    fi
  done
done <"$root/fuzz/harnesses.txt"
exit $status
