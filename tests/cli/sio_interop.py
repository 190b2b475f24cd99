#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 The p2pnoise authors
"""Interop: the blocking API (sio.h) in the plain profile against
dissononce, an independent Noise implementation in Python (Debian
python3-dissononce), over loopback.

For each protocol, both roles through tests/io/sio_peer.c: `sio_peer server`
with a dissononce initiator that sends messages and checks their echo, and
`sio_peer client` with a dissononce responder that echoes. Handshake hashes
and static keys must match on both sides.
Usage: sio_interop.py PATH/TO/sio_peer   (exit 0 pass, 1 fail, 77 skip)
"""
import socket
import subprocess
import sys

# First: it exits 77 (skip) when dissononce is missing.
from noise_wire import recv_frame, responder, send_frame, suite
from dissononce.dh.x25519.x25519 import X25519DH

TIMEOUT = 10


def handshake(sock, name, initiator, keypair, rs=None):
    """Returns (send cs, recv cs, handshake hash, remote static or None)."""
    pat, hs = suite(name)
    hs.initialize(pat, initiator, b"", s=keypair,
                  rs=X25519DH().create_public(rs) if rs else None)
    writing, result = initiator, None
    while result is None:
        if writing:
            buf = bytearray()
            result = hs.write_message(b"", buf)
            send_frame(sock, bytes(buf))
        else:
            result = hs.read_message(recv_frame(sock), bytearray())
        writing = not writing
    c1, c2 = result
    rs = hs.rs.data if hs.rs else None
    return (c1, c2) if initiator else (c2, c1), \
        hs.symmetricstate.get_handshake_hash(), rs


MESSAGES = [b"hello from dissononce", b"", b"x", bytes(range(256)) * 255]


def check_peer(line, want_id, want_hash, anonymous):
    tag, pid, phash = line.split()
    assert tag == "peer", line
    assert phash == want_hash.hex(), "handshake hashes differ"
    if anonymous:  # the id is the start of the hash when no key is proven
        assert want_hash.hex().startswith(pid), "anonymous id"
    else:
        assert pid == want_id.hex(), "remote static differs"


def case_server(peer, name):
    """sio_peer server (responder), dissononce initiator."""
    proc = subprocess.Popen([peer, "server", name], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline().split()
        if len(first) != 3:
            raise RuntimeError(proc.communicate(timeout=TIMEOUT)[1])
        _, port, key = first
        kp = X25519DH().generate_keypair()
        with socket.create_connection(("127.0.0.1", int(port)),
                                      timeout=TIMEOUT) as s:
            (tx, rx), hhash, rs = handshake(
                s, name, True, kp,
                bytes.fromhex(key) if "_IK_" in name else None)
            if "_NN_" not in name:
                assert rs.hex() == key, "server key differs"
            for m in MESSAGES:
                send_frame(s, tx.encrypt_with_ad(b"", m))
                assert rx.decrypt_with_ad(b"", recv_frame(s)) == m, "echo"
        out, err = proc.communicate(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    lines = out.splitlines()
    check_peer(lines[0], kp.public.data, hhash, "_NN_" in name)
    assert lines[-1] == "end transport closed without a close frame", lines
    return hhash.hex()


def case_client(peer, name):
    """sio_peer client (initiator), dissononce responder that echoes."""
    kp = X25519DH().generate_keypair()

    def respond(conn, result):
        (tx, rx), result["hash"], result["rs"] = handshake(
            conn, name, False, kp)
        n = 0
        while True:
            try:
                frame = recv_frame(conn)
            except EOFError:
                break
            send_frame(conn, tx.encrypt_with_ad(
                b"", rx.decrypt_with_ad(b"", frame)))
            n += 1
        result["n"] = n

    with responder(respond, TIMEOUT) as (port, result):
        args = [peer, "client", name, "127.0.0.1:%d" % port]
        if "_IK_" in name:
            args.append(kp.public.data.hex())
        proc = subprocess.run(args, capture_output=True, text=True,
                              timeout=TIMEOUT)
    assert "error" not in result, result.get("error")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    check_peer(lines[0], kp.public.data, result["hash"], "_NN_" in name)
    assert lines[-1] == "echoed 4", lines
    assert result["n"] == 4, result
    return result["hash"].hex()


def main():
    peer = sys.argv[1]
    protocols = ["Noise_XX_25519_ChaChaPoly_SHA256",
                 "Noise_XX_25519_ChaChaPoly_BLAKE2b",
                 "Noise_IK_25519_ChaChaPoly_SHA256",
                 "Noise_NN_25519_ChaChaPoly_BLAKE2b",
                 "Noise_XX_25519_AESGCM_SHA256"]
    passed = failed = 0
    for name in protocols:
        for role, fn in (("server (sio responder)", case_server),
                         ("client (sio initiator)", case_client)):
            try:
                h = fn(peer, name)
                passed += 1
                print("ok    %-36s %s  hash %s..." % (name, role, h[:16]))
            except Exception as e:
                # A build without hardware AES and without libcrypto lacks
                # AESGCM; everything else must run.
                if "AESGCM" in name and "not supported" in repr(e):
                    print("skip  %-36s not in this build" % name)
                    break
                failed += 1
                print("FAIL  %-36s %s  %r" % (name, role, e))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
