/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * The express buffers (PROTOCOL.md, "Express buffers"): one max_message
 * each, lent to one connection at a time, so bulk messages skip the pool
 * and most copies.
 *
 * Receive: a frame is decrypted where its data is to be delivered from.
 * Since a frame's type is encrypted, a full-size frame that may start a
 * chunked message is decrypted into the free express buffer in case it
 * does, and each later chunk of that message right after the data already
 * there (its one-byte header over the last data byte, put back after).
 * Send: a connection's output is encrypted straight into the free express
 * buffer and handed out as one SEND; its pool queue only ever follows it.
 * Connections that find a buffer lent use the pool instead.
 */
#ifndef PN_EXPRESS_H
#define PN_EXPRESS_H

#include "engine_int.h"

/* ---- Receive ------------------------------------------------------------- */

/* Where |c|'s next whole frame of |n| ciphertext bytes is put together and
 * decrypted: in the express buffer, or the scratch buffer e->rxs. Pair with
 * pn_xrx_frame_done. */
uint8_t *pn_xrx_frame_dest(pn_engine *e, pn_conn *c, size_t n);
/* The frame decrypted at |dst| was handled (or failed): puts back what its
 * header overlaid, and returns the buffer if |c| did not keep a message
 * there. */
void pn_xrx_frame_done(pn_engine *e, pn_conn *c, uint8_t *dst);

/* |c|'s partial frame in the express buffer: its start and, in *have, the
 * bytes so far; NULL if it has none there. */
uint8_t *pn_xrx_partial(pn_engine *e, const pn_conn *c, size_t *have);
/* Starts a partial frame of |c| (|n| bytes expected) in the express buffer
 * if that is where it goes: its start, or NULL (use the pool). */
uint8_t *pn_xrx_partial_start(pn_engine *e, pn_conn *c, size_t n);
/* |n| more bytes of the partial frame arrived at its end. */
void pn_xrx_partial_add(pn_engine *e, size_t n);
/* The partial frame is whole: its start, and what it overlays is kept for
 * pn_xrx_frame_done. */
uint8_t *pn_xrx_partial_finish(pn_engine *e);

/* A first chunk's |len| data bytes at |data|: keeps the message in the
 * express buffer when they were decrypted there (1), else 0. */
int pn_xrx_start_message(pn_engine *e, pn_conn *c, const uint8_t *data,
                         size_t len);
/* 1 if |c|'s message is being reassembled in the express buffer; *have is
 * its bytes so far. */
int pn_xrx_reassembling(const pn_engine *e, const pn_conn *c, size_t *have);
/* Adds a later chunk's bytes (in place already, or copied); returns the
 * whole message's start once it is complete (the buffer is then free again
 * but holds the message until it is polled), else NULL. */
const uint8_t *pn_xrx_add(pn_engine *e, const uint8_t *data, size_t len,
                          size_t total);
/* Returns the buffer; a partial frame of |c| put together there stays
 * (|c| keeps it until the frame is whole) if |keep_frame|. */
void pn_xrx_drop(pn_engine *e, const pn_conn *c, int keep_frame);

/* ---- Send ---------------------------------------------------------------- */

/* Where |wire| more bytes of |c|'s output go when the express buffer can
 * take them (free or already |c|'s, and nothing of |c| in its pool queue):
 * claimed for |c|; else NULL. */
uint8_t *pn_xtx_claim(pn_engine *e, pn_conn *c, size_t wire);
/* Where the next frame of the claimed buffer's owner goes. */
uint8_t *pn_xtx_tail(pn_engine *e);
/* |n| bytes were encrypted at the tail. */
void pn_xtx_added(pn_engine *e, size_t n);
/* |c|'s bytes waiting in the express buffer (0 if it is not |c|'s). */
size_t pn_xtx_queued(const pn_engine *e, const pn_conn *c);
/* The unacked bytes of |c|'s express output; NULL if none. */
const uint8_t *pn_xtx_front(const pn_engine *e, const pn_conn *c, size_t *n);
/* |n| bytes of it were written; the buffer is free once all are. */
void pn_xtx_ack(pn_engine *e, size_t n);
void pn_xtx_release(pn_engine *e);

#endif
