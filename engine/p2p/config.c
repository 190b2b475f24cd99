/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* Settings and layout (config.h). */
#include <string.h>

#include "config.h"
#include "frame.h"

static size_t align_up(size_t n) {
  return (n + PN_ENGINE_ALIGN - 1) & ~(size_t)(PN_ENGINE_ALIGN - 1);
}

static uint64_t blocks_for(uint64_t bytes, uint32_t block) {
  return (bytes + block - 1) / block;
}

/* One maximal frame, wherever it starts in a block. */
static uint32_t close_reserve_blocks(uint32_t block) {
  return (uint32_t)blocks_for(PN_FRAME_MAX_WIRE, block) + 1;
}

uint32_t pn_hs_blocks_max(const pn_settings *st) {
  uint64_t msg = PN_FRAME_LEN + pn_frame_handshake_max(&st->proto);
  /* In: one partial message at a time. Out: every message it writes may
   * still be queued, with every payload of ours. A queue starts at a
   * block's start when empty, so whole blocks bound each. */
  uint64_t in = msg + st->hsp_in;
  uint64_t out = (uint64_t)st->proto.nmsgs * msg + st->hsp_out;
  return (uint32_t)(blocks_for(in, st->block) + blocks_for(out, st->block));
}

int pn_settle(const pn_engine_config *cfg, pn_settings *st) {
  /* Version 1 is the only layout so far (engine.h, "ABI"). */
  if (!cfg || cfg->version != PN_ENGINE_CONFIG_VERSION)
    return PN_ERR_INVALID_ARGUMENT;
  const char *name = cfg->protocol ? cfg->protocol : PN_DEFAULT_PROTOCOL;
  int rc = pn_protocol_parse(&st->proto, name, strlen(name), PN_BACKEND_AUTO);
  if (rc != PN_OK) return rc;
  const pn_protocol *p = &st->proto;
  /* The engine speaks interactive patterns; fallback needs Noise Pipes. */
  if (p->one_way || p->fallback) return PN_ERR_INVALID_ARGUMENT;
  st->needs_static = 0;
  for (int role = PN_INITIATOR; role <= PN_RESPONDER; role++)
    if (pn_protocol_needs(p, (pn_role)role) & PN_NEED_LOCAL_STATIC)
      st->needs_static = 1;
  size_t dl = pn_protocol_dhlen(p);
  if (cfg->static_private && cfg->static_private_len != dl)
    return PN_ERR_INVALID_ARGUMENT;
  if (st->needs_static && !cfg->static_private) return PN_ERR_INVALID_ARGUMENT;
  if (p->npsk && (cfg->npsks < p->npsk || !cfg->psks))
    return PN_ERR_INVALID_ARGUMENT;
  if (cfg->npsks > PN_NOISE_MAX_PSKS || (cfg->npsks && !cfg->psks))
    return PN_ERR_INVALID_ARGUMENT;
  if (cfg->prologue_len > PN_ENGINE_MAX_PROLOGUE ||
      (cfg->prologue_len && !cfg->prologue))
    return PN_ERR_INVALID_ARGUMENT;
  if (cfg->profile != PN_PROFILE_FRAMED && cfg->profile != PN_PROFILE_PLAIN)
    return PN_ERR_INVALID_ARGUMENT;
  if (cfg->nhandshake_payloads > PN_NOISE_MAX_MSGS ||
      (cfg->nhandshake_payloads && !cfg->handshake_payloads) ||
      cfg->max_handshake_payload > PN_ENGINE_MAX_HANDSHAKE_PAYLOAD)
    return PN_ERR_INVALID_ARGUMENT;
  st->hsp_out = 0;
  for (size_t i = 0; i < cfg->nhandshake_payloads; i++) {
    const pn_bytes *b = &cfg->handshake_payloads[i];
    if (b->len > PN_ENGINE_MAX_HANDSHAKE_PAYLOAD || (b->len && !b->data))
      return PN_ERR_INVALID_ARGUMENT;
    st->hsp_out += b->len;
  }
  st->hsp_in = cfg->max_handshake_payload;
  if (cfg->overflow != PN_OVERFLOW_REJECT &&
      cfg->overflow != PN_OVERFLOW_DISCONNECT)
    return PN_ERR_INVALID_ARGUMENT;
  st->max_conns = cfg->max_conns ? cfg->max_conns : PN_ENGINE_DEFAULT_MAX_CONNS;
  st->max_hs = cfg->max_handshakes ? cfg->max_handshakes
                                   : PN_ENGINE_DEFAULT_MAX_HANDSHAKES;
  st->max_peers = cfg->max_peers ? cfg->max_peers : PN_ENGINE_DEFAULT_MAX_PEERS;
  if (st->max_conns > PN_ENGINE_MAX_CONNS) return PN_ERR_INVALID_ARGUMENT;
  if (st->max_hs > st->max_conns) st->max_hs = st->max_conns;
  if (st->max_peers > st->max_conns) st->max_peers = st->max_conns;
  if (cfg->profile == PN_PROFILE_PLAIN) {
    st->max_message =
        cfg->max_message ? cfg->max_message : PN_ENGINE_PLAIN_MAX_MESSAGE;
    if (st->max_message > PN_ENGINE_PLAIN_MAX_MESSAGE)
      return PN_ERR_INVALID_ARGUMENT;
  } else {
    st->max_message =
        cfg->max_message ? cfg->max_message : PN_ENGINE_DEFAULT_MAX_MESSAGE;
    if (st->max_message > UINT32_MAX) return PN_ERR_INVALID_ARGUMENT;
  }
  uint64_t wire_max = pn_frame_wire_size(st->max_message) + PN_SEND_QUEUE_SLACK;
  st->send_queue = cfg->send_queue ? cfg->send_queue
                   : wire_max > PN_ENGINE_DEFAULT_SEND_QUEUE
                       ? wire_max
                       : PN_ENGINE_DEFAULT_SEND_QUEUE;
  if (st->send_queue < wire_max || st->send_queue > UINT32_MAX)
    return PN_ERR_INVALID_ARGUMENT;
  st->block = cfg->pool_block ? cfg->pool_block : PN_ENGINE_DEFAULT_POOL_BLOCK;
  if (st->block < PN_ENGINE_MIN_POOL_BLOCK ||
      st->block > PN_ENGINE_MAX_POOL_BLOCK)
    return PN_ERR_INVALID_ARGUMENT;
  /* The pool must hold both reserves and one maximal message. */
  uint64_t need = close_reserve_blocks(st->block) +
                  (uint64_t)st->max_hs * pn_hs_blocks_max(st) +
                  (wire_max + st->block - 1) / st->block + 1;
  uint64_t dbudget = PN_ENGINE_DEFAULT_POOL_BUDGET;
  if (dbudget < 4 * need * st->block) dbudget = 4 * need * st->block;
  st->budget = cfg->pool_budget ? cfg->pool_budget : dbudget;
  if (st->budget / st->block < need || st->budget / st->block > UINT32_MAX / 2)
    return PN_ERR_INVALID_ARGUMENT;
  return PN_OK;
}

void pn_plan(const pn_settings *st, int profile, pn_layout *l) {
  size_t off = align_up(sizeof(struct pn_engine));
  uint32_t c = st->max_conns;
  l->route_size = pn_route_size(c);
  l->ev_cap = 3 * c + 8;
  l->nblocks = (uint32_t)(st->budget / st->block);
  l->close_reserve = close_reserve_blocks(st->block);
  l->hs_reserve = st->max_hs * pn_hs_blocks_max(st);
#define PLACE(field, bytes)                                                    \
  do {                                                                         \
    l->field = off;                                                            \
    off = align_up(off + (bytes));                                             \
  } while (0)
  PLACE(conns, (size_t)c * sizeof(pn_conn));
  PLACE(free_conns, (size_t)c * sizeof(uint32_t));
  PLACE(hss, (size_t)st->max_hs * sizeof(pn_hslot));
  PLACE(route, (size_t)l->route_size * sizeof(uint32_t));
  PLACE(heap, (size_t)c * sizeof(pn_heap_ent));
  PLACE(pos, (size_t)c * sizeof(pn_heap_pos));
  PLACE(ev, (size_t)l->ev_cap * sizeof(pn_evq_ent));
  PLACE(pool_next, pn_pool_meta_size(l->nblocks));
  PLACE(rxs, PN_NOISE_MAX_MSG + PN_SCRATCH_SLACK);
  PLACE(txs, PN_NOISE_MAX_MSG + PN_SCRATCH_SLACK);
  PLACE(hsp_out, st->hsp_out);
  PLACE(hsp_in, st->hsp_in);
  /* Chunked messages are delivered contiguous from here; the plain profile
   * delivers straight from the decryption buffer. */
  PLACE(deliver, profile == PN_PROFILE_PLAIN ? 0 : (size_t)st->max_message);
  /* The express buffers (see struct pn_engine): a chunked message's data
   * after PN_XRX_HEAD bytes of room for the first chunk's header, and one
   * maximal message in wire form. */
  l->xrx_cap = profile == PN_PROFILE_PLAIN ? 0 : (size_t)st->max_message;
  PLACE(xrx, l->xrx_cap ? PN_XRX_HEAD + l->xrx_cap + PN_NOISE_TAGLEN : 0);
  l->xtx_cap = profile == PN_PROFILE_PLAIN
                   ? (size_t)st->max_message + PN_FRAME_LEN + PN_NOISE_TAGLEN
                   : (size_t)pn_frame_wire_size(st->max_message);
  PLACE(xtx, l->xtx_cap);
  PLACE(pool, (size_t)l->nblocks * st->block);
#undef PLACE
  l->total = off;
}

/* see engine.h */
void pn_engine_config_default_versioned(int version, pn_engine_config *cfg) {
  /* A version this library does not know gets nothing written: its
   * pn_engine_init then fails with PN_ERR_INVALID_ARGUMENT. */
  if (!cfg || version != PN_ENGINE_CONFIG_VERSION) return;
  memset(cfg, 0, sizeof *cfg);
  cfg->version = PN_ENGINE_CONFIG_VERSION;
  cfg->protocol = PN_DEFAULT_PROTOCOL;
}

int pn_engine_config_check(const pn_engine_config *cfg) {
  pn_settings st;
  return pn_settle(cfg, &st);
}

/* see engine.h */
size_t pn_engine_memsize(const pn_engine_config *cfg) {
  pn_settings st;
  pn_layout l;
  if (pn_settle(cfg, &st) != PN_OK) return 0;
  pn_plan(&st, cfg->profile, &l);
  return l.total;
}
