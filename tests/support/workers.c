/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* The two worker threads of workers.h. */
#include <pthread.h>

#include "workers.h"

typedef struct worker {
  pthread_t t;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  void *(*job)(void *);
  void *arg;
  int busy, quit;
} worker;

static worker g_workers[2];

static void *worker_main(void *p) {
  worker *w = p;
  pthread_mutex_lock(&w->mu);
  for (;;) {
    while (!w->busy && !w->quit)
      pthread_cond_wait(&w->cv, &w->mu);
    if (w->quit) break;
    pthread_mutex_unlock(&w->mu);
    w->job(w->arg);
    pthread_mutex_lock(&w->mu);
    w->busy = 0;
    pthread_cond_broadcast(&w->cv);
  }
  pthread_mutex_unlock(&w->mu);
  return NULL;
}

int workers_start(void) {
  for (int i = 0; i < 2; i++) {
    worker *w = &g_workers[i];
    if (pthread_mutex_init(&w->mu, NULL) || pthread_cond_init(&w->cv, NULL) ||
        pthread_create(&w->t, NULL, worker_main, w))
      return -1;
  }
  return 0;
}

void on_worker(int i, void *(*job)(void *), void *arg) {
  worker *w = &g_workers[i];
  pthread_mutex_lock(&w->mu);
  w->job = job;
  w->arg = arg;
  w->busy = 1;
  pthread_cond_broadcast(&w->cv);
  while (w->busy)
    pthread_cond_wait(&w->cv, &w->mu);
  pthread_mutex_unlock(&w->mu);
}

void workers_stop(void) {
  for (int i = 0; i < 2; i++) {
    worker *w = &g_workers[i];
    pthread_mutex_lock(&w->mu);
    w->quit = 1;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->t, NULL);
  }
}
