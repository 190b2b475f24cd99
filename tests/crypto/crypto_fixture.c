/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* The crypto-layer tests' shared fixture (crypto_fixture.h says what). */
#include "crypto_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "testutil.h"

const pn_backend backends[NBACKENDS] = {PN_BACKEND_AUTO, PN_BACKEND_SODIUM,
                                        PN_BACKEND_OPENSSL};
const int hash_ids[4] = {PN_HASH_SHA256, PN_HASH_SHA512, PN_HASH_BLAKE2S,
                         PN_HASH_BLAKE2B};
const int cipher_ids[2] = {PN_CIPHER_CHACHAPOLY, PN_CIPHER_AESGCM};

size_t unhex(const char *hex, uint8_t *out, size_t cap) {
  long n = pn_test_unhex(hex, strlen(hex), out, cap);
  assert_true(n >= 0);
  return (size_t)n;
}

void fill(uint8_t *p, size_t len) {
  if (len) randombytes_buf(p, len);
}

uint32_t rnd(uint32_t below) {
  return randombytes_uniform(below);
}

int crypto_fixture_setup(void **state) {
  (void)state;
  return pn_crypto_init() == PN_OK ? 0 : -1;
}
