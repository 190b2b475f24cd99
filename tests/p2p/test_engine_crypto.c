/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * engine.h's crypto promises, on two in-memory engines for every suite this
 * build has (the engine uses the AUTO backend):
 *
 *   test_engine_crypto allocs   no heap allocation after pn_engine_init:
 *     100 handshakes, 10,000 messages of mixed sizes and rekeys, counted by
 *     an interposed allocator on a thread that did not set anything up.
 *   test_engine_crypto hygiene  handshakes, messages and rekeys with the
 *     engines moving between two threads in turn; every chaining key,
 *     handshake and transport key and the static private keys are taken
 *     through test hooks; after pn_engine_wipe none is left in any
 *     writable mapping (with canaries that must be found).
 *
 * The driver is allocation-free: static buffers carry the bytes.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <p2pnoise/engine.h>

#include "alloccount.h"
#include "memscan.h"
#include "noisemodel.h"
#include "prng.h"
#include "test_hooks.h"
#include "testutil.h"
#include "workers.h"

/* ---- Two engines joined in memory -----------------------------------------
 */

enum { INBOX = 1 << 20, MAX_MSG = 1 << 17 };

typedef struct end {
  pn_engine *e;
  void *mem; /* pn_engine_init's memory */
  pn_conn_id c;
  pn_peer_id peer; /* the other engine, once connected */
  int connected;
  int held;     /* input waits for a RESUME */
  int wblocked; /* a partial write: waits to be writable */
  size_t msgs;
  size_t inlen;
  uint8_t in[INBOX]; /* bytes from the other end, not yet taken */
} end;

static end g_end[2];
static pn_time g_now = 1;
static uint8_t g_msg[MAX_MSG];
static const char *g_fail;
static size_t g_bytes; /* message bytes sent */
/* Allocations in pn_engine_init, and frees in pn_engine_wipe. */
static long g_init_allocs, g_wipe_frees;

static void fail_at(const char *what) {
  if (!g_fail) g_fail = what;
}

/* Moves actions and bytes until nothing moves; 1 if anything did. */
static int pump(void) {
  int moved = 0;
  for (int i = 0; i < 2; i++) {
    end *me = &g_end[i], *other = &g_end[1 - i];
    pn_action a;
    while (pn_engine_poll(me->e, &a) == 1) {
      moved = 1;
      switch (a.type) {
      case PN_ACTION_SEND: {
        size_t n = a.send.len;
        if (!other->c) {
          /* The other end is gone: the bytes are dropped. */
        } else if (n > INBOX - other->inlen) {
          n = INBOX - other->inlen;
        }
        if (other->c) {
          memcpy(other->in + other->inlen, a.send.data, n);
          other->inlen += n;
        }
        if (pn_engine_sent(me->e, a.conn, n, g_now) != PN_OK) fail_at("sent");
        if (n < a.send.len) me->wblocked = 1;
        break;
      }
      case PN_ACTION_RESUME:
        me->held = 0;
        break;
      case PN_ACTION_CLOSE:
        /* The transport closes: the other end sees EOF. */
        me->c = 0;
        me->inlen = 0;
        me->connected = 0;
        me->held = me->wblocked = 0;
        if (other->c &&
            pn_engine_conn_closed(other->e, other->c, g_now) != PN_OK)
          fail_at("conn_closed");
        other->c = 0;
        other->inlen = 0;
        other->connected = 0;
        other->held = other->wblocked = 0;
        break;
      case PN_ACTION_EVENT:
        if (a.event.type == PN_EVENT_PEER_CONNECTED) {
          me->connected = 1;
          me->peer = a.event.connected.peer;
        } else if (a.event.type == PN_EVENT_MESSAGE) {
          me->msgs++;
        } else if (a.event.type == PN_EVENT_PEER_DISCONNECTED) {
          me->connected = 0;
        }
        break;
      default:
        break;
      }
    }
    /* The other end drained what a partial write left. */
    if (me->wblocked && other->c && other->inlen < INBOX) {
      me->wblocked = 0;
      moved = 1;
      if (pn_engine_writable(me->e, me->c, g_now) != PN_OK) fail_at("writable");
    }
    if (me->c && me->inlen && !me->held) {
      ptrdiff_t n =
          pn_engine_recv(me->e, me->c, me->in, me->inlen, g_now, NULL);
      if (n < 0) {
        fail_at("recv");
      } else {
        memmove(me->in, me->in + n, me->inlen - (size_t)n);
        me->inlen -= (size_t)n;
        moved = 1;
        /* The rest waits for its RESUME. */
        if (me->inlen) me->held = 1;
      }
    }
  }
  g_now += PN_MSEC / 8;
  for (int i = 0; i < 2; i++)
    if (pn_engine_tick(g_end[i].e, g_now) != PN_OK) fail_at("tick");
  return moved;
}

static void settle(void) {
  for (int k = 0; k < 100000 && !g_fail && pump(); k++)
    ;
}

static int engines_new(const char *protocol, const uint8_t *key0,
                       const uint8_t *key1) {
  for (int i = 0; i < 2; i++) {
    pn_engine_config c;
    pn_engine_config_default(&c);
    c.protocol = protocol;
    pn_protocol p;
    if (pn_protocol_parse(&p, protocol, strlen(protocol), PN_BACKEND_AUTO))
      return -1;
    c.static_private = i ? key1 : key0;
    c.static_private_len = pn_protocol_dhlen(&p);
    c.max_message = MAX_MSG;
    c.close_linger = PN_MSEC;
    size_t need = pn_engine_memsize(&c);
    end *x = &g_end[i];
    memset(x, 0, offsetof(end, in));
    x->mem = aligned_alloc(64, (need + 63) / 64 * 64);
    if (!x->mem) return -1;
    /* What pn_engine_init allocates (libcrypto's cipher contexts). */
    long a0 = atomic_load(&g_allocs);
    atomic_store(&g_counting, 1);
    int rc = pn_engine_init(&x->e, x->mem, need, &c, g_now);
    atomic_store(&g_counting, 0);
    g_init_allocs += atomic_load(&g_allocs) - a0;
    if (rc != PN_OK || pn_engine_listening(x->e, g_now) != PN_OK) return -1;
  }
  return 0;
}

static void engines_free(void) {
  for (int i = 0; i < 2; i++) {
    long f0 = atomic_load(&g_releases);
    atomic_store(&g_counting, 1);
    pn_engine_wipe(g_end[i].e);
    atomic_store(&g_counting, 0);
    g_wipe_frees += atomic_load(&g_releases) - f0;
    free(g_end[i].mem);
    g_end[i].e = NULL;
    g_end[i].mem = NULL;
  }
}

static void open_pair(void) {
  if (pn_engine_conn_open(g_end[0].e, PN_DIR_OUTBOUND, NULL, NULL, g_now,
                          &g_end[0].c) != PN_OK ||
      pn_engine_conn_open(g_end[1].e, PN_DIR_INBOUND, NULL, NULL, g_now,
                          &g_end[1].c) != PN_OK)
    fail_at("open");
}

static void close_pair(void) {
  if (g_end[0].connected &&
      pn_engine_disconnect(g_end[0].e, &g_end[0].peer, g_now) != PN_OK)
    fail_at("disconnect");
  settle();
  if (g_end[0].c || g_end[1].c) fail_at("not closed");
}

/* Mixed sizes: around AUTO's routing splits (384, 1024), the engine's
 * chunking (a Noise message), the express buffers. */
static const size_t g_sizes[] = {0,     1,     100,   383,   384,
                                 385,   1000,  1024,  1500,  4096,
                                 16384, 65519, 65535, 70000, 131072};
enum { NSIZES = sizeof g_sizes / sizeof g_sizes[0] };

/* |n| messages both ways, a rekey every |rekey_every|. */
static void traffic(int n, int rekey_every, uint64_t *seed) {
  for (int k = 0; k < n && !g_fail; k++) {
    end *from = &g_end[k % 2], *to = &g_end[1 - k % 2];
    size_t len = g_sizes[pn_prng_next(seed) % NSIZES];
    size_t before = to->msgs;
    g_bytes += len;
    memset(g_msg, (int)(k & 0xff), len);
    if (pn_engine_send(from->e, &from->peer, g_msg, len, g_now) != PN_OK)
      fail_at("send");
    settle();
    if (to->msgs != before + 1) fail_at("message lost");
    if (rekey_every && k % rekey_every == rekey_every - 1) {
      if (pn_engine_rekey(g_end[0].e, &g_end[0].peer, g_now) != PN_OK)
        fail_at("rekey");
      settle();
    }
  }
}

static void handshake(void) {
  open_pair();
  settle();
  if (!g_end[0].connected || !g_end[1].connected) fail_at("not connected");
}

/* ---- allocs
 * ------------------------------------------------------------------ */

enum {
  NHANDSHAKES = 100,
  PER_SESSION = 100,
  REKEY_EVERY = 25,
  INIT_ALLOCS = 4 /* libcrypto 3.0: two EVP cipher contexts, 2 each */
};

typedef struct counts {
  long hs, msg;       /* allocations in handshakes; in messages and rekeys */
  long allocs, frees; /* over the whole measured run */
} counts;

static counts g_counts;

static void *measured(void *arg) {
  (void)arg;
  uint64_t seed = 99;
  long a0 = atomic_load(&g_allocs), f0 = atomic_load(&g_releases);
  for (int h = 0; h < NHANDSHAKES && !g_fail; h++) {
    long before = atomic_load(&g_allocs);
    handshake();
    long mid = atomic_load(&g_allocs);
    traffic(PER_SESSION, REKEY_EVERY, &seed);
    close_pair();
    g_counts.hs += mid - before;
    g_counts.msg += atomic_load(&g_allocs) - mid;
  }
  g_counts.allocs = atomic_load(&g_allocs) - a0;
  g_counts.frees = atomic_load(&g_releases) - f0;
  return NULL;
}

/* 1 if the suite ran and failed; *|ran| counts the suites this build has. */
static int run_allocs(const char *suite, int *ran) {
  char name[96];
  snprintf(name, sizeof name, "Noise_XX_%s", suite);
  static uint8_t keys[2 * PN_NOISE_MAX_DHLEN];
  for (size_t i = 0; i < sizeof keys; i++)
    keys[i] = (uint8_t)(i * 29 + 7);
  pn_protocol p;
  if (pn_protocol_parse(&p, name, strlen(name), PN_BACKEND_AUTO) != PN_OK)
    return 0; /* not in this build */
  (*ran)++;
  /* What engine.h states: nothing, unless the build takes X448 or BLAKE2s
   * from libcrypto (then exactly its per-call counts, and its per-thread
   * state once). */
  size_t dh_allocs;
  pn_protocol_allocs(&p, NULL, &dh_allocs, NULL);
  long expect_hs = NHANDSHAKES * model_handshake_allocs(&p);
  long kept = dh_allocs ? OSSL_THREAD_ALLOCS : 0;
  g_fail = NULL;
  memset(&g_counts, 0, sizeof g_counts);
  g_init_allocs = g_wipe_frees = 0;
  if (engines_new(name, keys, keys + PN_NOISE_MAX_DHLEN) != 0) {
    printf("FAIL %s: engines\n", name);
    return 1;
  }
  atomic_store(&g_counting, 1);
  pthread_t t;
  /* Counted from inside the thread only: pthread_create's own allocations
   * are not the engine's. */
  int bad = pthread_create(&t, NULL, measured, NULL) != 0 ||
            pthread_join(t, NULL) != 0;
  atomic_store(&g_counting, 0);
  engines_free();
  printf("%-40s init %ld, freed by wipe %ld; %d handshakes: %ld "
         "allocations (stated %ld); %d messages (%zu MB) and rekeys: %ld\n",
         name, g_init_allocs / 2, g_wipe_frees / 2, NHANDSHAKES, g_counts.hs,
         expect_hs + kept, NHANDSHAKES * PER_SESSION, g_bytes >> 20,
         g_counts.msg);
  g_bytes = 0;
  if (bad || g_fail) {
    printf("FAIL %s: %s\n", name, bad ? "thread" : g_fail);
    return 1;
  }
  int fails = 0;
  /* libcrypto's per-thread state comes with the first DH, in a handshake. */
  if (g_counts.hs != expect_hs + kept) {
    printf("FAIL %s: %ld allocations in handshakes, stated %ld\n", name,
           g_counts.hs, expect_hs + kept);
    fails = 1;
  }
  /* engine.h: pn_engine_init makes libcrypto's two EVP cipher contexts
   * (INIT_ALLOCS with libcrypto 3.0) when the cipher comes from it, and
   * pn_engine_wipe frees them. */
  long expect_init =
      strstr(pn_protocol_impl(&p, PN_PRIMITIVE_CIPHER), "libcrypto")
          ? INIT_ALLOCS
          : 0;
  if (g_init_allocs != 2 * expect_init || g_wipe_frees != g_init_allocs) {
    printf("FAIL %s: pn_engine_init allocated %ld per engine (stated %ld), "
           "pn_engine_wipe freed %ld\n",
           name, g_init_allocs / 2, expect_init, g_wipe_frees / 2);
    fails = 1;
  }
  if (g_counts.msg != 0) {
    printf("FAIL %s: %ld allocations in messages and rekeys\n", name,
           g_counts.msg);
    fails = 1;
  }
  if (g_counts.allocs - g_counts.frees != kept) {
    printf("FAIL %s: %ld allocations, %ld freed\n", name, g_counts.allocs,
           g_counts.frees);
    fails = 1;
  }
  return fails;
}

/* ---- hygiene
 * ----------------------------------------------------------------- */

static memscan_needle *g_nd;
static size_t g_n;

/* Keeps needle |i| (>= g_n, its bytes written in place by a hook) unless
 * an earlier needle has the same bytes; no copy of it goes anywhere else. */
static void keep(size_t i, size_t len, const char *what) {
  memscan_needle *x = &g_nd[i];
  x->len = len;
  x->what = what;
  for (size_t j = 0; j < g_n; j++)
    if (g_nd[j].len == len && memcmp(g_nd[j].bytes, x->bytes, len) == 0) {
      memset(x, 0, sizeof *x);
      return;
    }
  if (i != g_n) {
    memmove(&g_nd[g_n], x, sizeof *x);
    memset(x, 0, sizeof *x);
  }
  g_n++;
}

/* The secrets each engine holds now, through the test hooks, written
 * straight into the needle table. */
static void take_keys(void) {
  for (int i = 0; i < 2; i++) {
    end *x = &g_end[i];
    if (!x->c) continue;
    if (g_n + 2 >= MEMSCAN_MAX_NEEDLES) {
      fail_at("too many secrets");
      return;
    }
    size_t at = g_n, cklen;
    int has_k;
    if (pn_engine_test_hs_keys(x->e, x->c, g_nd[at].bytes, &cklen,
                               g_nd[at + 1].bytes, &has_k) == PN_OK) {
      if (has_k) { /* before the first MixKey the chaining key is public */
        keep(at, cklen, "chaining key");
        keep(at + 1, 32, "handshake cipher key");
      }
    } else if (pn_engine_test_conn_keys(x->e, x->c, g_nd[at].bytes,
                                        g_nd[at + 1].bytes) == PN_OK) {
      keep(at, 32, "transport key");
      keep(at + 1, 32, "transport key");
    }
    /* What the hooks wrote and was not kept. */
    memset(&g_nd[g_n], 0, sizeof g_nd[g_n] * (MEMSCAN_MAX_NEEDLES - 1 - g_n));
  }
}

static void *job_handshake(void *arg) {
  (void)arg;
  open_pair();
  for (int k = 0; k < 100000 && !g_fail && pump(); k++)
    take_keys();
  if (!g_end[0].connected || !g_end[1].connected) fail_at("not connected");
  take_keys();
  return NULL;
}

static void *job_traffic(void *arg) {
  uint64_t *seed = arg;
  for (int r = 0; r < 4 && !g_fail; r++) {
    traffic(10, 0, seed);
    take_keys();
    if (pn_engine_rekey(g_end[0].e, &g_end[0].peer, g_now) != PN_OK)
      fail_at("rekey");
    settle();
    take_keys();
  }
  /* Traffic on the last keys, so the libraries' contexts hold them when
   * the engines are wiped. */
  traffic(10, 0, seed);
  return NULL;
}

static uint8_t *g_canary;

/* A transport key copied to the heap and not wiped: the scan must see it. */
static void *job_canary(void *arg) {
  (void)arg;
  memscan_needle *scratch = &g_nd[MEMSCAN_MAX_NEEDLES - 1];
  g_canary = malloc(MEMSCAN_CANARY_LEN);
  if (!g_canary || pn_engine_test_conn_keys(g_end[0].e, g_end[0].c, g_canary,
                                            scratch->bytes) != PN_OK)
    fail_at("canary");
  memscan_keep(g_canary);
  memset(scratch, 0, sizeof *scratch);
  return NULL;
}

static void *job_wipe(void *arg) {
  (void)arg;
  for (int i = 0; i < 2; i++)
    pn_engine_wipe(g_end[i].e);
  return NULL;
}

static int run_hygiene(const char *suite, int salt, int *ran) {
  char name[96];
  snprintf(name, sizeof name, "Noise_XX_%s", suite);
  pn_protocol p;
  if (pn_protocol_parse(&p, name, strlen(name), PN_BACKEND_AUTO) != PN_OK)
    return 0;
  (*ran)++;
  g_fail = NULL;
  memset(g_nd, 0, sizeof *g_nd * MEMSCAN_MAX_NEEDLES);
  /* The static keys come from the needle table (the config is copied), so
   * the test holds no copy the scan would see. */
  size_t dl = pn_protocol_dhlen(&p);
  for (size_t i = 0; i < dl; i++) {
    g_nd[0].bytes[i] = (uint8_t)(0x11 + i * 7 + salt);
    g_nd[1].bytes[i] = (uint8_t)(0x23 + i * 13 + salt);
  }
  g_nd[0].len = g_nd[1].len = dl;
  g_nd[0].what = g_nd[1].what = "static private key";
  g_n = 2;
  if (engines_new(name, g_nd[0].bytes, g_nd[1].bytes) != 0) {
    printf("FAIL %s: engines\n", name);
    return 1;
  }
  /* The needles become what the engines hold, through the test hook. */
  for (int i = 0; i < 2; i++) {
    memset(g_nd[i].bytes, 0, dl);
    if (pn_engine_test_static_private(g_end[i].e, g_nd[i].bytes) != dl) {
      printf("FAIL %s: no static private key\n", name);
      return 1;
    }
  }
  /* Two threads in turn. */
  uint64_t seed = 5;
  on_worker(0, job_handshake, NULL);
  on_worker(1, job_traffic, &seed);
  on_worker(0, job_traffic, &seed);
  on_worker(1, job_traffic, &seed);
  int fails = 0;
  if (g_fail) {
    printf("FAIL %s: %s\n", name, g_fail);
    fails++;
  }
  /* Before the wipe: the static keys and the live transport keys (the last
   * two taken: in both engines, one of them in the canary too) are seen. */
  on_worker(0, job_canary, NULL);
  memscan_run(g_nd, g_n);
  if (!g_nd[0].found || !g_nd[1].found || g_n < 4 ||
      g_nd[g_n - 1].found + g_nd[g_n - 2].found < 5) {
    printf("FAIL %s: the scan does not see the live secrets\n", name);
    fails++;
  }
  on_worker(1, memscan_free_canary, g_canary);
  on_worker(0, job_wipe, NULL);
  size_t bytes = memscan_run(g_nd, g_n);
  for (size_t i = 0; i < g_n; i++)
    if (g_nd[i].found) {
      printf("FAIL %s: %s (secret %zu) found %zu times after pn_engine_wipe, "
             "last at %#lx\n",
             name, g_nd[i].what, i, g_nd[i].found,
             (unsigned long)g_nd[i].where);
      fails++;
    }
  printf("%-40s %zu secrets, none left in %zu KiB scanned%s\n", name, g_n,
         bytes >> 10, fails ? " (FAILED)" : "");
  for (int i = 0; i < 2; i++) {
    free(g_end[i].mem);
    g_end[i].mem = NULL;
    g_end[i].e = NULL;
  }
  memset(g_nd, 0, sizeof *g_nd * MEMSCAN_MAX_NEEDLES);
  return fails;
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "allocs";
  install_counter();
  if (pn_crypto_init() != PN_OK) return 1;
  int hygiene = strcmp(mode, "hygiene") == 0, fails = 0, ran = 0;
  if (hygiene) {
    g_nd = memscan_needles();
    if (!g_nd || workers_start() != 0) return 1;
  }
  for (size_t i = 0; i < PN_TEST_SUITES; i++) {
    char suite[64];
    pn_test_suite(i, suite, sizeof suite);
    /* |i| salts the static keys: each suite's differ. */
    fails +=
        hygiene ? run_hygiene(suite, (int)i, &ran) : run_allocs(suite, &ran);
  }
  if (hygiene) workers_stop();
    /* Every suite with libcrypto; without it, the libsodium-alone subset (no
     * X448, no BLAKE2s; AESGCM only with AES-NI). */
#ifdef PN_HAVE_OPENSSL
  if (ran != 16) {
#else
  if (ran < 3) {
#endif
    printf("FAIL: %d suites ran\n", ran);
    fails++;
  }
  printf("%d passed, %d failed\n", fails ? 0 : 1, fails ? 1 : 0);
  return fails ? 1 : 0;
}
