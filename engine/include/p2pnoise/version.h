/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/**
 * @file version.h
 * @brief The version of p2pnoise, at compile time and at run time, and the
 * versions of the crypto libraries it runs on.
 *
 * The macros give the version of the headers a program was compiled with;
 * the functions give the version of the library it runs with. They differ
 * when a program built against one release runs with the shared library of
 * another: compare PN_VERSION_NUMBER with pn_version_number() to notice.
 * What a change of version promises is in docs/versioning.md.
 *
 * The numbers here agree with the `project(VERSION)` of the top-level
 * CMakeLists.txt; a test (`ctest -R version`) fails when they drift.
 */
#ifndef P2PNOISE_VERSION_H
#define P2PNOISE_VERSION_H

#include <p2pnoise/noise.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Major version: incompatible API changes (from 1.0 on). */
#define PN_VERSION_MAJOR 0
/** Minor version: new features; before 1.0, also incompatible changes. */
#define PN_VERSION_MINOR 1
/** Patch version: fixes only, never an API or ABI change. */
#define PN_VERSION_PATCH 0
/** The version as a string, "MAJOR.MINOR.PATCH". */
#define PN_VERSION_STRING "0.1.0"

/** A version as one number, 0xMMmmpp, that compares in release order. */
#define PN_VERSION_ENCODE(major, minor, patch)                                 \
  (((uint32_t)(major) << 16) | ((uint32_t)(minor) << 8) | (uint32_t)(patch))

/**
 * The headers' version as one number, for compile-time checks:
 * `#if PN_VERSION_NUMBER >= PN_VERSION_ENCODE(0, 2, 0)`.
 */
#define PN_VERSION_NUMBER                                                      \
  PN_VERSION_ENCODE(PN_VERSION_MAJOR, PN_VERSION_MINOR, PN_VERSION_PATCH)

/**
 * The version of the library linked at run time, such as "0.1.0".
 *
 * @return a static string; never NULL.
 */
PN_API const char *pn_version(void);

/**
 * The version of the library linked at run time as one number, as
 * PN_VERSION_ENCODE() builds it.
 *
 * @return for example 0x000100 for 0.1.0.
 */
PN_API uint32_t pn_version_number(void);

/**
 * The run-time version of the crypto library behind @p backend, for reports
 * and `--version` output.
 *
 * @param backend PN_BACKEND_SODIUM (libsodium, as sodium_version_string()
 *                reports it, such as "1.0.18") or PN_BACKEND_OPENSSL
 *                (libcrypto, as OpenSSL_version(OPENSSL_VERSION_STRING)
 *                reports it, such as "3.0.15").
 * @return a static string, or NULL when this build has no such library
 *         (PN_BACKEND_OPENSSL in a libsodium-only build) or @p backend is
 *         not one of the two (PN_BACKEND_AUTO names no single library).
 */
PN_API const char *pn_crypto_version(pn_backend backend);

#ifdef __cplusplus
}
#endif
#endif
