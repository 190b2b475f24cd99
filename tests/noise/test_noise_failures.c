/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * Failure paths of the Noise layer: tampering, truncation, misuse, nonce
 * exhaustion, rekey, missing keys, low-order keys, wiping, and the protocol
 * name parser; plus a full in-process handshake for every revision-34
 * pattern name. Randomness is deterministic so a failure reproduces.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include <p2pnoise/noise.h>

#include "crypto.h" /* cipher ops: the rekey construction is checked */

enum { I = PN_INITIATOR, R = PN_RESPONDER, BIG = PN_NOISE_MAX_MSG + 64 };

static const uint8_t prologue[] = "p2pnoise failure tests";

/* What the current assertion is about (pattern, message, bit), printed with
 * a failed assertion. */
static char g_ctx[256];

#define CTX(...) snprintf(g_ctx, sizeof g_ctx, __VA_ARGS__)

#define assert_rc(got, want)                                                   \
  do {                                                                         \
    int g_ = (got), w_ = (want);                                               \
    if (g_ != w_)                                                              \
      fail_msg("%s: got %d (%s), want %d (%s)", g_ctx, g_, pn_strerror(g_),    \
               w_, pn_strerror(w_));                                           \
  } while (0)

#define assert_ok(got) assert_rc(got, PN_OK)

#define assert_ctx(cond)                                                       \
  do {                                                                         \
    if (!(cond)) fail_msg("%s: %s", g_ctx, #cond);                             \
  } while (0)

/* A deterministic RNG: each call draws from a fresh counter-derived seed. */
static uint64_t g_rng_ctr;

static int test_fill(void *user, uint8_t *buf, size_t len) {
  uint8_t seed[randombytes_SEEDBYTES] = {0};
  uint64_t c = ++g_rng_ctr;
  (void)user;
  memcpy(seed, &c, sizeof c);
  randombytes_buf_deterministic(buf, len, seed);
  return 0;
}

static const pn_rng g_rng = {test_fill, NULL};

static int is_zero(const void *p, size_t n) {
  const uint8_t *b = p;
  uint8_t acc = 0;
  for (size_t i = 0; i < n; i++)
    acc |= b[i];
  return acc == 0;
}

/* ---- Pattern tables ------------------------------------------------------ */

typedef struct pattern_info {
  const char *name;
  int nmsgs;
  int fallback_ok; /* no pre-message, first message e or e, s */
} pattern_info;

static const pattern_info patterns[] = {
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
enum { NPATTERNS = sizeof patterns / sizeof patterns[0] };

static const char *const suite_default = "25519_ChaChaPoly_BLAKE2b";

/* ---- Two parties in one process ------------------------------------------ */

typedef struct pair {
  pn_protocol p;
  pn_crypto_ctx cx[3]; /* what each role's states run on */
  pn_handshake hs[3];  /* indexed by role: [I], [R] */
  pn_keypair s[3], e[3];
  int pin[3]; /* pin e[role] (always done for a pre-message e) */
  uint8_t psks[PN_NOISE_MAX_PSKS][PN_NOISE_PSKLEN];
  pn_cipherstate tx[3], rx[3];
} pair;

static pair g_pair, g_pair2;
static uint8_t g_msg[BIG], g_buf[BIG], g_pay[BIG];

static int sender_of(const pn_protocol *p, int m) {
  return p->one_way || m % 2 == 0 ? I : R;
}

static int has_tok(const uint8_t *t, int n, int tok) {
  for (int i = 0; i < n; i++)
    if (t[i] == tok) return 1;
  return 0;
}

static int pre_has(const pn_protocol *p, int role, int tok) {
  return role == I ? has_tok(p->pre_i, p->npre_i, tok)
                   : has_tok(p->pre_r, p->npre_r, tok);
}

static int parse(pn_protocol *p, const char *name) {
  return pn_protocol_parse(p, name, strlen(name), PN_BACKEND_AUTO);
}

/* Parses |name|, makes keys and initialises both roles (nothing set yet). */
static void pair_init(pair *x, const char *name) {
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

/* Gives each role what pn_handshake_needs asks for. */
static void pair_keys(pair *x) {
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

static void pair_start(pair *x) {
  for (int r = I; r <= R; r++) {
    assert_ok(pn_handshake_start(&x->hs[r], prologue, sizeof prologue));
    assert_int_equal(pn_handshake_action(&x->hs[r]),
                     sender_of(&x->p, 0) == r ? PN_HS_WRITE : PN_HS_READ);
  }
}

static void pair_new(pair *x, const char *name) {
  pair_init(x, name);
  pair_keys(x);
  pair_start(x);
}

/* Where a handshake stopped: the failing call, or rc PN_OK when both sides
 * reached PN_HS_SPLIT. */
typedef struct stop {
  int rc, msg, on_read;
  pn_handshake *who;
} stop;

/* Runs the handshake between |ini| and |res| from wherever they are, with
 * |plen|-byte payloads, until both can split or a call fails. */
static stop drive(pn_handshake *ini, pn_handshake *res, size_t plen) {
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

static void pair_handshake(pair *x, size_t plen) {
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

static void transport_both_ways(pair *x) {
  transport_one(x, I, "to the responder");
  transport_one(x, R, "to the initiator");
  transport_one(x, I, "and back again");
}

/* A refused state: FAILED, secrets gone, and every later call refused. */
static void assert_failed_state(pn_handshake *hs) {
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

static int cipher_available(const char *cipher) {
  char name[96];
  pn_protocol p;
  snprintf(name, sizeof name, "Noise_NN_25519_%s_SHA256", cipher);
  return parse(&p, name) == PN_OK;
}

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
  static const char *const dhs[] = {"25519", "448"};
  static const char *const ciphers[] = {"ChaChaPoly", "AESGCM"};
  static const char *const hashes[] = {"SHA256", "SHA512", "BLAKE2s",
                                       "BLAKE2b"};
  static const char *const pats[] = {"XX", "IKpsk2", "XXfallback", "N"};
  char name[PN_NOISE_MAX_NAME + 1];
  int ran = 0;
  for (int d = 0; d < 2; d++)
    for (int c = 0; c < 2; c++)
      for (int h = 0; h < 4; h++)
        for (int q = 0; q < 4; q++) {
          pn_protocol p;
          snprintf(name, sizeof name, "Noise_%s_%s_%s_%s", pats[q], dhs[d],
                   ciphers[c], hashes[h]);
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
        /* libsodium alone always has 25519 x ChaChaPoly x {SHA256, SHA512,
         * BLAKE2b}; with libcrypto, everything. */
#ifdef PN_HAVE_OPENSSL
  assert_int_equal(ran, 64);
#else
  assert_true(ran >= 12);
#endif
}

/* ---- The name parser ----------------------------------------------------- */

typedef struct bad_name {
  const char *name;
  int rc;
} bad_name;

static void test_parser_rejects(void **state) {
  (void)state;
  static const bad_name cases[] = {
      /* Malformed: sections, prefix, characters. */
      {"Noise", PN_ERR_NAME_MALFORMED},
      {"Noise_XX_25519_ChaChaPoly", PN_ERR_NAME_MALFORMED},
      {"Noise_XX_25519", PN_ERR_NAME_MALFORMED},
      {"Noise_XX_25519_ChaChaPoly_SHA256_", PN_ERR_NAME_MALFORMED},
      {"Noise_XX_25519_ChaChaPoly_SHA256_SHA256", PN_ERR_NAME_MALFORMED},
      {"Noise__25519_ChaChaPoly_SHA256", PN_ERR_NAME_MALFORMED},
      {"Noise_XX_25519__SHA256", PN_ERR_NAME_MALFORMED},
      {"Noise_XX_25519_ChaChaPoly_", PN_ERR_NAME_MALFORMED},
      {"_XX_25519_ChaChaPoly_SHA256", PN_ERR_NAME_MALFORMED},
      {"noise_XX_25519_ChaChaPoly_SHA256", PN_ERR_NAME_MALFORMED},
      {"NoisePSK_XX_25519_ChaChaPoly_SHA256", PN_ERR_NAME_MALFORMED},
      {"Noise_XX_25519_ChaChaPoly_SHA256 ", PN_ERR_NAME_MALFORMED},
      {" Noise_XX_25519_ChaChaPoly_SHA256", PN_ERR_NAME_MALFORMED},
      {"Noise_XX_25519_ChaChaPoly_SHA256\n", PN_ERR_NAME_MALFORMED},
      {"Noise_XX_25519_ChaChaPoly_SHA-256", PN_ERR_NAME_MALFORMED},
      {"Noise_X.X_25519_ChaChaPoly_SHA256", PN_ERR_NAME_MALFORMED},
      {"Noise_XX_25519_Cha\xc3\xa7haPoly_SHA256", PN_ERR_NAME_MALFORMED},
      {"Noise_XX+psk0_25519_ChaChaPoly_SHA256", PN_ERR_NAME_MALFORMED},
      {"Noise_XXpsk0+_25519_ChaChaPoly_SHA256", PN_ERR_NAME_MALFORMED},
      {"Noise_XXpsk0++psk1_25519_ChaChaPoly_SHA256", PN_ERR_NAME_MALFORMED},
      /* Unknown base patterns. */
      {"Noise_ZZ_25519_ChaChaPoly_SHA256", PN_ERR_NAME_UNKNOWN_PATTERN},
      {"Noise_XY_25519_ChaChaPoly_SHA256", PN_ERR_NAME_UNKNOWN_PATTERN},
      {"Noise_XXX_25519_ChaChaPoly_SHA256", PN_ERR_NAME_UNKNOWN_PATTERN},
      {"Noise_NK2_25519_ChaChaPoly_SHA256", PN_ERR_NAME_UNKNOWN_PATTERN},
      {"Noise_N1_25519_ChaChaPoly_SHA256", PN_ERR_NAME_UNKNOWN_PATTERN},
      {"Noise_NN1_25519_ChaChaPoly_SHA256", PN_ERR_NAME_UNKNOWN_PATTERN},
      {"Noise_X1X1X_25519_ChaChaPoly_SHA256", PN_ERR_NAME_UNKNOWN_PATTERN},
      {"Noise_xx_25519_ChaChaPoly_SHA256", PN_ERR_NAME_UNKNOWN_PATTERN},
      {"Noise_XXPSK0_25519_ChaChaPoly_SHA256", PN_ERR_NAME_UNKNOWN_PATTERN},
      {"Noise_psk0_25519_ChaChaPoly_SHA256", PN_ERR_NAME_UNKNOWN_PATTERN},
      /* Modifiers: out of range, repeated, unsorted, unknown, misplaced. */
      {"Noise_XXpsk4_25519_ChaChaPoly_SHA256", PN_ERR_NAME_BAD_MODIFIER},
      {"Noise_NNpsk3_25519_ChaChaPoly_SHA256", PN_ERR_NAME_BAD_MODIFIER},
      {"Noise_Npsk2_25519_ChaChaPoly_SHA256", PN_ERR_NAME_BAD_MODIFIER},
      {"Noise_X1X1psk5_25519_ChaChaPoly_SHA256", PN_ERR_NAME_BAD_MODIFIER},
      {"Noise_XXfallback+psk3_25519_ChaChaPoly_SHA256",
       PN_ERR_NAME_BAD_MODIFIER},
      {"Noise_XXpsk10_25519_ChaChaPoly_SHA256", PN_ERR_NAME_BAD_MODIFIER},
      {"Noise_XXpsk0+psk0_25519_ChaChaPoly_SHA256", PN_ERR_NAME_BAD_MODIFIER},
      {"Noise_XXpsk2+psk1_25519_ChaChaPoly_SHA256", PN_ERR_NAME_BAD_MODIFIER},
      {"Noise_XXpsk0+psk2+psk1_25519_ChaChaPoly_SHA256",
       PN_ERR_NAME_BAD_MODIFIER},
      {"Noise_XXpsk0+fallback_25519_ChaChaPoly_SHA256",
       PN_ERR_NAME_BAD_MODIFIER},
      {"Noise_XXfallback+fallback_25519_ChaChaPoly_SHA256",
       PN_ERR_NAME_BAD_MODIFIER},
      {"Noise_NKfallback_25519_ChaChaPoly_SHA256", PN_ERR_NAME_BAD_MODIFIER},
      {"Noise_IKfallback_25519_ChaChaPoly_SHA256", PN_ERR_NAME_BAD_MODIFIER},
      {"Noise_KNfallback_25519_ChaChaPoly_SHA256", PN_ERR_NAME_BAD_MODIFIER},
      {"Noise_Nfallback_25519_ChaChaPoly_SHA256", PN_ERR_NAME_BAD_MODIFIER},
      {"Noise_Xfallback_25519_ChaChaPoly_SHA256", PN_ERR_NAME_BAD_MODIFIER},
      {"Noise_XXfoo_25519_ChaChaPoly_SHA256", PN_ERR_NAME_BAD_MODIFIER},
      {"Noise_XXhfs_25519_ChaChaPoly_SHA256", PN_ERR_NAME_BAD_MODIFIER},
      {"Noise_XXpsk_25519_ChaChaPoly_SHA256", PN_ERR_NAME_BAD_MODIFIER},
      {"Noise_XXpsk01_25519_ChaChaPoly_SHA256", PN_ERR_NAME_BAD_MODIFIER},
      {"Noise_XXpskx_25519_ChaChaPoly_SHA256", PN_ERR_NAME_BAD_MODIFIER},
      {"Noise_XXpsk0+foo_25519_ChaChaPoly_SHA256", PN_ERR_NAME_BAD_MODIFIER},
      /* Unknown primitives (case matters). */
      {"Noise_XX_P256_ChaChaPoly_SHA256", PN_ERR_NAME_UNKNOWN_PRIMITIVE},
      {"Noise_XX_25519+448_ChaChaPoly_SHA256", PN_ERR_NAME_UNKNOWN_PRIMITIVE},
      {"Noise_XX_x25519_ChaChaPoly_SHA256", PN_ERR_NAME_UNKNOWN_PRIMITIVE},
      {"Noise_XX_25519_XChaChaPoly_SHA256", PN_ERR_NAME_UNKNOWN_PRIMITIVE},
      {"Noise_XX_25519_chachapoly_SHA256", PN_ERR_NAME_UNKNOWN_PRIMITIVE},
      {"Noise_XX_25519_AESGCM128_SHA256", PN_ERR_NAME_UNKNOWN_PRIMITIVE},
      {"Noise_XX_25519_ChaChaPoly_SHA3/256", PN_ERR_NAME_UNKNOWN_PRIMITIVE},
      {"Noise_XX_25519_ChaChaPoly_sha256", PN_ERR_NAME_UNKNOWN_PRIMITIVE},
      {"Noise_XX_25519_ChaChaPoly_BLAKE2", PN_ERR_NAME_UNKNOWN_PRIMITIVE},
      {"Noise_XX_25519_ChaChaPoly_SHA256+SHA512",
       PN_ERR_NAME_UNKNOWN_PRIMITIVE},
  };
  pn_protocol p;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    CTX("\"%s\"", cases[i].name);
    memset(&p, 0x77, sizeof p);
    assert_rc(parse(&p, cases[i].name), cases[i].rc);
  }

  CTX("empty name");
  assert_rc(pn_protocol_parse(&p, "", 0, PN_BACKEND_AUTO),
            PN_ERR_NAME_MALFORMED);
  CTX("NUL inside the given length");
  static const char nul[] = "Noise_XX_25519_ChaChaPoly_SHA256\0";
  assert_rc(pn_protocol_parse(&p, nul, sizeof nul - 1, PN_BACKEND_AUTO),
            PN_ERR_NAME_MALFORMED);
  CTX("name not NUL-terminated: only |len| bytes count");
  assert_ok(pn_protocol_parse(&p, "Noise_XX_25519_ChaChaPoly_SHA256XYZ", 32,
                              PN_BACKEND_AUTO));
  assert_int_equal(p.name_len, 32);
  assert_string_equal(p.name, "Noise_XX_25519_ChaChaPoly_SHA256");
  CTX("NULL arguments");
  assert_rc(pn_protocol_parse(NULL, "Noise_XX_25519_ChaChaPoly_SHA256", 32,
                              PN_BACKEND_AUTO),
            PN_ERR_INVALID_ARGUMENT);
  assert_rc(pn_protocol_parse(&p, NULL, 5, PN_BACKEND_AUTO),
            PN_ERR_INVALID_ARGUMENT);

  /* Length: 255 bytes pass the length check (an unknown hash then), 256
   * do not, whatever they hold. */
  char longname[300];
  strcpy(longname, "Noise_XX_25519_ChaChaPoly_");
  size_t n = strlen(longname);
  memset(longname + n, 'A', sizeof longname - n - 1);
  longname[sizeof longname - 1] = 0;
  CTX("255-byte name");
  assert_rc(pn_protocol_parse(&p, longname, 255, PN_BACKEND_AUTO),
            PN_ERR_NAME_UNKNOWN_PRIMITIVE);
  CTX("256-byte name");
  assert_rc(pn_protocol_parse(&p, longname, 256, PN_BACKEND_AUTO),
            PN_ERR_NAME_MALFORMED);
  /* A valid-looking name padded past 255 with modifiers. */
  char padded[400] = "Noise_XXpsk0";
  while (strlen(padded) < 260)
    strcat(padded, "+psk0");
  strcat(padded, "_25519_ChaChaPoly_SHA256");
  CTX("long modifier list");
  assert_rc(parse(&p, padded), PN_ERR_NAME_MALFORMED);

  /* libsodium has neither X448 nor BLAKE2s. */
  CTX("sodium backend, 448");
  assert_rc(pn_protocol_parse(&p, "Noise_XX_448_ChaChaPoly_SHA256", 30,
                              PN_BACKEND_SODIUM),
            PN_ERR_UNSUPPORTED);
  CTX("sodium backend, BLAKE2s");
  assert_rc(pn_protocol_parse(&p, "Noise_XX_25519_ChaChaPoly_BLAKE2s", 33,
                              PN_BACKEND_SODIUM),
            PN_ERR_UNSUPPORTED);
  CTX("sodium backend, 25519/ChaChaPoly/BLAKE2b");
  assert_ok(pn_protocol_parse(&p, "Noise_XX_25519_ChaChaPoly_BLAKE2b", 33,
                              PN_BACKEND_SODIUM));
  CTX("auto backend, 448 and BLAKE2s");
#ifdef PN_HAVE_OPENSSL
  assert_ok(parse(&p, "Noise_XX_448_ChaChaPoly_BLAKE2s"));
  assert_ok(parse(&p, "Noise_XXfallback+psk0_448_AESGCM_SHA512"));
#else
  assert_rc(parse(&p, "Noise_XX_448_ChaChaPoly_SHA256"), PN_ERR_UNSUPPORTED);
  assert_rc(parse(&p, "Noise_XX_25519_ChaChaPoly_BLAKE2s"), PN_ERR_UNSUPPORTED);
  assert_int_equal(pn_backend_available(PN_BACKEND_OPENSSL), 0);
  assert_rc(pn_protocol_parse(&p, "Noise_XX_25519_ChaChaPoly_SHA256", 32,
                              PN_BACKEND_OPENSSL),
            PN_ERR_UNSUPPORTED);
#endif
  /* A bad name is reported before an unsupported primitive. */
  CTX("bad pattern with 448 on sodium");
  assert_rc(pn_protocol_parse(&p, "Noise_ZZ_448_ChaChaPoly_SHA256", 30,
                              PN_BACKEND_SODIUM),
            PN_ERR_NAME_UNKNOWN_PATTERN);
}

/* The fallback modifier: accepted exactly on the 15 patterns without
 * pre-messages (all start with e or e, s), refused on the other 23. */
static void test_parser_fallback_eligibility(void **state) {
  (void)state;
  char name[128];
  pn_protocol p;
  int ok = 0;
  for (int i = 0; i < NPATTERNS; i++) {
    snprintf(name, sizeof name, "Noise_%sfallback_%s", patterns[i].name,
             suite_default);
    CTX("%s", name);
    assert_rc(parse(&p, name),
              patterns[i].fallback_ok ? PN_OK : PN_ERR_NAME_BAD_MODIFIER);
    if (patterns[i].fallback_ok) {
      ok++;
      /* Bob initiates; Alice's first message is now her pre-message. */
      assert_int_equal(p.fallback, 1);
      assert_int_equal(p.npre_i, 0);
      assert_true(p.npre_r >= 1 && p.pre_r[0] == PN_TOK_E);
      assert_int_equal(p.nmsgs, patterns[i].nmsgs - 1);
    }
  }
  assert_int_equal(ok, 15);
  /* XXfallback, Bob first: -> e, ee, s, se; <- s, es. */
  CTX("XXfallback tokens");
  assert_ok(parse(&p, "Noise_XXfallback_25519_ChaChaPoly_SHA256"));
  static const uint8_t m0[] = {PN_TOK_E, PN_TOK_EE, PN_TOK_S, PN_TOK_SE};
  static const uint8_t m1[] = {PN_TOK_S, PN_TOK_ES};
  assert_int_equal(p.nmsgs, 2);
  assert_int_equal(p.msg_len[0], 4);
  assert_int_equal(p.msg_len[1], 2);
  assert_memory_equal(p.tok[0], m0, 4);
  assert_memory_equal(p.tok[1], m1, 2);
}

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

/* ---- Fallback ------------------------------------------------------------ */

/* Noise Pipes in process: Alice's IK message to a Bob whose static key is
 * not the one she has fails at Bob; both fall back to XXfallback and
 * finish. */
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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_pattern_handshakes),
      cmocka_unit_test(test_every_suite_handshakes),
      cmocka_unit_test(test_parser_rejects),
      cmocka_unit_test(test_parser_fallback_eligibility),
      cmocka_unit_test(test_bit_flips),
      cmocka_unit_test(test_truncated_and_oversized),
      cmocka_unit_test(test_message_size_limit),
      cmocka_unit_test(test_wrong_turn),
      cmocka_unit_test(test_nobuf),
      cmocka_unit_test(test_use_after_failed),
      cmocka_unit_test(test_nonce_exhausted),
      cmocka_unit_test(test_failed_decrypt_keeps_nonce),
      cmocka_unit_test(test_rekey),
      cmocka_unit_test(test_missing_keys),
      cmocka_unit_test_setup(test_low_order_keys, low_order_setup),
      cmocka_unit_test(test_zero_length_payloads),
      cmocka_unit_test(test_wipe),
      cmocka_unit_test(test_fallback_flow),
  };
  if (pn_crypto_init() != PN_OK) return 1;
  /* PN_TEST_FILTER=test_wipe (a glob) runs a subset. */
  const char *filter = getenv("PN_TEST_FILTER");
  if (filter) cmocka_set_test_filter(filter);
  return cmocka_run_group_tests(tests, NULL, NULL);
}
