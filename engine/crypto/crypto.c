/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * Backend dispatch, HMAC and HKDF (Noise spec 4.3), and the small helpers the
 * rest of the library uses instead of calling libsodium directly.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "crypto.h"
#include "crypto_fuzz.h"

int pn_backend_available(pn_backend backend) {
  if (pn_crypto_init() != PN_OK) return 0;
  switch (backend) {
  case PN_BACKEND_AUTO:
  case PN_BACKEND_SODIUM:
    return 1;
  case PN_BACKEND_OPENSSL:
    /* ChaChaPoly is in every libcrypto build we accept; without it the
     * provider set is too restricted (e.g. FIPS-only) to be useful. */
    return pn_openssl_cipher(PN_CIPHER_CHACHAPOLY) != NULL;
  }
  return 0;
}

/* ---- Backend choice ----------------------------------------------------- */

enum { PN_KIND_DH, PN_KIND_CIPHER, PN_KIND_HASH };

/* The libraries: the two backends a caller can name, and the two AUTO adds
 * where they beat both (libdecaf's X448, libgcrypt's hashes). */
enum { PN_PROV_SODIUM = 1, PN_PROV_OPENSSL, PN_PROV_DECAF, PN_PROV_GCRYPT };

/*
 * What AUTO takes, best first; the next entry is the fallback when a library
 * lacks the primitive in this build or on this CPU. Every first choice is
 * allocation-free; libcrypto's DH and digests allocate per call (EVP_PKEY,
 * and a digest context re-initialised by allocating), so they come last.
 * - ChaChaPoly: libcrypto's assembly is ~2.5x faster than libsodium 1.0.18
 *   (and AUTO routes each call by size, below).
 * - AESGCM: libcrypto uses AES-NI too and also works without it; libsodium
 *   only has it with AES-NI + PCLMUL.
 * - X25519: libsodium, about twice as fast as libcrypto through EVP.
 * - X448: libdecaf (the code libcrypto's X448 derives from), 2.6x faster
 *   here than libcrypto through EVP_PKEY, and allocation-free.
 * - SHA-256 and SHA-512: libgcrypt's one-call gcry_md_hash_buffers (SHA-NI
 *   where the CPU has it) hashes a handshake's short inputs 1.3-1.5x faster
 *   than libcrypto's EVP and 3-5x (SHA-256) faster than libsodium's C.
 * - BLAKE2s: libgcrypt (AVX); only it and libcrypto have BLAKE2s.
 * - BLAKE2b: libsodium's SIMD code, as fast as libgcrypt's.
 */
static const struct {
  uint8_t kind, id;
  uint8_t pref[3]; /* pn_provider; 0 ends the list */
} pn_auto_table[] = {
    {PN_KIND_DH, PN_DH_25519, {PN_PROV_SODIUM, PN_PROV_OPENSSL, 0}},
    {PN_KIND_DH, PN_DH_448, {PN_PROV_DECAF, PN_PROV_OPENSSL, 0}},
    {PN_KIND_CIPHER,
     PN_CIPHER_CHACHAPOLY,
     {PN_PROV_OPENSSL, PN_PROV_SODIUM, 0}},
    {PN_KIND_CIPHER, PN_CIPHER_AESGCM, {PN_PROV_OPENSSL, PN_PROV_SODIUM, 0}},
    {PN_KIND_HASH,
     PN_HASH_SHA256,
     {PN_PROV_GCRYPT, PN_PROV_SODIUM, PN_PROV_OPENSSL}},
    {PN_KIND_HASH,
     PN_HASH_SHA512,
     {PN_PROV_GCRYPT, PN_PROV_SODIUM, PN_PROV_OPENSSL}},
    {PN_KIND_HASH, PN_HASH_BLAKE2S, {PN_PROV_GCRYPT, PN_PROV_OPENSSL, 0}},
    {PN_KIND_HASH, PN_HASH_BLAKE2B, {PN_PROV_SODIUM, PN_PROV_OPENSSL, 0}},
};

static const void *pn_backend_ops(int kind, int id, int prov) {
  switch (kind) {
  case PN_KIND_DH:
    return prov == PN_PROV_SODIUM    ? (const void *)pn_sodium_dh(id)
           : prov == PN_PROV_OPENSSL ? (const void *)pn_openssl_dh(id)
           : prov == PN_PROV_DECAF   ? (const void *)pn_decaf_dh(id)
                                     : NULL;
  case PN_KIND_CIPHER:
    return prov == PN_PROV_SODIUM    ? (const void *)pn_sodium_cipher(id)
           : prov == PN_PROV_OPENSSL ? (const void *)pn_openssl_cipher(id)
                                     : NULL;
  default:
    return prov == PN_PROV_SODIUM    ? (const void *)pn_sodium_hash(id)
           : prov == PN_PROV_OPENSSL ? (const void *)pn_openssl_hash(id)
           : prov == PN_PROV_GCRYPT  ? (const void *)pn_gcrypt_hash(id)
                                     : NULL;
  }
}

static const void *pn_pick(int kind, int id, pn_backend backend) {
  /* libsodium must be initialised before its CPU-dependent answers. */
  if (pn_crypto_init() != PN_OK) return NULL;
  if (backend == PN_BACKEND_SODIUM)
    return pn_backend_ops(kind, id, PN_PROV_SODIUM);
  if (backend == PN_BACKEND_OPENSSL)
    return pn_backend_ops(kind, id, PN_PROV_OPENSSL);
  if (backend != PN_BACKEND_AUTO) return NULL;
  for (size_t i = 0; i < sizeof pn_auto_table / sizeof pn_auto_table[0]; i++) {
    if (pn_auto_table[i].kind != kind || pn_auto_table[i].id != id) continue;
    for (size_t j = 0; j < 3 && pn_auto_table[i].pref[j]; j++) {
      const void *ops = pn_backend_ops(kind, id, pn_auto_table[i].pref[j]);
      if (ops) return ops;
    }
    return NULL;
  }
  return NULL;
}

const pn_dh_ops *pn_crypto_dh(int id, pn_backend backend) {
  return pn_pick(PN_KIND_DH, id, backend);
}

#ifndef PN_FUZZING_AEAD
/*
 * AUTO's AEADs when both libraries have the cipher: each message goes to the
 * faster one for its size. libcrypto's EVP layer costs more per call and its
 * assembly wins on long inputs; measured crossovers on this project's
 * machines: ChaCha20-Poly1305 about 1 KiB, AES-256-GCM about 384 bytes. The
 * output is identical either way, so the choice is free per message.
 */
enum { PN_SPLIT_CHACHAPOLY = 1024, PN_SPLIT_AESGCM = 384 };

/* Filled by pn_split_ops() before the first use of an op below, and the
 * same on every call (the libraries' tables are constant once initialised),
 * so a race only writes the same pointers twice. */
static const pn_cipher_ops *_Atomic pn_split_small[3],
    *_Atomic pn_split_large[3];

static const pn_cipher_ops *pn_split_pick(int id, size_t len) {
  size_t at =
      id == PN_CIPHER_CHACHAPOLY ? PN_SPLIT_CHACHAPOLY : PN_SPLIT_AESGCM;
  return atomic_load_explicit(len < at ? &pn_split_small[id]
                                       : &pn_split_large[id],
                              memory_order_relaxed);
}

#define PN_SPLIT_OPS(name, ID)                                                 \
  static int name##_setup(pn_crypto_ctx *cx) {                                 \
    const pn_cipher_ops *s = pn_split_pick(ID, 0),                             \
                        *l = pn_split_pick(ID, SIZE_MAX);                      \
    int rc = s->setup ? s->setup(cx) : PN_OK;                                  \
    if (rc == PN_OK && l->setup) rc = l->setup(cx);                            \
    if (rc != PN_OK && s->release) s->release(cx);                             \
    return rc;                                                                 \
  }                                                                            \
  static void name##_release(pn_crypto_ctx *cx) {                              \
    const pn_cipher_ops *s = pn_split_pick(ID, 0),                             \
                        *l = pn_split_pick(ID, SIZE_MAX);                      \
    if (s->release) s->release(cx);                                            \
    if (l->release) l->release(cx);                                            \
  }                                                                            \
  static int name##_enc(pn_crypto_ctx *cx, const uint8_t k[32], uint64_t n,    \
                        const uint8_t *ad, size_t adlen, const uint8_t *in,    \
                        size_t inlen, uint8_t *out) {                          \
    return pn_split_pick(ID, inlen)->encrypt(cx, k, n, ad, adlen, in, inlen,   \
                                             out);                             \
  }                                                                            \
  static int name##_dec(pn_crypto_ctx *cx, const uint8_t k[32], uint64_t n,    \
                        const uint8_t *ad, size_t adlen, const uint8_t *in,    \
                        size_t inlen, uint8_t *out) {                          \
    return pn_split_pick(ID, inlen < 16 ? 0 : inlen - 16)                      \
        ->decrypt(cx, k, n, ad, adlen, in, inlen, out);                        \
  }                                                                            \
  static int name##_enc_iv(pn_crypto_ctx *cx, const uint8_t k[32],             \
                           const uint8_t iv[12], const uint8_t *ad,            \
                           size_t adlen, const uint8_t *in, size_t inlen,      \
                           uint8_t *out) {                                     \
    return pn_split_pick(ID, inlen)->encrypt_iv(cx, k, iv, ad, adlen, in,      \
                                                inlen, out);                   \
  }                                                                            \
  static int name##_dec_iv(pn_crypto_ctx *cx, const uint8_t k[32],             \
                           const uint8_t iv[12], const uint8_t *ad,            \
                           size_t adlen, const uint8_t *in, size_t inlen,      \
                           uint8_t *out) {                                     \
    return pn_split_pick(ID, inlen < 16 ? 0 : inlen - 16)                      \
        ->decrypt_iv(cx, k, iv, ad, adlen, in, inlen, out);                    \
  }                                                                            \
  static int name##_enc2(pn_crypto_ctx *cx, const uint8_t k[32], uint64_t n,   \
                         const uint8_t *hdr, size_t hdrlen,                    \
                         const uint8_t *body, size_t bodylen, uint8_t *out) {  \
    const pn_cipher_ops *o = pn_split_pick(ID, hdrlen + bodylen);              \
    if (o->encrypt2)                                                           \
      return o->encrypt2(cx, k, n, hdr, hdrlen, body, bodylen, out);           \
    memmove(out, hdr, hdrlen);                                                 \
    memcpy(out + hdrlen, body, bodylen);                                       \
    return o->encrypt(cx, k, n, NULL, 0, out, hdrlen + bodylen, out);          \
  }                                                                            \
  static void name##_forget(pn_crypto_ctx *cx, const uint8_t k[32]) {          \
    const pn_cipher_ops *s = pn_split_pick(ID, 0),                             \
                        *l = pn_split_pick(ID, SIZE_MAX);                      \
    if (s->forget) s->forget(cx, k);                                           \
    if (l->forget) l->forget(cx, k);                                           \
  }                                                                            \
  static const pn_cipher_ops name = {.id = ID,                                 \
                                     .impl = "libsodium+libcrypto",            \
                                     .setup = name##_setup,                    \
                                     .release = name##_release,                \
                                     .encrypt = name##_enc,                    \
                                     .decrypt = name##_dec,                    \
                                     .encrypt_iv = name##_enc_iv,              \
                                     .decrypt_iv = name##_dec_iv,              \
                                     .encrypt2 = name##_enc2,                  \
                                     .forget = name##_forget};

PN_SPLIT_OPS(pn_split_chachapoly, PN_CIPHER_CHACHAPOLY)
PN_SPLIT_OPS(pn_split_aesgcm, PN_CIPHER_AESGCM)

/* The split op for |id| when both libraries have it, else NULL. */
static const pn_cipher_ops *pn_split_ops(int id) {
  const pn_cipher_ops *s = pn_sodium_cipher(id), *l = pn_openssl_cipher(id);
  if (!s || !l) return NULL;
  atomic_store_explicit(&pn_split_small[id], s, memory_order_relaxed);
  atomic_store_explicit(&pn_split_large[id], l, memory_order_relaxed);
  return id == PN_CIPHER_CHACHAPOLY ? &pn_split_chachapoly : &pn_split_aesgcm;
}

#endif

const pn_cipher_ops *pn_crypto_cipher(int id, pn_backend backend) {
#ifdef PN_FUZZING_AEAD
  /* The fuzzing build's transparent stand-in, whatever the backend. */
  (void)backend;
  return pn_crypto_init() == PN_OK ? pn_fuzz_cipher(id) : NULL;
#else
  if (backend == PN_BACKEND_AUTO &&
      (id == PN_CIPHER_CHACHAPOLY || id == PN_CIPHER_AESGCM) &&
      pn_crypto_init() == PN_OK) {
    const pn_cipher_ops *split = pn_split_ops(id);
    if (split) return split;
  }
  return pn_pick(PN_KIND_CIPHER, id, backend);
#endif
}

const pn_hash_ops *pn_crypto_hash(int id, pn_backend backend) {
  return pn_pick(PN_KIND_HASH, id, backend);
}

/* ---- Contexts ----------------------------------------------------------- */

int pn_crypto_ctx_setup(pn_crypto_ctx *cx, const pn_cipher_ops *ops) {
  if (!cx || !ops) return PN_ERR_INVALID_ARGUMENT;
  pn_wipe(cx, sizeof *cx);
  int rc = ops->setup ? ops->setup(cx) : PN_OK;
  if (rc != PN_OK) {
    pn_wipe(cx, sizeof *cx);
    return rc;
  }
  cx->ops = ops;
  return PN_OK;
}

int pn_crypto_ctx_init(pn_crypto_ctx *cx, const pn_protocol *p) {
  if (!cx || !p || !p->cipher_ops) return PN_ERR_INVALID_ARGUMENT;
  return pn_crypto_ctx_setup(cx, p->cipher_ops);
}

void pn_crypto_ctx_wipe(pn_crypto_ctx *cx) {
  if (!cx) return;
  if (cx->ops && cx->ops->release) cx->ops->release(cx);
  pn_wipe(cx, sizeof *cx);
}

/* ---- HMAC and HKDF ------------------------------------------------------ */

enum { PN_MAX_BLOCKLEN = 128 };

/* |pad| ^= |x| repeated, word by word: the byte loop was most of HMAC's own
 * cost in a handshake. Block lengths are multiples of 8. */
static void pn_pad_xor(uint8_t *pad, size_t bl, uint8_t x) {
  uint64_t m = 0x0101010101010101ULL * x;
  for (size_t i = 0; i < bl; i += 8) {
    uint64_t w;
    memcpy(&w, pad + i, 8);
    w ^= m;
    memcpy(pad + i, &w, 8);
  }
}

int pn_hmac(const pn_hash_ops *h, const uint8_t *key, size_t keylen,
            const pn_iov *data, size_t n, uint8_t *out) {
  struct {
    uint8_t pad[PN_MAX_BLOCKLEN];
    uint8_t inner[PN_NOISE_MAX_HASHLEN];
  } w; /* one wipe for both */
  uint8_t *pad = w.pad, *inner = w.inner;
  pn_iov v[PN_HMAC_MAX_IOV + 1];
  size_t bl = h->blocklen, hl = h->hashlen;
  int rc = PN_OK;

  if (n > PN_HMAC_MAX_IOV) {
    pn_wipe(out, hl);
    return PN_ERR_INVALID_ARGUMENT;
  }
  /* RFC 2104: a key longer than the block is hashed first, then the key is
   * zero-padded to the block. */
  memset(pad, 0, bl);
  if (keylen > bl) {
    pn_iov kv = {key, keylen};
    rc = pn_hash(h, pad, &kv, 1);
  } else if (keylen) {
    memcpy(pad, key, keylen);
  }
  pn_pad_xor(pad, bl, 0x36);
  v[0].p = pad;
  v[0].len = bl;
  for (size_t i = 0; i < n; i++)
    v[i + 1] = data[i];
  if (rc == PN_OK) rc = pn_hash(h, inner, v, n + 1);

  /* (K ^ ipad) ^ (0x36 ^ 0x5c) = K ^ opad. */
  pn_pad_xor(pad, bl, 0x36 ^ 0x5c);
  v[1].p = inner;
  v[1].len = hl;
  if (rc == PN_OK) rc = pn_hash(h, out, v, 2);
  if (rc != PN_OK) pn_wipe(out, hl);

  pn_wipe(&w, sizeof w);
  return rc;
}

int pn_hkdf(const pn_hash_ops *h, const uint8_t *ck, const uint8_t *ikm,
            size_t ikmlen, int nout, uint8_t *o1, uint8_t *o2, uint8_t *o3) {
  struct {
    uint8_t tk[PN_NOISE_MAX_HASHLEN];
    uint8_t t[3][PN_NOISE_MAX_HASHLEN];
  } w; /* one wipe for all */
  uint8_t *tk = w.tk, (*t)[PN_NOISE_MAX_HASHLEN] = w.t;
  size_t hl = h->hashlen;
  uint8_t ctr;
  pn_iov v[2];
  int rc;

  v[0].p = ikm;
  v[0].len = ikmlen;
  rc = pn_hmac(h, ck, hl, v, 1, tk);

  ctr = 0x01;
  v[0].p = &ctr;
  v[0].len = 1;
  if (rc == PN_OK) rc = pn_hmac(h, tk, hl, v, 1, t[0]);

  v[0].p = t[0];
  v[0].len = hl;
  v[1].p = &ctr;
  v[1].len = 1;
  ctr = 0x02;
  if (rc == PN_OK) rc = pn_hmac(h, tk, hl, v, 2, t[1]);
  if (rc == PN_OK && nout == 3) {
    v[0].p = t[1];
    ctr = 0x03;
    rc = pn_hmac(h, tk, hl, v, 2, t[2]);
  }

  /* Outputs last, so they may alias |ck|, |ikm| or one another's inputs. */
  if (rc == PN_OK) {
    memcpy(o1, t[0], hl);
    memcpy(o2, t[1], hl);
    if (nout == 3 && o3) memcpy(o3, t[2], hl);
  }
  pn_wipe(&w, sizeof w);
  /* The hashes left the outputs and the temporary key in their frames. */
  pn_burn_stack();
  return rc;
}
