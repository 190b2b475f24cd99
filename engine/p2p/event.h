/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * The event queue and the output side (pn_engine_poll). An event keeps only
 * its type, reasons and the slot it names; what the application reads (the
 * peer id, the hash, the message bytes) is taken from the slot when the
 * event is polled, which is why a DEAD slot waits for its events.
 */
#ifndef PN_EVENT_H
#define PN_EVENT_H

#include "engine_int.h"

/* Queues an event about |c| (NULL: the engine). Capacity is three per slot
 * plus engine events, each kind coalesced, so it is never full; a full
 * queue would be a bug and gives PN_ERR_INTERNAL. */
int pn_ev_push(pn_engine *e, pn_conn *c, int type, int reason,
               int remote_reason, uint64_t size);

#endif
