/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * What every driver of the simulator checks, whether the cmocka tests' or
 * the fuzz harnesses', and the one way a broken invariant is reported:
 * sim_fail, which prints it and aborts (a fuzzer notices only a crash, and
 * a test must not go on from a broken state).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim.h"

void sim_fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "sim: invariant failed: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  abort();
}

int sim_rc(int rc) {
  const char *d = pn_strerror(rc);
  if (!d || !*d) sim_fail("error %d has no description", rc);
  return rc;
}

int sim_trace(void) {
  static int t = -1;
  if (t < 0) t = getenv("PN_FUZZ_TRACE") != NULL;
  return t;
}

void sim_check_memory(pn_engine *e, const pn_engine_config *cfg) {
  pn_engine_mem m;
  pn_engine_memory(e, &m);
  uint32_t maxc = cfg->max_conns ? cfg->max_conns : PN_ENGINE_DEFAULT_MAX_CONNS;
  if (m.pool_in_use > m.pool_budget) sim_fail("pool over budget");
  if (m.conns > maxc) sim_fail("conns %zu > max %u", m.conns, maxc);
  if (m.handshakes > m.conns || m.peers > m.conns)
    sim_fail("handshakes %zu / peers %zu over conns %zu", m.handshakes, m.peers,
             m.conns);
  if (m.peers != pn_engine_peer_count(e)) sim_fail("peer count");
}

void sim_check_event(const pn_action *a, const sim_event *ev,
                     const pn_engine_config *cfg) {
  const char *why = pn_reason_str(ev->reason);
  if (!why || !*why) sim_fail("reason %d has no description", ev->reason);
  switch (ev->type) {
  case PN_EVENT_PEER_CONNECTED:
    if (!a->conn || !ev->peer.len) sim_fail("CONNECTED without conn or peer");
    if (!ev->data || !ev->len) sim_fail("CONNECTED without hash");
    break;
  case PN_EVENT_PEER_DISCONNECTED:
    if (ev->reason == PN_REASON_NONE) sim_fail("DISCONNECTED, no reason");
    break;
  case PN_EVENT_REJECTED:
    if (ev->reason == PN_REASON_NONE) sim_fail("REJECTED without reason");
    if (!a->conn) sim_fail("REJECTED without a connection");
    break;
  case PN_EVENT_MESSAGE:
    if (!a->conn) sim_fail("MESSAGE without conn");
    if (ev->len && !ev->data) sim_fail("MESSAGE without data");
    break;
  case PN_EVENT_OVERFLOW:
    if (!a->conn) sim_fail("OVERFLOW without conn");
    break;
  case PN_EVENT_HANDSHAKE_PAYLOAD:
    if (!ev->data || !ev->len || ev->len > cfg->max_handshake_payload)
      sim_fail("HANDSHAKE_PAYLOAD of %zu bytes", ev->len);
    if (ev->peer.len) sim_fail("HANDSHAKE_PAYLOAD names a peer");
    if (ev->size >= PN_NOISE_MAX_MSGS) sim_fail("HANDSHAKE_PAYLOAD index");
    break;
  case PN_EVENT_CLOSED: /* the driver knows whether one may come */
  case PN_EVENT_LISTENING:
    break;
  default:
    sim_fail("unknown event %d", (int)ev->type);
  }
}
