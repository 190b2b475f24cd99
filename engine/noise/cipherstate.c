/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* CipherState (spec 5.1). The nonce layout lives in the cipher op. */
#include <string.h>

#include "crypto.h"
#include "noise_int.h"

int pn_cipherstate_init(pn_cipherstate *cs, const pn_protocol *p,
                        pn_crypto_ctx *cx) {
  if (!cs) return PN_ERR_INVALID_ARGUMENT;
  pn_wipe(cs, sizeof *cs);
  /* The context must hold what this cipher's calls use. */
  if (!p || !p->cipher_ops || !cx || cx->ops != p->cipher_ops)
    return PN_ERR_INVALID_ARGUMENT;
  cs->ops = p->cipher_ops;
  cs->cx = cx;
  return PN_OK;
}

void pn_cipherstate_set_key(pn_cipherstate *cs, const uint8_t key[32]) {
  memcpy(cs->k, key, PN_NOISE_KEYLEN);
  cs->n = 0;
  cs->has_key = 1;
}

int pn_cipherstate_has_key(const pn_cipherstate *cs) {
  return cs && cs->has_key;
}

void pn_cipherstate_set_nonce(pn_cipherstate *cs, uint64_t n) {
  cs->n = n;
}

uint64_t pn_cipherstate_nonce(const pn_cipherstate *cs) {
  return cs->n;
}

/* Without a key, Encrypt/Decrypt return the input unchanged (spec 5.1). */
static int passthrough(const uint8_t *in, size_t inlen, uint8_t *out,
                       size_t outcap, size_t *outlen) {
  if (inlen > PN_NOISE_MAX_MSG) return PN_ERR_MSG_SIZE;
  if (outcap < inlen) return PN_ERR_NOBUF;
  if (!out && inlen) return PN_ERR_INVALID_ARGUMENT;
  if (inlen) memmove(out, in, inlen);
  *outlen = inlen;
  return PN_OK;
}

int pn_cipherstate_encrypt(pn_cipherstate *cs, const uint8_t *ad, size_t adlen,
                           const uint8_t *in, size_t inlen, uint8_t *out,
                           size_t outcap, size_t *outlen) {
  if (!cs || !outlen || (!in && inlen) || (!ad && adlen))
    return PN_ERR_INVALID_ARGUMENT;
  if (!cs->has_key) return passthrough(in, inlen, out, outcap, outlen);
  if (!out) return PN_ERR_INVALID_ARGUMENT; /* the tag needs room */
  if (cs->n == UINT64_MAX) return PN_ERR_NONCE_EXHAUSTED;
  if (inlen > PN_NOISE_MAX_MSG - PN_NOISE_TAGLEN) return PN_ERR_MSG_SIZE;
  if (outcap < inlen + PN_NOISE_TAGLEN) return PN_ERR_NOBUF;
  if (cs->ops->encrypt(cs->cx, cs->k, cs->n, ad, adlen, in, inlen, out) != 0)
    return PN_ERR_CRYPTO;
  cs->n++;
  *outlen = inlen + PN_NOISE_TAGLEN;
  return PN_OK;
}

int pn_cipherstate_encrypt2(pn_cipherstate *cs, const uint8_t *hdr,
                            size_t hdrlen, const uint8_t *body, size_t bodylen,
                            uint8_t *out, size_t outcap, size_t *outlen) {
  size_t inlen = hdrlen + bodylen;
  if (!cs || !outlen || !out || (!hdr && hdrlen) || (!body && bodylen) ||
      !cs->has_key)
    return PN_ERR_INVALID_ARGUMENT;
  if (cs->n == UINT64_MAX) return PN_ERR_NONCE_EXHAUSTED;
  if (inlen > PN_NOISE_MAX_MSG - PN_NOISE_TAGLEN) return PN_ERR_MSG_SIZE;
  if (outcap < inlen + PN_NOISE_TAGLEN) return PN_ERR_NOBUF;
  int rc;
  if (cs->ops->encrypt2) {
    rc = cs->ops->encrypt2(cs->cx, cs->k, cs->n, hdr, hdrlen, body, bodylen,
                           out);
  } else {
    if (hdrlen) memmove(out, hdr, hdrlen);
    if (bodylen) memcpy(out + hdrlen, body, bodylen);
    rc = cs->ops->encrypt(cs->cx, cs->k, cs->n, NULL, 0, out, inlen, out);
  }
  if (rc != 0) return PN_ERR_CRYPTO;
  cs->n++;
  *outlen = inlen + PN_NOISE_TAGLEN;
  return PN_OK;
}

int pn_cipherstate_decrypt(pn_cipherstate *cs, const uint8_t *ad, size_t adlen,
                           const uint8_t *in, size_t inlen, uint8_t *out,
                           size_t outcap, size_t *outlen) {
  if (!cs || !outlen || (!in && inlen) || (!ad && adlen))
    return PN_ERR_INVALID_ARGUMENT;
  if (!cs->has_key) return passthrough(in, inlen, out, outcap, outlen);
  if (cs->n == UINT64_MAX) return PN_ERR_NONCE_EXHAUSTED;
  if (inlen > PN_NOISE_MAX_MSG) return PN_ERR_MSG_SIZE;
  if (inlen < PN_NOISE_TAGLEN) return PN_ERR_DECRYPT;
  if (outcap < inlen - PN_NOISE_TAGLEN) return PN_ERR_NOBUF;
  /* An empty plaintext needs no output buffer: |out| may be NULL then. */
  uint8_t none[1];
  if (!out) {
    if (inlen != PN_NOISE_TAGLEN) return PN_ERR_INVALID_ARGUMENT;
    out = none;
  }
  int rc = cs->ops->decrypt(cs->cx, cs->k, cs->n, ad, adlen, in, inlen, out);
  if (rc != 0) return rc == PN_ERR_DECRYPT ? PN_ERR_DECRYPT : PN_ERR_CRYPTO;
  cs->n++; /* only after the tag checked */
  *outlen = inlen - PN_NOISE_TAGLEN;
  return PN_OK;
}

int pn_cipherstate_rekey(pn_cipherstate *cs) {
  if (!cs) return PN_ERR_INVALID_ARGUMENT;
  if (!cs->has_key) return PN_ERR_INVALID_STATE;
  static const uint8_t zeros[PN_NOISE_KEYLEN];
  uint8_t tmp[PN_NOISE_KEYLEN + PN_NOISE_TAGLEN];
  int rc = cs->ops->encrypt(cs->cx, cs->k, UINT64_MAX, NULL, 0, zeros,
                            sizeof zeros, tmp) == 0
               ? PN_OK
               : PN_ERR_CRYPTO;
  if (rc == PN_OK) {
    /* The old key is done, in the context too. */
    if (cs->ops->forget) cs->ops->forget(cs->cx, cs->k);
    memcpy(cs->k, tmp, PN_NOISE_KEYLEN);
  }
  pn_wipe(tmp, sizeof tmp);
  /* The new key was the cipher's output: its keystream may be left in the
   * library's dead frames. Rekeys are rare; the burn is cheap beside them. */
  pn_burn_stack();
  return rc;
}

void pn_cipherstate_wipe(pn_cipherstate *cs) {
  if (!cs) return;
  if (cs->has_key && cs->ops && cs->ops->forget && cs->cx)
    cs->ops->forget(cs->cx, cs->k);
  pn_wipe(cs, sizeof *cs);
}
