#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 The p2pnoise authors
"""Interop: p2pnoise (plain profile) against dissononce, an independent Noise
implementation in Python (Debian python3-dissononce), over loopback.

For each protocol, both roles: `p2pnoise serve --echo` with a dissononce
initiator, and `p2pnoise connect` with a dissononce responder. Messages go
both ways; the handshake hashes and remote static keys must match. Every
handshake message carries a payload, checked on the side that reads it.
Usage: interop.py PATH/TO/p2pnoise   (exit 0 pass, 1 fail, 77 skip)
"""
import os
import socket
import subprocess
import sys
import tempfile
import threading

# First: it exits 77 (skip) when dissononce is missing.
from noise_wire import recv_frame, responder, send_frame, suite
from dissononce.dh.x25519.x25519 import X25519DH
from dissononce.dh.private import PrivateKey

PROLOGUE = b"p2pnoise interop"
TIMEOUT = 10


def hs_payload(index, who):
    """The payload of handshake message |index| written by |who|."""
    return ("payload %d from %s " % (index, who)).encode() + bytes(range(index * 40))


def handshake(sock, name, initiator, keypair, rs=None):
    """Runs the handshake, writing hs_payload(i, "dissononce") in each of our
    messages; returns (send cs, recv cs, hash, remote static, payloads read
    by message index)."""
    pat, hs = suite(name)
    dh = X25519DH()
    hs.initialize(pat, initiator, PROLOGUE, s=keypair,
                  rs=dh.create_public(rs) if rs else None)
    writing = initiator
    result = None
    index = 0
    got = {}
    while result is None:
        if writing:
            buf = bytearray()
            result = hs.write_message(hs_payload(index, "dissononce"), buf)
            send_frame(sock, bytes(buf))
        else:
            payload = bytearray()
            result = hs.read_message(recv_frame(sock), payload)
            got[index] = bytes(payload)
        writing = not writing
        index += 1
    hhash = hs.symmetricstate.get_handshake_hash()
    c1, c2 = result
    send_cs, recv_cs = (c1, c2) if initiator else (c2, c1)
    return send_cs, recv_cs, hhash, hs.rs.data, got


def payload_args():
    """p2pnoise's payload for every message; it sends those it writes."""
    args = []
    for i in range(3):
        args += ["--hs-payload", "%d:%s" % (i, hs_payload(i, "p2pnoise").hex())]
    return args


def check_payloads(read_by_dissononce, printed, p2pnoise_initiates, nmsgs):
    """Each side read the other's payload for every message it read."""
    even, odd = range(0, nmsgs, 2), range(1, nmsgs, 2)
    ours, theirs = (even, odd) if p2pnoise_initiates else (odd, even)
    assert sorted(read_by_dissononce) == list(ours), read_by_dissononce
    for i in ours:
        assert read_by_dissononce[i] == hs_payload(i, "p2pnoise"), i
    want = ["%d %s" % (i, hs_payload(i, "dissononce").hex()) for i in theirs]
    assert printed == want, ("payloads p2pnoise read", printed, want)


def parse(lines):
    out = {}
    for line in lines:
        k, _, v = line.partition(" ")
        out.setdefault(k, []).append(v)
    return out


MESSAGES = [b"hello from dissononce", b"x", bytes(range(256)) * 200]


def case_serve(p2pnoise, name, keyfile, ourpub):
    """p2pnoise serve --echo (responder), dissononce initiator."""
    proc = subprocess.Popen(
        [p2pnoise, "serve", "--listen", "127.0.0.1:0", "--once", "--echo",
         "--key", keyfile, "--protocol", name, "--prologue", PROLOGUE.hex()]
        + payload_args(),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline().split()
        assert first[0] == "listening", first
        port = int(first[-1])
        # Drain stdout meanwhile so a long line never blocks the server.
        lines = []
        reader = threading.Thread(target=lambda: lines.extend(proc.stdout))
        reader.start()
        kp = X25519DH().generate_keypair()
        with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as s:
            tx, rx, hhash, rs, hsp = handshake(
                s, name, True, kp, ourpub if "_IK_" in name else None)
            assert rs == ourpub, "remote static differs"
            for m in MESSAGES:
                send_frame(s, tx.encrypt_with_ad(b"", m))
                back = rx.decrypt_with_ad(b"", recv_frame(s))
                assert back == m, "echo differs"
            # Half-close: the last message, then EOF; its echo still comes.
            send_frame(s, tx.encrypt_with_ad(b"", b"last words"))
            s.shutdown(socket.SHUT_WR)
            assert rx.decrypt_with_ad(b"", recv_frame(s)) == b"last words"
        proc.wait(timeout=TIMEOUT)
        reader.join(TIMEOUT)
        out = "".join(lines)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    got = parse(out.splitlines())
    assert got["handshake-hash"][0] == hhash.hex(), "handshake hashes differ"
    assert got["remote-static"][0] == kp.public.data.hex(), "our key differs"
    assert len(got.get("received", [])) == len(MESSAGES) + 1, out
    check_payloads(hsp, got.get("handshake-payload", []), False,
                   2 if "_IK_" in name else 3)
    return hhash.hex()


def case_connect(p2pnoise, name, keyfile, ourpub):
    """p2pnoise connect (initiator), dissononce responder."""
    kp = X25519DH().generate_keypair()

    def respond(conn, result):
        tx, rx, hhash, rs, hsp = handshake(conn, name, False, kp)
        result["hash"], result["rs"], result["hsp"] = hhash, rs, hsp
        got = []
        for _ in range(3):
            m = rx.decrypt_with_ad(b"", recv_frame(conn))
            got.append(m)
            send_frame(conn, tx.encrypt_with_ad(b"", b"re: " + m))
        result["got"] = got

    with responder(respond, TIMEOUT) as (port, result):
        with tempfile.NamedTemporaryFile("wb", delete=False) as f:
            f.write(b"\x00\x01binary\xff" * 100)
            msgfile = f.name
        try:
            args = [p2pnoise, "connect", "--key", keyfile, "--protocol", name,
                    "--prologue", PROLOGUE.hex(), "-m", "hello from p2pnoise",
                    "-m", "second", "-f", msgfile] + payload_args()
            if "_IK_" in name:
                args += ["--remote-key", kp.public.data.hex()]
            args.append("127.0.0.1:%d" % port)
            proc = subprocess.run(args, capture_output=True, text=True,
                                  timeout=TIMEOUT)
        finally:
            os.unlink(msgfile)
    assert "error" not in result, result.get("error")
    assert proc.returncode == 0, proc.stderr
    got = parse(proc.stdout.splitlines())
    assert result["rs"] == ourpub, "remote static differs"
    assert result["got"][0] == b"hello from p2pnoise", result["got"]
    assert result["got"][2] == b"\x00\x01binary\xff" * 100
    assert got["handshake-hash"][0] == result["hash"].hex(), "hashes differ"
    assert got["remote-static"][0] == kp.public.data.hex(), "key differs"
    # "received LEN TEXT": the length, then all of it, escaped.
    assert got["received"][0] == '23 "re: hello from p2pnoise"', got["received"][0]
    assert got["received"][2].startswith('904 "re: \\x00\\x01binary\\xff'), \
        got["received"][2][:40]
    check_payloads(result["hsp"], got.get("handshake-payload", []), True,
                   2 if "_IK_" in name else 3)
    return result["hash"].hex()


def main():
    p2pnoise = sys.argv[1]
    protocols = ["Noise_XX_25519_ChaChaPoly_SHA256",
                 "Noise_IK_25519_ChaChaPoly_SHA256",
                 "Noise_XX_25519_ChaChaPoly_BLAKE2b",
                 "Noise_IK_25519_AESGCM_SHA256"]
    with tempfile.TemporaryDirectory() as d:
        keyfile = os.path.join(d, "key")
        out = subprocess.run([p2pnoise, "keygen", keyfile], capture_output=True,
                             text=True, check=True).stdout
        ourpub = bytes.fromhex(out.strip())
        failed = 0
        for name in protocols:
            # A build without hardware AES and without libcrypto lacks
            # AESGCM; everything else must run.
            st = subprocess.run([p2pnoise, "selftest", "--protocol", name],
                                capture_output=True, text=True)
            if st.returncode != 0:
                if "AESGCM" in name and "not supported" in st.stderr:
                    print("skip  %-36s not in this build" % name)
                    continue
                failed += 1
                print("FAIL  %-36s selftest: %s" % (name, st.stderr.strip()))
                continue
            for role, fn in (("serve  (p2pnoise responder)", case_serve),
                             ("connect (p2pnoise initiator)", case_connect)):
                try:
                    h = fn(p2pnoise, name, keyfile, ourpub)
                    print("ok    %-36s %s  hash %s..." % (name, role, h[:16]))
                except Exception as e:
                    failed += 1
                    print("FAIL  %-36s %s  %r" % (name, role, e))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
