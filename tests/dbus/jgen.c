/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jgen: JSON values made by a seeded generator, and their exact
 * comparison, for the property tests of the typed mapping.
 */
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>
#include "jgen.h"

/* ------------------------------------------------------------ exact equality */

static int big_unsigned(struct json_object *v)
{
	return json_object_get_int64(v) == INT64_MAX && json_object_get_uint64(v) > (uint64_t)INT64_MAX;
}

int jgen_same(struct json_object *a, struct json_object *b, char *why, size_t size)
{
	size_t i, n;
	double x, y;

	if (json_object_get_type(a) != json_object_get_type(b)) {
		snprintf(why, size, "type %d vs %d", json_object_get_type(a), json_object_get_type(b));
		return 0;
	}
	switch (json_object_get_type(a)) {
	case json_type_null:
		return 1;
	case json_type_boolean:
		return json_object_get_boolean(a) == json_object_get_boolean(b)
			|| (snprintf(why, size, "boolean"), 0);
	case json_type_int:
		if (big_unsigned(a) != big_unsigned(b) || json_object_get_int64(a) != json_object_get_int64(b)
		    || json_object_get_uint64(a) != json_object_get_uint64(b)) {
			snprintf(why, size, "integer %" PRId64 "/%" PRIu64 " vs %" PRId64 "/%" PRIu64,
				 json_object_get_int64(a), json_object_get_uint64(a),
				 json_object_get_int64(b), json_object_get_uint64(b));
			return 0;
		}
		return 1;
	case json_type_double:
		x = json_object_get_double(a);
		y = json_object_get_double(b);
		if (memcmp(&x, &y, sizeof x)) {
			snprintf(why, size, "real %.17g vs %.17g", x, y);
			return 0;
		}
		return 1;
	case json_type_string:
		if (json_object_get_string_len(a) != json_object_get_string_len(b)
		    || memcmp(json_object_get_string(a), json_object_get_string(b),
			      (size_t)json_object_get_string_len(a))) {
			snprintf(why, size, "string \"%s\" vs \"%s\"", json_object_get_string(a), json_object_get_string(b));
			return 0;
		}
		return 1;
	case json_type_array:
		n = json_object_array_length(a);
		if (n != json_object_array_length(b)) {
			snprintf(why, size, "array length %zu vs %zu", n, json_object_array_length(b));
			return 0;
		}
		for (i = 0; i < n; i++)
			if (!jgen_same(json_object_array_get_idx(a, i), json_object_array_get_idx(b, i), why, size))
				return 0;
		return 1;
	default: {
		struct json_object_iterator ia = json_object_iter_begin(a), ea = json_object_iter_end(a);
		struct json_object_iterator ib = json_object_iter_begin(b), eb = json_object_iter_end(b);

		for (; !json_object_iter_equal(&ia, &ea); json_object_iter_next(&ia), json_object_iter_next(&ib)) {
			if (json_object_iter_equal(&ib, &eb)) {
				snprintf(why, size, "fewer members");
				return 0;
			}
			if (strcmp(json_object_iter_peek_name(&ia), json_object_iter_peek_name(&ib))) {
				snprintf(why, size, "key \"%s\" vs \"%s\"", json_object_iter_peek_name(&ia),
					 json_object_iter_peek_name(&ib));
				return 0;
			}
			if (!jgen_same(json_object_iter_peek_value(&ia), json_object_iter_peek_value(&ib), why, size))
				return 0;
		}
		if (!json_object_iter_equal(&ib, &eb)) {
			snprintf(why, size, "more members");
			return 0;
		}
		return 1;
	}
	}
}

/* ------------------------------------------------------------ generator */

static uint64_t state = 1;

void jgen_seed(uint64_t seed)
{
	state = seed ? seed : 1;
}

static uint64_t next(void)
{
	/* xorshift64* */
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	return state * 2685821657736338717ULL;
}

static unsigned below(unsigned n)
{
	return (unsigned)(next() % n);
}

/* Appends the UTF-8 of code point 'c' to 'buf' at *len. */
static void put_utf8(char *buf, size_t *len, uint32_t c)
{
	if (c < 0x80) {
		buf[(*len)++] = (char)c;
	} else if (c < 0x800) {
		buf[(*len)++] = (char)(0xc0 | c >> 6);
		buf[(*len)++] = (char)(0x80 | (c & 0x3f));
	} else if (c < 0x10000) {
		buf[(*len)++] = (char)(0xe0 | c >> 12);
		buf[(*len)++] = (char)(0x80 | ((c >> 6) & 0x3f));
		buf[(*len)++] = (char)(0x80 | (c & 0x3f));
	} else {
		buf[(*len)++] = (char)(0xf0 | c >> 18);
		buf[(*len)++] = (char)(0x80 | ((c >> 12) & 0x3f));
		buf[(*len)++] = (char)(0x80 | ((c >> 6) & 0x3f));
		buf[(*len)++] = (char)(0x80 | (c & 0x3f));
	}
}

/*
 * Random valid UTF-8 of 0..12 code points, U+0000 and noncharacters
 * included sometimes (not in 'key's: object keys are C strings, and a
 * noncharacter in a key is the one thing sent replaced, docs/dbus.md).
 */
static size_t gen_text(char *buf, int key)
{
	static const uint32_t nonchars[] = { 0xfdd0, 0xfdef, 0xfffe, 0xffff, 0x1fffe, 0x10ffff };
	size_t len = 0;
	unsigned n = below(4) ? below(6) : below(13);
	uint32_t c;

	while (n--) {
		switch (below(key ? 8 : 9)) {
		case 8: c = nonchars[below(sizeof nonchars / sizeof *nonchars)]; break;
		case 0: c = 0; break;
		case 1: c = 0x80 + below(0x800 - 0x80); break;
		case 2: c = 0x800 + below(0xd800 - 0x800); break;
		case 3: c = 0xe000 + below(0x10000 - 0xe000); break;
		case 4: c = 0x10000 + below(0x110000 - 0x10000); break;
		case 5: c = (uint32_t)"\"\\/\b\f\n\r\t"[below(8)]; break;
		default: c = 0x20 + below(0x5f); break;
		}
		if (key && ((c >= 0xfdd0 && c <= 0xfdef) || (c & 0xfffe) == 0xfffe))
			c = 0xfffd;
		put_utf8(buf, &len, c);
	}
	buf[len] = 0;
	return len;
}

static struct json_object *gen_number(void)
{
	static const int64_t ints[] = { 0, 1, -1, 42, INT64_MAX, INT64_MIN, INT32_MAX, (int64_t)INT32_MIN - 1,
					 9007199254740993LL };
	static const double reals[] = { 0.0, -0.0, 2.0, -1.5, 1e-310, DBL_MIN, DBL_MAX, -DBL_MAX, 0.1,
					9007199254740993.0, 1e21, 123456789.125 };
	uint64_t bits;
	double d;

	switch (below(7)) {
	case 0:
		return json_object_new_int64(ints[below(sizeof ints / sizeof *ints)]);
	case 1:
		return json_object_new_int64((int64_t)next());
	case 2:	/* above INT64_MAX */
		return json_object_new_uint64((uint64_t)INT64_MAX + 1 + (next() >> 1));
	case 3:
		return json_object_new_double(reals[below(sizeof reals / sizeof *reals)]);
	case 4:
		do {
			bits = next();
			memcpy(&d, &bits, sizeof d);
		} while (!isfinite(d));
		return json_object_new_double(d);
	default:
		return json_object_new_int64((int64_t)below(2000) - 1000);
	}
}

/*
 * A random value whose generic D-Bus form nests at most 'nesting'
 * containers (an object costs 3, an array 2, its own variant 1).
 */
struct json_object *jgen_value(int nesting)
{
	char buf[80];
	struct json_object *v;
	unsigned n, kind = below(nesting >= 4 ? 10 : 6);

	switch (kind) {
	case 0:
		return NULL;
	case 1:
		return json_object_new_boolean((int)below(2));
	case 2:
	case 3:
		return gen_number();
	case 4:
	case 5:
		n = (unsigned)gen_text(buf, 0);
		return json_object_new_string_len(buf, (int)n);
	case 6:
	case 7:
		v = json_object_new_array();
		for (n = below(5); n; n--)
			json_object_array_add(v, jgen_value(nesting - 2));
		return v;
	default:
		v = json_object_new_object();
		for (n = below(5); n; n--) {
			gen_text(buf, 1);	/* may be empty, may repeat (then replaced) */
			json_object_object_add(v, buf, jgen_value(nesting - 3));
		}
		return v;
	}
}

