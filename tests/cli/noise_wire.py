# SPDX-License-Identifier: MIT
# SPDX-FileCopyrightText: 2026 The p2pnoise authors
"""What the interop scripts share: dissononce states for a protocol name,
and Noise's u16 big-endian length framing over a socket. Importing it exits
77 (skip) when python3-dissononce is missing."""
import sys

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
