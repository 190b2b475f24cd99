/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* See frame.h. */
#include "crypto.h"
#include "frame.h"
#include "noise_int.h"

enum {
  FIRST_DATA = PN_FRAME_MAX_PLAIN - PN_FT_FIRST_HDR,
  MORE_DATA = PN_FRAME_MAX_PLAIN - PN_FT_MORE_HDR
};

uint64_t pn_frame_chunks(uint64_t len) {
  if (len <= FIRST_DATA) return 1;
  return 1 + (len - FIRST_DATA + MORE_DATA - 1) / MORE_DATA;
}

uint64_t pn_frame_wire_size(uint64_t len) {
  uint64_t n = pn_frame_chunks(len);
  return len + n * (PN_FRAME_LEN + PN_NOISE_TAGLEN) + PN_FT_FIRST_HDR +
         (n - 1) * PN_FT_MORE_HDR;
}

size_t pn_frame_chunk_data(uint64_t len, uint64_t i) {
  if (i == 0) return (size_t)(len < FIRST_DATA ? len : FIRST_DATA);
  uint64_t left = len - FIRST_DATA - (i - 1) * MORE_DATA;
  return (size_t)(left < MORE_DATA ? left : MORE_DATA);
}

size_t pn_frame_handshake_max(const pn_protocol *p) {
  size_t dl = p->dh_ops ? p->dh_ops->dhlen : PN_NOISE_MAX_DHLEN, best = 0;
  int k = 0; /* a key exists once any DH or psk token ran */
  for (int m = 0; m < p->nmsgs; m++) {
    size_t n = pn_protocol_msg_overhead(p, m, dl, &k);
    if (n > best) best = n;
  }
  return best;
}
