/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * The flow-control attacks over loopback against a real `p2pnoise node`
 * (small pool, short progress timers), one node per attack: a peer that
 * asks for rekeys and never reads, peers that never read while the node
 * broadcasts, peers that pin a chunked message after its first chunk. A
 * well-behaved peer (the blocking API) keeps exchanging sequenced messages
 * with the node throughout: every one must arrive in order both ways, and
 * every attacker must be dropped with its reason. Nothing here asserts on
 * how long anything took; the loops only have hang guards.
 *
 * Usage: test_io_attack PATH/TO/p2pnoise
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <p2pnoise/io.h>
#include <p2pnoise/keys.h>
#include <p2pnoise/sio.h>

#include "frame.h"
#include "test_hooks.h"

static const char *g_cli;

enum {
  MAX_MESSAGE = 256 << 10,
  STEP_MS = 20,
  ATTACK_STEPS = 400, /* hang guard: 8 s of attack at most */
  DRAIN_STEPS = 250
};

/* ---- The node: a child process, its stdin and stdout pipes --------------- */

typedef struct node {
  pid_t pid;
  int in, out; /* our ends */
  char *buf;   /* all it printed */
  size_t len, cap;
  char *pend; /* bytes for its stdin not written yet */
  size_t plen, pcap;
  unsigned port;
  char hex[2 * PN_NOISE_MAX_DHLEN + 1];
} node;

static void node_read(node *n) {
  for (;;) {
    if (n->cap - n->len < 65536) {
      n->cap = 2 * n->cap + 65536;
      n->buf = realloc(n->buf, n->cap + 1);
      assert_non_null(n->buf);
    }
    ssize_t r = read(n->out, n->buf + n->len, n->cap - n->len);
    if (r <= 0) break;
    n->len += (size_t)r;
  }
  n->buf[n->len] = 0;
}

/* Queues |s| for the node's stdin; written as the pipe takes it. */
static void node_say(node *n, const char *s, size_t len) {
  if (n->pcap - n->plen < len) {
    n->pcap = 2 * (n->plen + len);
    n->pend = realloc(n->pend, n->pcap);
    assert_non_null(n->pend);
  }
  memcpy(n->pend + n->plen, s, len);
  n->plen += len;
}

static void node_flush(node *n) {
  while (n->plen) {
    ssize_t w = write(n->in, n->pend, n->plen);
    if (w <= 0) break;
    memmove(n->pend, n->pend + w, n->plen - (size_t)w);
    n->plen -= (size_t)w;
  }
}

static void node_start(node *n) {
  memset(n, 0, sizeof *n);
  int pin[2], pout[2];
  assert_int_equal(pipe(pin), 0);
  assert_int_equal(pipe(pout), 0);
  n->pid = fork();
  assert_true(n->pid >= 0);
  if (n->pid == 0) {
    dup2(pin[0], 0);
    dup2(pout[1], 1);
    dup2(pout[1], 2);
    close(pin[1]);
    close(pout[0]);
    execl(g_cli, g_cli, "node", "--listen", "127.0.0.1:0", "--pool", "2M",
          "--max-message", "256k", "--send-queue", "512k", "--max-handshakes",
          "4", "--max-peers", "16", "--max-conns", "32", "--send-timeout",
          "2000", "--recv-timeout", "2000", "--keepalive", "500",
          "--idle-timeout", "8000", (char *)NULL);
    _exit(127);
  }
  close(pin[0]);
  close(pout[1]);
  n->in = pin[1];
  n->out = pout[0];
  fcntl(n->in, F_SETFL, O_NONBLOCK);
  fcntl(n->out, F_SETFL, O_NONBLOCK);
  for (int k = 0; k < 500 && !n->port; k++) {
    poll(NULL, 0, 10);
    node_read(n);
    const char *l = strstr(n->buf ? n->buf : "", "(port ");
    if (l) n->port = (unsigned)atoi(l + 6);
  }
  assert_true(n->port > 0);
  const char *k = strstr(n->buf, "node ");
  assert_non_null(k);
  memcpy(n->hex, k + 5, 64);
  n->hex[64] = 0;
}

static int node_count(const node *n, const char *needle) {
  int c = 0;
  for (const char *p = n->buf; (p = strstr(p, needle)); p++)
    c++;
  return c;
}

static void node_stop(node *n) {
  close(n->in); /* EOF: a graceful shutdown */
  int st = 0;
  for (int k = 0; k < 500; k++) {
    node_read(n);
    if (waitpid(n->pid, &st, WNOHANG) == n->pid) break;
    poll(NULL, 0, 10);
    if (k == 499) {
      kill(n->pid, SIGKILL);
      waitpid(n->pid, &st, 0);
      fail_msg("the node did not exit on EOF");
    }
  }
  close(n->out);
  free(n->buf);
  free(n->pend);
}

/* ---- Attackers: an engine on a socket, driven by hand -------------------- */

typedef struct atk {
  pn_engine *e;
  int fd;
  pn_conn_id c;
  pn_peer_id node;
  int up, dead, wblocked;
} atk;

static void atk_pump(atk *a, int read_too) {
  if (a->dead) return;
  pn_time now = pn_io_now();
  assert_int_equal(pn_engine_tick(a->e, now), PN_OK);
  if (a->wblocked) {
    struct pollfd p = {.fd = a->fd, .events = POLLOUT};
    if (poll(&p, 1, 0) == 1) {
      a->wblocked = 0;
      assert_int_equal(pn_engine_writable(a->e, a->c, now), PN_OK);
    }
  }
  if (read_too) {
    uint8_t buf[4096];
    ssize_t r = recv(a->fd, buf, sizeof buf, MSG_DONTWAIT);
    if (r == 0) a->dead = 1;
    /* Only handshakes are read here: small, always taken whole. */
    if (r > 0) {
      ptrdiff_t got = pn_engine_recv(a->e, a->c, buf, (size_t)r, now, NULL);
      assert_int_equal(got, r);
    }
  }
  pn_action act;
  int rc;
  while ((rc = pn_engine_poll(a->e, &act)) == 1) {
    if (act.type == PN_ACTION_SEND) {
      ssize_t w =
          send(a->fd, act.send.data, act.send.len, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (w < 0 && errno != EAGAIN) {
        a->dead = 1; /* the node closed it */
        w = 0;
      }
      if (w < 0) w = 0;
      if ((size_t)w < act.send.len) a->wblocked = 1;
      assert_int_equal(pn_engine_sent(a->e, a->c, (size_t)w, now), PN_OK);
    } else if (act.type == PN_ACTION_EVENT &&
               act.event.type == PN_EVENT_PEER_CONNECTED) {
      a->up = 1;
      a->node = act.event.connected.peer;
    } else if (act.type == PN_ACTION_CLOSE ||
               (act.type == PN_ACTION_EVENT &&
                act.event.type == PN_EVENT_PEER_DISCONNECTED)) {
      a->dead = 1;
    }
  }
  assert_true(rc >= 0);
}

static void atk_open(atk *a, unsigned port) {
  memset(a, 0, sizeof *a);
  pn_engine_config cfg;
  pn_engine_config_default(&cfg);
  cfg.max_conns = cfg.max_peers = cfg.max_handshakes = 1;
  cfg.keepalive_interval = 300 * PN_MSEC; /* liveness, never progress */
  cfg.send_timeout = cfg.recv_timeout = PN_TIME_NEVER;
  cfg.peer_rekey_limit = UINT32_MAX;
  cfg.pool_budget = 1 << 20;
  cfg.send_queue = 1 << 20;
  cfg.max_message = 65536;
  pn_keypair kp;
  assert_int_equal(pn_keypair_generate_for_config(&kp, &cfg), PN_OK);
  cfg.static_private = kp.priv;
  cfg.static_private_len = pn_keypair_len(&kp);
  assert_int_equal(pn_engine_new(&a->e, &cfg, pn_io_now()), PN_OK);
  pn_keypair_wipe(&kp);
  a->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(connect(a->fd, (struct sockaddr *)&sa, sizeof sa), 0);
  int small = 4096; /* a short socket buffer: not reading bites soon */
  setsockopt(a->fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  assert_int_equal(pn_engine_conn_open(a->e, PN_DIR_OUTBOUND, NULL, NULL,
                                       pn_io_now(), &a->c),
                   PN_OK);
  for (int k = 0; k < 500 && !a->up && !a->dead; k++) {
    atk_pump(a, 1);
    poll(NULL, 0, 2);
  }
  assert_true(a->up);
}

static void atk_close(atk *a) {
  close(a->fd);
  pn_engine_free(a->e);
}

/* Whether the node closed |a|'s transport. */
static int atk_gone(atk *a) {
  uint8_t b[1];
  ssize_t r = recv(a->fd, b, sizeof b, MSG_DONTWAIT | MSG_PEEK);
  return r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK) ||
         a->dead;
}

/* ---- The well-behaved peer ----------------------------------------------- */

typedef struct good {
  pn_sio *s;
  char hex[2 * PN_NOISE_MAX_DHLEN + 1];
  uint64_t sent, said, got; /* g messages sent, v lines said, v received */
} good;

static void good_open(good *g, const node *n) {
  memset(g, 0, sizeof *g);
  assert_int_equal(pn_sio_new(&g->s, NULL), PN_OK);
  char addr[32];
  snprintf(addr, sizeof addr, "127.0.0.1:%u", n->port);
  assert_int_equal(pn_sio_connect(g->s, addr, NULL, 5 * PN_SEC), PN_OK);
  pn_peer_id me;
  pn_sio_local_id(g->s, &me);
  pn_io_hex(me.key, me.len, g->hex);
}

/* One step: a message each way, and whatever arrived is read. */
static void good_step(good *g, node *n, int traffic) {
  char m[160];
  if (traffic) {
    int k = snprintf(m, sizeof m, "g %llu|", (unsigned long long)g->sent);
    int rc = pn_sio_send(g->s, m, (size_t)k, 2 * PN_SEC);
    if (rc != PN_OK) fail_msg("good peer: send: %s", pn_sio_errmsg(g->s));
    g->sent++;
    k = snprintf(m, sizeof m, "@%s v %llu|\n", g->hex,
                 (unsigned long long)g->said);
    node_say(n, m, (size_t)k);
    g->said++;
  }
  static uint8_t buf[MAX_MESSAGE];
  for (;;) {
    ptrdiff_t r = pn_sio_recv(g->s, buf, sizeof buf, 0);
    if (r == PN_ERR_TIMEOUT) break;
    if (r < 0) fail_msg("good peer: recv: %s", pn_sio_errmsg(g->s));
    if (r < 2 || buf[0] != 'v') continue; /* a broadcast */
    unsigned long long seq = strtoull((const char *)buf + 2, NULL, 10);
    if (seq != g->got)
      fail_msg("good peer: v %llu, expected %llu", seq,
               (unsigned long long)g->got);
    g->got++;
  }
}

/* The node printed "g 0|" ... "g N-1|" in order. */
static void check_node_got(const node *n, uint64_t sent) {
  const char *p = n->buf;
  for (uint64_t i = 0; i < sent; i++) {
    char want[32];
    snprintf(want, sizeof want, "g %llu|", (unsigned long long)i);
    const char *q = strstr(p, want);
    if (!q)
      fail_msg("the node did not print message %llu of %llu in order",
               (unsigned long long)i, (unsigned long long)sent);
    p = q + 1;
  }
}

/* ---- The attacks ----------------------------------------------------------
 */

typedef enum { REKEY, READERS, PINNERS } attack;

static void run(attack kind, int nattack, const char *reason) {
  node n;
  node_start(&n);
  good g;
  good_open(&g, &n);
  atk a[8];
  for (int i = 0; i < nattack; i++)
    atk_open(&a[i], n.port);
  if (kind == PINNERS) {
    static uint8_t pt[PN_FRAME_MAX_PLAIN];
    pt[0] = PN_FT_DATA_FIRST;
    pn_put32(pt + 1, MAX_MESSAGE);
    memset(pt + PN_FT_FIRST_HDR, 'p', sizeof pt - PN_FT_FIRST_HDR);
    for (int i = 0; i < nattack; i++)
      assert_int_equal(
          pn_engine_test_send_raw(a[i].e, &a[i].node, pt, sizeof pt), PN_OK);
  }
  static char bulk[60001];
  memset(bulk, 'b', sizeof bulk - 1);
  bulk[sizeof bulk - 1] = '\n';
  int all_gone = 0;
  for (int step = 0; step < ATTACK_STEPS && !all_gone; step++) {
    for (int i = 0; i < nattack; i++) {
      if (kind == REKEY && a[i].up && !a[i].dead)
        for (int k = 0; k < 20; k++)
          if (pn_engine_rekey(a[i].e, &a[i].node, pn_io_now()) != PN_OK) break;
      atk_pump(&a[i], 0); /* never reads */
    }
    if (kind == READERS && n.plen < sizeof bulk)
      node_say(&n, bulk, sizeof bulk);
    good_step(&g, &n, 1);
    node_flush(&n);
    node_read(&n);
    all_gone = 1;
    for (int i = 0; i < nattack; i++)
      all_gone &= atk_gone(&a[i]);
    poll(NULL, 0, STEP_MS);
  }
  if (!all_gone) fail_msg("an attacker is still connected");
  /* Everything the good peer and the node exchanged arrives. */
  for (int step = 0; step < DRAIN_STEPS && g.got < g.said; step++) {
    good_step(&g, &n, 0);
    node_flush(&n);
    node_read(&n);
    poll(NULL, 0, STEP_MS);
  }
  node_read(&n);
  if (g.got != g.said)
    fail_msg(
        "the good peer (%s) got %llu of %llu messages; the node said:\n%.1500s",
        g.hex, (unsigned long long)g.got, (unsigned long long)g.said, n.buf);
  check_node_got(&n, g.sent);
  char want[64];
  snprintf(want, sizeof want, "reason=%s", reason);
  if (node_count(&n, want) < nattack)
    fail_msg("the node reported %d of %d attackers with %s:\n%s",
             node_count(&n, want), nattack, want, n.buf);
  assert_int_equal(pn_sio_close(g.s, 2 * PN_SEC), PN_OK);
  pn_sio_free(g.s);
  for (int i = 0; i < nattack; i++)
    atk_close(&a[i]);
  node_stop(&n);
}

static void test_rekey_flood(void **state) {
  (void)state;
  run(REKEY, 1, pn_reason_str(PN_REASON_REKEY_FLOOD));
}

static void test_never_readers(void **state) {
  (void)state;
  run(READERS, 3, pn_reason_str(PN_REASON_SEND_TIMEOUT));
}

static void test_pinners(void **state) {
  (void)state;
  run(PINNERS, 4, pn_reason_str(PN_REASON_RECEIVE_STALLED));
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: test_io_attack PATH/TO/p2pnoise\n");
    return 2;
  }
  g_cli = argv[1];
  signal(SIGPIPE, SIG_IGN);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rekey_flood),
      cmocka_unit_test(test_never_readers),
      cmocka_unit_test(test_pinners),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
