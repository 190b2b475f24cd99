/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * Handshakes per second, both parties in one process, against the floor: the
 * raw libsodium cost of the key generations and DH operations the pattern
 * needs (each e token is one key generation, each DH token two DHs: one per
 * side).
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include <p2pnoise/noise.h>

#include "bench.h"
#include "bench_engine.h"

typedef struct hs_ctx {
  pn_protocol proto;
  pn_crypto_ctx cx[2]; /* each side's, as two engines have */
  pn_keypair s[2];
  uint8_t psk[32];
  int keygens, dhs;
} hs_ctx;

static void floor_op(void *p) {
  const hs_ctx *c = p;
  uint8_t sk[32], pk[32], out[32];
  for (int i = 0; i < c->keygens; i++) {
    randombytes_buf(sk, sizeof sk);
    crypto_scalarmult_base(pk, sk);
  }
  for (int i = 0; i < c->dhs; i++)
    if (crypto_scalarmult(out, sk, pk) != 0) bench_die("floor dh", -1);
}

/* One full handshake through the Noise layer, both sides, then Split. */
static void noise_op(void *p) {
  hs_ctx *c = p;
  pn_handshake hs[2];
  uint8_t msg[512], pay[512];
  size_t len, plen;
  int rc;
  for (int i = 0; i < 2; i++) {
    rc = pn_handshake_init(&hs[i], &c->proto, &c->cx[i],
                           i ? PN_RESPONDER : PN_INITIATOR, NULL);
    int need = pn_handshake_needs(&hs[i]);
    if (!rc && (need & PN_NEED_LOCAL_STATIC))
      rc = pn_handshake_set_static(&hs[i], &c->s[i]);
    if (!rc && (need & PN_NEED_REMOTE_STATIC))
      rc = pn_handshake_set_remote_static(&hs[i], c->s[i ^ 1].pub, 32);
    if (!rc && (need & PN_NEED_PSK))
      rc = pn_handshake_set_psk(&hs[i], 0, c->psk, sizeof c->psk);
    if (!rc) rc = pn_handshake_start(&hs[i], NULL, 0);
    if (rc) bench_die("handshake setup", rc);
  }
  int w = 0;
  while (pn_handshake_action(&hs[w]) == PN_HS_WRITE ||
         pn_handshake_action(&hs[w ^ 1]) == PN_HS_WRITE) {
    if (pn_handshake_action(&hs[w]) != PN_HS_WRITE) w ^= 1;
    if ((rc = pn_handshake_write(&hs[w], NULL, 0, msg, sizeof msg, &len)) ||
        (rc = pn_handshake_read(&hs[w ^ 1], msg, len, pay, sizeof pay, &plen)))
      bench_die("handshake", rc);
  }
  pn_cipherstate tx, rx;
  for (int i = 0; i < 2; i++) {
    if ((rc = pn_handshake_split(&hs[i], &tx, &rx))) bench_die("split", rc);
    pn_handshake_wipe(&hs[i]);
    pn_cipherstate_wipe(&tx);
    pn_cipherstate_wipe(&rx);
  }
}

static void count_ops(hs_ctx *c) {
  c->keygens = c->dhs = 0;
  for (int m = 0; m < c->proto.nmsgs; m++)
    for (int t = 0; t < c->proto.msg_len[m]; t++) {
      int tok = c->proto.tok[m][t];
      if (tok == PN_TOK_E)
        c->keygens++;
      else if (tok >= PN_TOK_EE && tok <= PN_TOK_SS)
        c->dhs += 2;
    }
}

void bench_handshakes(void) {
  static const char *const patterns[] = {"XX", "IK", "NK", "XXpsk3"};
  /* BLAKE2b (libsodium's SIMD code) and SHA-256 (libcrypto, SHA-NI where the
   * CPU has it): the two hash families the spec offers, each at its best. */
  static const char *const hashes[] = {"BLAKE2b", "SHA256"};
  printf("\nhandshakes, both sides in one process: the Noise layer alone, and "
         "two engines\n(framing, routing, events), against the floor of raw "
         "keygens and DHs\n");
  printf("  %-15s %-15s %9s %9s %7s %9s %7s %8s\n", "pattern", "floor ops",
         "floor us", "noise us", "ratio", "engine us", "ratio", "hs/s");
  for (size_t hi = 0; hi < sizeof hashes / sizeof hashes[0]; hi++)
    for (size_t i = 0; i < sizeof patterns / sizeof patterns[0]; i++) {
      char proto[64], row[32];
      snprintf(proto, sizeof proto, "Noise_%s_25519_ChaChaPoly_%s", patterns[i],
               hashes[hi]);
      snprintf(row, sizeof row, "%s/%s", patterns[i], hashes[hi]);
      hs_ctx c;
      memset(&c, 0, sizeof c);
      int rc =
          pn_protocol_parse(&c.proto, proto, strlen(proto), PN_BACKEND_AUTO);
      if (rc) bench_die("protocol", rc);
      for (int k = 0; k < 2; k++)
        if ((rc = pn_keypair_generate(&c.s[k], &c.proto, NULL)) ||
            (rc = pn_crypto_ctx_init(&c.cx[k], &c.proto)))
          bench_die("keygen", rc);
      randombytes_buf(c.psk, sizeof c.psk);
      count_ops(&c);
      double fl, ns, fl2, es;
      bench_pair(floor_op, &c, noise_op, &c, &fl, &ns);
      bench_pair_t pair;
      pair_init(&pair, proto, c.proto.npsk > 0);
      bench_pair(floor_op, &c, pair_handshake_op, &pair, &fl2, &es);
      pair_free(&pair);
      for (int k = 0; k < 2; k++)
        pn_crypto_ctx_wipe(&c.cx[k]);
      if (fl2 < fl) fl = fl2; /* the best floor seen */
      char ops[32];
      snprintf(ops, sizeof ops, "%d keygen+%d DH", c.keygens, c.dhs);
      printf("  %-15s %-15s %9.1f %9.1f %6.3fx %9.1f %6.3fx %8.0f\n", row, ops,
             fl * 1e6, ns * 1e6, ns / fl, es * 1e6, es / fl, 1 / es);
      static const char *const what[] = {"floor_us", "noise_us", "noise_ratio",
                                         "engine_us", "engine_ratio"};
      const double val[] = {fl * 1e6, ns * 1e6, ns / fl, es * 1e6, es / fl};
      for (int f = 0; f < 5; f++) {
        char name[64];
        snprintf(name, sizeof name, "hs_%s_%s_%s", patterns[i], hashes[hi],
                 what[f]);
        bench_figure(name, val[f]);
      }
    }
  printf("  (goal: 1.05x the floor or better)\n");
}
