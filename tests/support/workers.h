/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * Two worker threads for the hygiene tests: the objects under test move
 * between them job by job, and they stay alive (waiting) while the main
 * thread scans memory, so every dead frame of their stacks is there to be
 * seen (glibc discards most of an exited thread's stack).
 */
#ifndef PN_WORKERS_H
#define PN_WORKERS_H

/* Starts both workers: 0, or -1. */
int workers_start(void);
/* Runs |job|(|arg|) on worker |i| (0 or 1) and waits for it. */
void on_worker(int i, void *(*job)(void *), void *arg);
/* Stops and joins both. */
void workers_stop(void);

#endif
