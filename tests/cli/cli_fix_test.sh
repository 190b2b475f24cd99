#!/bin/sh
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 The p2pnoise authors
# The command line's edges: strict addresses, escaped echoes, one exit code
# per meaning, serve/connect failures named and counted, whole messages with
# their length (text, hex, file), connect in lockstep past 256 messages,
# node refusing over-long lines, pacing stdin (no line lost), and a node that
# only dials exiting once nothing is left to try.
# Usage: cli_fix_test.sh PATH/TO/p2pnoise
P=$1
T=$(mktemp -d)
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null; done; rm -rf "$T"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
# expect CODE -- command...: exit status CODE, at most one stderr line.
expect() {
  code=$1; shift 2
  "$@" >"$T/out" 2>"$T/err" </dev/null
  rc=$?
  if [ "$rc" != "$code" ] || [ "$(wc -l <"$T/err")" -gt 1 ]; then
    bad "$* -> exit $rc (want $code):"; cat "$T/err"
  else
    echo "ok   exit $rc  $*"
  fi
}
err_has() { grep -q -- "$1" "$T/err" || bad "stderr lacks '$1': $(cat "$T/err")"; }
err_lacks() { grep -q -- "$1" "$T/err" && bad "stderr has '$1': $(cat "$T/err")"; }
# Waits for "listening ... port N" in file $1; sets $port.
port_of() {
  port=""
  for i in $(seq 100); do
    port=$(sed -n 's/^listening .*port \([0-9]*\))*$/\1/p' "$1" | head -1)
    [ -n "$port" ] && return 0
    sleep 0.1
  done
  bad "no listening line in $1"; cat "$1"; exit 1
}

# Addresses: a clear reason, never "Success".
expect 2 -- "$P" node --listen 127.0.0.1
err_has "PORT"; err_lacks "Success"
expect 2 -- "$P" node --listen '[::1:7000'
err_has "']'"
expect 2 -- "$P" node --connect 127.0.0.1:0
expect 2 -- "$P" node --connect 127.0.0.1:65536
expect 2 -- "$P" node --listen ::1:7000
err_has "brackets"
expect 2 -- "$P" connect -m hi 127.0.0.1:99999
expect 2 -- "$P" serve --listen 127.0.0.1:x
# Echoed values: control characters escaped.
expect 2 -- "$P" node --listen 127.0.0.1:0 --protocol "$(printf 'Noise_\033[31mred')"
err_has '\\x1b'
tr -d '\n' <"$T/err" | grep -q "$(printf '\033')" && bad "raw ESC on stderr"
# One meaning per exit code.
expect 6 -- "$P" node --listen 127.0.0.1:0 --protocol Noise_X_25519_ChaChaPoly_BLAKE2b
err_has "one-way"
expect 6 -- "$P" node --listen 127.0.0.1:0 --protocol Noise_XXfallback_25519_ChaChaPoly_SHA256
err_has "fallback"
expect 4 -- "$P" connect -f "$T/missing" 127.0.0.1:1
head -c 70000 /dev/zero >"$T/big"
expect 5 -- "$P" connect -f "$T/big" 127.0.0.1:1
err_has "limit"

# An echo server; connect with options after the address; whole messages.
"$P" keygen "$T/s.key" >"$T/s.pub"
"$P" serve --listen 127.0.0.1:0 --echo --key "$T/s.key" \
  --protocol Noise_IK_25519_ChaChaPoly_SHA256 >"$T/serve.out" 2>"$T/serve.err" &
spid=$!; pids="$pids $spid"
port_of "$T/serve.out"
IK="--protocol Noise_IK_25519_ChaChaPoly_SHA256 --remote-key $(cat "$T/s.pub")"
head -c 10000 /dev/urandom >"$T/rand"
# shellcheck disable=SC2086
expect 0 -- "$P" connect 127.0.0.1:$port $IK -m 'tab	"q"' -f "$T/rand" --timeout 20000 -o "$T/got"
grep -q '^received 7 "tab\\t\\"q\\""$' "$T/out" || bad "escaped text: $(head -3 "$T/out")"
grep -q '^received 10000 "' "$T/out" || bad "10000-byte message not whole"
{ printf 'tab\t"q"'; cat "$T/rand"; } | cmp -s - "$T/got" || bad "--output bytes differ"
# shellcheck disable=SC2086
expect 0 -- "$P" connect --hex -m AB 127.0.0.1:$port $IK
grep -q '^received 2 hex:4142$' "$T/out" || bad "--hex: $(cat "$T/out")"
# Lockstep: 300 messages from stdin, one reply each (no 256 limit).
seq 300 >"$T/lines"
# shellcheck disable=SC2086
"$P" connect --lockstep 127.0.0.1:$port $IK <"$T/lines" >"$T/out" 2>"$T/err"
rc=$?
[ $rc = 0 ] || bad "lockstep exit $rc: $(cat "$T/err")"
[ "$(grep -c '^received' "$T/out")" = 300 ] || bad "lockstep: $(grep -c '^received' "$T/out") replies"
grep -q '^received 3 "300"$' "$T/out" || bad "lockstep: last reply missing"
kill $spid; wait $spid 2>/dev/null

# A rejected handshake: the wrong responder key. serve --once exits 7, and
# connect names the rejection (not "Connection refused").
"$P" keygen "$T/o.key" >"$T/o.pub"
"$P" serve --listen 127.0.0.1:0 --once --key "$T/s.key" --timeout 20000 \
  --protocol Noise_IK_25519_ChaChaPoly_SHA256 >"$T/serve.out" 2>"$T/serve.err" &
spid=$!; pids="$pids $spid"
port_of "$T/serve.out"
expect 7 -- "$P" connect 127.0.0.1:$port --protocol Noise_IK_25519_ChaChaPoly_SHA256 \
  --remote-key "$(cat "$T/o.pub")" -m hi --timeout 20000
err_has "handshake"; err_lacks "refused"
wait $spid; rc=$?
[ $rc = 7 ] || bad "serve after a failed handshake: exit $rc (want 7)"
grep -q "session failed\|rejected" "$T/serve.err" || bad "serve stderr: $(cat "$T/serve.err")"
# serve's overall deadline.
expect 1 -- "$P" serve --listen 127.0.0.1:0 --timeout 300
err_has "timed out"

# node: a closed port, no redial: the failure is printed, exit 1.
expect 1 -- "$P" node --connect 127.0.0.1:1
grep -q 'dial-failed *127.0.0.1:1 (Connection refused) no redial' "$T/out" || bad "dial failure text: $(cat "$T/out")"
expect 1 -- "$P" node --json --connect 127.0.0.1:1
grep -q '"event":"dial-failed","addr":"127.0.0.1:1","errno":111' "$T/out" || bad "dial failure json: $(cat "$T/out")"

# node: an over-long line is refused and skipped to its newline; 500 lines
# of 60 KB all arrive, in order.
mkfifo "$T/a.in"
"$P" node --listen 127.0.0.1:0 --max-message 61000 <"$T/a.in" >"$T/a.out" 2>&1 &
apid=$!; pids="$pids $apid"
exec 3>"$T/a.in"
port_of "$T/a.out"
python3 - "$T/lines2" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("x" * 70000 + "TAIL\n")
    f.write("short\n")
    for i in range(500):
        f.write("%05d" % i + "y" * 59995 + "\n")
    f.write("end\n")
PY
(sleep 1; cat "$T/lines2"; sleep 1) |
  "$P" node --connect 127.0.0.1:$port --max-message 61000 >"$T/b.out" 2>"$T/b.err"
rc=$?
[ $rc = 0 ] || bad "node b exit $rc: $(cat "$T/b.err")"
[ "$(wc -l <"$T/b.err")" = 1 ] && grep -q "longer than --max-message" "$T/b.err" ||
  bad "over-long line: $(cat "$T/b.err")"
for i in $(seq 100); do grep -q '"end"' "$T/a.out" && break; sleep 0.1; done
grep -q 'TAIL' "$T/a.out" && bad "the tail of the over-long line was sent"
grep -q '(5 bytes) "short"' "$T/a.out" || bad "the line after the long one is missing"
n=$(grep -c '(60000 bytes) "[0-9]*y' "$T/a.out")
[ "$n" = 500 ] || bad "$n of 500 60 KB lines arrived"
grep -o '(60000 bytes) "[0-9]\{5\}' "$T/a.out" | cut -c16- >"$T/order"
seq -f %05g 0 499 | cmp -s - "$T/order" || bad "60 KB lines out of order"
kill $apid; wait $apid 2>/dev/null
exec 3>&-
[ $fail = 0 ] && echo "cli fixes: all checks passed"
exit $fail
