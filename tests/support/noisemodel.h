/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * What one handshake asks of the primitives, counted from the spec's token
 * rules, so the allocation tests can turn pn_protocol_allocs()'s per-call
 * figures into the exact count a handshake must make.
 */
#ifndef PN_NOISEMODEL_H
#define PN_NOISEMODEL_H

#include <p2pnoise/noise.h>

enum {
  /* libcrypto's own per-thread state (its error state and the registration
   * that frees it), made by a thread's first EVP_PKEY call and freed when
   * the thread exits: a DH from libcrypto adds it once per thread. */
  OSSL_THREAD_ALLOCS = 3
};

typedef struct model {
  long keygens, dhs, hashes;
} model;

/* Hash calls of one e token (MixHash, and MixKey in PSK mode). */
static inline long model_e_hashes(const pn_protocol *p) {
  return 1 + (p->npsk ? 6 : 0);
}

/* Adds what one side does in one handshake of |p|: InitializeSymmetric (a
 * hash when the name is longer than HASHLEN), MixHash(prologue), the
 * pre-messages, every message (written or read), Split. A MixKey is one
 * HKDF of three HMACs of two hash calls; MixKeyAndHash four HMACs and a
 * MixHash; EncryptAndHash and DecryptAndHash one MixHash. */
static inline void model_side(const pn_protocol *p, int init, model *m) {
  m->hashes += (p->name_len > pn_protocol_hashlen(p)) + 1;
  for (int i = 0; i < p->npre_i + p->npre_r; i++) {
    int tok = i < p->npre_i ? p->pre_i[i] : p->pre_r[i - p->npre_i];
    m->hashes += tok == PN_TOK_E ? model_e_hashes(p) : 1;
  }
  for (int msg = 0; msg < p->nmsgs; msg++) {
    int writer_init = p->one_way || msg % 2 == 0;
    for (int t = 0; t < p->msg_len[msg]; t++) {
      switch (p->tok[msg][t]) {
      case PN_TOK_E:
        m->hashes += model_e_hashes(p);
        if (writer_init == init) m->keygens++;
        break;
      case PN_TOK_S:
        m->hashes += 1;
        break;
      case PN_TOK_PSK:
        m->hashes += 9;
        break;
      default: /* ee, es, se, ss */
        m->hashes += 6;
        m->dhs++;
        break;
      }
    }
    m->hashes += 1; /* the payload */
  }
  m->hashes += 6; /* Split */
}

/* The allocations one handshake of |p| (both sides) must make, from what
 * pn_protocol_allocs() states per call. */
static inline long model_handshake_allocs(const pn_protocol *p) {
  model m = {0, 0, 0};
  size_t g, d, h;
  model_side(p, 1, &m);
  model_side(p, 0, &m);
  pn_protocol_allocs(p, &g, &d, &h);
  return m.keygens * (long)g + m.dhs * (long)d + m.hashes * (long)h;
}

#endif
