/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * Key files (keys.h): the format the p2pnoise command has always written,
 * every kind of bad file refused with its own code, bounded reads, and
 * saving: mode 0600 whatever the umask, never overwriting or following a
 * link, no partial file after a failed write.
 */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <p2pnoise/keys.h>

static char g_dir[] = "/tmp/pn_keyfile_XXXXXX";
static char g_path[512];

/* |g_dir|/|name|, in g_path. */
static const char *path_of(const char *name) {
  snprintf(g_path, sizeof g_path, "%s/%s", g_dir, name);
  return g_path;
}

static const char *write_file(const char *name, const void *data, size_t n) {
  const char *p = path_of(name);
  FILE *f = fopen(p, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(data, 1, n, f), n);
  assert_int_equal(fclose(f), 0);
  return p;
}

static const char *write_text(const char *name, const char *text) {
  return write_file(name, text, strlen(text));
}

static const char KEY32[] =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

/* Loads |path| expecting |want|; on failure the outputs are cleared. */
static void expect_load(const char *path, int want) {
  uint8_t priv[PN_NOISE_MAX_DHLEN];
  size_t len = 77;
  memset(priv, 0xaa, sizeof priv);
  int rc = pn_keyfile_load(path, priv, &len);
  if (rc != want)
    fail_msg("%s: got %d (%s), want %d (%s)", path, rc, pn_strerror(rc), want,
             pn_strerror(want));
  if (rc != PN_OK) {
    assert_int_equal(len, 0);
    for (size_t i = 0; i < sizeof priv; i++)
      assert_int_equal(priv[i], 0);
  }
}

static int setup(void **state) {
  (void)state;
  return mkdtemp(g_dir) ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
  return system(cmd) == 0 ? 0 : -1;
}

static void test_round_trip(void **state) {
  (void)state;
  uint8_t priv[56], back[PN_NOISE_MAX_DHLEN];
  size_t len;
  for (size_t i = 0; i < sizeof priv; i++)
    priv[i] = (uint8_t)(i * 7 + 1);
  assert_int_equal(pn_keyfile_save(path_of("k32"), priv, 32), PN_OK);
  assert_int_equal(pn_keyfile_load(path_of("k32"), back, &len), PN_OK);
  assert_int_equal(len, 32);
  assert_memory_equal(back, priv, 32);
  assert_int_equal(pn_keyfile_save(path_of("k56"), priv, 56), PN_OK);
  assert_int_equal(pn_keyfile_load(path_of("k56"), back, &len), PN_OK);
  assert_int_equal(len, 56);
  assert_memory_equal(back, priv, 56);
  /* The bytes on disk: one line of lowercase hex, as the CLI wrote. */
  memcpy(priv,
         "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e"
         "\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d"
         "\x1e\x1f",
         32);
  assert_int_equal(pn_keyfile_save(path_of("exact"), priv, 32), PN_OK);
  char text[100] = {0};
  FILE *f = fopen(path_of("exact"), "rb");
  assert_non_null(f);
  size_t n = fread(text, 1, sizeof text - 1, f);
  fclose(f);
  assert_int_equal(n, 65);
  assert_memory_equal(text, KEY32, 64);
  assert_int_equal(text[64], '\n');
}

static void test_accepted_forms(void **state) {
  (void)state;
  uint8_t priv[PN_NOISE_MAX_DHLEN], want[32];
  size_t len;
  for (size_t i = 0; i < 32; i++)
    want[i] = (uint8_t)i;
  char text[512];
  /* Comments and blank lines around the key, CRLF, trailing blanks, no
   * final newline, upper case. */
  const char *forms[] = {
      "%s\n",      "%s",        "# my key\n\n%s\n", "# a\n%s\r\n\n# b\n",
      "%s \t\r\n", "\n\n%s\n\n"};
  for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
    snprintf(text, sizeof text, forms[i], KEY32);
    char name[16];
    snprintf(name, sizeof name, "form%zu", i);
    assert_int_equal(pn_keyfile_load(write_text(name, text), priv, &len),
                     PN_OK);
    assert_int_equal(len, 32);
    assert_memory_equal(priv, want, 32);
  }
  char upper[65];
  for (size_t i = 0; i < 64; i++)
    upper[i] = (char)(KEY32[i] >= 'a' ? KEY32[i] - 32 : KEY32[i]);
  upper[64] = 0;
  assert_int_equal(pn_keyfile_load(write_text("upper", upper), priv, &len),
                   PN_OK);
  assert_memory_equal(priv, want, 32);
}

static void test_bad_contents(void **state) {
  (void)state;
  char text[512];
  /* Not a key file at all. */
  expect_load(write_text("empty", ""), PN_ERR_KEYFILE);
  expect_load(write_text("blank", "\n\n  \n"), PN_ERR_KEYFILE);
  expect_load(write_text("comments", "# nothing\n# here\n"), PN_ERR_KEYFILE);
  snprintf(text, sizeof text, "%s\n%s\n", KEY32, KEY32);
  expect_load(write_text("twice", text), PN_ERR_KEYFILE);
  /* NUL bytes: in the key line, after it, in a comment. */
  char bin[80];
  memcpy(bin, KEY32, 64);
  bin[10] = 0;
  expect_load(write_file("nul_in_key", bin, 64), PN_ERR_KEYFILE);
  memcpy(bin, KEY32, 64);
  bin[64] = '\n';
  bin[65] = 0;
  expect_load(write_file("nul_after", bin, 66), PN_ERR_KEYFILE);
  expect_load(write_file("nul_comment", "#\0\n", 3), PN_ERR_KEYFILE);
  /* Not hex: words, a prefix, a leading blank, odd length. */
  expect_load(write_text("words", "not a key\n"), PN_ERR_BAD_HEX);
  snprintf(text, sizeof text, "0x%s\n", KEY32);
  expect_load(write_text("prefix", text), PN_ERR_BAD_HEX);
  snprintf(text, sizeof text, " %s\n", KEY32);
  expect_load(write_text("leading", text), PN_ERR_BAD_HEX);
  snprintf(text, sizeof text, "%.63s\n", KEY32);
  expect_load(write_text("odd", text), PN_ERR_BAD_HEX);
  snprintf(text, sizeof text, "%.62sgg\n", KEY32);
  expect_load(write_text("nonhex_end", text), PN_ERR_BAD_HEX);
  /* Hex of the wrong size: short, long, between the two DH sizes. */
  expect_load(write_text("tiny", "0123\n"), PN_ERR_KEY_LENGTH);
  snprintf(text, sizeof text, "%.62s\n", KEY32);
  expect_load(write_text("short", text), PN_ERR_KEY_LENGTH);
  snprintf(text, sizeof text, "%s00\n", KEY32);
  expect_load(write_text("long", text), PN_ERR_KEY_LENGTH);
  snprintf(text, sizeof text, "%s%s\n", KEY32, KEY32);
  expect_load(write_text("double", text), PN_ERR_KEY_LENGTH);
}

static void test_size_bound(void **state) {
  (void)state;
  /* Exactly PN_KEYFILE_MAX bytes: a comment line padded up to the limit. */
  static char big[PN_KEYFILE_MAX + 2];
  size_t pad = PN_KEYFILE_MAX - 65 - 1;
  big[0] = '#';
  memset(big + 1, 'x', pad - 1);
  big[pad] = '\n';
  memcpy(big + pad + 1, KEY32, 64);
  big[pad + 65] = '\n';
  assert_int_equal(pad + 66, PN_KEYFILE_MAX);
  expect_load(write_file("at_limit", big, PN_KEYFILE_MAX), PN_OK);
  /* One byte more (a trailing newline) is refused. */
  big[PN_KEYFILE_MAX] = '\n';
  expect_load(write_file("over_limit", big, PN_KEYFILE_MAX + 1),
              PN_ERR_KEYFILE);
  /* An endless source is read only up to the bound, then refused. */
  expect_load("/dev/zero", PN_ERR_KEYFILE);
}

static void test_unreadable(void **state) {
  (void)state;
  uint8_t priv[PN_NOISE_MAX_DHLEN];
  size_t len;
  errno = 0;
  assert_int_equal(pn_keyfile_load(path_of("missing"), priv, &len), PN_ERR_IO);
  assert_int_equal(errno, ENOENT);
  errno = 0;
  assert_int_equal(pn_keyfile_load(g_dir, priv, &len), PN_ERR_IO);
  assert_int_equal(errno, EISDIR);
  assert_int_equal(pn_keyfile_load(NULL, priv, &len), PN_ERR_INVALID_ARGUMENT);
  assert_int_equal(pn_keyfile_load(g_dir, NULL, &len), PN_ERR_INVALID_ARGUMENT);
  assert_int_equal(pn_keyfile_load(g_dir, priv, NULL), PN_ERR_INVALID_ARGUMENT);
}

static void test_no_permission(void **state) {
  (void)state;
  uint8_t priv[PN_NOISE_MAX_DHLEN];
  size_t len;
  if (geteuid() == 0) skip(); /* root reads a file of mode 000 */
  const char *p = write_text("noread", KEY32);
  assert_int_equal(chmod(p, 0), 0);
  errno = 0;
  assert_int_equal(pn_keyfile_load(p, priv, &len), PN_ERR_IO);
  assert_int_equal(errno, EACCES);
}

static mode_t mode_of(const char *p) {
  struct stat st;
  assert_int_equal(lstat(p, &st), 0);
  return st.st_mode & 07777;
}

static void test_save_mode_and_refusals(void **state) {
  (void)state;
  uint8_t priv[56];
  memset(priv, 3, sizeof priv);
  /* 0600 with a permissive umask and with one that would take the owner's
   * write bit. */
  mode_t old = umask(0);
  assert_int_equal(pn_keyfile_save(path_of("m0"), priv, 32), PN_OK);
  assert_int_equal(mode_of(g_path), 0600);
  umask(0277);
  assert_int_equal(pn_keyfile_save(path_of("m277"), priv, 32), PN_OK);
  umask(old);
  assert_int_equal(mode_of(g_path), 0600);

  /* Never overwrites: the file keeps its contents. */
  const char *p = write_text("exists", "keep me\n");
  errno = 0;
  assert_int_equal(pn_keyfile_save(p, priv, 32), PN_ERR_IO);
  assert_int_equal(errno, EEXIST);
  char text[16] = {0};
  FILE *f = fopen(p, "rb");
  assert_non_null(f);
  assert_int_equal(fread(text, 1, sizeof text - 1, f), 8);
  fclose(f);
  assert_string_equal(text, "keep me\n");

  /* Never follows a link, even a dangling one, nor creates its target. */
  char target[512];
  snprintf(target, sizeof target, "%s/target", g_dir);
  assert_int_equal(symlink(target, path_of("link")), 0);
  errno = 0;
  assert_int_equal(pn_keyfile_save(g_path, priv, 32), PN_ERR_IO);
  assert_int_equal(errno, EEXIST);
  assert_int_equal(access(target, F_OK), -1);

  /* A missing folder; a bad length creates nothing. */
  errno = 0;
  assert_int_equal(pn_keyfile_save(path_of("no/such/dir"), priv, 32),
                   PN_ERR_IO);
  assert_int_equal(errno, ENOENT);
  static const size_t bad[] = {0, 31, 33, 55, 57};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    assert_int_equal(pn_keyfile_save(path_of("badlen"), priv, bad[i]),
                     PN_ERR_KEY_LENGTH);
    assert_int_equal(access(g_path, F_OK), -1);
  }
  assert_int_equal(pn_keyfile_save(NULL, priv, 32), PN_ERR_INVALID_ARGUMENT);
  assert_int_equal(pn_keyfile_save(path_of("x"), NULL, 32),
                   PN_ERR_INVALID_ARGUMENT);

  /* A folder the caller may not write to (root may). */
  if (geteuid() != 0) {
    assert_int_equal(mkdir(path_of("ro"), 0500), 0);
    path_of("ro/key");
    errno = 0;
    assert_int_equal(pn_keyfile_save(g_path, priv, 32), PN_ERR_IO);
    assert_int_equal(errno, EACCES);
  }
}

/* A write that fails half way (the file size limit) leaves no file. */
static void test_save_failure_leaves_nothing(void **state) {
  (void)state;
  uint8_t priv[32];
  memset(priv, 5, sizeof priv);
  struct rlimit old, one = {10, 0};
  assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
  one.rlim_max = old.rlim_max;
  struct sigaction ign, prev;
  memset(&ign, 0, sizeof ign);
  ign.sa_handler = SIG_IGN;
  assert_int_equal(sigaction(SIGXFSZ, &ign, &prev), 0);
  assert_int_equal(setrlimit(RLIMIT_FSIZE, &one), 0);
  errno = 0;
  int rc = pn_keyfile_save(path_of("partial"), priv, 32);
  int err = errno;
  assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
  assert_int_equal(sigaction(SIGXFSZ, &prev, NULL), 0);
  assert_int_equal(rc, PN_ERR_IO);
  assert_int_equal(err, EFBIG);
  assert_int_equal(access(g_path, F_OK), -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip),
      cmocka_unit_test(test_accepted_forms),
      cmocka_unit_test(test_bad_contents),
      cmocka_unit_test(test_size_bound),
      cmocka_unit_test(test_unreadable),
      cmocka_unit_test(test_no_permission),
      cmocka_unit_test(test_save_mode_and_refusals),
      cmocka_unit_test(test_save_failure_leaves_nothing),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
