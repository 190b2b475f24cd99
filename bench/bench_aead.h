/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* Raw AEAD references, shared by the AEAD and transport sections. */
#ifndef PN_BENCH_AEAD_H
#define PN_BENCH_AEAD_H

#include <stddef.h>

#include "bench.h"

typedef struct raw_aead raw_aead;

/* NULL when |lib| lacks |cipher| here. */
raw_aead *raw_aead_new(int lib, int cipher, size_t size);
void raw_aead_free(raw_aead *r);
bench_fn raw_aead_fn(void);
double raw_aead_best(int cipher, size_t size, int *lib);

#endif
