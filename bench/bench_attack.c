/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * A well-behaved peer's throughput to and from one engine while hostile
 * peers attack it, as a ratio of the same exchange without them. The
 * engines run in the simulator (tests/support/sim.c) with the victim's
 * defences at their defaults: two peers ask for rekeys just under the
 * allowed rate and never read, three never read while the victim's
 * application sends to them, four pin a chunked message after its first
 * chunk. Timed in this process's CPU seconds over the same amount of
 * virtual time (the simulator's own work included on both sides).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <p2pnoise/engine.h>

#include "bench.h"
#include "bench_engine.h"
#include "frame.h"
#include "sim.h"
#include "test_hooks.h"

enum {
  VICTIM = 0,
  GOOD = 1,
  REKEYERS = 2,
  READERS = 3,
  PINNERS = 4,
  NATTACK = REKEYERS + READERS + PINNERS,
  MSG = 64 << 10
};

static uint64_t g_refused;
static uint8_t msg[MSG], bulk[32 << 10], pin_pt[PN_FRAME_MAX_PLAIN];

/* This process's CPU seconds: the machine may be shared, and the figure is
 * a ratio of two runs of this process alone. */
static double cpu_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Messages the good peer and the victim got from each other; the events
 * are dropped as they are counted, so the simulator's log stays small. */
static uint64_t count_and_drop(sim *s) {
  uint64_t n = 0;
  for (int i = 0; i < s->nn; i++) {
    sim_node *x = &s->n[i];
    for (size_t k = 0; k < x->nev; k++) {
      sim_event *v = &x->ev[k];
      int other = i == VICTIM ? GOOD : VICTIM;
      if (v->type == PN_EVENT_MESSAGE && (i == VICTIM || i == GOOD) &&
          pn_peer_id_equal(&v->peer, &s->n[other].id))
        n++;
      free(v->data);
    }
    x->nev = 0;
  }
  return n;
}

static int up(sim *s, int i) {
  pn_peer_info info;
  return pn_engine_peer(s->n[VICTIM].e, &s->n[i].id, &info) == PN_OK;
}

/* Runs |steps| steps of 10 ms; returns the wall seconds and the messages
 * exchanged by the good peer and the victim. */
static double run(int attack, int steps, uint64_t *msgs) {
  int n = 2 + (attack ? NATTACK : 0);
  pn_engine_config *cfgs = calloc((size_t)n, sizeof *cfgs);
  if (!cfgs) bench_die("calloc", PN_ERR_INVALID_ARGUMENT);
  for (int i = 0; i < n; i++) {
    pn_engine_config_default(&cfgs[i]);
    cfgs[i].max_peers = 32;
    cfgs[i].max_conns = 32;
  }
  sim s;
  sim_init(&s, n, NULL, cfgs, 99);
  free(cfgs);
  for (int i = 1; i < n; i++) {
    sim_connect(&s, i, VICTIM, 0);
    if (i % 8 == 0) sim_settle(&s);
  }
  sim_settle(&s);
  int first = 2, readers = first + REKEYERS, pinners = readers + READERS;
  if (attack) {
    for (int i = first; i < pinners; i++)
      for (size_t l = 0; l < s.nl; l++)
        if (s.l[l].node[0] == i) s.l[l].pipe[1].blocked = 1;
    for (int i = pinners; i < n; i++)
      if (pn_engine_test_send_raw(s.n[i].e, &s.n[VICTIM].id, pin_pt,
                                  sizeof pin_pt) != PN_OK)
        bench_die("pin", PN_ERR_INVALID_STATE);
  }
  (void)count_and_drop(&s);
  uint64_t got = 0, refused = 0;
  /* The first fifth is not timed: the attack reaches its steady state (the
   * never-readers' queues full, the pool's pages touched once). */
  int warm = steps / 5;
  double t0 = 0;
  for (int k = 0; k < warm + steps; k++) {
    if (k == warm) {
      t0 = cpu_now();
      got = refused = 0;
    }
    if (attack) {
      /* Just under the default peer_rekey_limit (60 a minute). */
      if (k % 110 == 0)
        for (int i = first; i < readers; i++)
          if (up(&s, i) &&
              pn_engine_rekey(s.n[i].e, &s.n[VICTIM].id, s.now) != PN_OK)
            bench_die("rekey", PN_ERR_INVALID_STATE);
      /* Refused once their queues are full: that is the point. */
      for (int i = readers; i < pinners; i++)
        if (pn_engine_send(s.n[VICTIM].e, &s.n[i].id, bulk, sizeof bulk,
                           s.now) != PN_OK)
          refused++;
    }
    if (pn_engine_send(s.n[GOOD].e, &s.n[VICTIM].id, msg, sizeof msg, s.now) !=
            PN_OK ||
        pn_engine_send(s.n[VICTIM].e, &s.n[GOOD].id, msg, sizeof msg, s.now) !=
            PN_OK)
      bench_die("good send", PN_ERR_OVERFLOW);
    sim_run_until(&s, s.now + 10 * PN_MSEC);
    got += count_and_drop(&s);
  }
  double dt = cpu_now() - t0;
  *msgs = got;
  if (attack) g_refused = refused;
  sim_free(&s);
  return dt;
}

void bench_attack(void) {
  memset(msg, 'm', sizeof msg);
  memset(bulk, 'b', sizeof bulk);
  pin_pt[0] = PN_FT_DATA_FIRST;
  pn_put32(pin_pt + 1, 1 << 20);
  int steps = bench_is_quick() ? 50 : 1000;
  printf("\n== attack: a good peer's 64 KiB exchange while %d peers attack\n",
         NATTACK);
  double best[2] = {1e30, 1e30};
  uint64_t msgs[2] = {0, 0};
  for (int round = 0; round < (bench_is_quick() ? 1 : 3); round++)
    for (int a = 0; a < 2; a++) {
      uint64_t m;
      double t = run(a, steps, &m);
      if (t < best[a]) best[a] = t;
      msgs[a] = m;
    }
  double rate[2];
  for (int a = 0; a < 2; a++)
    rate[a] = (double)msgs[a] * MSG / best[a] / 1e6;
  printf("  without attackers  %8.1f MB/s (%llu messages)\n", rate[0],
         (unsigned long long)msgs[0]);
  printf("  with %d attackers   %8.1f MB/s (%llu messages)\n", NATTACK, rate[1],
         (unsigned long long)msgs[1]);
  printf("  sends to the never-readers refused: %llu\n",
         (unsigned long long)g_refused);
  printf("  ratio              %8.2fx (goal >= 0.9x)\n", rate[1] / rate[0]);
  bench_figure("attack_good_peer_ratio", rate[1] / rate[0]);
  if (msgs[0] != msgs[1])
    printf("  (the good peer missed messages under attack: %llu of %llu)\n",
           (unsigned long long)msgs[1], (unsigned long long)msgs[0]);
}
