/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* Readiness: epoll on Linux (O(ready) per wait), poll() elsewhere or with
 * PN_IO_POLL. A source with no interest is unregistered, so a hung-up
 * socket whose input is held back cannot wake the loop in a spin. */
#define _GNU_SOURCE

#include "io_int.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__linux__) && !defined(PN_IO_POLL)
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

#else /* poll() */

/* Registered sources, dense; slot[fd] is the index of fd's entry + 1. */
typedef struct pstate {
  struct pollfd *p;
  io_src **src;
  size_t n, cap;
  size_t *slot;
  size_t nslot;
} pstate;

int poller_init(pn_io *io) {
  io->pfd = -1;
  io->pstate = calloc(1, sizeof(pstate));
  return io->pstate ? PN_OK : PN_ERR_NOMEM;
}

void poller_free(pn_io *io) {
  pstate *s = io->pstate;
  if (!s) return;
  free(s->p);
  free(s->src);
  free(s->slot);
  free(s);
}

int poller_set(pn_io *io, io_src *src, unsigned old, unsigned want) {
  pstate *s = io->pstate;
  size_t fd = (size_t)src->fd;
  (void)old;
  if (fd >= s->nslot) {
    size_t ns = fd * 2 + 64;
    size_t *n = realloc(s->slot, ns * sizeof *n);
    if (!n) return PN_ERR_NOMEM;
    memset(n + s->nslot, 0, (ns - s->nslot) * sizeof *n);
    s->slot = n;
    s->nslot = ns;
  }
  size_t i = s->slot[fd];
  short ev =
      (short)((want & IO_RD ? POLLIN : 0) | (want & IO_WR ? POLLOUT : 0));
  if (!want) {
    if (!i) return PN_OK;
    s->slot[fd] = 0;
    if (i != s->n) { /* move the last entry into the hole */
      s->p[i - 1] = s->p[s->n - 1];
      s->src[i - 1] = s->src[s->n - 1];
      s->slot[s->p[i - 1].fd] = i;
    }
    s->n--;
    return PN_OK;
  }
  if (!i) {
    if (s->n == s->cap) {
      size_t nc = s->cap ? 2 * s->cap : 64;
      struct pollfd *np = realloc(s->p, nc * sizeof *np);
      if (!np) return PN_ERR_NOMEM;
      s->p = np;
      io_src **ns = realloc(s->src, nc * sizeof *ns);
      if (!ns) return PN_ERR_NOMEM;
      s->src = ns;
      s->cap = nc;
    }
    i = ++s->n;
    s->slot[fd] = i;
  }
  s->p[i - 1] = (struct pollfd){.fd = src->fd, .events = ev};
  s->src[i - 1] = src;
  return PN_OK;
}

static int poll_one(pn_io *io, int ms) {
  pstate *s = io->pstate;
  int r = poll(s->p, (nfds_t)s->n, ms);
  io->nev = r > 0 ? s->n : 0;
  io->evpos = 0;
  io->st.wakeups += r > 0;
  return r > 0;
}

int poller_wait(pn_io *const *ios, size_t n, int ms) {
  if (n == 1) {
    poll_one(ios[0], ms);
    return PN_OK;
  }
  /* Several drivers have no common descriptor here: look at each, and
   * sleep in slices of at most 10 ms until one is ready. */
  for (;;) {
    int any = 0;
    for (size_t k = 0; k < n; k++)
      any |= poll_one(ios[k], 0);
    if (any || ms == 0) return PN_OK;
    int slice = ms < 0 || ms > 10 ? 10 : ms;
    poll(NULL, 0, slice);
    if (ms > 0) ms -= slice;
  }
}

io_src *poller_next(pn_io *io, unsigned *ev) {
  pstate *s = io->pstate;
  /* The table may shrink while events are handled: stop at its end. */
  while (io->evpos < io->nev && io->evpos < s->n) {
    struct pollfd *p = &s->p[io->evpos++];
    short re = p->revents;
    p->revents = 0;
    if (!re) continue;
    *ev = (re & POLLIN ? IO_RD : 0u) | (re & POLLOUT ? IO_WR : 0u) |
          (re & (POLLHUP | POLLERR | POLLNVAL) ? IO_HUP : 0u);
    return s->src[io->evpos - 1];
  }
  return NULL;
}
#endif
