/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * What the Noise failure-path tests (test_noise_*.c beside this file) share:
 * assertions that print what they are about, a deterministic RNG so a
 * failure reproduces, the revision-34 pattern table, and two parties in one
 * process driven through a handshake.
 */
#ifndef PN_NOISE_FIXTURE_H
#define PN_NOISE_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include <p2pnoise/noise.h>

enum { I = PN_INITIATOR, R = PN_RESPONDER, BIG = PN_NOISE_MAX_MSG + 64 };

extern const uint8_t prologue[23];

/* What the current assertion is about (pattern, message, bit), printed with
 * a failed assertion. */
extern char g_ctx[256];

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
extern const pn_rng g_rng;

int is_zero(const void *p, size_t n);

/* ---- Pattern tables ------------------------------------------------------ */

typedef struct pattern_info {
  const char *name;
  int nmsgs;
  int fallback_ok; /* no pre-message, first message e or e, s */
} pattern_info;

/* The 38 one-way, fundamental and deferred patterns. */
enum { NPATTERNS = 38 };
extern const pattern_info patterns[NPATTERNS];

extern const char *const suite_default;

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

extern pair g_pair;
extern uint8_t g_msg[BIG], g_buf[BIG], g_pay[BIG];

int sender_of(const pn_protocol *p, int m);
int pre_has(const pn_protocol *p, int role, int tok);
int parse(pn_protocol *p, const char *name);

/* Parses |name|, makes keys and initialises both roles (nothing set yet). */
void pair_init(pair *x, const char *name);
/* Gives each role what pn_handshake_needs asks for. */
void pair_keys(pair *x);
void pair_start(pair *x);
void pair_new(pair *x, const char *name);

/* Where a handshake stopped: the failing call, or rc PN_OK when both sides
 * reached PN_HS_SPLIT. */
typedef struct stop {
  int rc, msg, on_read;
  pn_handshake *who;
} stop;

/* Runs the handshake between |ini| and |res| from wherever they are, with
 * |plen|-byte payloads, until both can split or a call fails. */
stop drive(pn_handshake *ini, pn_handshake *res, size_t plen);
void pair_handshake(pair *x, size_t plen);

/* Transport messages both ways, checked. */
void transport_both_ways(pair *x);

/* A refused state: FAILED, secrets gone, and every later call refused. */
void assert_failed_state(pn_handshake *hs);

int cipher_available(const char *cipher);

/* For main: the crypto libraries set up, and PN_TEST_FILTER=test_wipe (a
 * glob) to run a subset. Non-zero if set-up failed. */
int noise_fixture_begin(void);

/* A test file's main, given its cmocka_unit_test entries: one definition
 * rather than the same few lines in every file. */
#define NOISE_TEST_MAIN(...)                                                   \
  int main(void) {                                                             \
    const struct CMUnitTest tests[] = {__VA_ARGS__};                           \
    if (noise_fixture_begin() != 0) return 1;                                  \
    return cmocka_run_group_tests(tests, NULL, NULL);                          \
  }

#endif
