#!/bin/sh
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 The p2pnoise authors
# The blocking API's examples end to end on loopback: sio_client against
# sio_server (its key required, then a wrong key refused), sio_client
# against `p2pnoise node`, and `p2pnoise node` against sio_server.
# Usage: sio_examples.sh PATH/TO/p2pnoise PATH/TO/sio_client PATH/TO/sio_server
P=$1
C=$2
S=$3
T=$(mktemp -d)
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null; done; rm -rf "$T"' EXIT
fail() {
  echo "FAIL: $*"
  for f in "$T"/*.out; do echo "--- $f:"; cat "$f"; done
  exit 1
}
# Waits until file $1 matches the pattern $2 (5 s at most).
await() {
  for i in $(seq 50); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}
# Starts sio_server; sets port and key from its first line.
server() {
  timeout 20 "$S" >"$T/$1.out" 2>&1 &
  spid=$!
  pids="$pids $spid"
  await "$T/$1.out" '^listening on port' || fail "$1: sio_server did not listen"
  port=$(sed -n 's/^listening on port \([0-9]*\) key .*/\1/p' "$T/$1.out")
  key=$(sed -n 's/^listening on port [0-9]* key \([0-9a-f]*\)$/\1/p' "$T/$1.out")
}

# 1. Client and server, the server's key required.
server pair
timeout 20 "$C" "127.0.0.1:$port" "$key" "one whole message" >"$T/client.out" 2>&1 ||
  fail "client against sio_server"
grep -q '^reply one whole message$' "$T/client.out" || fail "no echo"
wait $spid || fail "sio_server exit status"
grep -q '^message one whole message$' "$T/pair.out" || fail "server did not get it"
grep -q '^closed: closed by the peer$' "$T/pair.out" || fail "no close frame seen"

# 2. A key other than the server's: refused, both sides say so.
server wrong
case $key in 0*) other=1${key#?} ;; *) other=0${key#?} ;; esac
if timeout 20 "$C" "127.0.0.1:$port" "$other" >"$T/wrongc.out" 2>&1; then
  fail "a wrong key was accepted"
fi
grep -q 'handshake has failed: peer key differs' "$T/wrongc.out" ||
  fail "client did not name the key mismatch"
wait $spid && fail "sio_server succeeded on a refused handshake"

# 3. sio_client against `p2pnoise node`: the node's line is the reply.
"$P" keygen "$T/node.key" >"$T/node.pub" || fail keygen
mkfifo "$T/node.in"
"$P" node --key "$T/node.key" --listen 127.0.0.1:0 <"$T/node.in" >"$T/node.out" 2>&1 &
npid=$!
pids="$pids $npid"
exec 3>"$T/node.in"
await "$T/node.out" '^listening on .*(port' || fail "node did not listen"
nport=$(sed -n 's/^listening on .*(port \([0-9]*\))$/\1/p' "$T/node.out")
timeout 20 "$C" "127.0.0.1:$nport" "$(cat "$T/node.pub")" "hi node" >"$T/c2.out" 2>&1 &
cpid=$!
pids="$pids $cpid"
await "$T/node.out" 'message .*"hi node"' || fail "node did not get the message"
echo "hi sio" >&3
wait $cpid || fail "sio_client against node"
grep -q '^reply hi sio$' "$T/c2.out" || fail "client did not get the node's line"
await "$T/node.out" 'disconnected .*reason=closed by the peer' ||
  fail "node did not see the close frame"
exec 3>&-
wait $npid || fail "node exit status"

# 4. `p2pnoise node` against sio_server: the server echoes the node's line;
# the node's EOF on stdin closes gracefully.
server echo
mkfifo "$T/n2.in"
"$P" node --connect "127.0.0.1:$port=$key" <"$T/n2.in" >"$T/n2.out" 2>&1 &
n2pid=$!
pids="$pids $n2pid"
exec 4>"$T/n2.in"
await "$T/n2.out" 'connected' || fail "node did not connect to sio_server"
echo "hello from node" >&4
await "$T/n2.out" 'message .*"hello from node"' || fail "no echo to the node"
exec 4>&-
wait $n2pid || fail "node exit status"
wait $spid || fail "sio_server exit status after the node left"
grep -q '^closed: closed by the peer$' "$T/echo.out" || fail "server: no close frame"
echo "sio examples: client and server, a wrong key refused, client and server against p2pnoise node"
