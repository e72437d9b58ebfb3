/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 6455 messages: the layer between the frames, decoded by libwslay's
 * frame codec (wslay_frame_recv), and the application's messages.
 *
 * libwslay's higher "event" layer is not used: as a server it refuses
 * unmasked client frames, which the 2017 clients send, and it copies
 * every message. What this layer does on receipt:
 *  - reassembles fragmented messages (continuation frames), control
 *    frames being allowed between fragments;
 *  - limits the whole message (not the frame) to 'max_message' bytes:
 *    the error is reported as soon as a frame header announces more,
 *    before any byte of its payload (libwslay hands a frame out with its
 *    first payload bytes only: the headers are also followed here, in the
 *    bytes as they are read, see 'scan');
 *  - checks RSV bits, opcodes, continuation order, close payloads, and
 *    UTF-8 of text messages and close reasons;
 *  - accepts masked and unmasked frames, whatever the role.
 * Errors are reported with the close code to send (1002, 1007, 1009).
 *
 * Sending is left to the owner: wsmsg_header() writes a frame header
 * (masked for clients) in front of a payload, so that a serialized
 * message goes out with no copy.
 *
 * Memory: the wslay context (4 KiB of input buffer) is made by the first
 * pump and kept for the next messages (allocating and zeroing it for each
 * message of a busy connection cost two heap operations and 4 KiB of
 * memset per message); wsmsg_rx_trim() frees it when the receiver is idle
 * at a frame boundary, so that idle connections stay small.
 *
 * Not thread-safe: one receiver is used by one thread at a time.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum {
	WSMSG_CONT = 0x0,
	WSMSG_TEXT = 0x1,
	WSMSG_BINARY = 0x2,
	WSMSG_CLOSE = 0x8,
	WSMSG_PING = 0x9,
	WSMSG_PONG = 0xa,
};

enum {
	WSMSG_CLOSE_NORMAL = 1000,
	WSMSG_CLOSE_GOING_AWAY = 1001,
	WSMSG_CLOSE_PROTOCOL = 1002,
	WSMSG_CLOSE_UNSUPPORTED = 1003,
	WSMSG_CLOSE_NO_STATUS = 1005,	/* never sent: a close without code */
	WSMSG_CLOSE_BAD_DATA = 1007,
	WSMSG_CLOSE_POLICY = 1008,
	WSMSG_CLOSE_TOO_BIG = 1009,
	WSMSG_CLOSE_INTERNAL = 1011,
};

/* Largest frame header: 2 + 8 (length) + 4 (mask key) */
#define WSMSG_HEADER_MAX 14

/*
 * Writes the header of a final frame of 'opcode' carrying 'len' bytes
 * into 'buf'. With 'mask' (4 bytes, clients), the header carries the key
 * and the caller masks the payload with wsmsg_mask(). Returns its size.
 */
size_t wsmsg_header(uint8_t buf[WSMSG_HEADER_MAX], unsigned opcode, uint64_t len, const uint8_t *mask);

/* Size of the header that wsmsg_header() writes. */
size_t wsmsg_header_size(uint64_t len, int masked);

/* XORs 'len' bytes of 'data' with 'mask', starting at payload offset 'offset'. */
void wsmsg_mask(uint8_t *data, size_t len, const uint8_t mask[4], uint64_t offset);

/* 1 when 'code' may be sent in a close frame (RFC 6455 7.4). */
int wsmsg_close_code_valid(unsigned code);

struct wsmsg_rx_itf {
	/*
	 * Reads at most 'size' bytes: returns the count (> 0), 0 when no
	 * data is available now, -1 at the end of the stream or on error.
	 */
	ssize_t (*read)(void *closure, void *buf, size_t size);
	/*
	 * A complete data message, 'data' valid during the call only.
	 * Returns 0 to go on, 1 to pause the decoding (wsmsg_rx_pump then
	 * returns WSMSG_PAUSED), or a negative value that stops it and is
	 * returned by wsmsg_rx_pump.
	 */
	int (*message)(void *closure, unsigned opcode, const char *data, size_t len);
	/* A ping: the owner answers with a pong carrying 'data'. Optional. */
	void (*ping)(void *closure, const void *data, size_t len);
	/*
	 * The peer's close frame: 'code' is WSMSG_CLOSE_NO_STATUS when it
	 * had none, 'reason' (valid UTF-8, not NUL-terminated) is
	 * valid during the call only.
	 */
	void (*close)(void *closure, unsigned code, const char *reason, size_t len);
	/*
	 * A protocol error: the owner closes with 'code'. 'why' is a static
	 * text for the logs.
	 */
	void (*error)(void *closure, unsigned code, const char *why);
};

struct wslay_frame_context;

struct wsmsg_rx {
	const struct wsmsg_rx_itf *itf;
	void *closure;
	struct wslay_frame_context *frames;	/* owned; NULL while idle */
	size_t max_message;
	/* the message being reassembled (msg_opcode 0: none) */
	char *msg;				/* owned, malloc'ed */
	size_t msg_len, msg_cap;
	unsigned msg_opcode;
	/* the frame being received */
	unsigned frame_open: 1;
	unsigned frame_masked: 1;
	unsigned eof: 1;
	uint8_t frame_opcode;
	uint64_t frame_len, frame_off;
	/* bytes read into wslay, and bytes of the frames it decoded */
	uint64_t fed, used;
	/* the payload of a control frame (125 bytes at most): made at the first, freed with the context */
	uint8_t ctl_len;
	uint8_t *ctl;
	/*
	 * The frame headers, followed in the bytes read (before libwslay
	 * decodes them): the first header announcing a message over the
	 * limit is noted by its offset in the stream, and refused once
	 * libwslay has consumed everything before it.
	 */
	struct {
		uint64_t next;		/* offset of the next frame header */
		uint64_t message;	/* bytes announced by the message's frames so far */
		uint64_t too_big_at;	/* offset of the refused header, or UINT64_MAX */
		uint8_t hdr[14];
		uint8_t have;		/* bytes of hdr */
	} scan;
};

/* Return values of wsmsg_rx_pump, beside negative ones. */
enum {
	WSMSG_WAIT = 0,		/* every available byte was used: wait for input */
	WSMSG_PAUSED = 1,	/* stopped by the budget or a callback: call again */
	WSMSG_CLOSED = 2,	/* the peer's close frame was received */
};

void wsmsg_rx_init(struct wsmsg_rx *rx, const struct wsmsg_rx_itf *itf, void *closure, size_t max_message);
void wsmsg_rx_deinit(struct wsmsg_rx *rx);

/* 1 when input already read is still to be decoded (the owner need not read to pump). */
static inline int wsmsg_rx_holds_input(const struct wsmsg_rx *rx)
{
	return rx->frames && (rx->frame_open || rx->fed != rx->used);
}

/* Frees the decoder's context when nothing is buffered (an idle receiver). */
void wsmsg_rx_trim(struct wsmsg_rx *rx);

/*
 * Decodes input until there is none left or 'budget' frames were
 * decoded. Returns WSMSG_WAIT, WSMSG_PAUSED, WSMSG_CLOSED, -EPIPE at the
 * end of the stream, -EPROTO after a protocol error (the error callback
 * was called), -ENOMEM, or the negative value of a message callback.
 * After anything but WAIT and PAUSED, the receiver must not be pumped again.
 */
int wsmsg_rx_pump(struct wsmsg_rx *rx, unsigned budget);
