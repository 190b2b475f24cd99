/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* A small harness for the io tests: real sockets on loopback, bounded loops,
 * nodes that count their events. */
#ifndef PN_IOTEST_H
#define PN_IOTEST_H

#define _GNU_SOURCE
#include <p2pnoise/io.h>

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "prng.h"

/* Hang guards only: a loop that runs this long has hung. No test asserts
 * on how long anything took. */
#define HANG_GUARD_S 60

typedef struct tnode tnode;
typedef void (*tnode_msg_fn)(tnode *n, const pn_event_message *ev);

struct tnode {
  pn_engine *e;
  pn_io *io;
  pn_peer_id id;
  uint8_t priv[32];
  int connected, disconnected, closed, overflows;
  uint64_t rejected[32]; /* by reason */
  uint64_t messages;
  uint64_t refused, dial_failed, accept_failed; /* driver notices */
  int last_dial_err;
  tnode_msg_fn on_msg;
  void *user;
};

static void tnode_event(void *user, pn_io *io, const pn_action *a) {
  tnode *n = user;
  const pn_event *ev = &a->event;
  (void)io;
  switch (ev->type) {
  case PN_EVENT_PEER_CONNECTED:
    n->connected++;
    break;
  case PN_EVENT_PEER_DISCONNECTED:
    n->disconnected++;
    break;
  case PN_EVENT_CLOSED:
    n->closed++;
    break;
  case PN_EVENT_OVERFLOW:
    n->overflows++;
    break;
  case PN_EVENT_REJECTED:
    n->rejected[ev->rejected.reason & 31]++;
    break;
  case PN_EVENT_MESSAGE:
    n->messages++;
    if (n->on_msg) n->on_msg(n, &ev->message);
    break;
  default:
    break;
  }
}

static void tnode_notice(void *user, pn_io *io, const pn_io_notice *nt) {
  tnode *n = user;
  (void)io;
  if (nt->type == PN_IO_REFUSED) n->refused++;
  if (nt->type == PN_IO_ACCEPT_FAILED) n->accept_failed++;
  if (nt->type == PN_IO_DIAL_FAILED) {
    n->dial_failed++;
    n->last_dial_err = nt->err;
  }
}

/* |c| may be NULL (defaults); |ic| may be NULL. */
static inline void tnode_init(tnode *n, const pn_engine_config *c,
                              const pn_io_config *ic) {
  pn_engine_config cfg;
  pn_protocol p;
  pn_keypair kp;
  const char *name;
  memset(n, 0, sizeof *n);
  if (c)
    cfg = *c;
  else
    pn_engine_config_default(&cfg);
  name = cfg.protocol ? cfg.protocol : "Noise_XX_25519_ChaChaPoly_BLAKE2b";
  assert_true(pn_protocol_parse(&p, name, strlen(name), PN_BACKEND_AUTO) == 0);
  assert_true(pn_keypair_generate(&kp, &p, NULL) == 0);
  memcpy(n->priv, kp.priv, 32);
  pn_keypair_wipe(&kp);
  cfg.static_private = n->priv;
  cfg.static_private_len = 32;
  assert_true(pn_engine_new(&n->e, &cfg, pn_io_now()) == 0);
  pn_io_config icfg;
  if (ic)
    icfg = *ic;
  else
    memset(&icfg, 0, sizeof icfg);
  icfg.on_event = tnode_event;
  icfg.on_notice = tnode_notice;
  icfg.user = n;
  assert_true(pn_io_new(&n->io, n->e, &icfg) == 0);
  pn_engine_local_id(n->e, &n->id);
}

static inline void tnode_free(tnode *n) {
  pn_io_free(n->io);
  pn_engine_free(n->e);
  n->io = NULL;
  n->e = NULL;
}

static inline unsigned tnode_listen(tnode *n, const char *host) {
  char a[80];
  snprintf(a, sizeof a, "%s:0", host);
  if (pn_io_listen(n->io, a) != 0) return 0;
  return pn_io_port(n->io, 0);
}

static inline void tnode_dial(tnode *n, const char *host, unsigned port,
                              int redial) {
  char a[80];
  snprintf(a, sizeof a, host[0] == ':' ? "[%s]:%u" : "%s:%u", host, port);
  assert_true(pn_io_dial(n->io, a, NULL, redial) > 0);
}

/* Steps |ios| until |cond|; the test fails if it never comes (|secs| is
 * the expected bound, raised to the hang guard). */
#define STEP_UNTIL(ios, n, cond, secs)                                         \
  do {                                                                         \
    pn_time until_ = pn_io_now() + (pn_time)HANG_GUARD_S * PN_SEC;             \
    (void)(secs);                                                              \
    while (!(cond)) {                                                          \
      if (pn_io_now() > until_) fail_msg("hung waiting for: %s", #cond);       \
      assert_true(pn_io_step_many((ios), (n), 20 * PN_MSEC) == 0);             \
    }                                                                          \
  } while (0)

/* Stops |a| and |b|, steps both until they are done, frees both. */
static inline void tnode_stop_pair(tnode *a, tnode *b) {
  pn_io *ios[2] = {a->io, b->io};
  pn_io_stop(a->io);
  pn_io_stop(b->io);
  STEP_UNTIL(ios, 2, pn_io_done(a->io) && pn_io_done(b->io), 5);
  tnode_free(a);
  tnode_free(b);
}

/* One cmocka test per file: the body is run_test(). */
#define IOTEST_MAIN(name)                                                      \
  int main(void) {                                                             \
    const struct CMUnitTest tests[] = {cmocka_unit_test(name)};                \
    return cmocka_run_group_tests(tests, NULL, NULL);                          \
  }

/* Steps for |secs| regardless. */
static inline void step_for(pn_io *const *ios, size_t n, double secs) {
  pn_time until = pn_io_now() + (pn_time)(secs * 1e9);
  while (pn_io_now() < until)
    assert_true(pn_io_step_many(ios, n, 10 * PN_MSEC) == 0);
}

static inline int count_fds(void) {
  int n = 0;
  DIR *d = opendir("/proc/self/fd");
  struct dirent *de;
  if (!d) return -1;
  while ((de = readdir(d)))
    n += de->d_name[0] != '.';
  closedir(d);
  return n - 1; /* the DIR's own descriptor */
}

/* Deterministic content for message |idx| of stream |s|. */
static inline void fill(uint8_t *p, size_t n, uint32_t s, uint32_t idx) {
  uint64_t x = (uint64_t)s << 32 | idx;
  pn_prng_fill(&x, p, n);
}

#endif
