/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * The bottom of the crypto layer: library initialisation, memory hygiene,
 * randomness and SipHash. Everything else in the library depends on it and
 * it depends on nothing of the project's but the public common header.
 */
#include <stdatomic.h>

#include <sodium.h>

#include "crypto.h"

/* ---- Initialisation ----------------------------------------------------- */

/* 0: not started, 1: one thread is initialising, 2: done. An atomic state
 * instead of pthread_once keeps the library free of thread primitives; the
 * wait is the few milliseconds the libraries take to start, once. */
static atomic_int pn_init_state;
static int pn_init_result = PN_ERR_CRYPTO; /* published by the state's 2 */

static int pn_crypto_init_libs(void) {
  /* sodium_init also detects the CPU features AESGCM depends on. The other
   * libraries only make their primitives available or not. */
  if (sodium_init() < 0) return PN_ERR_CRYPTO;
  (void)pn_openssl_init();
  (void)pn_gcrypt_init();
  return PN_OK;
}

int pn_crypto_init(void) {
  int s = atomic_load_explicit(&pn_init_state, memory_order_acquire);
  if (s == 2) return pn_init_result;
  int expect = 0;
  if (atomic_compare_exchange_strong_explicit(&pn_init_state, &expect, 1,
                                              memory_order_acq_rel,
                                              memory_order_acquire)) {
    pn_init_result = pn_crypto_init_libs();
    atomic_store_explicit(&pn_init_state, 2, memory_order_release);
    return pn_init_result;
  }
  while (atomic_load_explicit(&pn_init_state, memory_order_acquire) != 2)
    ;
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

enum {
  /* Deeper than any library call the Noise layer makes: the deepest
   * measured (libgcrypt's hash_buffers, libcrypto's EVP) use under 2 KiB. */
  PN_BURN_BYTES = 4096
};

/* noinline: the buffer must lie below the caller's frame, where the
 * callee frames it follows lay. */
__attribute__((noinline)) void pn_burn_stack(void) {
  uint8_t buf[PN_BURN_BYTES];
  sodium_memzero(buf, sizeof buf);
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
