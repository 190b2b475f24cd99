/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * X25519 and X448 on every backend: RFC 7748's known answers, low-order
 * public keys refused with nothing left behind, and the libraries agreeing
 * on random keys and on junk public keys.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto_fixture.h"

/* ---- DH ----------------------------------------------------------------- */

static void test_dh_rfc7748(void **state) {
  (void)state;
  static const struct {
    int id;
    const char *a, *apub, *b, *bpub, *shared;
  } kat[] = {
      /* RFC 7748 section 6.1 and 6.2. */
      {PN_DH_25519,
       "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
       "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
       "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
       "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
       "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"},
      {PN_DH_448,
       "9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28d"
       "d9c9baf574a9419744897391006382a6f127ab1d9ac2d8c0a598726b",
       "9b08f7cc31b7e3e67d22d5aea121074a273bd2b83de09c63faa73d2c"
       "22c5d9bbc836647241d953d40c5b12da88120d53177f80e532c41fa0",
       "1c306a7ac2a0e2e0990b294470cba339e6453772b075811d8fad0d1d"
       "6927c120bb5ee8972b0d3e21374c9c921b09d1b0366f10b65173992d",
       "3eb7a829b0cd20f5bcfc0b599b6feccf6da4627107bdb0d4f345b430"
       "27d8b972fc3e34fb4232a13ca706dcb57aec3dae07bdc1c67bf33609",
       "07fff4181ac6cc95ec1c16a94a0f74d12da232ce40a77552281d282b"
       "b60c0b56fd2464c335543936521c24403085d59a449a5037514a879d"},
  };
  for (size_t b = 0; b < NBACKENDS; b++) {
    for (size_t i = 0; i < 2; i++) {
      const pn_dh_ops *d = pn_crypto_dh(kat[i].id, backends[b]);
      uint8_t a[56], apub[56], bk[56], bpub[56], shared[56], out[56];
      if (!d) continue;
      size_t n = unhex(kat[i].a, a, sizeof a);
      assert_int_equal(n, d->dhlen);
      unhex(kat[i].apub, apub, sizeof apub);
      unhex(kat[i].b, bk, sizeof bk);
      unhex(kat[i].bpub, bpub, sizeof bpub);
      unhex(kat[i].shared, shared, sizeof shared);
      assert_int_equal(d->pubkey(out, a), PN_OK);
      assert_memory_equal(out, apub, n);
      assert_int_equal(d->pubkey(out, bk), PN_OK);
      assert_memory_equal(out, bpub, n);
      assert_int_equal(pn_dh(d, out, a, bpub), PN_OK);
      assert_memory_equal(out, shared, n);
      assert_int_equal(pn_dh(d, out, bk, apub), PN_OK);
      assert_memory_equal(out, shared, n);
    }
  }
}

static void test_dh_low_order(void **state) {
  (void)state;
  /* X25519: 0, 1, the two points of order 8, p-1, p and p+1 (RFC 7748
   * section 7 and the libsodium blocklist). X448: 0, 1, p-1, p, p+1. */
  static const char *const bad25519[] = {
      "0000000000000000000000000000000000000000000000000000000000000000",
      "0100000000000000000000000000000000000000000000000000000000000000",
      "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
      "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
      "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
      "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
      "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  };
  static const char *const bad448[] = {
      "0000000000000000000000000000000000000000000000000000000000000000"
      "000000000000000000000000000000000000000000000000",
      "0100000000000000000000000000000000000000000000000000000000000000"
      "000000000000000000000000000000000000000000000000",
      "fefffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffff"
      "ffffffffffffffffffffffffffffffffffffffffffffffff",
      "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffff"
      "ffffffffffffffffffffffffffffffffffffffffffffffff",
      "00000000000000000000000000000000000000000000000000000000ffffffff"
      "ffffffffffffffffffffffffffffffffffffffffffffffff",
  };
  int refused = 0;
  for (size_t b = 0; b < NBACKENDS; b++) {
    for (int x448 = 0; x448 < 2; x448++) {
      const pn_dh_ops *d =
          pn_crypto_dh(x448 ? PN_DH_448 : PN_DH_25519, backends[b]);
      const char *const *bad = x448 ? bad448 : bad25519;
      size_t nbad = x448 ? 5 : 7;
      if (!d) continue;
      for (size_t i = 0; i < nbad; i++) {
        uint8_t pub[56], priv[56], out[56];
        assert_int_equal(unhex(bad[i], pub, sizeof pub), d->dhlen);
        for (int r = 0; r < 4; r++) {
          fill(priv, d->dhlen);
          memset(out, 0xAA, sizeof out);
          assert_int_equal(pn_dh(d, out, priv, pub), PN_ERR_DH);
          /* Nothing of a result is left behind. */
          assert_true(pn_is_zero(out, d->dhlen));
          refused++;
        }
      }
    }
  }
  assert_true(refused >= 7 * 4);
}

static void test_dh_cross_backend(void **state) {
  (void)state;
  for (int x448 = 0; x448 < 2; x448++) {
    int id = x448 ? PN_DH_448 : PN_DH_25519;
    const pn_dh_ops *s = pn_crypto_dh(id, PN_BACKEND_SODIUM);
    const pn_dh_ops *o = pn_crypto_dh(id, PN_BACKEND_OPENSSL);
    if (!o) continue;
    for (int r = 0; r < 64; r++) {
      uint8_t a[56], b[56], apub[56], bpub[56], s1[56], s2[56], t[56];
      size_t n = o->dhlen;
      fill(a, n);
      fill(b, n);
      assert_int_equal(o->pubkey(apub, a), PN_OK);
      assert_int_equal(o->pubkey(bpub, b), PN_OK);
      assert_int_equal(pn_dh(o, s1, a, bpub), PN_OK);
      assert_int_equal(pn_dh(o, s2, b, apub), PN_OK);
      assert_memory_equal(s1, s2, n);
      if (!s) continue;
      assert_int_equal(s->pubkey(t, a), PN_OK);
      assert_memory_equal(t, apub, n);
      assert_int_equal(pn_dh(s, t, b, apub), PN_OK);
      assert_memory_equal(t, s1, n);
      /* A random 32-byte string as the peer's key: a twist point or a
       * non-canonical encoding half the time; both libraries agree. */
      uint8_t junk[32], j1[32], j2[32];
      fill(junk, 32);
      int r1 = pn_dh(s, j1, a, junk), r2 = pn_dh(o, j2, a, junk);
      assert_int_equal(r1, r2);
      assert_memory_equal(j1, j2, 32);
    }
  }
}

CRYPTO_TEST_MAIN(cmocka_unit_test(test_dh_rfc7748),
                 cmocka_unit_test(test_dh_low_order),
                 cmocka_unit_test(test_dh_cross_backend))
