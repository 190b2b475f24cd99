/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* Readiness: epoll (O(ready) per wait). A source with no interest is
 * unregistered, so a hung-up socket whose input is held back cannot wake
 * the loop in a spin. The reference driver is Linux's; an embedder on
 * another system drives the engine from its own loop (engine.h). */
#define _GNU_SOURCE

#include "io_int.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef __linux__
#error "the reference driver uses epoll (Linux)"
#endif
#include <sys/epoll.h>

int poller_init(pn_io *io) {
  io->pfd = epoll_create1(EPOLL_CLOEXEC);
  io->evs = calloc(IO_MAXEV, sizeof(struct epoll_event));
  if (io->pfd < 0 || !io->evs) return PN_ERR_NOMEM;
  return PN_OK;
}

void poller_free(pn_io *io) {
  if (io->pfd >= 0) close(io->pfd);
  free(io->evs);
}

int poller_set(pn_io *io, io_src *src, unsigned old, unsigned want) {
  struct epoll_event ev;
  memset(&ev, 0, sizeof ev);
  ev.events = (want & IO_RD ? EPOLLIN : 0u) | (want & IO_WR ? EPOLLOUT : 0u);
  ev.data.ptr = src;
  int op = !want ? EPOLL_CTL_DEL : !old ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
  if (old == want) return PN_OK;
  if (epoll_ctl(io->pfd, op, src->fd, &ev) != 0) {
    io->err = errno;
    return PN_ERR_INVALID_STATE;
  }
  return PN_OK;
}

static void take(pn_io *io, int ms) {
  int r;
  do
    r = epoll_wait(io->pfd, io->evs, IO_MAXEV, ms);
  while (r < 0 && errno == EINTR && ms == 0);
  io->nev = r > 0 ? (size_t)r : 0;
  io->evpos = 0;
}

int poller_wait(pn_io *const *ios, size_t n, int ms) {
  if (n == 1) {
    take(ios[0], ms);
    ios[0]->st.wakeups += ios[0]->nev > 0;
    return PN_OK;
  }
  struct pollfd p[IO_MAX_GROUP];
  if (n > IO_MAX_GROUP) return PN_ERR_INVALID_ARGUMENT;
  for (size_t k = 0; k < n; k++)
    p[k] = (struct pollfd){.fd = ios[k]->pfd, .events = POLLIN};
  int r = poll(p, (nfds_t)n, ms);
  for (size_t k = 0; k < n; k++) {
    ios[k]->nev = ios[k]->evpos = 0;
    if (r > 0 && p[k].revents) {
      take(ios[k], 0);
      ios[k]->st.wakeups += ios[k]->nev > 0;
    }
  }
  return PN_OK;
}

io_src *poller_next(pn_io *io, unsigned *ev) {
  if (io->evpos >= io->nev) return NULL;
  struct epoll_event *e = (struct epoll_event *)io->evs + io->evpos++;
  *ev = (e->events & EPOLLIN ? IO_RD : 0u) |
        (e->events & EPOLLOUT ? IO_WR : 0u) |
        (e->events & (EPOLLHUP | EPOLLERR) ? IO_HUP : 0u);
  return e->data.ptr;
}
