/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * Looks for byte strings (keys) in every writable mapping of the process
 * (/proc/self/maps): heap, every thread stack (glibc keeps the stacks of
 * exited threads mapped), the libraries' data, anonymous maps. Only
 * resident pages are read (mincore): a page never touched holds nothing.
 * The needles themselves live in a private page the scan skips.
 */
#ifndef PN_MEMSCAN_H
#define PN_MEMSCAN_H

#include <stddef.h>
#include <stdint.h>

enum {
  MEMSCAN_MAX_NEEDLES = 256,
  MEMSCAN_MAX_LEN = 64,
  MEMSCAN_CANARY_LEN = 32 /* a heap canary: one key */
};

typedef struct memscan_needle {
  uint8_t bytes[MEMSCAN_MAX_LEN];
  size_t len;
  const char *what;
  size_t found;    /* set by memscan_run */
  uintptr_t where; /* the last place found */
} memscan_needle;

/* The needle table, in its own mapping that the scan skips; NULL on
 * failure. Holds MEMSCAN_MAX_NEEDLES. */
memscan_needle *memscan_needles(void);
/* Counts each of needles[0..n) in the process's memory into .found; the
 * number of bytes scanned, or 0 if /proc/self/maps cannot be read. Does
 * not allocate. */
size_t memscan_run(memscan_needle *needles, size_t n);
/* Tells the compiler |p| is read here: a canary's stores then stay (a copy
 * to memory that nothing reads would otherwise be dropped). */
void memscan_keep(const void *p);
/* A job for on_worker (workers.h): wipes the MEMSCAN_CANARY_LEN bytes of
 * the heap canary |canary| (malloc'd) and frees it, as a key is wiped, so
 * the scan after it must not find them. */
void *memscan_free_canary(void *canary);

#endif
