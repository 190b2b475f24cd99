/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * The receive path: pn_engine_recv takes bytes, puts frames together
 * (length prefix first, so a length over the limit is refused before any
 * body byte is kept), decrypts them and acts on each decoded frame.
 */
#ifndef PN_RX_H
#define PN_RX_H

#include "engine_int.h"

/* What handling one frame led to. */
enum pn_rx_result {
  PN_RX_OK,    /* go on */
  PN_RX_STOP,  /* an event holds the delivery buffer: take nothing more */
  PN_RX_STALL, /* no room to keep it now: the frame was not taken */
  PN_RX_CLOSED /* the connection is closing */
};

/* Forgets the message |c| is reassembling, wherever it is (a partial frame
 * in the express buffer stays if |keep_frame|). */
void pn_rx_reasm_drop(pn_engine *e, pn_conn *c, int keep_frame);

/* Makes the |len| bytes at |p| the MESSAGE (or HANDSHAKE_PAYLOAD) of the
 * next event, which receiving waits for. */
void pn_rx_hold(pn_engine *e, const uint8_t *p, size_t len);

#endif
