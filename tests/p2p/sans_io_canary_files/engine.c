/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* A deliberate violation of the file rule: an engine object that opens a
 * file. Only keyfile.c may; the symbol check must fail on this archive.
 * Never linked. */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>

int pn_canary_open(const char *path);
int pn_canary_open(const char *path) {
  return open(path, O_RDONLY);
}
