/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* A small JSON reader for test vectors (tests only; not part of the library). */
#ifndef PN_TEST_JSON_H
#define PN_TEST_JSON_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
  PN_JSON_NULL,
  PN_JSON_BOOL,
  PN_JSON_NUMBER,
  PN_JSON_STRING,
  PN_JSON_ARRAY,
  PN_JSON_OBJECT
} pn_json_type;

typedef struct pn_json pn_json;

/* Parses |len| bytes; NULL on a syntax error (a message in |err|). */
pn_json *pn_json_parse(const char *text, size_t len, char *err, size_t errcap);
/* Frees a whole document; pass the root that pn_json_parse returned. */
void pn_json_free(pn_json *v);

pn_json_type pn_json_typeof(const pn_json *v);
/* Object member by key, or NULL (also when |obj| is NULL or not an object). */
const pn_json *pn_json_get(const pn_json *obj, const char *key);
/* Array length and element. On an object: the member count and the i-th
 * value, in file order. 0 / NULL for anything else. */
size_t pn_json_len(const pn_json *arr);
const pn_json *pn_json_at(const pn_json *arr, size_t i);
/* Object member count and the i-th key/value, in file order. */
const char *pn_json_key_at(const pn_json *obj, size_t i);
/* String contents (NUL-terminated, escapes decoded) or NULL. */
const char *pn_json_str(const pn_json *v);
size_t pn_json_strlen(const pn_json *v);
double pn_json_num(const pn_json *v);
int pn_json_bool(const pn_json *v);
/* Decodes a hex string into |out|; returns the byte count or -1. */
long pn_json_hex(const pn_json *v, uint8_t *out, size_t cap);

#endif
