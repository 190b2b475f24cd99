/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * Noise handshakes that must succeed: every revision-34 pattern name (each
 * with every psk position and, where allowed, fallback), every suite this
 * build has, empty payloads on every pattern, and Noise Pipes' fall back
 * from a failed IK to XXfallback.
 */
#include <string.h>

#include "noise_fixture.h"
#include "testutil.h"

/* ---- Every pattern name -------------------------------------------------- */

static void full_handshake(const char *name, int nmsgs, int npsk, int fb) {
  pair *x = &g_pair;
  pair_new(x, name);
  assert_ctx(x->p.nmsgs == nmsgs);
  assert_ctx(x->p.npsk == npsk);
  assert_ctx(x->p.fallback == fb);
  pair_handshake(x, 3);
  transport_both_ways(x);
}

static void test_every_pattern_handshakes(void **state) {
  (void)state;
  char name[PN_NOISE_MAX_NAME + 1];
  int count = 0;
  for (int i = 0; i < NPATTERNS; i++) {
    const pattern_info *pi = &patterns[i];
    snprintf(name, sizeof name, "Noise_%s_%s", pi->name, suite_default);
    full_handshake(name, pi->nmsgs, 0, 0);
    count++;
    /* Each single pskN, N = 0 .. number of messages. */
    for (int k = 0; k <= pi->nmsgs; k++) {
      snprintf(name, sizeof name, "Noise_%spsk%d_%s", pi->name, k,
               suite_default);
      full_handshake(name, pi->nmsgs, 1, 0);
      count++;
    }
    /* Every psk position at once. */
    char mods[64] = "";
    for (int k = 0; k <= pi->nmsgs; k++)
      snprintf(mods + strlen(mods), sizeof mods - strlen(mods), "%spsk%d",
               k ? "+" : "", k);
    snprintf(name, sizeof name, "Noise_%s%s_%s", pi->name, mods, suite_default);
    full_handshake(name, pi->nmsgs, pi->nmsgs + 1, 0);
    count++;
    if (pi->fallback_ok) {
      int n = pi->nmsgs - 1; /* the first message became a pre-message */
      snprintf(name, sizeof name, "Noise_%sfallback_%s", pi->name,
               suite_default);
      full_handshake(name, n, 0, 1);
      snprintf(name, sizeof name, "Noise_%sfallback+psk0+psk%d_%s", pi->name, n,
               suite_default);
      full_handshake(name, n, 2, 1);
      count += 2;
    }
  }
  /* 38 bases, 38 all-psk, 139 single psk (101 messages + 38), 15 x 2
   * fallback. */
  assert_int_equal(count, 38 + 38 + 139 + 30);
}

/* Every suite this build has, for a few patterns. */
static void test_every_suite_handshakes(void **state) {
  (void)state;
  static const char *const pats[] = {"XX", "IKpsk2", "XXfallback", "N"};
  char name[PN_NOISE_MAX_NAME + 1], suite[64];
  int ran = 0;
  for (size_t i = 0; i < PN_TEST_SUITES; i++) {
    /* The DH varies slowest (25519, 448), the hash fastest (SHA256, SHA512,
     * BLAKE2s, BLAKE2b), as testutil.h orders them. */
    size_t d = i / 8, h = i % 4;
    pn_test_suite(i, suite, sizeof suite);
    for (int q = 0; q < 4; q++) {
      pn_protocol p;
      snprintf(name, sizeof name, "Noise_%s_%s", pats[q], suite);
      CTX("%s", name);
      int rc = parse(&p, name);
      if (rc == PN_ERR_UNSUPPORTED) continue;
      assert_ok(rc);
      assert_int_equal(pn_protocol_dhlen(&p), d == 0 ? 32 : 56);
      assert_int_equal(pn_protocol_hashlen(&p), h == 0 || h == 2 ? 32 : 64);
      pair_new(&g_pair, name);
      pair_handshake(&g_pair, 5);
      transport_both_ways(&g_pair);
      ran++;
    }
  }
  /* libsodium alone always has 25519 x ChaChaPoly x {SHA256, SHA512,
   * BLAKE2b}; with libcrypto, everything. */
#ifdef PN_HAVE_OPENSSL
  assert_int_equal(ran, 64);
#else
  assert_true(ran >= 12);
#endif
}

/* ---- Zero-length payloads ------------------------------------------------ */

static void test_zero_length_payloads(void **state) {
  (void)state;
  char name[96];
  for (int i = 0; i < NPATTERNS + 2; i++) {
    pair *x = &g_pair;
    if (i < NPATTERNS)
      snprintf(name, sizeof name, "Noise_%s_25519_ChaChaPoly_SHA256",
               patterns[i].name);
    else
      snprintf(name, sizeof name, "%s",
               i == NPATTERNS ? "Noise_XXfallback+psk1_25519_AESGCM_BLAKE2b"
                              : "Noise_NNpsk0+psk2_25519_ChaChaPoly_SHA512");
    if (strstr(name, "AESGCM") && !cipher_available("AESGCM")) continue;
    pair_new(x, name);
    for (int m = 0; m < x->p.nmsgs; m++) {
      int w = sender_of(&x->p, m), r = 3 - w;
      size_t over = pn_handshake_overhead(&x->hs[w]), len = 99, got = 99;
      CTX("%s msg %d empty payload", name, m);
      assert_ok(
          pn_handshake_write(&x->hs[w], g_pay, 0, g_msg, sizeof g_msg, &len));
      assert_int_equal(len, over);
      assert_ok(pn_handshake_read(&x->hs[r], g_msg, len, g_buf, 0, &got));
      assert_int_equal(got, 0);
    }
    pair_handshake(x, 0);
    for (int from = I; from <= R; from++) {
      uint8_t ct[32], pt[1];
      size_t clen = 99, n = 99;
      CTX("%s empty transport from %d", name, from);
      assert_ok(pn_cipherstate_encrypt(&x->tx[from], NULL, 0, g_pay, 0, ct,
                                       sizeof ct, &clen));
      assert_int_equal(clen, PN_NOISE_TAGLEN);
      assert_ok(pn_cipherstate_decrypt(&x->rx[3 - from], NULL, 0, ct, clen, pt,
                                       0, &n));
      assert_int_equal(n, 0);
    }
  }
}

/* ---- Fallback ------------------------------------------------------------ */

/* Noise Pipes in process: Alice's IK message to a Bob whose static key is
 * not the one she has fails at Bob; both fall back to XXfallback and
 * finish. */

static pair g_pair2; /* the fallback handshake beside g_pair's IK */

static void test_fallback_flow(void **state) {
  (void)state;
  pair *ik = &g_pair, *fb = &g_pair2;
  size_t len = 0, got = 0;
  pair_init(ik, "Noise_IK_25519_ChaChaPoly_SHA256");
  pair_init(fb, "Noise_XXfallback_25519_ChaChaPoly_SHA256");
  pn_keypair stale; /* what Alice believes Bob's key is */
  assert_ok(pn_keypair_generate(&stale, &ik->p, &g_rng));
  pn_handshake *alice = &ik->hs[I], *bob = &ik->hs[R];
  CTX("IK set-up");
  assert_ok(pn_handshake_set_static(alice, &ik->s[I]));
  assert_ok(pn_handshake_set_remote_static(alice, stale.pub, 32));
  assert_ok(pn_handshake_set_static(bob, &ik->s[R]));
  assert_ok(pn_handshake_start(alice, prologue, sizeof prologue));
  assert_ok(pn_handshake_start(bob, prologue, sizeof prologue));

  CTX("fallback before anything to carry over");
  pn_handshake fresh = *bob;
  assert_rc(pn_handshake_fallback(&fresh, &fb->p), PN_ERR_INVALID_STATE);
  CTX("fallback to a protocol without the modifier");
  fresh = *bob;
  assert_rc(pn_handshake_fallback(&fresh, &ik->p), PN_ERR_INVALID_ARGUMENT);

  CTX("IK message 0");
  assert_ok(pn_handshake_write(alice, (const uint8_t *)"0rtt", 4, g_msg,
                               sizeof g_msg, &len));
  assert_rc(pn_handshake_read(bob, g_msg, len, g_buf, sizeof g_buf, &got),
            PN_ERR_DECRYPT);
  assert_failed_state(bob);

  CTX("both fall back");
  assert_ok(pn_handshake_fallback(alice, &fb->p));
  assert_ok(pn_handshake_fallback(bob, &fb->p));
  assert_int_equal(alice->role, PN_RESPONDER);
  assert_int_equal(bob->role, PN_INITIATOR);
  /* Both come back in SETUP; Alice keeps her e, Bob has hers. */
  assert_int_equal(pn_handshake_action(alice), PN_HS_SETUP);
  assert_int_equal(pn_handshake_action(bob), PN_HS_SETUP);
  assert_memory_equal(pn_handshake_local_ephemeral(alice), bob->re, 32);
  assert_ok(pn_handshake_start(alice, prologue, sizeof prologue));
  assert_ok(pn_handshake_start(bob, prologue, sizeof prologue));
  assert_int_equal(pn_handshake_action(bob), PN_HS_WRITE);
  assert_int_equal(pn_handshake_action(alice), PN_HS_READ);
  /* Bob's new message carries his real key; Alice learns it. */
  stop st = drive(bob, alice, 6);
  assert_ok(st.rc);
  assert_memory_equal(pn_handshake_remote_static(alice), ik->s[R].pub, 32);
  assert_memory_equal(pn_handshake_remote_static(bob), ik->s[I].pub, 32);
  uint8_t ha[64], hb[64];
  assert_int_equal(pn_handshake_hash(alice, ha), 32);
  assert_int_equal(pn_handshake_hash(bob, hb), 32);
  assert_memory_equal(ha, hb, 32);
  assert_ok(pn_handshake_split(bob, &fb->tx[I], &fb->rx[I]));
  assert_ok(pn_handshake_split(alice, &fb->tx[R], &fb->rx[R]));
  transport_both_ways(fb);
}

NOISE_TEST_MAIN(cmocka_unit_test(test_every_pattern_handshakes),
                cmocka_unit_test(test_every_suite_handshakes),
                cmocka_unit_test(test_zero_length_payloads),
                cmocka_unit_test(test_fallback_flow))
