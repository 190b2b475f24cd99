/* See engine_crypto.h. */
#include <sodium.h>

#include "engine_crypto.h"

uint64_t pn_siphash(const uint8_t key[PN_SIPHASH_KEYLEN], const uint8_t *in,
                    size_t len) {
  uint8_t out[crypto_shorthash_siphash24_BYTES];
  (void)crypto_shorthash_siphash24(out, in, len, key);
  uint64_t h = 0;
  for (int i = 7; i >= 0; i--)
    h = (h << 8) | out[i];
  return h;
}
