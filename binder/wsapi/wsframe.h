/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 6455 framing for afb-proto-ws, without the HTTP handshake.
 *
 * Both sides of proto-ws send unmasked frames (as the 2017 binder does)
 * and accept masked or unmasked ones. Pure code: no I/O, no threads; the
 * decoder is the part that untrusted bytes reach first (see the fuzz
 * target tests/wsapi/fuzz-decoder.c).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define WSF_CONTINUATION	0
#define WSF_TEXT		1
#define WSF_BINARY		2
#define WSF_CLOSE		8
#define WSF_PING		9
#define WSF_PONG		10

/* close codes used here */
#define WSF_CLOSE_NORMAL	1000
#define WSF_CLOSE_PROTOCOL	1002
#define WSF_CLOSE_UNSUPPORTED	1003	/* text frame on a binary protocol */
#define WSF_CLOSE_POLICY	1008	/* invalid proto-ws message */
#define WSF_CLOSE_TOO_BIG	1009

#define WSF_HEADER_MAX 14

/*
 * The 2017 binder refuses frames over 65000 bytes (close 1009) but
 * reassembles continuation frames without limit: longer messages are sent
 * as several frames of at most this size.
 */
#define WSF_FRAGMENT_SIZE 65000

/*
 * Writes the header of an unmasked frame carrying 'len' bytes into 'hdr'.
 * Returns its size (2, 4 or 10).
 */
size_t wsframe_header(uint8_t hdr[WSF_HEADER_MAX], int fin, int opcode, uint64_t len);

/*
 * Frames the message 'data' of 'len' bytes (opcode WSF_BINARY or
 * WSF_TEXT) as fragments of at most WSF_FRAGMENT_SIZE bytes into a new
 * buffer (*out, malloc'ed, owned by the caller) of *outlen bytes.
 * Returns 0 or -ENOMEM.
 */
int wsframe_fragment(const uint8_t *data, size_t len, int opcode, uint8_t **out, size_t *outlen);

/*
 * The receiving side: raw bytes in, whole messages and control frames out.
 * Fragmented messages are reassembled; the limit applies to the whole
 * message, not to each frame.
 */
struct wsreader {
	uint8_t *buf;		/* raw bytes received: buf[pos .. len) not yet parsed */
	size_t pos, len, cap;
	uint8_t *msg;		/* the fragmented message being reassembled */
	size_t msglen, msgcap;
	int msgop;		/* its opcode, 0 when none is in progress */
	size_t max_message;
	int close_code;		/* after an error: the close code to send */
	const char *reason;	/* after an error: why (static string) */
};

/*
 * What wsreader_next delivers. 'data' is valid until the next call of
 * wsreader_next, wsreader_reserve or wsreader_feed.
 */
struct wsframe_item {
	int opcode;		/* WSF_TEXT, WSF_BINARY, WSF_CLOSE, WSF_PING, WSF_PONG */
	uint8_t *data;
	size_t len;
};

void wsreader_init(struct wsreader *r, size_t max_message);
void wsreader_deinit(struct wsreader *r);

/*
 * A place to receive at least 'min' more bytes: *ptr and *avail. Returns
 * 0 or -ENOMEM. Then wsreader_commit tells how many bytes were stored.
 */
int wsreader_reserve(struct wsreader *r, size_t min, uint8_t **ptr, size_t *avail);
void wsreader_commit(struct wsreader *r, size_t n);

/* Copies 'n' bytes in (reserve + memcpy + commit). Returns 0 or -ENOMEM. */
int wsreader_feed(struct wsreader *r, const void *data, size_t n);

/*
 * Extracts the next message or control frame. Returns 1 with *item set,
 * 0 when more bytes are needed, or a negative -errno after a protocol
 * violation (-EPROTO) or an oversized message (-EMSGSIZE), with
 * r->close_code and r->reason set; the reader is then unusable.
 */
int wsreader_next(struct wsreader *r, struct wsframe_item *item);
