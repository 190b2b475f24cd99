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

/* The suites a build may have, "<dh>_<cipher>_<hash>": 25519 and 448 x
 * ChaChaPoly and AESGCM x SHA256, SHA512, BLAKE2s and BLAKE2b. */
enum { PN_TEST_SUITES = 16 };
/* Writes suite |i| (< PN_TEST_SUITES; the DH varies slowest, the hash
 * fastest) into |out|. */
void pn_test_suite(size_t i, char *out, size_t cap);

#endif
