/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * Harness 5: two real engines over a fuzzed network.
 *
 * Engines A and B hold 1 to 3 connections with each other (either side
 * dials; anonymous patterns, so each connection is its own peer and none is
 * a duplicate; XX gets one connection). The input sends numbered messages
 * both ways (sizes across the chunk boundary), rekeys, broadcasts, and runs
 * the network: it acks sends in part or in full, delivers the bytes of a
 * direction in pieces of its choosing (coalescing several sends), lets time
 * pass, and may flip one byte in flight.
 *
 * With flag 64 one more link, the victim, is served promptly by the harness
 * and must deliver every message in the step it was sent and stay up,
 * whatever the other links do (pa_victim).
 *
 * Checks, on top of those of the manual simulator (sim_check.c): every MESSAGE
 * is the next one sent on that connection in that direction, with the bytes
 * sent (never lost, duplicated, reordered or altered). Once the network is
 * drained, every message accepted by pn_engine_send on a connection whose bytes
 * were never corrupted was delivered, and such a connection is still up unless
 * it ended for a reason delays or the small pool explain (timeouts, a handshake
 * without a buffer, the remote's answer to those). A corrupted connection ends
 * on both sides, with a reason, after enough time; the others go on. Then
 * shutdown leaves nothing behind.
 */
#include <string.h>

#include <p2pnoise/engine.h>

#include "fdp.h"
#include "fuzz_common.h"
#include "sim.h"

static const char *const pa_protos[] = {
    "Noise_NN_25519_ChaChaPoly_BLAKE2b", "Noise_NNpsk0_25519_AESGCM_SHA256",
    "Noise_NN_25519_ChaChaPoly_SHA512", "Noise_XX_25519_ChaChaPoly_BLAKE2b"};
enum { PA_NPROTOS = sizeof pa_protos / sizeof pa_protos[0], PA_HDR = 6 };
static const uint8_t pa_psk[1][32] = {{9, 9, 9}};

typedef struct pa_dir {
  uint32_t sent, got; /* messages accepted by send / delivered */
} pa_dir;

typedef struct pa_state {
  pa_dir dir[SIM_MAN_MAX_LINKS][2]; /* [link][sending side] */
  int payloads;                     /* engines send handshake payloads */
  int nmsgs;                        /* handshake messages of the pattern */
  uint32_t hsp_got[SIM_MAN_MAX_LINKS][2]; /* handshake payloads read per side */
  int end_reason[SIM_MAN_MAX_LINKS][2];   /* why side's end was reported */
  int end_remote[SIM_MAN_MAX_LINKS][2];
} pa_state;

static pa_state pa;
static uint8_t pa_msg[70000];

/* One byte value per message: filled and checked with memset/memcmp, which
 * keeps the per-byte loops (and their coverage hooks) out of the way. */
static uint8_t pa_fill(uint32_t seq, int li, int side) {
  return (uint8_t)(seq * 7 + (uint32_t)li * 13 + (uint32_t)side * 101 + 1);
}
static uint8_t pa_want[70000];

/* Engine |node|'s handshake payload for message |k|: its length and byte. */
static size_t pa_hsp_len(int node, int k) {
  return (size_t)(k * 37 + node * 11) % 200 + 1;
}
static uint8_t pa_hsp_byte(int node, int k) {
  return (uint8_t)(k + node * 5 + 1);
}
static uint8_t pa_hsp[2][PN_NOISE_MAX_MSGS][256];

static void pa_hook(sim_man *net, int node, const pn_action *a) {
  if (a->type != PN_ACTION_EVENT || !a->conn) return;
  sim_man_rec *r = sim_man_find(&net->n[node], a->conn);
  if (!r) return;
  int li = r->link, side = r->side;
  sim_event fe;
  sim_event_view(&a->event, &fe);
  const sim_event *ev = &fe;
  if (ev->type == PN_EVENT_PEER_DISCONNECTED || ev->type == PN_EVENT_REJECTED) {
    if (!pa.end_reason[li][side]) {
      pa.end_reason[li][side] = ev->reason;
      pa.end_remote[li][side] = ev->remote_reason;
    }
    return;
  }
  /* A send that did not fit (queue or pool) is the application's to
   * handle; an inbound one cannot happen: no message is too large. */
  if (ev->type == PN_EVENT_OVERFLOW &&
      ev->reason == PN_REASON_MESSAGE_TOO_LARGE)
    check_fail("OVERFLOW: no message is too large");
  if (ev->type == PN_EVENT_HANDSHAKE_PAYLOAD) {
    /* The dialler (side 0) initiates and writes the even messages. */
    int k = (int)ev->size, from = 1 - node;
    if (!pa.payloads || k >= pa.nmsgs || (k % 2 == 0) != (side == 1))
      check_fail("handshake payload %d on side %d", k, side);
    size_t want = pa_hsp_len(from, k);
    memset(pa_want, pa_hsp_byte(from, k), want);
    /* A flipped byte shows in a message in clear (the handshake hash then
     * fails a later one), and the stand-in AEAD of the fuzzing build can
     * be forged: a corrupted link proves nothing. */
    int hit = net->l[li].pipe[0].corrupted || net->l[li].pipe[1].corrupted;
    if (!hit && (ev->len != want || memcmp(ev->data, pa_want, want) != 0))
      check_fail("handshake payload %d altered", k);
    pa.hsp_got[li][side]++;
    return;
  }
  if (ev->type == PN_EVENT_PEER_CONNECTED) {
    /* Every message the other side wrote carried its payload. */
    uint32_t want =
        side ? (uint32_t)(pa.nmsgs + 1) / 2 : (uint32_t)pa.nmsgs / 2;
    int hit = net->l[li].pipe[0].corrupted || net->l[li].pipe[1].corrupted;
    if (pa.payloads && !hit && pa.hsp_got[li][side] != want)
      check_fail("%u handshake payloads before CONNECTED, want %u",
                 pa.hsp_got[li][side], want);
    return;
  }
  if (ev->type != PN_EVENT_MESSAGE) return;
  /* From the other side of the same link: the next one, intact. */
  pa_dir *d = &pa.dir[li][1 - side];
  if (ev->len < PA_HDR) check_fail("short message");
  uint32_t seq = (uint32_t)ev->data[0] << 24 | (uint32_t)ev->data[1] << 16 |
                 (uint32_t)ev->data[2] << 8 | ev->data[3];
  if (ev->data[4] != li || ev->data[5] != 1 - side)
    check_fail("message for another connection");
  if (seq != d->got) check_fail("message %u, expected %u", seq, d->got);
  if (seq >= d->sent) check_fail("message never sent");
  memset(pa_want, pa_fill(seq, li, 1 - side), ev->len - PA_HDR);
  if (memcmp(ev->data + PA_HDR, pa_want, ev->len - PA_HDR) != 0)
    check_fail("message bytes altered");
  d->got++;
}

/* A reason a connection may end for without corruption: delays and the
 * harness's own calls explain these. */
static int pa_benign(int reason, int remote) {
  switch (reason) {
  case PN_REASON_LOCAL:
  case PN_REASON_SHUTDOWN:
  case PN_REASON_HANDSHAKE_TIMEOUT:
  case PN_REASON_IDLE_TIMEOUT:
  case PN_REASON_TRANSPORT_CLOSED:
  case PN_REASON_MEMORY_PRESSURE: /* the pool was short */
  case PN_REASON_SEND_TIMEOUT:    /* the harness stalled a side's writes */
  case PN_REASON_RECEIVE_STALLED: /* ... or its reads */
  case PN_REASON_REKEY_FLOOD:     /* the harness asked for many rekeys */
    return 1;
  case PN_REASON_REMOTE_CLOSED:
    return pa_benign(remote, 0) && remote != PN_REASON_TRANSPORT_CLOSED;
  default:
    return 0;
  }
}

static void pa_send(sim_man *net, int li, int side, size_t len) {
  sim_man_link *l = &net->l[li];
  int node = l->node[side];
  sim_man_rec *r =
      l->conn[side] ? sim_man_find(&net->n[node], l->conn[side]) : NULL;
  if (!r || !r->connected) return;
  pa_dir *d = &pa.dir[li][side];
  if (len < PA_HDR) len = PA_HDR;
  pa_msg[0] = (uint8_t)(d->sent >> 24);
  pa_msg[1] = (uint8_t)(d->sent >> 16);
  pa_msg[2] = (uint8_t)(d->sent >> 8);
  pa_msg[3] = (uint8_t)d->sent;
  pa_msg[4] = (uint8_t)li;
  pa_msg[5] = (uint8_t)side;
  memset(pa_msg + PA_HDR, pa_fill(d->sent, li, side), len - PA_HDR);
  int rc = pn_engine_send(net->n[node].e, &r->peer, pa_msg, len, net->now);
  if (rc == PN_OK)
    d->sent++;
  else if (rc != PN_ERR_NOT_FOUND && rc != PN_ERR_OVERFLOW &&
           rc != PN_ERR_MSG_TOO_LARGE)
    check_fail("send: %s", pn_strerror(rc));
  sim_man_poll(net, node, 0);
}

/* The victim link (flag 64): served promptly by the harness, one small
 * message each way per step, never touched by the input's operations. What
 * the other links do (floods, stalls, large messages, a small pool) must
 * never make it fail or stall: each message arrives in the step it was
 * sent, and the link stays up. */
static int pa_conn_up(sim_man *net, int li, int side) {
  sim_man_link *l = &net->l[li];
  sim_man_rec *r = l->conn[side]
                       ? sim_man_find(&net->n[l->node[side]], l->conn[side])
                       : NULL;
  return r && r->connected;
}

static void pa_victim(sim_man *net, int vl) {
  for (int s = 0; s < 2; s++)
    if (pa_conn_up(net, vl, s)) {
      uint32_t before = pa.dir[vl][s].sent;
      pa_send(net, vl, s, 100);
      if (pa.dir[vl][s].sent == before) check_fail("victim: send refused");
    }
  for (int k = 0; k < 8; k++)
    for (int s = 0; s < 2; s++) {
      sim_man_writable(net, vl, s);
      sim_man_ack(net, vl, s, SIZE_MAX);
      sim_man_deliver(net, vl, s, SIZE_MAX);
    }
  for (int s = 0; s < 2; s++) {
    if (pa.end_reason[vl][s])
      check_fail("victim: side %d ended for reason %d (remote %d)", s,
                 pa.end_reason[vl][s], pa.end_remote[vl][s]);
    if (!pa_conn_up(net, vl, s)) check_fail("victim: handshake stalled");
    if (pa.dir[vl][s].got != pa.dir[vl][s].sent)
      check_fail("victim: %u of %u messages from side %d arrived",
                 pa.dir[vl][s].got, pa.dir[vl][s].sent, s);
  }
}

/* The operations, shared by the harness and its seed writer. The checked-in
 * corpora and regressions decode through these numbers: adding, removing or
 * reordering one remaps every input. */
typedef enum pa_op {
  PA_OP_SEND,
  PA_OP_SEND2, /* the same: sends twice as likely */
  PA_OP_ACK,
  PA_OP_DELIVER,
  PA_OP_DELIVER2, /* the same: deliveries twice as likely */
  PA_OP_TIME,
  PA_OP_REKEY,
  PA_OP_PUMP,
  PA_OP_BURST,   /* several messages in a row, coalesced on the wire */
  PA_OP_TRICKLE, /* the rest of this direction, a few bytes at a time */
  PA_OP_COUNT
} pa_op;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  pn_fdp in;
  pn_fdp_init(&in, data, size);
  static sim_man net;
  memset(&net, 0, sizeof net);
  memset(&pa, 0, sizeof pa);
  net.now = 1000 * PN_SEC;
  net.nn = 2;
  net.hook = pa_hook;

  uint8_t flags = pn_fdp_u8(&in);
  int proto = (int)pn_fdp_range(&in, 0, PA_NPROTOS - 1);
  int nlinks = proto == 3 ? 1 : (int)pn_fdp_range(&in, 1, 3);
  uint64_t slack = pn_fdp_range(&in, 0, 255);
  uint64_t seed = pn_fdp_u64(&in);
  pn_engine_config cfg;
  pn_engine_config_default(&cfg);
  cfg.protocol = pa_protos[proto];
  cfg.profile = (flags & 1) ? PN_PROFILE_PLAIN : PN_PROFILE_FRAMED;
  cfg.pool_block = (flags & 2) ? 256 : 0;
  cfg.keepalive_interval = (flags & 4) ? 500 * PN_MSEC : 0;
  cfg.rekey_interval = (flags & 8) ? 700 * PN_MSEC : 0;
  cfg.rekey_messages = (flags & 16) ? 3 : 0;
  cfg.max_message = 70000;
  if (cfg.profile == PN_PROFILE_PLAIN) cfg.max_message = 0;
  cfg.psks = pa_psk;
  cfg.npsks = proto == 1;
  pn_protocol pp;
  if (pn_protocol_parse(&pp, cfg.protocol, strlen(cfg.protocol),
                        PN_BACKEND_AUTO) != PN_OK)
    return 0; /* a build without this suite */
  pa.nmsgs = pp.nmsgs;
  pa.payloads = (flags & 32) != 0;
  pn_bytes hsp[2][PN_NOISE_MAX_MSGS];
  for (int i = 0; i < 2; i++) {
    sim_man_node *x = &net.n[i];
    x->cfg = cfg;
    if (pa.payloads) {
      for (int k = 0; k < PN_NOISE_MAX_MSGS; k++) {
        memset(pa_hsp[i][k], pa_hsp_byte(i, k), pa_hsp_len(i, k));
        hsp[i][k].data = pa_hsp[i][k];
        hsp[i][k].len = pa_hsp_len(i, k);
      }
      x->cfg.handshake_payloads = hsp[i];
      x->cfg.nhandshake_payloads = PN_NOISE_MAX_MSGS;
      x->cfg.max_handshake_payload = 256;
    }
    x->rng.x = seed * 2 + (uint64_t)i;
    for (int k = 0; k < 32; k++)
      x->priv[k] = (uint8_t)(k * 7 + i * 3 + (uint8_t)seed);
    x->cfg.static_private = x->priv;
    x->cfg.static_private_len = 32;
    x->cfg.rng.fill = pn_prng_rng_fill;
    x->cfg.rng.user = &x->rng;
    uint64_t block = cfg.pool_block ? cfg.pool_block : 4096;
    x->cfg.pool_budget = sim_man_small_budget(&x->cfg) + slack * block;
    if (pn_engine_new(&x->e, &x->cfg, net.now) != PN_OK)
      check_fail("pn_engine_new");
    pn_engine_local_id(x->e, &x->id);
    sim_watch_input(&x->w, net.now);
  }
  for (int i = 0; i < nlinks; i++) {
    int a = pn_fdp_bool(&in);
    int li = sim_man_link_new(&net, a, 1 - a);
    if (sim_man_open(&net, a, li, 0, NULL) != PN_OK ||
        sim_man_open(&net, 1 - a, li, 1, NULL) != PN_OK)
      check_fail("conn_open");
    sim_man_poll_all(&net);
  }
  /* The victim: anonymous patterns only, so it is a peer of its own. */
  int vl = -1;
  if ((flags & 64) && proto != 3) {
    vl = sim_man_link_new(&net, 0, 1);
    if (sim_man_open(&net, 0, vl, 0, NULL) != PN_OK ||
        sim_man_open(&net, 1, vl, 1, NULL) != PN_OK)
      check_fail("conn_open");
    sim_man_poll_all(&net);
  }
  /* Corruption: one byte of one direction of one link. */
  int corrupt = (flags & 0x80) != 0;
  if (corrupt) {
    int li = (int)pn_fdp_range(&in, 0, (uint64_t)nlinks - 1);
    sim_man_pipe *p = &net.l[li].pipe[pn_fdp_bool(&in)];
    p->corrupt_at = pn_fdp_range(&in, 0, 4000);
    p->corrupt_xor = (uint8_t)pn_fdp_range(&in, 1, 255);
  }

  static const size_t lens[] = {PA_HDR, 100, 65513, 65514, 65515, 70000};
  while (pn_fdp_remaining(&in)) {
    pa_op op = (pa_op)pn_fdp_range(&in, 0, PA_OP_COUNT - 1);
    int li = (int)pn_fdp_range(&in, 0, (uint64_t)nlinks - 1);
    int side = pn_fdp_bool(&in);
    switch (op) {
    case PA_OP_SEND:
    case PA_OP_SEND2: {
      size_t len = lens[pn_fdp_range(&in, 0, 5)];
      if (cfg.profile == PN_PROFILE_PLAIN && len > 65519) len = 65519;
      pa_send(&net, li, side, len);
      break;
    }
    case PA_OP_ACK:
      sim_man_ack(&net, li, side,
                  pn_fdp_bool(&in) ? SIZE_MAX
                                   : (size_t)pn_fdp_range(&in, 0, 2000));
      break;
    case PA_OP_DELIVER:
    case PA_OP_DELIVER2:
      sim_man_deliver(&net, li, side,
                      pn_fdp_bool(&in) ? SIZE_MAX
                                       : (size_t)pn_fdp_range(&in, 1, 3000));
      break;
    case PA_OP_TIME: { /* short steps: the timers live through them */
      static const pn_time steps[] = {PN_MSEC, 50 * PN_MSEC, 400 * PN_MSEC,
                                      2 * PN_SEC};
      net.now += steps[pn_fdp_range(&in, 0, 3)];
      sim_man_tick(&net, 0, net.now);
      sim_man_tick(&net, 1, net.now);
      break;
    }
    case PA_OP_REKEY: {
      sim_man_link *l = &net.l[li];
      sim_man_rec *r = l->conn[side]
                           ? sim_man_find(&net.n[l->node[side]], l->conn[side])
                           : NULL;
      if (r && r->connected) {
        int rc = pn_engine_rekey(net.n[l->node[side]].e, &r->peer, net.now);
        if (rc != PN_OK && rc != PN_ERR_INVALID_STATE && rc != PN_ERR_NOT_FOUND)
          check_fail("rekey: %s", pn_strerror(rc));
        sim_man_poll(&net, l->node[side], 0);
      }
      break;
    }
    case PA_OP_PUMP:
      sim_man_pump(&net);
      break;
    case PA_OP_BURST:
      for (int k = 0; k < 4; k++)
        pa_send(&net, li, side, 50 + 1000 * (size_t)k);
      break;
    case PA_OP_TRICKLE:
    case PA_OP_COUNT:
      for (int k = 0; k < 8; k++) {
        sim_man_ack(&net, li, side, 7);
        sim_man_deliver(&net, li, side, 5);
      }
      break;
    }
    if (vl >= 0) pa_victim(&net, vl);
  }

  /* Drain without time: every message sent on an intact, live connection
   * arrives. */
  sim_man_pump(&net);
  for (int li = 0; li < nlinks; li++) {
    sim_man_link *l = &net.l[li];
    int hit = l->pipe[0].corrupted || l->pipe[1].corrupted;
    if (hit) continue;
    for (int s = 0; s < 2; s++) {
      if (pa.end_reason[li][s] &&
          !pa_benign(pa.end_reason[li][s], pa.end_remote[li][s]))
        check_fail("link %d side %d ended for reason %d (remote %d) without "
                   "corruption",
                   li, s, pa.end_reason[li][s], pa.end_remote[li][s]);
    }
    int up = l->conn[0] && l->conn[1] && !pa.end_reason[li][0] &&
             !pa.end_reason[li][1];
    if (up)
      for (int s = 0; s < 2; s++)
        if (pa.dir[li][s].got != pa.dir[li][s].sent) {
          pn_engine_mem m0, m1;
          pn_engine_memory(net.n[0].e, &m0);
          pn_engine_memory(net.n[1].e, &m1);
          check_fail("link %d: %u of %u messages arrived (pool in use %zu/%zu, "
                     "%zu/%zu)",
                     li, pa.dir[li][s].got, pa.dir[li][s].sent, m0.pool_in_use,
                     m0.pool_budget, m1.pool_in_use, m1.pool_budget);
        }
  }

  /* Then enough time for a corrupted stream to be noticed (idle timeout at
   * the latest): it ends on both sides with a reason. */
  int hit_up = 0;
  for (int li = 0; li < nlinks; li++)
    hit_up |= (net.l[li].pipe[0].corrupted || net.l[li].pipe[1].corrupted) &&
              (net.l[li].conn[0] || net.l[li].conn[1]);
  if (hit_up) sim_man_run_until(&net, net.now + 130 * PN_SEC);
  for (int li = 0; li < nlinks; li++) {
    sim_man_link *l = &net.l[li];
    if (!(l->pipe[0].corrupted || l->pipe[1].corrupted)) continue;
    for (int s = 0; s < 2; s++) {
      if (l->conn[s] && !pa.end_reason[li][s])
        check_fail("link %d side %d: still up after corruption", li, s);
    }
  }
  sim_man_finish(&net);
  sim_man_free(&net);
  return 0;
}

/* ---- Seeds: three connections, traffic both ways ------------------------ */

static void w_op(pn_fdw *w, pa_op op, int nlinks, int li, int side) {
  pn_fdw_range(w, 0, PA_OP_COUNT - 1, (uint64_t)op);
  pn_fdw_range(w, 0, (uint64_t)nlinks - 1, (uint64_t)li);
  pn_fdw_range(w, 0, 1, (uint64_t)side);
}

int pn_fuzz_write_seeds(const char *dir) {
  int n = 0;
  for (int i = 0; i < 12; i++) {
    pn_fdw w = {0};
    int proto = i % PA_NPROTOS, nlinks = proto == 3 ? 1 : 3;
    int flags = (i / 4) % 2 /* plain */ | (i % 3 == 0 ? 4 | 8 | 16 : 0) |
                (i >= 9 ? 0x80 : 0) | (i % 2 ? 64 : 0) /* a victim */;
    pn_fdw_range(&w, 0, 255, (uint64_t)flags);
    pn_fdw_range(&w, 0, PA_NPROTOS - 1, (uint64_t)proto);
    if (proto != 3) pn_fdw_range(&w, 1, 3, 3);
    pn_fdw_range(&w, 0, 255, (uint64_t)(i * 20));
    pn_fdw_range(&w, 0, UINT64_MAX, 77 + (uint64_t)i);
    for (int k = 0; k < nlinks; k++)
      pn_fdw_range(&w, 0, 1, (uint64_t)(k & 1));
    if (flags & 0x80) {
      pn_fdw_range(&w, 0, (uint64_t)nlinks - 1, 0);
      pn_fdw_range(&w, 0, 1, (uint64_t)(i & 1));
      pn_fdw_range(&w, 0, 4000,
                   (uint64_t)(i * 300)); /* in the handshake or later */
      pn_fdw_range(&w, 1, 255, 0x10);
    }
    w_op(&w, PA_OP_PUMP, nlinks, 0, 0); /* handshakes */
    for (int k = 0; k < 6; k++) {
      int li = k % nlinks, side = (k + i) & 1;
      w_op(&w, PA_OP_SEND, nlinks, li, side);
      pn_fdw_range(&w, 0, 5, (uint64_t)((k + i) % 6));
      w_op(&w, PA_OP_BURST, nlinks, li, 1 - side);
      w_op(&w, PA_OP_ACK, nlinks, li, side); /* partial */
      pn_fdw_range(&w, 0, 1, 0);
      pn_fdw_range(&w, 0, 2000, 333);
      w_op(&w, PA_OP_DELIVER, nlinks, li, side); /* a piece */
      pn_fdw_range(&w, 0, 1, 0);
      pn_fdw_range(&w, 1, 3000, 17);
      w_op(&w, PA_OP_TRICKLE, nlinks, li, side);
      w_op(&w, PA_OP_TIME, nlinks, 0, 0);
      pn_fdw_range(&w, 0, 3, (uint64_t)(k % 4));
      if (k == 3) w_op(&w, PA_OP_REKEY, nlinks, li, side);
    }
    w_op(&w, PA_OP_PUMP, nlinks, 0, 0);
    char name[32];
    snprintf(name, sizeof name, "seed-%02d", i);
    int bad = w.oom || pn_fuzz_save(dir, name, w.buf, w.len) != 0;
    pn_fdw_free(&w);
    if (bad) return -1;
    n++;
  }
  return n;
}
