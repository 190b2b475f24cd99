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

#include <string.h>

typedef struct pn_iov {
  const uint8_t *p;
  size_t len;
} pn_iov;

enum {
  /* The most iovs a hash op takes (pn_hmac's data plus its pad). */
  PN_HASH_MAX_IOV = 16
};

/* 1 if the two 32-byte keys are equal, in constant time: the word-wise form
 * costs a few instructions where a byte loop was a few hundred per message
 * (the contexts compare the key of every call with the one they hold). */
static inline int pn_key_equal(const uint8_t a[32], const uint8_t b[32]) {
  uint64_t d = 0;
  for (int i = 0; i < 32; i += 8) {
    uint64_t x, y;
    memcpy(&x, a + i, 8);
    memcpy(&y, b + i, 8);
    d |= x ^ y;
  }
  return d == 0;
}

typedef struct pn_dh_ops {
  uint8_t id;    /* pn_dh_id */
  uint8_t dhlen; /* public, private and shared-secret length */
  const char *impl;
  /* pub = priv * G. 0, or PN_ERR_CRYPTO (PN_ERR_NOMEM: libcrypto's EVP). */
  int (*pubkey)(uint8_t *pub, const uint8_t *priv);
  /* out = priv * pub. PN_ERR_DH when the result is all zero (low order).
   * Called through pn_dh, which clears |out| on any failure. */
  int (*dh)(uint8_t *out, const uint8_t *priv, const uint8_t *pub);
  /* Heap allocations per pubkey and per dh call (libcrypto's EVP_PKEY);
   * 0 for the allocation-free libraries. */
  uint8_t allocs_pubkey, allocs_dh;
} pn_dh_ops;

/*
 * An AEAD. Every call runs on |cx|, the owner's context, set up by setup()
 * at the owner's init: the libraries that keep per-key state (libcrypto's
 * EVP contexts, libsodium's expanded AES-GCM key) keep it there, never in
 * thread-local or global memory, and never allocate per call.
 */
typedef struct pn_cipher_ops {
  uint8_t id; /* pn_cipher_id */
  const char *impl;
  /* Allocates what the op needs in |cx| (NULL: nothing). 0, PN_ERR_NOMEM or
   * PN_ERR_CRYPTO. */
  int (*setup)(pn_crypto_ctx *cx);
  /* Frees what setup allocated, clearing any key it held (NULL: nothing). */
  void (*release)(pn_crypto_ctx *cx);
  /* out[0 .. inlen+16) = ENCRYPT(k, n, ad, in). out may equal in. 0 or
   * PN_ERR_CRYPTO. Nonce layout (LE or BE counter) is the op's business. */
  int (*encrypt)(pn_crypto_ctx *cx, const uint8_t k[32], uint64_t n,
                 const uint8_t *ad, size_t adlen, const uint8_t *in,
                 size_t inlen, uint8_t *out);
  /* out[0 .. inlen-16) = DECRYPT(...); inlen >= 16. out may equal in.
   * PN_ERR_DECRYPT on a bad tag; out is then unspecified but fully written or
   * zeroed: never partially trusted. */
  int (*decrypt)(pn_crypto_ctx *cx, const uint8_t k[32], uint64_t n,
                 const uint8_t *ad, size_t adlen, const uint8_t *in,
                 size_t inlen, uint8_t *out);
  /* The same two with a raw 96-bit nonce. encrypt/decrypt build the Noise
   * nonce and call these, so a test with arbitrary nonces (Wycheproof) runs
   * the very code the protocol uses. Not for protocol code. */
  int (*encrypt_iv)(pn_crypto_ctx *cx, const uint8_t k[32],
                    const uint8_t iv[12], const uint8_t *ad, size_t adlen,
                    const uint8_t *in, size_t inlen, uint8_t *out);
  int (*decrypt_iv)(pn_crypto_ctx *cx, const uint8_t k[32],
                    const uint8_t iv[12], const uint8_t *ad, size_t adlen,
                    const uint8_t *in, size_t inlen, uint8_t *out);
  /* Optional: ENCRYPT(k, n, ad = empty, hdr || body) into out[0 ..
   * hdrlen+bodylen+16) without first copying |body| next to |hdr|. |hdr|
   * may be at |out|; |body| must not overlap |out|. NULL: the caller puts
   * the plaintext together and uses encrypt. */
  int (*encrypt2)(pn_crypto_ctx *cx, const uint8_t k[32], uint64_t n,
                  const uint8_t *hdr, size_t hdrlen, const uint8_t *body,
                  size_t bodylen, uint8_t *out);
  /* Optional: clears |cx|'s copy of |k| if it holds one (the key a context
   * was last keyed with), so a wiped CipherState leaves its key nowhere.
   * NULL when the op keeps no key. */
  void (*forget)(pn_crypto_ctx *cx, const uint8_t k[32]);
} pn_cipher_ops;

typedef struct pn_hash_ops {
  uint8_t id;       /* pn_hash_id */
  uint8_t hashlen;  /* 32 or 64 */
  uint8_t blocklen; /* 64 or 128, for HMAC */
  /* Heap allocations per call (libcrypto's EVP re-initialises a digest
   * context by allocating); 0 for the allocation-free libraries. */
  uint8_t allocs;
  /* The backend's own index for the algorithm, so one function serves every
   * hash a library offers. */
  uint8_t algo;
  const char *impl;
  /* out = HASH(iov[0] || ... || iov[n-1]); |out| may alias an input. 0, or
   * PN_ERR_NOMEM / PN_ERR_CRYPTO (then |out| is zeroed). */
  int (*hash)(const struct pn_hash_ops *h, uint8_t *out, const pn_iov *iov,
              size_t n);
} pn_hash_ops;

static inline int pn_hash(const pn_hash_ops *h, uint8_t *out, const pn_iov *iov,
                          size_t n) {
  return h->hash(h, out, iov, n);
}

/* NULL when |backend| cannot supply the primitive (not built, no CPU
 * support). AUTO picks the fastest available. */
const pn_dh_ops *pn_crypto_dh(int id, pn_backend backend);
const pn_cipher_ops *pn_crypto_cipher(int id, pn_backend backend);
const pn_hash_ops *pn_crypto_hash(int id, pn_backend backend);

enum {
  /* pn_hmac's data iovs; HKDF uses two. */
  PN_HMAC_MAX_IOV = 15
};

/* HMAC-HASH(key, data) exactly as RFC 2104 over |h|; |out| gets hashlen and
 * may alias the inputs. PN_ERR_INVALID_ARGUMENT for more than
 * PN_HMAC_MAX_IOV data iovs; the hash's errors. On an error |out| is
 * zeroed. */
int pn_hmac(const pn_hash_ops *h, const uint8_t *key, size_t keylen,
            const pn_iov *data, size_t n, uint8_t *out) PN_WUR;
/* The spec's HKDF(chaining_key, ikm, num_outputs): |ck| is hashlen bytes,
 * |nout| is 2 or 3; o3 may be NULL when nout is 2. Outputs may alias |ck|
 * (it is read only to make the temporary key). The hash's errors; the
 * outputs are then untouched. */
int pn_hkdf(const pn_hash_ops *h, const uint8_t *ck, const uint8_t *ikm,
            size_t ikmlen, int nout, uint8_t *o1, uint8_t *o2,
            uint8_t *o3) PN_WUR;

/* Sets |cx| up for |ops| (an AEAD from pn_crypto_cipher) and releases it;
 * pn_crypto_ctx_init and _wipe are the public faces. */
int pn_crypto_ctx_setup(pn_crypto_ctx *cx, const pn_cipher_ops *ops) PN_WUR;

enum { PN_SIPHASH_KEYLEN = 16 };

/* SipHash-2-4 of |in| under a secret |key| (the routing table's hash). */
uint64_t pn_siphash(const uint8_t key[PN_SIPHASH_KEYLEN], const uint8_t *in,
                    size_t len);

/* Fills |buf| from libsodium's CSPRNG. 0. */
int pn_random_default(void *user, uint8_t *buf, size_t len);
/* sodium_memzero. */
void pn_wipe(void *p, size_t len);

/* A failed DH leaves nothing of a result behind: some libraries leave |out|
 * unwritten, others hold the all-zero value there. */
static inline int pn_dh(const pn_dh_ops *d, uint8_t *out, const uint8_t *priv,
                        const uint8_t *pub) {
  int rc = d->dh(out, priv, pub);
  if (rc != PN_OK) pn_wipe(out, d->dhlen);
  return rc;
}

/* Overwrites the stack below the caller's frame: the libraries leave
 * digests (libsodium's BLAKE2b, libgcrypt, libcrypto) and key schedules
 * (libsodium's AES-GCM key expansion) in the dead frames of their calls.
 * Called after the calls that handle secrets, before returning. */
void pn_burn_stack(void);
/* Constant-time: 1 if all |len| bytes are zero. */
int pn_is_zero(const uint8_t *p, size_t len);

/* Backend internals, for crypto.c's tables. */
const pn_dh_ops *pn_sodium_dh(int id);
const pn_cipher_ops *pn_sodium_cipher(int id);
const pn_hash_ops *pn_sodium_hash(int id);
/* The optional libraries. One a build lacks is absent: its lookups answer
 * NULL and its set-up -1, here, and its file compiles to nothing. The
 * set-up runs once, from pn_crypto_init: 0, or nonzero when the library is
 * unusable (its primitives are then absent). */
#ifdef PN_HAVE_OPENSSL
int pn_openssl_init(void);
const pn_dh_ops *pn_openssl_dh(int id);
const pn_cipher_ops *pn_openssl_cipher(int id);
const pn_hash_ops *pn_openssl_hash(int id);
#else
#define pn_openssl_init()     (-1)
#define pn_openssl_dh(id)     ((void)(id), (const pn_dh_ops *)NULL)
#define pn_openssl_cipher(id) ((void)(id), (const pn_cipher_ops *)NULL)
#define pn_openssl_hash(id)   ((void)(id), (const pn_hash_ops *)NULL)
#endif
#ifdef PN_HAVE_GCRYPT
int pn_gcrypt_init(void);
const pn_hash_ops *pn_gcrypt_hash(int id);
#else
#define pn_gcrypt_init()   (-1)
#define pn_gcrypt_hash(id) ((void)(id), (const pn_hash_ops *)NULL)
#endif
#ifdef PN_HAVE_DECAF
const pn_dh_ops *pn_decaf_dh(int id);
#else
#define pn_decaf_dh(id) ((void)(id), (const pn_dh_ops *)NULL)
#endif

#endif
