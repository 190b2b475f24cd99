/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* The memory scan of memscan.h. */
#define _DEFAULT_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "memscan.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MEMSCAN_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define MEMSCAN_ASAN 1
#endif

#ifdef MEMSCAN_ASAN
/* Under ASan its shadow memory (terabytes reserved) holds shadow bytes, no
 * program data: that range is skipped, and only it. */
void __asan_get_shadow_mapping(size_t *scale, size_t *offset);
#endif

enum {
  MAPS_CAP = 1 << 20,
  CHUNK = 1 << 30 /* bytes per mincore call */
};

static memscan_needle *g_needles;
static size_t g_needles_size;
static char g_maps[MAPS_CAP];
static unsigned char g_vec[CHUNK / 4096];

memscan_needle *memscan_needles(void) {
  if (g_needles) return g_needles;
  g_needles_size = sizeof(memscan_needle) * MEMSCAN_MAX_NEEDLES;
  void *p = mmap(NULL, g_needles_size, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return NULL;
  g_needles = p;
  return g_needles;
}

/* Plain loads: under ASan the scan reads redzones and freed memory, which
 * instrumented code (and the memcmp interceptor) would report. */
__attribute__((no_sanitize_address)) static void
scan_region(const uint8_t *p, size_t len, memscan_needle *nd, size_t n,
            const uint8_t first[256]) {
  for (size_t i = 0; i < len; i++) {
    if (!first[p[i]]) continue;
    for (size_t j = 0; j < n; j++) {
      size_t l = nd[j].len;
      if (l > len - i || p[i] != nd[j].bytes[0]) continue;
      size_t k = 1;
      while (k < l && p[i + k] == nd[j].bytes[k])
        k++;
      if (k == l) {
        nd[j].found++;
        nd[j].where = (uintptr_t)(p + i);
      }
    }
  }
}

static unsigned long hexval(const char **s) {
  unsigned long v = 0;
  for (;; (*s)++) {
    char c = **s;
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                   : -1;
    if (d < 0) return v;
    v = v * 16 + (unsigned long)d;
  }
}

size_t memscan_run(memscan_needle *nd, size_t n) {
  uint8_t first[256];
  memset(first, 0, sizeof first);
  for (size_t j = 0; j < n; j++) {
    nd[j].found = 0;
    if (nd[j].len) first[nd[j].bytes[0]] = 1;
  }
  int fd = open("/proc/self/maps", O_RDONLY);
  if (fd < 0) return 0;
  size_t got = 0;
  ssize_t r;
  while (got < MAPS_CAP - 1 &&
         (r = read(fd, g_maps + got, MAPS_CAP - 1 - got)) > 0)
    got += (size_t)r;
  close(fd);
  g_maps[got] = 0;
  size_t scanned = 0, page = (size_t)sysconf(_SC_PAGESIZE);
  uintptr_t skip_lo = (uintptr_t)g_needles,
            skip_hi = (uintptr_t)g_needles + g_needles_size;
  for (const char *line = g_maps; *line;) {
    const char *s = line;
    uintptr_t lo = hexval(&s);
    s++; /* '-' */
    uintptr_t hi = hexval(&s);
    s++; /* ' ' */
    int readable = s[0] == 'r', writable = s[1] == 'w';
    const char *nl = strchr(line, '\n');
    line = nl ? nl + 1 : line + strlen(line);
    if (!readable || !writable || hi <= lo) continue;
    if (lo < skip_hi && hi > skip_lo) continue;
#ifdef MEMSCAN_ASAN
    size_t scale, offset;
    __asan_get_shadow_mapping(&scale, &offset);
    uintptr_t shadow_hi = ((uintptr_t)0x7fffffffffff >> scale) + offset;
    if (lo >= offset && hi <= shadow_hi + 1) continue;
#endif
    /* Runs of resident pages, scanned as one region each, so a needle
     * across a page boundary is seen. */
    uintptr_t run = 0;
    for (uintptr_t c = lo; c < hi; c += CHUNK) {
      size_t clen = hi - c < CHUNK ? hi - c : CHUNK;
      if (mincore((void *)c, clen, g_vec) != 0) {
        if (run) scan_region((const uint8_t *)run, c - run, nd, n, first);
        if (run) scanned += c - run;
        run = 0;
        continue;
      }
      for (size_t pg = 0; pg * page < clen; pg++) {
        uintptr_t a = c + pg * page;
        if (g_vec[pg] & 1) {
          if (!run) run = a;
        } else if (run) {
          scan_region((const uint8_t *)run, a - run, nd, n, first);
          scanned += a - run;
          run = 0;
        }
      }
    }
    if (run) {
      scan_region((const uint8_t *)run, hi - run, nd, n, first);
      scanned += hi - run;
    }
  }
  return scanned;
}

void memscan_keep(const void *p) {
  __asm__ volatile("" : : "r"(p) : "memory");
}

void *memscan_free_canary(void *canary) {
  memset(canary, 0, MEMSCAN_CANARY_LEN);
  memscan_keep(canary);
  free(canary);
  return NULL;
}
