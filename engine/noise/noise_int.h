/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* Noise layer internals the engine uses. */
#ifndef PN_NOISE_INT_H
#define PN_NOISE_INT_H

#include <p2pnoise/noise.h>

/* pn_handshake_start with the symmetric state after InitializeSymmetric and
 * MixHash(prologue) already computed in |prologued| (copied), so a caller
 * that starts many handshakes with one protocol and prologue hashes the
 * prologue once. |prologued| must come from pn_symmetric_init with hs's
 * protocol followed by pn_symmetric_mix_hash(prologue). Errors as
 * pn_handshake_start. */
int pn_handshake_start_prologued(pn_handshake *hs,
                                 const pn_symmetricstate *prologued);

/* EncryptWithAd(empty, hdr || body) into |out| without first copying
 * |body| next to |hdr| where the library allows it. |hdr| may be at |out|;
 * |body| must not overlap |out|. Transport use: the key must be set.
 * Errors as pn_cipherstate_encrypt, PN_ERR_INVALID_ARGUMENT without a key. */
int pn_cipherstate_encrypt2(pn_cipherstate *cs, const uint8_t *hdr,
                            size_t hdrlen, const uint8_t *body, size_t bodylen,
                            uint8_t *out, size_t outcap, size_t *outlen);

/* The bytes message |m| of |p|'s pattern adds to its payload with DH keys of
 * |dhlen| bytes: keys, and a tag on s and the payload once a key exists.
 * *|keyed| says whether a key exists as the message starts and is updated to
 * whether one exists after it. */
size_t pn_protocol_msg_overhead(const pn_protocol *p, int m, size_t dhlen,
                                int *keyed);

#endif
