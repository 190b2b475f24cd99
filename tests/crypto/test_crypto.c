/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * The crypto layer: HMAC against RFC 4231, HMAC and HKDF against separate
 * constructions, every backend against the others, in-place AEAD, tag
 * failures, the Noise nonce layouts and low-order DH keys.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>
#ifdef PN_HAVE_OPENSSL
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#endif

#include "crypto.h"
#include "testutil.h"

/* AUTO too: it adds libgcrypt's hashes and libdecaf's X448. */
static const pn_backend backends[] = {PN_BACKEND_AUTO, PN_BACKEND_SODIUM,
                                      PN_BACKEND_OPENSSL};
enum { NBACKENDS = 3 };
static const int hash_ids[] = {PN_HASH_SHA256, PN_HASH_SHA512, PN_HASH_BLAKE2S,
                               PN_HASH_BLAKE2B};
static const int cipher_ids[] = {PN_CIPHER_CHACHAPOLY, PN_CIPHER_AESGCM};

static size_t unhex(const char *hex, uint8_t *out, size_t cap) {
  long n = pn_test_unhex(hex, strlen(hex), out, cap);
  assert_true(n >= 0);
  return (size_t)n;
}

static void fill(uint8_t *p, size_t len) {
  if (len) randombytes_buf(p, len);
}

static uint32_t rnd(uint32_t below) {
  return randombytes_uniform(below);
}

static int setup(void **state) {
  (void)state;
  return pn_crypto_init() == PN_OK ? 0 : -1;
}

/* The AEAD ops run on a context set up for them: one per op for the whole
 * run (test_aead_threads makes its own, one per thread). */
enum { NCTX = 8 };
static struct {
  const pn_cipher_ops *op;
  pn_crypto_ctx cx;
} g_ctx[NCTX];

static pn_crypto_ctx *cx_for(const pn_cipher_ops *op) {
  for (size_t i = 0; i < NCTX; i++) {
    if (g_ctx[i].op == op) return &g_ctx[i].cx;
    if (!g_ctx[i].op) {
      assert_int_equal(pn_crypto_ctx_setup(&g_ctx[i].cx, op), PN_OK);
      g_ctx[i].op = op;
      return &g_ctx[i].cx;
    }
  }
  fail_msg("more ops than contexts");
  return NULL;
}

static int teardown(void **state) {
  (void)state;
  for (size_t i = 0; i < NCTX; i++)
    pn_crypto_ctx_wipe(&g_ctx[i].cx);
  return 0;
}

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

/* AUTO's size-routed AEADs give the same bytes as each library on both sides
 * of the crossover, and what one encrypts the others decrypt. */
static void test_auto_split_agrees(void **state) {
  (void)state;
  static const size_t lens[] = {0,   1,    63,   383,  384,
                                385, 1023, 1024, 1025, 4096};
  uint8_t k[32], ad[13], pt[4096], a[4096 + 16], b[4096 + 16], back[4096];
  randombytes_buf(k, sizeof k);
  randombytes_buf(ad, sizeof ad);
  randombytes_buf(pt, sizeof pt);
  for (int id = PN_CIPHER_CHACHAPOLY; id <= PN_CIPHER_AESGCM; id++) {
    const pn_cipher_ops *au = pn_crypto_cipher(id, PN_BACKEND_AUTO);
    if (!au) continue;
    for (int lib = PN_BACKEND_SODIUM; lib <= PN_BACKEND_OPENSSL; lib++) {
      const pn_cipher_ops *one = pn_crypto_cipher(id, (pn_backend)lib);
      if (!one) continue;
      for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        size_t n = lens[i];
        assert_int_equal(
            au->encrypt(cx_for(au), k, 7 + i, ad, sizeof ad, pt, n, a), 0);
        assert_int_equal(
            one->encrypt(cx_for(one), k, 7 + i, ad, sizeof ad, pt, n, b), 0);
        assert_memory_equal(a, b, n + 16);
        assert_int_equal(
            one->decrypt(cx_for(one), k, 7 + i, ad, sizeof ad, a, n + 16, back),
            0);
        if (n) assert_memory_equal(back, pt, n);
        assert_int_equal(
            au->decrypt(cx_for(au), k, 7 + i, ad, sizeof ad, b, n + 16, back),
            0);
        if (n) assert_memory_equal(back, pt, n);
        b[n / 2] ^= 1; /* a flipped bit is refused on either route */
        assert_int_equal(
            au->decrypt(cx_for(au), k, 7 + i, ad, sizeof ad, b, n + 16, back),
            PN_ERR_DECRYPT);
      }
    }
  }
}

/* encrypt2 (header and body from two places) gives exactly the bytes of
 * encrypt over the two put together, on every backend that has it, with the
 * header in place at the output or elsewhere, across the size split. */
static void test_encrypt2_agrees(void **state) {
  (void)state;
  /* Around the 64-byte first block libcrypto's seal makes of a short
   * header and the body's first bytes, and around AUTO's size split. */
  static const size_t lens[] = {0,   1,   5,    6,    63,   64,   65,
                                68,  69,  70,   127,  128,  129,  379,
                                383, 384, 1017, 1023, 1024, 1029, 65519};
  static const size_t hdrs[] = {0, 1, 5, 63, 64, 65};
  static uint8_t k[32], pt[65535], a[65535 + 16], b[65535 + 16], back[65535];
  randombytes_buf(k, sizeof k);
  randombytes_buf(pt, sizeof pt);
  int tried = 0;
  for (int id = PN_CIPHER_CHACHAPOLY; id <= PN_CIPHER_AESGCM; id++)
    for (int be = PN_BACKEND_AUTO; be <= PN_BACKEND_OPENSSL; be++) {
      const pn_cipher_ops *o = pn_crypto_cipher(id, (pn_backend)be);
      if (!o || !o->encrypt2) continue;
      tried++;
      for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++)
        for (size_t j = 0; j < sizeof hdrs / sizeof hdrs[0]; j++) {
          size_t n = lens[i], h = hdrs[j];
          if (n < h) continue;
          uint64_t nonce = 1000 + i;
          assert_int_equal(o->encrypt(cx_for(o), k, nonce, NULL, 0, pt, n, a),
                           0);
          /* Header elsewhere. */
          memset(b, 0xAA, sizeof b);
          assert_int_equal(
              o->encrypt2(cx_for(o), k, nonce, pt, h, pt + h, n - h, b), 0);
          assert_memory_equal(a, b, n + 16);
          /* Header in place at the output. */
          memset(b, 0xAA, sizeof b);
          memcpy(b, pt, h);
          assert_int_equal(
              o->encrypt2(cx_for(o), k, nonce, b, h, pt + h, n - h, b), 0);
          assert_memory_equal(a, b, n + 16);
          assert_int_equal(
              o->decrypt(cx_for(o), k, nonce, NULL, 0, b, n + 16, back), 0);
          if (n) assert_memory_equal(back, pt, n);
        }
    }
  /* With libcrypto, AUTO and libcrypto both have it. */
  if (pn_backend_available(PN_BACKEND_OPENSSL)) assert_true(tried >= 3);
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

/* ---- AEADs -------------------------------------------------------------- */

static const size_t msglens[] = {0,   1,   15,   16,   17,   63,    64,   65,
                                 255, 256, 1000, 1400, 4096, 16384, 65519};

static void test_aead_roundtrip_inplace(void **state) {
  (void)state;
  uint8_t *pt = malloc(65535), *ct = malloc(65535), *buf = malloc(65535);
  assert_non_null(pt);
  assert_non_null(ct);
  assert_non_null(buf);
  for (size_t b = 0; b < NBACKENDS; b++) {
    for (size_t c = 0; c < 2; c++) {
      const pn_cipher_ops *op = pn_crypto_cipher(cipher_ids[c], backends[b]);
      if (!op) continue;
      for (size_t i = 0; i < sizeof msglens / sizeof msglens[0]; i++) {
        uint8_t k[32], ad[64];
        size_t len = msglens[i], adlen = rnd(65);
        uint64_t n = ((uint64_t)randombytes_random() << 32) | (uint64_t)i;
        fill(k, 32);
        fill(ad, adlen);
        fill(pt, len);
        assert_int_equal(op->encrypt(cx_for(op), k, n, ad, adlen, pt, len, ct),
                         PN_OK);
        /* In place: the same ciphertext and tag. */
        memcpy(buf, pt, len);
        assert_int_equal(
            op->encrypt(cx_for(op), k, n, ad, adlen, buf, len, buf), PN_OK);
        assert_memory_equal(buf, ct, len + 16);
        /* Out of place, then in place, back to the plaintext. */
        memset(buf, 0xAA, len + 16);
        assert_int_equal(
            op->decrypt(cx_for(op), k, n, ad, adlen, ct, len + 16, buf), PN_OK);
        if (len) assert_memory_equal(buf, pt, len);
        memcpy(buf, ct, len + 16);
        assert_int_equal(
            op->decrypt(cx_for(op), k, n, ad, adlen, buf, len + 16, buf),
            PN_OK);
        if (len) assert_memory_equal(buf, pt, len);
        /* A NULL AD with length 0 is the empty AD. */
        assert_int_equal(op->encrypt(cx_for(op), k, n, NULL, 0, pt, len, ct),
                         PN_OK);
        assert_int_equal(
            op->decrypt(cx_for(op), k, n, NULL, 0, ct, len + 16, buf), PN_OK);
        assert_int_equal(
            op->decrypt(cx_for(op), k, n, ad, 0, ct, len + 16, buf), PN_OK);
      }
    }
  }
  free(pt);
  free(ct);
  free(buf);
}

static void test_aead_cross_backend(void **state) {
  (void)state;
  uint8_t *pt = malloc(65535), *c1 = malloc(65535), *c2 = malloc(65535);
  assert_non_null(pt);
  assert_non_null(c1);
  assert_non_null(c2);
  for (size_t c = 0; c < 2; c++) {
    const pn_cipher_ops *s = pn_crypto_cipher(cipher_ids[c], PN_BACKEND_SODIUM);
    const pn_cipher_ops *o =
        pn_crypto_cipher(cipher_ids[c], PN_BACKEND_OPENSSL);
    if (!s || !o) continue;
    for (int r = 0; r < 200; r++) {
      uint8_t k[32], ad[100], iv[12];
      /* A quarter long (libcrypto's ChaCha20 then takes whole KiBs first,
       * then the rest). */
      size_t len = r < 15       ? msglens[r]
                   : r % 4 == 0 ? 4000 + rnd(65519 - 4000 + 1)
                                : rnd(3000);
      size_t adlen = rnd(101);
      uint64_t n = r == 0 ? 0 : r == 1 ? UINT64_MAX : randombytes_random();
      fill(k, 32);
      fill(ad, adlen);
      fill(pt, len);
      assert_int_equal(s->encrypt(cx_for(s), k, n, ad, adlen, pt, len, c1),
                       PN_OK);
      assert_int_equal(o->encrypt(cx_for(o), k, n, ad, adlen, pt, len, c2),
                       PN_OK);
      assert_memory_equal(c1, c2, len + 16);
      assert_int_equal(o->decrypt(cx_for(o), k, n, ad, adlen, c1, len + 16, c2),
                       PN_OK);
      if (len) assert_memory_equal(c2, pt, len);
      /* And with an arbitrary raw nonce. */
      fill(iv, 12);
      assert_int_equal(s->encrypt_iv(cx_for(s), k, iv, ad, adlen, pt, len, c1),
                       PN_OK);
      assert_int_equal(o->encrypt_iv(cx_for(o), k, iv, ad, adlen, pt, len, c2),
                       PN_OK);
      assert_memory_equal(c1, c2, len + 16);
      assert_int_equal(
          s->decrypt_iv(cx_for(s), k, iv, ad, adlen, c2, len + 16, c1), PN_OK);
      if (len) assert_memory_equal(c1, pt, len);
    }
  }
  free(pt);
  free(c1);
  free(c2);
}

/* libcrypto's contexts keep the last key and only take a new nonce when the
 * key repeats: runs of one key, switches between keys and failed decrypts in
 * between must all give what libsodium gives. */
static void test_aead_key_reuse(void **state) {
  (void)state;
  for (size_t c = 0; c < 2; c++) {
    const pn_cipher_ops *o =
        pn_crypto_cipher(cipher_ids[c], PN_BACKEND_OPENSSL);
    const pn_cipher_ops *s = pn_crypto_cipher(cipher_ids[c], PN_BACKEND_SODIUM);
    uint8_t keys[4][32]; /* 0..2 in use, 3 only to fail with */
    if (!o || !s) continue;
    fill(&keys[0][0], sizeof keys);
    for (int r = 0; r < 400; r++) {
      /* Mostly runs of one key, sometimes another, sometimes a key that
       * differs from the cached one only in its last byte. */
      uint8_t k[32], pt[100], c1[116], c2[116], back[100];
      memcpy(k, keys[r % 17 < 12 ? 0 : 1 + r % 2], 32);
      if (r % 29 == 0) k[31] ^= 1;
      size_t len = rnd(sizeof pt + 1);
      uint64_t n = (uint64_t)r;
      fill(pt, len);
      assert_int_equal(o->encrypt(cx_for(o), k, n, NULL, 0, pt, len, c1),
                       PN_OK);
      assert_int_equal(s->encrypt(cx_for(s), k, n, NULL, 0, pt, len, c2),
                       PN_OK);
      assert_memory_equal(c1, c2, len + 16);
      if (r % 7 == 0) {
        c1[len] ^= 1;
        assert_int_equal(
            o->decrypt(cx_for(o), k, n, NULL, 0, c1, len + 16, back),
            PN_ERR_DECRYPT);
        c1[len] ^= 1;
      }
      if (r % 11 == 0) {
        /* The same nonce under another key must not decrypt. */
        assert_int_equal(
            o->decrypt(cx_for(o), keys[3], n, NULL, 0, c1, len + 16, back),
            PN_ERR_DECRYPT);
      }
      assert_int_equal(o->decrypt(cx_for(o), k, n, NULL, 0, c1, len + 16, back),
                       PN_OK);
      if (len) assert_memory_equal(back, pt, len);
    }
  }
}

static void test_aead_bad_tag(void **state) {
  (void)state;
  for (size_t b = 0; b < NBACKENDS; b++) {
    for (size_t c = 0; c < 2; c++) {
      const pn_cipher_ops *op = pn_crypto_cipher(cipher_ids[c], backends[b]);
      if (!op) continue;
      static const size_t lens[] = {0, 1, 15, 16, 17, 64, 255, 300};
      for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        uint8_t k[32], ad[20], pt[300], ct[316], bad[316], out[316];
        size_t len = lens[i], clen = len + 16;
        uint64_t n = 7;
        fill(k, 32);
        fill(ad, sizeof ad);
        fill(pt, len);
        assert_int_equal(
            op->encrypt(cx_for(op), k, n, ad, sizeof ad, pt, len, ct), PN_OK);
        /* Any flipped bit of ciphertext or tag. */
        for (size_t bit = 0; bit < clen * 8; bit += 1 + rnd(13)) {
          memcpy(bad, ct, clen);
          bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
          memset(out, 0xAA, sizeof out);
          assert_int_equal(
              op->decrypt(cx_for(op), k, n, ad, sizeof ad, bad, clen, out),
              PN_ERR_DECRYPT);
          /* No unauthenticated plaintext is left. */
          assert_true(pn_is_zero(out, len));
          /* In place too. */
          assert_int_equal(
              op->decrypt(cx_for(op), k, n, ad, sizeof ad, bad, clen, bad),
              PN_ERR_DECRYPT);
          assert_true(pn_is_zero(bad, len));
        }
        /* Wrong AD, nonce, key; missing AD; a truncated input. */
        ad[0] ^= 1;
        assert_int_equal(
            op->decrypt(cx_for(op), k, n, ad, sizeof ad, ct, clen, out),
            PN_ERR_DECRYPT);
        ad[0] ^= 1;
        assert_int_equal(
            op->decrypt(cx_for(op), k, n + 1, ad, sizeof ad, ct, clen, out),
            PN_ERR_DECRYPT);
        assert_int_equal(op->decrypt(cx_for(op), k, n, NULL, 0, ct, clen, out),
                         PN_ERR_DECRYPT);
        k[31] ^= 0x80;
        assert_int_equal(
            op->decrypt(cx_for(op), k, n, ad, sizeof ad, ct, clen, out),
            PN_ERR_DECRYPT);
        k[31] ^= 0x80;
        for (size_t short_len = 0; short_len < 16; short_len += 5)
          assert_int_equal(
              op->decrypt(cx_for(op), k, n, ad, sizeof ad, ct, short_len, out),
              PN_ERR_DECRYPT);
        if (len)
          assert_int_equal(
              op->decrypt(cx_for(op), k, n, ad, sizeof ad, ct, clen - 1, out),
              PN_ERR_DECRYPT);
        /* The failures left nothing behind: the right inputs still work. */
        assert_int_equal(
            op->decrypt(cx_for(op), k, n, ad, sizeof ad, ct, clen, out), PN_OK);
        if (len) assert_memory_equal(out, pt, len);
      }
#ifdef PN_HAVE_OPENSSL
      /* Failing a tag is routine and must not fill libcrypto's error queue. */
      assert_int_equal(ERR_peek_error(), 0);
#endif
    }
  }
}

/* A reference AEAD with an explicit 96-bit nonce: libsodium, or libcrypto
 * for AES-GCM on CPUs where libsodium lacks it. 0 if neither is there. */
static int raw_encrypt(int id, const uint8_t k[32], const uint8_t iv[12],
                       const uint8_t *pt, size_t len, uint8_t *out) {
  unsigned long long clen = 0;
  if (id == PN_CIPHER_CHACHAPOLY)
    return crypto_aead_chacha20poly1305_ietf_encrypt(out, &clen, pt, len, NULL,
                                                     0, NULL, iv, k) == 0;
  if (crypto_aead_aes256gcm_is_available())
    return crypto_aead_aes256gcm_encrypt(out, &clen, pt, len, NULL, 0, NULL, iv,
                                         k) == 0;
#ifdef PN_HAVE_OPENSSL
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
  int outl = 0,
      ok = ctx && EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, k, iv) == 1;
  ok = ok && EVP_EncryptUpdate(ctx, out, &outl, pt, (int)len) == 1;
  ok = ok && EVP_EncryptFinal_ex(ctx, out + outl, &outl) == 1;
  ok = ok && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, out + len);
  EVP_CIPHER_CTX_free(ctx);
  return ok;
#else
  return 0;
#endif
}

static void test_nonce_layout(void **state) {
  (void)state;
  static const uint64_t ns[] = {1, 0x0102030405060708ull, UINT64_MAX - 1};
  int checked = 0;
  for (size_t b = 0; b < NBACKENDS; b++) {
    for (size_t c = 0; c < 2; c++) {
      const pn_cipher_ops *op = pn_crypto_cipher(cipher_ids[c], backends[b]);
      if (!op) continue;
      for (size_t i = 0; i < 3; i++) {
        uint8_t k[32], pt[40], iv[12] = {0}, want[56], got[56];
        uint64_t n = ns[i];
        fill(k, 32);
        fill(pt, sizeof pt);
        /* ChaChaPoly: 4 zero bytes || LE64(n); AESGCM: 4 zero bytes ||
         * BE64(n) (Noise spec section 12). */
        for (int j = 0; j < 8; j++) {
          uint8_t byte = (uint8_t)(n >> (8 * j));
          if (cipher_ids[c] == PN_CIPHER_CHACHAPOLY)
            iv[4 + j] = byte;
          else
            iv[11 - j] = byte;
        }
        if (!raw_encrypt(cipher_ids[c], k, iv, pt, sizeof pt, want)) continue;
        assert_int_equal(
            op->encrypt(cx_for(op), k, n, NULL, 0, pt, sizeof pt, got), PN_OK);
        assert_memory_equal(got, want, sizeof got);
        assert_int_equal(
            op->encrypt_iv(cx_for(op), k, iv, NULL, 0, pt, sizeof pt, got),
            PN_OK);
        assert_memory_equal(got, want, sizeof got);
        checked++;
      }
    }
  }
  assert_true(checked >= 3);
}

#ifdef PN_HAVE_OPENSSL
/* Contexts belong to their owners, not to threads: six threads at once,
 * each with its own contexts for the same ops, must not mix (no state is
 * shared behind them), and the digests run beside them. */
static void *aead_thread(void *arg) {
  int id = *(const int *)arg, bad = 0;
  const pn_cipher_ops *o = pn_crypto_cipher(id, PN_BACKEND_OPENSSL);
  const pn_cipher_ops *s = pn_crypto_cipher(id, PN_BACKEND_SODIUM);
  pn_crypto_ctx ocx, scx;
  if (!o || pn_crypto_ctx_setup(&ocx, o) != PN_OK) return (void *)1;
  if (s && pn_crypto_ctx_setup(&scx, s) != PN_OK) return (void *)1;
  static const int hashes[] = {PN_HASH_SHA256, PN_HASH_SHA512, PN_HASH_BLAKE2B};
  for (int r = 0; r < 300 && o; r++) {
    /* Digests interleaved with the AEADs and one another, each against
     * libsodium's. */
    const pn_hash_ops *ho = pn_crypto_hash(hashes[r % 3], PN_BACKEND_OPENSSL);
    const pn_hash_ops *hs = pn_crypto_hash(hashes[r % 3], PN_BACKEND_SODIUM);
    uint8_t msg[300], d1[64], d2[64];
    size_t mlen = rnd(sizeof msg + 1), cut = rnd(mlen + 1);
    pn_iov v[2] = {{msg, cut}, {msg + cut, mlen - cut}};
    fill(msg, mlen);
    bad |= pn_hash(ho, d1, v, 2) != PN_OK;
    bad |= pn_hash(hs, d2, v, 2) != PN_OK;
    bad |= memcmp(d1, d2, ho->hashlen) != 0;

    uint8_t k[32], pt[200], c1[216], c2[216], back[200];
    size_t len = rnd(sizeof pt + 1);
    uint64_t n = randombytes_random();
    fill(k, 32);
    fill(pt, len);
    bad |= o->encrypt(&ocx, k, n, NULL, 0, pt, len, c1) != PN_OK;
    bad |= o->decrypt(&ocx, k, n, NULL, 0, c1, len + 16, back) != PN_OK;
    bad |= len && memcmp(back, pt, len) != 0;
    if (s) {
      bad |= s->encrypt(&scx, k, n, NULL, 0, pt, len, c2) != PN_OK;
      bad |= memcmp(c1, c2, len + 16) != 0;
    }
  }
  pn_crypto_ctx_wipe(&ocx);
  if (s) pn_crypto_ctx_wipe(&scx);
  return bad ? (void *)1 : NULL;
}

static void test_aead_threads(void **state) {
  (void)state;
  pthread_t t[6];
  int ids[6];
  for (int i = 0; i < 6; i++) {
    ids[i] = cipher_ids[i % 2];
    assert_int_equal(pthread_create(&t[i], NULL, aead_thread, &ids[i]), 0);
  }
  for (int i = 0; i < 6; i++) {
    void *ret = (void *)1;
    assert_int_equal(pthread_join(t[i], &ret), 0);
    assert_null(ret);
  }
}
#endif

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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_init),
      cmocka_unit_test(test_backend_table),
      cmocka_unit_test(test_auto_split_agrees),
      cmocka_unit_test(test_encrypt2_agrees),
      cmocka_unit_test(test_hash_kat),
      cmocka_unit_test(test_hmac_rfc4231),
      cmocka_unit_test(test_hmac_vs_reference),
      cmocka_unit_test(test_hkdf),
      cmocka_unit_test(test_dh_rfc7748),
      cmocka_unit_test(test_dh_low_order),
      cmocka_unit_test(test_dh_cross_backend),
      cmocka_unit_test(test_aead_roundtrip_inplace),
      cmocka_unit_test(test_aead_cross_backend),
      cmocka_unit_test(test_aead_key_reuse),
      cmocka_unit_test(test_aead_bad_tag),
      cmocka_unit_test(test_nonce_layout),
#ifdef PN_HAVE_OPENSSL
      cmocka_unit_test(test_aead_threads),
#endif
      cmocka_unit_test(test_helpers),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
