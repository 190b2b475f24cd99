/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * What the engine scenario tests (test_engine_*.c) share, in one place
 * rather than a copy per file: the default config, the leak check that ends
 * every scenario, event lookups, numbered messages, and a peer that speaks
 * through the Noise layer directly (raw_*), to put on the wire what the
 * engine itself would never send. Failures are cmocka's.
 */
#ifndef PN_ENGINE_FIXTURE_H
#define PN_ENGINE_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include <p2pnoise/engine.h>

#include "sim.h"

/* pn_engine_config_default's config. */
pn_engine_config base_cfg(void);
/* |n| engines on base_cfg() in |s|, from |seed|: where most tests start. */
void sim_base(sim *s, int n, uint64_t seed);
/* Engine |node| holds nothing of any connection: no slot, handshake, peer
 * or pool block (no zombie). */
void expect_reclaimed(const sim *s, int node);
/* Nothing leaked (sim_finish), then |s| is freed. */
void finish(sim *s);
/* The index of the |k|-th event of |type| on |node|, or -1. */
long find_event(const sim *s, int node, pn_event_type type, size_t k);
/* pn_engine_send from engine |from| to engine |to|, which must succeed. */
void send_ok(sim *s, int from, int to, const void *msg, size_t len);
/* Messages of the form "<tag> <seq>" received by |node| from |peer| arrive
 * in order 0..n-1, and no other. */
void check_sequence(const sim *s, int node, int peer, size_t n);

/* A deterministic body for message |seq| of |len| bytes: "m <seq>" then
 * a pattern. */
size_t make_msg(uint8_t *buf, size_t seq, size_t len);
/* |node| received from |peer| exactly make_msg's messages 0..count-1, of
 * lengths |lens|, in order. */
void check_msgs(const sim *s, int node, int peer, size_t count,
                const size_t *lens);

/* The test's side of a connection, through the Noise layer: the
 * initiator. */
typedef struct raw_peer {
  pn_protocol p;
  pn_crypto_ctx cx;
  pn_keypair s;
  pn_handshake hs;
  pn_cipherstate tx, rx;
} raw_peer;

/* |r|'s protocol, static key and initiator state, not started. */
void raw_init(raw_peer *r, const char *name);
void raw_free(raw_peer *r);
/* Writes |m| as one u16-length frame on raw link |l|. */
void raw_frame(sim *s, size_t l, const uint8_t *m, size_t n);
/* The next whole frame the engine sent to the raw side; its length, or -1. */
long raw_next(sim *s, size_t l, uint8_t *out);
/* Handshakes the test (initiator, Noise layer) with engine 0 over link |l|. */
void raw_handshake(sim *s, size_t l, raw_peer *r, const char *name);

#endif
