/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* Eight nodes in a full mesh over loopback: every node broadcasts once and
 * every other node receives that broadcast exactly once. */
#include "iotest.h"

enum { N = 8 };
static tnode nodes[N];
static int got[N][N]; /* got[receiver][sender] */

static void on_msg(tnode *n, const pn_event_message *ev) {
  int me = (int)(n - nodes), from = -1;
  for (int i = 0; i < N; i++)
    if (pn_peer_id_equal(&ev->peer, &nodes[i].id)) from = i;
  assert_true(from >= 0 && from != me);
  char want[32];
  snprintf(want, sizeof want, "broadcast from node %d", from);
  assert_true(ev->len == strlen(want) && !memcmp(ev->data, want, ev->len));
  got[me][from]++;
}

static int all_peers(void) {
  for (int i = 0; i < N; i++)
    if (pn_engine_peer_count(nodes[i].e) != N - 1) return 0;
  return 1;
}

static int all_got(void) {
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++)
      if (i != j && got[i][j] < 1) return 0;
  return 1;
}

static int all_done(void) {
  for (int i = 0; i < N; i++)
    if (!pn_io_done(nodes[i].io)) return 0;
  return 1;
}

static void test_mesh(void **state) {
  (void)state;
  pn_io *ios[N];
  unsigned port[N];
  int baseline = count_fds();
  assert_true(pn_crypto_init() == 0);
  pn_io_install_signals();
  for (int i = 0; i < N; i++) {
    tnode_init(&nodes[i], NULL, NULL);
    nodes[i].on_msg = on_msg;
    ios[i] = nodes[i].io;
    assert_true((port[i] = tnode_listen(&nodes[i], "127.0.0.1")) != 0);
  }
  /* One connection per pair: node i dials every node below it. */
  for (int i = 0; i < N; i++)
    for (int j = 0; j < i; j++)
      tnode_dial(&nodes[i], "127.0.0.1", port[j], 0);
  STEP_UNTIL(ios, N, all_peers(), 10);
  for (int i = 0; i < N; i++) {
    char msg[32];
    snprintf(msg, sizeof msg, "broadcast from node %d", i);
    assert_true(pn_engine_broadcast(nodes[i].e, (const uint8_t *)msg,
                                    strlen(msg), pn_io_now()) == N - 1);
  }
  STEP_UNTIL(ios, N, all_got(), 10);
  step_for(ios, N, 0.2); /* time for a duplicate to show up */
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++)
      assert_true(got[i][j] == (i != j));
  for (int i = 0; i < N; i++) {
    assert_true(nodes[i].disconnected == 0);
    pn_io_stop(nodes[i].io);
  }
  STEP_UNTIL(ios, N, all_done(), 10);
  for (int i = 0; i < N; i++)
    tnode_free(&nodes[i]);
  assert_true(count_fds() == baseline);
  printf("mesh: %d nodes, %d broadcasts, each delivered exactly once to the "
         "%d others\n",
         N, N, N - 1);
}

IOTEST_MAIN(test_mesh)
