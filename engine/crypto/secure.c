/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * The bottom of the crypto layer: library initialisation, memory hygiene,
 * randomness and SipHash. Everything else in the library depends on it and
 * it depends on nothing of the project's but the public common header.
 */
#include <pthread.h>

#include <sodium.h>

#include "crypto.h"

/* ---- Initialisation ----------------------------------------------------- */

static pthread_once_t pn_init_once = PTHREAD_ONCE_INIT;
static int pn_init_result = PN_ERR_CRYPTO;

static void pn_crypto_init_once(void) {
  /* sodium_init also detects the CPU features AESGCM depends on. */
  pn_init_result = sodium_init() < 0 ? PN_ERR_CRYPTO : PN_OK;
}

int pn_crypto_init(void) {
  if (pthread_once(&pn_init_once, pn_crypto_init_once) != 0)
    return PN_ERR_CRYPTO;
  return pn_init_result;
}

int pn_random_default(void *user, uint8_t *buf, size_t len) {
  (void)user;
  /* randombytes_buf works before sodium_init, but init pins the source. */
  if (pn_crypto_init() != PN_OK) return PN_ERR_CRYPTO;
  if (len) randombytes_buf(buf, len);
  return 0;
}

void pn_wipe(void *p, size_t len) {
  if (p && len) sodium_memzero(p, len);
}

int pn_is_zero(const uint8_t *p, size_t len) {
  return sodium_is_zero(p, len);
}

uint64_t pn_siphash(const uint8_t key[PN_SIPHASH_KEYLEN], const uint8_t *in,
                    size_t len) {
  uint8_t out[crypto_shorthash_siphash24_BYTES];
  (void)crypto_shorthash_siphash24(out, in, len, key);
  uint64_t h = 0;
  for (int i = 7; i >= 0; i--)
    h = (h << 8) | out[i];
  return h;
}
