/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * The AEADs (ChaChaPoly, AES-GCM) on every backend: AUTO's size routing and
 * encrypt2 against plain encrypt, round trips in place, the libraries
 * against each other (libcrypto's cached keys included), bad tags, the
 * Noise nonce layouts, and contexts used from several threads at once.
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
#include <openssl/err.h>
#include <openssl/evp.h>
#endif

#include "crypto_fixture.h"

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

/* ---- AUTO's routes and encrypt2 ---------------------------------------- */

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

/* Not CRYPTO_TEST_MAIN: one test is there only with libcrypto, and the
 * context cache has a teardown. */
int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_auto_split_agrees),
      cmocka_unit_test(test_encrypt2_agrees),
      cmocka_unit_test(test_aead_roundtrip_inplace),
      cmocka_unit_test(test_aead_cross_backend),
      cmocka_unit_test(test_aead_key_reuse),
      cmocka_unit_test(test_aead_bad_tag),
      cmocka_unit_test(test_nonce_layout),
#ifdef PN_HAVE_OPENSSL
      cmocka_unit_test(test_aead_threads),
#endif
  };
  return cmocka_run_group_tests(tests, crypto_fixture_setup, teardown);
}
