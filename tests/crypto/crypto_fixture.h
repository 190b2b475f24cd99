/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * What the crypto-layer tests (test_crypto_*.c beside this file) share: the
 * backends and primitive ids they walk, hex and random helpers, and the
 * group set-up.
 */
#ifndef PN_CRYPTO_FIXTURE_H
#define PN_CRYPTO_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"

/* AUTO too: it adds libgcrypt's hashes and libdecaf's X448. */
enum { NBACKENDS = 3 };
extern const pn_backend backends[NBACKENDS];
extern const int hash_ids[4];
extern const int cipher_ids[2];

/* Decodes |hex| into |out|, failing the test if it is not hex or too long. */
size_t unhex(const char *hex, uint8_t *out, size_t cap);
/* Random bytes and numbers from libsodium. */
void fill(uint8_t *p, size_t len);
uint32_t rnd(uint32_t below);

/* The group set-up: the crypto libraries initialised. */
int crypto_fixture_setup(void **state);

/* A test file's main, given its cmocka_unit_test entries: one definition
 * rather than the same few lines in every file. */
#define CRYPTO_TEST_MAIN(...)                                                  \
  int main(void) {                                                             \
    const struct CMUnitTest tests[] = {__VA_ARGS__};                           \
    return cmocka_run_group_tests(tests, crypto_fixture_setup, NULL);          \
  }

#endif
