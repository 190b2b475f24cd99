/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * CipherState and wiping: nonce exhaustion, a refused decrypt that keeps the
 * nonce, rekey (the spec's construction, one-sided and in step), and which
 * secrets the wipes, a failure and split leave behind.
 */
#include <string.h>

#include "crypto.h" /* cipher ops: the rekey construction is checked */
#include "noise_fixture.h"

/* ---- CipherState --------------------------------------------------------- */

static void cs_with_key(pn_cipherstate *cs, const pn_protocol *p,
                        pn_crypto_ctx *cx, int fill) {
  uint8_t k[32];
  memset(k, fill, sizeof k);
  assert_ok(pn_cipherstate_init(cs, p, cx));
  assert_int_equal(pn_cipherstate_has_key(cs), 0);
  pn_cipherstate_set_key(cs, k);
  assert_int_equal(pn_cipherstate_has_key(cs), 1);
  assert_int_equal(pn_cipherstate_nonce(cs), 0);
}

static void test_nonce_exhausted(void **state) {
  (void)state;
  static const char *const ciphers[] = {"ChaChaPoly", "AESGCM"};
  for (int c = 0; c < 2; c++) {
    char name[96];
    pn_protocol p;
    pn_cipherstate a, b;
    uint8_t ct[64], pt[64];
    size_t clen = 0, n = 0;
    snprintf(name, sizeof name, "Noise_NN_25519_%s_SHA256", ciphers[c]);
    CTX("%s", name);
    if (parse(&p, name) == PN_ERR_UNSUPPORTED) continue;
    assert_ok(parse(&p, name));
    pn_crypto_ctx cx;
    assert_ok(pn_crypto_ctx_init(&cx, &p));
    cs_with_key(&a, &p, &cx, 7);
    cs_with_key(&b, &p, &cx, 7);

    /* 2^64-2 is the last usable nonce. */
    pn_cipherstate_set_nonce(&a, UINT64_MAX - 1);
    pn_cipherstate_set_nonce(&b, UINT64_MAX - 1);
    assert_ok(pn_cipherstate_encrypt(&a, NULL, 0, (const uint8_t *)"last", 4,
                                     ct, sizeof ct, &clen));
    assert_true(pn_cipherstate_nonce(&a) == UINT64_MAX);
    assert_ok(pn_cipherstate_decrypt(&b, NULL, 0, ct, clen, pt, sizeof pt, &n));
    assert_memory_equal(pt, "last", 4);
    assert_true(pn_cipherstate_nonce(&b) == UINT64_MAX);

    /* At 2^64-1: refused, nothing written, n unchanged. */
    memset(ct, 0xCC, sizeof ct);
    assert_rc(pn_cipherstate_encrypt(&a, NULL, 0, (const uint8_t *)"more", 4,
                                     ct, sizeof ct, &clen),
              PN_ERR_NONCE_EXHAUSTED);
    for (size_t i = 0; i < sizeof ct; i++)
      assert_int_equal(ct[i], 0xCC);
    assert_true(pn_cipherstate_nonce(&a) == UINT64_MAX);
    assert_rc(
        pn_cipherstate_encrypt(&a, NULL, 0, NULL, 0, ct, sizeof ct, &clen),
        PN_ERR_NONCE_EXHAUSTED);
    memset(ct, 0, 20);
    assert_rc(pn_cipherstate_decrypt(&b, NULL, 0, ct, 20, pt, sizeof pt, &n),
              PN_ERR_NONCE_EXHAUSTED);
    assert_true(pn_cipherstate_nonce(&b) == UINT64_MAX);

    /* Set directly; a rekey (which uses that nonce itself) still works
     * and does not touch n. */
    pn_cipherstate_set_nonce(&a, UINT64_MAX);
    assert_ok(pn_cipherstate_rekey(&a));
    assert_true(pn_cipherstate_nonce(&a) == UINT64_MAX);
    assert_rc(pn_cipherstate_encrypt(&a, NULL, 0, (const uint8_t *)"x", 1, ct,
                                     sizeof ct, &clen),
              PN_ERR_NONCE_EXHAUSTED);
    pn_cipherstate_wipe(&a);
    pn_cipherstate_wipe(&b);
    pn_crypto_ctx_wipe(&cx);
  }
}

/* A refused decrypt does not advance n: the real message still decrypts. */
static void test_failed_decrypt_keeps_nonce(void **state) {
  (void)state;
  pair *x = &g_pair;
  uint8_t ct[3][64], pt[64];
  size_t clen[3], n = 0;
  pair_new(x, "Noise_NN_25519_ChaChaPoly_BLAKE2b");
  pair_handshake(x, 0);
  for (int i = 0; i < 3; i++)
    assert_ok(pn_cipherstate_encrypt(&x->tx[I], NULL, 0, (const uint8_t *)"abc",
                                     3, ct[i], sizeof ct[i], &clen[i]));
  pn_cipherstate *rx = &x->rx[R];
  CTX("tampered message 0");
  ct[0][0] ^= 0x80;
  assert_rc(
      pn_cipherstate_decrypt(rx, NULL, 0, ct[0], clen[0], pt, sizeof pt, &n),
      PN_ERR_DECRYPT);
  ct[0][0] ^= 0x80;
  assert_int_equal(pn_cipherstate_nonce(rx), 0);
  CTX("short ciphertexts");
  for (size_t cut = 0; cut < PN_NOISE_TAGLEN; cut++)
    assert_rc(
        pn_cipherstate_decrypt(rx, NULL, 0, ct[0], cut, pt, sizeof pt, &n),
        PN_ERR_DECRYPT);
  assert_rc(pn_cipherstate_decrypt(rx, NULL, 0, ct[0], clen[0] - 1, pt,
                                   sizeof pt, &n),
            PN_ERR_DECRYPT);
  assert_int_equal(pn_cipherstate_nonce(rx), 0);
  CTX("wrong associated data");
  assert_rc(pn_cipherstate_decrypt(rx, (const uint8_t *)"ad", 2, ct[0], clen[0],
                                   pt, sizeof pt, &n),
            PN_ERR_DECRYPT);
  CTX("out of order: message 1 first");
  assert_rc(
      pn_cipherstate_decrypt(rx, NULL, 0, ct[1], clen[1], pt, sizeof pt, &n),
      PN_ERR_DECRYPT);
  assert_int_equal(pn_cipherstate_nonce(rx), 0);
  CTX("in order");
  for (int i = 0; i < 3; i++) {
    assert_ok(
        pn_cipherstate_decrypt(rx, NULL, 0, ct[i], clen[i], pt, sizeof pt, &n));
    assert_int_equal(pn_cipherstate_nonce(rx), (uint64_t)i + 1);
  }
  CTX("replayed message 2");
  assert_rc(
      pn_cipherstate_decrypt(rx, NULL, 0, ct[2], clen[2], pt, sizeof pt, &n),
      PN_ERR_DECRYPT);
  assert_int_equal(pn_cipherstate_nonce(rx), 3);
}

static void test_rekey(void **state) {
  (void)state;
  static const char *const ciphers[] = {"ChaChaPoly", "AESGCM"};
  for (int c = 0; c < 2; c++) {
    char name[96];
    pair *x = &g_pair;
    uint8_t ct[64], pt[64], k_before[32], expect[48];
    size_t clen = 0, n = 0;
    snprintf(name, sizeof name, "Noise_XX_25519_%s_SHA512", ciphers[c]);
    if (!cipher_available(ciphers[c])) continue;
    pair_new(x, name);
    pair_handshake(x, 0);
    transport_both_ways(x);

    /* Rekey() is the spec's: k = ENCRYPT(k, 2^64-1, "", zeros)[0..32]. */
    CTX("%s rekey construction", name);
    static const uint8_t zeros[32];
    memcpy(k_before, x->tx[I].k, 32);
    uint64_t n_before = pn_cipherstate_nonce(&x->tx[I]);
    assert_int_equal(x->tx[I].ops->encrypt(x->tx[I].cx, k_before, UINT64_MAX,
                                           NULL, 0, zeros, 32, expect),
                     0);
    assert_ok(pn_cipherstate_rekey(&x->tx[I]));
    assert_memory_equal(x->tx[I].k, expect, 32);
    assert_memory_not_equal(x->tx[I].k, k_before, 32);
    assert_true(pn_cipherstate_nonce(&x->tx[I]) == n_before);

    /* One side only: the peer cannot read, and its n stays. */
    CTX("%s one-sided rekey", name);
    assert_ok(pn_cipherstate_encrypt(
        &x->tx[I], NULL, 0, (const uint8_t *)"hello", 5, ct, sizeof ct, &clen));
    uint64_t rn = pn_cipherstate_nonce(&x->rx[R]);
    assert_rc(
        pn_cipherstate_decrypt(&x->rx[R], NULL, 0, ct, clen, pt, sizeof pt, &n),
        PN_ERR_DECRYPT);
    assert_true(pn_cipherstate_nonce(&x->rx[R]) == rn);
    /* Both sides: it flows again, the same message included. */
    CTX("%s both sides rekeyed", name);
    assert_ok(pn_cipherstate_rekey(&x->rx[R]));
    assert_ok(pn_cipherstate_decrypt(&x->rx[R], NULL, 0, ct, clen, pt,
                                     sizeof pt, &n));
    assert_memory_equal(pt, "hello", 5);
    assert_ok(pn_cipherstate_rekey(&x->tx[R]));
    assert_ok(pn_cipherstate_rekey(&x->rx[I]));
    transport_both_ways(x);
    /* Twice more on each side, in step. */
    for (int k = 0; k < 2; k++)
      for (int r = I; r <= R; r++) {
        assert_ok(pn_cipherstate_rekey(&x->tx[r]));
        assert_ok(pn_cipherstate_rekey(&x->rx[r]));
      }
    transport_both_ways(x);
  }
  /* Without a key there is nothing to rekey. */
  pn_protocol p;
  pn_cipherstate cs;
  CTX("rekey without a key");
  assert_ok(parse(&p, "Noise_NN_25519_ChaChaPoly_SHA256"));
  pn_crypto_ctx cx;
  assert_ok(pn_crypto_ctx_init(&cx, &p));
  assert_ok(pn_cipherstate_init(&cs, &p, &cx));
  assert_rc(pn_cipherstate_rekey(&cs), PN_ERR_INVALID_STATE);
  /* A context set up for another cipher is refused. */
  pn_protocol q;
  assert_ok(parse(&q, "Noise_NN_25519_AESGCM_SHA256"));
  if (q.cipher_ops != p.cipher_ops)
    assert_rc(pn_cipherstate_init(&cs, &q, &cx), PN_ERR_INVALID_ARGUMENT);
  assert_rc(pn_cipherstate_init(&cs, &p, NULL), PN_ERR_INVALID_ARGUMENT);
  pn_crypto_ctx_wipe(&cx);
}

/* ---- Wiping -------------------------------------------------------------- */

static void assert_secrets_zero(const pn_handshake *hs) {
  assert_ctx(is_zero(hs->e.priv, sizeof hs->e.priv));
  assert_ctx(is_zero(hs->ss.ck, sizeof hs->ss.ck));
  assert_ctx(is_zero(hs->ss.cs.k, sizeof hs->ss.cs.k));
}

static void assert_secrets_set(const pn_handshake *hs) {
  assert_ctx(!is_zero(hs->e.priv, 32));
  assert_ctx(!is_zero(hs->ss.ck, 32));
  assert_ctx(hs->ss.cs.has_key && !is_zero(hs->ss.cs.k, 32));
}

static void test_wipe(void **state) {
  (void)state;
  pair *x = &g_pair;
  size_t len = 0, got = 0;
  const char *xx = "Noise_XX_25519_ChaChaPoly_SHA256";

  /* pn_handshake_wipe mid-handshake (e, ck and k all live). */
  CTX("wipe mid-handshake");
  pair_new(x, xx);
  assert_ok(pn_handshake_write(&x->hs[I], NULL, 0, g_msg, sizeof g_msg, &len));
  assert_ok(
      pn_handshake_read(&x->hs[R], g_msg, len, g_buf, sizeof g_buf, &got));
  assert_ok(pn_handshake_write(&x->hs[R], NULL, 0, g_msg, sizeof g_msg, &len));
  assert_secrets_set(&x->hs[R]);
  pn_handshake_wipe(&x->hs[R]);
  assert_secrets_zero(&x->hs[R]);
  assert_ctx(is_zero(x->hs[R].ss.h, sizeof x->hs[R].ss.h));

  /* FAILED: the responder, holding e, ck and k, refuses a tampered
   * message 2. */
  CTX("FAILED");
  pair_new(x, xx);
  for (int m = 0; m < 2; m++) {
    int w = sender_of(&x->p, m);
    assert_ok(
        pn_handshake_write(&x->hs[w], NULL, 0, g_msg, sizeof g_msg, &len));
    assert_ok(pn_handshake_read(&x->hs[3 - w], g_msg, len, g_buf, sizeof g_buf,
                                &got));
  }
  assert_ok(pn_handshake_write(&x->hs[I], NULL, 0, g_msg, sizeof g_msg, &len));
  g_msg[len - 1] ^= 0x40;
  assert_secrets_set(&x->hs[R]);
  assert_rc(pn_handshake_read(&x->hs[R], g_msg, len, g_buf, sizeof g_buf, &got),
            PN_ERR_DECRYPT);
  assert_secrets_zero(&x->hs[R]);

  /* Split: only h (and the remote key) stay. */
  CTX("split");
  pair_new(x, xx);
  stop st = drive(&x->hs[I], &x->hs[R], 0);
  assert_ok(st.rc);
  uint8_t h1[64], h2[64];
  for (int r = I; r <= R; r++) {
    assert_secrets_set(&x->hs[r]);
    size_t hl = pn_handshake_hash(&x->hs[r], h1);
    assert_ok(pn_handshake_split(&x->hs[r], &x->tx[r], &x->rx[r]));
    assert_secrets_zero(&x->hs[r]);
    assert_null(pn_handshake_local_ephemeral(&x->hs[r]));
    assert_int_equal(pn_handshake_hash(&x->hs[r], h2), hl);
    assert_memory_equal(h1, h2, hl);
    assert_non_null(pn_handshake_remote_static(&x->hs[r]));
    assert_true(pn_cipherstate_has_key(&x->tx[r]));
    assert_true(pn_cipherstate_has_key(&x->rx[r]));
  }
  assert_memory_equal(x->tx[I].k, x->rx[R].k, 32);
  assert_memory_equal(x->tx[R].k, x->rx[I].k, 32);
  assert_memory_not_equal(x->tx[I].k, x->tx[R].k, 32);

  /* The CipherState and SymmetricState wipes. */
  CTX("cipherstate / symmetricstate wipe");
  pn_cipherstate_wipe(&x->tx[I]);
  assert_ctx(is_zero(&x->tx[I], sizeof x->tx[I]));
  pn_symmetricstate ss;
  assert_ok(pn_symmetric_init(&ss, &x->p, &x->cx[I]));
  assert_ok(pn_symmetric_mix_key(&ss, (const uint8_t *)"ikm", 3));
  assert_ctx(!is_zero(ss.ck, 32) && ss.cs.has_key);
  pn_symmetric_wipe(&ss);
  assert_ctx(is_zero(ss.ck, sizeof ss.ck) && is_zero(ss.cs.k, 32));
}

NOISE_TEST_MAIN(cmocka_unit_test(test_nonce_exhausted),
                cmocka_unit_test(test_failed_decrypt_keeps_nonce),
                cmocka_unit_test(test_rekey), cmocka_unit_test(test_wipe))
