/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 6455 framing: see wsframe.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "wsframe.h"

/* buffers bigger than this are released once empty */
#define SHRINK_ABOVE (256 * 1024)

size_t wsframe_header(uint8_t hdr[WSF_HEADER_MAX], int fin, int opcode, uint64_t len)
{
	int i;

	hdr[0] = (uint8_t)((fin ? 0x80 : 0) | (opcode & 0x0f));
	if (len < 126) {
		hdr[1] = (uint8_t)len;
		return 2;
	}
	if (len <= 0xffff) {
		hdr[1] = 126;
		hdr[2] = (uint8_t)(len >> 8);
		hdr[3] = (uint8_t)len;
		return 4;
	}
	hdr[1] = 127;
	for (i = 0; i < 8; i++)
		hdr[2 + i] = (uint8_t)(len >> (56 - 8 * i));
	return 10;
}

int wsframe_fragment(const uint8_t *data, size_t len, int opcode, uint8_t **out, size_t *outlen)
{
	size_t nframes = len ? (len + WSF_FRAGMENT_SIZE - 1) / WSF_FRAGMENT_SIZE : 1;
	size_t off = 0, chunk, total = 0;
	uint8_t *buf;
	int first = 1;

	buf = malloc(len + nframes * WSF_HEADER_MAX);
	if (!buf)
		return -ENOMEM;
	do {
		chunk = len - off > WSF_FRAGMENT_SIZE ? WSF_FRAGMENT_SIZE : len - off;
		total += wsframe_header(buf + total, off + chunk == len, first ? opcode : WSF_CONTINUATION, chunk);
		memcpy(buf + total, data + off, chunk);
		total += chunk;
		off += chunk;
		first = 0;
	} while (off < len);
	*out = buf;
	*outlen = total;
	return 0;
}

/* ------------------------------------------------------------ reading */

void wsreader_init(struct wsreader *r, size_t max_message)
{
	memset(r, 0, sizeof *r);
	r->max_message = max_message;
}

void wsreader_deinit(struct wsreader *r)
{
	free(r->buf);
	free(r->msg);
	memset(r, 0, sizeof *r);
}

int wsreader_reserve(struct wsreader *r, size_t min, uint8_t **ptr, size_t *avail)
{
	size_t cap;
	uint8_t *b;

	/* what was parsed is dropped before growing */
	if (r->pos) {
		memmove(r->buf, r->buf + r->pos, r->len - r->pos);
		r->len -= r->pos;
		r->pos = 0;
	}
	/* a past big message does not keep its memory on an idle link */
	if (r->len == 0 && r->cap > SHRINK_ABOVE) {
		free(r->buf);
		r->buf = NULL;
		r->cap = 0;
	}
	if (!r->msgop && r->msgcap > SHRINK_ABOVE) {
		free(r->msg);
		r->msg = NULL;
		r->msgcap = 0;
	}
	if (r->cap - r->len < min) {
		cap = r->cap ? r->cap : 4096;
		while (cap - r->len < min) {
			if (cap > SIZE_MAX / 2)
				return -ENOMEM;
			cap *= 2;
		}
		b = realloc(r->buf, cap);
		if (!b)
			return -ENOMEM;
		r->buf = b;
		r->cap = cap;
	}
	*ptr = r->buf + r->len;
	*avail = r->cap - r->len;
	return 0;
}

void wsreader_commit(struct wsreader *r, size_t n)
{
	r->len += n;
}

int wsreader_feed(struct wsreader *r, const void *data, size_t n)
{
	uint8_t *p;
	size_t avail;
	int rc;

	if (!n)
		return 0;
	rc = wsreader_reserve(r, n, &p, &avail);
	if (rc < 0)
		return rc;
	memcpy(p, data, n);
	wsreader_commit(r, n);
	return 0;
}

static int error(struct wsreader *r, int rc, int code, const char *reason)
{
	r->close_code = code;
	r->reason = reason;
	return rc;
}

static int append_fragment(struct wsreader *r, const uint8_t *data, size_t len)
{
	size_t cap;
	uint8_t *m;

	if (len > r->max_message - r->msglen)
		return error(r, -EMSGSIZE, WSF_CLOSE_TOO_BIG, "message too big");
	if (r->msgcap - r->msglen < len) {
		cap = r->msgcap ? r->msgcap : 4096;
		while (cap - r->msglen < len)
			cap *= 2;
		m = realloc(r->msg, cap);
		if (!m)
			return error(r, -ENOMEM, WSF_CLOSE_TOO_BIG, "out of memory");
		r->msg = m;
		r->msgcap = cap;
	}
	if (len)
		memcpy(r->msg + r->msglen, data, len);
	r->msglen += len;
	return 0;
}

int wsreader_next(struct wsreader *r, struct wsframe_item *item)
{
	uint8_t *p, *payload, mask[4];
	size_t avail, hlen, i;
	uint64_t len;
	int fin, op, masked, rc;

	for (;;) {
		avail = r->len - r->pos;
		if (avail < 2)
			return 0;
		p = r->buf + r->pos;
		fin = p[0] & 0x80;
		op = p[0] & 0x0f;
		masked = p[1] & 0x80;
		len = p[1] & 0x7f;
		if (p[0] & 0x70)
			return error(r, -EPROTO, WSF_CLOSE_PROTOCOL, "reserved bits set");
		hlen = 2;
		if (len == 126) {
			if (avail < 4)
				return 0;
			len = (uint64_t)p[2] << 8 | p[3];
			hlen = 4;
		} else if (len == 127) {
			if (avail < 10)
				return 0;
			for (len = 0, i = 0; i < 8; i++)
				len = len << 8 | p[2 + i];
			if (len >> 63)
				return error(r, -EPROTO, WSF_CLOSE_PROTOCOL, "invalid frame length");
			hlen = 10;
		}
		switch (op) {
		case WSF_CONTINUATION:
			if (!r->msgop)
				return error(r, -EPROTO, WSF_CLOSE_PROTOCOL, "continuation without a message");
			break;
		case WSF_TEXT:
		case WSF_BINARY:
			if (r->msgop)
				return error(r, -EPROTO, WSF_CLOSE_PROTOCOL, "new message inside a fragmented one");
			break;
		case WSF_CLOSE:
		case WSF_PING:
		case WSF_PONG:
			if (!fin || len > 125)
				return error(r, -EPROTO, WSF_CLOSE_PROTOCOL, "invalid control frame");
			if (op == WSF_CLOSE && len == 1)
				return error(r, -EPROTO, WSF_CLOSE_PROTOCOL, "invalid close frame");
			break;
		default:
			return error(r, -EPROTO, WSF_CLOSE_PROTOCOL, "unknown opcode");
		}
		/* refused before it is buffered: the limit bounds the memory used */
		if (len > r->max_message || len > r->max_message - r->msglen)
			return error(r, -EMSGSIZE, WSF_CLOSE_TOO_BIG, "message too big");
		if (masked) {
			if (avail < hlen + 4)
				return 0;
			memcpy(mask, p + hlen, 4);
			hlen += 4;
		}
		if (avail - hlen < len)
			return 0;
		payload = p + hlen;
		if (masked)
			for (i = 0; i < len; i++)
				payload[i] ^= mask[i & 3];
		r->pos += hlen + (size_t)len;

		if (op >= WSF_CLOSE) {
			item->opcode = op;
			item->data = payload;
			item->len = (size_t)len;
			return 1;
		}
		if (fin && op != WSF_CONTINUATION) {
			/* the common case, delivered in place */
			item->opcode = op;
			item->data = payload;
			item->len = (size_t)len;
			return 1;
		}
		rc = append_fragment(r, payload, (size_t)len);
		if (rc < 0)
			return rc;
		if (op != WSF_CONTINUATION)
			r->msgop = op;
		if (fin) {
			item->opcode = r->msgop;
			item->data = r->msg;
			item->len = r->msglen;
			r->msgop = 0;
			r->msglen = 0;	/* the bytes stay valid until the next call */
			return 1;
		}
	}
}
