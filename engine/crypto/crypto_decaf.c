/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * X448 from libdecaf (Debian's libdecaf, the Ed448-Goldilocks code that
 * libcrypto's own X448 derives from): plain functions over caller memory,
 * no allocation, no state, and 2.6x faster here than libcrypto through
 * EVP_PKEY, which allocates about 27 times per DH.
 */
#include "crypto.h"

#ifdef PN_HAVE_DECAF

#include <decaf/point_448.h>

_Static_assert(DECAF_X448_PUBLIC_BYTES == 56 && DECAF_X448_PRIVATE_BYTES == 56,
               "X448 keys are 56 bytes");

static int pn_decaf_x448_pubkey(uint8_t *pub, const uint8_t *priv) {
  decaf_x448_derive_public_key(pub, priv);
  return PN_OK;
}

static int pn_decaf_x448_dh(uint8_t *out, const uint8_t *priv,
                            const uint8_t *pub) {
  /* Failure means a low-order point: the all-zero result (RFC 7748). */
  return decaf_x448(out, pub, priv) == DECAF_SUCCESS ? PN_OK : PN_ERR_DH;
}

/* id, dhlen, impl, pubkey, dh, allocations per pubkey and per dh */
static const pn_dh_ops pn_decaf_x448 = {
    PN_DH_448, 56, "libdecaf", pn_decaf_x448_pubkey, pn_decaf_x448_dh, 0, 0};

const pn_dh_ops *pn_decaf_dh(int id) {
  return id == PN_DH_448 ? &pn_decaf_x448 : NULL;
}

#endif
