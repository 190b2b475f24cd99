/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* Shared by the benchmark's sections. */
#ifndef PN_BENCH_H
#define PN_BENCH_H

#include <unistd.h>

typedef void (*bench_fn)(void *ctx);

double bench_now(void);
/* Best seconds per op of a reference and a subject, timed in alternation. */
void bench_pair(bench_fn ref, void *rctx, bench_fn sub, void *sctx,
                double *ref_s, double *sub_s);
double bench_one(bench_fn fn, void *ctx);
int bench_is_quick(void);
/* Records a "name value" line. */
void bench_figure(const char *name, double value);
void bench_die(const char *what, int rc);

void bench_handshakes(void);
void bench_aead(void);
void bench_attack(void);

#endif
