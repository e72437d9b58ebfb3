/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target of what a proto-ws peer reads first: the RFC 6455 frame
 * reader (wsframe.c) and the message decoder (proto-ws.c).
 *
 * With libFuzzer (clang):
 *	clang -g -O1 -fsanitize=fuzzer,address,undefined -DFUZZ_LIBFUZZER \
 *	    -Ibinder/wsapi tests/wsapi/fuzz-decoder.c binder/wsapi/proto-ws.c \
 *	    binder/wsapi/wsframe.c $(pkg-config --cflags --libs json-c) -o fuzz-decoder
 *	./fuzz-decoder -max_total_time=600
 * Without it, this file has its own driver (the "wsapi-fuzz" test): it runs
 * the seeds and a fixed number of deterministic mutations of them, or
 * replays the files given as arguments.
 *
 * Properties checked, besides the absence of crashes and sanitizer
 * reports: a message that decodes re-encodes to bytes that decode to the
 * same fields, and the reader never hands out more than its limit.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "proto-ws.h"
#include "utf8.h"
#include "wsframe.h"

#define LIMIT 4096

static void fatal(const char *what)
{
	fprintf(stderr, "fuzz-decoder: property violated: %s\n", what);
	abort();
}

/* Re-encodes 'm' into 'b'. */
static void reencode(const struct pws_msg *m, struct pws_buf *b)
{
	pws_buf_init(b);
	switch (m->code) {
	case PWS_CALL: pws_put_call(b, m->callid, m->verb, m->uuid, m->json); break;
	case PWS_SUBCALL_REPLY: pws_put_subcall_reply(b, m->subcallid, m->iserror, m->json); break;
	case PWS_DESCRIBE: pws_put_describe(b, m->descid); break;
	case PWS_REPLY_SUCCESS: pws_put_reply_success(b, m->callid, m->info, m->json); break;
	case PWS_REPLY_FAIL: pws_put_reply_fail(b, m->callid, m->status, m->info); break;
	case PWS_SUBCALL: pws_put_subcall(b, m->subcallid, m->callid, m->api, m->verb, m->json); break;
	case PWS_SUBSCRIBE: pws_put_subscribe(b, m->callid, m->eventid, m->event); break;
	case PWS_UNSUBSCRIBE: pws_put_unsubscribe(b, m->callid, m->eventid, m->event); break;
	case PWS_EVENT_ADD: pws_put_event_add(b, m->eventid, m->event); break;
	case PWS_EVENT_REMOVE: pws_put_event_remove(b, m->eventid, m->event); break;
	case PWS_EVENT_PUSH: pws_put_event_push(b, m->eventid, m->event, m->json); break;
	case PWS_BROADCAST:
		pws_put_broadcast(b, m->event, m->json, m->has_guard ? m->guard_uuid : NULL, m->hop);
		break;
	case PWS_DESCRIPTION: pws_put_description(b, m->descid, m->json); break;
	default: fatal("decoded an unknown code");
	}
}

static int same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static void check_message(const uint8_t *data, size_t size, enum pws_role role)
{
	struct pws_msg m, m2;
	struct pws_buf b;
	const char *reason;

	if (pws_decode(data, size, role, &m, &reason) < 0) {
		if (!reason)
			fatal("no reason for a failure");
		return;
	}
	if (m.bad_utf8) {
		/* a call to refuse: nothing of it may be used */
		if (m.json || m.repaired || !(m.code == PWS_CALL || m.code == PWS_SUBCALL))
			fatal("a refused message with content");
		pws_msg_clear(&m);
		return;
	}
	/* every text handed out is UTF-8 (repaired when it was not) */
	if (!utf8_valid_str(m.verb) || !utf8_valid_str(m.uuid) || !utf8_valid_str(m.api)
	    || !utf8_valid_str(m.status) || !utf8_valid_str(m.info) || !utf8_valid_str(m.event)
	    || (json_object_is_type(m.json, json_type_string)
		&& !utf8_valid_str(json_object_get_string(m.json))))
		fatal("a decoded string is not UTF-8");
	reencode(&m, &b);
	if (b.error || pws_decode(pws_buf_msg(&b), b.len, role, &m2, &reason) < 0)
		fatal("a decoded message does not re-encode");
	if (m.code != m2.code || m.callid != m2.callid || m.subcallid != m2.subcallid
	    || m.descid != m2.descid || m.eventid != m2.eventid || m.iserror != m2.iserror
	    || m.has_guard != m2.has_guard || m.hop != m2.hop
	    || !same(m.verb, m2.verb) || !same(m.uuid, m2.uuid) || !same(m.api, m2.api)
	    || !same(m.status, m2.status) || !same(m.info, m2.info) || !same(m.event, m2.event))
		fatal("fields differ after a round trip");
	pws_msg_clear(&m2);
	pws_msg_clear(&m);
	pws_buf_clear(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wsreader r;
	struct wsframe_item it;
	size_t off = 0, step;
	int rc = 0;

	/* as a message */
	check_message(data, size, PWS_SERVER);
	check_message(data, size, PWS_CLIENT);

	/* as a stream of frames, received in pieces of a size set by the first byte */
	step = size ? (size_t)(data[0] % 17) + 1 : 1;
	wsreader_init(&r, LIMIT);
	while (off < size && rc >= 0) {
		size_t n = size - off < step ? size - off : step;
		if (wsreader_feed(&r, data + off, n) < 0)
			break;
		off += n;
		while ((rc = wsreader_next(&r, &it)) > 0) {
			if (it.len > LIMIT)
				fatal("a message over the limit");
			if (it.opcode >= WSF_CLOSE && it.len > 125)
				fatal("a control frame over 125 bytes");
			if (it.opcode == WSF_BINARY) {
				check_message(it.data, it.len, PWS_SERVER);
				check_message(it.data, it.len, PWS_CLIENT);
			}
		}
		if (rc < 0 && (!r.reason || !r.close_code))
			fatal("an error without close code or reason");
	}
	wsreader_deinit(&r);
	return 0;
}

#ifndef FUZZ_LIBFUZZER

/* xorshift: deterministic runs */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

struct seed {
	uint8_t *data;
	size_t len;
};

static struct seed seeds[64];
static int nseeds;

static void add_seed(struct pws_buf *b, int framed)
{
	uint8_t *out;
	size_t outlen;

	if (nseeds == 64)
		return;
	if (framed) {
		if (wsframe_fragment(pws_buf_msg(b), b->len, WSF_BINARY, &out, &outlen) < 0)
			abort();
	} else {
		out = malloc(b->len);
		memcpy(out, pws_buf_msg(b), b->len);
		outlen = b->len;
	}
	seeds[nseeds].data = out;
	seeds[nseeds++].len = outlen;
	pws_buf_clear(b);
}

static void make_seeds(void)
{
	static const uint8_t uuid[16] = "0123456789abcdef";
	struct json_object *o = json_tokener_parse("{\"a\":[1,\"x\",null,{\"b\":true}]}");
	struct pws_buf b;
	int framed;

	for (framed = 0; framed < 2; framed++) {
		pws_buf_init(&b); pws_put_call(&b, 1, "ping", "uuid", o); add_seed(&b, framed);
		pws_put_subcall_reply(&b, 2, 0, o); add_seed(&b, framed);
		pws_put_describe(&b, 3); add_seed(&b, framed);
		pws_put_reply_success(&b, 4, "info", o); add_seed(&b, framed);
		pws_put_reply_fail(&b, 5, "failed", ""); add_seed(&b, framed);
		pws_put_subcall(&b, 6, 7, "api", "verb", o); add_seed(&b, framed);
		pws_put_subscribe(&b, 8, 9, "api/e"); add_seed(&b, framed);
		pws_put_unsubscribe(&b, 8, 9, "api/e"); add_seed(&b, framed);
		pws_put_event_add(&b, 9, "api/e"); add_seed(&b, framed);
		pws_put_event_remove(&b, 9, "api/e"); add_seed(&b, framed);
		pws_put_event_push(&b, 9, "api/e", o); add_seed(&b, framed);
		pws_put_broadcast(&b, "api/e", o, NULL, 0); add_seed(&b, framed);
		pws_put_broadcast(&b, "api/e", o, uuid, 3); add_seed(&b, framed);
		pws_put_description(&b, 10, o); add_seed(&b, framed);
	}
	json_object_put(o);
}

static size_t mutate(uint8_t *buf, size_t len, size_t cap)
{
	int n = 1 + (int)(rnd() % 8);
	size_t pos;

	while (n--) {
		pos = len ? rnd() % len : 0;
		switch (rnd() % 7) {
		case 0: if (len) buf[pos] ^= (uint8_t)(1u << (rnd() % 8)); break;
		case 1: if (len) buf[pos] = (uint8_t)rnd(); break;
		case 2: if (len) len = pos; break;					/* truncate */
		case 3: if (len < cap) { memmove(buf + pos + 1, buf + pos, len - pos); buf[pos] = (uint8_t)rnd(); len++; } break;
		case 4: if (len) { memmove(buf + pos, buf + pos + 1, len - pos - 1); len--; } break;
		case 5: if (len) buf[pos] = (uint8_t[]){ 0, 0xff, 0x7f, 0x80, 126, 127, 1 }[rnd() % 7]; break;
		case 6: {							/* splice another seed */
			struct seed *s = &seeds[rnd() % (unsigned)nseeds];
			size_t m = s->len < cap - pos ? s->len : cap - pos;
			memcpy(buf + pos, s->data, m);
			if (pos + m > len)
				len = pos + m;
			break;
		}
		}
	}
	return len;
}

static int replay(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long len;

	if (!f || fseek(f, 0, SEEK_END) < 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0) {
		perror(path);
		return 1;
	}
	buf = malloc((size_t)len + 1);
	if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) {
		perror(path);
		return 1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)len);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	enum { CAP = 2 * LIMIT };
	static uint8_t buf[CAP];
	long iterations = 200000, i;
	size_t len;
	int k, rc = 0;

	if (argc > 1 && strcmp(argv[1], "-n")) {
		for (k = 1; k < argc; k++)
			rc |= replay(argv[k]);
		return rc;
	}
	if (argc > 2)
		iterations = atol(argv[2]);
	make_seeds();
	for (k = 0; k < nseeds; k++)
		LLVMFuzzerTestOneInput(seeds[k].data, seeds[k].len);
	for (i = 0; i < iterations; i++) {
		struct seed *s = &seeds[rnd() % (unsigned)nseeds];
		len = s->len < CAP ? s->len : CAP;
		memcpy(buf, s->data, len);
		len = mutate(buf, len, CAP);
		LLVMFuzzerTestOneInput(buf, len);
	}
	for (k = 0; k < nseeds; k++)
		free(seeds[k].data);
	printf("ok: %d seeds, %ld mutations\n", nseeds, iterations);
	return 0;
}
#endif
