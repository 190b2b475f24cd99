/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * The one report of a broken invariant outside cmocka: the simulator, the
 * fuzz harnesses and the benchmarks that drive the simulator. It prints and
 * aborts: a fuzzer notices only a crash, assert() vanishes under NDEBUG,
 * and a run must not go on from a broken state.
 */
#ifndef PN_CHECK_H
#define PN_CHECK_H

void check_fail(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2), noreturn))
#endif
    ;

/* |cond| holds, or check_fail names it with its place. */
#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) check_fail("%s:%d: %s", __FILE__, __LINE__, #cond);           \
  } while (0)

#endif
