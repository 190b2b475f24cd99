/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * The one internal interface to the crypto libraries. Each primitive is a
 * table of functions; pn_crypto_{dh,cipher,hash}() pick an implementation by
 * backend, so each primitive can come from the fastest well-kept library the
 * build has. Only the files of this folder include a crypto library.
 */
#ifndef PN_CRYPTO_H
#define PN_CRYPTO_H

#include <p2pnoise/noise.h>

typedef struct pn_iov {
  const uint8_t *p;
  size_t len;
} pn_iov;

typedef struct pn_dh_ops {
  uint8_t id;    /* pn_dh_id */
  uint8_t dhlen; /* public, private and shared-secret length */
  const char *impl;
  /* pub = priv * G. 0, or PN_ERR_CRYPTO. */
  int (*pubkey)(uint8_t *pub, const uint8_t *priv);
  /* out = priv * pub. PN_ERR_DH when the result is all zero (low order). */
  int (*dh)(uint8_t *out, const uint8_t *priv, const uint8_t *pub);
} pn_dh_ops;

typedef struct pn_cipher_ops {
  uint8_t id; /* pn_cipher_id */
  const char *impl;
  /* out[0 .. inlen+16) = ENCRYPT(k, n, ad, in). out may equal in. 0 or
   * PN_ERR_CRYPTO. Nonce layout (LE or BE counter) is the op's business. */
  int (*encrypt)(const uint8_t k[32], uint64_t n, const uint8_t *ad,
                 size_t adlen, const uint8_t *in, size_t inlen, uint8_t *out);
  /* out[0 .. inlen-16) = DECRYPT(...); inlen >= 16. out may equal in.
   * PN_ERR_DECRYPT on a bad tag; out is then unspecified but fully written or
   * zeroed: never partially trusted. */
  int (*decrypt)(const uint8_t k[32], uint64_t n, const uint8_t *ad,
                 size_t adlen, const uint8_t *in, size_t inlen, uint8_t *out);
  /* The same two with a raw 96-bit nonce. encrypt/decrypt build the Noise
   * nonce and call these, so a test with arbitrary nonces (Wycheproof) runs
   * the very code the protocol uses. Not for protocol code. */
  int (*encrypt_iv)(const uint8_t k[32], const uint8_t iv[12],
                    const uint8_t *ad, size_t adlen, const uint8_t *in,
                    size_t inlen, uint8_t *out);
  int (*decrypt_iv)(const uint8_t k[32], const uint8_t iv[12],
                    const uint8_t *ad, size_t adlen, const uint8_t *in,
                    size_t inlen, uint8_t *out);
  /* Optional: ENCRYPT(k, n, ad = empty, hdr || body) into out[0 ..
   * hdrlen+bodylen+16) without first copying |body| next to |hdr|. |hdr|
   * may be at |out|; |body| must not overlap |out|. NULL: the caller puts
   * the plaintext together and uses encrypt. */
  int (*encrypt2)(const uint8_t k[32], uint64_t n, const uint8_t *hdr,
                  size_t hdrlen, const uint8_t *body, size_t bodylen,
                  uint8_t *out);
  /* Optional: drops any copy of |k| the implementation cached (the
   * per-thread contexts of libcrypto), so a wiped CipherState leaves no key
   * behind. NULL when nothing is cached. */
  void (*forget)(const uint8_t k[32]);
} pn_cipher_ops;

typedef struct pn_hash_ops {
  uint8_t id;       /* pn_hash_id */
  uint8_t hashlen;  /* 32 or 64 */
  uint8_t blocklen; /* 64 or 128, for HMAC */
  const char *impl;
  /* out = HASH(iov[0] || ... || iov[n-1]); |out| may alias an input. */
  void (*hash)(uint8_t *out, const pn_iov *iov, size_t n);
} pn_hash_ops;

/* NULL when |backend| cannot supply the primitive (not built, no CPU
 * support). AUTO picks the fastest available. */
const pn_dh_ops *pn_crypto_dh(int id, pn_backend backend);
const pn_cipher_ops *pn_crypto_cipher(int id, pn_backend backend);
const pn_hash_ops *pn_crypto_hash(int id, pn_backend backend);

/* HMAC-HASH(key, data) exactly as RFC 2104 over |h|; |out| gets hashlen and
 * may alias the inputs. |data| is at most 15 iovs (no allocation). */
void pn_hmac(const pn_hash_ops *h, const uint8_t *key, size_t keylen,
             const pn_iov *data, size_t n, uint8_t *out);
/* The spec's HKDF(chaining_key, ikm, num_outputs): |ck| is hashlen bytes,
 * |nout| is 2 or 3; o3 may be NULL when nout is 2. Outputs may alias |ck|
 * (it is read only to make the temporary key). */
void pn_hkdf(const pn_hash_ops *h, const uint8_t *ck, const uint8_t *ikm,
             size_t ikmlen, int nout, uint8_t *o1, uint8_t *o2, uint8_t *o3);

enum { PN_SIPHASH_KEYLEN = 16 };

/* SipHash-2-4 of |in| under a secret |key| (the routing table's hash). */
uint64_t pn_siphash(const uint8_t key[PN_SIPHASH_KEYLEN], const uint8_t *in,
                    size_t len);

/* Fills |buf| from libsodium's CSPRNG. 0. */
int pn_random_default(void *user, uint8_t *buf, size_t len);
/* sodium_memzero. */
void pn_wipe(void *p, size_t len);
/* Constant-time: 1 if all |len| bytes are zero. */
int pn_is_zero(const uint8_t *p, size_t len);

/* Backend internals, for crypto.c's tables. */
const pn_dh_ops *pn_sodium_dh(int id);
const pn_cipher_ops *pn_sodium_cipher(int id);
const pn_hash_ops *pn_sodium_hash(int id);
const pn_dh_ops *pn_openssl_dh(int id);
const pn_cipher_ops *pn_openssl_cipher(int id);
const pn_hash_ops *pn_openssl_hash(int id);

#endif
