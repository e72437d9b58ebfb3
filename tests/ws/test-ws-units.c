/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the pure parts of binder/wsj1 (UTF-8: tests/unit/test-utf8.c): keys, frame
 * headers and the json1 messages.
 */
#include <errno.h>
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

static struct json_tokener *tok;

static int parse(const char *text, struct json1_msg *m, const char **why)
{
	return json1_parse(tok, text, strlen(text), m, why);
}

static void t_parse(void)
{
	struct json1_msg m;
	const char *why = NULL;

	CHECK_EQ(parse(" [2, \"id\", \"api/ve/rb\", {\"a\":1}, \"tok\"]\n", &m, &why), 0);
	CHECK_EQ(m.code, 2);
	CHECK_STR(json_object_get_string(m.id), "id");
	CHECK_EQ(m.api_len, 3);
	CHECK(!strncmp(m.api, "api", 3));
	CHECK_STR(m.verb, "ve/rb");
	CHECK_STR(m.token, "tok");
	CHECK(json_object_is_type(m.args, json_type_object));
	json1_msg_clear(&m);

	CHECK_EQ(parse("[2,42,\"a/b\",null,null]", &m, &why), 0);
	CHECK(json_object_is_type(m.id, json_type_int) && !m.args && !m.token);
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
	CHECK(why != NULL);
	CHECK(m.root == NULL);
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
	struct json_object *id = json_object_new_string("q\"d"), *o;
	struct jbuf b;
	const char *text;

	jbuf_init(&b, 0, 0);
	json1_reply_begin(&b, 3, id);
	jbuf_lit(&b, "{}");
	json1_reply_end(&b, "tok");
	CHECK_STR(text_of(&b), "[3,\"q\\\"d\",{},\"tok\"]");
	jbuf_init(&b, 0, 0);
	json1_reply_begin(&b, 4, NULL);
	jbuf_lit(&b, "{}");
	json1_reply_end(&b, NULL);
	CHECK_STR(text_of(&b), "[4,null,{}]");
	json_object_put(id);

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
	tok = json_tokener_new();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	afbt_run("keys", t_keys);
	afbt_run("headers", t_headers);
	afbt_run("parse", t_parse);
	afbt_run("build", t_build);
	json_tokener_free(tok);
	rc = afbt_done();
	return rc;
}
