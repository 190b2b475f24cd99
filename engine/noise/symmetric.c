/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* SymmetricState (spec 5.2). Hashes fail only on PN_BACKEND_OPENSSL (an
 * allocation inside libcrypto), and every failure is returned. */
#include <string.h>

#include "crypto.h"

int pn_symmetric_init(pn_symmetricstate *ss, const pn_protocol *p,
                      pn_crypto_ctx *cx) {
  if (!ss) return PN_ERR_INVALID_ARGUMENT;
  pn_wipe(ss, sizeof *ss);
  if (!p || !p->hash_ops) return PN_ERR_INVALID_ARGUMENT;
  int rc = pn_cipherstate_init(&ss->cs, p, cx);
  if (rc != PN_OK) return rc;
  ss->hash = p->hash_ops;
  size_t hl = ss->hash->hashlen;
  if (p->name_len <= hl) {
    memcpy(ss->h, p->name, p->name_len); /* zero-padded by the wipe */
  } else {
    pn_iov v = {(const uint8_t *)p->name, p->name_len};
    rc = pn_hash(ss->hash, ss->h, &v, 1);
  }
  memcpy(ss->ck, ss->h, hl);
  return rc;
}

int pn_symmetric_mix_key(pn_symmetricstate *ss, const uint8_t *ikm,
                         size_t len) {
  if (!ss || !ss->hash || (!ikm && len)) return PN_ERR_INVALID_ARGUMENT;
  uint8_t k[PN_NOISE_MAX_HASHLEN];
  int rc = pn_hkdf(ss->hash, ss->ck, ikm, len, 2, ss->ck, k, NULL);
  if (rc == PN_OK) pn_cipherstate_set_key(&ss->cs, k); /* truncated to 32 */
  pn_wipe(k, sizeof k);
  return rc;
}

int pn_symmetric_mix_hash(pn_symmetricstate *ss, const uint8_t *data,
                          size_t len) {
  if (!ss || !ss->hash || (!data && len)) return PN_ERR_INVALID_ARGUMENT;
  pn_iov v[2] = {{ss->h, ss->hash->hashlen}, {data, len}};
  return pn_hash(ss->hash, ss->h, v, 2);
}

int pn_symmetric_mix_key_and_hash(pn_symmetricstate *ss, const uint8_t *ikm,
                                  size_t len) {
  if (!ss || !ss->hash || (!ikm && len)) return PN_ERR_INVALID_ARGUMENT;
  uint8_t th[PN_NOISE_MAX_HASHLEN], k[PN_NOISE_MAX_HASHLEN];
  int rc = pn_hkdf(ss->hash, ss->ck, ikm, len, 3, ss->ck, th, k);
  if (rc == PN_OK) rc = pn_symmetric_mix_hash(ss, th, ss->hash->hashlen);
  if (rc == PN_OK) pn_cipherstate_set_key(&ss->cs, k);
  pn_wipe(th, sizeof th);
  pn_wipe(k, sizeof k);
  return rc;
}

int pn_symmetric_encrypt_and_hash(pn_symmetricstate *ss, const uint8_t *in,
                                  size_t inlen, uint8_t *out, size_t outcap,
                                  size_t *outlen) {
  if (!ss || !ss->hash) return PN_ERR_INVALID_ARGUMENT;
  int rc = pn_cipherstate_encrypt(&ss->cs, ss->h, ss->hash->hashlen, in, inlen,
                                  out, outcap, outlen);
  if (rc == PN_OK) rc = pn_symmetric_mix_hash(ss, out, *outlen);
  return rc;
}

int pn_symmetric_decrypt_and_hash(pn_symmetricstate *ss, const uint8_t *in,
                                  size_t inlen, uint8_t *out, size_t outcap,
                                  size_t *outlen) {
  if (!ss || !ss->hash || (!in && inlen)) return PN_ERR_INVALID_ARGUMENT;
  /* Hash the ciphertext first: an in-place decrypt overwrites it. */
  uint8_t next[PN_NOISE_MAX_HASHLEN];
  size_t hl = ss->hash->hashlen;
  pn_iov v[2] = {{ss->h, hl}, {in, inlen}};
  int rc = pn_hash(ss->hash, next, v, 2);
  if (rc == PN_OK)
    rc = pn_cipherstate_decrypt(&ss->cs, ss->h, hl, in, inlen, out, outcap,
                                outlen);
  if (rc == PN_OK) memcpy(ss->h, next, hl);
  return rc;
}

int pn_symmetric_split(const pn_symmetricstate *ss, pn_cipherstate *c1,
                       pn_cipherstate *c2) {
  if (!ss || !ss->hash || !c1 || !c2) return PN_ERR_INVALID_ARGUMENT;
  uint8_t k1[PN_NOISE_MAX_HASHLEN], k2[PN_NOISE_MAX_HASHLEN];
  int rc = pn_hkdf(ss->hash, ss->ck, NULL, 0, 2, k1, k2, NULL);
  const pn_cipher_ops *ops = ss->cs.ops;
  pn_crypto_ctx *cx = ss->cs.cx;
  pn_wipe(c1, sizeof *c1);
  pn_wipe(c2, sizeof *c2);
  if (rc == PN_OK) {
    c1->ops = c2->ops = ops;
    c1->cx = c2->cx = cx;
    pn_cipherstate_set_key(c1, k1);
    pn_cipherstate_set_key(c2, k2);
  }
  pn_wipe(k1, sizeof k1);
  pn_wipe(k2, sizeof k2);
  return rc;
}

size_t pn_symmetric_handshake_hash(const pn_symmetricstate *ss,
                                   uint8_t out[PN_NOISE_MAX_HASHLEN]) {
  if (!ss || !ss->hash) return 0;
  memcpy(out, ss->h, ss->hash->hashlen);
  return ss->hash->hashlen;
}

void pn_symmetric_wipe(pn_symmetricstate *ss) {
  if (!ss) return;
  pn_cipherstate_wipe(&ss->cs);
  pn_wipe(ss, sizeof *ss);
}
