/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * The fuzzing AEAD (see crypto_fuzz.h). ENCRYPT copies the plaintext and
 * appends a 16-byte checksum of (k, nonce, ad, plaintext): a cheap,
 * non-cryptographic hash, so a corrupted byte, a wrong key or a wrong nonce
 * is still caught, and a fuzzer that compares tags (memcmp hooks) can learn
 * them. The reserved nonce 2^64-1 (only Rekey uses it) also mixes k into the
 * output, so a rekeyed key still depends on the old one.
 */
#include <string.h>

#include "crypto_fuzz.h"

#ifdef PN_FUZZING_AEAD

/* Two 64-bit lanes of an FNV-1a-style hash with different multipliers and a
 * final avalanche: fast, deterministic, and every input byte matters. */
typedef struct pn_fuzz_sum {
  uint64_t a, b;
} pn_fuzz_sum;

static void pn_fuzz_sum_bytes(pn_fuzz_sum *s, const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    s->a = (s->a ^ p[i]) * 0x100000001b3ULL;
    s->b = (s->b ^ p[i]) * 0x9e3779b97f4a7c15ULL;
    s->b ^= s->b >> 29;
  }
}

static void pn_fuzz_sum_len(pn_fuzz_sum *s, uint64_t v) {
  uint8_t b[8];
  for (int i = 0; i < 8; i++)
    b[i] = (uint8_t)(v >> (8 * i));
  pn_fuzz_sum_bytes(s, b, 8);
}

static uint64_t pn_fuzz_mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  return x ^ (x >> 33);
}

static void pn_fuzz_tag(const uint8_t k[32], const uint8_t iv[12],
                        const uint8_t *ad, size_t adlen, const uint8_t *pt,
                        size_t ptlen, uint8_t tag[16]) {
  pn_fuzz_sum s = {0xcbf29ce484222325ULL, 0x6a09e667f3bcc908ULL};
  /* Lengths first, so (ad, pt) splits cannot collide. */
  pn_fuzz_sum_bytes(&s, k, 32);
  pn_fuzz_sum_bytes(&s, iv, 12);
  pn_fuzz_sum_len(&s, adlen);
  pn_fuzz_sum_len(&s, ptlen);
  if (adlen) pn_fuzz_sum_bytes(&s, ad, adlen);
  if (ptlen) pn_fuzz_sum_bytes(&s, pt, ptlen);
  uint64_t a = pn_fuzz_mix(s.a ^ s.b), b = pn_fuzz_mix(s.b + a);
  for (int i = 0; i < 8; i++) {
    tag[i] = (uint8_t)(a >> (8 * i));
    tag[8 + i] = (uint8_t)(b >> (8 * i));
  }
}

static int pn_fuzz_is_rekey(const uint8_t iv[12]) {
  static const uint8_t rekey_iv[12] = {0,    0,    0,    0,    0xff, 0xff,
                                       0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  return memcmp(iv, rekey_iv, 12) == 0;
}

/* Rekey's nonce only: the "ciphertext" depends on k, as real ciphers do. */
static void pn_fuzz_whiten(const uint8_t k[32], uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    p[i] ^= (uint8_t)(k[i % 32] * 0x9d + 0x5b + i);
}

static int pn_fuzz_encrypt_iv(pn_crypto_ctx *cx, const uint8_t k[32],
                              const uint8_t iv[12], const uint8_t *ad,
                              size_t adlen, const uint8_t *in, size_t inlen,
                              uint8_t *out) {
  uint8_t tag[16];
  (void)cx;
  if (inlen && out != in) memmove(out, in, inlen);
  pn_fuzz_tag(k, iv, ad, adlen, out, inlen, tag);
  if (pn_fuzz_is_rekey(iv)) pn_fuzz_whiten(k, out, inlen);
  memcpy(out + inlen, tag, 16);
  return PN_OK;
}

static int pn_fuzz_decrypt_iv(pn_crypto_ctx *cx, const uint8_t k[32],
                              const uint8_t iv[12], const uint8_t *ad,
                              size_t adlen, const uint8_t *in, size_t inlen,
                              uint8_t *out) {
  (void)cx;
  if (inlen < 16) return PN_ERR_DECRYPT;
  size_t mlen = inlen - 16;
  uint8_t tag[16];
  if (mlen && out != in) memmove(out, in, mlen);
  if (pn_fuzz_is_rekey(iv)) pn_fuzz_whiten(k, out, mlen);
  pn_fuzz_tag(k, iv, ad, adlen, out, mlen, tag);
  /* Plain memcmp on purpose: libFuzzer's hook sees both tags. */
  if (memcmp(tag, in + mlen, 16) != 0) {
    if (mlen) memset(out, 0, mlen);
    return PN_ERR_DECRYPT;
  }
  return PN_OK;
}

/* 32 zero bits then n little-endian: the nonce only has to be distinct. */
static void pn_fuzz_iv(uint8_t iv[12], uint64_t n) {
  memset(iv, 0, 4);
  for (int i = 0; i < 8; i++)
    iv[4 + i] = (uint8_t)(n >> (8 * i));
}

static int pn_fuzz_encrypt(pn_crypto_ctx *cx, const uint8_t k[32], uint64_t n,
                           const uint8_t *ad, size_t adlen, const uint8_t *in,
                           size_t inlen, uint8_t *out) {
  uint8_t iv[12];
  pn_fuzz_iv(iv, n);
  return pn_fuzz_encrypt_iv(cx, k, iv, ad, adlen, in, inlen, out);
}

static int pn_fuzz_decrypt(pn_crypto_ctx *cx, const uint8_t k[32], uint64_t n,
                           const uint8_t *ad, size_t adlen, const uint8_t *in,
                           size_t inlen, uint8_t *out) {
  uint8_t iv[12];
  pn_fuzz_iv(iv, n);
  return pn_fuzz_decrypt_iv(cx, k, iv, ad, adlen, in, inlen, out);
}

static const pn_cipher_ops pn_fuzz_ciphers[] = {
    {.id = PN_CIPHER_CHACHAPOLY,
     .impl = "fuzz-transparent",
     .encrypt = pn_fuzz_encrypt,
     .decrypt = pn_fuzz_decrypt,
     .encrypt_iv = pn_fuzz_encrypt_iv,
     .decrypt_iv = pn_fuzz_decrypt_iv},
    {.id = PN_CIPHER_AESGCM,
     .impl = "fuzz-transparent",
     .encrypt = pn_fuzz_encrypt,
     .decrypt = pn_fuzz_decrypt,
     .encrypt_iv = pn_fuzz_encrypt_iv,
     .decrypt_iv = pn_fuzz_decrypt_iv},
};

const pn_cipher_ops *pn_fuzz_cipher(int id) {
  for (size_t i = 0; i < sizeof pn_fuzz_ciphers / sizeof pn_fuzz_ciphers[0];
       i++)
    if (pn_fuzz_ciphers[i].id == id) return &pn_fuzz_ciphers[i];
  return NULL;
}

#else /* !PN_FUZZING_AEAD: a normal build has no way to reach the stand-in */

const pn_cipher_ops *pn_fuzz_cipher(int id) {
  (void)id;
  return NULL;
}

#endif
