/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * SHA-256, SHA-512 and BLAKE2s from libgcrypt: gcry_md_hash_buffers hashes
 * a list of buffers in one call, on its own stack, with no allocation and
 * no handle (libcrypto 3.0 allocates on every digest initialisation), and
 * with libgcrypt's assembly (SHA-NI, AVX). It leaves its state, digest
 * included, in its dead frame: pn_hkdf burns the stack after its hashes.
 */
#include "crypto.h"

#ifdef PN_HAVE_GCRYPT

#include <gcrypt.h>

enum { PN_GC_SHA256, PN_GC_SHA512, PN_GC_BLAKE2S, PN_GC_N };

static const int pn_gc_algo[PN_GC_N] = {GCRY_MD_SHA256, GCRY_MD_SHA512,
                                        GCRY_MD_BLAKE2S_256};
/* Set by pn_gcrypt_init (run once by pn_crypto_init, which publishes it). */
static uint8_t pn_gc_ok[PN_GC_N];

int pn_gcrypt_init(void) {
  /* libgcrypt must be initialised before use, once per process; a library
   * that uses it calls gcry_check_version and leaves the rest of the set-up
   * (secure memory, FIPS) to the application. NULL: any version. */
  if (!gcry_check_version(NULL)) return -1;
  int any = 0;
  for (int i = 0; i < PN_GC_N; i++) {
    /* Disabled algorithms (FIPS mode refuses BLAKE2s) are absent. */
    pn_gc_ok[i] = gcry_md_test_algo(pn_gc_algo[i]) == 0;
    any |= pn_gc_ok[i];
  }
  return any ? 0 : -1;
}

static int pn_gc_hash(const pn_hash_ops *h, uint8_t *out, const pn_iov *iov,
                      size_t n) {
  size_t hashlen = h->hashlen;
  gcry_buffer_t b[PN_HASH_MAX_IOV];
  int nb = 0;
  if (n > PN_HASH_MAX_IOV) {
    pn_wipe(out, hashlen);
    return PN_ERR_INVALID_ARGUMENT;
  }
  /* Empty pieces are left out, so a NULL pointer never reaches it. */
  for (size_t i = 0; i < n; i++)
    if (iov[i].len)
      b[nb++] = (gcry_buffer_t){.size = iov[i].len,
                                .off = 0,
                                .len = iov[i].len,
                                .data = (void *)(uintptr_t)iov[i].p};
  /* The digest is written last, so |out| may alias an input. */
  if (gcry_md_hash_buffers(pn_gc_algo[h->algo], 0, out, b, nb) != 0) {
    pn_wipe(out, hashlen);
    return PN_ERR_CRYPTO;
  }
  return PN_OK;
}

/* id, hashlen, blocklen, allocs, algo, impl, hash */
static const pn_hash_ops pn_gc_hash_ops[PN_GC_N] = {
    {PN_HASH_SHA256, 32, 64, 0, PN_GC_SHA256, "libgcrypt", pn_gc_hash},
    {PN_HASH_SHA512, 64, 128, 0, PN_GC_SHA512, "libgcrypt", pn_gc_hash},
    {PN_HASH_BLAKE2S, 32, 64, 0, PN_GC_BLAKE2S, "libgcrypt", pn_gc_hash},
};

const pn_hash_ops *pn_gcrypt_hash(int id) {
  for (int i = 0; i < PN_GC_N; i++)
    if (pn_gc_hash_ops[i].id == id && pn_gc_ok[i]) return &pn_gc_hash_ops[i];
  return NULL;
}

#endif
