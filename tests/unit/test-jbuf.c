/* SPDX-License-Identifier: Apache-2.0 */
/*
 * binder/core/jbuf: the text written is json-c's (PLAIN, NOSLASHESCAPE)
 * for valid objects, repaired UTF-8 otherwise, with headroom and sticky
 * errors.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "jbuf.h"
#include "utf8.h"
#include "unit.h"

static const int flags = JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE;

/* jbuf's text of 'obj' (headroom 14) is json-c's, '/' escaped or not; 'obj' is released. */
static void check_same_ext(struct json_object *obj, int slash)
{
	struct jbuf b;
	const char *expected = obj ? json_object_to_json_string_ext(obj, slash ? JSON_C_TO_STRING_PLAIN : flags) : "null";
	size_t len;
	char *data;

	CHECK_INT(jbuf_init(&b, 14, 1), 0);
	b.escape_slash = slash;
	jbuf_json(&b, obj);
	data = jbuf_finish(&b, &len);
	CHECK(data != NULL);
	if (data) {
		CHECK_INT(len - 14, strlen(expected));
		if (len - 14 != strlen(expected) || memcmp(data + 14, expected, len - 14))
			fprintf(stderr, "jbuf: %.*s\njson-c: %s\n", (int)(len - 14), data + 14, expected);
		CHECK(!memcmp(data + 14, expected, len - 14));
	}
	free(data);
	if (!slash && obj) {
		/* the same object with '/' escaped (proto-ws writes so) */
		json_object_get(obj);
		check_same_ext(obj, 1);
	}
	json_object_put(obj);
}

static void check_same(struct json_object *obj)
{
	check_same_ext(obj, 0);
}

static void check_scalars(void)
{
	static const char *const texts[] = {
		"null", "true", "false", "0", "-1", "42", "9223372036854775807", "-9223372036854775808",
		"18446744073709551615", "1.5", "1.10", "-0.0", "1e300", "3.141592653589793", "\"\"",
		"\"a/b\"", "\"q\\\"b\\\\s\"", "\"\\u0001\\u001f\\b\\f\\n\\r\\t\"", "\"caf\\u00e9 \\ud83d\\ude00\"",
		"{}", "[]", "[1,[2,[3,{}]],{\"a\":[]}]", "{\"k\\\"ey\":{\"x\":null,\"y\":[true,false]}}",
		"{\"\\u00e9t\\u00e9\":\"\\u0000x\"}",
	};
	size_t i;

	for (i = 0; i < sizeof texts / sizeof *texts; i++)
		check_same(json_tokener_parse(texts[i]));
	check_same(NULL);
	check_same(json_object_new_double(0.1));
	check_same(json_object_new_double(100));
	check_same(json_object_new_double(-2.5e-7));
	check_same(json_object_new_int64(INT64_MIN));
	check_same(json_object_new_uint64(UINT64_MAX));
	check_same(json_object_new_uint64((uint64_t)INT64_MAX + 1));
	check_same(json_object_new_string_len("a\0b", 3));
	check_same(json_object_new_double_s(1.0, "1.000"));
}

/* Strings of every length around the 8- and 16-byte fast paths, with a special byte at each place. */
static void check_strings(void)
{
	static const char specials[] = { '"', '\\', '\n', 1, 0x1f, 0x7f, ' ', '/' };
	char s[80];
	size_t len, at, k;

	for (len = 0; len < 40; len++) {
		for (at = 0; at <= len; at++) {
			for (k = 0; k < sizeof specials; k++) {
				memset(s, 'a', len);
				if (at < len)
					s[at] = specials[k];
				check_same(json_object_new_string_len(s, (int)len));
			}
		}
	}
	/* valid multibyte sequences across the fast path boundaries */
	for (at = 0; at < 20; at++) {
		memset(s, 'b', 40);
		memcpy(s + at, "\xf0\x9f\x98\x80\xc3\xa9\xe2\x82\xac", 9);
		check_same(json_object_new_string_len(s, 40));
	}
}

/* Random trees: compared with json-c. */
static struct json_object *random_tree(unsigned *seed, int depth)
{
	static const char *const alphabet[] = { "a", "b", "\"", "\\", "/", "\n", "\x01", " ", "z", "\xc3\xa9",
						 "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\x7f" };
	struct json_object *o;
	char key[16], str[256];
	size_t len;
	int i, n;

	switch (depth <= 0 ? rand_r(seed) % 4 : rand_r(seed) % 7) {
	case 0: return json_object_new_int64((int64_t)rand_r(seed) - RAND_MAX / 2);
	case 1: return json_object_new_boolean(rand_r(seed) & 1);
	case 2: return NULL;
	case 3:
		n = rand_r(seed) % 60;
		for (i = 0, len = 0; i < n; i++) {
			const char *piece = alphabet[rand_r(seed) % (sizeof alphabet / sizeof *alphabet)];
			memcpy(str + len, piece, strlen(piece));
			len += strlen(piece);
		}
		return json_object_new_string_len(str, (int)len);
	case 4: case 5:
		o = json_object_new_object();
		n = rand_r(seed) % 6;
		for (i = 0; i < n; i++) {
			snprintf(key, sizeof key, "k%d\"%d", i, rand_r(seed) % 10);
			json_object_object_add(o, key, random_tree(seed, depth - 1));
		}
		return o;
	default:
		o = json_object_new_array();
		n = rand_r(seed) % 6;
		for (i = 0; i < n; i++)
			json_object_array_add(o, random_tree(seed, depth - 1));
		return o;
	}
}

static void check_random(void)
{
	unsigned seed = 42;
	int i;

	for (i = 0; i < 2000; i++)
		check_same(random_tree(&seed, 5));
}

/*
 * Large containers: the text is json-c's, and one of plain strings is
 * written into the buffer reserved from its estimated size (no doubling
 * to the next power of two).
 */
static void check_large(void)
{
	struct json_object *items = json_object_new_array(), *obj = json_object_new_object(), *esc;
	char text[1000], *big;
	struct jbuf b;
	size_t len, i;
	char *data;

	for (i = 0; i < sizeof text; i++)
		text[i] = (char)('a' + i % 26);
	for (i = 0; i < 850; i++)
		json_object_array_add(items, json_object_new_string_len(text, 997));
	json_object_object_add(obj, "size", json_object_new_int(850000));
	json_object_object_add(obj, "items", items);
	CHECK_INT(jbuf_init(&b, 0, 1), 0);
	jbuf_json(&b, obj);
	CHECK(b.cap >= b.len && b.cap <= b.len + b.len / 5);
	data = jbuf_finish(&b, &len);
	CHECK(data && len == strlen(json_object_to_json_string_ext(obj, flags)));
	free(data);
	check_same(obj);

	/* a sample that overestimates by far (4 long strings, then short ones): the room taken is bounded */
	big = malloc(65536);
	CHECK(big != NULL);
	if (!big)
		return;
	memset(big, 'b', 65536);
	items = json_object_new_array();
	for (i = 0; i < 10004; i++)
		json_object_array_add(items, i < 4 ? json_object_new_string_len(big, 65536) : json_object_new_int(1));
	free(big);
	for (i = 0; i < 5; i++) {
		struct json_object *wrap = json_object_new_array();

		json_object_array_add(wrap, json_object_get(items));
		CHECK_INT(jbuf_init(&b, 0, 1), 0);
		jbuf_json(&b, i ? wrap : items);
		CHECK(b.cap <= (16u << 20) + b.len);
		jbuf_release(&b);
		json_object_put(wrap);
	}
	check_same(items);

	/* escapes beyond the estimate: the buffer grows as it goes */
	esc = json_object_new_array();
	for (i = 0; i < 2000; i++)
		json_object_array_add(esc, json_object_new_string(i < 4 ? "plain" : "\"\n\"\n\"\n\"\n"));
	check_same(esc);
}

/* Invalid UTF-8 is repaired as utf8_json_text repairs it, and counted. */
static void check_repair(void)
{
	static const char *const bad[] = {
		"\xff", "a\xc3", "\xed\xa0\x80z", "0123456789abcdef0123\xe2\x82", "\xf0\x9f\x98", "ok\xc0\xafok",
	};
	struct json_object *obj;
	struct jbuf b;
	const char *expected, *text;
	char *repaired;
	unsigned long before;
	size_t i, len, elen;

	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		obj = json_object_new_object();
		json_object_object_add(obj, bad[i], json_object_new_string(bad[i]));
		expected = utf8_json_text(obj, flags, &elen, &repaired);
		before = utf8_repair_count();
		jbuf_init(&b, 0, 0);
		jbuf_json(&b, obj);
		text = jbuf_text(&b, &len);
		CHECK(text != NULL);
		CHECK(utf8_valid(text, len));
		CHECK_INT(len, elen);
		CHECK(text && !memcmp(text, expected, len));
		CHECK_INT(utf8_repair_count() - before, 2);	/* the key and the value */
		jbuf_release(&b);
		free(repaired);
		json_object_put(obj);
	}
}

/* Pieces written by hand, a large text, headroom kept. */
static void check_pieces(void)
{
	struct jbuf b;
	size_t len, i;
	const char *text;
	char *big, *data;
	struct json_object *obj;

	jbuf_init(&b, 3, 0);
	jbuf_lit(&b, "[");
	jbuf_int(&b, 0);
	jbuf_char(&b, ',');
	jbuf_int(&b, INT64_MIN);
	jbuf_char(&b, ',');
	jbuf_cstring(&b, NULL, "test");
	jbuf_char(&b, ',');
	jbuf_cstring(&b, "x\"y", "test");
	jbuf_lit(&b, "]");
	text = jbuf_text(&b, &len);
	CHECK_INT(len, strlen("[0,-9223372036854775808,null,\"x\\\"y\"]"));
	CHECK(text && !memcmp(text, "[0,-9223372036854775808,null,\"x\\\"y\"]", len));
	jbuf_release(&b);

	/* 1 MB string: grown from a small hint */
	big = malloc(1 << 20);
	for (i = 0; i < (1 << 20); i++)
		big[i] = (char)('a' + i % 26);
	big[12345] = '\n';
	obj = json_object_new_string_len(big, 1 << 20);
	jbuf_init(&b, 14, 16);
	jbuf_json(&b, obj);
	data = jbuf_finish(&b, &len);
	CHECK(data != NULL);
	CHECK_INT(len, 14 + (1 << 20) + 3);
	CHECK(data && !memcmp(data + 14, json_object_to_json_string_ext(obj, flags), len - 14));
	CHECK(b.data == NULL);
	free(data);
	free(big);
	json_object_put(obj);
}

int main(void)
{
	check_scalars();
	check_strings();
	check_random();
	check_large();
	check_repair();
	check_pieces();
	UNIT_END();
}
