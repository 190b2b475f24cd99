/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * Secret hygiene of the Noise layer: two parties run handshakes, messages
 * and rekeys on two threads in turn; every chaining key, handshake and
 * transport key, static and ephemeral private key is copied aside (into the
 * page the scan skips); then the HandshakeStates, CipherStates, key pairs
 * and contexts are wiped, and not one of those secrets may be left in any
 * writable mapping of the process: heap (libcrypto's contexts), the thread
 * stacks (dead frames of the libraries), data. A canary (a key copied to
 * the heap and not wiped) and the live keys before the wipe must be found,
 * so the scan can fail.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <p2pnoise/noise.h>

#include "memscan.h"
#include "workers.h"

typedef struct party {
  pn_crypto_ctx cx;
  pn_keypair s;
  pn_handshake hs;
  pn_cipherstate tx, rx;
} party;

typedef struct run {
  pn_protocol p;
  party a, b;
  uint8_t psk[PN_NOISE_PSKLEN]; /* the caller's, as PSKs are borrowed */
  memscan_needle *nd;
  size_t n;
  const char *fail;
} run;

static uint8_t g_msg[PN_NOISE_MAX_MSG], g_pt[PN_NOISE_MAX_MSG];

/* Copies |len| bytes of |p| into the next needle unless already there. */
static void take(run *r, const uint8_t *p, size_t len, const char *what) {
  for (size_t i = 0; i < r->n; i++)
    if (r->nd[i].len == len && memcmp(r->nd[i].bytes, p, len) == 0) return;
  if (r->n == MEMSCAN_MAX_NEEDLES || len > MEMSCAN_MAX_LEN) {
    r->fail = "too many secrets";
    return;
  }
  memcpy(r->nd[r->n].bytes, p, len);
  r->nd[r->n].len = len;
  r->nd[r->n].what = what;
  r->n++;
}

static void take_hs(run *r, const pn_handshake *hs) {
  if (pn_handshake_action(hs) == PN_HS_FAILED) return;
  /* Before the first MixKey the chaining key is the padded protocol name,
   * public; after it, secret. */
  if (hs->ss.cs.has_key) {
    take(r, hs->ss.ck, pn_protocol_hashlen(&r->p), "chaining key");
    take(r, hs->ss.cs.k, 32, "handshake cipher key");
  }
  if (hs->has_e)
    take(r, hs->e.priv, pn_protocol_dhlen(&r->p), "ephemeral private key");
}

static void take_transport(run *r) {
  take(r, r->a.tx.k, 32, "transport key");
  take(r, r->a.rx.k, 32, "transport key");
}

#define TRY(x)                                                                 \
  do {                                                                         \
    if ((x) != PN_OK) {                                                        \
      r->fail = #x;                                                            \
      return NULL;                                                             \
    }                                                                          \
  } while (0)

/* Phase 0: the handshake, every chaining key taken after each message. */
static void *handshake(void *arg) {
  run *r = arg;
  size_t n, m;
  /* The static keys are made here too: no secret on the main thread. */
  TRY(pn_keypair_generate(&r->a.s, &r->p, NULL));
  TRY(pn_keypair_generate(&r->b.s, &r->p, NULL));
  take(r, r->a.s.priv, pn_protocol_dhlen(&r->p), "static private key");
  take(r, r->b.s.priv, pn_protocol_dhlen(&r->p), "static private key");
  TRY(pn_handshake_init(&r->a.hs, &r->p, &r->a.cx, PN_INITIATOR, NULL));
  TRY(pn_handshake_init(&r->b.hs, &r->p, &r->b.cx, PN_RESPONDER, NULL));
  TRY(pn_handshake_set_static(&r->a.hs, &r->a.s));
  TRY(pn_handshake_set_static(&r->b.hs, &r->b.s));
  if (r->p.npsk) {
    TRY(pn_handshake_set_psk(&r->a.hs, 0, r->psk, sizeof r->psk));
    TRY(pn_handshake_set_psk(&r->b.hs, 0, r->psk, sizeof r->psk));
  }
  TRY(pn_handshake_start(&r->a.hs, NULL, 0));
  TRY(pn_handshake_start(&r->b.hs, NULL, 0));
  party *w = &r->a, *rd = &r->b;
  while (pn_handshake_action(&w->hs) == PN_HS_WRITE) {
    TRY(pn_handshake_write(&w->hs, (const uint8_t *)"hi", 2, g_msg,
                           sizeof g_msg, &n));
    take_hs(r, &w->hs);
    TRY(pn_handshake_read(&rd->hs, g_msg, n, g_pt, sizeof g_pt, &m));
    take_hs(r, &rd->hs);
    party *t = w;
    w = rd;
    rd = t;
  }
  TRY(pn_handshake_split(&r->a.hs, &r->a.tx, &r->a.rx));
  TRY(pn_handshake_split(&r->b.hs, &r->b.tx, &r->b.rx));
  take_transport(r);
  return NULL;
}

/* Phases 1..: messages both ways in every size class, then rekeys. */
static void *traffic(void *arg) {
  run *r = arg;

  static const size_t sizes[] = {0, 64, 383, 384, 1023, 1024, 4096, 65519};
  size_t n, m;
  for (size_t i = 0; i < 2 * sizeof sizes / sizeof sizes[0]; i++) {
    party *f = i % 2 ? &r->b : &r->a, *t = i % 2 ? &r->a : &r->b;
    size_t len = sizes[i / 2];
    memset(g_pt, 0x5a, len);
    TRY(pn_cipherstate_encrypt(&f->tx, NULL, 0, g_pt, len, g_msg, sizeof g_msg,
                               &n));
    TRY(pn_cipherstate_decrypt(&t->rx, NULL, 0, g_msg, n, g_pt, sizeof g_pt,
                               &m));
  }
  TRY(pn_cipherstate_rekey(&r->a.tx));
  TRY(pn_cipherstate_rekey(&r->b.rx));
  TRY(pn_cipherstate_rekey(&r->b.tx));
  TRY(pn_cipherstate_rekey(&r->a.rx));
  take_transport(r);
  return NULL;
}

/* ---- Canaries: the scan must find what was not wiped --------------------- */

/* A key left in a dead frame, 8 KiB below the caller's. */
__attribute__((noinline)) static void leave_deep(const uint8_t *key) {
  uint8_t frame[8192];
  memset(frame, 0, sizeof frame);
  memcpy(frame, key, 32);
  memscan_keep(frame);
}

static void *stack_canary(void *arg) {
  leave_deep(((const memscan_needle *)arg)->bytes);
  return NULL;
}

static uint8_t *g_heap_canary;

static void *heap_canary(void *arg) {
  run *r = arg;
  g_heap_canary = malloc(MEMSCAN_CANARY_LEN);
  if (g_heap_canary) memcpy(g_heap_canary, r->a.tx.k, MEMSCAN_CANARY_LEN);
  memscan_keep(g_heap_canary);
  return NULL;
}

static void *wipe_all(void *arg) {
  run *r = arg;
  pn_handshake_wipe(&r->a.hs);
  pn_handshake_wipe(&r->b.hs);
  party *both[2] = {&r->a, &r->b};
  for (int i = 0; i < 2; i++) {
    pn_cipherstate_wipe(&both[i]->tx);
    pn_cipherstate_wipe(&both[i]->rx);
    pn_keypair_wipe(&both[i]->s);
    pn_crypto_ctx_wipe(&both[i]->cx);
  }
  return NULL;
}

static int run_suite(const char *name, memscan_needle *nd) {
  static run r;
  memset(&r, 0, sizeof r);
  r.nd = nd;
  memset(r.psk, 0x33, sizeof r.psk);
  if (pn_protocol_parse(&r.p, name, strlen(name), PN_BACKEND_AUTO) != PN_OK)
    return 0; /* not in this build */
  if (pn_crypto_ctx_init(&r.a.cx, &r.p) != PN_OK ||
      pn_crypto_ctx_init(&r.b.cx, &r.p) != PN_OK) {
    printf("FAIL %s: set-up\n", name);
    return 1;
  }
  /* The two threads in turn. */
  on_worker(0, handshake, &r);
  for (int i = 1; i <= 3 && !r.fail; i++)
    on_worker(i % 2, traffic, &r);
  if (r.fail) {
    printf("FAIL %s: %s\n", name, r.fail);
    return 1;
  }
  int fails = 0;
  /* Before the wipes: the live keys are in the states, and a copy left on
   * the heap is found too. */
  on_worker(1, heap_canary, &r);
  size_t n = r.n;
  memscan_run(nd, n);
  size_t live = 0, latest = 0;
  for (size_t i = 0; i < n; i++) {
    live += nd[i].found > 0;
    /* The last transport key: in both parties' states and the canary. */
    if (i + 2 == n) latest = nd[i].found;
  }
  if (live < 4 || latest < 3) {
    printf("FAIL %s: before the wipe %zu of %zu secrets found, the latest "
           "key %zu times (want >= 4 and >= 3)\n",
           name, live, n, latest);
    fails++;
  }
  on_worker(1, memscan_free_canary, g_heap_canary);
  on_worker(0, wipe_all, &r);
  size_t bytes = memscan_run(nd, n);
  for (size_t i = 0; i < n; i++)
    if (nd[i].found) {
      printf("FAIL %s: %s (secret %zu) found %zu times after the wipes, last "
             "at %#lx\n",
             name, nd[i].what, i, nd[i].found, (unsigned long)nd[i].where);
      fails++;
    }
  printf("%-36s %zu secrets, none left in %zu KiB scanned%s\n", name, n,
         bytes >> 10, fails ? " (FAILED)" : "");
  memset(nd, 0, sizeof *nd * MEMSCAN_MAX_NEEDLES);
  return fails;
}

int main(void) {
  memscan_needle *nd = memscan_needles();
  if (!nd || pn_crypto_init() != PN_OK || workers_start() != 0) return 1;
  /* Every library the suites reach: libsodium's and libcrypto's AEADs
   * (AUTO routes by size), libsodium's and libdecaf's DH, libgcrypt's and
   * libsodium's hashes. */
  static const char *const suites[] = {
      "Noise_XX_25519_ChaChaPoly_BLAKE2b", "Noise_XX_25519_AESGCM_SHA256",
      "Noise_XX_448_ChaChaPoly_BLAKE2s", "Noise_XX_448_AESGCM_SHA512",
      "Noise_XXpsk3_25519_ChaChaPoly_SHA256"};
  int fails = 0;
  /* The scan sees a key in a dead frame of a waiting thread's stack. */
  memset(nd, 0, sizeof *nd);
  for (int i = 0; i < 32; i++)
    nd[0].bytes[i] = (uint8_t)(0xa5 ^ (i * 37));
  nd[0].len = 32;
  on_worker(0, stack_canary, &nd[0]);
  if (memscan_run(nd, 1) == 0 || nd[0].found < 1) {
    printf("FAIL: the stack canary was not found\n");
    fails++;
  }
  memset(nd, 0, sizeof *nd);
  for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++)
    fails += run_suite(suites[i], nd);
  workers_stop();
  printf("%d passed, %d failed\n", fails ? 0 : 1, fails ? 1 : 0);
  return fails ? 1 : 0;
}
