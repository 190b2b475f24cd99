/* Noise layer internals the engine uses. */
#ifndef PN_NOISE_INT_H
#define PN_NOISE_INT_H

#include <p2pnoise/noise.h>

/* pn_handshake_start with the symmetric state after InitializeSymmetric and
 * MixHash(prologue) already computed in |prologued| (copied), so a caller
 * that starts many handshakes with one protocol and prologue hashes the
 * prologue once. |prologued| must come from pn_symmetric_init with hs's
 * protocol followed by pn_symmetric_mix_hash(prologue). Errors as
 * pn_handshake_start. */
int pn_handshake_start_prologued(pn_handshake *hs,
                                 const pn_symmetricstate *prologued);

#endif
