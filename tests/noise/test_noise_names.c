/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * The protocol name parser: malformed names, unknown patterns, modifiers
 * and primitives, the length limit, what each backend supports, and on
 * which patterns the fallback modifier is accepted.
 */
#include <string.h>

#include "noise_fixture.h"

/* ---- The name parser ----------------------------------------------------- */

typedef struct bad_name {
  const char *name;
  int rc;
} bad_name;

static void test_parser_rejects(void **state) {
  (void)state;
  static const bad_name cases[] = {
      /* Malformed: sections, prefix, characters. */
      {"Noise", PN_ERR_NAME_MALFORMED},
      {"Noise_XX_25519_ChaChaPoly", PN_ERR_NAME_MALFORMED},
      {"Noise_XX_25519", PN_ERR_NAME_MALFORMED},
      {"Noise_XX_25519_ChaChaPoly_SHA256_", PN_ERR_NAME_MALFORMED},
      {"Noise_XX_25519_ChaChaPoly_SHA256_SHA256", PN_ERR_NAME_MALFORMED},
      {"Noise__25519_ChaChaPoly_SHA256", PN_ERR_NAME_MALFORMED},
      {"Noise_XX_25519__SHA256", PN_ERR_NAME_MALFORMED},
      {"Noise_XX_25519_ChaChaPoly_", PN_ERR_NAME_MALFORMED},
      {"_XX_25519_ChaChaPoly_SHA256", PN_ERR_NAME_MALFORMED},
      {"noise_XX_25519_ChaChaPoly_SHA256", PN_ERR_NAME_MALFORMED},
      {"NoisePSK_XX_25519_ChaChaPoly_SHA256", PN_ERR_NAME_MALFORMED},
      {"Noise_XX_25519_ChaChaPoly_SHA256 ", PN_ERR_NAME_MALFORMED},
      {" Noise_XX_25519_ChaChaPoly_SHA256", PN_ERR_NAME_MALFORMED},
      {"Noise_XX_25519_ChaChaPoly_SHA256\n", PN_ERR_NAME_MALFORMED},
      {"Noise_XX_25519_ChaChaPoly_SHA-256", PN_ERR_NAME_MALFORMED},
      {"Noise_X.X_25519_ChaChaPoly_SHA256", PN_ERR_NAME_MALFORMED},
      {"Noise_XX_25519_Cha\xc3\xa7haPoly_SHA256", PN_ERR_NAME_MALFORMED},
      {"Noise_XX+psk0_25519_ChaChaPoly_SHA256", PN_ERR_NAME_MALFORMED},
      {"Noise_XXpsk0+_25519_ChaChaPoly_SHA256", PN_ERR_NAME_MALFORMED},
      {"Noise_XXpsk0++psk1_25519_ChaChaPoly_SHA256", PN_ERR_NAME_MALFORMED},
      /* Unknown base patterns. */
      {"Noise_ZZ_25519_ChaChaPoly_SHA256", PN_ERR_NAME_UNKNOWN_PATTERN},
      {"Noise_XY_25519_ChaChaPoly_SHA256", PN_ERR_NAME_UNKNOWN_PATTERN},
      {"Noise_XXX_25519_ChaChaPoly_SHA256", PN_ERR_NAME_UNKNOWN_PATTERN},
      {"Noise_NK2_25519_ChaChaPoly_SHA256", PN_ERR_NAME_UNKNOWN_PATTERN},
      {"Noise_N1_25519_ChaChaPoly_SHA256", PN_ERR_NAME_UNKNOWN_PATTERN},
      {"Noise_NN1_25519_ChaChaPoly_SHA256", PN_ERR_NAME_UNKNOWN_PATTERN},
      {"Noise_X1X1X_25519_ChaChaPoly_SHA256", PN_ERR_NAME_UNKNOWN_PATTERN},
      {"Noise_xx_25519_ChaChaPoly_SHA256", PN_ERR_NAME_UNKNOWN_PATTERN},
      {"Noise_XXPSK0_25519_ChaChaPoly_SHA256", PN_ERR_NAME_UNKNOWN_PATTERN},
      {"Noise_psk0_25519_ChaChaPoly_SHA256", PN_ERR_NAME_UNKNOWN_PATTERN},
      /* Modifiers: out of range, repeated, unsorted, unknown, misplaced. */
      {"Noise_XXpsk4_25519_ChaChaPoly_SHA256", PN_ERR_NAME_BAD_MODIFIER},
      {"Noise_NNpsk3_25519_ChaChaPoly_SHA256", PN_ERR_NAME_BAD_MODIFIER},
      {"Noise_Npsk2_25519_ChaChaPoly_SHA256", PN_ERR_NAME_BAD_MODIFIER},
      {"Noise_X1X1psk5_25519_ChaChaPoly_SHA256", PN_ERR_NAME_BAD_MODIFIER},
      {"Noise_XXfallback+psk3_25519_ChaChaPoly_SHA256",
       PN_ERR_NAME_BAD_MODIFIER},
      {"Noise_XXpsk10_25519_ChaChaPoly_SHA256", PN_ERR_NAME_BAD_MODIFIER},
      {"Noise_XXpsk0+psk0_25519_ChaChaPoly_SHA256", PN_ERR_NAME_BAD_MODIFIER},
      {"Noise_XXpsk2+psk1_25519_ChaChaPoly_SHA256", PN_ERR_NAME_BAD_MODIFIER},
      {"Noise_XXpsk0+psk2+psk1_25519_ChaChaPoly_SHA256",
       PN_ERR_NAME_BAD_MODIFIER},
      {"Noise_XXpsk0+fallback_25519_ChaChaPoly_SHA256",
       PN_ERR_NAME_BAD_MODIFIER},
      {"Noise_XXfallback+fallback_25519_ChaChaPoly_SHA256",
       PN_ERR_NAME_BAD_MODIFIER},
      {"Noise_NKfallback_25519_ChaChaPoly_SHA256", PN_ERR_NAME_BAD_MODIFIER},
      {"Noise_IKfallback_25519_ChaChaPoly_SHA256", PN_ERR_NAME_BAD_MODIFIER},
      {"Noise_KNfallback_25519_ChaChaPoly_SHA256", PN_ERR_NAME_BAD_MODIFIER},
      {"Noise_Nfallback_25519_ChaChaPoly_SHA256", PN_ERR_NAME_BAD_MODIFIER},
      {"Noise_Xfallback_25519_ChaChaPoly_SHA256", PN_ERR_NAME_BAD_MODIFIER},
      {"Noise_XXfoo_25519_ChaChaPoly_SHA256", PN_ERR_NAME_BAD_MODIFIER},
      {"Noise_XXhfs_25519_ChaChaPoly_SHA256", PN_ERR_NAME_BAD_MODIFIER},
      {"Noise_XXpsk_25519_ChaChaPoly_SHA256", PN_ERR_NAME_BAD_MODIFIER},
      {"Noise_XXpsk01_25519_ChaChaPoly_SHA256", PN_ERR_NAME_BAD_MODIFIER},
      {"Noise_XXpskx_25519_ChaChaPoly_SHA256", PN_ERR_NAME_BAD_MODIFIER},
      {"Noise_XXpsk0+foo_25519_ChaChaPoly_SHA256", PN_ERR_NAME_BAD_MODIFIER},
      /* Unknown primitives (case matters). */
      {"Noise_XX_P256_ChaChaPoly_SHA256", PN_ERR_NAME_UNKNOWN_PRIMITIVE},
      {"Noise_XX_25519+448_ChaChaPoly_SHA256", PN_ERR_NAME_UNKNOWN_PRIMITIVE},
      {"Noise_XX_x25519_ChaChaPoly_SHA256", PN_ERR_NAME_UNKNOWN_PRIMITIVE},
      {"Noise_XX_25519_XChaChaPoly_SHA256", PN_ERR_NAME_UNKNOWN_PRIMITIVE},
      {"Noise_XX_25519_chachapoly_SHA256", PN_ERR_NAME_UNKNOWN_PRIMITIVE},
      {"Noise_XX_25519_AESGCM128_SHA256", PN_ERR_NAME_UNKNOWN_PRIMITIVE},
      {"Noise_XX_25519_ChaChaPoly_SHA3/256", PN_ERR_NAME_UNKNOWN_PRIMITIVE},
      {"Noise_XX_25519_ChaChaPoly_sha256", PN_ERR_NAME_UNKNOWN_PRIMITIVE},
      {"Noise_XX_25519_ChaChaPoly_BLAKE2", PN_ERR_NAME_UNKNOWN_PRIMITIVE},
      {"Noise_XX_25519_ChaChaPoly_SHA256+SHA512",
       PN_ERR_NAME_UNKNOWN_PRIMITIVE},
  };
  pn_protocol p;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    CTX("\"%s\"", cases[i].name);
    memset(&p, 0x77, sizeof p);
    assert_rc(parse(&p, cases[i].name), cases[i].rc);
  }

  CTX("empty name");
  assert_rc(pn_protocol_parse(&p, "", 0, PN_BACKEND_AUTO),
            PN_ERR_NAME_MALFORMED);
  CTX("NUL inside the given length");
  static const char nul[] = "Noise_XX_25519_ChaChaPoly_SHA256\0";
  assert_rc(pn_protocol_parse(&p, nul, sizeof nul - 1, PN_BACKEND_AUTO),
            PN_ERR_NAME_MALFORMED);
  CTX("name not NUL-terminated: only |len| bytes count");
  assert_ok(pn_protocol_parse(&p, "Noise_XX_25519_ChaChaPoly_SHA256XYZ", 32,
                              PN_BACKEND_AUTO));
  assert_int_equal(p.name_len, 32);
  assert_string_equal(p.name, "Noise_XX_25519_ChaChaPoly_SHA256");
  CTX("NULL arguments");
  assert_rc(pn_protocol_parse(NULL, "Noise_XX_25519_ChaChaPoly_SHA256", 32,
                              PN_BACKEND_AUTO),
            PN_ERR_INVALID_ARGUMENT);
  assert_rc(pn_protocol_parse(&p, NULL, 5, PN_BACKEND_AUTO),
            PN_ERR_INVALID_ARGUMENT);

  /* Length: 255 bytes pass the length check (an unknown hash then), 256
   * do not, whatever they hold. */
  char longname[300];
  strcpy(longname, "Noise_XX_25519_ChaChaPoly_");
  size_t n = strlen(longname);
  memset(longname + n, 'A', sizeof longname - n - 1);
  longname[sizeof longname - 1] = 0;
  CTX("255-byte name");
  assert_rc(pn_protocol_parse(&p, longname, 255, PN_BACKEND_AUTO),
            PN_ERR_NAME_UNKNOWN_PRIMITIVE);
  CTX("256-byte name");
  assert_rc(pn_protocol_parse(&p, longname, 256, PN_BACKEND_AUTO),
            PN_ERR_NAME_MALFORMED);
  /* A valid-looking name padded past 255 with modifiers. */
  char padded[400] = "Noise_XXpsk0";
  while (strlen(padded) < 260)
    strcat(padded, "+psk0");
  strcat(padded, "_25519_ChaChaPoly_SHA256");
  CTX("long modifier list");
  assert_rc(parse(&p, padded), PN_ERR_NAME_MALFORMED);

  /* libsodium has neither X448 nor BLAKE2s. */
  CTX("sodium backend, 448");
  assert_rc(pn_protocol_parse(&p, "Noise_XX_448_ChaChaPoly_SHA256", 30,
                              PN_BACKEND_SODIUM),
            PN_ERR_UNSUPPORTED);
  CTX("sodium backend, BLAKE2s");
  assert_rc(pn_protocol_parse(&p, "Noise_XX_25519_ChaChaPoly_BLAKE2s", 33,
                              PN_BACKEND_SODIUM),
            PN_ERR_UNSUPPORTED);
  CTX("sodium backend, 25519/ChaChaPoly/BLAKE2b");
  assert_ok(pn_protocol_parse(&p, "Noise_XX_25519_ChaChaPoly_BLAKE2b", 33,
                              PN_BACKEND_SODIUM));
  CTX("auto backend, 448 and BLAKE2s");
#ifdef PN_HAVE_OPENSSL
  assert_ok(parse(&p, "Noise_XX_448_ChaChaPoly_BLAKE2s"));
  assert_ok(parse(&p, "Noise_XXfallback+psk0_448_AESGCM_SHA512"));
#else
  assert_rc(parse(&p, "Noise_XX_448_ChaChaPoly_SHA256"), PN_ERR_UNSUPPORTED);
  assert_rc(parse(&p, "Noise_XX_25519_ChaChaPoly_BLAKE2s"), PN_ERR_UNSUPPORTED);
  assert_int_equal(pn_backend_available(PN_BACKEND_OPENSSL), 0);
  assert_rc(pn_protocol_parse(&p, "Noise_XX_25519_ChaChaPoly_SHA256", 32,
                              PN_BACKEND_OPENSSL),
            PN_ERR_UNSUPPORTED);
#endif
  /* A bad name is reported before an unsupported primitive. */
  CTX("bad pattern with 448 on sodium");
  assert_rc(pn_protocol_parse(&p, "Noise_ZZ_448_ChaChaPoly_SHA256", 30,
                              PN_BACKEND_SODIUM),
            PN_ERR_NAME_UNKNOWN_PATTERN);
}

/* The fallback modifier: accepted exactly on the 15 patterns without
 * pre-messages (all start with e or e, s), refused on the other 23. */
static void test_parser_fallback_eligibility(void **state) {
  (void)state;
  char name[128];
  pn_protocol p;
  int ok = 0;
  for (int i = 0; i < NPATTERNS; i++) {
    snprintf(name, sizeof name, "Noise_%sfallback_%s", patterns[i].name,
             suite_default);
    CTX("%s", name);
    assert_rc(parse(&p, name),
              patterns[i].fallback_ok ? PN_OK : PN_ERR_NAME_BAD_MODIFIER);
    if (patterns[i].fallback_ok) {
      ok++;
      /* Bob initiates; Alice's first message is now her pre-message. */
      assert_int_equal(p.fallback, 1);
      assert_int_equal(p.npre_i, 0);
      assert_true(p.npre_r >= 1 && p.pre_r[0] == PN_TOK_E);
      assert_int_equal(p.nmsgs, patterns[i].nmsgs - 1);
    }
  }
  assert_int_equal(ok, 15);
  /* XXfallback, Bob first: -> e, ee, s, se; <- s, es. */
  CTX("XXfallback tokens");
  assert_ok(parse(&p, "Noise_XXfallback_25519_ChaChaPoly_SHA256"));
  static const uint8_t m0[] = {PN_TOK_E, PN_TOK_EE, PN_TOK_S, PN_TOK_SE};
  static const uint8_t m1[] = {PN_TOK_S, PN_TOK_ES};
  assert_int_equal(p.nmsgs, 2);
  assert_int_equal(p.msg_len[0], 4);
  assert_int_equal(p.msg_len[1], 2);
  assert_memory_equal(p.tok[0], m0, 4);
  assert_memory_equal(p.tok[1], m1, 2);
}

NOISE_TEST_MAIN(cmocka_unit_test(test_parser_rejects),
                cmocka_unit_test(test_parser_fallback_eligibility))
