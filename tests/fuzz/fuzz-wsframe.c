/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz harness of the WebSocket framing (binder/wsj1/wsmsg.c over
 * libwslay's frame codec: reassembly, control frames, the message limit
 * from the headers, UTF-8), feeding the x-afb-ws-json1 parser as
 * binder/wsj1/conn.c chains them. The input is a byte stream read in
 * chunks of pseudo-random sizes (1 byte, a few, "nothing now", all);
 * the message limit is 64 bytes or 1 MiB (the first byte's low bit).
 * fuzz_selftest: frames encoded with wsmsg_header and wsmsg_mask come out
 * of the decoder unchanged, and the limit is enforced to the byte.
 * See tests/fuzz/README.md.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "json1.h"
#include "utf8.h"
#include "wsmsg.h"

struct feed {
	const uint8_t *data;
	size_t size, off;
	uint32_t rng;		/* chunk sizes of the reads */
	struct json1_parser *parser;
	/* what came out, for the round-trip checks */
	uint8_t *last;
	size_t last_len;
	unsigned last_opcode;
	int messages, closes, errors;
	size_t max;		/* the message limit of the receiver */
};

static uint32_t next(uint32_t *s)
{
	uint32_t x = *s ? *s : 0x9e3779b9u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

static ssize_t on_read(void *closure, void *buf, size_t size)
{
	struct feed *f = closure;
	size_t n = f->size - f->off, chunk;

	if (!n)
		return -1;
	/* short reads, "nothing now" answers, and long ones */
	switch (next(&f->rng) % 8) {
	case 0:
		return 0;
	case 1:
		chunk = 1;
		break;
	case 2:
		chunk = 1 + next(&f->rng) % 16;
		break;
	default:
		chunk = size;
		break;
	}
	if (chunk > size)
		chunk = size;
	if (chunk > n)
		chunk = n;
	memcpy(buf, f->data + f->off, chunk);
	f->off += chunk;
	return (ssize_t)chunk;
}

static int on_message(void *closure, unsigned opcode, const char *data, size_t len)
{
	struct feed *f = closure;
	struct json1_msg msg;
	const char *why;

	f->messages++;
	/* properties: no message over the limit, text is UTF-8 */
	if (len > f->max || (opcode == WSMSG_TEXT && !utf8_valid(data, len)))
		abort();
	free(f->last);
	f->last = malloc(len + 1);
	if (f->last && len)
		memcpy(f->last, data, len);
	f->last_len = len;
	f->last_opcode = opcode;
	if (opcode == WSMSG_TEXT) {
		if (json1_parse(f->parser, data, len, &msg, &why) == 0)
			json1_msg_clear(&msg);
		if (json1_parse_incoming(f->parser->whole, data, len, &msg, &why) == 0)
			json1_msg_clear(&msg);
	}
	return next(&f->rng) % 16 == 0;	/* sometimes pause, as a busy connection does */
}

static void on_ping(void *closure, const void *data, size_t len)
{
}

static void on_close(void *closure, unsigned code, const char *reason, size_t len)
{
	((struct feed *)closure)->closes++;
}

static void on_error(void *closure, unsigned code, const char *why)
{
	((struct feed *)closure)->errors++;
}

static const struct wsmsg_rx_itf itf = {
	.read = on_read,
	.message = on_message,
	.ping = on_ping,
	.close = on_close,
	.error = on_error,
};

/* Runs the whole input through a receiver. */
static void feed_all(struct feed *f, const uint8_t *data, size_t size, size_t max_message)
{
	struct wsmsg_rx rx;
	int rc, rounds = 0;

	f->data = data;
	f->size = size;
	f->off = 0;
	f->max = max_message;
	wsmsg_rx_init(&rx, &itf, f, max_message);
	do
		rc = wsmsg_rx_pump(&rx, 1 + next(&f->rng) % 64);
	while ((rc == WSMSG_WAIT || rc == WSMSG_PAUSED) && ++rounds < 1000000);
	wsmsg_rx_deinit(&rx);
}

static struct json1_parser *parser(void)
{
	static struct json1_parser p;

	if (!p.whole && json1_parser_init(&p) < 0)
		abort();
	return &p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct feed f = { .parser = parser(), .rng = (uint32_t)size * 2654435761u };

	feed_all(&f, data, size, size && data[0] & 1 ? 64 : 1 << 20);
	free(f.last);
	return 0;
}

/* ---- properties without input ---- */

static int failures;

#define EXPECT(cond, ...) do { if (!(cond)) { fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); failures++; } } while (0)

struct buf {
	uint8_t *data;
	size_t len, cap;
};

static void put(struct buf *b, const void *data, size_t len)
{
	if (b->len + len > b->cap) {
		b->cap = (b->len + len) * 2 + 64;
		b->data = realloc(b->data, b->cap);
		if (!b->data)
			abort();
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
}

/* Appends a frame; 'fin' 0 makes a fragment (the header is patched). */
static void put_frame(struct buf *b, unsigned opcode, const void *payload, size_t len, int masked, int fin,
		      uint32_t *rng)
{
	uint8_t hdr[WSMSG_HEADER_MAX], mask[4];
	size_t hlen, start;
	uint32_t r = next(rng);

	memcpy(mask, &r, 4);
	hlen = wsmsg_header(hdr, opcode, len, masked ? mask : NULL);
	if (!fin)
		hdr[0] &= 0x7f;
	put(b, hdr, hlen);
	start = b->len;
	if (len)
		put(b, payload, len);
	if (masked)
		wsmsg_mask(b->data + start, len, mask, 0);
}

/* Frames encoded here come out of the decoder unchanged. */
static void round_trips(uint32_t *rng)
{
	static const size_t sizes[] = { 0, 1, 125, 126, 127, 4000, 65535, 65536, 70000, 300000 };
	struct feed f = { .parser = parser(), .rng = 1 };
	struct buf b = { 0 };
	uint8_t *payload;
	size_t i, k, cut;

	for (i = 0; i < sizeof sizes / sizeof *sizes; i++) {
		payload = malloc(sizes[i] + 1);
		for (k = 0; k < sizes[i]; k++)
			payload[k] = (uint8_t)(next(rng) & 0x7f);	/* ASCII: valid UTF-8 */
		for (k = 0; k < 4; k++) {
			b.len = 0;
			if (k < 2) {
				put_frame(&b, WSMSG_TEXT, payload, sizes[i], (int)k, 1, rng);
			} else {
				/* two fragments with a ping between them */
				cut = sizes[i] / 3;
				put_frame(&b, WSMSG_BINARY, payload, cut, k == 3, 0, rng);
				put_frame(&b, WSMSG_PING, "p", 1, k == 3, 1, rng);
				put_frame(&b, WSMSG_CONT, payload + cut, sizes[i] - cut, k == 3, 1, rng);
			}
			f.messages = f.errors = 0;
			f.rng = next(rng);
			feed_all(&f, b.data, b.len, 1 << 20);
			EXPECT(f.messages == 1 && !f.errors && f.last_len == sizes[i]
			       && (!sizes[i] || !memcmp(f.last, payload, sizes[i]))
			       && f.last_opcode == (k < 2 ? WSMSG_TEXT : WSMSG_BINARY),
			       "round trip of %zu bytes (%zu) failed: %d messages, %d errors", sizes[i], k,
			       f.messages, f.errors);
		}
		/* one byte over the limit: an error, no message */
		b.len = 0;
		put_frame(&b, WSMSG_TEXT, payload, sizes[i], 1, 1, rng);
		f.messages = f.errors = 0;
		if (sizes[i]) {
			feed_all(&f, b.data, b.len, sizes[i] - 1);
			EXPECT(f.messages == 0 && f.errors == 1, "limit of %zu bytes not enforced", sizes[i] - 1);
		}
		free(payload);
	}
	free(b.data);
	free(f.last);
}

void fuzz_selftest(void);
void fuzz_selftest(void)
{
	uint32_t rng = 0x5eed1234u;

	round_trips(&rng);
	if (failures)
		abort();
}
