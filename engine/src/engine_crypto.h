/* The engine's one use of libsodium beyond the Noise layer: SipHash-2-4
 * for the routing table, keyed with a secret random key. */
#ifndef PN_ENGINE_CRYPTO_H
#define PN_ENGINE_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

enum { PN_SIPHASH_KEYLEN = 16 };

uint64_t pn_siphash(const uint8_t key[PN_SIPHASH_KEYLEN], const uint8_t *in,
                    size_t len);

#endif
