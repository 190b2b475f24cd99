#!/bin/sh
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 The p2pnoise authors
# `p2pnoise node` end to end: two processes on loopback, handshake payloads
# each way, a line typed on one arrives on the other, stdin EOF shuts down
# gracefully, SIGTERM too.
# Usage: node_test.sh PATH/TO/p2pnoise
P=$1
T=$(mktemp -d)
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null; done; rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; echo "--- a:"; cat "$T/a.out"; echo "--- b:"; cat "$T/b.out" 2>/dev/null; exit 1; }

"$P" keygen "$T/a.key" >"$T/a.pub" || fail keygen
# Node a: stdin is a FIFO we hold open, so only SIGTERM ends it.
mkfifo "$T/a.in"
hex() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'; }
"$P" node --key "$T/a.key" --listen 127.0.0.1:0 --max-hs-payload 64 \
  --hs-payload "1:$(hex welcome)" <"$T/a.in" >"$T/a.out" 2>&1 &
apid=$!
pids="$apid"
exec 3>"$T/a.in"
for i in $(seq 50); do
  port=$(sed -n 's/^listening on .*(port \([0-9]*\))$/\1/p' "$T/a.out")
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || fail "node a did not listen"
# Node b: requires a's key, says hello, then EOF on stdin: graceful exit.
(sleep 0.5; echo "hello from b"; echo "@$(cut -c1-8 "$T/a.pub") just for a"; sleep 0.5) |
  timeout 10 "$P" node --json --connect "127.0.0.1:$port=$(cat "$T/a.pub")" \
    --max-hs-payload 64 --hs-payload "2:$(hex 'b here')" >"$T/b.out" 2>&1
rc=$?
[ $rc = 0 ] || fail "node b exit $rc"
grep -q '"event":"connected"' "$T/b.out" || fail "b never connected"
grep -q '"event":"hs-payload","dir":"outbound","index":1,"len":7,"text":"welcome"' \
  "$T/b.out" || fail "b did not get a's handshake payload"
grep -q '"event":"closed"' "$T/b.out" || fail "b did not close cleanly"
for i in $(seq 30); do
  grep -q 'just for a' "$T/a.out" && break
  sleep 0.1
done
grep -q 'message .*"hello from b"' "$T/a.out" || fail "a did not get the broadcast"
grep -q 'hs-payload .*inbound message 2 (6 bytes) "b here"' "$T/a.out" ||
  fail "a did not get b's handshake payload"
grep -q 'message .*"just for a"' "$T/a.out" || fail "a did not get the direct message"
# SIGTERM: a graceful shutdown, exit 0.
kill -TERM $apid
for i in $(seq 50); do
  kill -0 $apid 2>/dev/null || break
  sleep 0.1
done
kill -0 $apid 2>/dev/null && fail "node a ignored SIGTERM"
wait $apid
rc=$?
[ $rc = 0 ] || fail "node a exit $rc after SIGTERM"
grep -q 'closed' "$T/a.out" || fail "a did not report closed"
exec 3>&-
echo "node: handshake payloads, a line and a direct message crossed; EOF and SIGTERM shut down cleanly"
