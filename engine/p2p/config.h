/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * The config with its defaults applied and checked (settings), and where
 * each part of the engine lives in its memory (layout). Both follow from
 * the config alone, so pn_engine_memsize and pn_engine_init agree.
 */
#ifndef PN_CONFIG_H
#define PN_CONFIG_H

#include "engine_int.h"

#define PN_DEFAULT_PROTOCOL "Noise_XX_25519_ChaChaPoly_BLAKE2b"

/* Room before the express receive buffer's data, for the header of the
 * first chunk decrypted in front of it (and after it, PN_NOISE_TAGLEN for
 * the tag of a chunk put together there before it is decrypted). */
enum { PN_XRX_HEAD = 16 };

typedef struct pn_settings {
  pn_protocol proto;
  uint32_t max_conns, max_hs, max_peers, block;
  uint64_t max_message, send_queue, budget;
  size_t hsp_out;
  uint32_t hsp_in;
  int needs_static;
} pn_settings;

/* Offsets from the start of the engine's memory. */
typedef struct pn_layout {
  size_t conns, free_conns, hss, route, heap, pos, ev, pool_next, rxs, txs,
      hsp_out, hsp_in, deliver, xrx, xtx, pool, total;
  size_t xrx_cap, xtx_cap;
  uint32_t route_size, ev_cap, nblocks, reserve;
} pn_layout;

/* |cfg| with defaults applied and checked: 0 or the error pn_engine_init
 * gives. */
int pn_settle(const pn_engine_config *cfg, pn_settings *st);
/* The layout for settled |st|. */
void pn_plan(const pn_settings *st, int profile, pn_layout *l);

#endif
