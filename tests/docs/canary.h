/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/**
 * @file canary.h
 * @brief Not part of the library: one flaw of each kind the documentation
 * check must catch (tests/docs, ctest docs_canary).
 */
#ifndef PN_DOCS_CANARY_H
#define PN_DOCS_CANARY_H

/** A documented struct with one undocumented field. */
typedef struct pn_canary_struct {
  int documented; /**< Documented. */
  int pn_canary_field;
} pn_canary_struct;

typedef struct pn_canary_type {
  int x; /**< Documented, in an undocumented struct. */
} pn_canary_type;

/** A documented enum with one undocumented enumerator. */
typedef enum pn_canary_enum {
  PN_CANARY_DOCUMENTED = 1, /**< Documented. */
  PN_CANARY_ENUMERATOR = 2
} pn_canary_enum;

#define PN_CANARY_MACRO 1

int pn_canary_function(int x);

/**
 * A parameter that is not there.
 *
 * @param nope  no such parameter.
 */
int pn_canary_doc_error(int x);

#endif
