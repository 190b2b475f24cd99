/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * Harness 6: allocation, RNG and authorization failures where the engine
 * can meet them.
 *
 * The engine allocates once (pn_engine_new, no allocator hook) and never
 * afterwards, so allocation failure is exercised through pn_engine_init:
 * an input-chosen config (valid or not: bad names, one-way and fallback
 * patterns, missing keys and PSKs, limits out of range) and memory that is
 * the right size, too small, misaligned or NULL. pn_engine_memsize and
 * pn_engine_init must agree, and each failure must be a clean code that
 * leaves *pe NULL. The pool is the engine's other allocator: tiny pools
 * (down to the smallest valid one, 256-byte blocks) make handshakes, sends,
 * keepalives and rekeys meet PN_ERR_POOL_EXHAUSTED.
 *
 * Then two engines connect over 1 to 4 links while their RNG callbacks
 * fail at input-chosen calls (at creation: the route key; at every
 * handshake ephemeral, initiator or responder) and their authorize
 * callbacks refuse at input-chosen calls. Every failure must become a
 * clean error code or event (sim_check.c checks the rest): no handshake may
 * outlive its timeout, and shutdown must leave nothing.
 */
#include <string.h>

#include <p2pnoise/engine.h>

#include "fdp.h"
#include "fuzz_common.h"
#include "sim.h"

static const char *const fa_protos[] = {
    "Noise_XX_25519_ChaChaPoly_BLAKE2b",
    "Noise_NN_25519_AESGCM_SHA256",
    "Noise_IK_25519_ChaChaPoly_BLAKE2s",
    "Noise_KK_448_ChaChaPoly_SHA512",
    "Noise_XXpsk2_25519_ChaChaPoly_SHA256",
    "Noise_N_25519_ChaChaPoly_BLAKE2b",     /* one-way: refused */
    "Noise_XXfallback_25519_AESGCM_SHA256", /* fallback: refused */
    "Noise_XX_25519_ChaChaPoly_MD5",        /* unknown hash */
    "Noise_ZZ_25519_ChaChaPoly_BLAKE2b",    /* unknown pattern */
    "Noise_X1X1_25519_ChaChaPoly_BLAKE2b"};
enum { FA_NPROTOS = sizeof fa_protos / sizeof fa_protos[0] };

typedef struct fa_auth {
  uint32_t calls, refuse;
} fa_auth;

static int fa_authorize(void *user, const pn_peer_id *peer, pn_dir dir) {
  fa_auth *a = (fa_auth *)user;
  (void)peer;
  (void)dir;
  return !((a->refuse >> (a->calls++ % 32)) & 1);
}

static const uint8_t fa_psks[6][32] = {{1}, {2}, {3}, {4}, {5}, {6}};
static uint8_t fa_mem[1 << 21] __attribute__((aligned(64)));

/* Part 1: the config and memory checks of creation. */
/* Where part 1 puts the engine's memory (numbers as the inputs encode them). */
typedef enum fa_mem_how {
  FA_MEM_EXACT,
  FA_MEM_SMALL, /* too small */
  FA_MEM_MISALIGNED,
  FA_MEM_ANY, /* any size */
  FA_MEM_EXACT2,
  FA_MEM_COUNT
} fa_mem_how;

static void fa_create(pn_fdp *in) {
  pn_engine_config cfg;
  pn_engine_config_default(&cfg);
  uint8_t priv[64];
  memset(priv, 0x42, sizeof priv);
  uint8_t prologue[1100] = {0};
  int k = (int)pn_fdp_range(in, 0, FA_NPROTOS);
  cfg.protocol = k == FA_NPROTOS ? NULL : fa_protos[k];
  uint8_t f = pn_fdp_u8(in);
  cfg.static_private = (f & 1) ? NULL : priv;
  cfg.static_private_len = (f & 2) ? pn_fdp_range(in, 0, 64) : 32;
  if (cfg.protocol && strstr(cfg.protocol, "_448_") && !(f & 2))
    cfg.static_private_len = 56;
  cfg.psks = (f & 4) ? NULL : fa_psks;
  cfg.npsks = (size_t)pn_fdp_range(in, 0, 6);
  cfg.prologue = (f & 8) ? NULL : prologue;
  cfg.prologue_len = (size_t)pn_fdp_range(in, 0, 1100);
  cfg.profile = (pn_profile)pn_fdp_range(in, 0, 2);
  cfg.overflow = (pn_overflow_policy)pn_fdp_range(in, 0, 2);
  cfg.max_conns = (uint32_t)pn_fdp_range(in, 0, 70);
  if (f & 16) cfg.max_conns = pn_fdp_u32(in);
  cfg.max_handshakes = (uint32_t)pn_fdp_range(in, 0, 70);
  cfg.max_peers = (uint32_t)pn_fdp_range(in, 0, 70);
  static const uint64_t msgs[] = {
      0, 1, 1000, 65519, 65520, 200000, (uint64_t)UINT32_MAX + 1};
  cfg.max_message = msgs[pn_fdp_range(in, 0, 6)];
  static const uint64_t queues[] = {0, 1, 100000, 300000, (uint64_t)1 << 33};
  cfg.send_queue = queues[pn_fdp_range(in, 0, 4)];
  static const uint32_t blocks[] = {0, 1, 255, 256, 4096, (1 << 20) + 1};
  cfg.pool_block = blocks[pn_fdp_range(in, 0, 5)];
  cfg.pool_budget = pn_fdp_range(in, 0, 1 << 21);
  pn_prng_rng rng = {7, 0, 0, 0};
  rng.fail_at = (uint32_t)pn_fdp_range(in, 0, 2); /* 1: the route key */
  cfg.rng.fill = pn_prng_rng_fill;
  cfg.rng.user = &rng;

  size_t need = pn_engine_memsize(&cfg);
  fa_mem_how how = (fa_mem_how)pn_fdp_range(in, 0, FA_MEM_COUNT - 1);
  size_t len = need;
  size_t off = 0;
  switch (how) {
  case FA_MEM_SMALL:
    len = need ? need - 1 - (size_t)pn_fdp_range(in, 0, need - 1) : 0;
    break;
  case FA_MEM_MISALIGNED:
    off = (size_t)pn_fdp_range(in, 1, 15);
    break;
  case FA_MEM_ANY:
    len = (size_t)pn_fdp_range(in, 0, sizeof fa_mem);
    break;
  case FA_MEM_EXACT:
  case FA_MEM_EXACT2:
  case FA_MEM_COUNT:
    break;
  }
  pn_engine *e = (pn_engine *)(uintptr_t)1;
  if (need > (64u << 20)) return; /* more than a fuzzer may allocate */
  if (len + off > sizeof fa_mem) {
    /* Too big for the buffer here: pn_engine_new then, which allocates. */
    int rc = sim_rc(pn_engine_new(&e, &cfg, 0));
    if (rc == PN_OK) {
      if (!need) check_fail("pn_engine_new accepted what memsize refused");
      pn_engine_free(e);
    } else if (e != NULL) {
      check_fail("pn_engine_new failed but left *pe set");
    }
    return;
  }
  int rc =
      sim_rc(pn_engine_init(&e, how == 4 ? NULL : fa_mem + off, len, &cfg, 0));
  if (rc == PN_OK) {
    if (!need || len < need || off || how == 4 || rng.fail_at == 1)
      check_fail("pn_engine_init accepted bad memory or config");
    pn_engine_mem m;
    pn_engine_memory(e, &m);
    if (m.total != need)
      check_fail("memory total %zu != memsize %zu", m.total, need);
    pn_engine_wipe(e);
    return;
  }
  if (how != 4 && e != NULL) check_fail("pn_engine_init failed, *pe not NULL");
  if (how == 4 && rc != PN_ERR_INVALID_ARGUMENT) check_fail("NULL memory");
  if (rc > 0 || rc <= PN_ERR_FATAL) {
    /* Only the RNG may make creation fail fatally. */
    if (rc != PN_ERR_CRYPTO || rng.fail_at != 1)
      check_fail("pn_engine_init: %s", pn_strerror(rc));
  }
  if (need && len >= need && !off && how != 4 && rng.fail_at != 1)
    check_fail("memsize accepted the config, init refused: %s",
               pn_strerror(rc));
}

static int fa_open_rc_ok(int rc) {
  return rc == PN_OK || rc == PN_ERR_CONN_LIMIT ||
         rc == PN_ERR_HANDSHAKE_LIMIT || rc == PN_ERR_MISSING_KEY ||
         rc == PN_ERR_SHUTDOWN;
}

/* The operations of part 2, shared by the harness and its seed writer. The
 * checked-in corpora and regressions decode through these numbers: adding,
 * removing or reordering one remaps every input. */
typedef enum fa_op {
  FA_OP_OPEN, /* a connection, either way, expected keys when needed */
  FA_OP_PUMP,
  FA_OP_TIME,
  FA_OP_BROADCAST,
  FA_OP_BROADCAST2, /* the same: broadcasts twice as likely */
  FA_OP_REKEY,      /* every peer */
  FA_OP_PIECES,     /* a delivery in pieces */
  FA_OP_HEAL,       /* the RNG heals (or fails again) */
  FA_OP_COUNT
} fa_op;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  pn_fdp in;
  pn_fdp_init(&in, data, size);
  uint8_t mode = pn_fdp_u8(&in);
  if (mode & 1) fa_create(&in);
  if (mode & 2) return 0;

  /* Part 2: two engines whose RNG and authorize fail on cue. */
  static sim_man net;
  memset(&net, 0, sizeof net);
  net.now = 1000 * PN_SEC;
  net.nn = 2;
  int proto = (int)pn_fdp_range(&in, 0, 4);
  fa_auth auth[2];
  for (int i = 0; i < 2; i++) {
    sim_man_node *x = &net.n[i];
    pn_engine_config *c = &x->cfg;
    pn_engine_config_default(c);
    c->protocol = fa_protos[proto];
    c->profile = pn_fdp_bool(&in) ? PN_PROFILE_PLAIN : PN_PROFILE_FRAMED;
    c->pool_block = pn_fdp_bool(&in) ? 256 : 0;
    c->max_conns = (uint32_t)pn_fdp_range(&in, 1, 6);
    c->max_message = 1000;
    c->keepalive_interval = pn_fdp_bool(&in) ? 300 * PN_MSEC : 0;
    c->rekey_messages = pn_fdp_bool(&in) ? 1 : 0;
    size_t dl = strstr(c->protocol, "_448_") ? 56 : 32;
    for (size_t k = 0; k < dl; k++)
      x->priv[k] = (uint8_t)(k * 3 + (size_t)i * 77 + 1);
    c->static_private = x->priv;
    c->static_private_len = dl;
    c->psks = fa_psks;
    c->npsks = proto == 4 ? 1 : 0;
    x->rng.x = 99 + (uint64_t)i;
    x->rng.fail_at = (uint32_t)pn_fdp_range(&in, 0, 12);
    x->rng.fail_every = (uint32_t)pn_fdp_range(&in, 0, 3);
    c->rng.fill = pn_prng_rng_fill;
    c->rng.user = &x->rng;
    auth[i].calls = 0;
    auth[i].refuse = pn_fdp_u32(&in);
    if (auth[i].refuse) {
      c->authorize = fa_authorize;
      c->authorize_user = &auth[i];
    }
    /* Tiny pools: the smallest valid one plus a few blocks. */
    c->pool_budget = sim_pool_budget(c, pn_fdp_range(&in, 0, 40));
    int rc = pn_engine_new(&x->e, c, net.now);
    if (rc != PN_OK) {
      /* Only the RNG can fail here, as PN_ERR_CRYPTO, or a primitive this
       * build lacks (X448 or BLAKE2s without libcrypto), which the parser
       * must then refuse too. */
      pn_protocol pp;
      int unsup = rc == PN_ERR_UNSUPPORTED && !x->e &&
                  pn_protocol_parse(&pp, c->protocol, strlen(c->protocol),
                                    PN_BACKEND_AUTO) == PN_ERR_UNSUPPORTED;
      if (!unsup && (rc != PN_ERR_CRYPTO || x->rng.fail_at != 1 || x->e))
        check_fail("pn_engine_new: %s", pn_strerror(rc));
      if (i) pn_engine_free(net.n[0].e);
      memset(&net, 0, sizeof net);
      return 0;
    }
    pn_engine_local_id(x->e, &x->id);
    sim_watch_input(&x->w, net.now);
  }
  static uint8_t msg[1000];
  while (pn_fdp_remaining(&in)) {
    fa_op op = (fa_op)pn_fdp_range(&in, 0, FA_OP_COUNT - 1);
    switch (op) {
    case FA_OP_OPEN: {
      int a = pn_fdp_bool(&in);
      int li = sim_man_link_new(&net, a, 1 - a);
      if (li < 0) break;
      int exp = pn_fdp_bool(&in) || proto == 2 || proto == 3;
      int rc = sim_man_open(&net, a, li, 0, exp ? &net.n[1 - a].id : NULL);
      if (!fa_open_rc_ok(rc)) check_fail("conn_open: %s", pn_strerror(rc));
      rc = sim_man_open(&net, 1 - a, li, 1,
                        exp && proto == 3 ? &net.n[a].id : NULL);
      if (!fa_open_rc_ok(rc)) check_fail("conn_open: %s", pn_strerror(rc));
      sim_man_poll_all(&net);
      break;
    }
    case FA_OP_PUMP:
      sim_man_pump(&net);
      break;
    case FA_OP_TIME: {
      static const pn_time steps[] = {100 * PN_MSEC, PN_SEC, 11 * PN_SEC};
      net.now += steps[pn_fdp_range(&in, 0, 2)];
      sim_man_tick(&net, 0, net.now);
      sim_man_tick(&net, 1, net.now);
      break;
    }
    case FA_OP_BROADCAST:
    case FA_OP_BROADCAST2: { /* the pool may refuse */
      int n = pn_fdp_bool(&in);
      size_t len = (size_t)pn_fdp_range(&in, 0, sizeof msg);
      memset(msg, (int)op, len);
      ptrdiff_t r = pn_engine_broadcast(net.n[n].e, msg, len, net.now);
      if (r < 0) check_fail("broadcast: %td", r);
      sim_man_poll(&net, n, 0);
      break;
    }
    case FA_OP_REKEY: { /* the pool may refuse */
      int n = pn_fdp_bool(&in);
      for (int k = 0; k < net.n[n].w.npeers; k++) {
        int rc = pn_engine_rekey(net.n[n].e, &net.n[n].w.peers[k], net.now);
        if (rc != PN_OK && rc != PN_ERR_INVALID_STATE && rc != PN_ERR_NOT_FOUND)
          check_fail("rekey: %s", pn_strerror(rc));
      }
      sim_man_poll(&net, n, 0);
      break;
    }
    case FA_OP_PIECES:
      if (net.nl) {
        int li = (int)pn_fdp_range(&in, 0, (uint64_t)net.nl - 1);
        int s = pn_fdp_bool(&in);
        sim_man_ack(&net, li, s, (size_t)pn_fdp_range(&in, 0, 100));
        sim_man_deliver(&net, li, s, (size_t)pn_fdp_range(&in, 1, 100));
      }
      break;
    case FA_OP_HEAL:
    case FA_OP_COUNT:
      net.n[pn_fdp_bool(&in)].rng.fail_at = 0;
      break;
    }
  }
  /* No failure may leave a handshake behind its timeout (10 s). */
  sim_man_run_until(&net, net.now + 25 * PN_SEC);
  for (int i = 0; i < 2; i++) {
    pn_engine_mem m;
    pn_engine_memory(net.n[i].e, &m);
    if (m.handshakes)
      check_fail("engine %d: a handshake outlived its timeout", i);
  }
  sim_man_finish(&net);
  sim_man_free(&net);
  return 0;
}

/* ---- Seeds: each kind of failure once ----------------------------------- */

int pn_fuzz_write_seeds(const char *dir) {
  int n = 0;
  for (int i = 0; i < 16; i++) {
    pn_fdw w = {0};
    int create = i < 6;
    pn_fdw_range(&w, 0, 255, create ? (i < 3 ? 3u : 1u) : 0u);
    if (create) {
      pn_fdw_range(&w, 0, FA_NPROTOS, (uint64_t)(i == 2 ? 5 : i % 5));
      pn_fdw_range(&w, 0, 255, 0); /* keys and PSKs given */
      pn_fdw_range(&w, 0, 6, (uint64_t)(i == 4 ? 1 : 0));
      pn_fdw_range(&w, 0, 1100, 16); /* prologue */
      pn_fdw_range(&w, 0, 2, 0);     /* profile */
      pn_fdw_range(&w, 0, 2, 0);     /* overflow */
      pn_fdw_range(&w, 0, 70, 4);
      pn_fdw_range(&w, 0, 70, 2);
      pn_fdw_range(&w, 0, 70, 2);
      pn_fdw_range(&w, 0, 6, 2); /* max_message 1000 */
      pn_fdw_range(&w, 0, 4, 0);
      pn_fdw_range(&w, 0, 5, 3);                  /* 256-byte blocks */
      pn_fdw_range(&w, 0, 1 << 21, 100000);       /* pool budget */
      pn_fdw_range(&w, 0, 2, (uint64_t)(i == 5)); /* RNG fails at once */
      fa_mem_how how = (fa_mem_how)(i % 3);       /* exact, small, misaligned */
      pn_fdw_range(&w, 0, FA_MEM_COUNT - 1, how);
      if (how == FA_MEM_SMALL) pn_fdw_range(&w, 0, 1000000, 5);
      if (how == FA_MEM_MISALIGNED) pn_fdw_range(&w, 1, 15, 8);
    }
    if (!create || i >= 3) {
      int proto = i % 5;
      pn_fdw_range(&w, 0, 4, (uint64_t)proto);
      for (int k = 0; k < 2; k++) {
        pn_fdw_range(&w, 0, 1, 0);                 /* framed */
        pn_fdw_range(&w, 0, 1, (uint64_t)(i & 1)); /* block */
        pn_fdw_range(&w, 1, 6, 4);                 /* max_conns */
        pn_fdw_range(&w, 0, 1, 1);                 /* keepalive */
        pn_fdw_range(&w, 0, 1, (uint64_t)(i & 2)); /* rekey each message */
        /* RNG: engine k fails at call 2 + i % 4 (an ephemeral). */
        pn_fdw_range(&w, 0, 12, (uint64_t)(k == (i & 1) ? 2 + i % 4 : 0));
        pn_fdw_range(&w, 0, 3, (uint64_t)(i % 3));
        pn_fdw_range(&w, 0, UINT32_MAX,
                     (uint64_t)(k == 1 && i % 4 == 3 ? 5 : 0));
        pn_fdw_range(&w, 0, 40, (uint64_t)(i % 5));
      }
      for (int c = 0; c < 4; c++) {
        pn_fdw_range(&w, 0, FA_OP_COUNT - 1, FA_OP_OPEN);
        pn_fdw_range(&w, 0, 1, (uint64_t)(c & 1));
        pn_fdw_range(&w, 0, 1, 1);
        pn_fdw_range(&w, 0, FA_OP_COUNT - 1, FA_OP_PUMP);
        pn_fdw_range(&w, 0, FA_OP_COUNT - 1, FA_OP_BROADCAST);
        pn_fdw_range(&w, 0, 1, (uint64_t)(c & 1));
        pn_fdw_range(&w, 0, 1000, 900);
        pn_fdw_range(&w, 0, FA_OP_COUNT - 1, FA_OP_REKEY);
        pn_fdw_range(&w, 0, 1, 0);
        pn_fdw_range(&w, 0, FA_OP_COUNT - 1, FA_OP_TIME);
        pn_fdw_range(&w, 0, 2, (uint64_t)(c % 3));
      }
    }
    char name[32];
    snprintf(name, sizeof name, "seed-%02d", i);
    int bad = w.oom || pn_fuzz_save(dir, name, w.buf, w.len) != 0;
    pn_fdw_free(&w);
    if (bad) return -1;
    n++;
  }
  return n;
}
