/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * One hub engine with N established, idle peers: its memory, and the cost of
 * one message and one tick as N grows. The peers are XX initiators driven
 * through the Noise layer directly (cheaper than N engines).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include <p2pnoise/engine.h>

#include "bench.h"
#include "bench_engine.h"

static const char proto_name[] = "Noise_XX_25519_ChaChaPoly_BLAKE2b";

typedef struct hub {
  pn_engine *e;
  pn_protocol proto;
  pn_crypto_ctx cx; /* the clients' */
  size_t n;
  pn_conn_id *conn;
  pn_peer_id *ids;
  pn_time now;
  uint8_t out[4096];
  size_t outlen;
  size_t rr; /* round-robin peer for the message op */
  uint8_t msg[64];
} hub;

/* Polls the hub; SEND bytes are collected into h->out and acked. */
static void hub_drain(hub *h) {
  pn_action a;
  int rc;
  while ((rc = pn_engine_poll(h->e, &a)) == 1) {
    if (a.type != PN_ACTION_SEND) continue;
    if (h->outlen + a.send.len <= sizeof h->out) {
      memcpy(h->out + h->outlen, a.send.data, a.send.len);
      h->outlen += a.send.len;
    }
    if ((rc = pn_engine_sent(h->e, a.conn, a.send.len, h->now)))
      pair_die("hub sent", rc);
  }
  if (rc < 0) pair_die("hub poll", rc);
}

static void frame_to_hub(hub *h, pn_conn_id c, const uint8_t *m, size_t len) {
  uint8_t f[2 + 512];
  f[0] = (uint8_t)(len >> 8);
  f[1] = (uint8_t)len;
  memcpy(f + 2, m, len);
  ptrdiff_t took = pn_engine_recv(h->e, c, f, len + 2, h->now, NULL);
  if (took != (ptrdiff_t)(len + 2)) pair_die("hub recv", (int)took);
}

/* One client: an XX initiator through the Noise layer. */
static void add_client(hub *h, size_t i) {
  pn_keypair s;
  pn_handshake hs;
  uint8_t m[512], pay[512];
  size_t len, plen;
  int rc;
  if ((rc = pn_keypair_generate(&s, &h->proto, NULL)) ||
      (rc = pn_handshake_init(&hs, &h->proto, &h->cx, PN_INITIATOR, NULL)) ||
      (rc = pn_handshake_set_static(&hs, &s)) ||
      (rc = pn_handshake_start(&hs, NULL, 0)))
    pair_die("client", rc);
  if ((rc = pn_engine_conn_open(h->e, PN_DIR_INBOUND, NULL, NULL, h->now,
                                &h->conn[i])))
    pair_die("hub open", rc);
  if ((rc = pn_handshake_write(&hs, NULL, 0, m, sizeof m, &len)))
    pair_die("client write", rc);
  frame_to_hub(h, h->conn[i], m, len);
  h->outlen = 0;
  hub_drain(h);
  if (h->outlen < 2) pair_die("hub reply", PN_ERR_INTERNAL);
  if ((rc = pn_handshake_read(&hs, h->out + 2, h->outlen - 2, pay, sizeof pay,
                              &plen)) ||
      (rc = pn_handshake_write(&hs, NULL, 0, m, sizeof m, &len)))
    pair_die("client read", rc);
  frame_to_hub(h, h->conn[i], m, len);
  hub_drain(h);
  memset(&h->ids[i], 0, sizeof h->ids[i]);
  memcpy(h->ids[i].key, s.pub, 32);
  h->ids[i].len = 32;
  pn_handshake_wipe(&hs);
  pn_keypair_wipe(&s);
}

static int hub_init(hub *h, size_t n) {
  memset(h, 0, sizeof *h);
  uint8_t key[32];
  randombytes_buf(key, sizeof key);
  if (pn_protocol_parse(&h->proto, proto_name, strlen(proto_name),
                        PN_BACKEND_AUTO) ||
      pn_crypto_ctx_init(&h->cx, &h->proto))
    return -1;
  pn_engine_config c;
  pn_engine_config_default(&c);
  c.static_private = key;
  c.static_private_len = 32;
  c.max_conns = (uint32_t)n;
  c.max_peers = (uint32_t)n;
  c.max_handshakes = 16;
  c.pool_budget = 4 << 20;
  c.pool_block = 4096;
  c.max_message = 65536;
  c.idle_timeout = PN_TIME_NEVER;
  c.keepalive_interval = 3600 * PN_SEC;
  c.rekey_interval = PN_TIME_NEVER;
  h->now = 1;
  int rc = pn_engine_new(&h->e, &c, h->now);
  if (rc == PN_OK) rc = pn_engine_listening(h->e, h->now);
  if (rc) pair_die("hub", rc);
  h->n = n;
  h->conn = calloc(n, sizeof *h->conn);
  h->ids = calloc(n, sizeof *h->ids);
  for (size_t i = 0; i < n; i++)
    add_client(h, i);
  if (pn_engine_peer_count(h->e) != n) pair_die("hub peers", PN_ERR_INTERNAL);
  return 0;
}

static void hub_free(hub *h) {
  pn_engine_free(h->e);
  pn_crypto_ctx_wipe(&h->cx);
  free(h->conn);
  free(h->ids);
}

/* One 64-byte message to one peer: queued, framed, encrypted, handed to the
 * driver and acked. msg_op spreads the messages over every peer (cold
 * memory at 10,000 peers: the cost includes cache misses); msg_same_op sends
 * to one peer (the cost of the algorithm alone). */
static void msg_same_op(void *ctx) {
  hub *h = ctx;
  int rc = pn_engine_send(h->e, &h->ids[0], h->msg, sizeof h->msg, h->now);
  if (rc) pair_die("hub send", rc);
  h->outlen = 0;
  hub_drain(h);
}

static void msg_op(void *ctx) {
  hub *h = ctx;
  h->rr = (h->rr + 7919) % h->n;
  int rc = pn_engine_send(h->e, &h->ids[h->rr], h->msg, sizeof h->msg, h->now);
  if (rc) pair_die("hub send", rc);
  h->outlen = 0;
  hub_drain(h);
}

/* One tick with no timer due, then the poll that follows it. */
static void tick_op(void *ctx) {
  hub *h = ctx;
  h->now += 1000;
  int rc = pn_engine_tick(h->e, h->now);
  if (rc) pair_die("tick", rc);
  hub_drain(h);
}

void bench_memory_scale(void) {
  size_t counts[] = {10, 1000, 10000};
  size_t nc = bench_is_quick() ? 2 : 3;
  double msg_cost[3] = {0}, same_cost[3] = {0}, tick_cost[3] = {0};
  printf("\nmemory of one engine with N established idle peers "
         "(XX, 25519)\n");
  printf("  %-8s %12s %12s %12s %10s %10s %8s\n", "peers", "total bytes",
         "bytes/peer", "pool in use", "msg ns", "msg ns", "tick ns");
  printf("  %-8s %12s %12s %12s %10s %10s %8s\n", "", "", "", "", "one peer",
         "any peer", "");
  for (size_t i = 0; i < nc; i++) {
    hub h;
    if (hub_init(&h, counts[i])) pair_die("hub init", PN_ERR_INTERNAL);
    pn_engine_mem m;
    pn_engine_memory(h.e, &m);
    double per = (double)m.total / (double)counts[i];
    same_cost[i] = bench_one(msg_same_op, &h);
    msg_cost[i] = bench_one(msg_op, &h);
    tick_cost[i] = bench_one(tick_op, &h);
    printf("  %-8zu %12zu %12.0f %12zu %10.0f %10.0f %8.0f\n", counts[i],
           m.total, per, m.pool_in_use, same_cost[i] * 1e9, msg_cost[i] * 1e9,
           tick_cost[i] * 1e9);
    char name[64];
    snprintf(name, sizeof name, "mem_%zu_peers_total_bytes", counts[i]);
    bench_figure(name, (double)m.total);
    snprintf(name, sizeof name, "mem_%zu_peers_bytes_per_peer", counts[i]);
    bench_figure(name, per);
    snprintf(name, sizeof name, "scale_%zu_peers_message_one_peer_ns",
             counts[i]);
    bench_figure(name, same_cost[i] * 1e9);
    snprintf(name, sizeof name, "scale_%zu_peers_message_any_peer_ns",
             counts[i]);
    bench_figure(name, msg_cost[i] * 1e9);
    snprintf(name, sizeof name, "scale_%zu_peers_tick_ns", counts[i]);
    bench_figure(name, tick_cost[i] * 1e9);
    if (i == 0) {
      printf("  per handshake in progress: %zu bytes (pn_handshake %zu); per "
             "connection slot: %zu bytes\n",
             m.handshake_bytes, sizeof(pn_handshake), m.conn_bytes);
      bench_figure("mem_handshake_bytes", (double)m.handshake_bytes);
      bench_figure("mem_conn_slot_bytes", (double)m.conn_bytes);
    }
    hub_free(&h);
  }
  size_t last = nc - 1;
  printf("  (goals: <= 4096 bytes per idle peer, <= 600 per handshake)\n");
  printf("\nscale: cost at %zu peers over the cost at 10 peers\n",
         counts[last]);
  printf("  message to one peer %.3fx, to any peer %.3fx (cold memory), tick "
         "%.3fx\n  (goal: <= 1.15x at 10,000)\n",
         same_cost[last] / same_cost[0], msg_cost[last] / msg_cost[0],
         tick_cost[last] / tick_cost[0]);
  char name[64];
  snprintf(name, sizeof name, "scale_message_one_peer_ratio_%zu", counts[last]);
  bench_figure(name, same_cost[last] / same_cost[0]);
  snprintf(name, sizeof name, "scale_message_any_peer_ratio_%zu", counts[last]);
  bench_figure(name, msg_cost[last] / msg_cost[0]);
  snprintf(name, sizeof name, "scale_tick_ratio_%zu", counts[last]);
  bench_figure(name, tick_cost[last] / tick_cost[0]);
}
