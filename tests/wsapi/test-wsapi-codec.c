/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the proto-ws codec (binder/wsapi/proto-ws.c), of the
 * RFC 6455 framing (wsframe.c) and of the id maps (idmap.c): byte-exact
 * vectors for every message, and every way a message can be malformed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "afbtest.h"
#include "idmap.h"
#include "proto-ws.h"
#include "wsframe.h"

/* a vector: the bytes of a string literal, without its final NUL */
#define V(lit) (const uint8_t *)(lit), sizeof(lit) - 1

static struct json_object *J(const char *text)
{
	return json_tokener_parse(text);
}

/* Checks that 'b' holds exactly 'len' bytes 'want' and clears it. */
static void check_bytes(struct pws_buf *b, const uint8_t *want, size_t len)
{
	CHECK_EQ(b->error, 0);
	CHECK_EQ(b->len, len);
	if (memcmp(pws_buf_msg(b), want, len)) {
		for (size_t i = 0; i < len; i++)
			if (pws_buf_msg(b)[i] != want[i])
				afbt_fail("byte %zu differs: 0x%02x, expected 0x%02x", i, pws_buf_msg(b)[i], want[i]);
	}
	pws_buf_clear(b);
}

/* Decodes 'data' for 'role' expecting success. */
static void dec(const uint8_t *data, size_t len, enum pws_role role, struct pws_msg *m)
{
	const char *reason = NULL;
	int rc = pws_decode(data, len, role, m, &reason);

	if (rc < 0)
		afbt_fail("decode failed: %s", reason);
}

/* Decodes 'data' for 'role' expecting a failure whose reason contains 'why'. */
static void bad(const uint8_t *data, size_t len, enum pws_role role, const char *why)
{
	const char *reason = NULL;
	struct pws_msg m;

	CHECK_EQ(pws_decode(data, len, role, &m, &reason), -EBADMSG);
	CHECK_CONTAINS(reason, why);
}

static const char *jtext(struct json_object *o)
{
	return afbt_strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
}

/* every truncation of a valid message is refused */
static void all_truncations_fail(const uint8_t *data, size_t len, enum pws_role role)
{
	const char *reason;
	struct pws_msg m;

	for (size_t n = 0; n < len; n++)
		if (pws_decode(data, n, role, &m, &reason) == 0)
			afbt_fail("a message truncated to %zu of %zu bytes was accepted", n, len);
}

/* --------------------------------------------------------------- vectors */

static const char VEC_CALL[] =
	"C\x04\x03\x02\x01" "\x05\0\0\0ping\0" "\x04\0\0\0u-1\0" "\x08\0\0\0{\"a\":1}\0";
/* a call without arguments, and one with an empty object with a space */
static const char VEC_CALL_NOARGS[] =
	"C\x04\x03\x02\x01" "\x05\0\0\0ping\0" "\x04\0\0\0u-1\0" "\x03\0\0\0{}\0";
static const char VEC_CALL_SPACE[] =
	"C\x04\x03\x02\x01" "\x05\0\0\0ping\0" "\x04\0\0\0u-1\0" "\x04\0\0\0{ }\0";
static const char VEC_SUBCALL_REPLY[] = "R\x07\0\0\0\x01" "\x05\0\0\0null\0";
static const char VEC_DESCRIBE[] = "D\xff\xff\xff\xff";
static const char VEC_SUCCESS[] = "T\x2a\0\0\0" "\x01\0\0\0\0" "\x0b\0\0\0[1,\"a\\/b\"]\0";
static const char VEC_FAIL[] = "F\x2a\0\0\0" "\x07\0\0\0denied\0" "\x03\0\0\0no\0";
static const char VEC_SUBCALL[] =
	"B\x02\0\0\0\x01\0\0\0" "\x04\0\0\0api\0" "\x02\0\0\0v\0" "\x03\0\0\0{}\0";
static const char VEC_SUBSCRIBE[] = "S\x01\0\0\0\x09\0\0\0" "\x08\0\0\0hello/e\0";
static const char VEC_UNSUBSCRIBE[] = "U\x01\0\0\0\x09\0\0\0" "\x08\0\0\0hello/e\0";
static const char VEC_ADD[] = "+\x09\0\0\0" "\x08\0\0\0hello/e\0";
static const char VEC_REMOVE[] = "-\x09\0\0\0" "\x08\0\0\0hello/e\0";
static const char VEC_PUSH[] = "!\x09\0\0\0" "\x08\0\0\0hello/e\0" "\x03\0\0\0" "12\0";
static const char VEC_BROADCAST_2017[] = "*" "\x08\0\0\0hello/e\0" "\x05\0\0\0true\0";
static const char VEC_BROADCAST_GUARD[] = "*" "\x08\0\0\0hello/e\0" "\x05\0\0\0true\0"
	"\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f" "\x09";
static const char VEC_DESCRIPTION[] = "d\x05\0\0\0" "\x05\0\0\0null\0";

static void check_encode(void)
{
	static const uint8_t uuid[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
	struct json_object *o;
	struct pws_buf b;

	pws_buf_init(&b);
	o = J("{\"a\":1}");
	pws_put_call(&b, 0x01020304, "ping", "u-1", o);
	json_object_put(o);
	check_bytes(&b, V(VEC_CALL));

	/* no arguments: sent as an empty object is */
	pws_put_call(&b, 0x01020304, "ping", "u-1", NULL);
	check_bytes(&b, V(VEC_CALL_NOARGS));
	o = json_object_new_object();
	pws_put_call(&b, 0x01020304, "ping", "u-1", o);
	json_object_put(o);
	check_bytes(&b, V(VEC_CALL_NOARGS));

	pws_put_subcall_reply(&b, 7, 1, NULL);
	check_bytes(&b, V(VEC_SUBCALL_REPLY));

	pws_put_describe(&b, 0xffffffffu);
	check_bytes(&b, V(VEC_DESCRIBE));

	/* info NULL is sent as "", '/' escaped as json-c did in 2017 */
	o = J("[1,\"a/b\"]");
	pws_put_reply_success(&b, 42, NULL, o);
	json_object_put(o);
	check_bytes(&b, V(VEC_SUCCESS));

	pws_put_reply_fail(&b, 42, "denied", "no");
	check_bytes(&b, V(VEC_FAIL));

	o = J("{}");
	pws_put_subcall(&b, 2, 1, "api", "v", o);
	json_object_put(o);
	check_bytes(&b, V(VEC_SUBCALL));

	pws_put_subscribe(&b, 1, 9, "hello/e");
	check_bytes(&b, V(VEC_SUBSCRIBE));
	pws_put_unsubscribe(&b, 1, 9, "hello/e");
	check_bytes(&b, V(VEC_UNSUBSCRIBE));
	pws_put_event_add(&b, 9, "hello/e");
	check_bytes(&b, V(VEC_ADD));
	pws_put_event_remove(&b, 9, "hello/e");
	check_bytes(&b, V(VEC_REMOVE));

	o = json_object_new_int(12);
	pws_put_event_push(&b, 9, "hello/e", o);
	check_bytes(&b, V(VEC_PUSH));
	json_object_put(o);

	o = json_object_new_boolean(1);
	pws_put_broadcast(&b, "hello/e", o, NULL, 0);
	check_bytes(&b, V(VEC_BROADCAST_2017));
	pws_put_broadcast(&b, "hello/e", o, uuid, 9);
	check_bytes(&b, V(VEC_BROADCAST_GUARD));
	json_object_put(o);

	pws_put_description(&b, 5, NULL);
	check_bytes(&b, V(VEC_DESCRIPTION));

	/* ids are patched in place once known */
	pws_put_describe(&b, 0);
	pws_buf_patch_u32(&b, PWS_ID_OFFSET, 0xffffffffu);
	check_bytes(&b, V(VEC_DESCRIBE));
}

static void check_decode(void)
{
	struct pws_msg m;

	dec(V(VEC_CALL), PWS_SERVER, &m);
	CHECK_EQ(m.code, 'C');
	CHECK_EQ(m.callid, 0x01020304);
	CHECK_STR(m.verb, "ping");
	CHECK_STR(m.uuid, "u-1");
	CHECK_STR(jtext(m.json), "{\"a\":1}");
	pws_msg_clear(&m);

	/* "{}" as the args of a call: none (the request makes it if asked); any other text is parsed */
	dec(V(VEC_CALL_NOARGS), PWS_SERVER, &m);
	CHECK_EQ(m.code, 'C');
	CHECK(m.json == NULL);
	pws_msg_clear(&m);
	dec(V(VEC_CALL_SPACE), PWS_SERVER, &m);
	CHECK_STR(jtext(m.json), "{}");
	pws_msg_clear(&m);

	dec(V(VEC_SUBCALL_REPLY), PWS_SERVER, &m);
	CHECK_EQ(m.subcallid, 7);
	CHECK_EQ(m.iserror, 1);
	CHECK(m.json == NULL);	/* "null" is no object */

	dec(V(VEC_DESCRIBE), PWS_SERVER, &m);
	CHECK_EQ(m.descid, 0xffffffffu);

	dec(V(VEC_SUCCESS), PWS_CLIENT, &m);
	CHECK_EQ(m.callid, 42);
	CHECK(m.info == NULL);	/* "" is no info */
	CHECK_STR(jtext(m.json), "[1,\"a\\/b\"]");
	CHECK_STR(json_object_get_string(json_object_array_get_idx(m.json, 1)), "a/b");
	pws_msg_clear(&m);

	dec(V(VEC_FAIL), PWS_CLIENT, &m);
	CHECK_STR(m.status, "denied");
	CHECK_STR(m.info, "no");

	dec(V(VEC_SUBCALL), PWS_CLIENT, &m);
	CHECK_EQ(m.subcallid, 2);
	CHECK_EQ(m.callid, 1);
	CHECK_STR(m.api, "api");
	CHECK_STR(m.verb, "v");
	CHECK_STR(jtext(m.json), "{}");
	pws_msg_clear(&m);

	dec(V(VEC_SUBSCRIBE), PWS_CLIENT, &m);
	CHECK_EQ(m.code, 'S');
	CHECK_EQ(m.callid, 1);
	CHECK_EQ(m.eventid, 9);
	CHECK_STR(m.event, "hello/e");
	dec(V(VEC_UNSUBSCRIBE), PWS_CLIENT, &m);
	CHECK_EQ(m.code, 'U');
	dec(V(VEC_ADD), PWS_CLIENT, &m);
	CHECK_EQ(m.eventid, 9);
	CHECK_STR(m.event, "hello/e");
	dec(V(VEC_REMOVE), PWS_CLIENT, &m);
	CHECK_EQ(m.code, '-');

	dec(V(VEC_PUSH), PWS_CLIENT, &m);
	CHECK_EQ(json_object_get_int(m.json), 12);
	pws_msg_clear(&m);

	dec(V(VEC_BROADCAST_2017), PWS_CLIENT, &m);
	CHECK_EQ(m.has_guard, 0);
	CHECK_STR(m.event, "hello/e");
	CHECK(json_object_get_boolean(m.json));
	pws_msg_clear(&m);

	dec(V(VEC_BROADCAST_GUARD), PWS_CLIENT, &m);
	CHECK_EQ(m.has_guard, 1);
	CHECK_EQ(m.hop, 9);
	CHECK_EQ(m.guard_uuid[15], 15);
	pws_msg_clear(&m);

	dec(V(VEC_DESCRIPTION), PWS_CLIENT, &m);
	CHECK_EQ(m.descid, 5);
	CHECK(m.json == NULL);
}

/* JSON that does not parse is a JSON string, as in the 2017 binder */
static void check_json_text(void)
{
	static const char not_json[] = "!\x01\0\0\0" "\x02\0\0\0e\0" "\x04\0\0\0{x:\0";
	static const char prefix[] = "!\x01\0\0\0" "\x02\0\0\0e\0" "\x04\0\0\0" "1 2\0";
	struct pws_msg m;

	dec(V(not_json), PWS_CLIENT, &m);
	CHECK(json_object_is_type(m.json, json_type_string));
	CHECK_STR(json_object_get_string(m.json), "{x:");
	pws_msg_clear(&m);

	/* json-c reads the first value, as json_tokener_parse did in 2017 */
	dec(V(prefix), PWS_CLIENT, &m);
	CHECK_EQ(json_object_get_int(m.json), 1);
	pws_msg_clear(&m);
}

static void check_malformed(void)
{
	static const char zero_len[] = "+\x01\0\0\0" "\0\0\0\0";
	static const char no_nul[] = "+\x01\0\0\0" "\x02\0\0\0ab";
	static const char inner_nul[] = "+\x01\0\0\0" "\x03\0\0\0a\0\0";
	static const char too_long[] = "+\x01\0\0\0" "\xff\0\0\0ab\0";
	static const char trailing[] = "-\x09\0\0\0" "\x08\0\0\0hello/e\0" "x";
	static const char bad_ie[] = "R\x07\0\0\0\x02" "\x05\0\0\0null\0";
	static const char bad_guard[] = "*" "\x02\0\0\0e\0" "\x05\0\0\0true\0" "abcd";
	static const char *const vectors[] = {
		VEC_CALL, VEC_SUBCALL_REPLY, VEC_DESCRIBE,
	};
	static const size_t sizes[] = { sizeof VEC_CALL - 1, sizeof VEC_SUBCALL_REPLY - 1, sizeof VEC_DESCRIBE - 1 };

	bad(V(""), PWS_CLIENT, "empty");
	bad(V(zero_len), PWS_CLIENT, "zero-length");
	bad(V(no_nul), PWS_CLIENT, "not terminated");
	bad(V(inner_nul), PWS_CLIENT, "inner NUL");
	bad(V(too_long), PWS_CLIENT, "truncated");
	bad(V(trailing), PWS_CLIENT, "trailing");
	bad(V(bad_ie), PWS_SERVER, "iserror");
	bad(V(bad_guard), PWS_CLIENT, "trailing");
	/* codes are checked against the receiving side */
	bad(V(VEC_CALL), PWS_CLIENT, "unknown message code");
	bad(V(VEC_SUCCESS), PWS_SERVER, "unknown message code");
	bad(V("Zzzz"), PWS_SERVER, "unknown message code");
	bad(V("Zzzz"), PWS_CLIENT, "unknown message code");

	for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
		all_truncations_fail((const uint8_t *)vectors[i], sizes[i], PWS_SERVER);
	all_truncations_fail(V(VEC_SUCCESS), PWS_CLIENT);
	all_truncations_fail(V(VEC_FAIL), PWS_CLIENT);
	all_truncations_fail(V(VEC_SUBCALL), PWS_CLIENT);
	all_truncations_fail(V(VEC_SUBSCRIBE), PWS_CLIENT);
	all_truncations_fail(V(VEC_PUSH), PWS_CLIENT);
	all_truncations_fail(V(VEC_BROADCAST_2017), PWS_CLIENT);
	all_truncations_fail(V(VEC_DESCRIPTION), PWS_CLIENT);
}

/* ---------------------------------------------------------------- frames */

static void check_headers(void)
{
	uint8_t h[WSF_HEADER_MAX];

	CHECK_EQ(wsframe_header(h, 1, WSF_BINARY, 0), 2);
	CHECK(h[0] == 0x82 && h[1] == 0);
	CHECK_EQ(wsframe_header(h, 1, WSF_BINARY, 125), 2);
	CHECK_EQ(h[1], 125);
	CHECK_EQ(wsframe_header(h, 0, WSF_BINARY, 126), 4);
	CHECK(h[0] == 0x02 && h[1] == 126 && h[2] == 0 && h[3] == 126);
	CHECK_EQ(wsframe_header(h, 1, WSF_CONTINUATION, 65535), 4);
	CHECK(h[0] == 0x80 && h[2] == 0xff && h[3] == 0xff);
	CHECK_EQ(wsframe_header(h, 1, WSF_BINARY, 65536), 10);
	CHECK(h[1] == 127 && h[7] == 1 && h[8] == 0 && h[9] == 0);
}

/* Feeds 'data' to a reader in pieces of 'step' bytes; returns the items' concatenated payloads. */
static size_t read_all(const uint8_t *data, size_t len, size_t step, uint8_t *out, int *count, int *ops)
{
	struct wsreader r;
	struct wsframe_item it;
	size_t off = 0, total = 0, n;
	int rc;

	wsreader_init(&r, 1u << 24);
	*count = 0;
	while (off < len) {
		n = len - off < step ? len - off : step;
		CHECK_EQ(wsreader_feed(&r, data + off, n), 0);
		off += n;
		while ((rc = wsreader_next(&r, &it)) > 0) {
			memcpy(out + total, it.data, it.len);
			total += it.len;
			ops[(*count)++] = it.opcode;
		}
		CHECK_EQ(rc, 0);
	}
	wsreader_deinit(&r);
	return total;
}

static void check_fragments(void)
{
	size_t len = 150000, outlen, got;
	uint8_t *msg = malloc(len), *framed, *back = malloc(len);
	int count, ops[8];

	for (size_t i = 0; i < len; i++)
		msg[i] = (uint8_t)(i * 7);
	CHECK_EQ(wsframe_fragment(msg, len, WSF_BINARY, &framed, &outlen), 0);
	/* 65000 + 65000 + 20000: three frames with 4-byte headers (16-bit lengths) */
	CHECK_EQ(outlen, len + 4 + 4 + 4);
	CHECK_EQ(framed[0], 0x02);		/* binary, not final */
	CHECK_EQ(framed[4 + 65000], 0x00);	/* continuation, not final */
	CHECK_EQ(framed[8 + 130000], 0x80);	/* continuation, final */
	got = read_all(framed, outlen, outlen, back, &count, ops);
	CHECK_EQ(got, len);
	CHECK_EQ(count, 1);
	CHECK_EQ(ops[0], WSF_BINARY);
	CHECK(!memcmp(back, msg, len));
	/* byte by byte too */
	got = read_all(framed, outlen, 1, back, &count, ops);
	CHECK_EQ(got, len);
	CHECK(!memcmp(back, msg, len));
	free(framed);

	/* an empty message is one frame */
	CHECK_EQ(wsframe_fragment(msg, 0, WSF_BINARY, &framed, &outlen), 0);
	CHECK_EQ(outlen, 2);
	free(framed);
	free(msg);
	free(back);
}

static void check_masked_and_control(void)
{
	/* masked "Hi" (key 01 02 03 04), a ping between two fragments, a close */
	static const uint8_t in[] = {
		0x02, 0x82, 1, 2, 3, 4, 'H' ^ 1, 'i' ^ 2,	/* binary, not final, masked */
		0x89, 0x01, 'p',				/* ping "p" */
		0x80, 0x01, '!',				/* continuation, final */
		0x88, 0x02, 0x03, 0xe8,				/* close 1000 */
	};
	uint8_t out[16];
	int count, ops[8];
	size_t got;

	got = read_all(in, sizeof in, 3, out, &count, ops);
	CHECK_EQ(count, 3);
	CHECK_EQ(ops[0], WSF_PING);
	CHECK_EQ(ops[1], WSF_BINARY);
	CHECK_EQ(ops[2], WSF_CLOSE);
	CHECK_EQ(got, 1 + 3 + 2);
	CHECK(!memcmp(out, "pHi!\x03\xe8", 6));
}

static void reader_error(const uint8_t *data, size_t len, size_t max, int code, const char *why)
{
	struct wsreader r;
	struct wsframe_item it;
	int rc;

	wsreader_init(&r, max);
	wsreader_feed(&r, data, len);
	while ((rc = wsreader_next(&r, &it)) > 0)
		;
	CHECK(rc < 0);
	CHECK_EQ(r.close_code, code);
	CHECK_CONTAINS(r.reason, why);
	wsreader_deinit(&r);
}

static void check_frame_errors(void)
{
	static const uint8_t rsv[] = { 0xc2, 0x00 };
	static const uint8_t opcode[] = { 0x83, 0x00 };
	static const uint8_t long_ping[] = { 0x89, 126, 0, 126 };
	static const uint8_t frag_ping[] = { 0x09, 0x00 };
	static const uint8_t close1[] = { 0x88, 0x01, 0x03 };
	static const uint8_t lone_cont[] = { 0x80, 0x00 };
	static const uint8_t nested[] = { 0x02, 0x01, 'a', 0x02, 0x01, 'b' };
	static const uint8_t huge64[] = { 0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 0 };
	/* announced 1 MiB: refused from the header, before any byte is buffered */
	static const uint8_t big[] = { 0x82, 127, 0, 0, 0, 0, 0, 0x10, 0, 0 };
	static const uint8_t big_total[] = { 0x02, 0x03, 'a', 'b', 'c', 0x80, 0x03, 'd', 'e', 'f' };

	reader_error(rsv, sizeof rsv, 100, WSF_CLOSE_PROTOCOL, "reserved");
	reader_error(opcode, sizeof opcode, 100, WSF_CLOSE_PROTOCOL, "opcode");
	reader_error(long_ping, sizeof long_ping, 1000, WSF_CLOSE_PROTOCOL, "control");
	reader_error(frag_ping, sizeof frag_ping, 100, WSF_CLOSE_PROTOCOL, "control");
	reader_error(close1, sizeof close1, 100, WSF_CLOSE_PROTOCOL, "close");
	reader_error(lone_cont, sizeof lone_cont, 100, WSF_CLOSE_PROTOCOL, "continuation");
	reader_error(nested, sizeof nested, 100, WSF_CLOSE_PROTOCOL, "inside");
	reader_error(huge64, sizeof huge64, 100, WSF_CLOSE_PROTOCOL, "length");
	reader_error(big, sizeof big, 1000, WSF_CLOSE_TOO_BIG, "too big");
	/* the limit is on the whole message, not on each frame */
	reader_error(big_total, sizeof big_total, 5, WSF_CLOSE_TOO_BIG, "too big");
}

/* ---------------------------------------------------------------- idmap */

static void check_idmap(void)
{
	enum { N = 5000 };
	static char values[N];
	static uint32_t ids[N];
	struct idmap m;
	uint32_t id;
	int i, live = 0;

	idmap_init(&m);
	for (i = 0; i < N; i++) {
		CHECK_EQ(idmap_alloc(&m, &values[i], &ids[i]), 0);
		CHECK(ids[i] != 0);
	}
	CHECK_EQ(idmap_count(&m), N);
	for (i = 0; i < N; i++)
		CHECK(idmap_get(&m, ids[i]) == &values[i]);
	/* remove two thirds, in a scattered order: the others stay reachable */
	for (i = 0; i < N; i++)
		if (i % 3)
			CHECK(idmap_take(&m, ids[(i * 7919) % N]) == &values[(i * 7919) % N]);
	for (i = 0; i < N; i++)
		if (idmap_get(&m, ids[i]))
			live++;
	CHECK_EQ(live, (int)idmap_count(&m));
	CHECK(idmap_get(&m, 0) == NULL);
	CHECK(idmap_take(&m, 0xdeadbeef) == NULL);
	CHECK_EQ(idmap_put(&m, 0, &values[0]), -EINVAL);
	/* ids are not reused while in use, and never 0, even past 2^32 */
	m.last = 0xfffffffeu;
	CHECK_EQ(idmap_alloc(&m, &values[0], &id), 0);
	CHECK_EQ(id, 0xffffffffu);
	CHECK_EQ(idmap_alloc(&m, &values[0], &id), 0);
	CHECK(id != 0 && idmap_get(&m, id) == &values[0]);
	CHECK_EQ(idmap_put(&m, id, &values[1]), -EEXIST);
	while (idmap_take_any(&m, NULL))
		;
	CHECK_EQ(idmap_count(&m), 0);
	idmap_deinit(&m);
}

int main(int argc, char **argv)
{
	afbt_init(argc, argv);
	afbt_run("encode", check_encode);
	afbt_run("decode", check_decode);
	afbt_run("json-text", check_json_text);
	afbt_run("malformed", check_malformed);
	afbt_run("frame-headers", check_headers);
	afbt_run("fragments", check_fragments);
	afbt_run("masked-and-control", check_masked_and_control);
	afbt_run("frame-errors", check_frame_errors);
	afbt_run("idmap", check_idmap);
	return afbt_done();
}
