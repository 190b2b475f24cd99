/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * keys.h without files: the hex codec, peer ids in hex, and key pairs for a
 * protocol name or an engine config (checked against the Noise layer and
 * against an engine built with the key).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <p2pnoise/keys.h>

static const char *const X448 = "Noise_XX_448_ChaChaPoly_SHA256";

/* A deterministic RNG: a counter, so two runs from one seed agree. */
typedef struct det_rng {
  uint8_t next;
  int fail;
} det_rng;

static int det_fill(void *user, uint8_t *buf, size_t len) {
  det_rng *r = user;
  if (r->fail) return -1;
  for (size_t i = 0; i < len; i++)
    buf[i] = r->next++;
  return 0;
}

static int have_448(void) {
  pn_protocol p;
  return pn_protocol_parse(&p, X448, strlen(X448), PN_BACKEND_AUTO) == PN_OK;
}

/* ---- Hex ----------------------------------------------------------------- */

static void test_hex_encode(void **state) {
  (void)state;
  const uint8_t in[] = {0x00, 0x7f, 0x80, 0xab, 0xff};
  char out[11];
  assert_int_equal(pn_hex_encode(out, sizeof out, in, sizeof in), PN_OK);
  assert_string_equal(out, "007f80abff");
  /* Exactly 2n+1 fits; 2n does not, and nothing is written. */
  memset(out, 'x', sizeof out);
  assert_int_equal(pn_hex_encode(out, 10, in, sizeof in), PN_ERR_NOBUF);
  assert_int_equal(out[0], 'x');
  /* Empty input: an empty string. */
  assert_int_equal(pn_hex_encode(out, 1, NULL, 0), PN_OK);
  assert_string_equal(out, "");
  assert_int_equal(pn_hex_encode(out, 0, NULL, 0), PN_ERR_NOBUF);
  assert_int_equal(pn_hex_encode(NULL, 11, in, 5), PN_ERR_INVALID_ARGUMENT);
  assert_int_equal(pn_hex_encode(out, 11, NULL, 5), PN_ERR_INVALID_ARGUMENT);
}

static void test_hex_decode(void **state) {
  (void)state;
  uint8_t out[8];
  size_t n = 99;
  /* Upper, lower and mixed case are all accepted. */
  assert_int_equal(pn_hex_decode(out, sizeof out, &n, "00aBcDeF", 8), PN_OK);
  assert_int_equal(n, 4);
  assert_memory_equal(out, "\x00\xab\xcd\xef", 4);
  assert_int_equal(pn_hex_decode(out, sizeof out, &n, "ABCDEF", 6), PN_OK);
  assert_memory_equal(out, "\xab\xcd\xef", 3);
  /* Only |hexlen| characters count: no terminator needed. */
  assert_int_equal(pn_hex_decode(out, sizeof out, &n, "0102zz", 4), PN_OK);
  assert_int_equal(n, 2);
  assert_int_equal(pn_hex_decode(out, sizeof out, &n, "", 0), PN_OK);
  assert_int_equal(n, 0);
  /* Odd length, non-hex characters, a prefix, whitespace, a NUL. */
  assert_int_equal(pn_hex_decode(out, sizeof out, &n, "abc", 3),
                   PN_ERR_BAD_HEX);
  assert_int_equal(pn_hex_decode(out, sizeof out, &n, "0g", 2), PN_ERR_BAD_HEX);
  assert_int_equal(pn_hex_decode(out, sizeof out, &n, "0x12", 4),
                   PN_ERR_BAD_HEX);
  assert_int_equal(pn_hex_decode(out, sizeof out, &n, "12 4", 4),
                   PN_ERR_BAD_HEX);
  assert_int_equal(pn_hex_decode(out, sizeof out, &n, "12\0004", 4),
                   PN_ERR_BAD_HEX);
  /* Too small an output: refused before writing. */
  memset(out, 0xee, sizeof out);
  assert_int_equal(pn_hex_decode(out, 1, &n, "0102", 4), PN_ERR_NOBUF);
  assert_int_equal(out[0], 0xee);
  assert_int_equal(pn_hex_decode(out, 8, NULL, "01", 2),
                   PN_ERR_INVALID_ARGUMENT);
  assert_int_equal(pn_hex_decode(out, 8, &n, NULL, 2), PN_ERR_INVALID_ARGUMENT);
}

static void test_hex_round_trip(void **state) {
  (void)state;
  uint8_t in[256], back[256];
  char hex[513];
  for (size_t i = 0; i < sizeof in; i++)
    in[i] = (uint8_t)i;
  size_t n;
  assert_int_equal(pn_hex_encode(hex, sizeof hex, in, sizeof in), PN_OK);
  assert_int_equal(strlen(hex), 512);
  assert_int_equal(pn_hex_decode(back, sizeof back, &n, hex, 512), PN_OK);
  assert_int_equal(n, 256);
  assert_memory_equal(in, back, 256);
}

/* ---- Peer ids ------------------------------------------------------------ */

static void test_peer_id_hex(void **state) {
  (void)state;
  pn_peer_id id, back;
  char hex[PN_PEER_ID_HEX_MAX];
  for (size_t len = 32; len <= 56; len += 24) {
    memset(&id, 0, sizeof id);
    for (size_t i = 0; i < len; i++)
      id.key[i] = (uint8_t)(0xf0 + i);
    id.len = (uint8_t)len;
    assert_int_equal(pn_peer_id_to_hex(&id, hex, sizeof hex), PN_OK);
    assert_int_equal(strlen(hex), 2 * len);
    assert_int_equal(pn_peer_id_from_hex(&back, hex, strlen(hex)), PN_OK);
    assert_true(pn_peer_id_equal(&id, &back));
    assert_int_equal(back.anonymous, 0);
    /* Exactly 2*len+1 is enough; one less is not. */
    assert_int_equal(pn_peer_id_to_hex(&id, hex, 2 * len + 1), PN_OK);
    assert_int_equal(pn_peer_id_to_hex(&id, hex, 2 * len), PN_ERR_NOBUF);
  }
  /* Upper case in, lower case out. */
  char upper[65];
  memset(upper, 'A', 64);
  upper[64] = 0;
  assert_int_equal(pn_peer_id_from_hex(&id, upper, 64), PN_OK);
  assert_int_equal(id.len, 32);
  assert_int_equal(id.key[0], 0xaa);
  assert_int_equal(pn_peer_id_to_hex(&id, hex, sizeof hex), PN_OK);
  assert_int_equal(hex[0], 'a');
  /* An anonymous id is written as its bytes and reads back as the same
   * peer for pn_peer_id_equal, though not anonymous. */
  id.anonymous = 1;
  assert_int_equal(pn_peer_id_to_hex(&id, hex, sizeof hex), PN_OK);
  assert_int_equal(pn_peer_id_from_hex(&back, hex, strlen(hex)), PN_OK);
  assert_true(pn_peer_id_equal(&id, &back));
  assert_int_equal(back.anonymous, 0);
  /* Ids that are not ids. */
  id.len = 0;
  assert_int_equal(pn_peer_id_to_hex(&id, hex, sizeof hex),
                   PN_ERR_INVALID_ARGUMENT);
  id.len = PN_PEER_ID_MAX + 1;
  assert_int_equal(pn_peer_id_to_hex(&id, hex, sizeof hex),
                   PN_ERR_INVALID_ARGUMENT);
  assert_int_equal(pn_peer_id_to_hex(NULL, hex, sizeof hex),
                   PN_ERR_INVALID_ARGUMENT);
}

static void test_peer_id_from_bad_hex(void **state) {
  (void)state;
  char buf[1001];
  pn_peer_id id;
  memset(buf, '7', sizeof buf);
  buf[1000] = 0;
  static const size_t wrong_len[] = {0, 2, 62, 66, 110, 114, 1000};
  for (size_t i = 0; i < sizeof wrong_len / sizeof *wrong_len; i++) {
    memset(&id, 0x55, sizeof id);
    assert_int_equal(pn_peer_id_from_hex(&id, buf, wrong_len[i]),
                     PN_ERR_KEY_LENGTH);
    assert_int_equal(id.len, 0); /* zeroed on failure */
  }
  /* Odd lengths are not hex at all, whatever their size. */
  assert_int_equal(pn_peer_id_from_hex(&id, buf, 63), PN_ERR_BAD_HEX);
  assert_int_equal(pn_peer_id_from_hex(&id, buf, 113), PN_ERR_BAD_HEX);
  assert_int_equal(pn_peer_id_from_hex(&id, buf, 999), PN_ERR_BAD_HEX);
  /* A non-hex character anywhere, even in text of the wrong length. */
  buf[63] = 'g';
  assert_int_equal(pn_peer_id_from_hex(&id, buf, 64), PN_ERR_BAD_HEX);
  assert_int_equal(pn_peer_id_from_hex(&id, buf, 1000), PN_ERR_BAD_HEX);
  buf[63] = '\0';
  assert_int_equal(pn_peer_id_from_hex(&id, buf, 64), PN_ERR_BAD_HEX);
  buf[63] = '7';
  buf[0] = ' ';
  assert_int_equal(pn_peer_id_from_hex(&id, buf, 64), PN_ERR_BAD_HEX);
  assert_int_equal(id.len, 0);
  assert_int_equal(pn_peer_id_from_hex(NULL, buf, 64), PN_ERR_INVALID_ARGUMENT);
  assert_int_equal(pn_peer_id_from_hex(&id, NULL, 64), PN_ERR_INVALID_ARGUMENT);
}

/* ---- Key pairs ----------------------------------------------------------- */

static void test_generate_default_and_named(void **state) {
  (void)state;
  pn_keypair kp, again;
  pn_peer_id id;
  assert_int_equal(pn_keypair_generate_for(&kp, NULL, NULL), PN_OK);
  assert_int_equal(kp.dh, PN_DH_25519);
  assert_int_equal(pn_keypair_len(&kp), 32);
  /* The public key is the private key's. */
  assert_int_equal(pn_keypair_from_private_for(&again, NULL, kp.priv, 32),
                   PN_OK);
  assert_memory_equal(again.pub, kp.pub, 32);
  assert_int_equal(pn_keypair_peer_id(&kp, &id), PN_OK);
  assert_int_equal(id.len, 32);
  assert_int_equal(id.anonymous, 0);
  assert_memory_equal(id.key, kp.pub, 32);
  /* Two generations differ. */
  assert_int_equal(pn_keypair_generate_for(&again, NULL, NULL), PN_OK);
  assert_memory_not_equal(again.priv, kp.priv, 32);

  int rc = pn_keypair_generate_for(&kp, X448, NULL);
  if (have_448()) {
    assert_int_equal(rc, PN_OK);
    assert_int_equal(pn_keypair_len(&kp), 56);
    assert_int_equal(pn_keypair_from_private_for(&again, X448, kp.priv, 56),
                     PN_OK);
    assert_memory_equal(again.pub, kp.pub, 56);
  } else {
    assert_int_equal(rc, PN_ERR_UNSUPPORTED);
  }
  pn_keypair_wipe(&kp);
  pn_keypair_wipe(&again);

  assert_int_equal(
      pn_keypair_generate_for(&kp, "Noise_ZZ_25519_AESGCM_SHA256", NULL),
      PN_ERR_NAME_UNKNOWN_PATTERN);
  assert_int_equal(pn_keypair_generate_for(&kp, "nonsense", NULL),
                   PN_ERR_NAME_MALFORMED);
  assert_int_equal(pn_keypair_generate_for(NULL, NULL, NULL),
                   PN_ERR_INVALID_ARGUMENT);
}

static void test_generate_uses_rng(void **state) {
  (void)state;
  det_rng r1 = {7, 0}, r2 = {7, 0};
  pn_rng a = {det_fill, &r1}, b = {det_fill, &r2};
  pn_keypair k1, k2;
  assert_int_equal(pn_keypair_generate_for(&k1, NULL, &a), PN_OK);
  assert_int_equal(pn_keypair_generate_for(&k2, NULL, &b), PN_OK);
  assert_memory_equal(k1.priv, k2.priv, 32);
  r1.fail = 1;
  assert_int_equal(pn_keypair_generate_for(&k1, NULL, &a), PN_ERR_CRYPTO);

  /* Through a config: its RNG and its protocol. */
  pn_engine_config cfg;
  pn_engine_config_default(&cfg);
  det_rng r3 = {7, 0};
  cfg.rng.fill = det_fill;
  cfg.rng.user = &r3;
  assert_int_equal(pn_keypair_generate_for_config(&k1, &cfg), PN_OK);
  assert_memory_equal(k1.priv, k2.priv, 32);
  r3.fail = 1;
  assert_int_equal(pn_keypair_generate_for_config(&k1, &cfg), PN_ERR_CRYPTO);
  cfg.rng.fill = NULL; /* libsodium */
  cfg.protocol = X448;
  int rc = pn_keypair_generate_for_config(&k1, &cfg);
  assert_int_equal(rc, have_448() ? PN_OK : PN_ERR_UNSUPPORTED);
  if (rc == PN_OK) assert_int_equal(pn_keypair_len(&k1), 56);
  assert_int_equal(pn_keypair_generate_for_config(&k1, NULL),
                   PN_ERR_INVALID_ARGUMENT);
}

/* The generated key is what an engine for the config takes, and the engine's
 * own id is the key pair's peer id. */
static void test_generated_key_drives_engine(void **state) {
  (void)state;
  pn_engine_config cfg;
  pn_engine_config_default(&cfg);
  pn_keypair kp;
  assert_int_equal(pn_keypair_generate_for_config(&kp, &cfg), PN_OK);
  cfg.static_private = kp.priv;
  cfg.static_private_len = pn_keypair_len(&kp);
  pn_engine *e;
  assert_int_equal(pn_engine_new(&e, &cfg, 1), PN_OK);
  pn_peer_id mine, engines;
  assert_int_equal(pn_keypair_peer_id(&kp, &mine), PN_OK);
  pn_engine_local_id(e, &engines);
  assert_true(pn_peer_id_equal(&mine, &engines));
  pn_engine_free(e);
  pn_keypair_wipe(&kp);
}

static void test_from_private_lengths(void **state) {
  (void)state;
  uint8_t priv[PN_NOISE_MAX_DHLEN + 1];
  memset(priv, 9, sizeof priv);
  pn_keypair kp;
  static const size_t bad[] = {0, 1, 31, 33, 55, 57};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    assert_int_equal(pn_keypair_from_private_for(&kp, NULL, priv, bad[i]),
                     PN_ERR_KEY_LENGTH);
  /* A protocol fixes the length: a 448 key for 25519 is refused. */
  assert_int_equal(pn_keypair_from_private_for(
                       &kp, "Noise_XX_25519_ChaChaPoly_SHA256", priv, 56),
                   PN_ERR_KEY_LENGTH);
  assert_int_equal(pn_keypair_from_private_for(&kp, NULL, priv, 32), PN_OK);
  assert_int_equal(kp.dh, PN_DH_25519);
  assert_int_equal(pn_keypair_from_private_for(&kp, NULL, priv, 56),
                   have_448() ? PN_OK : PN_ERR_UNSUPPORTED);
  assert_int_equal(pn_keypair_from_private_for(&kp, "Noise_", priv, 32),
                   PN_ERR_NAME_MALFORMED);
  assert_int_equal(pn_keypair_from_private_for(&kp, NULL, NULL, 32),
                   PN_ERR_INVALID_ARGUMENT);
  /* Empty key pairs have no length and no id. */
  pn_keypair none;
  pn_peer_id id;
  memset(&none, 0, sizeof none);
  assert_int_equal(pn_keypair_len(&none), 0);
  assert_int_equal(pn_keypair_len(NULL), 0);
  assert_int_equal(pn_keypair_peer_id(&none, &id), PN_ERR_INVALID_ARGUMENT);
  assert_int_equal(id.len, 0);
}

static void test_error_texts(void **state) {
  (void)state;
  const int codes[] = {PN_ERR_IO, PN_ERR_BAD_HEX, PN_ERR_KEY_LENGTH,
                       PN_ERR_KEYFILE};
  const char *unknown = pn_strerror(-12345);
  for (size_t i = 0; i < 4; i++) {
    assert_string_not_equal(pn_strerror(codes[i]), unknown);
    for (size_t j = 0; j < i; j++)
      assert_string_not_equal(pn_strerror(codes[i]), pn_strerror(codes[j]));
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_hex_encode),
      cmocka_unit_test(test_hex_decode),
      cmocka_unit_test(test_hex_round_trip),
      cmocka_unit_test(test_peer_id_hex),
      cmocka_unit_test(test_peer_id_from_bad_hex),
      cmocka_unit_test(test_generate_default_and_named),
      cmocka_unit_test(test_generate_uses_rng),
      cmocka_unit_test(test_generated_key_drives_engine),
      cmocka_unit_test(test_from_private_lengths),
      cmocka_unit_test(test_error_texts),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
