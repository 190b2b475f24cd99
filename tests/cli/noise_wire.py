# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 The p2pnoise authors
"""What the interop scripts share: dissononce states for a protocol name,
Noise's u16 big-endian length framing over a socket, and a dissononce
responder that answers one connection on loopback. Importing it exits 77
(skip) when python3-dissononce is missing."""
import contextlib
import socket
import sys
import threading

try:
    from dissononce.processing.impl.handshakestate import HandshakeState
    from dissononce.processing.impl.symmetricstate import SymmetricState
    from dissononce.processing.impl.cipherstate import CipherState
    from dissononce.processing.handshakepatterns.interactive.XX import XXHandshakePattern
    from dissononce.processing.handshakepatterns.interactive.IK import IKHandshakePattern
    from dissononce.processing.handshakepatterns.interactive.NN import NNHandshakePattern
    from dissononce.cipher.chachapoly import ChaChaPolyCipher
    from dissononce.cipher.aesgcm import AESGCMCipher
    from dissononce.dh.x25519.x25519 import X25519DH
    from dissononce.hash.sha256 import SHA256Hash
    from dissononce.hash.blake2b import Blake2bHash
except ImportError as e:
    print("skip: dissononce not importable:", e)
    sys.exit(77)

PATTERNS = {"XX": XXHandshakePattern, "IK": IKHandshakePattern,
            "NN": NNHandshakePattern}


def suite(name):
    """(pattern, HandshakeState) for Noise_P_25519_C_H."""
    _, pattern, _, cipher, hashname = name.split("_")
    ciph = {"ChaChaPoly": ChaChaPolyCipher, "AESGCM": AESGCMCipher}[cipher]()
    h = {"SHA256": SHA256Hash, "BLAKE2b": Blake2bHash}[hashname]()
    return PATTERNS[pattern](), HandshakeState(
        SymmetricState(CipherState(ciph), h), X25519DH())


def send_frame(sock, data):
    sock.sendall(len(data).to_bytes(2, "big") + data)


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError("connection closed")
        buf += chunk
    return buf


def recv_frame(sock):
    return recv_exact(sock, int.from_bytes(recv_exact(sock, 2), "big"))


@contextlib.contextmanager
def responder(serve, timeout):
    """Listens on a free port of 127.0.0.1 and, in a thread, runs
    serve(conn, result) on the first connection it accepts (the accept and
    the reads time out after |timeout| seconds); an exception there lands in
    result["error"] for the caller to report. Gives (port, result); on
    leaving, waits for the thread and closes the listener."""
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(1)
    lsock.settimeout(timeout)
    result = {}

    def run():
        try:
            conn, _ = lsock.accept()
            conn.settimeout(timeout)
            with conn:
                serve(conn, result)
        except Exception as e:  # reported by the main thread
            result["error"] = repr(e)

    t = threading.Thread(target=run)
    t.start()
    try:
        yield lsock.getsockname()[1], result
    finally:
        t.join(timeout)
        lsock.close()
