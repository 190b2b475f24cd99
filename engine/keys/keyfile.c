/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * Key files (keys.h): the library's one object that touches the file
 * system. Nothing of the engine references it, and the sans-IO symbol test
 * (tests/p2p/engine_symbols.cmake.in) allows file calls here and nowhere
 * else.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <p2pnoise/keys.h>

#include "crypto.h"
#include "keys_int.h"

/* Whitespace a line may end with; the C locale's isspace() without the
 * locale. */
static int is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Finds the one key line of |buf| and decodes it into |priv|. */
static int parse(const char *buf, size_t n, uint8_t *priv, size_t *len) {
  if (n > PN_KEYFILE_MAX || memchr(buf, 0, n)) return PN_ERR_KEYFILE;
  const char *key = NULL;
  size_t keylen = 0;
  for (size_t i = 0; i < n;) {
    const char *nl = memchr(buf + i, '\n', n - i);
    size_t end = nl ? (size_t)(nl - buf) : n, e = end;
    while (e > i && is_space(buf[e - 1]))
      e--;
    if (e > i && buf[i] != '#') {
      if (key) return PN_ERR_KEYFILE; /* a second key line */
      key = buf + i;
      keylen = e - i;
    }
    i = end + 1;
  }
  if (!key) return PN_ERR_KEYFILE;
  /* Malformed hex before a wrong length, as pn_peer_id_from_hex does. */
  for (size_t i = 0; i < keylen; i++)
    if (!strchr("0123456789abcdefABCDEF", key[i])) return PN_ERR_BAD_HEX;
  if (keylen % 2) return PN_ERR_BAD_HEX;
  int rc = pn_keys_check_len(keylen / 2);
  if (rc != PN_OK) return rc;
  return pn_hex_decode(priv, PN_NOISE_MAX_DHLEN, len, key, keylen);
}

/* Reads until EOF or |cap| bytes: the bound is what keeps /dev/zero or a
 * huge file from being read to the end. -1 with errno on a read error. */
static ptrdiff_t read_bounded(int fd, char *buf, size_t cap) {
  size_t got = 0;
  while (got < cap) {
    ssize_t n = read(fd, buf + got, cap - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) break;
    got += (size_t)n;
  }
  return (ptrdiff_t)got;
}

int pn_keyfile_load(const char *path, uint8_t priv[PN_NOISE_MAX_DHLEN],
                    size_t *len) {
  /* One byte over the limit tells a file at the limit from a longer one. */
  char buf[PN_KEYFILE_MAX + 1];
  if (!path || !priv || !len) return PN_ERR_INVALID_ARGUMENT;
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return PN_ERR_IO;
  ptrdiff_t n = read_bounded(fd, buf, sizeof buf);
  int err = errno;
  close(fd);
  int rc;
  if (n < 0) {
    errno = err;
    rc = PN_ERR_IO;
  } else {
    rc = parse(buf, (size_t)n, priv, len);
    pn_wipe(buf, (size_t)n);
  }
  if (rc != PN_OK) {
    pn_wipe(priv, PN_NOISE_MAX_DHLEN);
    *len = 0;
  }
  return rc;
}

static int write_all(int fd, const char *p, size_t n) {
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

int pn_keyfile_save(const char *path, const uint8_t *priv, size_t len) {
  char line[2 * PN_NOISE_MAX_DHLEN + 2];
  if (!path || !priv) return PN_ERR_INVALID_ARGUMENT;
  int rc = pn_keys_check_len(len);
  if (rc != PN_OK) return rc;
  rc = pn_hex_encode(line, sizeof line, priv, len);
  if (rc != PN_OK) return rc;
  line[2 * len] = '\n';
  /* O_EXCL: never overwrite a key, nor follow a link planted at |path|.
   * Created 0600, so there is no moment when others could read it. */
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY,
                S_IRUSR | S_IWUSR);
  if (fd < 0) {
    pn_wipe(line, sizeof line);
    return PN_ERR_IO;
  }
  /* The umask could only have removed bits; fchmod makes it exactly 0600. */
  int ok = fchmod(fd, S_IRUSR | S_IWUSR) == 0 &&
           write_all(fd, line, 2 * len + 1) == 0 && fsync(fd) == 0;
  int err = errno;
  if (close(fd) != 0 && ok) {
    ok = 0;
    err = errno;
  }
  pn_wipe(line, sizeof line);
  if (!ok) {
    unlink(path); /* ours: O_EXCL created it */
    errno = err;
    return PN_ERR_IO;
  }
  return PN_OK;
}
