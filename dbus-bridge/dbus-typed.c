/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "dbus-json.h"
#include "dbus-text.h"
#include "dbus-typed.h"
#include "utf8.h"

#define VALUE_COST 8	/* what one value counts against the budget, besides its bytes */

size_t dbus_typed_type_len(const char *sig)
{
	size_t n, k;
	char close;

	switch (sig[0]) {
	case 'a':
		n = dbus_typed_type_len(sig + 1);
		return n ? n + 1 : 0;
	case '(':
	case '{':
		close = sig[0] == '(' ? ')' : '}';
		for (n = 1; sig[n] && sig[n] != close; n += k)
			if (!(k = dbus_typed_type_len(sig + n)))
				return 0;
		return sig[n] == close && n > 1 ? n + 1 : 0;
	case 0:
		return 0;
	default:
		return strchr("ybnqiuxtdsogvh", sig[0]) ? 1 : 0;
	}
}

/* ---------------------------------------------------------------- JSON -> D-Bus */

/* json-c keeps integers above INT64_MAX as uint64 */
static int is_big_unsigned(struct json_object *v)
{
	return json_object_get_int64(v) == INT64_MAX && json_object_get_uint64(v) > (uint64_t)INT64_MAX;
}

static int open_container(sd_bus_message *m, char type, const char *contents, size_t len, int depth)
{
	char buf[256];

	if (depth + 1 > DBUS_TYPED_MAX_NESTING)
		return -E2BIG;
	if (len >= sizeof buf)
		return -EINVAL;
	memcpy(buf, contents, len);
	buf[len] = 0;
	return sd_bus_message_open_container(m, type, buf);
}

/*
 * A string as 's': invalid UTF-8 and noncharacters become U+FFFD
 * (dbus-text.h); -EPROTOTYPE when it holds a U+0000.
 */
static int append_s(sd_bus_message *m, struct json_object *v)
{
	const char *s = json_object_get_string(v);
	char *fixed = NULL;
	int rc;

	if (memchr(s, 0, (size_t)json_object_get_string_len(v)))
		return -EPROTOTYPE;
	rc = sd_bus_message_append_basic(m, 's', dbus_text_plain(s, "D-Bus string", &fixed));
	free(fixed);
	return rc;
}

/*
 * The generic form of a string: 's' when sd-bus sends it, else 'ay' of its
 * UTF-8 bytes (U+0000 and noncharacters kept; invalid UTF-8 repaired).
 */
static int append_generic_string(sd_bus_message *m, struct json_object *v, int depth)
{
	const char *s = json_object_get_string(v);
	size_t len = (size_t)json_object_get_string_len(v);
	enum dbus_text_kind kind = dbus_text_kind(s, len);
	char *fixed = NULL;
	int rc;

	if (kind == DBUS_TEXT_INVALID) {
		fixed = utf8_repair(s, len, &len);
		if (!fixed)
			return -ENOMEM;
		s = fixed;
		kind = dbus_text_kind(s, len);
	}
	if (kind == DBUS_TEXT_STRING) {
		rc = open_container(m, 'v', "s", 1, depth);
		if (rc >= 0)
			rc = sd_bus_message_append_basic(m, 's', s);
	} else {
		rc = open_container(m, 'v', "ay", 2, depth);
		if (rc >= 0)
			rc = depth + 2 > DBUS_TYPED_MAX_NESTING ? -E2BIG : sd_bus_message_append_array(m, 'y', s, len);
	}
	free(fixed);
	return rc < 0 ? rc : sd_bus_message_close_container(m);
}

/* The integer of 'v' (an integer, or an integral real): *i, or *u when *big. */
static int integer_of(struct json_object *v, int64_t *i, uint64_t *u, int *big)
{
	double d;

	*big = 0;
	if (json_object_is_type(v, json_type_int)) {
		if ((*big = is_big_unsigned(v)))
			*u = json_object_get_uint64(v);
		else
			*i = json_object_get_int64(v);
		return 0;
	}
	if (!json_object_is_type(v, json_type_double))
		return -EPROTOTYPE;
	d = json_object_get_double(v);
	if (!isfinite(d) || d != trunc(d))
		return -EPROTOTYPE;
	if (d >= -9223372036854775808.0 && d < 9223372036854775808.0) {
		*i = (int64_t)d;
	} else if (d >= 0 && d < 18446744073709551616.0) {
		*u = (uint64_t)d;
		*big = 1;
	} else {
		return -ERANGE;
	}
	return 0;
}

/* The ranges of the integer types but 't' (any uint64). */
static const struct {
	char type;
	int64_t min, max;
} ranges[] = {
	{ 'y', 0, UINT8_MAX }, { 'n', INT16_MIN, INT16_MAX }, { 'q', 0, UINT16_MAX },
	{ 'i', INT32_MIN, INT32_MAX }, { 'u', 0, UINT32_MAX }, { 'x', INT64_MIN, INT64_MAX },
};

static int append_integer(sd_bus_message *m, char type, struct json_object *v)
{
	int64_t i = 0;
	uint64_t u = 0;
	int big, k, rc = integer_of(v, &i, &u, &big);
	union { uint8_t y; int16_t n; uint16_t q; int32_t i; uint32_t u; int64_t x; uint64_t t; } b;

	if (rc < 0)
		return rc;
	if (type == 't') {
		if (!big && i < 0)
			return -ERANGE;
		b.t = big ? u : (uint64_t)i;
		return sd_bus_message_append_basic(m, type, &b);
	}
	for (k = 0; ranges[k].type != type; k++)
		;
	if (big || i < ranges[k].min || i > ranges[k].max)
		return -ERANGE;
	switch (type) {
	case 'y': b.y = (uint8_t)i; break;
	case 'n': b.n = (int16_t)i; break;
	case 'q': b.q = (uint16_t)i; break;
	case 'i': b.i = (int32_t)i; break;
	case 'u': b.u = (uint32_t)i; break;
	default: b.x = i; break;
	}
	return sd_bus_message_append_basic(m, type, &b);
}

static int append_double(sd_bus_message *m, struct json_object *v)
{
	double d;

	if (json_object_is_type(v, json_type_double))
		d = json_object_get_double(v);
	else if (json_object_is_type(v, json_type_int))
		d = is_big_unsigned(v) ? (double)json_object_get_uint64(v) : (double)json_object_get_int64(v);
	else
		return -EPROTOTYPE;
	return sd_bus_message_append_basic(m, 'd', &d);
}

static int append_value(sd_bus_message *m, const char *type, size_t len, struct json_object *v, int depth);

/* 'v' as a variant: the generic mapping. */
static int append_variant(sd_bus_message *m, struct json_object *v, int depth)
{
	const char *contents;
	int rc;

	switch (json_object_get_type(v)) {
	case json_type_null:
		rc = open_container(m, 'v', "o", 1, depth);
		if (rc >= 0)
			rc = sd_bus_message_append_basic(m, 'o', "/");
		return rc < 0 ? rc : sd_bus_message_close_container(m);
	case json_type_string:
		return append_generic_string(m, v, depth);
	case json_type_boolean:
		contents = "b";
		break;
	case json_type_double:
		contents = "d";
		break;
	case json_type_int:
		contents = is_big_unsigned(v) ? "t" : "x";
		break;
	case json_type_array:
		contents = "av";
		break;
	default:
		contents = "a{sv}";
		break;
	}
	rc = open_container(m, 'v', contents, strlen(contents), depth);
	if (rc >= 0)
		rc = append_value(m, contents, strlen(contents), v, depth + 1);
	return rc < 0 ? rc : sd_bus_message_close_container(m);
}

/* an object as a{sT}, T of 'len' bytes at 'type' */
static int append_dict(sd_bus_message *m, const char *type, size_t len, struct json_object *v, int depth)
{
	char *fixed;
	int rc;

	if (!json_object_is_type(v, json_type_object))
		return -EPROTOTYPE;
	rc = open_container(m, 'a', type - 2, len + 3, depth);	/* "{sT}" */
	json_object_object_foreach(v, key, member) {
		if (rc < 0)
			break;
		rc = open_container(m, 'e', type - 1, len + 1, depth + 1);	/* "sT" */
		if (rc >= 0) {
			fixed = NULL;
			rc = sd_bus_message_append_basic(m, 's', dbus_text_plain(key, "D-Bus key", &fixed));
			free(fixed);
		}
		if (rc >= 0)
			rc = append_value(m, type, len, member, depth + 2);
		if (rc >= 0)
			rc = sd_bus_message_close_container(m);
	}
	return rc < 0 ? rc : sd_bus_message_close_container(m);
}

static int append_array(sd_bus_message *m, const char *type, size_t len, struct json_object *v, int depth)
{
	size_t i, n;
	int rc;

	if (!json_object_is_type(v, json_type_array))
		return -EPROTOTYPE;
	rc = open_container(m, 'a', type, len, depth);
	n = json_object_array_length(v);
	for (i = 0; rc >= 0 && i < n; i++)
		rc = append_value(m, type, len, json_object_array_get_idx(v, i), depth + 1);
	return rc < 0 ? rc : sd_bus_message_close_container(m);
}

/* 'v' as the complete type of 'len' bytes at 'type'. */
static int append_value(sd_bus_message *m, const char *type, size_t len, struct json_object *v, int depth)
{
	int b;

	switch (type[0]) {
	case 'v':
		return append_variant(m, v, depth);
	case 's':
		return json_object_is_type(v, json_type_string) ? append_s(m, v) : -EPROTOTYPE;
	case 'b':
		if (!json_object_is_type(v, json_type_boolean))
			return -EPROTOTYPE;
		b = json_object_get_boolean(v);
		return sd_bus_message_append_basic(m, 'b', &b);
	case 'd':
		return append_double(m, v);
	case 'y':
	case 'n':
	case 'q':
	case 'i':
	case 'u':
	case 'x':
	case 't':
		return append_integer(m, type[0], v);
	case 'a':
		if (type[1] == '{' && type[2] == 's' && len >= 5)
			return append_dict(m, type + 3, len - 4, v, depth);
		if (type[1] != '{')
			return append_array(m, type + 1, len - 1, v, depth);
		return -EPROTOTYPE;
	default:
		return -EPROTOTYPE;	/* not a type of the mapping */
	}
}

int dbus_typed_append(sd_bus_message *m, const char *type, struct json_object *value, int depth)
{
	size_t len = dbus_typed_type_len(type);

	return len ? append_value(m, type, len, value, depth) : -EINVAL;
}

/* ---------------------------------------------------------------- D-Bus -> JSON */

static int charge(size_t *budget, size_t bytes)
{
	if (*budget < bytes + VALUE_COST)
		return -EMSGSIZE;
	*budget -= bytes + VALUE_COST;
	return 0;
}

union basic {
	uint8_t y;
	int b;
	int16_t n;
	uint16_t q;
	int32_t i;
	uint32_t u;
	int64_t x;
	uint64_t t;
	double d;
	const char *s;
};

/* Reads the basic value of 'type' that is next (file descriptors have no JSON value). */
static int read_raw(sd_bus_message *m, char type, union basic *v)
{
	int rc;

	if (type == 'h')
		return -ENOTSUP;
	rc = sd_bus_message_read_basic(m, type, v);
	return rc < 0 ? rc : rc == 0 ? -EBADMSG : 0;
}

/* Reads a basic value of 'type' as JSON. */
static int read_basic(sd_bus_message *m, char type, struct json_object **out, size_t *budget)
{
	union basic v;
	int rc = read_raw(m, type, &v);

	if (rc < 0)
		return rc;
	switch (type) {
	case 'y': *out = json_object_new_int64(v.y); break;
	case 'n': *out = json_object_new_int64(v.n); break;
	case 'q': *out = json_object_new_int64(v.q); break;
	case 'i': *out = json_object_new_int64(v.i); break;
	case 'u': *out = json_object_new_int64(v.u); break;
	case 'x': *out = json_object_new_int64(v.x); break;
	case 't': *out = v.t > (uint64_t)INT64_MAX ? json_object_new_uint64(v.t) : json_object_new_int64((int64_t)v.t); break;
	case 'b': *out = json_object_new_boolean(v.b); break;
	case 'd':
		if (!isfinite(v.d))
			return -EDOM;
		*out = json_object_new_double(v.d);
		break;
	case 'o':
		if (!strcmp(v.s, "/")) {
			*out = NULL;	/* null */
			return charge(budget, 0);
		}
		/* fall through */
	default:	/* 's', 'g' */
		rc = charge(budget, strlen(v.s));
		if (rc < 0)
			return rc;
		*out = json_object_new_string(v.s);
		return *out ? 0 : -ENOMEM;
	}
	return *out ? charge(budget, 0) : -ENOMEM;
}

/* The text of a basic dictionary key. */
static int read_key(sd_bus_message *m, char type, char *buf, size_t size, const char **key)
{
	union basic v;
	int rc = read_raw(m, type, &v);

	if (rc < 0)
		return rc;
	*key = buf;
	switch (type) {
	case 'y': snprintf(buf, size, "%u", v.y); break;
	case 'n': snprintf(buf, size, "%d", v.n); break;
	case 'q': snprintf(buf, size, "%u", v.q); break;
	case 'i': snprintf(buf, size, "%" PRId32, v.i); break;
	case 'u': snprintf(buf, size, "%" PRIu32, v.u); break;
	case 'x': snprintf(buf, size, "%" PRId64, v.x); break;
	case 't': snprintf(buf, size, "%" PRIu64, v.t); break;
	case 'b': snprintf(buf, size, "%s", v.b ? "true" : "false"); break;
	case 'd':
		if (!isfinite(v.d))
			return -EDOM;
		snprintf(buf, size, "%.17g", v.d);
		break;
	default:	/* 's', 'o', 'g' */
		*key = v.s;
		break;
	}
	return 0;
}

static int read_value(sd_bus_message *m, struct json_object **out, size_t *budget, int jdepth);

static int read_object(sd_bus_message *m, struct json_object *obj, size_t *budget, int jdepth)
{
	struct json_object *member;
	const char *key, *contents;
	char type, buf[64];
	int rc;

	while ((rc = sd_bus_message_at_end(m, 0)) == 0) {
		rc = sd_bus_message_enter_container(m, 'e', NULL);
		if (rc >= 0)
			rc = sd_bus_message_peek_type(m, &type, &contents);
		if (rc >= 0)
			rc = read_key(m, type, buf, sizeof buf, &key);
		if (rc >= 0)
			rc = charge(budget, strlen(key));
		if (rc < 0)
			return rc;
		member = NULL;
		rc = read_value(m, &member, budget, jdepth);
		if (rc >= 0 && json_object_object_add(obj, key, member) < 0) {
			json_object_put(member);
			rc = -ENOMEM;
		}
		if (rc >= 0)
			rc = sd_bus_message_exit_container(m);
		if (rc < 0)
			return rc;
	}
	return rc < 0 ? rc : 0;
}

static int read_items(sd_bus_message *m, struct json_object *array, size_t *budget, int jdepth)
{
	struct json_object *item;
	int rc;

	while ((rc = sd_bus_message_at_end(m, 0)) == 0) {
		item = NULL;
		rc = read_value(m, &item, budget, jdepth);
		if (rc >= 0 && json_object_array_add(array, item) < 0) {
			json_object_put(item);
			rc = -ENOMEM;
		}
		if (rc < 0)
			return rc;
	}
	return rc < 0 ? rc : 0;
}

/* An array of bytes: a string of those bytes when they are UTF-8. */
static int read_bytes(sd_bus_message *m, struct json_object **out, size_t *budget)
{
	const void *bytes;
	size_t size;
	int rc = sd_bus_message_read_array(m, 'y', &bytes, &size);

	if (rc >= 0)
		rc = charge(budget, size);
	if (rc < 0)
		return rc;
	if (!utf8_valid(bytes, size))
		return -EILSEQ;
	*out = json_object_new_string_len(size ? bytes : "", (int)size);
	return *out ? 0 : -ENOMEM;
}

/* Reads the value of container 'type' ('a', 'r' or 'v') with 'contents'. */
static int read_container(sd_bus_message *m, char type, const char *contents, struct json_object **out,
			  size_t *budget, int jdepth)
{
	struct json_object *made = NULL;
	int rc;

	if (type == 'a' && contents[0] == 'y')
		return read_bytes(m, out, budget);
	if (type != 'v') {
		if (jdepth + 1 > DBUS_JSON_MAX_DEPTH)
			return -E2BIG;
		made = type == 'a' && contents[0] == '{' ? json_object_new_object() : json_object_new_array();
		if (!made)
			return -ENOMEM;
		rc = charge(budget, 0);
		if (rc < 0) {
			json_object_put(made);
			return rc;
		}
	}
	rc = sd_bus_message_enter_container(m, type, contents);
	if (rc >= 0) {
		if (type == 'v')
			rc = read_value(m, &made, budget, jdepth);
		else if (json_object_is_type(made, json_type_object))
			rc = read_object(m, made, budget, jdepth + 1);
		else
			rc = read_items(m, made, budget, jdepth + 1);
	}
	if (rc >= 0)
		rc = sd_bus_message_exit_container(m);
	if (rc < 0) {
		json_object_put(made);
		return rc;
	}
	*out = made;
	return 0;
}

static int read_value(sd_bus_message *m, struct json_object **out, size_t *budget, int jdepth)
{
	const char *contents;
	char type;
	int rc = sd_bus_message_peek_type(m, &type, &contents);

	*out = NULL;
	if (rc <= 0)
		return rc < 0 ? rc : -EBADMSG;
	if (type == 'a' || type == 'r' || type == 'v')
		return read_container(m, type, contents, out, budget, jdepth);
	return read_basic(m, type, out, budget);
}

int dbus_typed_read(sd_bus_message *m, struct json_object **value, size_t *budget)
{
	return read_value(m, value, budget, 0);
}

const char *dbus_typed_error_text(int rc)
{
	switch (rc) {
	case -EPROTOTYPE:
		return "a value does not match the type of its signature";
	case -ERANGE:
		return "an integer is out of the range of its D-Bus type";
	case -E2BIG:
		return "nested too deeply";
	case -EDOM:
		return "NaN and infinities have no JSON value";
	case -EILSEQ:
		return "a byte array (ay) that is not UTF-8 text has no JSON value";
	case -ENOTSUP:
		return "file descriptors (h) have no JSON value";
	case -EMSGSIZE:
		return "the arguments are larger than the limit";
	default:
		return strerror(-rc);
	}
}
