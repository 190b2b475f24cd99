/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* A deliberate violation in a crypto backend's name: lazy set-up behind
 * pthread_once into thread-local state. The symbol check must fail on it,
 * which proves the backends are checked too. Never linked. */
#include <pthread.h>

static _Thread_local int g_ready;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void set_up(void) {
  g_ready = 1;
}

int pn_canary_lazy(void);
int pn_canary_lazy(void) {
  pthread_once(&g_once, set_up);
  return g_ready;
}
