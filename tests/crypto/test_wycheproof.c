/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * Wycheproof (C2SP) vectors through the project's own crypto wrappers, for
 * every backend that supplies the primitive: X25519, ChaCha20-Poly1305 and
 * AES-256-GCM. Usage: test_wycheproof VECTORS_DIR, where VECTORS_DIR holds a
 * wycheproof/ folder. Without one it exits 77 (skipped), after checking the
 * JSON reader the runners depend on.
 *
 * The AEAD ops take a Noise counter, but a Wycheproof nonce is any 12 bytes,
 * so the cases run through the ops' raw-nonce entry points (encrypt_iv /
 * decrypt_iv), which the counter entry points call. Cases whose nonce is a
 * Noise nonce (4 zero bytes first) run through the counter entry points too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "crypto.h"
#include "json.h"
#include "testutil.h"

static const char *wp_dir; /* .../wycheproof */

static const pn_backend backends[] = {PN_BACKEND_SODIUM, PN_BACKEND_OPENSSL};
static const char *const backend_names[] = {"libsodium", "libcrypto"};

/* ---- Helpers ------------------------------------------------------------ */

static pn_json *load(const char *name, char *text_out[1]) {
  char path[4096], err[256];
  size_t len = 0;
  snprintf(path, sizeof path, "%s/%s", wp_dir, name);
  char *text = pn_test_read_file(path, &len);
  if (!text) fail_msg("cannot read %s", path);
  pn_json *doc = pn_json_parse(text, len, err, sizeof err);
  if (!doc) {
    free(text);
    fail_msg("%s: %s", path, err);
  }
  *text_out = text;
  return doc;
}

/* A hex member as a fresh buffer (never NULL, so an empty value is still
 * a valid pointer); *len gets the byte count. */
static uint8_t *hexdup(const pn_json *obj, const char *key, size_t *len) {
  const pn_json *v = pn_json_get(obj, key);
  size_t cap = pn_json_strlen(v) / 2;
  uint8_t *p = malloc(cap + 1);
  assert_non_null(p);
  long n = pn_json_hex(v, p, cap);
  if (n < 0) fail_msg("member %s is not a hex string", key);
  *len = (size_t)n;
  return p;
}

static const char *str_of(const pn_json *obj, const char *key) {
  const char *s = pn_json_str(pn_json_get(obj, key));
  return s ? s : "";
}

static long tc_id(const pn_json *t) {
  return (long)pn_json_num(pn_json_get(t, "tcId"));
}

/* Counts the tests and checks numberOfTests agrees. */
static size_t count_tests(const pn_json *doc) {
  const pn_json *groups = pn_json_get(doc, "testGroups");
  size_t n = 0;
  for (size_t g = 0; g < pn_json_len(groups); g++)
    n += pn_json_len(pn_json_get(pn_json_at(groups, g), "tests"));
  assert_int_equal(n, (size_t)pn_json_num(pn_json_get(doc, "numberOfTests")));
  return n;
}

/* ---- X25519 ------------------------------------------------------------- */

static void test_x25519(void **state) {
  (void)state;
  char *text;
  pn_json *doc = load("x25519_test.json", &text);
  const pn_json *groups = pn_json_get(doc, "testGroups");
  size_t total = count_tests(doc), failed_all = 0;

  for (size_t b = 0; b < 2; b++) {
    const pn_dh_ops *op = pn_crypto_dh(PN_DH_25519, backends[b]);
    size_t match = 0, refused = 0, failed = 0, skipped = 0;
    if (!op) {
      printf("wycheproof x25519 [%s]: not in this build, skipped\n",
             backend_names[b]);
      continue;
    }
    for (size_t g = 0; g < pn_json_len(groups); g++) {
      const pn_json *grp = pn_json_at(groups, g);
      const pn_json *tests = pn_json_get(grp, "tests");
      int curve_ok = strcmp(str_of(grp, "curve"), "curve25519") == 0;
      for (size_t i = 0; i < pn_json_len(tests); i++) {
        const pn_json *t = pn_json_at(tests, i);
        size_t publen, privlen, sharedlen;
        uint8_t *pub = hexdup(t, "public", &publen);
        uint8_t *priv = hexdup(t, "private", &privlen);
        uint8_t *shared = hexdup(t, "shared", &sharedlen);
        const char *result = str_of(t, "result");
        uint8_t out[32];
        if (!curve_ok || publen != 32 || privlen != 32 || sharedlen != 32) {
          skipped++;
        } else {
          int rc = pn_dh(op, out, priv, pub);
          /* An all-zero shared secret (a low-order point) must be refused,
           * as must anything marked invalid; everything else must match. */
          if (pn_is_zero(shared, 32) || strcmp(result, "invalid") == 0) {
            if (rc == PN_ERR_DH && pn_is_zero(out, 32)) {
              refused++;
            } else {
              failed++;
              printf("  tcId %ld: expected PN_ERR_DH, got %d\n", tc_id(t), rc);
            }
          } else if (rc == PN_OK && memcmp(out, shared, 32) == 0) {
            match++;
          } else {
            failed++;
            printf("  tcId %ld (%s): rc %d or wrong secret\n", tc_id(t), result,
                   rc);
          }
        }
        free(pub);
        free(priv);
        free(shared);
      }
    }
    printf("wycheproof x25519 [%s]: %zu match, %zu refused, %zu failed",
           op->impl, match, refused, failed);
    if (skipped) printf(", %zu skipped", skipped);
    printf(" (of %zu)\n", total);
    assert_int_equal(match + refused + failed + skipped, total);
    failed_all += failed;
  }
  pn_json_free(doc);
  free(text);
  assert_int_equal(failed_all, 0);
}

/* ---- AEADs -------------------------------------------------------------- */

typedef struct {
  size_t ok, refused, failed, skipped, via_counter;
} aead_counts;

/* Which groups an AEAD runner takes: the 256-bit key, 96-bit nonce and
 * 128-bit tag that Noise's ciphers use. Anything else is skipped and
 * counted. */
static int group_fits(const pn_json *grp) {
  return pn_json_num(pn_json_get(grp, "keySize")) == 256 &&
         pn_json_num(pn_json_get(grp, "ivSize")) == 96 &&
         pn_json_num(pn_json_get(grp, "tagSize")) == 128;
}

static uint64_t counter_of(const uint8_t iv[12], int big_endian) {
  uint64_t n = 0;
  for (int i = 0; i < 8; i++)
    n |= (uint64_t)iv[big_endian ? 11 - i : 4 + i] << (8 * i);
  return n;
}

static void aead_case(const pn_cipher_ops *op, pn_crypto_ctx *cx,
                      const pn_json *t, aead_counts *c) {
  size_t keylen, ivlen, adlen, msglen, ctlen, taglen;
  uint8_t *key = hexdup(t, "key", &keylen);
  uint8_t *iv = hexdup(t, "iv", &ivlen);
  uint8_t *ad = hexdup(t, "aad", &adlen);
  uint8_t *msg = hexdup(t, "msg", &msglen);
  uint8_t *ct = hexdup(t, "ct", &ctlen);
  uint8_t *tag = hexdup(t, "tag", &taglen);
  const char *result = str_of(t, "result");
  int valid = strcmp(result, "valid") == 0;
  int bad = 0;

  if (keylen != 32 || ivlen != 12 || taglen != 16) {
    c->skipped++;
    goto out;
  }
  /* ct || tag, the ops' layout, with room to decrypt in place. */
  size_t sealed_len = ctlen + 16;
  uint8_t *sealed = malloc(sealed_len), *out = malloc(sealed_len);
  assert_non_null(sealed);
  assert_non_null(out);
  memcpy(sealed, ct, ctlen);
  memcpy(sealed + ctlen, tag, 16);
  int noise_nonce = pn_is_zero(iv, 4);
  uint64_t n = counter_of(iv, op->id == PN_CIPHER_AESGCM);

  memset(out, 0xAA, sealed_len);
  int rc = op->decrypt_iv(cx, key, iv, ad, adlen, sealed, sealed_len, out);
  if (valid) {
    /* Decrypt gives msg; encrypt gives back ct || tag. */
    bad |= rc != PN_OK || ctlen != msglen ||
           (msglen && memcmp(out, msg, msglen) != 0);
    if (!bad) {
      bad |=
          op->encrypt_iv(cx, key, iv, ad, adlen, msg, msglen, out) != PN_OK ||
          memcmp(out, sealed, sealed_len) != 0;
      if (noise_nonce) {
        bad |= op->encrypt(cx, key, n, ad, adlen, msg, msglen, out) != PN_OK ||
               memcmp(out, sealed, sealed_len) != 0;
        bad |= op->decrypt(cx, key, n, ad, adlen, sealed, sealed_len, out) !=
                   PN_OK ||
               (msglen && memcmp(out, msg, msglen) != 0);
      }
    }
    if (bad) {
      c->failed++;
      printf("  tcId %ld: valid case does not round-trip (rc %d)\n", tc_id(t),
             rc);
    } else {
      c->ok++;
      c->via_counter += (size_t)noise_nonce;
    }
  } else {
    /* Refused, with no unauthenticated plaintext left in out. */
    bad |= rc != PN_ERR_DECRYPT || !pn_is_zero(out, ctlen);
    if (noise_nonce)
      bad |= op->decrypt(cx, key, n, ad, adlen, sealed, sealed_len, out) !=
             PN_ERR_DECRYPT;
    if (bad) {
      c->failed++;
      printf("  tcId %ld: %s case not refused (rc %d)\n", tc_id(t), result, rc);
    } else {
      c->refused++;
      c->via_counter += (size_t)noise_nonce;
    }
  }
  free(sealed);
  free(out);
out:
  free(key);
  free(iv);
  free(ad);
  free(msg);
  free(ct);
  free(tag);
}

static void run_aead(const char *file, const char *label, int cipher_id) {
  char *text;
  pn_json *doc = load(file, &text);
  const pn_json *groups = pn_json_get(doc, "testGroups");
  size_t total = count_tests(doc), failed_all = 0;

  for (size_t b = 0; b < 2; b++) {
    const pn_cipher_ops *op = pn_crypto_cipher(cipher_id, backends[b]);
    aead_counts c = {0};
    if (!op) {
      printf("wycheproof %s [%s]: not in this build or on this CPU, skipped\n",
             label, backend_names[b]);
      continue;
    }
    pn_crypto_ctx cx;
    assert_int_equal(pn_crypto_ctx_setup(&cx, op), PN_OK);
    for (size_t g = 0; g < pn_json_len(groups); g++) {
      const pn_json *grp = pn_json_at(groups, g);
      const pn_json *tests = pn_json_get(grp, "tests");
      if (!group_fits(grp)) {
        c.skipped += pn_json_len(tests);
        continue;
      }
      for (size_t i = 0; i < pn_json_len(tests); i++)
        aead_case(op, &cx, pn_json_at(tests, i), &c);
    }
    pn_crypto_ctx_wipe(&cx);
    printf("wycheproof %s [%s]: %zu round-trip, %zu refused, %zu failed, %zu "
           "skipped (key/nonce/tag size outside Noise); %zu also via the "
           "counter nonce\n",
           label, op->impl, c.ok, c.refused, c.failed, c.skipped,
           c.via_counter);
    assert_int_equal(c.ok + c.refused + c.failed + c.skipped, total);
    failed_all += c.failed;
  }
  pn_json_free(doc);
  free(text);
  assert_int_equal(failed_all, 0);
}

static void test_chacha20_poly1305(void **state) {
  (void)state;
  run_aead("chacha20_poly1305_test.json", "chacha20-poly1305",
           PN_CIPHER_CHACHAPOLY);
}

static void test_aes_gcm(void **state) {
  (void)state;
  run_aead("aes_gcm_test.json", "aes-256-gcm", PN_CIPHER_AESGCM);
}

/* ---- The JSON reader ---------------------------------------------------- */

static pn_json *parse(const char *s) {
  char err[128];
  return pn_json_parse(s, strlen(s), err, sizeof err);
}

static void test_json_values(void **state) {
  (void)state;
  static const char doc[] =
      " \xEF\xBB\xBF"
      "{\"a\": [1, -0.5, 2e3, 1E-2, 0, -0, 12345678901234567890],\n"
      " \"s\": \"x\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\u20AC\\ud83d\\ude00\","
      " \"z\": \"a\\u0000b\", \"t\": true, \"f\": false, \"n\": null,"
      " \"e\": {}, \"ea\": [], \"h\": \"00ff10\", \"a\": \"dup\","
      " \"deep\": [[[{\"k\": [\"v\"]}]]]}\r\n\t ";
  char err[128];
  /* The BOM is only accepted first, so skip the leading space here. */
  pn_json *v = pn_json_parse(doc + 1, sizeof doc - 2, err, sizeof err);
  assert_non_null(v);
  assert_int_equal(pn_json_typeof(v), PN_JSON_OBJECT);
  assert_int_equal(pn_json_len(v), 11);
  assert_string_equal(pn_json_key_at(v, 0), "a");
  assert_string_equal(pn_json_key_at(v, 10), "deep");
  assert_null(pn_json_key_at(v, 11));

  const pn_json *a = pn_json_get(v, "a"); /* the first of two "a" */
  assert_int_equal(pn_json_typeof(a), PN_JSON_ARRAY);
  assert_int_equal(pn_json_len(a), 7);
  assert_true(pn_json_num(pn_json_at(a, 0)) == 1.0);
  assert_true(pn_json_num(pn_json_at(a, 1)) == -0.5);
  assert_true(pn_json_num(pn_json_at(a, 2)) == 2000.0);
  assert_true(pn_json_num(pn_json_at(a, 3)) == 0.01);
  assert_true(pn_json_num(pn_json_at(a, 6)) > 1.2e19);
  assert_null(pn_json_at(a, 7));

  const pn_json *s = pn_json_get(v, "s");
  assert_string_equal(pn_json_str(s), "x\"\\/\b\f\n\r\t\xC3\xA9\xE2\x82\xAC"
                                      "\xF0\x9F\x98\x80");
  assert_int_equal(pn_json_strlen(s), 18);
  const pn_json *z = pn_json_get(v, "z");
  assert_int_equal(pn_json_strlen(z), 3);
  assert_memory_equal(pn_json_str(z), "a\0b", 3);

  assert_int_equal(pn_json_typeof(pn_json_get(v, "t")), PN_JSON_BOOL);
  assert_int_equal(pn_json_bool(pn_json_get(v, "t")), 1);
  assert_int_equal(pn_json_bool(pn_json_get(v, "f")), 0);
  assert_int_equal(pn_json_typeof(pn_json_get(v, "n")), PN_JSON_NULL);
  assert_int_equal(pn_json_len(pn_json_get(v, "e")), 0);
  assert_int_equal(pn_json_typeof(pn_json_get(v, "ea")), PN_JSON_ARRAY);
  assert_null(pn_json_get(v, "missing"));

  uint8_t h[3];
  assert_int_equal(pn_json_hex(pn_json_get(v, "h"), h, sizeof h), 3);
  assert_memory_equal(h, "\x00\xff\x10", 3);
  assert_int_equal(pn_json_hex(pn_json_get(v, "h"), h, 2), -1);
  assert_int_equal(pn_json_hex(pn_json_get(v, "s"), h, sizeof h), -1);
  assert_int_equal(pn_json_hex(pn_json_get(v, "t"), h, sizeof h), -1);

  const pn_json *d = pn_json_get(v, "deep");
  d = pn_json_get(pn_json_at(pn_json_at(pn_json_at(d, 0), 0), 0), "k");
  assert_string_equal(pn_json_str(pn_json_at(d, 0)), "v");

  /* Accessors on the wrong type or NULL. */
  assert_null(pn_json_get(a, "x"));
  assert_null(pn_json_str(a));
  assert_int_equal(pn_json_len(s), 0);
  assert_null(pn_json_at(NULL, 0));
  assert_null(pn_json_get(NULL, "a"));
  assert_true(pn_json_num(s) == 0.0);
  assert_int_equal(pn_json_typeof(NULL), PN_JSON_NULL);
  pn_json_free(v);
  pn_json_free(NULL);

  /* Scalars at the top level. */
  v = parse(" 42 ");
  assert_non_null(v);
  assert_true(pn_json_num(v) == 42.0);
  pn_json_free(v);
  v = parse("\"\"");
  assert_non_null(v);
  assert_string_equal(pn_json_str(v), "");
  pn_json_free(v);
}

static void test_json_errors(void **state) {
  (void)state;
  static const char *const bad[] = {"",
                                    " ",
                                    "{",
                                    "}",
                                    "[",
                                    "[1,]",
                                    "[,1]",
                                    "[1 2]",
                                    "{\"a\"}",
                                    "{\"a\":}",
                                    "{\"a\":1,}",
                                    "{1:2}",
                                    "{\"a\" 1}",
                                    "01",
                                    "-01",
                                    "1.",
                                    ".5",
                                    "-",
                                    "1e",
                                    "1e+",
                                    "+1",
                                    "NaN",
                                    "Infinity",
                                    "tru",
                                    "nul",
                                    "falsey",
                                    "\"abc",
                                    "\"\\x\"",
                                    "\"\\u12\"",
                                    "\"\\u12G4\"",
                                    "\"\\ud800\"",
                                    "\"\\ud800x\"",
                                    "\"\\ud800\\u0041\"",
                                    "\"\\udc00\"",
                                    "\"a\nb\"",
                                    "\"\\",
                                    "\"\\\"",
                                    "1 2",
                                    "[1]x",
                                    "{\"a\":1}}",
                                    "\x01",
                                    "'a'"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char err[128] = "";
    pn_json *v = pn_json_parse(bad[i], strlen(bad[i]), err, sizeof err);
    if (v) fail_msg("accepted bad JSON #%zu: %s", i, bad[i]);
    assert_true(err[0] != 0);
  }
  /* A tiny or absent error buffer is fine. */
  char tiny[4];
  assert_null(pn_json_parse("[1,", 3, tiny, sizeof tiny));
  assert_true(strlen(tiny) < sizeof tiny);
  assert_null(pn_json_parse("[1,", 3, NULL, 0));
  assert_null(pn_json_parse(NULL, 0, NULL, 0));
  /* The length is respected: nothing past it is read. */
  pn_json *v = pn_json_parse("[1]garbage", 3, NULL, 0);
  assert_non_null(v);
  pn_json_free(v);
  assert_null(pn_json_parse("\"abc\"", 4, NULL, 0));
}

static void test_json_depth(void **state) {
  (void)state;
  enum { DEEP = 100000 };
  char *s = malloc(2 * DEEP + 1);
  assert_non_null(s);
  /* Deeply nested input is refused, not recursed into. */
  memset(s, '[', DEEP);
  memset(s + DEEP, ']', DEEP);
  assert_null(pn_json_parse(s, 2 * DEEP, NULL, 0));
  /* Reasonable nesting is fine. */
  pn_json *v = pn_json_parse(s + DEEP - 200, 400, NULL, 0);
  assert_non_null(v);
  pn_json_free(v);
  free(s);
}

/* Every prefix and many random mutations of a vector-like document must
 * parse or fail cleanly (the sanitizers watch for the rest). */
static void test_json_mutations(void **state) {
  (void)state;
  static const char doc[] =
      "{\"testGroups\": [{\"ivSize\": 96, \"tests\": [{\"tcId\": 1, "
      "\"comment\": \"a\\u00e9\\n\", \"flags\": [\"Ktv\"], \"key\": "
      "\"00112233\", \"ok\": true, \"no\": null, \"x\": -1.5e+3}]}]}";
  static const char alphabet[] = "{}[],:\"\\u0123456789abcdefeE+-.tfn \n\x80";
  size_t len = sizeof doc - 1;
  char buf[sizeof doc];
  uint32_t seed = 12345;
  for (size_t cut = 0; cut < len; cut++) {
    pn_json *v = pn_json_parse(doc, cut, NULL, 0);
    assert_null(v); /* every proper prefix of an object is incomplete */
  }
  for (int r = 0; r < 20000; r++) {
    memcpy(buf, doc, len);
    int edits = 1 + r % 4;
    for (int e = 0; e < edits; e++) {
      seed = seed * 1103515245u + 12345u;
      size_t at = (seed >> 8) % len;
      seed = seed * 1103515245u + 12345u;
      buf[at] = alphabet[(seed >> 8) % (sizeof alphabet - 1)];
    }
    char err[64];
    pn_json *v = pn_json_parse(buf, len, err, sizeof err);
    if (v) {
      /* Walk whatever came out. */
      for (size_t i = 0; i < pn_json_len(v); i++) {
        (void)pn_json_key_at(v, i);
        (void)pn_json_str(pn_json_at(v, i));
      }
      pn_json_free(v);
    }
  }
}

int main(int argc, char **argv) {
  const struct CMUnitTest json_tests[] = {
      cmocka_unit_test(test_json_values),
      cmocka_unit_test(test_json_errors),
      cmocka_unit_test(test_json_depth),
      cmocka_unit_test(test_json_mutations),
  };
  const struct CMUnitTest vector_tests[] = {
      cmocka_unit_test(test_x25519),
      cmocka_unit_test(test_chacha20_poly1305),
      cmocka_unit_test(test_aes_gcm),
  };
  static char dir[4096];
  struct stat st;

  if (pn_crypto_init() != PN_OK) return 1;
  int failed = cmocka_run_group_tests_name("json", json_tests, NULL, NULL);
  if (failed) return 1;

  if (argc < 2 || !argv[1][0]) {
    printf("wycheproof: no vectors folder given (PN_VECTORS_DIR), skipped\n");
    return 77;
  }
  snprintf(dir, sizeof dir, "%s/wycheproof", argv[1]);
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
    printf("wycheproof: %s is not a folder, skipped\n", dir);
    return 77;
  }
  wp_dir = dir;
  failed = cmocka_run_group_tests_name("wycheproof", vector_tests, NULL, NULL);
  return failed ? 1 : 0;
}
