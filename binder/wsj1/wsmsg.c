/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 6455 messages over libwslay's frame codec. See wsmsg.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <wslay/wslay.h>

#include "utf8.h"
#include "wsmsg.h"

/* ---- frame headers (sending) ---- */

size_t wsmsg_header_size(uint64_t len, int masked)
{
	return 2 + (len < 126 ? 0 : len < 65536 ? 2 : 8) + (masked ? 4 : 0);
}

size_t wsmsg_header(uint8_t buf[WSMSG_HEADER_MAX], unsigned opcode, uint64_t len, const uint8_t *mask)
{
	size_t n = 2;
	int i;

	buf[0] = (uint8_t)(0x80 | (opcode & 0x0f));
	if (len < 126) {
		buf[1] = (uint8_t)len;
	} else if (len < 65536) {
		buf[1] = 126;
		buf[2] = (uint8_t)(len >> 8);
		buf[3] = (uint8_t)len;
		n = 4;
	} else {
		buf[1] = 127;
		for (i = 0; i < 8; i++)
			buf[2 + i] = (uint8_t)(len >> (56 - 8 * i));
		n = 10;
	}
	if (mask) {
		buf[1] |= 0x80;
		memcpy(buf + n, mask, 4);
		n += 4;
	}
	return n;
}

void wsmsg_mask(uint8_t *data, size_t len, const uint8_t mask[4], uint64_t offset)
{
	size_t i;

	for (i = 0; i < len; i++)
		data[i] ^= mask[(offset + i) & 3];
}

int wsmsg_close_code_valid(unsigned code)
{
	/* 1004-1006 and 1015 are reserved for reports, never sent */
	return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014)
	       || (code >= 3000 && code <= 4999);
}

/* ---- receiving ---- */

/* Size of a frame header from its first two bytes. */
static size_t header_size(const uint8_t *h)
{
	size_t n = (h[1] & 0x7f) == 127 ? 10 : (h[1] & 0x7f) == 126 ? 4 : 2;

	return n + (h[1] & 0x80 ? 4 : 0);
}

/* One complete header, at stream offset 'at', in rx->scan.hdr. */
static void scan_header(struct wsmsg_rx *rx, uint64_t at)
{
	const uint8_t *h = rx->scan.hdr;
	unsigned opcode = h[0] & 0x0f, fin = h[0] & 0x80, i;
	uint64_t len = h[1] & 0x7f, total;

	if (len == 126) {
		len = (uint64_t)h[2] << 8 | h[3];
	} else if (len == 127) {
		for (len = 0, i = 0; i < 8; i++)
			len = len << 8 | h[2 + i];
	}
	rx->scan.next = at + header_size(h) + len;
	if (opcode & 0x8)
		return;		/* control frames may come between fragments */
	total = (opcode == WSMSG_CONT ? rx->scan.message : 0) + len;
	if (total < len || total > rx->max_message) {
		if (rx->scan.too_big_at == UINT64_MAX)
			rx->scan.too_big_at = at;
		total = UINT64_MAX;
	}
	rx->scan.message = fin ? 0 : total;
}

/* Follows the frame headers in 'n' bytes read at stream offset 'at'. */
static void scan(struct wsmsg_rx *rx, const uint8_t *data, size_t n, uint64_t at)
{
	uint64_t end = at + n, skip;
	size_t want;

	while (at < end && rx->scan.too_big_at == UINT64_MAX) {
		if (at < rx->scan.next) {
			/* payload */
			skip = rx->scan.next - at < end - at ? rx->scan.next - at : end - at;
			at += skip;
			continue;
		}
		rx->scan.hdr[rx->scan.have++] = data[at - (end - n)];
		at++;
		want = rx->scan.have < 2 ? 2 : header_size(rx->scan.hdr);
		if (rx->scan.have == want) {
			scan_header(rx, at - want);
			rx->scan.have = 0;
		}
	}
}

static ssize_t on_recv(uint8_t *buf, size_t len, int flags, void *user_data)
{
	struct wsmsg_rx *rx = user_data;
	ssize_t n;

	if (rx->eof)
		return 0;
	n = rx->itf->read(rx->closure, buf, len);
	if (n < 0) {
		rx->eof = 1;
		return 0;
	}
	scan(rx, buf, (size_t)n, rx->fed);
	rx->fed += (uint64_t)n;
	return n;	/* 0: wslay says WSLAY_ERR_WANT_READ */
}

static ssize_t on_send(const uint8_t *data, size_t len, int flags, void *user_data)
{
	return -1;	/* the receiver never sends */
}

static int on_genmask(uint8_t *buf, size_t len, void *user_data)
{
	return -1;
}

static const struct wslay_frame_callbacks frame_callbacks = {
	.send_callback = on_send,
	.recv_callback = on_recv,
	.genmask_callback = on_genmask,
};

void wsmsg_rx_init(struct wsmsg_rx *rx, const struct wsmsg_rx_itf *itf, void *closure, size_t max_message)
{
	memset(rx, 0, sizeof *rx);
	rx->itf = itf;
	rx->closure = closure;
	rx->max_message = max_message;
	rx->scan.too_big_at = UINT64_MAX;
}

static void drop_message(struct wsmsg_rx *rx)
{
	free(rx->msg);
	rx->msg = NULL;
	rx->msg_len = rx->msg_cap = 0;
	rx->msg_opcode = 0;
}

void wsmsg_rx_deinit(struct wsmsg_rx *rx)
{
	free(rx->ctl);
	rx->ctl = NULL;
	if (rx->frames)
		wslay_frame_context_free(rx->frames);
	rx->frames = NULL;
	drop_message(rx);
}

static int fail(struct wsmsg_rx *rx, unsigned code, const char *why)
{
	rx->itf->error(rx->closure, code, why);
	return -EPROTO;
}

/* Appends a chunk of a data frame to the message being reassembled. */
static int append(struct wsmsg_rx *rx, const uint8_t *data, size_t len)
{
	size_t cap;
	char *msg;

	if (rx->msg_len + len > rx->msg_cap) {
		/* the limit was checked on the frame header: this stays bounded */
		cap = rx->msg_cap ? rx->msg_cap : 256;
		while (cap < rx->msg_len + len)
			cap *= 2;
		if (cap > rx->max_message)
			cap = rx->max_message;
		msg = realloc(rx->msg, cap);
		if (!msg)
			return -ENOMEM;
		rx->msg = msg;
		rx->msg_cap = cap;
	}
	memcpy(rx->msg + rx->msg_len, data, len);
	rx->msg_len += len;
	return 0;
}

/* A complete data message of 'len' bytes at 'data'. */
static int deliver(struct wsmsg_rx *rx, unsigned opcode, const char *data, size_t len)
{
	if (opcode == WSMSG_TEXT && !utf8_valid(data, len))
		return fail(rx, WSMSG_CLOSE_BAD_DATA, "text message is not valid UTF-8");
	return rx->itf->message(rx->closure, opcode, data, len);
}

/* A complete control frame, its payload in rx->ctl. */
static int control(struct wsmsg_rx *rx)
{
	unsigned code;

	switch (rx->frame_opcode) {
	case WSMSG_PING:
		if (rx->itf->ping)
			rx->itf->ping(rx->closure, rx->ctl, rx->ctl_len);
		return 0;
	case WSMSG_PONG:
		return 0;
	default: /* WSMSG_CLOSE */
		if (rx->ctl_len == 1)
			return fail(rx, WSMSG_CLOSE_PROTOCOL, "close frame of 1 byte");
		code = rx->ctl_len ? (unsigned)rx->ctl[0] << 8 | rx->ctl[1] : WSMSG_CLOSE_NO_STATUS;
		if (rx->ctl_len && !wsmsg_close_code_valid(code))
			return fail(rx, WSMSG_CLOSE_PROTOCOL, "invalid close code");
		if (rx->ctl_len > 2 && !utf8_valid(rx->ctl + 2, rx->ctl_len - 2u))
			return fail(rx, WSMSG_CLOSE_BAD_DATA, "close reason is not valid UTF-8");
		rx->itf->close(rx->closure, code, (const char *)rx->ctl + (rx->ctl_len ? 2 : 0),
			       rx->ctl_len ? rx->ctl_len - 2u : 0);
		return WSMSG_CLOSED;
	}
}

/* Checks the header of a new frame (first chunk). Returns 0 or -EPROTO. */
static int frame_start(struct wsmsg_rx *rx, const struct wslay_frame_iocb *iocb)
{
	unsigned op = iocb->opcode;

	if (iocb->rsv)
		return fail(rx, WSMSG_CLOSE_PROTOCOL, "reserved bits set without extension");
	if (op & 0x8) {
		if (op > WSMSG_PONG)
			return fail(rx, WSMSG_CLOSE_PROTOCOL, "unknown control opcode");
		rx->ctl_len = 0;
		/* idle connections keep no room for it (they are many) */
		if (!rx->ctl && !(rx->ctl = malloc(125)))
			return -ENOMEM;
	} else if (op == WSMSG_CONT) {
		if (!rx->msg_opcode)
			return fail(rx, WSMSG_CLOSE_PROTOCOL, "continuation frame without a message");
	} else if (op == WSMSG_TEXT || op == WSMSG_BINARY) {
		if (rx->msg_opcode)
			return fail(rx, WSMSG_CLOSE_PROTOCOL, "new message inside a fragmented one");
	} else {
		return fail(rx, WSMSG_CLOSE_PROTOCOL, "unknown data opcode");
	}
	/* the whole message is limited, not the frame: refuse before reading it */
	if (!(op & 0x8) && iocb->payload_length > rx->max_message - rx->msg_len)
		return fail(rx, WSMSG_CLOSE_TOO_BIG, "message too big");
	rx->frame_open = 1;
	rx->frame_opcode = (uint8_t)op;
	rx->frame_len = iocb->payload_length;
	rx->frame_masked = iocb->mask != 0;
	rx->frame_off = 0;
	return 0;
}

/* One chunk of the current frame. Returns 0, 1 (paused), WSMSG_CLOSED or < 0. */
static int frame_chunk(struct wsmsg_rx *rx, const struct wslay_frame_iocb *iocb)
{
	int rc = 0, fin;

	rx->frame_off += iocb->data_length;
	fin = rx->frame_off == rx->frame_len;
	if (fin) {
		rx->frame_open = 0;
		rx->used += wsmsg_header_size(rx->frame_len, rx->frame_masked) + rx->frame_len;
	}

	if (rx->frame_opcode & 0x8) {
		memcpy(rx->ctl + rx->ctl_len, iocb->data, iocb->data_length);
		rx->ctl_len = (uint8_t)(rx->ctl_len + iocb->data_length);
		return fin ? control(rx) : 0;
	}

	/* an unfragmented message that arrived in one piece: no copy */
	if (fin && iocb->fin && rx->frame_opcode != WSMSG_CONT && rx->frame_off == iocb->data_length)
		return deliver(rx, rx->frame_opcode, (const char *)iocb->data, iocb->data_length);

	if (rx->frame_opcode != WSMSG_CONT && rx->frame_off == iocb->data_length)
		rx->msg_opcode = rx->frame_opcode;	/* first chunk of a message */
	if (iocb->data_length) {
		rc = append(rx, iocb->data, iocb->data_length);
		if (rc < 0)
			return rc;
	}
	if (fin && iocb->fin) {
		rc = deliver(rx, rx->msg_opcode, rx->msg, rx->msg_len);
		/* reassembly buffers are not kept: idle connections stay small */
		drop_message(rx);
	}
	return rc;
}

void wsmsg_rx_trim(struct wsmsg_rx *rx)
{
	/* wslay's buffer is empty at a frame boundary: nothing is lost */
	if (rx->frames && !rx->frame_open && rx->fed == rx->used) {
		wslay_frame_context_free(rx->frames);
		rx->frames = NULL;
		free(rx->ctl);
		rx->ctl = NULL;
	}
}

int wsmsg_rx_pump(struct wsmsg_rx *rx, unsigned budget)
{
	struct wslay_frame_iocb iocb;
	ssize_t r;
	unsigned frames = 0;
	int rc;

	if (!rx->frames && wslay_frame_context_init(&rx->frames, &frame_callbacks, rx) != 0) {
		rx->frames = NULL;
		return -ENOMEM;
	}
	for (;;) {
		if (!budget--)
			return WSMSG_PAUSED;
		memset(&iocb, 0, sizeof iocb);
		r = wslay_frame_recv(rx->frames, &iocb);
		if (r == WSLAY_ERR_WANT_READ) {
			/* everything before the header of a message too big was decoded */
			if (!rx->frame_open && rx->used == rx->scan.too_big_at)
				return fail(rx, WSMSG_CLOSE_TOO_BIG, "message too big");
			if (rx->eof)
				return -EPIPE;
			/*
			 * A receiver that got frames keeps its context for the
			 * next ones (wsmsg_rx_trim drops it once idle); one that
			 * got nothing drops it now.
			 */
			if (!frames)
				wsmsg_rx_trim(rx);
			return WSMSG_WAIT;
		}
		if (r < 0)
			return fail(rx, WSMSG_CLOSE_PROTOCOL, "malformed frame");
		frames++;
		if (!rx->frame_open) {
			rc = frame_start(rx, &iocb);
			if (rc < 0)
				return rc;
		}
		rc = frame_chunk(rx, &iocb);
		if (rc != 0)
			return rc < 0 ? rc : rc == WSMSG_CLOSED ? WSMSG_CLOSED : WSMSG_PAUSED;
	}
}
