/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * The only allocation in the engine: one block at creation, released at
 * destruction. Kept in its own file so the symbol test can prove every
 * other engine object never calls the allocator.
 */
#include <stdlib.h>

#include "engine_int.h"

int pn_engine_new(pn_engine **pe, const pn_engine_config *cfg, pn_time now) {
  if (!pe || !cfg) return PN_ERR_INVALID_ARGUMENT;
  *pe = NULL;
  int rc = pn_engine_config_check(cfg);
  if (rc != PN_OK) return rc;
  size_t n = pn_engine_memsize(cfg);
  /* Round up: aligned_alloc wants a multiple of the alignment. */
  n = (n + PN_ENGINE_ALIGN - 1) & ~(size_t)(PN_ENGINE_ALIGN - 1);
  void *mem = aligned_alloc(PN_ENGINE_ALIGN, n);
  if (!mem) return PN_ERR_NOMEM;
  rc = pn_engine_init(pe, mem, n, cfg, now);
  if (rc != PN_OK) {
    free(mem);
    return rc;
  }
  pn_engine_mark_owned(*pe);
  return PN_OK;
}

void pn_engine_free(pn_engine *e) {
  if (!e) return;
  void *mem = pn_engine_release(e);
  free(mem);
}
