#!/bin/bash -eu
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 The p2pnoise authors
# OSS-Fuzz / ClusterFuzzLite build script: builds every harness listed in
# fuzz/harnesses.txt from $CC, $CFLAGS and $LIB_FUZZING_ENGINE into $OUT.
#
#   $OUT/fuzz_<name>                    the harness, real crypto
#   $OUT/fuzz_<name>_aead               the same over the transparent AEAD
#                                       (PN_FUZZING_AEAD), for harnesses whose
#                                       line lists "aead": it reaches past the
#                                       handshake, where a fuzzer cannot forge
#                                       real tags
#   $OUT/<target>_seed_corpus.zip       fuzz/corpus/<name> and every kept crash
#                                       of fuzz/regressions/<name>
#   $OUT/<target>.dict                  fuzz/dict/<name>.dict, if there is one
#   $OUT/<target>.options               [libfuzzer] max_len from harnesses.txt
#
# A new harness needs no edit here: a line in harnesses.txt and its files.
# libsodium, libcrypto, libgcrypt and libdecaf come from the system and are linked
# statically when their archives exist, since the machines that run the
# fuzzers have neither; without libcrypto 3 the build is libsodium-only.
# In the image (.clusterfuzzlite/Dockerfile) this runs as $SRC/build.sh from
# $SRC/p2pnoise; it also runs from a checkout (.ci/run, through
# .clusterfuzzlite/smoke.sh). $WORK (default: a new temporary folder) holds
# the builds; the source tree is never written to.
set -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
if [ -f "$here/../fuzz/harnesses.txt" ]; then
  root=$(cd "$here/.." && pwd)
elif [ -f "$PWD/fuzz/harnesses.txt" ]; then
  root=$PWD
else
  echo "build.sh: run it from the p2pnoise tree (no fuzz/harnesses.txt)" >&2
  exit 1
fi
: "${CC:?set CC}" "${OUT:?set OUT}" "${LIB_FUZZING_ENGINE:?set LIB_FUZZING_ENGINE}"
CFLAGS=${CFLAGS:-}
CXX=${CXX:-$CC}
CXXFLAGS=${CXXFLAGS:-$CFLAGS}
WORK=${WORK:-$(mktemp -d)}
mkdir -p "$OUT" "$WORK"
jobs=$(nproc 2>/dev/null || echo 2)

# Crypto libraries: static archives where the system has them.
static_or_dynamic() { # pkg-config name, archive name -> link arguments
  local dir
  dir=$(pkg-config --variable=libdir "$1")
  if [ -f "$dir/$2" ]; then
    echo "$dir/$2"
  else
    echo "build.sh: no $dir/$2, linking $1 dynamically" >&2
    pkg-config --libs "$1"
  fi
}
pkg-config --exists 'libsodium >= 1.0.18' || { echo "build.sh: libsodium missing" >&2; exit 1; }
deps=("$(static_or_dynamic libsodium libsodium.a)")
with_openssl=OFF
if pkg-config --exists 'libcrypto >= 3.0'; then
  with_openssl=ON
  deps+=("$(static_or_dynamic libcrypto libcrypto.a)")
  # With libcrypto come the allocation-free hashes (libgcrypt) and X448
  # (libdecaf, which ships no pkg-config file).
  deps+=("$(static_or_dynamic libgcrypt libgcrypt.a)")
  deps+=("$(static_or_dynamic gpg-error libgpg-error.a)")
  decaf=$(find /usr/lib /usr/local/lib -name libdecaf.a 2>/dev/null | head -n 1)
  deps+=("${decaf:--ldecaf}")
else
  echo "build.sh: no libcrypto >= 3.0: libsodium-only build (no X448, BLAKE2s)" >&2
fi
deps+=(-ldl -pthread)

# Headers: the public ones, every layer's internal ones and the simulator's
# (tests/support), as the harnesses use them (tests/fuzz_replay.cmake gives
# the same). The simulator's sources go into every harness.
incs=(-I"$root/fuzz" -I"$root/tests/support")
for d in "$root"/engine/*/; do incs+=(-I"$d"); done

# The library and the engine's test hooks (which harnesses use to reach
# states such as nonce exhaustion; never installed), built by CMake with
# exactly the given flags (build type None: no -O or -DNDEBUG of our own),
# once per crypto mode. No tests: cmocka is not needed.
build_lib() { # mode (real|aead) -> prints the archives, in link order
  local mode=$1 dir=$WORK/p2pnoise-$1 aead=OFF
  [ "$mode" = aead ] && aead=ON
  cmake -S "$root" -B "$dir" -DCMAKE_C_COMPILER="$CC" -DCMAKE_C_FLAGS="$CFLAGS" \
    -DCMAKE_BUILD_TYPE=None -DPN_BUILD_TESTS=OFF -DPN_WITH_OPENSSL="$with_openssl" \
    -DPN_FUZZING_AEAD="$aead" >"$dir.log" 2>&1 || { cat "$dir.log" >&2; return 1; }
  cmake --build "$dir" --target p2pnoise_testhooks p2pnoise -j"$jobs" >>"$dir.log" 2>&1 ||
    { tail -40 "$dir.log" >&2; return 1; }
  echo "$dir/lib/libp2pnoise_testhooks.a $dir/lib/libp2pnoise.a"
}

declare -A lib
built=()
while read -r -u 3 name maxlen modes _; do
  case $name in '' | '#'*) continue ;; esac
  src=$root/fuzz/fuzz_$name.c
  [ -f "$src" ] || continue # listed before it is written
  for mode in ${modes//,/ }; do
    target=fuzz_$name
    defs=()
    if [ "$mode" = aead ]; then
      target=fuzz_${name}_aead
      defs=(-DPN_FUZZING_AEAD=1)
    fi
    [ -n "${lib[$mode]:-}" ] || lib[$mode]=$(build_lib "$mode")
    echo "build.sh: $target"
    objs=()
    for s in "$src" "$root"/tests/support/{check,sim,sim_check,sim_manual}.c; do
      obj=$WORK/$target-$(basename "$s" .c).o
      # shellcheck disable=SC2086
      $CC $CFLAGS -std=c11 "${defs[@]}" "${incs[@]}" -c "$s" -o "$obj"
      objs+=("$obj")
    done
    # shellcheck disable=SC2086
    $CXX $CXXFLAGS "${objs[@]}" -o "$OUT/$target" $LIB_FUZZING_ENGINE ${lib[$mode]} "${deps[@]}"

    # Seeds: the corpus and the kept crashes, flat (names are unique).
    rm -f "$OUT/${target}_seed_corpus.zip"
    seeds=()
    for kind in corpus regressions; do
      [ -d "$root/fuzz/$kind/$name" ] && seeds+=("$root/fuzz/$kind/$name")
    done
    if [ ${#seeds[@]} -gt 0 ]; then
      find "${seeds[@]}" -type f -print | zip -q -j "$OUT/${target}_seed_corpus.zip" -@
    fi
    dict=$root/fuzz/dict/$name.dict
    if [ -f "$dict" ]; then cp "$dict" "$OUT/$target.dict"; fi
    printf '[libfuzzer]\nmax_len = %s\n' "$maxlen" >"$OUT/$target.options"
    built+=("$target")
  done
done 3<"$root/fuzz/harnesses.txt"

[ ${#built[@]} -gt 0 ] || { echo "build.sh: no harness built" >&2; exit 1; }
echo "build.sh: ${#built[@]} targets in $OUT: ${built[*]}"
