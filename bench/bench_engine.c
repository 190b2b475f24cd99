/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * The engine measured in memory: two engines wired back to back (handshakes,
 * transport throughput), and one hub engine with many idle peers (memory,
 * cost per message and per tick as the peer count grows).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include <p2pnoise/engine.h>

#include "bench.h"
#include "bench_aead.h"
#include "bench_engine.h"

/* ---- two engines back to back -------------------------------------------- */

void pair_die(const char *what, int rc) {
  bench_die(what, rc);
}

/* Carries out every action of both engines until neither has any. A SEND is
 * offered to the other engine and acked for what it took; the rest comes
 * back in a later SEND once the other engine's RESUME makes this side
 * writable, as with a socket that took part of a write. */
void pair_pump(bench_pair_t *p) {
  int progress = 1;
  while (progress) {
    progress = 0;
    for (int i = 0; i < 2; i++) {
      pn_action a;
      int rc;
      while ((rc = pn_engine_poll(p->e[i], &a)) == 1) {
        progress = 1;
        switch (a.type) {
        case PN_ACTION_SEND: {
          ptrdiff_t took = 0;
          if (p->c[i ^ 1])
            took = pn_engine_recv(p->e[i ^ 1], p->c[i ^ 1], a.send.data,
                                  a.send.len, p->now, NULL);
          if (took < 0) pair_die("recv", (int)took);
          if ((rc = pn_engine_sent(p->e[i], a.conn, (size_t)took, p->now)))
            pair_die("sent", rc);
          if ((size_t)took < a.send.len) p->wblocked[i] = 1;
          break;
        }
        case PN_ACTION_RESUME:
          /* This side takes input again: the other side may write. */
          if (p->wblocked[i ^ 1] && p->c[i ^ 1]) {
            p->wblocked[i ^ 1] = 0;
            if ((rc = pn_engine_writable(p->e[i ^ 1], p->c[i ^ 1], p->now)))
              pair_die("writable", rc);
          }
          break;
        case PN_ACTION_EVENT:
          if (a.event.type == PN_EVENT_PEER_CONNECTED) {
            p->connected[i] = 1;
            p->peer[i] = a.event.connected.peer;
          } else if (a.event.type == PN_EVENT_MESSAGE) {
            p->msgs[i]++;
            p->bytes[i] += a.event.message.len;
          } else if (a.event.type == PN_EVENT_PEER_DISCONNECTED) {
            p->connected[i] = 0;
          }
          break;
        case PN_ACTION_CLOSE:
          if (a.conn == p->c[i]) p->c[i] = 0;
          break;
        default:
          break;
        }
      }
      if (rc < 0) pair_die("poll", rc);
    }
  }
}

void pair_init(bench_pair_t *p, const char *protocol, int psk) {
  static const uint8_t pskv[32] = {7};
  memset(p, 0, sizeof *p);
  for (int i = 0; i < 2; i++) {
    pn_engine_config c;
    pn_engine_config_default(&c);
    c.protocol = protocol;
    randombytes_buf(p->key[i], 32);
    c.static_private = p->key[i];
    c.static_private_len = 32;
    if (psk) {
      c.psks = (const uint8_t(*)[32])pskv;
      c.npsks = 1;
    }
    c.max_conns = 4;
    c.max_peers = 2;
    c.max_handshakes = 2;
    /* Room for a full 1 MiB message in flight each way. */
    c.pool_budget = 8 << 20;
    c.idle_timeout = PN_TIME_NEVER;
    c.keepalive_interval = PN_TIME_NEVER;
    c.rekey_interval = PN_TIME_NEVER;
    int rc = pn_engine_new(&p->e[i], &c, 1);
    if (rc) pair_die("engine", rc);
  }
  for (int i = 0; i < 2; i++)
    pn_engine_local_id(p->e[i], &p->id[i]);
  p->now = 1;
}

/* Opens one connection A -> B and pumps until both sides are connected. */
void pair_connect(bench_pair_t *p) {
  int rc = pn_engine_listening(p->e[1], p->now);
  if (rc == PN_OK)
    rc = pn_engine_conn_open(p->e[1], PN_DIR_INBOUND, NULL, NULL, p->now,
                             &p->c[1]);
  if (!rc)
    rc = pn_engine_conn_open(p->e[0], PN_DIR_OUTBOUND, &p->id[1], NULL, p->now,
                             &p->c[0]);
  if (rc) pair_die("open", rc);
  pair_pump(p);
  if (!p->connected[0] || !p->connected[1])
    pair_die("connect", PN_ERR_INTERNAL);
}

/* Both transports drop the connection; the engines forget it. */
void pair_drop(bench_pair_t *p) {
  for (int i = 0; i < 2; i++) {
    if (p->c[i]) {
      int rc = pn_engine_conn_closed(p->e[i], p->c[i], p->now);
      if (rc) pair_die("closed", rc);
      p->c[i] = 0;
    }
  }
  pair_pump(p);
}

void pair_free(bench_pair_t *p) {
  for (int i = 0; i < 2; i++)
    pn_engine_free(p->e[i]);
}

/* ---- handshakes ---------------------------------------------------------- */

void pair_handshake_op(void *ctx) {
  bench_pair_t *p = ctx;
  pair_connect(p);
  pair_drop(p);
}

double bench_engine_handshake(const char *protocol, int psk) {
  bench_pair_t p;
  pair_init(&p, protocol, psk);
  double t = bench_one(pair_handshake_op, &p);
  pair_free(&p);
  return t;
}

/* ---- transport ----------------------------------------------------------- */

typedef struct xfer {
  bench_pair_t p;
  uint8_t *msg;
  size_t size;
} xfer;

static void xfer_op(void *ctx) {
  xfer *x = ctx;
  uint64_t want = x->p.msgs[1] + 1;
  int rc = pn_engine_send(x->p.e[0], &x->p.peer[0], x->msg, x->size, x->p.now);
  if (rc) pair_die("send", rc);
  pair_pump(&x->p);
  if (x->p.msgs[1] != want) pair_die("delivery", PN_ERR_INTERNAL);
}

static void transport(const char *cipher) {
  static const size_t sizes[] = {64, 1024, 16384, 65536, 1 << 20};
  static const char *const label[] = {"64 B", "1 KiB", "16 KiB", "64 KiB",
                                      "1 MiB"};
  int id =
      strcmp(cipher, "AESGCM") == 0 ? PN_CIPHER_AESGCM : PN_CIPHER_CHACHAPOLY;
  char proto[64];
  snprintf(proto, sizeof proto, "Noise_XX_25519_%s_BLAKE2b", cipher);
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    if (bench_is_quick() && sizes[i] > 65536) continue;
    xfer x;
    pair_init(&x.p, proto, 0);
    pair_connect(&x.p);
    x.size = sizes[i];
    x.msg = malloc(x.size);
    randombytes_buf(x.msg, x.size);
    /* The reference: the fastest library's raw AEAD over the same bytes. */
    int lib = 0;
    raw_aead_best(id, x.size, &lib);
    raw_aead *r = raw_aead_new(lib, id, x.size);
    double rs, es;
    bench_pair(raw_aead_fn(), r, xfer_op, &x, &rs, &es);
    double mbps = (double)x.size / es / 1e6;
    printf("  %-10s %-7s %10.0f %10.0f %12s %7.3fx\n", cipher, label[i],
           (double)x.size / rs / 1e6, mbps,
           lib == PN_BACKEND_SODIUM ? "libsodium" : "libcrypto", rs / es);
    char name[64];
    snprintf(name, sizeof name, "transport_%s_%zu_MBps", cipher, x.size);
    bench_figure(name, mbps);
    snprintf(name, sizeof name, "transport_%s_%zu_ratio", cipher, x.size);
    bench_figure(name, rs / es);
    raw_aead_free(r);
    free(x.msg);
    pair_free(&x.p);
  }
}

void bench_transport(void) {
  printf("\ntransport through two engines in memory (frame, encrypt, "
         "decrypt, reassemble)\nagainst one raw encrypt+decrypt of the same "
         "bytes by the fastest library for that size\n");
  printf("  %-10s %-7s %10s %10s %12s %8s\n", "cipher", "message", "raw MB/s",
         "engine", "raw from", "ratio");
  transport("ChaChaPoly");
  transport("AESGCM");
  printf("  (goals: 64 KiB >= 0.9x, 1 KiB >= 0.75x)\n");
}
