/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* Shared by every harness and the standalone replayer. */
#ifndef PN_FUZZ_COMMON_H
#define PN_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The libFuzzer entry point; AFL++ (libAFLDriver) and standalone_main.c call
 * the same function. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Optional, in a harness that can write its own seeds: writes them to |dir|
 * and returns how many, or -1. standalone_main.c runs it for --write-seeds. */
int pn_fuzz_write_seeds(const char *dir);

/* Writes |len| bytes to |dir|/|name|; 0 or -1. For seed writers. */
static inline int pn_fuzz_save(const char *dir, const char *name,
                               const uint8_t *p, size_t len) {
  char path[4096];
  if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
    return -1;
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  int ok = fwrite(p, 1, len, f) == len;
  return fclose(f) == 0 && ok ? 0 : -1;
}

#endif
