/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* A deliberate sans-IO violation: the symbol check must fail on this
 * archive, which proves the check can fail at all. Never linked. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <time.h>

int pn_canary_now(void);
int pn_canary_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  printf("%ld\n", (long)ts.tv_sec);
  return 0;
}
