/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * Heap allocations of the Noise layer after set-up, counted with an
 * interposed allocator: for every suite (25519/448 x ChaChaPoly/AESGCM x
 * SHA256/SHA512/BLAKE2s/BLAKE2b) on every backend this build has, 100
 * handshakes (XX, IK, NN, XXpsk3), 10,000 transport messages of mixed sizes
 * with failed decrypts among them, and rekeys, all on a thread that did not
 * set anything up (so a library's lazy per-thread state would show).
 *
 * Handshakes must make exactly the allocations pn_protocol_allocs() states
 * (0 on AUTO and PN_BACKEND_SODIUM; libcrypto's per-call counts on
 * PN_BACKEND_OPENSSL), counted from the spec's token rules; transport
 * messages and rekeys exactly 0; and every allocation is freed.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <p2pnoise/noise.h>

#include "alloccount.h"
#include "noisemodel.h"
#include "prng.h"
#include "testutil.h"

/* ---- One suite on one backend ---------------------------------------------
 */

enum {
  NHANDSHAKES = 100,
  NMESSAGES = 10000,
  PER_SESSION = NMESSAGES / NHANDSHAKES,
  REKEY_EVERY = 25,
  TAMPER_EVERY = 10,
  NPATTERNS = 4
};

static const char *const g_patterns[NPATTERNS] = {"XX", "IK", "NN", "XXpsk3"};
/* Mixed sizes: around AUTO's routing splits (384, 1024 bytes), libcrypto's
 * KiB and copy thresholds, and the largest Noise message. */
static const size_t g_sizes[] = {0,    1,     15,    16,    64,   100,  383,
                                 384,  385,   1000,  1023,  1024, 1025, 1500,
                                 4096, 16383, 32768, 32769, 65519};
enum { NSIZES = sizeof g_sizes / sizeof g_sizes[0] };

typedef struct side {
  pn_crypto_ctx cx;
  pn_keypair s;
  pn_handshake hs;
  pn_cipherstate tx, rx;
} side;

typedef struct run {
  pn_protocol p[NPATTERNS];
  side a, b; /* initiator, responder */
  uint8_t psk[PN_NOISE_PSKLEN];
  /* Results, read after the thread ends. */
  long hs_allocs, msg_allocs, expect;
  long allocs, frees; /* over the whole measured run */
  long kept;          /* of those, libcrypto's per-thread state */
  const char *fail;
} run;

static uint8_t g_msg[PN_NOISE_MAX_MSG], g_pt[PN_NOISE_MAX_MSG],
    g_out[PN_NOISE_MAX_MSG], g_bad[PN_NOISE_MAX_MSG];

#define TRY(x, what)                                                           \
  do {                                                                         \
    if ((x) != PN_OK) {                                                        \
      r->fail = what;                                                          \
      return -1;                                                               \
    }                                                                          \
  } while (0)

static int give_keys(run *r, side *me, side *peer, const pn_protocol *p) {
  int need = pn_handshake_needs(&me->hs);
  size_t dl = pn_protocol_dhlen(p);
  if (need & PN_NEED_LOCAL_STATIC)
    TRY(pn_handshake_set_static(&me->hs, &me->s), "set_static");
  if (need & PN_NEED_REMOTE_STATIC)
    TRY(pn_handshake_set_remote_static(&me->hs, peer->s.pub, dl),
        "set_remote_static");
  if (need & PN_NEED_PSK)
    TRY(pn_handshake_set_psk(&me->hs, 0, r->psk, sizeof r->psk), "set_psk");
  TRY(pn_handshake_start(&me->hs, (const uint8_t *)"allocs", 6), "start");
  return 0;
}

static int one_handshake(run *r, const pn_protocol *p) {
  side *a = &r->a, *b = &r->b;
  TRY(pn_handshake_init(&a->hs, p, &a->cx, PN_INITIATOR, NULL), "init");
  TRY(pn_handshake_init(&b->hs, p, &b->cx, PN_RESPONDER, NULL), "init");
  if (give_keys(r, a, b, p) || give_keys(r, b, a, p)) return -1;
  side *w = a, *rd = b;
  size_t n, m;
  while (pn_handshake_action(&w->hs) == PN_HS_WRITE) {
    TRY(pn_handshake_write(&w->hs, (const uint8_t *)"payload", 7, g_msg,
                           sizeof g_msg, &n),
        "write");
    TRY(pn_handshake_read(&rd->hs, g_msg, n, g_pt, sizeof g_pt, &m), "read");
    side *t = w;
    w = rd;
    rd = t;
  }
  TRY(pn_handshake_split(&a->hs, &a->tx, &a->rx), "split");
  TRY(pn_handshake_split(&b->hs, &b->tx, &b->rx), "split");
  pn_handshake_wipe(&a->hs);
  pn_handshake_wipe(&b->hs);
  return 0;
}

/* PER_SESSION messages both ways, a tampered copy refused now and then (its
 * receiver's nonce kept), both directions rekeyed every REKEY_EVERY. */
static int messages(run *r, uint64_t *seed) {
  for (int i = 0; i < PER_SESSION; i++) {
    side *from = i % 2 ? &r->b : &r->a, *to = i % 2 ? &r->a : &r->b;
    size_t len = g_sizes[pn_prng_next(seed) % NSIZES], n, m;
    memset(g_pt, (int)(i & 0xff), len);
    TRY(pn_cipherstate_encrypt(&from->tx, NULL, 0, g_pt, len, g_msg,
                               sizeof g_msg, &n),
        "encrypt");
    if (i % TAMPER_EVERY == 0) {
      memcpy(g_bad, g_msg, n);
      g_bad[n - 1] ^= 0x80;
      if (pn_cipherstate_decrypt(&to->rx, NULL, 0, g_bad, n, g_out,
                                 sizeof g_out, &m) != PN_ERR_DECRYPT) {
        r->fail = "tampered message accepted";
        return -1;
      }
    }
    TRY(pn_cipherstate_decrypt(&to->rx, NULL, 0, g_msg, n, g_out, sizeof g_out,
                               &m),
        "decrypt");
    if (m != len || (len && memcmp(g_out, g_pt, len) != 0)) {
      r->fail = "message garbled";
      return -1;
    }
    if (i % REKEY_EVERY == REKEY_EVERY - 1) {
      TRY(pn_cipherstate_rekey(&r->a.tx), "rekey");
      TRY(pn_cipherstate_rekey(&r->b.rx), "rekey");
      TRY(pn_cipherstate_rekey(&r->b.tx), "rekey");
      TRY(pn_cipherstate_rekey(&r->a.rx), "rekey");
    }
  }
  return 0;
}

static void *measured(void *arg) {
  run *r = arg;
  uint64_t seed = 12345;
  long a0 = atomic_load(&g_allocs), f0 = atomic_load(&g_releases);
  for (int h = 0; h < NHANDSHAKES && !r->fail; h++) {
    const pn_protocol *p = &r->p[h % NPATTERNS];
    r->expect += model_handshake_allocs(p);

    long before = atomic_load(&g_allocs);
    if (one_handshake(r, p) != 0) break;
    long mid = atomic_load(&g_allocs);
    r->hs_allocs += mid - before;
    if (messages(r, &seed) != 0) break;
    r->msg_allocs += atomic_load(&g_allocs) - mid;
    pn_cipherstate_wipe(&r->a.tx);
    pn_cipherstate_wipe(&r->a.rx);
    pn_cipherstate_wipe(&r->b.tx);
    pn_cipherstate_wipe(&r->b.rx);
  }
  r->allocs = atomic_load(&g_allocs) - a0;
  r->frees = atomic_load(&g_releases) - f0;
  size_t d;
  pn_protocol_allocs(&r->p[0], NULL, &d, NULL);
  r->kept = d ? OSSL_THREAD_ALLOCS : 0;
  r->expect += r->kept;
  return NULL;
}

static int run_suite(const char *suite, pn_backend be, const char *bname) {
  static run r;
  memset(&r, 0, sizeof r);
  for (int i = 0; i < NPATTERNS; i++) {
    char name[96];
    int len = snprintf(name, sizeof name, "Noise_%s_%s", g_patterns[i], suite);
    int rc = pn_protocol_parse(&r.p[i], name, (size_t)len, be);
    if (rc == PN_ERR_UNSUPPORTED) return 0; /* not in this build */
    if (rc != PN_OK) {
      printf("FAIL %s [%s]: parse: %s\n", name, bname, pn_strerror(rc));
      return 1;
    }
  }
  /* Set-up: may allocate (libcrypto's contexts, its key derivation). */
  memset(r.psk, 7, sizeof r.psk);
  if (pn_crypto_ctx_init(&r.a.cx, &r.p[0]) != PN_OK ||
      pn_crypto_ctx_init(&r.b.cx, &r.p[0]) != PN_OK ||
      pn_keypair_generate(&r.a.s, &r.p[0], NULL) != PN_OK ||
      pn_keypair_generate(&r.b.s, &r.p[0], NULL) != PN_OK) {
    printf("FAIL %s [%s]: set-up\n", suite, bname);
    return 1;
  }
  atomic_store(&g_allocs, 0);
  atomic_store(&g_releases, 0);
  atomic_store(&g_counting, 1);
  pthread_t t;
  /* Counted from inside the thread only: pthread_create's own allocations
   * are not the library's. */
  int bad = pthread_create(&t, NULL, measured, &r) != 0;
  if (!bad) bad = pthread_join(t, NULL) != 0;
  atomic_store(&g_counting, 0);
  pn_crypto_ctx_wipe(&r.a.cx);
  pn_crypto_ctx_wipe(&r.b.cx);
  pn_keypair_wipe(&r.a.s);
  pn_keypair_wipe(&r.b.s);

  size_t g, d, hh;
  pn_protocol_allocs(&r.p[0], &g, &d, &hh);
  printf("%-30s %-9s handshakes %ld allocations (stated: %zu per keygen, "
         "%zu per DH, %zu per hash: %ld), messages+rekeys %ld\n",
         suite, bname, r.hs_allocs, g, d, hh, r.expect, r.msg_allocs);
  if (bad || r.fail) {
    printf("FAIL %s [%s]: %s\n", suite, bname, bad ? "thread" : r.fail);
    return 1;
  }
  int fails = 0;
  if (r.hs_allocs != r.expect) {
    printf("FAIL %s [%s]: %ld handshake allocations, stated %ld\n", suite,
           bname, r.hs_allocs, r.expect);
    fails++;
  }
  if (r.msg_allocs != 0) {
    printf("FAIL %s [%s]: %ld allocations in messages and rekeys\n", suite,
           bname, r.msg_allocs);
    fails++;
  }
  /* What the libraries allocate inside a call they free before it returns:
   * nothing is kept but libcrypto's per-thread state. */
  if (r.allocs - r.frees != r.kept) {
    printf("FAIL %s [%s]: %ld allocations, %ld freed\n", suite, bname, r.allocs,
           r.frees);
    fails++;
  }
  return fails;
}

int main(void) {
  install_counter();
  if (pn_crypto_init() != PN_OK) return 1;
  static const struct {
    pn_backend be;
    const char *name;
  } backends[] = {{PN_BACKEND_AUTO, "auto"},
                  {PN_BACKEND_SODIUM, "libsodium"},
                  {PN_BACKEND_OPENSSL, "libcrypto"}};
  int fails = 0, auto_suites = 0;
  for (size_t b = 0; b < 3; b++) {
    if (!pn_backend_available(backends[b].be)) continue;
    for (size_t i = 0; i < PN_TEST_SUITES; i++) {
      char suite[64];
      pn_test_suite(i, suite, sizeof suite);
      pn_protocol p;
      char name[96];
      int len = snprintf(name, sizeof name, "Noise_NN_%s", suite);
      if (pn_protocol_parse(&p, name, (size_t)len, backends[b].be) == PN_OK) {
        if (b == 0) auto_suites++;
          /* AUTO allocates nothing on any suite this build has, unless
           * built without libdecaf or libgcrypt (then X448 or BLAKE2s
           * come from libcrypto, which says what it allocates). */
#if defined(PN_HAVE_DECAF) && defined(PN_HAVE_GCRYPT)
        if (b == 0 && pn_protocol_allocs(&p, NULL, NULL, NULL)) {
          printf("FAIL %s [auto]: states allocations\n", suite);
          fails++;
        }
#endif
      }
      fails += run_suite(suite, backends[b].be, backends[b].name);
    }
  }
  /* The libsodium-alone build has the 6 suites without X448 and BLAKE2s;
   * with libcrypto, all 16 (AESGCM comes from libcrypto without AES-NI). */
#ifdef PN_HAVE_OPENSSL
  if (auto_suites != 16) {
    printf("FAIL: AUTO has %d suites, want 16\n", auto_suites);
    fails++;
  }
#else
  if (auto_suites < 3) {
    printf("FAIL: AUTO has %d suites\n", auto_suites);
    fails++;
  }
#endif
  printf("%d passed, %d failed\n", fails ? 0 : 1, fails ? 1 : 0);
  return fails ? 1 : 0;
}
