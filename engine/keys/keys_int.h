/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* Shared by keys.c and keyfile.c. */
#ifndef PN_KEYS_INT_H
#define PN_KEYS_INT_H

#include <stddef.h>

/* PN_OK for the length of a DH key (32: 25519, 56: 448), else
 * PN_ERR_KEY_LENGTH. */
int pn_keys_check_len(size_t len);

#endif
