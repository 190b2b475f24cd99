/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * The fuzzing AEAD: a transparent stand-in for ChaChaPoly and AESGCM, so a
 * fuzzer can write valid ciphertexts and reach post-handshake states (as
 * picotls' and ngtcp2's null AEADs). Only a build with -DPN_FUZZING_AEAD uses
 * it; it is NOT encryption and such a build must never ship.
 */
#ifndef PN_CRYPTO_FUZZ_H
#define PN_CRYPTO_FUZZ_H

#include "crypto.h"

/* "fuzz-transparent" ops for |id| (a pn_cipher_id); NULL for an unknown id
 * and always NULL unless PN_FUZZING_AEAD is defined. */
const pn_cipher_ops *pn_fuzz_cipher(int id);

#endif
