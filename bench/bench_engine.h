/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* Two engines wired back to back in memory, shared by the engine sections. */
#ifndef PN_BENCH_ENGINE_H
#define PN_BENCH_ENGINE_H

#include <p2pnoise/engine.h>

typedef struct bench_pair_t {
  pn_engine *e[2]; /* 0 dials 1 */
  pn_conn_id c[2];
  pn_peer_id id[2];   /* each engine's own id */
  pn_peer_id peer[2]; /* the peer each engine sees */
  uint8_t key[2][32];
  int connected[2];
  int wblocked[2]; /* a partial ack: writable once the other side resumes */
  uint64_t msgs[2], bytes[2];
  pn_time now;
} bench_pair_t;

void pair_init(bench_pair_t *p, const char *protocol, int psk);
void pair_connect(bench_pair_t *p);
void pair_drop(bench_pair_t *p);
void pair_pump(bench_pair_t *p);
void pair_free(bench_pair_t *p);
void pair_die(const char *what, int rc);

/* One handshake through the pair, then both transports drop it. */
void pair_handshake_op(void *ctx);
/* Seconds per handshake through two engines, both sides. */
double bench_engine_handshake(const char *protocol, int psk);
void bench_transport(void);
void bench_memory_scale(void);
void bench_driver(void);

#endif
