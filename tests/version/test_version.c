/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * version.h agrees with the build: the macros with the CMake project's
 * version (given as PN_EXPECT_*), the run-time functions with the macros,
 * and pn_crypto_version with the libraries actually loaded. Built twice:
 * against the static and the shared library (the functions must be
 * exported).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>
#ifdef PN_HAVE_OPENSSL
#include <openssl/crypto.h>
#endif

#include <p2pnoise/version.h>

static void test_macros_match_project(void **state) {
  (void)state;
  assert_string_equal(PN_VERSION_STRING, PN_EXPECT_VERSION);
  assert_int_equal(PN_VERSION_MAJOR, PN_EXPECT_MAJOR);
  assert_int_equal(PN_VERSION_MINOR, PN_EXPECT_MINOR);
  assert_int_equal(PN_VERSION_PATCH, PN_EXPECT_PATCH);
  char s[32];
  snprintf(s, sizeof s, "%d.%d.%d", PN_VERSION_MAJOR, PN_VERSION_MINOR,
           PN_VERSION_PATCH);
  assert_string_equal(s, PN_VERSION_STRING);
}

static void test_number_orders_releases(void **state) {
  (void)state;
  assert_int_equal(PN_VERSION_NUMBER, (PN_EXPECT_MAJOR << 16) |
                                          (PN_EXPECT_MINOR << 8) |
                                          PN_EXPECT_PATCH);
  assert_true(PN_VERSION_ENCODE(0, 9, 255) < PN_VERSION_ENCODE(0, 10, 0));
  assert_true(PN_VERSION_ENCODE(0, 255, 255) < PN_VERSION_ENCODE(1, 0, 0));
  assert_true(PN_VERSION_ENCODE(1, 2, 3) < PN_VERSION_ENCODE(1, 2, 4));
}

static void test_runtime_matches_headers(void **state) {
  (void)state;
  assert_non_null(pn_version());
  assert_string_equal(pn_version(), PN_VERSION_STRING);
  assert_int_equal(pn_version_number(), PN_VERSION_NUMBER);
}

static void test_crypto_versions(void **state) {
  (void)state;
  const char *s = pn_crypto_version(PN_BACKEND_SODIUM);
  assert_non_null(s);
  assert_string_equal(s, sodium_version_string());
  const char *o = pn_crypto_version(PN_BACKEND_OPENSSL);
#ifdef PN_HAVE_OPENSSL
  assert_non_null(o);
  assert_string_equal(o, OpenSSL_version(OPENSSL_VERSION_STRING));
  assert_true(o[0] >= '3' && o[0] <= '9'); /* OpenSSL 3 or later */
#else
  assert_null(o);
#endif
  assert_null(pn_crypto_version(PN_BACKEND_AUTO));
  assert_null(pn_crypto_version((pn_backend)42));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_macros_match_project),
      cmocka_unit_test(test_number_orders_releases),
      cmocka_unit_test(test_runtime_matches_headers),
      cmocka_unit_test(test_crypto_versions),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
