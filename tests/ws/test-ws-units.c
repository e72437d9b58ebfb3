/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the pure parts of binder/wsj1 (UTF-8: tests/unit/test-utf8.c): keys, frame
 * headers and the json1 messages.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "afbtest.h"
#include "jbuf.h"
#include "json1.h"
#include "wskey.h"
#include "wsmsg.h"

static void t_keys(void)
{
	char accept[WSKEY_ACCEPT_LEN + 1], k1[WSKEY_KEY_LEN + 1], k2[WSKEY_KEY_LEN + 1];

	/* the example of RFC 6455 1.3 */
	wskey_accept("dGhlIHNhbXBsZSBub25jZQ==", accept);
	CHECK_STR(accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
	CHECK(wskey_valid("dGhlIHNhbXBsZSBub25jZQ=="));
	CHECK(!wskey_valid("dGhlIHNhbXBsZSBub25jZQ"));
	CHECK(!wskey_valid("dGhlIHNhbXBsZSBub25jZ!=="));
	CHECK(!wskey_valid(NULL));
	CHECK_EQ(wskey_random(k1), 0);
	CHECK_EQ(wskey_random(k2), 0);
	CHECK(wskey_valid(k1));
	CHECK_STR_NE(k1, k2);
}

static void t_headers(void)
{
	uint8_t h[WSMSG_HEADER_MAX], mask[4] = { 1, 2, 3, 4 };

	CHECK_EQ(wsmsg_header(h, WSMSG_TEXT, 5, NULL), 2);
	CHECK(h[0] == 0x81 && h[1] == 5);
	CHECK_EQ(wsmsg_header(h, WSMSG_BINARY, 126, NULL), 4);
	CHECK(h[1] == 126 && h[2] == 0 && h[3] == 126);
	CHECK_EQ(wsmsg_header(h, WSMSG_TEXT, 65536, mask), 14);
	CHECK(h[1] == (0x80 | 127) && h[7] == 1 && h[9] == 0 && h[10] == 1 && h[13] == 4);
	CHECK_EQ(wsmsg_header_size(65535, 0), 4);
	CHECK_EQ(wsmsg_header_size(65536, 1), 14);
	CHECK(wsmsg_close_code_valid(1000) && wsmsg_close_code_valid(4999) && wsmsg_close_code_valid(1011));
	CHECK(!wsmsg_close_code_valid(1005) && !wsmsg_close_code_valid(999) && !wsmsg_close_code_valid(2000));
}

static struct json1_parser parser;

static int parse(const char *text, struct json1_msg *m, const char **why)
{
	return json1_parse(&parser, text, strlen(text), m, why);
}

static int bytes_are(const char *s, size_t len, const char *expected)
{
	return s && len == strlen(expected) && !memcmp(s, expected, len);
}

static void t_parse(void)
{
	struct json1_msg m;
	const char *why = NULL;

	CHECK_EQ(parse(" [2, \"id\", \"api/ve/rb\", {\"a\":1}, \"tok\"]\n", &m, &why), 0);
	CHECK_EQ(m.code, 2);
	CHECK(bytes_are(m.id_text, m.id_len, "\"id\""));
	CHECK(bytes_are(m.api, m.api_len, "api"));
	CHECK(bytes_are(m.verb, m.verb_len, "ve/rb"));
	CHECK(bytes_are(m.token, m.token_len, "tok"));
	CHECK(json_object_is_type(m.args, json_type_object));
	json1_msg_clear(&m);

	CHECK_EQ(parse("[2,42,\"a/b\",null,null]", &m, &why), 0);
	CHECK(bytes_are(m.id_text, m.id_len, "42") && !m.args && !m.token);
	json1_msg_clear(&m);

	CHECK_EQ(parse("[5,\"a/e\",{}]", &m, &why), 0);
	CHECK_EQ(m.code, 5);
	json1_msg_clear(&m);

	CHECK_EQ(parse("[2,\"i\",\"a\\u0000x/b\",null]", &m, &why), -EINVAL);
	CHECK_EQ(parse("[2,\"i\",\"/b\",null]", &m, &why), -EINVAL);
	CHECK_EQ(parse("[2,\"i\",\"a/\",null]", &m, &why), -EINVAL);
	CHECK_EQ(parse("[2,true,\"a/b\",null]", &m, &why), -EINVAL);
	CHECK_EQ(parse("[\"2\",\"i\",\"a/b\",null]", &m, &why), -EINVAL);
	CHECK_EQ(parse("[2,\"i\",\"a/b\",null,\"t\",1]", &m, &why), -EINVAL);
	CHECK_EQ(parse("[2,'i',\"a/b\",null]", &m, &why), -EINVAL);	/* strict JSON */
	CHECK_EQ(parse("[2,\"i\",\"a/b\",null]]", &m, &why), -EINVAL);
	CHECK_EQ(parse("[2,\"i\",\"a/b\",nullx]", &m, &why), -EINVAL);
	CHECK_EQ(parse("[2,\"i\",\"a/b\",\"x\",\"t\",]", &m, &why), -EINVAL);
	CHECK_EQ(parse("[2,\"i\",\"a/b\",{\"a\":1}", &m, &why), -EINVAL);
	CHECK(why != NULL);
	CHECK(m.root == NULL && m.args == NULL);
}

static struct json_object *parse_text(const char *text, size_t len)
{
	char *s = strndup(text, len);
	struct json_object *o = s ? json_tokener_parse(s) : NULL;

	CHECK(o != NULL);
	free(s);
	return o;
}

/*
 * The hand scan (root NULL) takes the plain shapes; json-c the others.
 * Both read the same message (the fuzz harness checks it on any text).
 */
static void check_scan(const char *text, int by_hand, const char *id, const char *token)
{
	struct json1_msg m, f;
	const char *why = NULL;
	struct json_object *a, *b;

	afbt_note("%s", text);
	CHECK_EQ(parse(text, &m, &why), 0);
	CHECK_EQ(json1_parse_full(&parser, text, strlen(text), &f, &why), 0);
	CHECK_EQ(m.root == NULL, by_hand);
	CHECK(bytes_are(m.id_text, m.id_len, id));
	CHECK(token ? bytes_are(m.token, m.token_len, token) : !m.token);
	CHECK(bytes_are(m.api, m.api_len, "a") && bytes_are(m.verb, m.verb_len, "b"));
	CHECK((!m.args && !f.args) || json_object_equal(m.args, f.args));
	a = parse_text(m.id_text, m.id_len);
	b = parse_text(f.id_text, f.id_len);
	CHECK(json_object_equal(a, b));
	json_object_put(a);
	json_object_put(b);
	json1_msg_clear(&m);
	json1_msg_clear(&f);
}

static void t_scan(void)
{
	char text[200];
	struct json1_msg m;
	const char *why;
	int n, i, rc, rcf;

	check_scan("[2,\"1\",\"a/b\",null]", 1, "\"1\"", NULL);
	check_scan("[2,-7,\"a/b\",12,\"tok\"]", 1, "-7", "tok");
	check_scan(" [ 2 ,\t\"x y\" ,\r\n\"a/b\" , [1,{\"k\":\"\\u00e9\"}] , null ] \n", 1, "\"x y\"", NULL);
	check_scan("[2,\"i\",\"a/b\",\"s]\"]", 1, "\"i\"", NULL);
	check_scan("[2,0,\"a/b\",true]", 1, "0", NULL);
	/* escapes, non-ASCII ids, doubles: json-c, the id as it writes it */
	check_scan("[2,\"\\u0041\",\"a/b\",null]", 0, "\"A\"", NULL);
	check_scan("[2,\"\xc3\xa9\",\"a/b\",null]", 0, "\"\xc3\xa9\"", NULL);
	check_scan("[2,1.5,\"a/b\",null]", 0, "1.5", NULL);
	check_scan("[2,\"i\",\"a\\/b\",null]", 0, "\"i\"", NULL);
	check_scan("[2,\"i\",\"a/b\",null,\"t\\u0041\"]", 0, "\"i\"", "tA");
	/* the arguments nest as deep in both */
	for (n = 28; n <= 34; n++) {
		i = snprintf(text, sizeof text, "[2,\"i\",\"a/b\",%.*s%.*s]", n, "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
			     n, "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]");
		CHECK(i > 0 && i < (int)sizeof text);
		rc = parse(text, &m, &why);
		if (rc == 0) {
			CHECK(m.root == NULL);
			json1_msg_clear(&m);
		}
		rcf = json1_parse_full(&parser, text, strlen(text), &m, &why);
		if (rcf == 0)
			json1_msg_clear(&m);
		afbt_note("depth %d: %d %d", n, rc, rcf);
		CHECK_EQ(rc, rcf);
		CHECK_EQ(rc, n < JSON_TOKENER_DEFAULT_DEPTH ? 0 : -EINVAL);
	}
}

/* The text of 'b' as a C string (freed at the next call). */
static const char *text_of(struct jbuf *b)
{
	static char *last;
	size_t len;
	const char *text = jbuf_text(b, &len);

	free(last);
	last = text ? strndup(text, len) : NULL;
	jbuf_release(b);
	return last;
}

static void t_build(void)
{
	struct json_object *o;
	struct jbuf b;
	const char *text;

	jbuf_init(&b, 0, 0);
	json1_reply_begin(&b, 3, "\"q\\\"d\"", 6);
	jbuf_lit(&b, "{}");
	json1_reply_end(&b, "tok");
	CHECK_STR(text_of(&b), "[3,\"q\\\"d\",{},\"tok\"]");
	jbuf_init(&b, 0, 0);
	json1_reply_begin(&b, 4, NULL, 0);
	jbuf_lit(&b, "{}");
	json1_reply_end(&b, NULL);
	CHECK_STR(text_of(&b), "[4,null,{}]");

	jbuf_init(&b, 0, 0);
	json1_event_text(&b, "api/e\"v", NULL);
	CHECK_STR(text_of(&b), "[5,\"api/e\\\"v\",{\"event\":\"api/e\\\"v\",\"jtype\":\"afb-event\"}]");
	o = json_tokener_parse("{\"a\":[1,\"/\"]}");
	jbuf_init(&b, 0, 0);
	json1_event_text(&b, "api/ev", o);
	CHECK_STR(text_of(&b), "[5,\"api/ev\",{\"event\":\"api/ev\",\"data\":{\"a\":[1,\"/\"]},\"jtype\":\"afb-event\"}]");
	json_object_put(o);

	o = json1_call("7", "api", "verb", NULL, NULL);
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	CHECK_STR(text, "[2,\"7\",\"api/verb\",null]");
	json_object_put(o);
}

int main(int argc, char **argv)
{
	int rc;

	afbt_init(argc, argv);
	if (json1_parser_init(&parser) < 0)
		return 1;
	afbt_run("keys", t_keys);
	afbt_run("headers", t_headers);
	afbt_run("parse", t_parse);
	afbt_run("scan", t_scan);
	afbt_run("build", t_build);
	json1_parser_release(&parser);
	rc = afbt_done();
	return rc;
}
