/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/*
 * A counting allocator for the allocation tests: every malloc, calloc,
 * realloc, reallocarray, memalign, aligned_alloc, posix_memalign, valloc,
 * pvalloc and free of the process is counted while g_counting is set. It
 * replaces glibc's entry points (forwarding to glibc's allocator), or under
 * ASan installs ASan's allocation hooks. Include it in exactly one source
 * file of a test program, and call install_counter() first.
 */
#ifndef PN_ALLOCCOUNT_H
#define PN_ALLOCCOUNT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* ---- The counting allocator -----------------------------------------------
 */

static atomic_int g_counting;  /* 1 while the measured thread runs */
static atomic_long g_allocs;   /* allocations made while counting */
static atomic_long g_releases; /* frees of non-NULL pointers while counting */

static void on_alloc(void) {
  if (atomic_load_explicit(&g_counting, memory_order_relaxed))
    atomic_fetch_add_explicit(&g_allocs, 1, memory_order_relaxed);
}

static void on_free(const volatile void *p) {
  if (p && atomic_load_explicit(&g_counting, memory_order_relaxed))
    atomic_fetch_add_explicit(&g_releases, 1, memory_order_relaxed);
}

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PN_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define PN_ASAN 1
#endif

#ifdef PN_ASAN
/* ASan owns malloc; it reports every allocation and free to these hooks. */
#include <sanitizer/allocator_interface.h>
static void asan_malloc_hook(const volatile void *p, size_t n) {
  (void)p;
  (void)n;
  on_alloc();
}
static void install_counter(void) {
  __sanitizer_install_malloc_and_free_hooks(asan_malloc_hook, on_free);
}
#else
/* glibc lets a program replace malloc (every entry point, libc's own calls
 * included); these count, then forward to glibc's allocator. */
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void *__libc_valloc(size_t);
extern void *__libc_pvalloc(size_t);
extern void __libc_free(void *);
/* Not declared in strict C11 mode; glibc has them all. */
void *reallocarray(void *p, size_t a, size_t b);
void *memalign(size_t align, size_t n);
int posix_memalign(void **out, size_t align, size_t n);
void *valloc(size_t n);
void *pvalloc(size_t n);

void *malloc(size_t n) {
  on_alloc();
  return __libc_malloc(n);
}
void *calloc(size_t a, size_t b) {
  on_alloc();
  return __libc_calloc(a, b);
}
void *realloc(void *p, size_t n) {
  on_alloc();
  return __libc_realloc(p, n);
}
void *reallocarray(void *p, size_t a, size_t b) {
  if (b && a > SIZE_MAX / b) return NULL;
  on_alloc();
  return __libc_realloc(p, a * b);
}
void *memalign(size_t align, size_t n) {
  on_alloc();
  return __libc_memalign(align, n);
}
void *aligned_alloc(size_t align, size_t n) {
  on_alloc();
  return __libc_memalign(align, n);
}
int posix_memalign(void **out, size_t align, size_t n) {
  on_alloc();
  void *p = __libc_memalign(align, n);
  if (!p) return 12; /* ENOMEM */
  *out = p;
  return 0;
}
void *valloc(size_t n) {
  on_alloc();
  return __libc_valloc(n);
}
void *pvalloc(size_t n) {
  on_alloc();
  return __libc_pvalloc(n);
}
void free(void *p) {
  on_free(p);
  __libc_free(p);
}
static void install_counter(void) {}
#endif

#endif
