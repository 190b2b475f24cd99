/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * The protocol timers, named after the events that drive them, over the
 * deadline heap (heap.h): one heap entry per connection, the earliest of its
 * timers. The rules are listed at the top of timers.c.
 */
#ifndef PN_TIMERS_H
#define PN_TIMERS_H

#include "engine_int.h"

void pn_timers_handshake_started(pn_engine *e, pn_conn *c);
void pn_timers_session_started(pn_engine *e, pn_conn *c);
void pn_timers_any_frame_queued(pn_engine *e, pn_conn *c);
void pn_timers_authenticated_received(pn_engine *e, pn_conn *c);
void pn_timers_key_rotated(pn_engine *e, pn_conn *c);
/* Closing began for |reason|: linger bounds it (a duplicate waits longer,
 * while the peer moves to the survivor). */
void pn_timers_close_started(pn_engine *e, pn_conn *c, int reason);
void pn_timers_duplicate_closed_by_peer(pn_engine *e, pn_conn *c);

/* Lowers |c|'s heap entry to its next deadline (a later one is picked up
 * when the early one fires). */
void pn_timers_resched(pn_engine *e, pn_conn *c);

/* The time of a timer of |interval| that failed now (no room to queue its
 * frame) set back so that it fires again soon, never at once. */
pn_time pn_timers_retry_base(const pn_engine *e, pn_time interval);

/* How long either side of a duplicate waits for the switch. */
pn_time pn_timers_dup_wait(const pn_engine *e);

#endif
