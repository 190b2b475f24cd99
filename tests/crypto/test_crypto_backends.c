/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * The crypto layer's set-up and table: initialisation (from many threads at
 * once), which backend AUTO picks and what each library has, the constants
 * every op carries, and the wipe, zero-check and random helpers.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "crypto_fixture.h"

/* ---- Initialisation and the backend table ------------------------------- */

static void *init_thread(void *arg) {
  *(int *)arg = pn_crypto_init();
  return NULL;
}

static void test_init(void **state) {
  (void)state;
  pthread_t t[8];
  int rc[8];
  for (int i = 0; i < 8; i++)
    assert_int_equal(pthread_create(&t[i], NULL, init_thread, &rc[i]), 0);
  for (int i = 0; i < 8; i++) {
    assert_int_equal(pthread_join(t[i], NULL), 0);
    assert_int_equal(rc[i], PN_OK);
  }
  assert_int_equal(pn_crypto_init(), PN_OK);
  assert_int_equal(pn_crypto_init(), PN_OK);
  assert_int_equal(pn_backend_available(PN_BACKEND_SODIUM), 1);
  assert_int_equal(pn_backend_available(PN_BACKEND_AUTO), 1);
#ifdef PN_HAVE_OPENSSL
  assert_int_equal(pn_backend_available(PN_BACKEND_OPENSSL), 1);
#else
  assert_int_equal(pn_backend_available(PN_BACKEND_OPENSSL), 0);
#endif
  assert_int_equal(pn_backend_available((pn_backend)9), 0);
}

static void test_backend_table(void **state) {
  (void)state;
  int ossl = pn_backend_available(PN_BACKEND_OPENSSL);
  int sodium_gcm = crypto_aead_aes256gcm_is_available();
  /* With both libraries, AUTO's AEADs route each call by size. */
  const char *chacha = ossl ? "libsodium+libcrypto" : "libsodium";
  const char *gcm = ossl && sodium_gcm ? "libsodium+libcrypto"
                    : ossl             ? "libcrypto"
                                       : "libsodium";

  /* AUTO, per the table in crypto.c. */
  assert_string_equal(pn_crypto_dh(PN_DH_25519, PN_BACKEND_AUTO)->impl,
                      "libsodium");
  assert_string_equal(
      pn_crypto_cipher(PN_CIPHER_CHACHAPOLY, PN_BACKEND_AUTO)->impl, chacha);
  if (ossl || sodium_gcm)
    assert_string_equal(
        pn_crypto_cipher(PN_CIPHER_AESGCM, PN_BACKEND_AUTO)->impl, gcm);
  else
    assert_null(pn_crypto_cipher(PN_CIPHER_AESGCM, PN_BACKEND_AUTO));
    /* Hashes: libgcrypt first (allocation-free), then libsodium, and
     * libcrypto (which allocates per digest) only where nothing else has it. */
#ifdef PN_HAVE_GCRYPT
  const char *sha = "libgcrypt", *b2s = "libgcrypt";
#else
  const char *sha = "libsodium", *b2s = ossl ? "libcrypto" : NULL;
#endif
#ifdef PN_HAVE_DECAF
  const char *x448 = "libdecaf";
#else
  const char *x448 = ossl ? "libcrypto" : NULL;
#endif
  assert_string_equal(pn_crypto_hash(PN_HASH_SHA256, PN_BACKEND_AUTO)->impl,
                      sha);
  assert_string_equal(pn_crypto_hash(PN_HASH_SHA512, PN_BACKEND_AUTO)->impl,
                      sha);
  assert_string_equal(pn_crypto_hash(PN_HASH_BLAKE2B, PN_BACKEND_AUTO)->impl,
                      "libsodium");
  if (b2s)
    assert_string_equal(pn_crypto_hash(PN_HASH_BLAKE2S, PN_BACKEND_AUTO)->impl,
                        b2s);
  else
    assert_null(pn_crypto_hash(PN_HASH_BLAKE2S, PN_BACKEND_AUTO));
  if (x448)
    assert_string_equal(pn_crypto_dh(PN_DH_448, PN_BACKEND_AUTO)->impl, x448);
  else
    assert_null(pn_crypto_dh(PN_DH_448, PN_BACKEND_AUTO));
  /* What AUTO takes first allocates nothing per call; libcrypto's DH and
   * digests say what they allocate. */
  for (size_t i = 0; i < 4; i++) {
    const pn_hash_ops *h = pn_crypto_hash(hash_ids[i], PN_BACKEND_AUTO);
    if (h && strcmp(h->impl, "libcrypto") != 0) assert_int_equal(h->allocs, 0);
    h = pn_crypto_hash(hash_ids[i], PN_BACKEND_OPENSSL);
    if (h) assert_true(h->allocs > 0);
  }
  for (int id = PN_DH_25519; id <= PN_DH_448; id++) {
    const pn_dh_ops *d = pn_crypto_dh(id, PN_BACKEND_AUTO);
    if (d && strcmp(d->impl, "libcrypto") != 0)
      assert_true(d->allocs_dh == 0 && d->allocs_pubkey == 0);
    d = pn_crypto_dh(id, PN_BACKEND_OPENSSL);
    if (d) assert_true(d->allocs_dh > 0 && d->allocs_pubkey > 0);
  }

  /* What each library has. */
  assert_null(pn_crypto_dh(PN_DH_448, PN_BACKEND_SODIUM));
  assert_null(pn_crypto_hash(PN_HASH_BLAKE2S, PN_BACKEND_SODIUM));
  assert_int_equal(pn_crypto_cipher(PN_CIPHER_AESGCM, PN_BACKEND_SODIUM) !=
                       NULL,
                   sodium_gcm != 0);
  for (size_t i = 0; i < 4; i++)
    assert_int_equal(pn_crypto_hash(hash_ids[i], PN_BACKEND_OPENSSL) != NULL,
                     ossl);
  assert_int_equal(pn_crypto_dh(PN_DH_448, PN_BACKEND_OPENSSL) != NULL, ossl);

  /* Unknown ids and backends. */
  assert_null(pn_crypto_dh(0, PN_BACKEND_AUTO));
  assert_null(pn_crypto_dh(3, PN_BACKEND_SODIUM));
  assert_null(pn_crypto_cipher(3, PN_BACKEND_AUTO));
  assert_null(pn_crypto_hash(5, PN_BACKEND_AUTO));
  assert_null(pn_crypto_hash(PN_HASH_SHA256, (pn_backend)7));

  /* Every op carries the constants of its primitive. */
  for (size_t b = 0; b < NBACKENDS; b++) {
    for (size_t i = 0; i < 4; i++) {
      const pn_hash_ops *h = pn_crypto_hash(hash_ids[i], backends[b]);
      if (!h) continue;
      int big = h->id == PN_HASH_SHA512 || h->id == PN_HASH_BLAKE2B;
      assert_int_equal(h->id, hash_ids[i]);
      assert_int_equal(h->hashlen, big ? 64 : 32);
      assert_int_equal(h->blocklen, big ? 128 : 64);
    }
    for (size_t i = 0; i < 2; i++) {
      const pn_cipher_ops *c = pn_crypto_cipher(cipher_ids[i], backends[b]);
      if (!c) continue;
      assert_int_equal(c->id, cipher_ids[i]);
      assert_non_null(c->encrypt_iv);
      assert_non_null(c->decrypt_iv);
    }
    const pn_dh_ops *d = pn_crypto_dh(PN_DH_25519, backends[b]);
    if (d) assert_int_equal(d->dhlen, 32);
    d = pn_crypto_dh(PN_DH_448, backends[b]);
    if (d) assert_int_equal(d->dhlen, 56);
  }
}

/* ---- Helpers ------------------------------------------------------------ */

static void test_helpers(void **state) {
  (void)state;
  uint8_t a[64] = {0}, b[64] = {0};
  assert_true(pn_is_zero(a, sizeof a));
  assert_true(pn_is_zero(a, 0));
  a[63] = 1;
  assert_false(pn_is_zero(a, sizeof a));
  assert_true(pn_is_zero(a, 63));
  pn_wipe(a, sizeof a);
  assert_true(pn_is_zero(a, sizeof a));
  pn_wipe(NULL, 0);
  assert_int_equal(pn_random_default(NULL, a, sizeof a), 0);
  assert_int_equal(pn_random_default(NULL, b, sizeof b), 0);
  assert_false(pn_is_zero(a, sizeof a));
  assert_memory_not_equal(a, b, sizeof a);
  assert_int_equal(pn_random_default(NULL, NULL, 0), 0);
}

CRYPTO_TEST_MAIN(cmocka_unit_test(test_init),
                 cmocka_unit_test(test_backend_table),
                 cmocka_unit_test(test_helpers))
