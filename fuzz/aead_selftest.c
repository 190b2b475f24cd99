/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * Self-test of the fuzzing AEAD (engine/crypto/crypto_fuzz.c), built on its own
 * with PN_FUZZING_AEAD by tests/fuzz_replay.cmake: the harnesses rely on it
 * catching damage, wrong keys and wrong nonces, and on Rekey changing the key.
 */
#include <stdio.h>
#include <string.h>

#include "crypto_fuzz.h"

#define CHECK(c)                                                               \
  do {                                                                         \
    if (!(c)) {                                                                \
      fprintf(stderr, "aead_selftest:%d: %s\n", __LINE__, #c);                 \
      return 1;                                                                \
    }                                                                          \
  } while (0)

int main(void) {
  const pn_cipher_ops *c = pn_fuzz_cipher(PN_CIPHER_CHACHAPOLY);
  CHECK(c && pn_fuzz_cipher(PN_CIPHER_AESGCM) && !pn_fuzz_cipher(0));
  CHECK(strcmp(c->impl, "fuzz-transparent") == 0);
  pn_crypto_ctx cx; /* unused by the stand-in, as by libsodium's ops */
  memset(&cx, 0, sizeof cx);

  uint8_t k[32], k2[32], ad[5] = "adata", pt[40], ct[56], out[40], buf[56];
  for (int i = 0; i < 32; i++)
    k[i] = (uint8_t)i, k2[i] = (uint8_t)i;
  k2[31] ^= 1;
  for (int i = 0; i < 40; i++)
    pt[i] = (uint8_t)(i * 7);

  /* Transparent: the plaintext is visible, the tag follows it. */
  CHECK(c->encrypt(&cx, k, 5, ad, 5, pt, 40, ct) == 0);
  CHECK(memcmp(ct, pt, 40) == 0);
  CHECK(c->decrypt(&cx, k, 5, ad, 5, ct, 56, out) == 0);
  CHECK(memcmp(out, pt, 40) == 0);
  /* In place. */
  memcpy(buf, pt, 40);
  CHECK(c->encrypt(&cx, k, 5, ad, 5, buf, 40, buf) == 0);
  CHECK(memcmp(buf, ct, 56) == 0);
  CHECK(c->decrypt(&cx, k, 5, ad, 5, buf, 56, buf) == 0);
  CHECK(memcmp(buf, pt, 40) == 0);

  /* Every kind of mismatch fails, and leaves no plaintext behind. */
  CHECK(c->decrypt(&cx, k, 6, ad, 5, ct, 56, out) == PN_ERR_DECRYPT);
  CHECK(c->decrypt(&cx, k2, 5, ad, 5, ct, 56, out) == PN_ERR_DECRYPT);
  CHECK(c->decrypt(&cx, k, 5, ad, 4, ct, 56, out) == PN_ERR_DECRYPT);
  for (size_t i = 0; i < 56; i++) {
    memcpy(buf, ct, 56);
    buf[i] ^= 0x01;
    memset(out, 0xee, sizeof out);
    CHECK(c->decrypt(&cx, k, 5, ad, 5, buf, 56, out) == PN_ERR_DECRYPT);
    for (int j = 0; j < 40; j++)
      CHECK(out[j] == 0);
  }
  CHECK(c->decrypt(&cx, k, 5, ad, 5, ct, 15, out) == PN_ERR_DECRYPT);
  /* Empty plaintext and no AD. */
  CHECK(c->encrypt(&cx, k, 0, NULL, 0, NULL, 0, buf) == 0);
  CHECK(c->decrypt(&cx, k, 0, NULL, 0, buf, 16, out) == 0);

  /* Rekey (n = 2^64-1 on zeros) gives a key that depends on k. */
  static const uint8_t zeros[32];
  uint8_t r1[48], r2[48];
  CHECK(c->encrypt(&cx, k, UINT64_MAX, NULL, 0, zeros, 32, r1) == 0);
  CHECK(c->encrypt(&cx, k2, UINT64_MAX, NULL, 0, zeros, 32, r2) == 0);
  CHECK(memcmp(r1, zeros, 32) != 0 && memcmp(r1, r2, 32) != 0);
  CHECK(c->decrypt(&cx, k, UINT64_MAX, NULL, 0, r1, 48, out) == 0);
  CHECK(memcmp(out, zeros, 32) == 0);

  puts("fuzz AEAD self-test passed");
  return 0;
}
