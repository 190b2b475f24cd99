/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * The libsodium backend: X25519, ChaCha20-Poly1305 (IETF), AES-256-GCM (only
 * with hardware support), SHA-256, SHA-512 and BLAKE2b. libsodium has neither
 * X448 nor BLAKE2s. Callers go through crypto.c, which runs sodium_init first.
 */
#include <string.h>

#include <sodium.h>

#include "crypto.h"

/* ---- X25519 ------------------------------------------------------------- */

static int pn_sodium_x25519_pubkey(uint8_t *pub, const uint8_t *priv) {
  return crypto_scalarmult_curve25519_base(pub, priv) == 0 ? PN_OK
                                                           : PN_ERR_CRYPTO;
}

static int pn_sodium_x25519_dh(uint8_t *out, const uint8_t *priv,
                               const uint8_t *pub) {
  /* -1 means a low-order point or an all-zero result. */
  return crypto_scalarmult_curve25519(out, priv, pub) == 0 ? PN_OK : PN_ERR_DH;
}

/* id, dhlen, impl, pubkey, dh, allocations per pubkey and per dh */
static const pn_dh_ops pn_sodium_x25519 = {
    PN_DH_25519, 32, "libsodium", pn_sodium_x25519_pubkey, pn_sodium_x25519_dh,
    0,           0};

const pn_dh_ops *pn_sodium_dh(int id) {
  return id == PN_DH_25519 ? &pn_sodium_x25519 : NULL;
}

/* ---- AEADs -------------------------------------------------------------- */

/* Noise section 12: 32 zero bits, then n in the cipher's byte order. */
static void pn_nonce_le(uint8_t iv[12], uint64_t n) {
  memset(iv, 0, 4);
  for (int i = 0; i < 8; i++)
    iv[4 + i] = (uint8_t)(n >> (8 * i));
}

static void pn_nonce_be(uint8_t iv[12], uint64_t n) {
  memset(iv, 0, 4);
  for (int i = 0; i < 8; i++)
    iv[11 - i] = (uint8_t)(n >> (8 * i));
}

static int pn_sodium_chachapoly_encrypt_iv(pn_crypto_ctx *cx,
                                           const uint8_t k[32],
                                           const uint8_t iv[12],
                                           const uint8_t *ad, size_t adlen,
                                           const uint8_t *in, size_t inlen,
                                           uint8_t *out) {
  (void)cx; /* libsodium's ChaCha20-Poly1305 keeps nothing between calls */
  /* Beyond the maximum libsodium calls sodium_misuse(), which aborts. */
  if (inlen > crypto_aead_chacha20poly1305_ietf_MESSAGEBYTES_MAX)
    return PN_ERR_CRYPTO;
  /* Detached: the ciphertext lands where the plaintext was (in place works)
   * and the tag right after it. */
  if (crypto_aead_chacha20poly1305_ietf_encrypt_detached(
          out, out + inlen, NULL, in, inlen, ad, adlen, NULL, iv, k) != 0)
    return PN_ERR_CRYPTO;
  return PN_OK;
}

static int pn_sodium_chachapoly_decrypt_iv(pn_crypto_ctx *cx,
                                           const uint8_t k[32],
                                           const uint8_t iv[12],
                                           const uint8_t *ad, size_t adlen,
                                           const uint8_t *in, size_t inlen,
                                           uint8_t *out) {
  (void)cx;
  if (inlen < 16) return PN_ERR_DECRYPT;
  size_t mlen = inlen - 16;
  if (mlen > crypto_aead_chacha20poly1305_ietf_MESSAGEBYTES_MAX)
    return PN_ERR_CRYPTO;
  if (crypto_aead_chacha20poly1305_ietf_decrypt_detached(
          out, NULL, in, mlen, in + mlen, ad, adlen, iv, k) != 0) {
    /* Never leave unauthenticated plaintext behind. */
    sodium_memzero(out, mlen);
    return PN_ERR_DECRYPT;
  }
  return PN_OK;
}

/* |cx|'s expanded AES-GCM key, made from |k| unless it already is: like
 * libcrypto's contexts, one per owner, re-expanded only when the key
 * changes. Expanding inside each call (libsodium's one-shot functions)
 * would also leave the key schedule in the call's dead frame. */
static const crypto_aead_aes256gcm_state *pn_sodium_gcm(pn_crypto_ctx *cx,
                                                        const uint8_t k[32]) {
  crypto_aead_aes256gcm_state *st = (crypto_aead_aes256gcm_state *)cx->gcm;
  if (!cx->gcm_keyed || !pn_key_equal(cx->gcm_key, k)) {
    (void)crypto_aead_aes256gcm_beforenm(st, k); /* cannot fail */
    memcpy(cx->gcm_key, k, 32);
    cx->gcm_keyed = 1;
    pn_burn_stack(); /* the expansion's temporaries */
  }
  return st;
}

_Static_assert(sizeof(((pn_crypto_ctx *)0)->gcm) >=
                   sizeof(crypto_aead_aes256gcm_state),
               "pn_crypto_ctx.gcm holds libsodium's AES-GCM state");

static int pn_sodium_aesgcm_encrypt_iv(pn_crypto_ctx *cx, const uint8_t k[32],
                                       const uint8_t iv[12], const uint8_t *ad,
                                       size_t adlen, const uint8_t *in,
                                       size_t inlen, uint8_t *out) {
  if (inlen > crypto_aead_aes256gcm_MESSAGEBYTES_MAX) return PN_ERR_CRYPTO;
  if (crypto_aead_aes256gcm_encrypt_detached_afternm(out, out + inlen, NULL, in,
                                                     inlen, ad, adlen, NULL, iv,
                                                     pn_sodium_gcm(cx, k)) != 0)
    return PN_ERR_CRYPTO;
  return PN_OK;
}

static int pn_sodium_aesgcm_decrypt_iv(pn_crypto_ctx *cx, const uint8_t k[32],
                                       const uint8_t iv[12], const uint8_t *ad,
                                       size_t adlen, const uint8_t *in,
                                       size_t inlen, uint8_t *out) {
  if (inlen < 16) return PN_ERR_DECRYPT;
  size_t mlen = inlen - 16;
  if (mlen > crypto_aead_aes256gcm_MESSAGEBYTES_MAX) return PN_ERR_CRYPTO;
  if (crypto_aead_aes256gcm_decrypt_detached_afternm(
          out, NULL, in, mlen, in + mlen, ad, adlen, iv,
          pn_sodium_gcm(cx, k)) != 0) {
    sodium_memzero(out, mlen);
    return PN_ERR_DECRYPT;
  }
  return PN_OK;
}

/* Drops |cx|'s expanded key if it is |k|'s. */
static void pn_sodium_aesgcm_forget(pn_crypto_ctx *cx, const uint8_t k[32]) {
  if (!cx->gcm_keyed || !pn_key_equal(cx->gcm_key, k)) return;
  sodium_memzero(cx->gcm, sizeof cx->gcm);
  sodium_memzero(cx->gcm_key, sizeof cx->gcm_key);
  cx->gcm_keyed = 0;
}

/* The Noise forms: build the nonce, call the _iv form. */
#define PN_SODIUM_NONCE_OPS(name, nonce)                                       \
  static int name##_encrypt(pn_crypto_ctx *cx, const uint8_t k[32],            \
                            uint64_t n, const uint8_t *ad, size_t adlen,       \
                            const uint8_t *in, size_t inlen, uint8_t *out) {   \
    uint8_t iv[12];                                                            \
    nonce(iv, n);                                                              \
    return name##_encrypt_iv(cx, k, iv, ad, adlen, in, inlen, out);            \
  }                                                                            \
  static int name##_decrypt(pn_crypto_ctx *cx, const uint8_t k[32],            \
                            uint64_t n, const uint8_t *ad, size_t adlen,       \
                            const uint8_t *in, size_t inlen, uint8_t *out) {   \
    uint8_t iv[12];                                                            \
    nonce(iv, n);                                                              \
    return name##_decrypt_iv(cx, k, iv, ad, adlen, in, inlen, out);            \
  }

PN_SODIUM_NONCE_OPS(pn_sodium_chachapoly, pn_nonce_le)
PN_SODIUM_NONCE_OPS(pn_sodium_aesgcm, pn_nonce_be)

static const pn_cipher_ops pn_sodium_chachapoly = {
    .id = PN_CIPHER_CHACHAPOLY,
    .impl = "libsodium",
    .encrypt = pn_sodium_chachapoly_encrypt,
    .decrypt = pn_sodium_chachapoly_decrypt,
    .encrypt_iv = pn_sodium_chachapoly_encrypt_iv,
    .decrypt_iv = pn_sodium_chachapoly_decrypt_iv,
};

static const pn_cipher_ops pn_sodium_aesgcm = {
    .id = PN_CIPHER_AESGCM,
    .impl = "libsodium",
    .encrypt = pn_sodium_aesgcm_encrypt,
    .decrypt = pn_sodium_aesgcm_decrypt,
    .encrypt_iv = pn_sodium_aesgcm_encrypt_iv,
    .decrypt_iv = pn_sodium_aesgcm_decrypt_iv,
    .forget = pn_sodium_aesgcm_forget,
};

const pn_cipher_ops *pn_sodium_cipher(int id) {
  switch (id) {
  case PN_CIPHER_CHACHAPOLY:
    return &pn_sodium_chachapoly;
  case PN_CIPHER_AESGCM:
    /* libsodium's AES-GCM exists only with AES-NI + PCLMUL (or ARMv8 AES). */
    return crypto_aead_aes256gcm_is_available() ? &pn_sodium_aesgcm : NULL;
  }
  return NULL;
}

/* ---- Hashes ------------------------------------------------------------- */

/* One function per hash, as libsodium's APIs and states differ. The states
 * are wiped: HMAC feeds keys through them. Empty iovs are skipped so a NULL
 * pointer with length 0 never reaches the library. */

static int pn_sodium_sha256(const pn_hash_ops *h, uint8_t *out,
                            const pn_iov *iov, size_t n) {
  (void)h;
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  for (size_t i = 0; i < n; i++)
    if (iov[i].len) crypto_hash_sha256_update(&st, iov[i].p, iov[i].len);
  crypto_hash_sha256_final(&st, out);
  sodium_memzero(&st, sizeof st);
  return PN_OK;
}

static int pn_sodium_sha512(const pn_hash_ops *h, uint8_t *out,
                            const pn_iov *iov, size_t n) {
  (void)h;
  crypto_hash_sha512_state st;
  crypto_hash_sha512_init(&st);
  for (size_t i = 0; i < n; i++)
    if (iov[i].len) crypto_hash_sha512_update(&st, iov[i].p, iov[i].len);
  crypto_hash_sha512_final(&st, out);
  sodium_memzero(&st, sizeof st);
  return PN_OK;
}

static int pn_sodium_blake2b(const pn_hash_ops *h, uint8_t *out,
                             const pn_iov *iov, size_t n) {
  (void)h;
  crypto_generichash_state st;
  /* Unkeyed, 64-byte output: Noise's BLAKE2b. These calls fail only on
   * out-of-range lengths, and ours are constants. */
  (void)crypto_generichash_init(&st, NULL, 0, 64);
  for (size_t i = 0; i < n; i++)
    if (iov[i].len) (void)crypto_generichash_update(&st, iov[i].p, iov[i].len);
  /* Final wipes the chaining value and the buffer itself; only the length
   * counters and flags stay in |st|. */
  (void)crypto_generichash_final(&st, out, 64);
  return PN_OK;
}

/* id, hashlen, blocklen, allocs, algo (unused), impl, hash */
static const pn_hash_ops pn_sodium_hashes[] = {
    {PN_HASH_SHA256, 32, 64, 0, 0, "libsodium", pn_sodium_sha256},
    {PN_HASH_SHA512, 64, 128, 0, 0, "libsodium", pn_sodium_sha512},
    {PN_HASH_BLAKE2B, 64, 128, 0, 0, "libsodium", pn_sodium_blake2b},
};

const pn_hash_ops *pn_sodium_hash(int id) {
  for (size_t i = 0; i < sizeof pn_sodium_hashes / sizeof pn_sodium_hashes[0];
       i++)
    if (pn_sodium_hashes[i].id == id) return &pn_sodium_hashes[i];
  return NULL;
}
