/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * Damaged and oversized messages: every bit of handshake and transport
 * messages flipped, every truncation, and the 65535-byte limit on both
 * the handshake and the transport.
 */
#include <string.h>

#include "noise_fixture.h"

/* ---- Tampering ----------------------------------------------------------- */

/* Flips every bit of every handshake message of |name| in turn. A message
 * that carries no authenticated data yet (XX's first) may be accepted; then
 * the honest continuation must be refused at a later read. */
static void flip_handshake(const char *name) {
  pair *x = &g_pair;
  static uint8_t msg[512];
  const size_t plen = 2;
  /* Pinned ephemerals: a continuation need not make a new key per bit. */
  pair_init(x, name);
  x->pin[I] = x->pin[R] = 1;
  pair_keys(x);
  pair_start(x);
  for (int m = 0; m < x->p.nmsgs; m++) {
    int w = sender_of(&x->p, m), r = 3 - w;
    size_t len = 0, got = 0;
    memset(g_pay, 0x3C, plen);
    CTX("%s msg %d: honest write", name, m);
    assert_ok(
        pn_handshake_write(&x->hs[w], g_pay, plen, msg, sizeof msg, &len));
    const pn_handshake wr_after = x->hs[w], rd_before = x->hs[r];
    for (size_t bit = 0; bit < len * 8; bit++) {
      pn_handshake a = wr_after, b = rd_before;
      CTX("%s msg %d bit %zu", name, m, bit);
      msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
      int rc = pn_handshake_read(&b, msg, len, g_buf, sizeof g_buf, &got);
      msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
      if (rc != PN_OK) {
        assert_rc(rc, PN_ERR_DECRYPT);
        assert_failed_state(&b);
        continue;
      }
      /* Accepted: only possible before any key exists. */
      assert_ctx(!wr_after.ss.cs.has_key);
      stop st = w == I ? drive(&a, &b, plen) : drive(&b, &a, plen);
      assert_ctx(st.rc != PN_OK);
      assert_ctx(st.on_read);
      assert_rc(st.rc, PN_ERR_DECRYPT);
      assert_failed_state(st.who);
    }
    CTX("%s msg %d: honest read", name, m);
    assert_ok(
        pn_handshake_read(&x->hs[r], msg, len, g_buf, sizeof g_buf, &got));
  }
  CTX("%s: after the tampering", name);
  for (int r = I; r <= R; r++)
    assert_ok(pn_handshake_split(&x->hs[r], &x->tx[r], &x->rx[r]));

  /* Transport, both directions: every bit of each message. */
  for (int from = I; from <= R; from++) {
    uint8_t ct[64], pt[64];
    size_t clen = 0, n = 0;
    assert_ok(pn_cipherstate_encrypt(&x->tx[from], NULL, 0,
                                     (const uint8_t *)"transport", 9, ct,
                                     sizeof ct, &clen));
    pn_cipherstate *rx = &x->rx[3 - from];
    for (size_t bit = 0; bit < clen * 8; bit++) {
      CTX("%s transport from %d bit %zu", name, from, bit);
      ct[bit / 8] ^= (uint8_t)(1u << (bit % 8));
      assert_rc(
          pn_cipherstate_decrypt(rx, NULL, 0, ct, clen, pt, sizeof pt, &n),
          PN_ERR_DECRYPT);
      ct[bit / 8] ^= (uint8_t)(1u << (bit % 8));
      assert_int_equal(pn_cipherstate_nonce(rx), 0);
    }
    assert_ok(pn_cipherstate_decrypt(rx, NULL, 0, ct, clen, pt, sizeof pt, &n));
    assert_ctx(n == 9 && memcmp(pt, "transport", 9) == 0);
  }
}

static void test_bit_flips(void **state) {
  (void)state;
  static const char *const pats[] = {"XX", "IK", "NK", "NNpsk0", "N"};
  static const char *const ciphers[] = {"ChaChaPoly", "AESGCM"};
  char name[96];
  for (int c = 0; c < 2; c++) {
    if (!cipher_available(ciphers[c])) continue;
    for (size_t i = 0; i < sizeof pats / sizeof pats[0]; i++) {
      snprintf(name, sizeof name, "Noise_%s_25519_%s_SHA256", pats[i],
               ciphers[c]);
      flip_handshake(name);
    }
  }
}

/* ---- Sizes --------------------------------------------------------------- */

static void truncate_messages(const char *name, size_t plen) {
  pair *x = &g_pair;
  pair_new(x, name);
  for (int m = 0; m < x->p.nmsgs; m++) {
    int w = sender_of(&x->p, m), r = 3 - w;
    size_t len = 0, got = 0;
    size_t over = pn_handshake_overhead(&x->hs[r]);
    assert_int_equal(over, pn_handshake_overhead(&x->hs[w]));
    memset(g_pay, 0x11, plen);
    CTX("%s msg %d", name, m);
    assert_ok(
        pn_handshake_write(&x->hs[w], g_pay, plen, g_msg, sizeof g_msg, &len));
    assert_int_equal(len, over + plen);
    /* Whether the payload is encrypted: the writer holds a key now. */
    int keyed = pn_cipherstate_has_key(&x->hs[w].ss.cs);
    for (size_t cut = 0; cut < len; cut++) {
      pn_handshake b = x->hs[r];
      CTX("%s msg %d truncated to %zu of %zu", name, m, cut, len);
      int rc = pn_handshake_read(&b, g_msg, cut, g_buf, sizeof g_buf, &got);
      if (cut < over) {
        assert_rc(rc, PN_ERR_MSG_SIZE);
        assert_failed_state(&b);
      } else if (keyed) {
        assert_rc(rc, PN_ERR_DECRYPT);
        assert_failed_state(&b);
      } else {
        /* A plaintext payload: a shorter one is a valid message. */
        assert_ok(rc);
        assert_int_equal(got, cut - over);
      }
    }
    /* Over the Noise limit, even with the right prefix. */
    pn_handshake b = x->hs[r];
    CTX("%s msg %d oversized", name, m);
    assert_rc(pn_handshake_read(&b, g_msg, PN_NOISE_MAX_MSG + 1, g_buf,
                                sizeof g_buf, &got),
              PN_ERR_MSG_SIZE);
    assert_failed_state(&b);
    CTX("%s msg %d: the real one", name, m);
    assert_ok(
        pn_handshake_read(&x->hs[r], g_msg, len, g_buf, sizeof g_buf, &got));
    assert_int_equal(got, plen);
  }
}

static void test_truncated_and_oversized(void **state) {
  (void)state;
  static const char *const pats[] = {"NN", "XX",     "IK",     "NK",  "X",
                                     "KK", "NNpsk0", "XXpsk3", "X1X1"};
  char name[96];
  for (size_t i = 0; i < sizeof pats / sizeof pats[0]; i++) {
    snprintf(name, sizeof name, "Noise_%s_25519_ChaChaPoly_SHA512", pats[i]);
    truncate_messages(name, 0); /* every shorter length: PN_ERR_MSG_SIZE */
    truncate_messages(name, 7);
  }
}

/* The largest message is 65535 bytes; one more is refused by the writer
 * with the state unchanged. */
static void test_message_size_limit(void **state) {
  (void)state;
  static const char *const pats[] = {"NN", "XX", "NNpsk0"};
  char name[96];
  for (size_t i = 0; i < sizeof pats / sizeof pats[0]; i++) {
    pair *x = &g_pair;
    snprintf(name, sizeof name, "Noise_%s_25519_ChaChaPoly_SHA256", pats[i]);
    pair_new(x, name);
    while (pn_handshake_action(&x->hs[I]) != PN_HS_SPLIT) {
      int w = pn_handshake_action(&x->hs[I]) == PN_HS_WRITE ? I : R;
      size_t over = pn_handshake_overhead(&x->hs[w]), len = 0, got = 0;
      size_t maxp = PN_NOISE_MAX_MSG - over;
      pn_handshake before = x->hs[w];
      memset(g_pay, 0x22, maxp + 1);
      CTX("%s msg %d: one byte over", name, x->hs[w].msg);
      assert_rc(pn_handshake_write(&x->hs[w], g_pay, maxp + 1, g_msg,
                                   sizeof g_msg, &len),
                PN_ERR_MSG_SIZE);
      assert_memory_equal(&before, &x->hs[w], sizeof before);
      CTX("%s msg %d: exactly 65535", name, x->hs[w].msg);
      assert_ok(pn_handshake_write(&x->hs[w], g_pay, maxp, g_msg, sizeof g_msg,
                                   &len));
      assert_int_equal(len, PN_NOISE_MAX_MSG);
      assert_ok(pn_handshake_read(&x->hs[3 - w], g_msg, len, g_buf,
                                  sizeof g_buf, &got));
      assert_int_equal(got, maxp);
    }
    pair_handshake(x, 0);
    /* Transport: 65519 bytes of plaintext fit, 65520 do not. */
    size_t clen = 0, n = 0;
    CTX("%s transport limit", name);
    assert_rc(pn_cipherstate_encrypt(&x->tx[I], NULL, 0, g_pay,
                                     PN_NOISE_MAX_MSG - 15, g_msg, sizeof g_msg,
                                     &clen),
              PN_ERR_MSG_SIZE);
    assert_int_equal(pn_cipherstate_nonce(&x->tx[I]), 0);
    assert_ok(pn_cipherstate_encrypt(&x->tx[I], NULL, 0, g_pay,
                                     PN_NOISE_MAX_MSG - 16, g_msg, sizeof g_msg,
                                     &clen));
    assert_int_equal(clen, PN_NOISE_MAX_MSG);
    assert_ok(pn_cipherstate_decrypt(&x->rx[R], NULL, 0, g_msg, clen, g_buf,
                                     sizeof g_buf, &n));
    assert_rc(pn_cipherstate_decrypt(&x->rx[R], NULL, 0, g_msg,
                                     PN_NOISE_MAX_MSG + 1, g_buf, sizeof g_buf,
                                     &n),
              PN_ERR_MSG_SIZE);
    assert_int_equal(pn_cipherstate_nonce(&x->rx[R]), 1);
  }
}

NOISE_TEST_MAIN(cmocka_unit_test(test_bit_flips),
                cmocka_unit_test(test_truncated_and_oversized),
                cmocka_unit_test(test_message_size_limit))
