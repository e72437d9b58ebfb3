/* SPDX-License-Identifier: Apache-2.0 */
/*
 * binder/core/jscan: which texts are plain (passed on as they are) and
 * which are parsed: every RFC 8259 shape the daemon writes is plain,
 * what json-c would read differently (a lone surrogate, an integer it
 * clamps, a leniency of its non-strict mode) or not at all is not; the
 * depth limit holds to the level; what the daemon writes of the values
 * it makes (jbuf_json) is plain.
 */
#include <string.h>
#include <json-c/json.h>
#include "jbuf.h"
#include "jscan.h"
#include "unit.h"

static int kind(const char *text)
{
	return jscan_plain(text, strlen(text));
}

static char *nested(char *buf, int levels, const char *open, const char *inner, const char *close)
{
	int i;

	buf[0] = 0;
	for (i = 0; i < levels; i++)
		strcat(buf, open);
	strcat(buf, inner);
	for (i = 0; i < levels; i++)
		strcat(buf, close);
	return buf;
}

static void check_written(struct json_object *o)
{
	struct jbuf b;
	const char *text;
	size_t len;

	CHECK_INT(jbuf_init(&b, 0, 64), 0);
	jbuf_json(&b, o);
	text = jbuf_text(&b, &len);
	CHECK(text != NULL);
	if (text && jscan_plain(text, len) != JSCAN_VALUE) {
		fprintf(stderr, "not plain: %.*s\n", (int)len, text);
		CHECK(0);
	}
	jbuf_release(&b);
	json_object_put(o);
}

int main(void)
{
	static const char *plain[] = {
		"{}", "[]", "0", "-0", "1", "-1", "3.25", "-0.5e-3", "1E+10", "1e308", "1.0000000000000001e+300",
		"true", "false", "\"\"", " \t\r\n{ \"a\" : [ 1 , 2 ] }\n",
		"{\"response\":\"Some String\",\"jtype\":\"afb-reply\",\"request\":{\"status\":\"success\"}}",
		"\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0000\\u00e9\\uFFFD\\ud83d\\ude00\"",
		"\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"",
		"{\"a\":1,\"a\":2}",
		"999999999999999999", "9223372036854775807", "18446744073709551615", "9999999999999999999",
		"-999999999999999999", "-9223372036854775808", "123456789012345678901234567890.5",
	};
	static const char *not_plain[] = {
		"", " ", "nul", "tru", "True", "NaN", "Infinity", "-Infinity", "01", "-01", "1.", ".5", "-", "+1",
		"1e", "1e+", "1e1000", "0x10", "[1,]", "{\"a\":1,}", "{'a':1}", "{a:1}", "[1 2]", "{\"a\" 1}",
		"{\"a\":1 \"b\":2}", "{\"a\"}", "[", "]", "{", "}", "[}", "{]", "{\"a\":1]", "[1}", "1 2",
		"{\"a\":1}x", "\"a", "\"\\x\"", "\"\\u12\"", "\"\\u12G4\"", "\"\\ud800\"", "\"\\udc00\"",
		"\"\\ud800\\u0041\"", "\"\\ud800x\"", "\"\\udc00\\ud800\"", "\"tab\there\"", "\"\x01\"",
		"\"\xc3\x28\"", "\"\xed\xa0\x80\"", "\"\xc0\xaf\"", "\"\xf4\x90\x80\x80\"", "\"\xe2\x82\"",
		"/* c */ 1", "1 // c", "[1]\x0b",
		/* clamped by json-c's 64 bits */
		"99999999999999999999", "18446744073709551616", "28446744073709551615", "-9223372036854775809",
		"-9999999999999999999", "100000000000000000000", "-10000000000000000000",
	};
	char buf[400];
	size_t i;

	for (i = 0; i < sizeof plain / sizeof *plain; i++)
		if (kind(plain[i]) != JSCAN_VALUE) {
			fprintf(stderr, "expected plain: %s\n", plain[i]);
			CHECK(0);
		}
	for (i = 0; i < sizeof not_plain / sizeof *not_plain; i++)
		if (kind(not_plain[i]) != JSCAN_NOT_PLAIN) {
			fprintf(stderr, "expected not plain: %s\n", not_plain[i]);
			CHECK(0);
		}

	/* null apart: callers turn it into no response */
	CHECK_INT(kind("null"), JSCAN_NULL);
	CHECK_INT(kind(" null\n"), JSCAN_NULL);
	CHECK_INT(kind("[null]"), JSCAN_VALUE);
	CHECK_INT(kind("{\"a\":null}"), JSCAN_VALUE);

	/* a length, not a NUL, ends the text; NUL bytes are not whitespace */
	CHECK_INT(jscan_plain("[1]xyz", 3), JSCAN_VALUE);
	CHECK_INT(jscan_plain("12", 1), JSCAN_VALUE);
	CHECK_INT(jscan_plain("[1]\0", 4), JSCAN_NOT_PLAIN);
	CHECK_INT(jscan_plain("\"a\0b\"", 5), JSCAN_NOT_PLAIN);
	CHECK_INT(jscan_plain(NULL, 0), JSCAN_NOT_PLAIN);

	/* nesting: JSCAN_MAX_DEPTH levels and not one more, arrays and objects alike */
	CHECK_INT(kind(nested(buf, JSCAN_MAX_DEPTH, "[", "1", "]")), JSCAN_VALUE);
	CHECK_INT(kind(nested(buf, JSCAN_MAX_DEPTH + 1, "[", "1", "]")), JSCAN_NOT_PLAIN);
	CHECK_INT(kind(nested(buf, JSCAN_MAX_DEPTH, "{\"k\":", "{}", "}")), JSCAN_NOT_PLAIN);
	CHECK_INT(kind(nested(buf, JSCAN_MAX_DEPTH - 1, "{\"k\":", "{}", "}")), JSCAN_VALUE);
	CHECK_INT(kind(nested(buf, JSCAN_MAX_DEPTH - 1, "[{\"k\":", "[]", "}]")), JSCAN_NOT_PLAIN);
	/* the containers' kinds are remembered at every level on the way back up */
	CHECK_INT(kind("[{\"a\":[{\"b\":[]},{}]},[[],{}]]"), JSCAN_VALUE);
	CHECK_INT(kind("[{\"a\":[{\"b\":[]},{}]]},[[],{}]]"), JSCAN_NOT_PLAIN);

	/* what the daemon writes is plain */
	check_written(json_tokener_parse("{\"s\":\"caf\\u00e9\\n\\u0001\\ud83d\\ude00/\",\"i\":-42,\"d\":2.5,"
					 "\"u\":18446744073709551615,\"b\":[true,false,null],\"o\":{}}"));
	check_written(json_object_new_string_len("a\0b\x7f", 4));
	check_written(json_object_new_int64(INT64_MIN));
	check_written(json_object_new_uint64(UINT64_MAX));
	check_written(json_object_new_double(0.1));
	UNIT_END();
}
