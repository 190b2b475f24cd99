/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
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

static int nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

long pn_test_unhex(const char *hex, size_t hexlen, uint8_t *out, size_t cap) {
  if (hexlen % 2 || hexlen / 2 > cap) return -1;
  for (size_t i = 0; i < hexlen / 2; i++) {
    int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return -1;
    out[i] = (uint8_t)(hi << 4 | lo);
  }
  return (long)(hexlen / 2);
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
