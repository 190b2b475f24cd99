/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* The Noise failure-path tests' shared fixture (noise_fixture.h says what). */
#include "noise_fixture.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

/* The string and its NUL; the size is in the header for the tests' sizeof. */
const uint8_t prologue[23] = "p2pnoise failure tests";

char g_ctx[256];

/* g_rng's seed counter: a run draws the same bytes every time. */
static uint64_t g_rng_ctr;

static int test_fill(void *user, uint8_t *buf, size_t len) {
  uint8_t seed[randombytes_SEEDBYTES] = {0};
  uint64_t c = ++g_rng_ctr;
  (void)user;
  memcpy(seed, &c, sizeof c);
  randombytes_buf_deterministic(buf, len, seed);
  return 0;
}

const pn_rng g_rng = {test_fill, NULL};

int is_zero(const void *p, size_t n) {
  const uint8_t *b = p;
  uint8_t acc = 0;
  for (size_t i = 0; i < n; i++)
    acc |= b[i];
  return acc == 0;
}

/* ---- Pattern tables ------------------------------------------------------ */

const pattern_info patterns[NPATTERNS] = {
    /* One-way (7.4). */
    {"N", 1, 0},
    {"K", 1, 0},
    {"X", 1, 0},
    /* Fundamental (7.5). */
    {"NN", 2, 1},
    {"NK", 2, 0},
    {"NX", 2, 1},
    {"XN", 3, 1},
    {"XK", 3, 0},
    {"XX", 3, 1},
    {"KN", 2, 0},
    {"KK", 2, 0},
    {"KX", 2, 0},
    {"IN", 2, 1},
    {"IK", 2, 0},
    {"IX", 2, 1},
    /* Deferred (18.1). */
    {"NK1", 2, 0},
    {"NX1", 3, 1},
    {"X1N", 4, 1},
    {"X1K", 4, 0},
    {"XK1", 3, 0},
    {"X1K1", 4, 0},
    {"X1X", 4, 1},
    {"XX1", 3, 1},
    {"X1X1", 4, 1},
    {"K1N", 3, 0},
    {"K1K", 3, 0},
    {"KK1", 2, 0},
    {"K1K1", 3, 0},
    {"K1X", 3, 0},
    {"KX1", 3, 0},
    {"K1X1", 3, 0},
    {"I1N", 3, 1},
    {"I1K", 3, 0},
    {"IK1", 2, 0},
    {"I1K1", 3, 0},
    {"I1X", 3, 1},
    {"IX1", 3, 1},
    {"I1X1", 3, 1},
};

const char *const suite_default = "25519_ChaChaPoly_BLAKE2b";

/* ---- Two parties in one process ------------------------------------------ */

pair g_pair;
uint8_t g_msg[BIG], g_buf[BIG], g_pay[BIG];

int sender_of(const pn_protocol *p, int m) {
  return p->one_way || m % 2 == 0 ? I : R;
}

static int has_tok(const uint8_t *t, int n, int tok) {
  for (int i = 0; i < n; i++)
    if (t[i] == tok) return 1;
  return 0;
}

int pre_has(const pn_protocol *p, int role, int tok) {
  return role == I ? has_tok(p->pre_i, p->npre_i, tok)
                   : has_tok(p->pre_r, p->npre_r, tok);
}

int parse(pn_protocol *p, const char *name) {
  return pn_protocol_parse(p, name, strlen(name), PN_BACKEND_AUTO);
}

void pair_init(pair *x, const char *name) {
  for (int r = I; r <= R; r++)
    pn_crypto_ctx_wipe(&x->cx[r]); /* the previous test's */
  memset(x, 0, sizeof *x);
  CTX("%s", name);
  assert_ok(parse(&x->p, name));
  for (int r = I; r <= R; r++)
    assert_ok(pn_crypto_ctx_init(&x->cx[r], &x->p));
  /* Any keys will do and they are slow to make: one set per DH. */
  static pn_keypair keys[3][4];
  static int have[3];
  if (!have[x->p.dh]) {
    for (int k = 0; k < 4; k++)
      assert_ok(pn_keypair_generate(&keys[x->p.dh][k], &x->p, &g_rng));
    have[x->p.dh] = 1;
  }
  for (int r = I; r <= R; r++) {
    x->s[r] = keys[x->p.dh][r - I];
    x->e[r] = keys[x->p.dh][2 + r - I];
    assert_ok(
        pn_handshake_init(&x->hs[r], &x->p, &x->cx[r], (pn_role)r, &g_rng));
  }
  for (int i = 0; i < PN_NOISE_MAX_PSKS; i++)
    memset(x->psks[i], 0x50 + i, PN_NOISE_PSKLEN);
}

void pair_keys(pair *x) {
  for (int r = I; r <= R; r++) {
    pn_handshake *hs = &x->hs[r];
    int other = 3 - r, need = pn_handshake_needs(hs);
    size_t dl = pn_protocol_dhlen(&x->p);
    if (need & PN_NEED_LOCAL_STATIC)
      assert_ok(pn_handshake_set_static(hs, &x->s[r]));
    if (need & PN_NEED_REMOTE_STATIC)
      assert_ok(pn_handshake_set_remote_static(hs, x->s[other].pub, dl));
    if (need & PN_NEED_REMOTE_EPHEMERAL)
      assert_ok(pn_handshake_set_remote_ephemeral(hs, x->e[other].pub, dl));
    if (need & PN_NEED_PSK)
      assert_ok(pn_handshake_set_psks(hs, x->psks, x->p.npsk));
    if (x->pin[r] || pre_has(&x->p, r, PN_TOK_E))
      assert_ok(pn_handshake_pin_ephemeral(hs, &x->e[r]));
  }
}

void pair_start(pair *x) {
  for (int r = I; r <= R; r++) {
    assert_ok(pn_handshake_start(&x->hs[r], prologue, sizeof prologue));
    assert_int_equal(pn_handshake_action(&x->hs[r]),
                     sender_of(&x->p, 0) == r ? PN_HS_WRITE : PN_HS_READ);
  }
}

void pair_new(pair *x, const char *name) {
  pair_init(x, name);
  pair_keys(x);
  pair_start(x);
}

stop drive(pn_handshake *ini, pn_handshake *res, size_t plen) {
  stop st = {PN_OK, -1, 0, NULL};
  for (;;) {
    int ai = pn_handshake_action(ini), ar = pn_handshake_action(res);
    if (ai == PN_HS_SPLIT && ar == PN_HS_SPLIT) return st;
    pn_handshake *wr = ai == PN_HS_WRITE ? ini : res;
    pn_handshake *rd = wr == ini ? res : ini;
    assert_ctx(pn_handshake_action(wr) == PN_HS_WRITE &&
               pn_handshake_action(rd) == PN_HS_READ);
    st.msg = wr->msg;
    size_t len = 0, got = 0;
    memset(g_pay, 0xA5, plen);
    st.rc = pn_handshake_write(wr, g_pay, plen, g_msg, sizeof g_msg, &len);
    if (st.rc != PN_OK) {
      st.who = wr;
      return st;
    }
    st.rc = pn_handshake_read(rd, g_msg, len, g_buf, sizeof g_buf, &got);
    if (st.rc != PN_OK) {
      st.who = rd;
      st.on_read = 1;
      return st;
    }
    assert_ctx(got == plen);
  }
}

void pair_handshake(pair *x, size_t plen) {
  stop st = drive(&x->hs[I], &x->hs[R], plen);
  assert_ok(st.rc);
  uint8_t hi[PN_NOISE_MAX_HASHLEN], hr[PN_NOISE_MAX_HASHLEN];
  size_t li = pn_handshake_hash(&x->hs[I], hi);
  size_t lr = pn_handshake_hash(&x->hs[R], hr);
  assert_ctx(li == pn_protocol_hashlen(&x->p) && li == lr);
  assert_ctx(memcmp(hi, hr, li) == 0);
  for (int r = I; r <= R; r++)
    assert_ok(pn_handshake_split(&x->hs[r], &x->tx[r], &x->rx[r]));
}

/* One transport message |from| -> other, checked. */
static void transport_one(pair *x, int from, const char *text) {
  size_t n = strlen(text), clen = 0, plen = 0;
  uint8_t ct[128], pt[128];
  assert_ok(pn_cipherstate_encrypt(&x->tx[from], NULL, 0, (const uint8_t *)text,
                                   n, ct, sizeof ct, &clen));
  assert_ctx(clen == n + PN_NOISE_TAGLEN);
  assert_ok(pn_cipherstate_decrypt(&x->rx[3 - from], NULL, 0, ct, clen, pt,
                                   sizeof pt, &plen));
  assert_ctx(plen == n && memcmp(pt, text, n) == 0);
}

void transport_both_ways(pair *x) {
  transport_one(x, I, "to the responder");
  transport_one(x, R, "to the initiator");
  transport_one(x, I, "and back again");
}

void assert_failed_state(pn_handshake *hs) {
  size_t n = 0;
  assert_int_equal(pn_handshake_action(hs), PN_HS_FAILED);
  assert_ctx(is_zero(hs->e.priv, sizeof hs->e.priv));
  assert_ctx(is_zero(hs->ss.ck, sizeof hs->ss.ck));
  assert_ctx(is_zero(hs->ss.cs.k, sizeof hs->ss.cs.k));
  assert_rc(pn_handshake_write(hs, g_pay, 0, g_buf, sizeof g_buf, &n),
            PN_ERR_HANDSHAKE_FAILED);
  assert_rc(pn_handshake_read(hs, g_msg, 64, g_buf, sizeof g_buf, &n),
            PN_ERR_HANDSHAKE_FAILED);
  assert_int_equal(pn_handshake_action(hs), PN_HS_FAILED);
}

int cipher_available(const char *cipher) {
  char name[96];
  pn_protocol p;
  snprintf(name, sizeof name, "Noise_NN_25519_%s_SHA256", cipher);
  return parse(&p, name) == PN_OK;
}

int noise_fixture_begin(void) {
  if (pn_crypto_init() != PN_OK) return 1;
  /* PN_TEST_FILTER=test_wipe (a glob) runs a subset. */
  const char *filter = getenv("PN_TEST_FILTER");
  if (filter) cmocka_set_test_filter(filter);
  return 0;
}
