#!/bin/sh
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 The p2pnoise authors
# The p2pnoise command line: --help everywhere, exit codes, one-line errors
# on bad flags and bad key files, key file permissions, --version.
# Usage: cli_test.sh PATH/TO/p2pnoise VERSION SODIUM_VERSION LIBCRYPTO_VERSION
# (LIBCRYPTO_VERSION: "none" for a build without libcrypto)
P=$1
VERSION=$2
SODIUM=$3
LIBCRYPTO=$4
[ -n "$LIBCRYPTO" ] || { echo "usage: $0 P2PNOISE VERSION SODIUM LIBCRYPTO"; exit 2; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
# expect CODE LINES -- command...: exit status CODE; LINES: max stderr lines
expect() {
  code=$1; lines=$2; shift 3
  "$@" >"$T/out" 2>"$T/err" </dev/null
  rc=$?
  n=$(wc -l <"$T/err")
  if [ "$rc" != "$code" ] || [ "$n" -gt "$lines" ]; then
    echo "FAIL: $* -> exit $rc (want $code), $n stderr lines:"; cat "$T/err"
    fail=1
  elif grep -q -i 'sanitizer\|segmentation\|core dumped' "$T/err"; then
    echo "FAIL: $*: crash"; fail=1
  else
    echo "ok   exit $rc  $*"
  fi
}
expect 0 0 -- "$P" --help
expect 2 99 -- "$P"
expect 2 1 -- "$P" frobnicate
for c in keygen pubkey node demo serve connect selftest; do
  expect 0 0 -- "$P" $c --help
  grep -q '^usage: p2pnoise' "$T/out" || { echo "FAIL: $c --help text"; fail=1; }
done
# --version: the library and the crypto libraries it runs with.
expect 0 0 -- "$P" --version
if [ "$LIBCRYPTO" = none ]; then
  printf 'p2pnoise %s\nlibsodium %s\n' "$VERSION" "$SODIUM" >"$T/want"
else
  printf 'p2pnoise %s\nlibsodium %s\nlibcrypto %s\n' "$VERSION" "$SODIUM" \
    "$LIBCRYPTO" >"$T/want"
fi
cmp -s "$T/out" "$T/want" || {
  echo "FAIL: --version printed:"; cat "$T/out"; echo "want:"; cat "$T/want"
  fail=1
}
expect 2 1 -- "$P" --version extra
# Bad flags: one line, exit 2.
expect 2 1 -- "$P" node --bogus
expect 2 1 -- "$P" node --listen
expect 2 1 -- "$P" node
expect 2 1 -- "$P" node --listen 127.0.0.1:0 --max-peers zero
expect 2 1 -- "$P" node --listen 127.0.0.1:0 --overflow sometimes
expect 2 1 -- "$P" node --listen 127.0.0.1:0 --prologue xyz
expect 2 1 -- "$P" node --listen 127.0.0.1:0 --protocol Noise_ZZ_25519_ChaChaPoly_SHA256
expect 2 1 -- "$P" node --connect 127.0.0.1:1=nothex
expect 2 1 -- "$P" serve
expect 2 1 -- "$P" connect
expect 2 1 -- "$P" connect --timeout x 127.0.0.1:1
expect 2 1 -- "$P" connect --hs-payload 0 127.0.0.1:1
expect 2 1 -- "$P" connect --hs-payload 4:00 127.0.0.1:1
expect 2 1 -- "$P" connect --hs-payload 1:abc 127.0.0.1:1
expect 2 1 -- "$P" connect --hs-payload "1:$(head -c 4097 /dev/zero | od -An -v -tx1 | tr -d ' \n')" 127.0.0.1:1
expect 2 1 -- "$P" serve --listen 127.0.0.1:0 --max-hs-payload 4097
expect 6 1 -- "$P" selftest --protocol Noise_XXfallback_25519_ChaChaPoly_SHA256
expect 2 1 -- "$P" keygen
expect 2 1 -- "$P" keygen --dh 999 "$T/k"
expect 2 1 -- "$P" demo extra
# Key files.
expect 0 0 -- "$P" keygen "$T/key"
pub=$(cat "$T/out")
[ ${#pub} = 64 ] || { echo "FAIL: keygen printed '$pub'"; fail=1; }
perm=$(stat -c %a "$T/key")
[ "$perm" = 600 ] || { echo "FAIL: key file mode $perm, want 600"; fail=1; }
expect 3 1 -- "$P" keygen "$T/key"           # never overwrites
expect 0 0 -- "$P" pubkey "$T/key"
[ "$(cat "$T/out")" = "$pub" ] || { echo "FAIL: pubkey differs from keygen"; fail=1; }
expect 3 1 -- "$P" pubkey "$T/missing"
printf 'not a key\n' >"$T/bad1"
expect 3 1 -- "$P" pubkey "$T/bad1"
printf '0123\n' >"$T/bad2"
expect 3 1 -- "$P" pubkey "$T/bad2"
: >"$T/empty"
expect 3 1 -- "$P" pubkey "$T/empty"
head -c 100000 /dev/urandom >"$T/binary"
expect 3 1 -- "$P" pubkey "$T/binary"
expect 3 1 -- "$P" pubkey "$T"                 # a directory
expect 3 1 -- "$P" pubkey /dev/zero            # endless: the read is bounded
expect 3 1 -- "$P" node --key "$T/bad1" --listen 127.0.0.1:0
expect 3 1 -- "$P" connect --key "$T/empty" 127.0.0.1:1
expect 4 1 -- "$P" connect -f "$T/missing" 127.0.0.1:1
# A closed port: a runtime failure, one line.
expect 1 1 -- "$P" connect --timeout 2000 -m hi 127.0.0.1:1
expect 0 0 -- "$P" selftest
grep -q '^allocates ' "$T/out" || { echo "FAIL: selftest says nothing of allocations"; fail=1; }
expect 0 0 -- "$P" selftest --help
grep -q 'suites this build has' "$T/out" || { echo "FAIL: selftest --help lists no suites"; fail=1; }
# Patterns that need the other's key in advance, PSKs, or are one-way.
for p in Noise_IK_25519_ChaChaPoly_SHA256 Noise_KKpsk0+psk2_25519_ChaChaPoly_SHA256 \
         Noise_X_25519_ChaChaPoly_BLAKE2b Noise_X1K1_25519_ChaChaPoly_SHA512; do
  expect 0 0 -- "$P" selftest --protocol "$p"
done
exit $fail
