/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * The replayer: runs a harness over files and folders of inputs without any
 * fuzzing engine, so corpora and regression inputs replay under any compiler
 * (ctest) and under clang source coverage (fuzz/coverage).
 *
 *   <harness>_replay [-v] PATH...        every file, folders one level deep
 *   <harness>_replay --write-seeds DIR   harnesses that generate seeds
 *
 * Each input is copied to a buffer of exactly its size, as libFuzzer does, so
 * a sanitizer catches a read past the end.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_common.h"

/* Weak: most harnesses have no seed writer. */
#pragma weak pn_fuzz_write_seeds

static int verbose;
static unsigned long nrun;

static int run_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    perror(path);
    return -1;
  }
  size_t cap = 4096, len = 0;
  uint8_t *buf = malloc(cap);
  size_t n;
  while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
    len += n;
    if (len == cap) {
      uint8_t *b = realloc(buf, cap *= 2);
      if (!b) {
        free(buf);
        buf = NULL;
      } else {
        buf = b;
      }
    }
  }
  fclose(f);
  if (!buf) {
    fprintf(stderr, "%s: out of memory\n", path);
    return -1;
  }
  /* Exactly |len| bytes (malloc(0) may be NULL: keep one byte then). */
  uint8_t *exact = malloc(len ? len : 1);
  if (!exact) {
    free(buf);
    return -1;
  }
  if (len) memcpy(exact, buf, len);
  free(buf);
  if (verbose) fprintf(stderr, "run %s (%zu bytes)\n", path, len);
  LLVMFuzzerTestOneInput(exact, len);
  free(exact);
  nrun++;
  return 0;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted, so a failure names the same file on every run; dot files (.keep)
 * are not inputs. */
static int run_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) {
    perror(dir);
    return -1;
  }
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *de;
  int rc = 0;
  while ((de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.') continue;
    if (n == cap) {
      char **nn = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof *names);
      if (!nn) {
        rc = -1;
        break;
      }
      names = nn;
    }
    names[n] = strdup(de->d_name);
    if (!names[n]) {
      rc = -1;
      break;
    }
    n++;
  }
  closedir(d);
  if (n) qsort(names, n, sizeof *names, cmp_str);
  for (size_t i = 0; i < n; i++) {
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    if (rc == 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
        run_file(path) != 0)
      rc = -1;
    free(names[i]);
  }
  free(names);
  return rc;
}

int main(int argc, char **argv) {
  int rc = 0, i = 1;
  if (argc == 3 && strcmp(argv[1], "--write-seeds") == 0) {
    if (!pn_fuzz_write_seeds) {
      fprintf(stderr, "%s: this harness has no seed writer\n", argv[0]);
      return 2;
    }
    int n = pn_fuzz_write_seeds(argv[2]);
    if (n < 0) return 1;
    printf("%d seeds written to %s\n", n, argv[2]);
    return 0;
  }
  if (i < argc && strcmp(argv[i], "-v") == 0) {
    verbose = 1;
    i++;
  }
  if (i >= argc) {
    fprintf(stderr, "usage: %s [-v] FILE|DIR...\n       %s --write-seeds DIR\n",
            argv[0], argv[0]);
    return 2;
  }
  for (; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st) != 0) {
      perror(argv[i]);
      rc = 1;
    } else if (S_ISDIR(st.st_mode) ? run_dir(argv[i]) : run_file(argv[i])) {
      rc = 1;
    }
  }
  printf("%lu inputs replayed%s\n", nrun, rc ? ", some unreadable" : "");
  return rc;
}
