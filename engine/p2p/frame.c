/* SPDX-License-Identifier: MIT
 * SPDX-FileCopyrightText: 2026 The p2pnoise authors */
/* The wire codec (frame.h). */
#include "frame.h"
#include "crypto.h"
#include "noise_int.h"

enum {
  FIRST_DATA = PN_FRAME_MAX_PLAIN - PN_FT_FIRST_HDR,
  MORE_DATA = PN_FRAME_MAX_PLAIN - PN_FT_MORE_HDR
};

size_t pn_frame_put_first(uint8_t *p, uint32_t total) {
  p[0] = PN_FT_DATA_FIRST;
  pn_put32(p + 1, total);
  return PN_FT_FIRST_HDR;
}

size_t pn_frame_put_more(uint8_t *p) {
  p[0] = PN_FT_DATA_MORE;
  return PN_FT_MORE_HDR;
}

size_t pn_frame_put_keepalive(uint8_t *p) {
  p[0] = PN_FT_KEEPALIVE;
  return PN_FT_KEEPALIVE_LEN;
}

size_t pn_frame_put_close(uint8_t *p, uint16_t reason) {
  p[0] = PN_FT_CLOSE;
  pn_put16(p + 1, reason);
  return PN_FT_CLOSE_LEN;
}

size_t pn_frame_put_rekey(uint8_t *p, uint8_t flags) {
  p[0] = PN_FT_REKEY;
  p[1] = flags;
  return PN_FT_REKEY_LEN;
}

int pn_frame_more_fits(size_t len, uint64_t left) {
  /* A chunk that is not the last must be full, so chunking is canonical
   * and a peer cannot stretch a message over many tiny frames. */
  if (len > left) return 0;
  return len == left || len + PN_FT_MORE_HDR == PN_FRAME_MAX_PLAIN;
}

int pn_frame_decode(uint8_t *p, size_t n, pn_tframe *f) {
  if (!n) return -1;
  f->type = p[0];
  switch (p[0]) {
  case PN_FT_DATA_FIRST:
    if (n < PN_FT_FIRST_HDR) return -1;
    f->total = pn_get32(p + 1);
    f->data = p + PN_FT_FIRST_HDR;
    f->len = n - PN_FT_FIRST_HDR;
    if (f->len > f->total) return -1;
    if (f->len < f->total && n != PN_FRAME_MAX_PLAIN) return -1;
    return 0;
  case PN_FT_DATA_MORE:
    f->data = p + PN_FT_MORE_HDR;
    f->len = n - PN_FT_MORE_HDR;
    return 0;
  case PN_FT_KEEPALIVE:
    return n == PN_FT_KEEPALIVE_LEN ? 0 : -1;
  case PN_FT_CLOSE:
    if (n != PN_FT_CLOSE_LEN) return -1;
    f->reason = (uint16_t)pn_get16(p + 1);
    return 0;
  case PN_FT_REKEY:
    if (n != PN_FT_REKEY_LEN) return -1;
    f->flags = p[1];
    return 0;
  default:
    return -1;
  }
}

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
