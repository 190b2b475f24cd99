/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* Not part of the library: a header without a @file block, whose members
 * Doxygen 1.9.4 would pass over in silence (tests/docs, docs_canary). */
#ifndef PN_DOCS_CANARY_NOFILE_H
#define PN_DOCS_CANARY_NOFILE_H

int pn_canary_undocumented_file(void);

#endif
