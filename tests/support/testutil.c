/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
#include <p2pnoise/keys.h>

#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>

char *pn_test_read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = NULL;
  size_t cap = 0, n = 0;
  for (;;) {
    if (n + 65536 + 1 > cap) {
      cap = cap ? cap * 2 : 1 << 20;
      char *nb = realloc(buf, cap);
      if (!nb) {
        free(buf);
        fclose(f);
        return NULL;
      }
      buf = nb;
    }
    size_t got = fread(buf + n, 1, 65536, f);
    n += got;
    if (got == 0) break;
  }
  int bad = ferror(f);
  fclose(f);
  if (bad) {
    free(buf);
    return NULL;
  }
  buf[n] = 0;
  if (len) *len = n;
  return buf;
}

/* keys.h's codec: one hex decoder in the project. */
long pn_test_unhex(const char *hex, size_t hexlen, uint8_t *out, size_t cap) {
  size_t n;
  if (pn_hex_decode(out, cap, &n, hex, hexlen) != PN_OK) return -1;
  return (long)n;
}

void pn_test_suite(size_t i, char *out, size_t cap) {
  static const char *const dhs[] = {"25519", "448"};
  static const char *const ciphers[] = {"ChaChaPoly", "AESGCM"};
  static const char *const hashes[] = {"SHA256", "SHA512", "BLAKE2s",
                                       "BLAKE2b"};
  snprintf(out, cap, "%s_%s_%s", dhs[i / 8 % 2], ciphers[i / 4 % 2],
           hashes[i % 4]);
}

void pn_test_hex(const uint8_t *in, size_t len, char *out) {
  static const char d[] = "0123456789abcdef";
  for (size_t i = 0; i < len; i++) {
    out[2 * i] = d[in[i] >> 4];
    out[2 * i + 1] = d[in[i] & 15];
  }
  out[2 * len] = 0;
}
