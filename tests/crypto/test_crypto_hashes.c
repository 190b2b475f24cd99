/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * Hashes, HMAC and HKDF on every backend: known answers (FIPS 180-4,
 * RFC 7693, RFC 4231), HMAC against constructions that share no code with
 * pn_hmac, and HKDF against the Noise spec step by step and libcrypto's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>
#ifdef PN_HAVE_OPENSSL
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#endif

#include "crypto_fixture.h"

/* ---- Hashes ------------------------------------------------------------- */

static void test_hash_kat(void **state) {
  (void)state;
  /* FIPS 180-4 examples and RFC 7693 appendices A and B. */
  static const struct {
    int id;
    const char *abc, *empty;
  } kat[] = {
      {PN_HASH_SHA256,
       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {PN_HASH_SHA512,
       "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
       "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
       "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
       "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"},
      {PN_HASH_BLAKE2S,
       "508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982",
       "69217a3079908094e11121d042354a7c1f55b6482ca1a51e1b250dfd1ed0eef9"},
      {PN_HASH_BLAKE2B,
       "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1"
       "7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923",
       "786a02f742015903c6c6fd852552d272912f4740e15847618a86e217f71f5419"
       "d25e1031afee585313896444934eb04b903a685b1448b755d56f701afe9be2ce"},
  };
  for (size_t b = 0; b < NBACKENDS; b++) {
    for (size_t i = 0; i < 4; i++) {
      const pn_hash_ops *h = pn_crypto_hash(kat[i].id, backends[b]);
      uint8_t want[64], got[64], buf[64];
      if (!h) continue;
      size_t hl = unhex(kat[i].abc, want, sizeof want);
      assert_int_equal(hl, h->hashlen);
      /* Split across iovs, one of them empty with a NULL pointer. */
      pn_iov v[4] = {{(const uint8_t *)"a", 1},
                     {NULL, 0},
                     {(const uint8_t *)"b", 1},
                     {(const uint8_t *)"c", 1}};
      assert_int_equal(pn_hash(h, got, v, 4), PN_OK);
      assert_memory_equal(got, want, hl);
      /* |out| may alias an input (h = HASH(h || data)). */
      memcpy(buf, "abc", 3);
      pn_iov va = {buf, 3};
      assert_int_equal(pn_hash(h, buf, &va, 1), PN_OK);
      assert_memory_equal(buf, want, hl);

      unhex(kat[i].empty, want, sizeof want);
      assert_int_equal(pn_hash(h, got, NULL, 0), PN_OK);
      assert_memory_equal(got, want, hl);
    }
  }
}

/* ---- HMAC --------------------------------------------------------------- */

static void test_hmac_rfc4231(void **state) {
  (void)state;
  /* RFC 4231 section 4; test case 5 is truncated to 128 bits. */
  /* Test cases 6 and 7 use 131 bytes of 0xaa. */
  static const char k131[] =
      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
  static const struct {
    const char *key, *data, *sha256, *sha512;
  } tc[] = {
      {"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
       "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
       "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"},
      {"4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
       "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
       "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"},
      {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
       "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
       "dddddddddddddddddddddddddddddddd",
       "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
       "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39"
       "bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb"},
      {"0102030405060708090a0b0c0d0e0f10111213141516171819",
       "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
       "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
       "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
       "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3db"
       "a91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd"},
      {"0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c",
       "546573742057697468205472756e636174696f6e",
       "a3b6167473100ee06e0c796c2955552b", "415fad6271580a531d4179bc891d87a6"},
      {k131,
       "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a"
       "65204b6579202d2048617368204b6579204669727374",
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
       "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
       "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598"},
      {k131,
       "5468697320697320612074657374207573696e672061206c6172676572207468"
       "616e20626c6f636b2d73697a65206b657920616e642061206c61726765722074"
       "68616e20626c6f636b2d73697a6520646174612e20546865206b6579206e6565"
       "647320746f20626520686173686564206265666f7265206265696e6720757365"
       "642062792074686520484d414320616c676f726974686d2e",
       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
       "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944"
       "b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58"},
  };
  int ran = 0;
  for (size_t b = 0; b < NBACKENDS; b++) {
    for (int sha512 = 0; sha512 < 2; sha512++) {
      const pn_hash_ops *h =
          pn_crypto_hash(sha512 ? PN_HASH_SHA512 : PN_HASH_SHA256, backends[b]);
      if (!h) continue;
      for (size_t i = 0; i < sizeof tc / sizeof tc[0]; i++) {
        uint8_t key[131], data[152], want[64], got[64];
        size_t kl = unhex(tc[i].key, key, sizeof key);
        if (tc[i].key == k131) assert_int_equal(kl, 131);
        size_t dl = unhex(tc[i].data, data, sizeof data);
        size_t wl =
            unhex(sha512 ? tc[i].sha512 : tc[i].sha256, want, sizeof want);
        pn_iov v = {data, dl};
        assert_int_equal(pn_hmac(h, key, kl, &v, 1, got), PN_OK);
        assert_memory_equal(got, want, wl);
        ran++;
      }
    }
  }
  assert_true(ran >= 14);
}

/* HMAC written out on its own, over the one-shot libraries, for the hashes
 * that have no ready-made HMAC in libsodium. */
static void manual_hmac_blake2b(const uint8_t *key, size_t keylen,
                                const uint8_t *msg, size_t len, uint8_t *out) {
  uint8_t k[128] = {0}, ipad[128], opad[128], inner[64];
  crypto_generichash_state st;
  if (keylen > 128)
    crypto_generichash(k, 64, key, keylen, NULL, 0);
  else if (keylen)
    memcpy(k, key, keylen);
  for (int i = 0; i < 128; i++) {
    ipad[i] = k[i] ^ 0x36;
    opad[i] = k[i] ^ 0x5c;
  }
  crypto_generichash_init(&st, NULL, 0, 64);
  crypto_generichash_update(&st, ipad, 128);
  crypto_generichash_update(&st, msg, len);
  crypto_generichash_final(&st, inner, 64);
  crypto_generichash_init(&st, NULL, 0, 64);
  crypto_generichash_update(&st, opad, 128);
  crypto_generichash_update(&st, inner, 64);
  crypto_generichash_final(&st, out, 64);
}

/* An HMAC that shares no code with pn_hmac: libsodium's HMAC-SHA2, the
 * construction above for BLAKE2b, libcrypto's HMAC() for BLAKE2s. Returns 0
 * when this build has no reference for |id|. */
static int ref_hmac(int id, const uint8_t *key, size_t keylen,
                    const uint8_t *msg, size_t len, uint8_t *out) {
  switch (id) {
  case PN_HASH_SHA256: {
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key, keylen);
    crypto_auth_hmacsha256_update(&st, msg, len);
    crypto_auth_hmacsha256_final(&st, out);
    return 1;
  }
  case PN_HASH_SHA512: {
    crypto_auth_hmacsha512_state st;
    crypto_auth_hmacsha512_init(&st, key, keylen);
    crypto_auth_hmacsha512_update(&st, msg, len);
    crypto_auth_hmacsha512_final(&st, out);
    return 1;
  }
  case PN_HASH_BLAKE2B:
    manual_hmac_blake2b(key, keylen, msg, len, out);
    return 1;
  case PN_HASH_BLAKE2S: {
#ifdef PN_HAVE_OPENSSL
    EVP_MD *md = EVP_MD_fetch(NULL, "BLAKE2S-256", NULL);
    unsigned int outl = 0;
    assert_non_null(md);
    assert_non_null(HMAC(md, key, (int)keylen, msg, len, out, &outl));
    assert_int_equal(outl, 32);
    EVP_MD_free(md);
    return 1;
#else
    return 0;
#endif
  }
  }
  return 0;
}

static void test_hmac_vs_reference(void **state) {
  (void)state;
  static const size_t keylens[] = {0,  1,  20,  31,  32,  33,  55,  56,  63,
                                   64, 65, 127, 128, 129, 131, 200, 256, 300};
  uint8_t key[300], msg[600], want[64], got[64], kbuf_ref[64];
  int checked = 0;
  for (size_t b = 0; b < NBACKENDS; b++) {
    for (size_t i = 0; i < 4; i++) {
      const pn_hash_ops *h = pn_crypto_hash(hash_ids[i], backends[b]);
      if (!h) continue;
      for (int round = 0; round < 60; round++) {
        size_t kl = round < 18 ? keylens[round] : rnd(sizeof key + 1);
        size_t ml = rnd(sizeof msg + 1);
        fill(key, kl);
        fill(msg, ml);
        if (!ref_hmac(h->id, key, kl, msg, ml, want)) break;
        /* The message split into up to 4 pieces, some possibly empty. */
        pn_iov v[4];
        size_t nv = 1 + rnd(4), off = 0;
        for (size_t j = 0; j < nv; j++) {
          size_t take = j + 1 == nv ? ml - off : rnd((uint32_t)(ml - off) + 1);
          v[j].p = take ? msg + off : NULL;
          v[j].len = take;
          off += take;
        }
        assert_int_equal(pn_hmac(h, kl ? key : NULL, kl, v, nv, got), PN_OK);
        assert_memory_equal(got, want, h->hashlen);
        /* |out| may alias the key. */
        uint8_t kbuf[300];
        memcpy(kbuf, key, kl);
        assert_int_equal(pn_hmac(h, kbuf, kl, v, nv, kbuf), PN_OK);
        assert_memory_equal(kbuf, want, h->hashlen);
        checked++;
      }
    }
  }
  assert_true(checked >= 60 * 3);

  /* More data iovs than pn_hmac takes: refused, and the output zeroed. */
  const pn_hash_ops *h = pn_crypto_hash(PN_HASH_SHA256, PN_BACKEND_SODIUM);
  pn_iov v[16];
  for (int i = 0; i < 16; i++) {
    v[i].p = msg + i;
    v[i].len = 1;
  }
  ref_hmac(PN_HASH_SHA256, key, 32, msg, 16, want);
  assert_int_equal(pn_hmac(h, key, 32, v, 15, got), PN_OK); /* 15 is fine */
  ref_hmac(PN_HASH_SHA256, key, 32, msg, 15, kbuf_ref);
  assert_memory_equal(got, kbuf_ref, 32);
  assert_int_equal(pn_hmac(h, key, 32, v, 16, got), /* 16 is not */
                   PN_ERR_INVALID_ARGUMENT);
  assert_true(pn_is_zero(got, 32));
}

/* ---- HKDF --------------------------------------------------------------- */

/* Noise spec 4.3, step by step over the reference HMAC. */
static int ref_hkdf(int id, size_t hl, const uint8_t *ck, const uint8_t *ikm,
                    size_t ikmlen, uint8_t out[3][64]) {
  uint8_t tk[64], buf[65];
  if (!ref_hmac(id, ck, hl, ikm, ikmlen, tk)) return 0;
  buf[0] = 1;
  ref_hmac(id, tk, hl, buf, 1, out[0]);
  memcpy(buf, out[0], hl);
  buf[hl] = 2;
  ref_hmac(id, tk, hl, buf, hl + 1, out[1]);
  memcpy(buf, out[1], hl);
  buf[hl] = 3;
  ref_hmac(id, tk, hl, buf, hl + 1, out[2]);
  return 1;
}

#ifdef PN_HAVE_OPENSSL
/* RFC 5869 HKDF with salt = ck and empty info, from libcrypto: its first two
 * blocks are the spec's output1 || output2. */
static void openssl_hkdf(const char *md, const uint8_t *ck, size_t hl,
                         const uint8_t *ikm, size_t ikmlen, uint8_t *out) {
  EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
  EVP_KDF_CTX *ctx = EVP_KDF_CTX_new(kdf);
  uint8_t dummy = 0;
  OSSL_PARAM p[5], *q = p;
  *q++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)md, 0);
  *q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)ck, hl);
  /* libcrypto wants a key buffer even when the IKM is empty. */
  *q++ = OSSL_PARAM_construct_octet_string(
      OSSL_KDF_PARAM_KEY, ikmlen ? (void *)ikm : &dummy, ikmlen);
  *q = OSSL_PARAM_construct_end();
  assert_non_null(ctx);
  assert_int_equal(EVP_KDF_derive(ctx, out, 2 * hl, p), 1);
  EVP_KDF_CTX_free(ctx);
  EVP_KDF_free(kdf);
}
#endif

static void test_hkdf(void **state) {
  (void)state;
  static const size_t ikmlens[] = {0, 32, 56, 1, 64, 100};
  int checked = 0;
  for (size_t b = 0; b < NBACKENDS; b++) {
    for (size_t i = 0; i < 4; i++) {
      const pn_hash_ops *h = pn_crypto_hash(hash_ids[i], backends[b]);
      if (!h) continue;
      size_t hl = h->hashlen;
      for (size_t r = 0; r < 3 * sizeof ikmlens / sizeof ikmlens[0]; r++) {
        uint8_t ck[64], ikm[100], want[3][64], o1[64], o2[64], o3[64];
        size_t il = ikmlens[r % 6];
        fill(ck, hl);
        fill(ikm, il);
        if (!ref_hkdf(h->id, hl, ck, ikm, il, want)) break;

        assert_int_equal(pn_hkdf(h, ck, il ? ikm : NULL, il, 2, o1, o2, NULL),
                         PN_OK);
        assert_memory_equal(o1, want[0], hl);
        assert_memory_equal(o2, want[1], hl);
        assert_int_equal(pn_hkdf(h, ck, ikm, il, 3, o1, o2, o3), PN_OK);
        assert_memory_equal(o1, want[0], hl);
        assert_memory_equal(o2, want[1], hl);
        assert_memory_equal(o3, want[2], hl);

        /* MixKey writes ck over itself: o1 aliases ck, o2 the IKM. */
        uint8_t ck2[64], ikm2[100];
        memcpy(ck2, ck, hl);
        memcpy(ikm2, ikm, il);
        if (il >= hl) {
          assert_int_equal(pn_hkdf(h, ck2, ikm2, il, 3, ck2, ikm2, o3), PN_OK);
          assert_memory_equal(ikm2, want[1], hl);
        } else {
          assert_int_equal(pn_hkdf(h, ck2, ikm2, il, 3, ck2, o2, o3), PN_OK);
          assert_memory_equal(o2, want[1], hl);
        }
        assert_memory_equal(ck2, want[0], hl);
        assert_memory_equal(o3, want[2], hl);

#ifdef PN_HAVE_OPENSSL
        static const char *const mdname[] = {"", "SHA256", "SHA512",
                                             "BLAKE2S-256", "BLAKE2B-512"};
        uint8_t okm[128];
        openssl_hkdf(mdname[h->id], ck, hl, ikm, il, okm);
        assert_memory_equal(okm, want[0], hl);
        assert_memory_equal(okm + hl, want[1], hl);
#endif
        checked++;
      }
    }
  }
  assert_true(checked >= 3 * 18);
}

CRYPTO_TEST_MAIN(cmocka_unit_test(test_hash_kat),
                 cmocka_unit_test(test_hmac_rfc4231),
                 cmocka_unit_test(test_hmac_vs_reference),
                 cmocka_unit_test(test_hkdf))
