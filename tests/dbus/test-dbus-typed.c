/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The typed mapping alone (dbus-bridge/dbus-typed.c), on messages built in
 * memory (an sd-bus connection that is never connected):
 *  - property: JSON values made by a seeded generator (AFB_TYPED_SEED,
 *    AFB_TYPED_COUNT) survive JSON -> D-Bus -> JSON exactly (kind of
 *    number, bits of reals, -0.0, uint64, U+0000 in strings, key order,
 *    empty containers, null, Unicode), and their JSON text too;
 *  - the D-Bus types clients may send, and what is refused;
 *  - the types of precise signatures, ranges and mismatches;
 *  - nesting limits and the size budget.
 */
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include <systemd/sd-bus.h>
#include "afbtest.h"
#include "memmsg.h"
#include "dbus-json.h"
#include "dbus-text.h"
#include "dbus-typed.h"
#include "jgen.h"


static void put_json(void *p)
{
	json_object_put(p);
}

static struct json_object *keep(struct json_object *o)
{
	return o ? afbt_keep(o, put_json) : NULL;
}

/* A value nested 'depth' times in arrays ('a') or objects ('o'). */
static struct json_object *nested(char kind, int depth)
{
	struct json_object *v = json_object_new_int64(7), *c;

	while (depth--) {
		if (kind == 'a') {
			c = json_object_new_array();
			json_object_array_add(c, v);
		} else {
			c = json_object_new_object();
			json_object_object_add(c, "k", v);
		}
		v = c;
	}
	return keep(v);
}

/* ------------------------------------------------------------ round trips */

/* 'v' through the type 'type' and back; returns the error of append or read */
static int through(const char *type, struct json_object *v, struct json_object **back, size_t budget)
{
	sd_bus_message *m = memmsg_new();
	int rc = dbus_typed_append(m, type, v, 0);

	*back = NULL;
	if (rc < 0)
		return rc;
	memmsg_ready(m);
	CHECK_STR(sd_bus_message_get_signature(m, 1), type);
	rc = dbus_typed_read(m, back, &budget);
	keep(*back);
	if (rc >= 0)
		CHECK(sd_bus_message_at_end(m, 1) > 0);
	return rc;
}

static void check_exact(const char *type, struct json_object *v)
{
	struct json_object *back;
	char why[256] = "";
	int rc = through(type, v, &back, SIZE_MAX);

	if (rc < 0)
		afbt_fail("%s: %s: %s", type, json_object_to_json_string(v), dbus_typed_error_text(rc));
	if (!jgen_same(v, back, why, sizeof why))
		afbt_fail("%s: %s came back as %s: %s", type, json_object_to_json_string(v),
			  json_object_to_json_string(back), why);
}

static void check_property(void)
{
	const char *env = getenv("AFB_TYPED_SEED"), *count_env = getenv("AFB_TYPED_COUNT");
	uint64_t seed = env ? strtoull(env, NULL, 0) : 0x5eed13ULL;
	long count = count_env ? strtol(count_env, NULL, 10) : 20000, i;
	struct json_object *v, *parsed, *back;
	size_t budget;

	afbt_note("seed 0x%" PRIx64 " (AFB_TYPED_SEED), %ld values (AFB_TYPED_COUNT)", seed, count);
	jgen_seed(seed);
	for (i = 0; i < count; i++) {
		v = keep(jgen_value(DBUS_TYPED_MAX_NESTING - 1));
		check_exact("v", v);
		/* the JSON text too: parsed, mapped, read, written: the same text */
		parsed = keep(json_tokener_parse(json_object_to_json_string_ext(v, DBUS_JSON_TEXT)));
		budget = SIZE_MAX;
		CHECK(through("v", parsed, &back, budget) >= 0);
		CHECK_STR(json_object_to_json_string_ext(back, DBUS_JSON_TEXT),
			  json_object_to_json_string_ext(v, DBUS_JSON_TEXT));
		/* objects and arrays also as the a{sv} and av of arguments */
		if (json_object_is_type(v, json_type_object))
			check_exact("a{sv}", v);
		else if (json_object_is_type(v, json_type_array))
			check_exact("av", v);
	}
}

/* the generic form of a few values: the signature inside the variant */
static const char *variant_of(struct json_object *v)
{
	sd_bus_message *m = memmsg_new();
	const char *contents;
	char type;

	CHECK_EQ(dbus_typed_append(m, "v", v, 0), 0);
	memmsg_ready(m);
	CHECK(sd_bus_message_peek_type(m, &type, &contents) > 0);
	CHECK_EQ(type, 'v');
	return afbt_strdup(contents);
}

static void check_generic_types(void)
{
	CHECK_STR(variant_of(NULL), "o");
	CHECK_STR(variant_of(keep(json_object_new_boolean(1))), "b");
	CHECK_STR(variant_of(keep(json_object_new_int64(-5))), "x");
	CHECK_STR(variant_of(keep(json_object_new_uint64(UINT64_MAX))), "t");
	CHECK_STR(variant_of(keep(json_object_new_uint64(5))), "x");
	CHECK_STR(variant_of(keep(json_object_new_double(2.0))), "d");
	CHECK_STR(variant_of(keep(json_object_new_string("é"))), "s");
	CHECK_STR(variant_of(keep(json_object_new_string_len("a\0b", 3))), "ay");
	CHECK_STR(variant_of(keep(json_object_new_array())), "av");
	CHECK_STR(variant_of(keep(json_object_new_object())), "a{sv}");
	/* -0.0 keeps its sign */
	check_exact("v", keep(json_object_new_double(-0.0)));
	/* the null marker is the object path "/" */
	{
		sd_bus_message *m = memmsg_new();
		const char *path;

		CHECK_EQ(dbus_typed_append(m, "v", NULL, 0), 0);
		memmsg_ready(m);
		CHECK(sd_bus_message_read(m, "v", "o", &path) > 0);
		CHECK_STR(path, "/");
	}
}

/* A string that is not valid UTF-8 (a faulty binding) is repaired: U+FFFD. */
static void check_repair(void)
{
	struct json_object *back;

	CHECK(through("v", keep(json_object_new_string("a\xff" "b")), &back, SIZE_MAX) >= 0);
	CHECK_STR(json_object_get_string(back), "a\xef\xbf\xbd" "b");
	CHECK(through("s", keep(json_object_new_string("\xc3")), &back, SIZE_MAX) >= 0);
	CHECK_STR(json_object_get_string(back), "\xef\xbf\xbd");
	CHECK(through("v", keep(json_object_new_string_len("\0\xfe", 2)), &back, SIZE_MAX) >= 0);
	CHECK_EQ(json_object_get_string_len(back), 4);
	CHECK(!memcmp(json_object_get_string(back), "\0\xef\xbf\xbd", 4));
}

/* strings that sd-bus refuses (dbus-text.h) */
static void check_text(void)
{
	struct json_object *v, *back;
	char *fixed;
	const char *t;

	CHECK_EQ(dbus_text_kind("abc\xc3\xa9", 5), DBUS_TEXT_STRING);
	CHECK_EQ(dbus_text_kind("a\0b", 3), DBUS_TEXT_UNICODE);
	CHECK_EQ(dbus_text_kind("\xef\xbf\xbf", 3), DBUS_TEXT_UNICODE);		/* U+FFFF */
	CHECK_EQ(dbus_text_kind("\xef\xb7\x90", 3), DBUS_TEXT_UNICODE);		/* U+FDD0 */
	CHECK_EQ(dbus_text_kind("\xef\xb7\xb0", 3), DBUS_TEXT_STRING);		/* U+FDF0 */
	CHECK_EQ(dbus_text_kind("\xf4\x8f\xbf\xbe", 4), DBUS_TEXT_UNICODE);	/* U+10FFFE */
	CHECK_EQ(dbus_text_kind("\xf0\x9f\x98\x80", 4), DBUS_TEXT_STRING);	/* U+1F600 */
	CHECK_EQ(dbus_text_kind("\xff", 1), DBUS_TEXT_INVALID);

	t = dbus_text_plain("a\xef\xbf\xbe" "b", "test", &fixed);
	CHECK_STR(t, "a\xef\xbf\xbd" "b");
	free(fixed);
	t = dbus_text_plain("plain", "test", &fixed);
	CHECK_STR(t, "plain");
	CHECK(!fixed);

	/* a JSON text keeps the value of noncharacters: escaped */
	v = keep(json_tokener_parse("[\"\\uffff\\ud83f\\udffe\\ufdd0x\"]"));
	CHECK_EQ(json_object_get_string_len(json_object_array_get_idx(v, 0)), 11);
	t = dbus_text_json(v, &fixed);
	CHECK_STR(t, "[\"\\uffff\\ud83f\\udffe\\ufdd0x\"]");
	back = keep(json_tokener_parse(t));
	free(fixed);
	CHECK(json_object_equal(v, back));
	CHECK_STR(dbus_text_json(NULL, &fixed), "null");
	/* generic: carried as bytes */
	CHECK_STR(variant_of(json_object_array_get_idx(v, 0)), "ay");
	check_exact("v", v);
}

/* ------------------------------------------------------------ what clients send */

/* reads the single value of the message 'm' (sealed here) */
static int read_one(sd_bus_message *m, struct json_object **v)
{
	size_t budget = SIZE_MAX;
	int rc;

	memmsg_ready(m);
	rc = dbus_typed_read(m, v, &budget);
	keep(*v);
	return rc;
}

static const char *text_of_read(int rc, struct json_object *v)
{
	return rc < 0 ? dbus_typed_error_text(rc) : json_object_to_json_string_ext(v, DBUS_JSON_TEXT);
}

#define READ_AS(expected, ...) do { \
	sd_bus_message *m_ = memmsg_new(); struct json_object *v_ = NULL; int rc_; \
	CHECK(sd_bus_message_append(m_, __VA_ARGS__) >= 0); \
	rc_ = read_one(m_, &v_); \
	CHECK_STR(text_of_read(rc_, v_), expected); } while (0)

static void check_client_types(void)
{
	static const uint8_t bytes[] = { 'a', 0, 'b' }, bad[] = { 0xc0, 0x80 };
	sd_bus_message *m;
	struct json_object *v;

	READ_AS("255", "y", 255);
	READ_AS("-32768", "n", -32768);
	READ_AS("65535", "q", 65535);
	READ_AS("-2147483648", "i", INT32_MIN);
	READ_AS("4294967295", "u", UINT32_MAX);
	READ_AS("-9223372036854775808", "x", INT64_MIN);
	READ_AS("18446744073709551615", "t", UINT64_MAX);
	READ_AS("9223372036854775807", "t", (uint64_t)INT64_MAX);
	READ_AS("-0.0", "d", -0.0);
	READ_AS("2.0", "d", 2.0);
	READ_AS("true", "b", 1);
	READ_AS("\"/org/x\"", "o", "/org/x");
	READ_AS("null", "o", "/");
	READ_AS("\"a{sv}\"", "g", "a{sv}");
	READ_AS("\"/\"", "s", "/");
	READ_AS("[\"a\",\"b\"]", "as", 2, "a", "b");
	READ_AS("[1,\"x\",[true]]", "(xs(b))", (int64_t)1, "x", 1);
	READ_AS("{\"1\":\"a\",\"-2\":\"b\"}", "a{is}", 2, 1, "a", -2, "b");
	READ_AS("{\"true\":1}", "a{bx}", 1, 1, (int64_t)1);
	READ_AS("{\"k\":2}", "a{sx}", 2, "k", (int64_t)1, "k", (int64_t)2);	/* the last wins */
	READ_AS("{\"/a\":null}", "a{ov}", 1, "/a", "o", "/");
	READ_AS("{}", "a{sv}", 0);
	READ_AS("[]", "av", 0);
	READ_AS("[[]]", "aav", 1, 0);
	READ_AS(dbus_typed_error_text(-EDOM), "d", NAN);
	READ_AS(dbus_typed_error_text(-EDOM), "d", INFINITY);
	READ_AS(dbus_typed_error_text(-EDOM), "a{dx}", 1, -INFINITY, (int64_t)1);

	/* bytes: a string when UTF-8 (U+0000 allowed), else refused */
	m = memmsg_new();
	CHECK(sd_bus_message_append_array(m, 'y', bytes, sizeof bytes) >= 0);
	CHECK_EQ(read_one(m, &v), 0);
	CHECK_EQ(json_object_get_string_len(v), 3);
	CHECK(!memcmp(json_object_get_string(v), bytes, 3));
	m = memmsg_new();
	CHECK(sd_bus_message_append_array(m, 'y', bad, sizeof bad) >= 0);
	CHECK_EQ(read_one(m, &v), -EILSEQ);
	m = memmsg_new();
	CHECK(sd_bus_message_append_array(m, 'y', bad, 0) >= 0);
	CHECK_EQ(read_one(m, &v), 0);
	CHECK_STR(json_object_get_string(v), "");
}

/* ------------------------------------------------------------ precise types */

static int append_rc(const char *type, const char *json)
{
	struct json_object *v = keep(json_tokener_parse(json));
	sd_bus_message *m = memmsg_new();

	return dbus_typed_append(m, type, v, 0);
}

static const char *precise(const char *type, const char *json)
{
	struct json_object *v = keep(json_tokener_parse(json)), *back;
	int rc = through(type, v, &back, SIZE_MAX);

	return rc < 0 ? afbt_fmt("error %d", rc) : json_object_to_json_string_ext(back, DBUS_JSON_TEXT);
}

static void check_precise_types(void)
{
	CHECK_STR(precise("s", "\"é\""), "\"é\"");
	CHECK_STR(precise("x", "-3"), "-3");
	CHECK_STR(precise("x", "4.0"), "4");		/* an integral real is an integer */
	CHECK_STR(precise("t", "18446744073709551615"), "18446744073709551615");
	CHECK_STR(precise("t", "1.8446744073709550e19"), "18446744073709549568");
	CHECK_STR(precise("i", "-2147483648"), "-2147483648");
	CHECK_STR(precise("u", "4294967295"), "4294967295");
	CHECK_STR(precise("n", "-7"), "-7");
	CHECK_STR(precise("q", "7"), "7");
	CHECK_STR(precise("y", "255"), "255");
	CHECK_STR(precise("d", "3"), "3.0");		/* an integer as a real */
	CHECK_STR(precise("d", "-0.0"), "-0.0");
	CHECK_STR(precise("b", "false"), "false");
	CHECK_STR(precise("as", "[\"a\",\"b\"]"), "[\"a\",\"b\"]");
	CHECK_STR(precise("ax", "[]"), "[]");
	CHECK_STR(precise("aax", "[[1],[2,3]]"), "[[1],[2,3]]");
	CHECK_STR(precise("a{sx}", "{\"a\":1,\"b\":2}"), "{\"a\":1,\"b\":2}");
	CHECK_STR(precise("a{sv}", "{\"a\":null,\"b\":[1.5]}"), "{\"a\":null,\"b\":[1.5]}");
	CHECK_STR(precise("aa{sv}", "[{},{\"x\":\"y\"}]"), "[{},{\"x\":\"y\"}]");
	CHECK_STR(precise("av", "[null,1]"), "[null,1]");

	CHECK_EQ(append_rc("s", "1"), -EPROTOTYPE);
	CHECK_EQ(append_rc("s", "null"), -EPROTOTYPE);
	CHECK_EQ(append_rc("s", "\"a\\u0000b\""), -EPROTOTYPE);	/* D-Bus strings hold no U+0000 */
	CHECK_EQ(append_rc("x", "2.5"), -EPROTOTYPE);
	CHECK_EQ(append_rc("x", "\"2\""), -EPROTOTYPE);
	CHECK_EQ(append_rc("x", "18446744073709551615"), -ERANGE);
	CHECK_EQ(append_rc("x", "1e300"), -ERANGE);
	CHECK_EQ(append_rc("t", "-1"), -ERANGE);
	CHECK_EQ(append_rc("i", "2147483648"), -ERANGE);
	CHECK_EQ(append_rc("u", "-1"), -ERANGE);
	CHECK_EQ(append_rc("y", "256"), -ERANGE);
	CHECK_EQ(append_rc("n", "32768"), -ERANGE);
	CHECK_EQ(append_rc("q", "65536"), -ERANGE);
	CHECK_EQ(append_rc("d", "true"), -EPROTOTYPE);
	CHECK_EQ(append_rc("b", "1"), -EPROTOTYPE);
	CHECK_EQ(append_rc("as", "[\"a\",1]"), -EPROTOTYPE);
	CHECK_EQ(append_rc("as", "{}"), -EPROTOTYPE);
	CHECK_EQ(append_rc("a{sx}", "[]"), -EPROTOTYPE);
	CHECK_EQ(append_rc("a{sx}", "{\"a\":\"b\"}"), -EPROTOTYPE);
	CHECK_EQ(append_rc("(sx)", "[\"a\",1]"), -EPROTOTYPE);	/* not a type of the mapping */
	CHECK_EQ(append_rc("a{xs}", "{}"), -EPROTOTYPE);
	CHECK_EQ(append_rc("", "1"), -EINVAL);
}

/* ------------------------------------------------------------ limits */

static void check_nesting(void)
{
	struct json_object *back;
	sd_bus_message *m;
	size_t budget;
	int i;

	/* a generic value: its variant, then 3 per object and 2 per array, within 64 */
	check_exact("v", nested('o', 21));
	CHECK_EQ(through("v", nested('o', 22), &back, SIZE_MAX), -E2BIG);
	check_exact("v", nested('a', 31));
	CHECK_EQ(through("v", nested('a', 32), &back, SIZE_MAX), -E2BIG);
	/* arguments start outside of any container */
	check_exact("a{sv}", nested('o', 21));
	CHECK_EQ(dbus_typed_append(memmsg_new(), "v", nested('a', 31), 2), -E2BIG);

	/* read: more than DBUS_JSON_MAX_DEPTH levels of JSON are refused */
	m = memmsg_new();
	for (i = 0; i < DBUS_JSON_MAX_DEPTH + 1; i++)
		CHECK(sd_bus_message_open_container(m, 'v', "av") >= 0 && sd_bus_message_open_container(m, 'a', "v") >= 0);
	for (i = 0; i < DBUS_JSON_MAX_DEPTH + 1; i++)
		CHECK(sd_bus_message_close_container(m) >= 0 && sd_bus_message_close_container(m) >= 0);
	memmsg_ready(m);
	budget = SIZE_MAX;
	CHECK_EQ(dbus_typed_read(m, &back, &budget), -E2BIG);
}

static void check_budget(void)
{
	struct json_object *v = keep(json_tokener_parse("{\"abc\":[\"0123456789\",1,2]}")), *back;
	size_t need;

	/* an object, a key of 3 bytes, an array, a string of 10, 2 integers: 6 values, 13 bytes */
	need = 6 * 8 + 13;
	CHECK_EQ(through("a{sv}", v, &back, need), 0);
	CHECK_EQ(through("a{sv}", v, &back, need - 1), -EMSGSIZE);
}

static void check_type_len(void)
{
	CHECK_EQ(dbus_typed_type_len("s"), 1);
	CHECK_EQ(dbus_typed_type_len("a{sv}s"), 5);
	CHECK_EQ(dbus_typed_type_len("aa{sax}"), 7);
	CHECK_EQ(dbus_typed_type_len("(sx)b"), 4);
	CHECK_EQ(dbus_typed_type_len("()"), 0);
	CHECK_EQ(dbus_typed_type_len("a"), 0);
	CHECK_EQ(dbus_typed_type_len("a{sv"), 0);
	CHECK_EQ(dbus_typed_type_len("z"), 0);
}

int main(int argc, char **argv)
{
	afbt_init(argc, argv);
	memmsg_init();
	afbt_run("type-len", check_type_len);
	afbt_run("generic-types", check_generic_types);
	afbt_run("repair", check_repair);
	afbt_run("text", check_text);
	afbt_run("client-types", check_client_types);
	afbt_run("precise-types", check_precise_types);
	afbt_run("nesting", check_nesting);
	afbt_run("budget", check_budget);
	afbt_run("property", check_property);
	memmsg_done();
	return afbt_done();
}
