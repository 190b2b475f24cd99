/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * The libcrypto (OpenSSL 3) backend: X25519, X448, ChaCha20-Poly1305,
 * AES-256-GCM, SHA-256, SHA-512, BLAKE2s-256 and BLAKE2b-512.
 *
 * The AEADs are the bulk-transport hot path, so nothing is fetched or
 * allocated per call: the EVP_CIPHERs are fetched once (pn_crypto_init),
 * and each owner's context (pn_crypto_ctx) holds one EVP_CIPHER_CTX per
 * direction, made when the owner is set up, that only gets a new nonce per
 * call, plus a new key when the key differs from the previous call's (a key
 * schedule costs as much as a short message with AES-GCM).
 *
 * DH and the digests have no allocation-free form in libcrypto 3.0: an
 * EVP_PKEY per key, and a digest context re-initialised by allocating. AUTO
 * therefore takes them from other libraries; here they allocate per call,
 * and the ops say how much (pn_dh_ops.allocs_*, pn_hash_ops.allocs).
 */
#include "crypto.h"

#ifdef PN_HAVE_OPENSSL

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

enum { PN_OSSL_CHACHAPOLY, PN_OSSL_AESGCM, PN_OSSL_NCIPHERS };
enum {
  PN_OSSL_SHA256,
  PN_OSSL_SHA512,
  PN_OSSL_BLAKE2S,
  PN_OSSL_BLAKE2B,
  PN_OSSL_NMDS
};
enum { PN_OSSL_X25519, PN_OSSL_X448, PN_OSSL_NDHS };

static const char *const pn_ossl_cipher_names[PN_OSSL_NCIPHERS] = {
    "ChaCha20-Poly1305", "AES-256-GCM"};
static const char *const pn_ossl_md_names[PN_OSSL_NMDS] = {
    "SHA256", "SHA512", "BLAKE2S-256", "BLAKE2B-512"};
static const char *const pn_ossl_dh_names[PN_OSSL_NDHS] = {"X25519", "X448"};

/* Fetched once by pn_openssl_init (pn_crypto_init publishes them to every
 * thread) and kept for the process's life: contexts in use hold references
 * of their own. */
static EVP_CIPHER *pn_ossl_ciphers[PN_OSSL_NCIPHERS];
static EVP_MD *pn_ossl_mds[PN_OSSL_NMDS];
static uint8_t pn_ossl_has_dh[PN_OSSL_NDHS];
static uint8_t pn_ossl_ready;

int pn_openssl_init(void) {
  /* Whatever fails here only makes a primitive unavailable; keep the
   * caller's error queue as it was. */
  ERR_set_mark();
  if (OPENSSL_init_crypto(0, NULL) == 1) {
    for (int i = 0; i < PN_OSSL_NCIPHERS; i++)
      pn_ossl_ciphers[i] =
          EVP_CIPHER_fetch(NULL, pn_ossl_cipher_names[i], NULL);
    for (int i = 0; i < PN_OSSL_NMDS; i++)
      pn_ossl_mds[i] = EVP_MD_fetch(NULL, pn_ossl_md_names[i], NULL);
    for (int i = 0; i < PN_OSSL_NDHS; i++) {
      EVP_KEYEXCH *kex = EVP_KEYEXCH_fetch(NULL, pn_ossl_dh_names[i], NULL);
      pn_ossl_has_dh[i] = kex != NULL;
      EVP_KEYEXCH_free(kex);
    }
    pn_ossl_ready = 1;
  }
  ERR_pop_to_mark();
  return pn_ossl_ready ? 0 : -1;
}

/* ---- DH ----------------------------------------------------------------- */

static int pn_ossl_pubkey(int which, size_t len, uint8_t *pub,
                          const uint8_t *priv) {
  int rc = PN_ERR_CRYPTO;
  ERR_set_mark();
  EVP_PKEY *sk = EVP_PKEY_new_raw_private_key_ex(NULL, pn_ossl_dh_names[which],
                                                 NULL, priv, len);
  size_t outlen = len;
  if (sk && EVP_PKEY_get_raw_public_key(sk, pub, &outlen) == 1 && outlen == len)
    rc = PN_OK;
  EVP_PKEY_free(sk); /* clears the private key */
  ERR_pop_to_mark();
  return rc;
}

static int pn_ossl_dh(int which, size_t len, uint8_t *out, const uint8_t *priv,
                      const uint8_t *pub) {
  int rc = PN_ERR_CRYPTO;
  const char *name = pn_ossl_dh_names[which];
  ERR_set_mark();
  EVP_PKEY *sk = EVP_PKEY_new_raw_private_key_ex(NULL, name, NULL, priv, len);
  EVP_PKEY *pk = EVP_PKEY_new_raw_public_key_ex(NULL, name, NULL, pub, len);
  EVP_PKEY_CTX *ctx = sk ? EVP_PKEY_CTX_new_from_pkey(NULL, sk, NULL) : NULL;
  /* No peer validation: every 32/56-byte string is a valid X25519/X448
   * public key (RFC 7748); low order shows up as an all-zero result. */
  if (ctx && pk && EVP_PKEY_derive_init(ctx) == 1 &&
      EVP_PKEY_derive_set_peer_ex(ctx, pk, 0) == 1) {
    size_t outlen = len;
    if (EVP_PKEY_derive(ctx, out, &outlen) == 1 && outlen == len)
      rc = pn_is_zero(out, len) ? PN_ERR_DH : PN_OK;
    else
      /* Once set up, the derive step fails only on the all-zero result,
       * which libcrypto refuses itself (RFC 7748 section 6). */
      rc = PN_ERR_DH;
  }
  EVP_PKEY_CTX_free(ctx);
  EVP_PKEY_free(pk);
  EVP_PKEY_free(sk);
  ERR_pop_to_mark();
  return rc;
}

static int pn_ossl_x25519_pubkey(uint8_t *pub, const uint8_t *priv) {
  return pn_ossl_pubkey(PN_OSSL_X25519, 32, pub, priv);
}

static int pn_ossl_x25519_dh(uint8_t *out, const uint8_t *priv,
                             const uint8_t *pub) {
  return pn_ossl_dh(PN_OSSL_X25519, 32, out, priv, pub);
}

static int pn_ossl_x448_pubkey(uint8_t *pub, const uint8_t *priv) {
  return pn_ossl_pubkey(PN_OSSL_X448, 56, pub, priv);
}

static int pn_ossl_x448_dh(uint8_t *out, const uint8_t *priv,
                           const uint8_t *pub) {
  return pn_ossl_dh(PN_OSSL_X448, 56, out, priv, pub);
}

/* Heap allocations libcrypto 3.0 makes per call (measured; the allocation
 * ctest asserts them): the keys, the derive context and their provider
 * data. */
enum { PN_OSSL_ALLOCS_PUBKEY = 16, PN_OSSL_ALLOCS_DH = 27 };

static const pn_dh_ops pn_ossl_dh_ops[PN_OSSL_NDHS] = {
    {.id = PN_DH_25519,
     .dhlen = 32,
     .impl = "libcrypto",
     .pubkey = pn_ossl_x25519_pubkey,
     .dh = pn_ossl_x25519_dh,
     .allocs_pubkey = PN_OSSL_ALLOCS_PUBKEY,
     .allocs_dh = PN_OSSL_ALLOCS_DH},
    {.id = PN_DH_448,
     .dhlen = 56,
     .impl = "libcrypto",
     .pubkey = pn_ossl_x448_pubkey,
     .dh = pn_ossl_x448_dh,
     .allocs_pubkey = PN_OSSL_ALLOCS_PUBKEY,
     .allocs_dh = PN_OSSL_ALLOCS_DH},
};

const pn_dh_ops *pn_openssl_dh(int id) {
  int which = id == PN_DH_25519 ? PN_OSSL_X25519
              : id == PN_DH_448 ? PN_OSSL_X448
                                : -1;
  if (which < 0 || !pn_ossl_ready || !pn_ossl_has_dh[which]) return NULL;
  return &pn_ossl_dh_ops[which];
}

/* ---- AEADs -------------------------------------------------------------- */

/* Makes |cx|'s two contexts for cipher |c|, set to the cipher (keyless). */
static int pn_ossl_setup(pn_crypto_ctx *cx, int c) {
  int rc = PN_OK;
  /* Failures here leave the caller's error queue as it was. */
  ERR_set_mark();
  for (int enc = 0; enc < 2 && rc == PN_OK; enc++) {
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    cx->evp[enc] = ctx;
    if (!ctx)
      rc = PN_ERR_NOMEM;
    else if (EVP_CipherInit_ex2(ctx, pn_ossl_ciphers[c], NULL, NULL, enc,
                                NULL) != 1)
      rc = PN_ERR_CRYPTO;
  }
  ERR_pop_to_mark();
  if (rc != PN_OK) {
    for (int enc = 0; enc < 2; enc++) {
      EVP_CIPHER_CTX_free(cx->evp[enc]);
      cx->evp[enc] = NULL;
    }
  }
  return rc;
}

static void pn_ossl_release(pn_crypto_ctx *cx) {
  /* EVP_CIPHER_CTX_free clears the provider context, and with it the key. */
  for (int enc = 0; enc < 2; enc++) {
    EVP_CIPHER_CTX_free(cx->evp[enc]);
    cx->evp[enc] = NULL;
    cx->evp_keyed[enc] = 0;
  }
  pn_wipe(cx->evp_key, sizeof cx->evp_key);
}

/* Sets nonce |iv| (and |params|) on |cx|'s context for direction |enc|, and
 * the key only if it is not the one already loaded; the context, NULL if
 * |cx| was not set up for libcrypto or a call fails. */
static EVP_CIPHER_CTX *pn_ossl_rekey(pn_crypto_ctx *cx, const uint8_t k[32],
                                     const uint8_t iv[12], int enc,
                                     const OSSL_PARAM *params) {
  EVP_CIPHER_CTX *ctx = cx->evp[enc];
  if (!ctx) return NULL;
  int same = cx->evp_keyed[enc] && pn_key_equal(cx->evp_key[enc], k);
  /* Cleared first: if this fails, the context's key is unknown. */
  cx->evp_keyed[enc] = 0;
  /* No cipher: the context is reused (no allocation). */
  if (EVP_CipherInit_ex2(ctx, NULL, same ? NULL : k, iv, enc, params) != 1)
    return NULL;
  if (!same) memcpy(cx->evp_key[enc], k, 32);
  cx->evp_keyed[enc] = 1;
  return ctx;
}

enum {
  /* libcrypto's ChaCha20 keeps to its widest SIMD path only over whole KiBs:
   * one call over 65,519 bytes (a full Noise message's plaintext) took 3.3
   * us longer than over 65,536, and splitting it into 64,512 + 1,007 bytes
   * recovered that; the loss grows with the length and is nil below 4 KiB,
   * where the extra call would cost more. */
  PN_OSSL_KIB_SPLIT_MIN = 4096
};

/* EVP lengths are int: feed larger inputs in pieces. AEAD updates are
 * streaming, so each piece gives exactly its own length of output. For
 * ChaCha20-Poly1305 (cipher |c|) a long input goes as its whole KiBs, then
 * the rest (see PN_OSSL_KIB_SPLIT_MIN). */
static int pn_ossl_update(EVP_CIPHER_CTX *ctx, int c, uint8_t *out,
                          const uint8_t *in, size_t len) {
  while (len) {
    size_t chunk = len > (size_t)1 << 30 ? (size_t)1 << 30 : len;
    if (c == PN_OSSL_CHACHAPOLY && out && chunk == len &&
        len >= PN_OSSL_KIB_SPLIT_MIN && len % 1024)
      chunk = len - len % 1024;
    int outl = 0;
    if (EVP_CipherUpdate(ctx, out, &outl, in, (int)chunk) != 1) return 0;
    if (out) {
      if ((size_t)outl != chunk) return 0;
      out += chunk;
    }
    in += chunk;
    len -= chunk;
  }
  return 1;
}

enum {
  /* A multiple of both ciphers' blocks (ChaCha20 64, GCM 16). */
  PN_OSSL_ALIGN = 64,
  /* Up to this body length, ChaCha20-Poly1305 is faster over one contiguous
   * copy than over two updates (each keystream call has a fixed cost that
   * dwarfs copying up to tens of KiB; measured crossover between 32 and 64
   * KiB). */
  PN_OSSL_CHACHA_COPY_MAX = 32768
};

/* ENCRYPT(k, iv, ad, hdr || body) into out: the plaintext may come in two
 * pieces (a frame header and the caller's data). A short header as an update
 * of its own would leave libcrypto mid-block, and it then encrypts the whole
 * body through its partial-block path (a byte-wise XOR and extra keystream
 * calls: a sixth of the work of a 1 KiB message). So ChaCha20-Poly1305 takes
 * a short body as one copied piece, and otherwise the header and the body's
 * first bytes go in as one block-aligned update from a small copy and the
 * rest of the body, uncopied, as a second. */
static int pn_ossl_seal_parts(pn_crypto_ctx *cx, int c, const uint8_t k[32],
                              const uint8_t iv[12], const uint8_t *ad,
                              size_t adlen, const uint8_t *hdr, size_t hdrlen,
                              const uint8_t *body, size_t bodylen,
                              uint8_t *out) {
  EVP_CIPHER_CTX *ctx;
  int outl = 0;
  OSSL_PARAM params[2];
  uint8_t first[PN_OSSL_ALIGN];
  size_t len = hdrlen + bodylen;
  if (c == PN_OSSL_CHACHAPOLY && bodylen &&
      bodylen <= PN_OSSL_CHACHA_COPY_MAX) {
    memmove(out, hdr, hdrlen); /* |hdr| may be in |out| */
    memmove(out + hdrlen, body, bodylen);
    hdr = out;
    hdrlen = len;
    bodylen = 0;
  } else if (hdrlen % PN_OSSL_ALIGN != 0 && hdrlen < PN_OSSL_ALIGN && bodylen) {
    size_t take = len < PN_OSSL_ALIGN ? bodylen : PN_OSSL_ALIGN - hdrlen;
    memcpy(first, hdr, hdrlen); /* |hdr| may be in |out| */
    memcpy(first + hdrlen, body, take);
    hdr = first;
    hdrlen += take;
    body += take;
    bodylen -= take;
  }
  if (!(ctx = pn_ossl_rekey(cx, k, iv, 1, NULL)) ||
      !pn_ossl_update(ctx, c, NULL, ad, adlen) ||
      !pn_ossl_update(ctx, c, out, hdr, hdrlen) ||
      !pn_ossl_update(ctx, c, out + hdrlen, body, bodylen) ||
      EVP_CipherFinal_ex(ctx, out + len, &outl) != 1 || outl != 0)
    return PN_ERR_CRYPTO;
  params[0] = OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG,
                                                out + len, 16);
  params[1] = OSSL_PARAM_construct_end();
  if (EVP_CIPHER_CTX_get_params(ctx, params) != 1) return PN_ERR_CRYPTO;
  return PN_OK;
}

static int pn_ossl_open(pn_crypto_ctx *cx, int c, const uint8_t k[32],
                        const uint8_t iv[12], const uint8_t *ad, size_t adlen,
                        const uint8_t *in, size_t inlen, uint8_t *out) {
  EVP_CIPHER_CTX *ctx;
  uint8_t tag[16];
  int outl = 0, rc = PN_ERR_CRYPTO;
  OSSL_PARAM params[2];
  if (inlen < 16) return PN_ERR_DECRYPT;
  size_t mlen = inlen - 16;
  /* A copy, as the parameter wants a mutable buffer. */
  memcpy(tag, in + mlen, 16);
  params[0] =
      OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, 16);
  params[1] = OSSL_PARAM_construct_end();
  /* The expected tag rides on the re-key: one provider call fewer. */
  if (!(ctx = pn_ossl_rekey(cx, k, iv, 0, params)) ||
      !pn_ossl_update(ctx, c, NULL, ad, adlen) ||
      !pn_ossl_update(ctx, c, out, in, mlen))
    goto fail;
  /* The tag is checked here; out already holds the unverified plaintext. */
  if (EVP_CipherFinal_ex(ctx, out + mlen, &outl) != 1 || outl != 0) {
    rc = PN_ERR_DECRYPT;
    goto fail;
  }
  return PN_OK;
fail:
  pn_wipe(out, mlen);
  return rc;
}

/* Noise section 12: 32 zero bits, then n little-endian (ChaChaPoly) or
 * big-endian (AESGCM). */
static void pn_ossl_nonce(uint8_t iv[12], uint64_t n, int big_endian) {
  memset(iv, 0, 4);
  for (int i = 0; i < 8; i++)
    iv[big_endian ? 11 - i : 4 + i] = (uint8_t)(n >> (8 * i));
}

/* The ops of cipher C (nonce byte order BE), each a call into the shared
 * seal and open with the cipher's index. */
#define PN_OSSL_OPS(name, C, BE)                                               \
  static int name##_setup(pn_crypto_ctx *cx) {                                 \
    return pn_ossl_setup(cx, C);                                               \
  }                                                                            \
  static int name##_enc_iv(pn_crypto_ctx *cx, const uint8_t k[32],             \
                           const uint8_t iv[12], const uint8_t *ad,            \
                           size_t adlen, const uint8_t *in, size_t inlen,      \
                           uint8_t *out) {                                     \
    return pn_ossl_seal_parts(cx, C, k, iv, ad, adlen, in, inlen, NULL, 0,     \
                              out);                                            \
  }                                                                            \
  static int name##_dec_iv(pn_crypto_ctx *cx, const uint8_t k[32],             \
                           const uint8_t iv[12], const uint8_t *ad,            \
                           size_t adlen, const uint8_t *in, size_t inlen,      \
                           uint8_t *out) {                                     \
    return pn_ossl_open(cx, C, k, iv, ad, adlen, in, inlen, out);              \
  }                                                                            \
  static int name##_enc(pn_crypto_ctx *cx, const uint8_t k[32], uint64_t n,    \
                        const uint8_t *ad, size_t adlen, const uint8_t *in,    \
                        size_t inlen, uint8_t *out) {                          \
    uint8_t iv[12];                                                            \
    pn_ossl_nonce(iv, n, BE);                                                  \
    return name##_enc_iv(cx, k, iv, ad, adlen, in, inlen, out);                \
  }                                                                            \
  static int name##_dec(pn_crypto_ctx *cx, const uint8_t k[32], uint64_t n,    \
                        const uint8_t *ad, size_t adlen, const uint8_t *in,    \
                        size_t inlen, uint8_t *out) {                          \
    uint8_t iv[12];                                                            \
    pn_ossl_nonce(iv, n, BE);                                                  \
    return name##_dec_iv(cx, k, iv, ad, adlen, in, inlen, out);                \
  }                                                                            \
  static int name##_enc2(pn_crypto_ctx *cx, const uint8_t k[32], uint64_t n,   \
                         const uint8_t *hdr, size_t hdrlen,                    \
                         const uint8_t *body, size_t bodylen, uint8_t *out) {  \
    uint8_t iv[12];                                                            \
    pn_ossl_nonce(iv, n, BE);                                                  \
    return pn_ossl_seal_parts(cx, C, k, iv, NULL, 0, hdr, hdrlen, body,        \
                              bodylen, out);                                   \
  }

PN_OSSL_OPS(pn_ossl_chachapoly, PN_OSSL_CHACHAPOLY, 0)
PN_OSSL_OPS(pn_ossl_aesgcm, PN_OSSL_AESGCM, 1)

/* Clears |cx|'s copies of |k|: the key bytes and, by loading a zero key,
 * the context's key schedule. */
static void pn_ossl_forget(pn_crypto_ctx *cx, const uint8_t k[32]) {
  static const uint8_t zero[32];
  for (int e = 0; e < 2; e++) {
    if (!cx->evp_keyed[e] || !pn_key_equal(cx->evp_key[e], k)) continue;
    cx->evp_keyed[e] = 0;
    pn_wipe(cx->evp_key[e], sizeof cx->evp_key[e]);
    (void)EVP_CipherInit_ex2(cx->evp[e], NULL, zero, NULL, e, NULL);
  }
}

#define PN_OSSL_CIPHER(ID, name)                                               \
  {                                                                            \
    .id = ID, .impl = "libcrypto", .setup = name##_setup,                      \
    .release = pn_ossl_release, .encrypt = name##_enc, .decrypt = name##_dec,  \
    .encrypt_iv = name##_enc_iv, .decrypt_iv = name##_dec_iv,                  \
    .encrypt2 = name##_enc2, .forget = pn_ossl_forget                          \
  }

static const pn_cipher_ops pn_ossl_cipher_ops[PN_OSSL_NCIPHERS] = {
    PN_OSSL_CIPHER(PN_CIPHER_CHACHAPOLY, pn_ossl_chachapoly),
    PN_OSSL_CIPHER(PN_CIPHER_AESGCM, pn_ossl_aesgcm),
};

const pn_cipher_ops *pn_openssl_cipher(int id) {
  int c = id == PN_CIPHER_CHACHAPOLY ? PN_OSSL_CHACHAPOLY
          : id == PN_CIPHER_AESGCM   ? PN_OSSL_AESGCM
                                     : -1;
  if (c < 0 || !pn_ossl_ready || !pn_ossl_ciphers[c]) return NULL;
  return &pn_ossl_cipher_ops[c];
}

/* ---- Hashes ------------------------------------------------------------- */

/* A fresh context per digest: libcrypto 3.0 allocates when a context is
 * initialised again anyway (freeing and making its provider data), so a
 * kept one would save one allocation of two and add state to keep. */
static int pn_ossl_digest(const pn_hash_ops *h, uint8_t *out, const pn_iov *iov,
                          size_t n) {
  size_t hashlen = h->hashlen;
  uint8_t md[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0;
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  int ok = ctx && EVP_DigestInit_ex2(ctx, pn_ossl_mds[h->algo], NULL) == 1;
  for (size_t i = 0; ok && i < n; i++)
    if (iov[i].len) ok = EVP_DigestUpdate(ctx, iov[i].p, iov[i].len) == 1;
  ok = ok && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen == hashlen;
  EVP_MD_CTX_free(ctx); /* clears the state */
  if (ok)
    memcpy(out, md, hashlen);
  else
    pn_wipe(out, hashlen);
  pn_wipe(md, sizeof md);
  return ok ? PN_OK : ctx ? PN_ERR_CRYPTO : PN_ERR_NOMEM;
}

/* The context and its provider data (measured; asserted by the ctest). */
enum { PN_OSSL_ALLOCS_HASH = 2 };

/* id, hashlen, blocklen, allocs, algo (index into pn_ossl_mds), impl, hash */
static const pn_hash_ops pn_ossl_hash_ops[PN_OSSL_NMDS] = {
#define PN_OSSL_HASH(id, hl, bl, m)                                            \
  { id, hl, bl, PN_OSSL_ALLOCS_HASH, m, "libcrypto", pn_ossl_digest }
    PN_OSSL_HASH(PN_HASH_SHA256, 32, 64, PN_OSSL_SHA256),
    PN_OSSL_HASH(PN_HASH_SHA512, 64, 128, PN_OSSL_SHA512),
    PN_OSSL_HASH(PN_HASH_BLAKE2S, 32, 64, PN_OSSL_BLAKE2S),
    PN_OSSL_HASH(PN_HASH_BLAKE2B, 64, 128, PN_OSSL_BLAKE2B),
#undef PN_OSSL_HASH
};

const pn_hash_ops *pn_openssl_hash(int id) {
  if (!pn_ossl_ready) return NULL;
  for (int m = 0; m < PN_OSSL_NMDS; m++)
    if (pn_ossl_hash_ops[m].id == id)
      return pn_ossl_mds[m] ? &pn_ossl_hash_ops[m] : NULL;
  return NULL;
}

#endif /* PN_HAVE_OPENSSL */
