/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * Low-order X25519 public keys (ephemeral or static, sent or known
 * beforehand) on every pattern: the honest party refuses with PN_ERR_DH at
 * its first DH with one, not before.
 */
#include <string.h>

#include "noise_fixture.h"

/* ---- Low-order public keys ----------------------------------------------- */

/* The X25519 points of small order (cr.yp.to/ecdh.html#validate; libsodium's
 * blocklist): 0, 1, two points of order 8, p-1, p and p+1. The last 7 are the
 * same with bit 255 set, which X25519 ignores. Each gives an all-zero DH. */
static uint8_t low_order[14][32] = {
    {0},
    {1},
    {0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3,
     0xfa, 0xf1, 0x9f, 0xc4, 0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32,
     0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00},
    {0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1,
     0x55, 0x9c, 0x83, 0xef, 0x5b, 0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c,
     0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f, 0x11, 0x57},
    {0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
    {0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
    {0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
};

static int low_order_setup(void **state) {
  (void)state;
  for (int i = 0; i < 7; i++) {
    memcpy(low_order[7 + i], low_order[i], 32);
    low_order[7 + i][31] |= 0x80;
  }
  return 0;
}

/* The remote key (PN_TOK_E or PN_TOK_S) a DH token uses at |role|; 0 if
 * |tok| is no DH. Letters are initiator's key, then responder's. */
static int dh_remote(int tok, int role) {
  switch (tok) {
  case PN_TOK_EE:
    return PN_TOK_E;
  case PN_TOK_SS:
    return PN_TOK_S;
  case PN_TOK_ES:
    return role == I ? PN_TOK_S : PN_TOK_E;
  case PN_TOK_SE:
    return role == I ? PN_TOK_E : PN_TOK_S;
  default:
    return 0;
  }
}

/* The first message in which honest |h| runs a DH with |m|'s key of |kind|;
 * -1 if never. |*pre|: that key was a pre-message. */
static int bad_dh_msg(const pn_protocol *p, int m, int kind, int *pre) {
  int h = 3 - m, known = pre_has(p, m, kind);
  *pre = known;
  for (int i = 0; i < p->nmsgs; i++)
    for (int t = 0; t < p->msg_len[i]; t++) {
      int tok = p->tok[i][t];
      if (sender_of(p, i) == m && tok == kind)
        known = 1;
      else if (known && dh_remote(tok, h) == kind)
        return i;
    }
  return -1;
}

enum { LO_RECV_E, LO_RECV_S, LO_PRE_S, LO_PRE_E, LO_NKINDS };

/* Party |m| of |name| has |bad| as its public key of |kind|; the honest
 * party must refuse with PN_ERR_DH at the first DH with it, and not before.
 * Counts the case in |seen|. */
static void low_order_case(const char *name, int m, int kind,
                           const uint8_t *bad, int *seen) {
  pair *x = &g_pair;
  int h = 3 - m, pre;
  pair_init(x, name);
  int at = bad_dh_msg(&x->p, m, kind, &pre);
  if (at < 0) return; /* |m| has no such key, or |h| never uses it */
  if (kind == PN_TOK_S) {
    memcpy(x->s[m].pub, bad, 32); /* sent, or given to h as rs */
  } else {
    memcpy(x->e[m].pub, bad, 32); /* pinned, or given to h as re */
    x->pin[m] = 1;
  }
  seen[kind == PN_TOK_E ? (pre ? LO_PRE_E : LO_RECV_E)
                        : (pre ? LO_PRE_S : LO_RECV_S)]++;
  x->pin[h] = 1; /* saves making a key per case */
  pair_keys(x);
  pair_start(x);
  for (int i = 0; i <= at; i++) {
    int w = sender_of(&x->p, i), r = 3 - w;
    size_t len = 0, got = 0;
    CTX("%s: bad %s of role %d (%02x..%02x), msg %d of %d", name,
        kind == PN_TOK_E ? "e" : "s", m, bad[0], bad[31], i, at);
    int rc = pn_handshake_write(&x->hs[w], g_pay, 1, g_msg, sizeof g_msg, &len);
    if (i == at && w == h) {
      assert_rc(rc, PN_ERR_DH);
      assert_failed_state(&x->hs[h]);
      return;
    }
    assert_ok(rc);
    rc = pn_handshake_read(&x->hs[r], g_msg, len, g_buf, sizeof g_buf, &got);
    if (i == at) {
      assert_rc(rc, PN_ERR_DH);
      assert_failed_state(&x->hs[h]);
      return;
    }
    assert_ok(rc);
  }
}

static void test_low_order_keys(void **state) {
  (void)state;
  char name[96];
  int seen[LO_NKINDS] = {0};
  /* The 7 canonical encodings on every pattern; all 14 on the patterns
   * below (the high-bit copies take the same code paths). */
  for (int i = 0; i < NPATTERNS; i++) {
    snprintf(name, sizeof name, "Noise_%s_25519_ChaChaPoly_SHA256",
             patterns[i].name);
    for (int m = I; m <= R; m++)
      for (int kind = PN_TOK_E; kind <= PN_TOK_S; kind++)
        for (int k = 0; k < 7; k++)
          low_order_case(name, m, kind, low_order[k], seen);
  }
  /* psk patterns (e also feeds MixKey), the fallback pre-message e, and
   * the fundamental patterns with a pre-message s. */
  static const char *const more[] = {
      "Noise_XX_25519_ChaChaPoly_SHA256",
      "Noise_IK_25519_ChaChaPoly_SHA256",
      "Noise_KK_25519_ChaChaPoly_SHA256",
      "Noise_N_25519_ChaChaPoly_SHA256",
      "Noise_XXpsk3_25519_ChaChaPoly_SHA256",
      "Noise_IKpsk1_25519_AESGCM_SHA256",
      "Noise_XXfallback_25519_ChaChaPoly_SHA256",
      "Noise_IXfallback+psk0_25519_ChaChaPoly_SHA256"};
  for (size_t i = 0; i < sizeof more / sizeof more[0]; i++) {
    if (strstr(more[i], "AESGCM") && !cipher_available("AESGCM")) continue;
    for (int m = I; m <= R; m++)
      for (int kind = PN_TOK_E; kind <= PN_TOK_S; kind++)
        for (int k = 0; k < 14; k++)
          low_order_case(more[i], m, kind, low_order[k], seen);
  }
  /* Each way in was exercised. */
  for (int k = 0; k < LO_NKINDS; k++)
    assert_true(seen[k] > 0);
}

NOISE_TEST_MAIN(cmocka_unit_test_setup(test_low_order_keys, low_order_setup))
