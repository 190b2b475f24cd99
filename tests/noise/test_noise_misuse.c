/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * HandshakeState misuse: calls out of turn or out of state, output buffers
 * too small, calls after FAILED, DONE and wipe, and starting without the
 * keys or PSKs the pattern needs (or with ones it has no place for).
 */
#include <string.h>

#include "noise_fixture.h"

/* ---- Misuse -------------------------------------------------------------- */

/* At every step of |name|: the party whose turn it is not gets
 * PN_ERR_WRONG_TURN for both calls that are not its turn, state unchanged. */
static void wrong_turn(const char *name) {
  pair *x = &g_pair;
  pair_new(x, name);
  for (int m = 0; m < x->p.nmsgs; m++) {
    int w = sender_of(&x->p, m), r = 3 - w;
    size_t len = 0, got = 0;
    pn_handshake bw = x->hs[w], br = x->hs[r];
    CTX("%s msg %d: reader writes", name, m);
    assert_rc(
        pn_handshake_write(&x->hs[r], g_pay, 1, g_msg, sizeof g_msg, &len),
        PN_ERR_WRONG_TURN);
    assert_memory_equal(&br, &x->hs[r], sizeof br);
    CTX("%s msg %d: writer reads", name, m);
    assert_rc(
        pn_handshake_read(&x->hs[w], g_msg, 100, g_buf, sizeof g_buf, &got),
        PN_ERR_WRONG_TURN);
    assert_memory_equal(&bw, &x->hs[w], sizeof bw);
    assert_rc(pn_handshake_split(&x->hs[w], &x->tx[w], &x->rx[w]),
              PN_ERR_INVALID_STATE);
    assert_memory_equal(&bw, &x->hs[w], sizeof bw);
    assert_ok(
        pn_handshake_write(&x->hs[w], g_pay, 1, g_msg, sizeof g_msg, &len));
    assert_ok(
        pn_handshake_read(&x->hs[r], g_msg, len, g_buf, sizeof g_buf, &got));
  }
  /* At SPLIT, no more messages. */
  for (int r = I; r <= R; r++) {
    size_t len = 0;
    pn_handshake b = x->hs[r];
    CTX("%s: write at SPLIT", name);
    assert_rc(
        pn_handshake_write(&x->hs[r], g_pay, 1, g_msg, sizeof g_msg, &len),
        PN_ERR_INVALID_STATE);
    assert_memory_equal(&b, &x->hs[r], sizeof b);
  }
}

static void test_wrong_turn(void **state) {
  (void)state;
  wrong_turn("Noise_XX_25519_ChaChaPoly_SHA256");
  wrong_turn("Noise_N_25519_ChaChaPoly_SHA256");
  wrong_turn("Noise_X1X1_25519_ChaChaPoly_SHA256");

  /* Before start: not in the handshake yet. */
  pair *x = &g_pair;
  size_t len = 0;
  pair_init(x, "Noise_NN_25519_ChaChaPoly_SHA256");
  pn_handshake b = x->hs[I];
  CTX("write in SETUP");
  assert_rc(pn_handshake_write(&x->hs[I], g_pay, 1, g_msg, sizeof g_msg, &len),
            PN_ERR_INVALID_STATE);
  assert_rc(pn_handshake_read(&x->hs[I], g_msg, 32, g_buf, sizeof g_buf, &len),
            PN_ERR_INVALID_STATE);
  assert_memory_equal(&b, &x->hs[I], sizeof b);
  assert_int_equal(pn_handshake_action(&x->hs[I]), PN_HS_SETUP);
  assert_int_equal(pn_handshake_overhead(&x->hs[I]), 0);
  /* Started twice. */
  pair_keys(x);
  pair_start(x);
  CTX("start twice");
  assert_rc(pn_handshake_start(&x->hs[I], NULL, 0), PN_ERR_INVALID_STATE);
}

/* Output buffers one byte short: PN_ERR_NOBUF, unchanged; then it works. */
static void test_nobuf(void **state) {
  (void)state;
  static const char *const pats[] = {"XX", "IK", "NNpsk0", "N"};
  char name[96];
  for (size_t i = 0; i < sizeof pats / sizeof pats[0]; i++) {
    pair *x = &g_pair;
    snprintf(name, sizeof name, "Noise_%s_25519_ChaChaPoly_SHA256", pats[i]);
    pair_new(x, name);
    for (int m = 0; m < x->p.nmsgs; m++) {
      int w = sender_of(&x->p, m), r = 3 - w;
      const size_t plen = 5;
      size_t need = pn_handshake_overhead(&x->hs[w]) + plen, len = 0, got = 0;
      memset(g_pay, 0x33, plen);
      pn_handshake bw = x->hs[w], br = x->hs[r];
      memset(g_msg, 0xEE, need);
      CTX("%s msg %d: write into %zu bytes", name, m, need - 1);
      assert_rc(
          pn_handshake_write(&x->hs[w], g_pay, plen, g_msg, need - 1, &len),
          PN_ERR_NOBUF);
      assert_memory_equal(&bw, &x->hs[w], sizeof bw);
      assert_rc(pn_handshake_write(&x->hs[w], g_pay, plen, g_msg, 0, &len),
                PN_ERR_NOBUF);
      assert_memory_equal(&bw, &x->hs[w], sizeof bw);
      CTX("%s msg %d: write, right size", name, m);
      assert_ok(pn_handshake_write(&x->hs[w], g_pay, plen, g_msg, need, &len));
      assert_int_equal(len, need);
      CTX("%s msg %d: read into %zu bytes", name, m, plen - 1);
      assert_rc(pn_handshake_read(&x->hs[r], g_msg, len, g_buf, plen - 1, &got),
                PN_ERR_NOBUF);
      assert_memory_equal(&br, &x->hs[r], sizeof br);
      CTX("%s msg %d: read, right size", name, m);
      assert_ok(pn_handshake_read(&x->hs[r], g_msg, len, g_buf, plen, &got));
      assert_int_equal(got, plen);
      assert_memory_equal(g_buf, g_pay, plen);
    }
    pair_handshake(x, 0);
    /* CipherState: one byte short, nonce unchanged, retry works. */
    uint8_t ct[64], pt[64];
    size_t clen = 0, n = 0;
    CTX("%s transport", name);
    assert_rc(pn_cipherstate_encrypt(&x->tx[I], NULL, 0, (const uint8_t *)"x",
                                     1, ct, 16, &clen),
              PN_ERR_NOBUF);
    assert_int_equal(pn_cipherstate_nonce(&x->tx[I]), 0);
    assert_ok(pn_cipherstate_encrypt(&x->tx[I], NULL, 0, (const uint8_t *)"x",
                                     1, ct, 17, &clen));
    assert_rc(pn_cipherstate_decrypt(&x->rx[R], NULL, 0, ct, clen, pt, 0, &n),
              PN_ERR_NOBUF);
    assert_int_equal(pn_cipherstate_nonce(&x->rx[R]), 0);
    assert_ok(pn_cipherstate_decrypt(&x->rx[R], NULL, 0, ct, clen, pt, 1, &n));
    assert_int_equal(n, 1);
    assert_int_equal(pt[0], 'x');
  }
}

/* Every call after FAILED, after DONE and after wipe. */
static void test_use_after_failed(void **state) {
  (void)state;
  pair *x = &g_pair;
  size_t len = 0, got = 0;
  pair_new(x, "Noise_XX_25519_ChaChaPoly_SHA256");
  assert_ok(pn_handshake_write(&x->hs[I], NULL, 0, g_msg, sizeof g_msg, &len));
  assert_ok(
      pn_handshake_read(&x->hs[R], g_msg, len, g_buf, sizeof g_buf, &got));
  assert_ok(pn_handshake_write(&x->hs[R], NULL, 0, g_msg, sizeof g_msg, &len));
  g_msg[len - 1] ^= 1;
  CTX("tampered XX msg 1");
  assert_rc(pn_handshake_read(&x->hs[I], g_msg, len, g_buf, sizeof g_buf, &got),
            PN_ERR_DECRYPT);
  pn_handshake *f = &x->hs[I];
  assert_failed_state(f);
  uint8_t h[PN_NOISE_MAX_HASHLEN];
  CTX("calls on FAILED");
  assert_rc(pn_handshake_split(f, &x->tx[I], &x->rx[I]), PN_ERR_INVALID_STATE);
  assert_rc(pn_handshake_start(f, NULL, 0), PN_ERR_INVALID_STATE);
  assert_rc(pn_handshake_set_static(f, &x->s[I]), PN_ERR_INVALID_STATE);
  assert_rc(pn_handshake_pin_ephemeral(f, &x->e[I]), PN_ERR_INVALID_STATE);
  assert_int_equal(pn_handshake_overhead(f), 0);
  assert_null(pn_handshake_local_ephemeral(f));
  (void)pn_handshake_hash(f, h);
  assert_int_equal(pn_handshake_action(f), PN_HS_FAILED);

  /* The other side is fine but can never finish: its next read fails. */
  CTX("peer of a FAILED state");
  assert_int_equal(pn_handshake_action(&x->hs[R]), PN_HS_READ);

  /* After DONE: only the hash and the remote key remain. */
  pair_new(x, "Noise_NN_25519_ChaChaPoly_SHA256");
  pair_handshake(x, 0);
  for (int r = I; r <= R; r++) {
    CTX("calls on DONE, role %d", r);
    pn_handshake *d = &x->hs[r];
    assert_int_equal(pn_handshake_action(d), PN_HS_DONE);
    assert_rc(pn_handshake_write(d, NULL, 0, g_msg, sizeof g_msg, &len),
              PN_ERR_HANDSHAKE_FAILED);
    assert_rc(pn_handshake_read(d, g_msg, 48, g_buf, sizeof g_buf, &got),
              PN_ERR_HANDSHAKE_FAILED);
    assert_rc(pn_handshake_split(d, &x->tx[r], &x->rx[r]),
              PN_ERR_INVALID_STATE);
    assert_int_equal(pn_handshake_hash(d, h), 32);
  }

  /* After wipe, on any state, twice. */
  pair_new(x, "Noise_IK_25519_ChaChaPoly_SHA256");
  pn_handshake_wipe(&x->hs[I]);
  pn_handshake_wipe(&x->hs[I]);
  CTX("calls after wipe");
  assert_int_equal(pn_handshake_action(&x->hs[I]), PN_HS_FAILED);
  assert_rc(pn_handshake_write(&x->hs[I], NULL, 0, g_msg, sizeof g_msg, &len),
            PN_ERR_HANDSHAKE_FAILED);
  assert_null(pn_handshake_remote_static(&x->hs[I]));
  pn_handshake_wipe(NULL);
}

/* ---- Missing keys -------------------------------------------------------- */

/* |role| of |name| starts without what |omit| names (a PN_NEED_* bit, or 0
 * for a pinned pre-message e); that must give |rc|, leave the state in
 * SETUP, and start must work once it is given. */
static void missing(const char *name, int role, int omit, int want_need,
                    int rc) {
  pair *x = &g_pair;
  pair_init(x, name);
  pn_handshake *hs = &x->hs[role];
  int other = 3 - role;
  size_t dl = pn_protocol_dhlen(&x->p);
  CTX("%s role %d omit %d", name, role, omit);
  assert_int_equal(pn_handshake_needs(hs), want_need);
  if ((want_need & PN_NEED_LOCAL_STATIC) && omit != PN_NEED_LOCAL_STATIC)
    assert_ok(pn_handshake_set_static(hs, &x->s[role]));
  if ((want_need & PN_NEED_REMOTE_STATIC) && omit != PN_NEED_REMOTE_STATIC)
    assert_ok(pn_handshake_set_remote_static(hs, x->s[other].pub, dl));
  if ((want_need & PN_NEED_REMOTE_EPHEMERAL) &&
      omit != PN_NEED_REMOTE_EPHEMERAL)
    assert_ok(pn_handshake_set_remote_ephemeral(hs, x->e[other].pub, dl));
  if ((want_need & PN_NEED_PSK) && omit != PN_NEED_PSK)
    assert_ok(pn_handshake_set_psks(hs, x->psks, x->p.npsk));
  if (pre_has(&x->p, role, PN_TOK_E) && omit != 0)
    assert_ok(pn_handshake_pin_ephemeral(hs, &x->e[role]));
  pn_handshake before = *hs;
  assert_rc(pn_handshake_start(hs, prologue, sizeof prologue), rc);
  assert_int_equal(pn_handshake_action(hs), PN_HS_SETUP);
  assert_memory_equal(&before, hs, sizeof before);
  switch (omit) {
  case PN_NEED_LOCAL_STATIC:
    assert_ok(pn_handshake_set_static(hs, &x->s[role]));
    break;
  case PN_NEED_REMOTE_STATIC:
    assert_ok(pn_handshake_set_remote_static(hs, x->s[other].pub, dl));
    break;
  case PN_NEED_REMOTE_EPHEMERAL:
    assert_ok(pn_handshake_set_remote_ephemeral(hs, x->e[other].pub, dl));
    break;
  case PN_NEED_PSK:
    assert_ok(pn_handshake_set_psks(hs, x->psks, x->p.npsk));
    break;
  default:
    assert_ok(pn_handshake_pin_ephemeral(hs, &x->e[role]));
  }
  assert_ok(pn_handshake_start(hs, prologue, sizeof prologue));
}

static void test_missing_keys(void **state) {
  (void)state;
  enum {
    LS = PN_NEED_LOCAL_STATIC,
    RS = PN_NEED_REMOTE_STATIC,
    PSK = PN_NEED_PSK,
    RE = PN_NEED_REMOTE_EPHEMERAL
  };
  const char *xx = "Noise_XX_25519_ChaChaPoly_SHA256";
  const char *nk = "Noise_NK_25519_ChaChaPoly_SHA256";
  const char *ik = "Noise_IK_25519_ChaChaPoly_SHA256";
  const char *kk = "Noise_KK_25519_ChaChaPoly_SHA256";
  const char *k1 = "Noise_K_25519_ChaChaPoly_SHA256";
  const char *nn0 = "Noise_NNpsk0_25519_ChaChaPoly_SHA256";
  const char *xk2 = "Noise_XKpsk0+psk3_25519_ChaChaPoly_SHA256";
  const char *fb = "Noise_XXfallback_25519_ChaChaPoly_SHA256";

  missing(xx, I, LS, LS, PN_ERR_MISSING_KEY);
  missing(xx, R, LS, LS, PN_ERR_MISSING_KEY);
  missing(nk, I, RS, RS, PN_ERR_MISSING_KEY);
  missing(nk, R, LS, LS, PN_ERR_MISSING_KEY);
  missing(ik, I, LS, LS | RS, PN_ERR_MISSING_KEY);
  missing(ik, I, RS, LS | RS, PN_ERR_MISSING_KEY);
  missing(kk, R, RS, LS | RS, PN_ERR_MISSING_KEY);
  missing(kk, R, LS, LS | RS, PN_ERR_MISSING_KEY);
  missing(k1, I, RS, LS | RS, PN_ERR_MISSING_KEY);
  missing(k1, R, RS, LS | RS, PN_ERR_MISSING_KEY);
  missing(nn0, I, PSK, PSK, PN_ERR_MISSING_PSK);
  missing(nn0, R, PSK, PSK, PN_ERR_MISSING_PSK);
  missing(xk2, I, PSK, LS | RS | PSK, PN_ERR_MISSING_PSK);
  missing(xk2, R, LS, LS | PSK, PN_ERR_MISSING_KEY);
  missing(fb, I, RE, LS | RE, PN_ERR_MISSING_KEY);
  missing(fb, R, 0, LS, PN_ERR_MISSING_KEY); /* its pre-message e */

  /* Fewer PSKs than psk tokens, given either way. */
  pair *x = &g_pair;
  pair_init(x, xk2);
  CTX("%s with one PSK", xk2);
  assert_ok(pn_handshake_set_static(&x->hs[R], &x->s[R]));
  int rc = pn_handshake_set_psks(&x->hs[R], x->psks, 1);
  assert_true(rc == PN_OK || rc == PN_ERR_INVALID_ARGUMENT);
  assert_rc(pn_handshake_start(&x->hs[R], NULL, 0), PN_ERR_MISSING_PSK);
  CTX("%s with only the second PSK", xk2);
  pair_init(x, xk2);
  assert_ok(pn_handshake_set_static(&x->hs[R], &x->s[R]));
  assert_ok(pn_handshake_set_psk(&x->hs[R], 1, x->psks[1], 32));
  assert_rc(pn_handshake_start(&x->hs[R], NULL, 0), PN_ERR_MISSING_PSK);
  assert_ok(pn_handshake_set_psk(&x->hs[R], 0, x->psks[0], 32));
  assert_ok(pn_handshake_start(&x->hs[R], NULL, 0));
  CTX("bad PSK lengths and indexes");
  pair_init(x, xk2);
  assert_rc(pn_handshake_set_psk(&x->hs[R], 0, x->psks[0], 31),
            PN_ERR_INVALID_ARGUMENT);
  assert_rc(pn_handshake_set_psk(&x->hs[R], PN_NOISE_MAX_PSKS, x->psks[0], 32),
            PN_ERR_INVALID_ARGUMENT);

  /* Keys the pattern has no place for are refused, as are bad lengths. */
  CTX("remote static on XX");
  pair_init(x, xx);
  assert_rc(pn_handshake_set_remote_static(&x->hs[I], x->s[R].pub, 32),
            PN_ERR_INVALID_ARGUMENT);
  CTX("remote static of the wrong length");
  pair_init(x, nk);
  assert_rc(pn_handshake_set_remote_static(&x->hs[I], x->s[R].pub, 31),
            PN_ERR_INVALID_ARGUMENT);
  assert_rc(pn_handshake_set_remote_static(&x->hs[I], x->s[R].pub, 56),
            PN_ERR_INVALID_ARGUMENT);
#ifdef PN_HAVE_OPENSSL
  CTX("a 448 static on a 25519 protocol");
  pn_protocol p448;
  pn_keypair k448;
  assert_ok(parse(&p448, "Noise_XX_448_ChaChaPoly_SHA256"));
  assert_ok(pn_keypair_generate(&k448, &p448, &g_rng));
  pair_init(x, xx);
  assert_rc(pn_handshake_set_static(&x->hs[I], &k448), PN_ERR_INVALID_ARGUMENT);
  assert_rc(pn_handshake_pin_ephemeral(&x->hs[I], &k448),
            PN_ERR_INVALID_ARGUMENT);
#endif
}

NOISE_TEST_MAIN(cmocka_unit_test(test_wrong_turn), cmocka_unit_test(test_nobuf),
                cmocka_unit_test(test_use_after_failed),
                cmocka_unit_test(test_missing_keys))
