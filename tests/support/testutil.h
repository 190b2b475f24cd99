/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* Helpers shared by the tests. */
#ifndef PN_TESTUTIL_H
#define PN_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

/* Reads a whole file (NUL-terminated); NULL if it cannot. free() it. */
char *pn_test_read_file(const char *path, size_t *len);
/* Decodes |hexlen| hex chars; returns bytes written or -1. */
long pn_test_unhex(const char *hex, size_t hexlen, uint8_t *out, size_t cap);
/* Writes 2*len+1 chars. */
void pn_test_hex(const uint8_t *in, size_t len, char *out);

#endif
