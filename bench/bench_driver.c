/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * The reference driver over loopback TCP: one connection's throughput and
 * handshakes per second, as ratios of the same work done by two engines in
 * memory (bench_engine.c) in this run. Both drivers turn in one thread, as
 * the in-memory pair does.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include <p2pnoise/io.h>

#include "bench.h"
#include "bench_engine.h"

static const char proto[] = "Noise_XX_25519_ChaChaPoly_BLAKE2b";

typedef struct drv {
  pn_io *io[2]; /* 0 listens, 1 dials */
  pn_engine *e[2];
  uint8_t key[2][32];
  pn_peer_id id[2], peer[2];
  int connected[2];
  uint64_t msgs[2], bytes[2], disconnects[2];
  char addr[64];
} drv;

static void on_event(void *user, pn_io *io, const pn_action *a) {
  drv *d = user;
  int i = io == d->io[0] ? 0 : 1;
  if (a->type != PN_ACTION_EVENT) return;
  switch (a->event.type) {
  case PN_EVENT_PEER_CONNECTED:
    d->connected[i] = 1;
    d->peer[i] = a->event.connected.peer;
    break;
  case PN_EVENT_PEER_DISCONNECTED:
    d->connected[i] = 0;
    d->disconnects[i]++;
    break;
  case PN_EVENT_MESSAGE:
    d->msgs[i]++;
    d->bytes[i] += a->event.message.len;
    break;
  default:
    break;
  }
}

static void drv_init_n(drv *d, uint32_t extra) {
  memset(d, 0, sizeof *d);
  for (int i = 0; i < 2; i++) {
    pn_engine_config c;
    pn_engine_config_default(&c);
    c.protocol = proto;
    randombytes_buf(d->key[i], 32);
    c.static_private = d->key[i];
    c.static_private_len = 32;
    c.pool_budget = 16 << 20;
    c.idle_timeout = PN_TIME_NEVER;
    c.keepalive_interval = PN_TIME_NEVER;
    if (i == 0 && extra) { /* room for |extra| idle connections */
      c.max_conns = extra + 16;
      c.max_handshakes = extra + 16;
      c.handshake_timeout = PN_TIME_NEVER;
      c.pool_block = 256;
    }
    int rc = pn_engine_new(&d->e[i], &c, pn_io_now());
    if (!rc) {
      pn_io_config ic;
      memset(&ic, 0, sizeof ic);
      ic.on_event = on_event;
      ic.user = d;
      ic.rx_buf = 256 * 1024;
      rc = pn_io_new(&d->io[i], d->e[i], &ic);
    }
    if (rc) bench_die("driver", rc);
    pn_engine_local_id(d->e[i], &d->id[i]);
  }
  int rc = pn_io_listen(d->io[0], "127.0.0.1:0");
  if (rc) bench_die("listen", rc);
  snprintf(d->addr, sizeof d->addr, "127.0.0.1:%u", pn_io_port(d->io[0], 0));
}

static void drv_init(drv *d) {
  drv_init_n(d, 0);
}

static void drv_step(drv *d) {
  int rc = pn_io_step_many(d->io, 2, 10 * PN_MSEC);
  if (rc < 0) bench_die("step", rc);
}

static void drv_connect(drv *d) {
  int rc = pn_io_dial(d->io[1], d->addr, &d->id[0], 0);
  if (rc < 0) bench_die("dial", rc);
  double t0 = bench_now();
  while (!d->connected[0] || !d->connected[1]) {
    drv_step(d);
    if (bench_now() - t0 > 10) bench_die("connect timeout", PN_ERR_INTERNAL);
  }
}

static void drv_free(drv *d) {
  for (int i = 0; i < 2; i++) {
    pn_io_free(d->io[i]);
    pn_engine_free(d->e[i]);
  }
}

/* One handshake over loopback, then the dialler disconnects and both sides
 * see it. */
static void drv_hs_op(void *ctx) {
  drv *d = ctx;
  uint64_t want = d->disconnects[0] + 1;
  drv_connect(d);
  int rc = pn_engine_disconnect(d->e[1], &d->peer[1], pn_io_now());
  if (rc) bench_die("disconnect", rc);
  double t0 = bench_now();
  while (d->disconnects[0] < want || d->connected[1]) {
    drv_step(d);
    if (bench_now() - t0 > 10) bench_die("disconnect timeout", -1);
  }
}

/* Seconds per byte moving |total| bytes in |size|-byte messages. */
static double drv_throughput(drv *d, size_t size, size_t total) {
  uint8_t *msg = malloc(size);
  randombytes_buf(msg, size);
  uint64_t n = total / size, sent = 0, base = d->msgs[0];
  /* Enough in flight to keep the connection busy (256 KiB, at least 8
   * messages): a throughput, not a round-trip time. */
  uint64_t window = (256 << 10) / size > 8 ? (256 << 10) / size : 8;
  double t0 = bench_now();
  while (d->msgs[0] - base < n) {
    while (sent < n && sent - (d->msgs[0] - base) < window) {
      int rc = pn_engine_send(d->e[1], &d->peer[1], msg, size, pn_io_now());
      if (rc == PN_ERR_OVERFLOW) break;
      if (rc) bench_die("send", rc);
      sent++;
    }
    int rc = pn_io_flush(d->io[1]);
    if (rc < 0) bench_die("flush", rc);
    drv_step(d);
    if (bench_now() - t0 > 60) bench_die("throughput timeout", -1);
  }
  double t = bench_now() - t0;
  free(msg);
  return t / (double)(n * size);
}

/* The same transfer through two engines in memory. */
static double mem_throughput(size_t size, size_t total) {
  bench_pair_t p;
  pair_init(&p, proto, 0);
  pair_connect(&p);
  uint8_t *msg = malloc(size);
  randombytes_buf(msg, size);
  uint64_t n = total / size;
  double t0 = bench_now();
  for (uint64_t i = 0; i < n; i++) {
    int rc = pn_engine_send(p.e[0], &p.peer[0], msg, size, p.now);
    if (rc) bench_die("mem send", rc);
    pair_pump(&p);
  }
  double t = bench_now() - t0;
  if (p.msgs[1] != n) bench_die("mem delivery", PN_ERR_INTERNAL);
  free(msg);
  pair_free(&p);
  return t / (double)(n * size);
}

/* |n| idle TCP connections to the listening node (half-open handshakes it
 * holds); returns how many were made. */
static size_t idle_conns(drv *d, int *fds, size_t n) {
  struct sockaddr_in sa = {.sin_family = AF_INET};
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sa.sin_port = htons((uint16_t)pn_io_port(d->io[0], 0));
  size_t k = 0;
  for (; k < n; k++) {
    fds[k] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fds[k] < 0 || connect(fds[k], (struct sockaddr *)&sa, sizeof sa)) {
      if (fds[k] >= 0) close(fds[k]);
      break;
    }
    if (k % 64 == 63) drv_step(d); /* let the node accept */
  }
  double t0 = bench_now();
  while (pn_io_conn_count(d->io[0]) < k && bench_now() - t0 < 30)
    drv_step(d);
  return k;
}

/* Seconds per message exchange (a 64-byte message and its reply) on the
 * active pair, and syscalls per message. */
static double exchange(drv *d, uint64_t n, double *syscalls) {
  uint8_t msg[64] = {1};
  pn_io_stats s0[2], s1[2];
  for (int i = 0; i < 2; i++)
    pn_io_stats_get(d->io[i], &s0[i]);
  uint64_t base = d->msgs[0];
  double t0 = bench_now();
  for (uint64_t k = 0; k < n; k++) {
    int rc = pn_engine_send(d->e[1], &d->peer[1], msg, sizeof msg, pn_io_now());
    if (rc) bench_die("send", rc);
    if ((rc = pn_io_flush(d->io[1])) < 0) bench_die("flush", rc);
    while (d->msgs[0] - base <= k)
      drv_step(d);
  }
  double t = bench_now() - t0;
  uint64_t calls = 0;
  for (int i = 0; i < 2; i++) {
    pn_io_stats_get(d->io[i], &s1[i]);
    calls += s1[i].reads - s0[i].reads + s1[i].writes - s0[i].writes;
  }
  *syscalls = (double)calls / (double)n;
  return t / (double)n;
}

/* Small messages in a burst: how many leave per write. */
static double burst_syscalls(drv *d, size_t size, uint64_t n) {
  uint8_t *msg = calloc(1, size);
  pn_io_stats a, b;
  pn_io_stats_get(d->io[1], &a);
  uint64_t base = d->msgs[0];
  for (uint64_t k = 0; k < n; k++)
    if (pn_engine_send(d->e[1], &d->peer[1], msg, size, pn_io_now())) break;
  if (pn_io_flush(d->io[1]) < 0) bench_die("flush", -1);
  while (d->msgs[0] - base < n)
    drv_step(d);
  pn_io_stats_get(d->io[1], &b);
  free(msg);
  return (double)(b.writes - a.writes) / (double)n;
}

static void scale(void) {
  static const size_t want[] = {10, 1000, 10000};
  double base_cost = 0;
  printf("  live connections on one node (idle half-open handshakes held "
         "by the node, plus the active pair):\n");
  size_t lim = pn_io_raise_nofile(2 * 10000 + 200);
  for (size_t i = 0; i < 3; i++) {
    size_t n = want[i];
    if (2 * n + 100 > lim) n = lim > 200 ? (lim - 200) / 2 : 0;
    drv d;
    drv_init_n(&d, (uint32_t)n);
    int *fds = calloc(n ? n : 1, sizeof *fds);
    double t0 = bench_now();
    size_t got = idle_conns(&d, fds, n);
    double accept_s = bench_now() - t0;
    drv_connect(&d);
    double calls;
    exchange(&d, 100, &calls); /* warm up */
    double cost = exchange(&d, bench_is_quick() ? 300 : 3000, &calls);
    pn_engine_mem m;
    pn_io_stats st;
    pn_engine_memory(d.e[0], &m);
    pn_io_stats_get(d.io[0], &st);
    if (i == 0) base_cost = cost;
    printf("    %5zu: %.1f us per exchange (%.2fx of 10), %.1f syscalls per "
           "message, %zu connections accepted in %.2f s;\n"
           "           memory per connection: engine %zu + driver %zu bytes "
           "(node total: engine %.1f MB, driver %.2f MB)\n",
           got, cost * 1e6, cost / base_cost, calls / 2, got, accept_s,
           m.conn_bytes, st.conn_bytes, (double)m.total / 1e6,
           (double)st.mem / 1e6);
    char name[64];
    snprintf(name, sizeof name, "driver_exchange_us_%zu", want[i]);
    bench_figure(name, cost * 1e6);
    snprintf(name, sizeof name, "driver_exchange_ratio_%zu", want[i]);
    bench_figure(name, cost / base_cost);
    if (i == 0) bench_figure("driver_syscalls_per_msg_pingpong", calls / 2);
    for (size_t k = 0; k < got; k++)
      close(fds[k]);
    free(fds);
    drv_free(&d);
  }
  printf("  (goal: an exchange at 10,000 costs at most 1.2x one at 10)\n");
}

void bench_driver(void) {
  size_t total = bench_is_quick() ? (16 << 20) : (256 << 20);
  printf("\nthe reference driver over loopback TCP (one thread turns both "
         "ends)\nagainst two engines in memory, same run\n");
  drv d;
  drv_init(&d);
  drv_connect(&d);
  static const size_t sizes[] = {1024, 65536};
  for (int s = 0; s < 2; s++) {
    size_t size = sizes[s], tot = size == 1024 ? total / 16 : total;
    double best_drv = 1e30, best_mem = 1e30;
    int rounds = bench_is_quick() ? 1 : 3;
    for (int r = 0; r < rounds; r++) {
      double m = mem_throughput(size, tot), t = drv_throughput(&d, size, tot);
      if (m < best_mem) best_mem = m;
      if (t < best_drv) best_drv = t;
    }
    printf("  throughput, %zu KiB messages: driver %.0f MB/s, in memory %.0f "
           "MB/s, ratio %.3fx (goal >= %s)\n",
           size / 1024, 1e-6 / best_drv, 1e-6 / best_mem, best_mem / best_drv,
           size == 1024 ? "0.5x" : "0.8x");
    char name[64];
    snprintf(name, sizeof name, "driver_throughput_%zuk_ratio", size / 1024);
    bench_figure(name, best_mem / best_drv);
    if (size == 65536) {
      bench_figure("driver_throughput_MBps", 1e-6 / best_drv);
      bench_figure("driver_throughput_ratio", best_mem / best_drv);
    }
  }
  double w = burst_syscalls(&d, 100, 2000);
  printf("  a burst of 2,000 100-byte messages: %.3f writes per message\n", w);
  bench_figure("driver_writes_per_msg_burst", w);
  /* Handshakes: a fresh TCP connection and XX handshake each time. */
  int rc = pn_engine_disconnect(d.e[1], &d.peer[1], pn_io_now());
  if (rc) bench_die("disconnect", rc);
  while (d.connected[0] || d.connected[1])
    drv_step(&d);
  double hs_drv, hs_mem = bench_engine_handshake(proto, 0);
  hs_drv = bench_one(drv_hs_op, &d);
  double hs_mem2 = bench_engine_handshake(proto, 0);
  if (hs_mem2 < hs_mem) hs_mem = hs_mem2;
  printf("  handshakes (XX, with TCP connect and close): driver %.0f/s, in "
         "memory %.0f/s, ratio %.3fx\n",
         1 / hs_drv, 1 / hs_mem, hs_mem / hs_drv);
  bench_figure("driver_handshakes_per_s", 1 / hs_drv);
  bench_figure("driver_handshake_ratio", hs_mem / hs_drv);
  drv_free(&d);
  scale();
}
