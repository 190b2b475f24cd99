/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * p2pnoise benchmarks. Every figure is a ratio against a reference timed in
 * the same run (raw libsodium or libcrypto doing the unavoidable work), so the
 * ratios hold on a noisy shared machine. Subject and reference are measured
 * in alternating rounds and each keeps its best round.
 *
 *   bench [--quick] [--section
 * handshakes|aead|transport|memory|driver|attack]...
 *
 * Prints a readable table, then one "name value" line per figure.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>
#ifdef PN_HAVE_OPENSSL
#include <openssl/evp.h>
#include <openssl/opensslv.h>
#endif

#include <p2pnoise/noise.h>

#include "bench.h"
#include "bench_engine.h"

/* ---- timing ---------------------------------------------------------------
 */

static int g_quick;

double bench_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Seconds per op of |fn|: batches until |min_s| has passed. */
static double time_op(bench_fn fn, void *ctx, double min_s) {
  long ops = 0, batch = 1;
  double t0 = bench_now(), t;
  for (;;) {
    for (long i = 0; i < batch; i++)
      fn(ctx);
    ops += batch;
    t = bench_now() - t0;
    if (t >= min_s) break;
    if (t < min_s / 8) batch *= 2;
  }
  return t / (double)ops;
}

void bench_pair(bench_fn ref, void *rctx, bench_fn sub, void *sctx,
                double *ref_s, double *sub_s) {
  /* Many short alternating slices, best of each: a slice the host's other
   * tenants interrupted is simply not the best one. */
  int rounds = g_quick ? 4 : 30;
  double slice = g_quick ? 0.01 : 0.025;
  double r = 1e30, s = 1e30;
  ref(rctx); /* warm up both */
  sub(sctx);
  for (int i = 0; i < rounds; i++) {
    double a = time_op(ref, rctx, slice), b = time_op(sub, sctx, slice);
    if (a < r) r = a;
    if (b < s) s = b;
  }
  *ref_s = r;
  *sub_s = s;
}

double bench_one(bench_fn fn, void *ctx) {
  int rounds = g_quick ? 2 : 5;
  double slice = g_quick ? 0.02 : 0.15, best = 1e30;
  fn(ctx);
  for (int i = 0; i < rounds; i++) {
    double a = time_op(fn, ctx, slice);
    if (a < best) best = a;
  }
  return best;
}

int bench_is_quick(void) {
  return g_quick;
}

/* ---- figures --------------------------------------------------------------
 */

enum { MAX_FIGS = 256 };
static struct {
  char name[64];
  double value;
} figs[MAX_FIGS];
static int nfigs;

void bench_figure(const char *name, double value) {
  if (nfigs == MAX_FIGS) return;
  snprintf(figs[nfigs].name, sizeof figs[nfigs].name, "%s", name);
  figs[nfigs++].value = value;
}

void bench_die(const char *what, int rc) {
  fprintf(stderr, "bench: %s: %s\n", what, pn_strerror(rc));
  exit(1);
}

/* ---- machine ------------------------------------------------------------- */

static void machine(void) {
  char model[128] = "unknown";
  FILE *f = fopen("/proc/cpuinfo", "r");
  if (f) {
    char line[256];
    while (fgets(line, sizeof line, f)) {
      if (strncmp(line, "model name", 10) == 0) {
        char *c = strchr(line, ':');
        if (c) {
          snprintf(model, sizeof model, "%s", c + 2);
          model[strcspn(model, "\n")] = 0;
        }
        break;
      }
    }
    fclose(f);
  }
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  printf("machine  %s, %ld cores\n", model, cores);
  printf("libs     libsodium %s", sodium_version_string());
#ifdef PN_HAVE_OPENSSL
  printf(", %s", OpenSSL_version(OPENSSL_VERSION));
#else
  printf(", no libcrypto");
#endif
  printf(", AES-NI %s\n", crypto_aead_aes256gcm_is_available() ? "yes" : "no");
  if (g_quick) printf("mode     --quick (smoke test: figures are rough)\n");
}

static const struct {
  const char *name;
  void (*run)(void);
} sections[] = {
    {"handshakes", bench_handshakes}, {"aead", bench_aead},
    {"transport", bench_transport},   {"memory", bench_memory_scale},
    {"driver", bench_driver},         {"attack", bench_attack}};
enum { NSECTIONS = sizeof sections / sizeof sections[0] };

int main(int argc, char **argv) {
  int want[NSECTIONS] = {0}, any = 0;
  for (int i = 1; i < argc; i++) {
    int ok = 0;
    if (strcmp(argv[i], "--quick") == 0) {
      g_quick = ok = 1;
    } else if (strcmp(argv[i], "--section") == 0 && i + 1 < argc) {
      i++;
      for (int k = 0; k < NSECTIONS; k++)
        if (strcmp(argv[i], sections[k].name) == 0) want[k] = any = ok = 1;
    }
    if (!ok) {
      fprintf(stderr, "usage: bench [--quick] [--section "
                      "handshakes|aead|transport|memory|driver|attack]...\n");
      return 2;
    }
  }
  if (sodium_init() < 0 || pn_crypto_init() != PN_OK) {
    fprintf(stderr, "bench: crypto init failed\n");
    return 1;
  }
  printf("p2pnoise benchmark\n");
  machine();
  for (int k = 0; k < NSECTIONS; k++)
    if (!any || want[k]) sections[k].run();
  printf("\n# name value\n");
  for (int i = 0; i < nfigs; i++)
    printf("%s %.4g\n", figs[i].name, figs[i].value);
  return 0;
}
