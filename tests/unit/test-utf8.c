/* SPDX-License-Identifier: Apache-2.0 */
/*
 * binder/core/utf8: validation, repair by maximal subparts, and the
 * output guards (utf8_json_text, utf8_str).
 */
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "utf8.h"
#include "unit.h"

static void check_valid(void)
{
	static const struct { const char *s; int ok; } cases[] = {
		{ "", 1 }, { "ascii", 1 }, { "caf\xc3\xa9", 1 }, { "\xe2\x82\xac", 1 }, { "\xf0\x9f\x98\x80", 1 },
		{ "\xf4\x8f\xbf\xbf", 1 },		/* U+10FFFF */
		{ "\xef\xbf\xbd", 1 },			/* U+FFFD */
		{ "\xed\x9f\xbf", 1 },			/* U+D7FF, before the surrogates */
		{ "\xee\x80\x80", 1 },			/* U+E000, after them */
		{ "\xc3", 0 },				/* truncated */
		{ "\xc0\xaf", 0 }, { "\xc1\xbf", 0 }, { "\xe0\x80\xaf", 0 }, { "\xf0\x80\x80\xaf", 0 },	/* overlong */
		{ "\xed\xa0\x80", 0 }, { "\xed\xbf\xbf", 0 },	/* surrogates */
		{ "\xf4\x90\x80\x80", 0 }, { "\xf5\x80\x80\x80", 0 },	/* above U+10FFFF */
		{ "\xff", 0 }, { "\xfe", 0 }, { "\x80", 0 }, { "a\xe2\x82", 0 },
		{ "0123456789abcdef\xff", 0 },		/* after the 8-byte fast path */
		{ "0123456789abcdef\xc3\xa9xyzxyzxyzxyz", 1 },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		if (utf8_valid(cases[i].s, strlen(cases[i].s)) != cases[i].ok)
			fprintf(stderr, "case %zu\n", i);
		CHECK_INT(utf8_valid(cases[i].s, strlen(cases[i].s)), cases[i].ok);
	}
	CHECK(utf8_valid("a\0b", 3));
	CHECK(utf8_valid_str(NULL));
	CHECK(utf8_valid_str("\xc3\xa9"));
	CHECK(!utf8_valid_str("\xc3"));
}

static void check_repair_one(const char *in, size_t len, const char *expected)
{
	size_t outlen = 0;
	char *out = utf8_repair(in, len, &outlen);

	CHECK(out != NULL);
	if (!out)
		return;
	CHECK_STR(out, expected);
	CHECK_INT(outlen, strlen(expected));
	CHECK(utf8_valid(out, outlen));
	free(out);
}

#define R "\xef\xbf\xbd"
static void check_repair(void)
{
	check_repair_one("", 0, "");
	check_repair_one("abc", 3, "abc");
	check_repair_one("\xff\xfe", 2, R R);
	check_repair_one("a\xc3", 2, "a" R);
	/* maximal subparts (Unicode 3.9, table 3-8): E1 80 counts as one, then 41 */
	check_repair_one("\xe1\x80" "A", 3, R "A");
	check_repair_one("\xf0\x9f\x98" "A", 4, R "A");
	/* a lead byte refused by its second byte: the lead alone, then the byte */
	check_repair_one("\xe0\x80\x80", 3, R R R);
	check_repair_one("\xed\xa0\x80", 3, R R R);
	check_repair_one("\xc0\xaf", 2, R R);
	check_repair_one("x\xf4\x90\x80\x80y", 6, "x" R R R R "y");
	check_repair_one("caf\xc3\xa9\xff", 6, "caf\xc3\xa9" R);
	{
		size_t n = 0;
		char *out = utf8_repair("a\0\xff", 3, &n);	/* NUL kept */
		CHECK(out && n == 5 && !memcmp(out, "a\0" R, 6));
		free(out);
	}
}

static void check_json(void)
{
	struct json_object *o = json_object_new_object();
	const char *text;
	char *tofree = (char *)1;
	size_t len = 0;
	unsigned long before = utf8_repair_count();

	json_object_object_add(o, "k", json_object_new_string("caf\xc3\xa9"));
	text = utf8_json_text(o, JSON_C_TO_STRING_PLAIN, &len, &tofree);
	CHECK_STR(text, "{\"k\":\"caf\xc3\xa9\"}");
	CHECK(tofree == NULL);
	CHECK_INT(len, strlen(text));
	CHECK_INT(utf8_repair_count(), before);

	json_object_object_add(o, "bad\xff", json_object_new_string("\xff\xfe"));
	text = utf8_json_text(o, JSON_C_TO_STRING_PLAIN, &len, &tofree);
	CHECK_STR(text, "{\"k\":\"caf\xc3\xa9\",\"bad" R "\":\"" R R "\"}");
	CHECK(tofree == text);
	CHECK_INT(len, strlen(text));
	CHECK_INT(utf8_repair_count(), before + 1);
	/* still JSON */
	{
		struct json_object *back = json_tokener_parse(text);
		CHECK(back != NULL);
		json_object_put(back);
	}
	free(tofree);
	json_object_put(o);

	text = utf8_json_text(NULL, JSON_C_TO_STRING_PLAIN, &len, &tofree);
	CHECK_STR(text, "null");

	text = utf8_str("ok", "test", &tofree);
	CHECK_STR(text, "ok");
	CHECK(tofree == NULL);
	CHECK(utf8_str(NULL, "test", &tofree) == NULL);
	text = utf8_str("x\x80", "test", &tofree);
	CHECK_STR(text, "x" R);
	CHECK(tofree == text);
	free(tofree);
	CHECK_INT(utf8_repair_count(), before + 2);
}

/* NaN and infinities: json-c reads and writes them, JSON has none: null */
static void check_nonfinite(void)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "[NaN,1]", "[null,1]" },
		{ "{\"a\":Infinity,\"b\":-Infinity,\"NaN\":\"Infinity\"}", "{\"a\":null,\"b\":null,\"NaN\":\"Infinity\"}" },
		{ "[\"I\\\"N\",-Infinity,[NaN,NaN]]", "[\"I\\\"N\",null,[null,null]]" },
		{ "[1.5e300,-0.0,\"NaN\"]", "[1.5e300,-0.0,\"NaN\"]" },
	};
	size_t i, len;
	char *tofree;

	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct json_object *o = json_tokener_parse(cases[i].in);
		const char *text;

		CHECK(o != NULL);
		text = utf8_json_text(o, JSON_C_TO_STRING_PLAIN, &len, &tofree);
		CHECK_STR(text, cases[i].out);
		CHECK_INT(len, strlen(cases[i].out));
		free(tofree);
		json_object_put(o);
	}
}

/* every escape json-c accepts gives valid UTF-8 (lone surrogates: U+FFFD) */
static void check_escapes(void)
{
	static const char *const texts[] = {
		"\"\\ud800\"", "\"\\udc00x\"", "\"\\ud800\\u0041\"", "\"\\ud83d\\ude00\"", "\"\\ud800\\ud800\"",
		"\"\\u00e9\\u20ac\"",
	};
	size_t i;

	for (i = 0; i < sizeof texts / sizeof *texts; i++) {
		struct json_object *o = json_tokener_parse(texts[i]);
		CHECK(o != NULL);
		if (o)
			CHECK(utf8_valid(json_object_get_string(o), (size_t)json_object_get_string_len(o)));
		json_object_put(o);
	}
}

int main(void)
{
	check_valid();
	check_repair();
	check_json();
	check_escapes();
	check_nonfinite();
	UNIT_END();
}
