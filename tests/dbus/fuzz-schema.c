/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target of dbus-bridge/dbus-schema.c: the description of an api may
 * come from a remote binder (an import exported again), so reading it must
 * stand anything. For each description, the signatures made must be valid
 * D-Bus signatures of at most 255 bytes, with one valid name per argument,
 * and every member name valid.
 *
 * Two ways to run it:
 *  - libFuzzer (clang), the input being a JSON text:
 *	clang -g -O1 -fsanitize=fuzzer,address,undefined -DSCHEMA_LIBFUZZER \
 *	  -Idbus-bridge -Ibinder/core tests/dbus/fuzz-schema.c dbus-bridge/dbus-schema.c \
 *	  dbus-bridge/dbus-shape.c dbus-bridge/dbus-typed.c dbus-bridge/dbus-text.c \
 *	  dbus-bridge/dbus-name.c binder/core/utf8.c binder/core/verbose.c \
 *	  -ljson-c -lsystemd -o fuzz-schema && ./fuzz-schema
 *  - the built-in driver (the test suite, under ASan/UBSan in build-asan):
 *	fuzz-schema [ITERATIONS [SEED]] mutates real descriptions as JSON
 *	trees: values of any type, $refs anywhere (loops, dangling, into
 *	arrays), schemas of every kind, long and odd names, deep nesting.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "dbus-schema.h"
#include "dbus-typed.h"

static int failures;
static long verbs, precise, events;	/* what the descriptions gave: the mutations must not all be trivial */

static void fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz-schema: %s: %s\n", what, detail ? detail : "(null)");
	failures++;
}

static int is_member_name(const char *s)
{
	size_t i, n = strlen(s);

	if (!n || n > 255 || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')
		      || s[i] == '_'))
			return 0;
	return 1;
}

/* Count of complete types of 'sig', -1 when it is not a valid signature of at most 255 bytes. */
static int count_types(const char *sig)
{
	size_t k;
	int n = 0;

	if (!sig || strlen(sig) > 255)
		return -1;
	for (; *sig; sig += k, n++)
		if (!(k = dbus_typed_type_len(sig)))
			return -1;
	return n;
}

/* Checks 'count' names in 'names' (each NUL-terminated, then an empty one); returns the next. */
static const char *check_names(const char *names, int count, const char *what)
{
	for (int i = 0; i < count; i++) {
		if (!*names || !is_member_name(names)) {
			fail(what, names);
			return names;
		}
		names += strlen(names) + 1;
	}
	return names;
}

static void check_shape(const struct dbus_shape *shape, const char *what)
{
	int n = count_types(shape->signature);

	if (n < 0) {
		fail(what, shape->signature);
		return;
	}
	if (*check_names(shape->names, n, what))
		fail(what, "more names than arguments");
}

static void check(struct json_object *desc)
{
	struct dbus_schema *s = dbus_schema_new(desc, "fuzz");
	const char *names;
	int i, n;

	if (!s) {
		fail("dbus_schema_new", "NULL");
		return;
	}
	for (i = 0; i < s->nverbs; i++) {
		const struct dbus_schema_verb *v = &s->verbs[i];

		if (v->member && !is_member_name(v->member))
			fail("member", v->member);
		verbs++;
		precise += v->in.kind == DBUS_SHAPE_FIELDS || v->out.kind == DBUS_SHAPE_FIELDS;
		check_shape(&v->in, "verb arguments");
		check_shape(&v->out, "verb results");
		n = count_types(v->out_signature);
		if (n < 1 || count_types(v->out.signature) + 1 != n)
			fail("out signature", v->out_signature);
		names = check_names(v->names, count_types(v->in.signature), "method in names");
		names = check_names(names, n, "method out names");
		if (*names)
			fail("method names", "more names than arguments");
	}
	for (i = 0; i < s->nevents; i++) {
		events++;
		if (s->events[i].member && !is_member_name(s->events[i].member))
			fail("event member", s->events[i].member);
		check_shape(&s->events[i].data, "event data");
		if (s->events[i].member && dbus_schema_event(s, s->events[i].name) != &s->events[i])
			fail("event lookup", s->events[i].name);
	}
	dbus_schema_unref(s);
}

#ifdef SCHEMA_LIBFUZZER

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_tokener *tok = json_tokener_new_ex(64);
	struct json_object *desc = json_tokener_parse_ex(tok, (const char *)data, (int)size);

	json_tokener_free(tok);
	check(desc);
	json_object_put(desc);
	if (failures)
		abort();
	return 0;
}

#else

static uint64_t state;

static uint64_t next(void)
{
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	return state * 2685821657736338717ULL;
}

static unsigned below(unsigned n)
{
	return (unsigned)(next() % n);
}

static const char *const keys[] = {
	"type", "properties", "required", "items", "additionalProperties", "format", "$ref", "nullable",
	"anyOf", "enum", "schema", "requestBody", "content", "application/json", "parameters", "name",
	"responses", "200", "get", "post", "x-events", "paths", "components", "schemas", "jtype", "response",
	"info", "options", "extra", "", "a-b", "2fa", "\xc3\xa9t\xc3\xa9", "description", "in", "0",
};
static const char *const types[] = { "object", "array", "string", "integer", "number", "boolean", "null", "x" };
static const char *const formats[] = { "int32", "uint32", "int64", "uint64", "double", "" };
static const char *const refs[] = {
	"#/components/schemas/A", "#/components/schemas/B", "#/paths", "#", "#/", "#/paths/~1ping",
	"#/components/schemas/A/properties/a", "#/x-events/e/schema", "#/components/schemas/A/required/0",
	"other.json#/x", "#/components/schemas/~0~1", "#/components/schemas/A/items",
};

static struct json_object *random_value(int depth);

/* A key: a usual one, or a long one (labels of more than 255 bytes). */
static const char *random_key(void)
{
	static char name[400];
	size_t n;

	if (below(8))
		return keys[below(sizeof keys / sizeof *keys)];
	n = 80 + below(300);
	memset(name, below(2) ? 'a' : '-', n);
	name[n] = 0;
	return name;
}

static struct json_object *random_schema(int depth)
{
	struct json_object *s = json_object_new_object(), *props, *req;
	int n;

	switch (below(6)) {
	case 0:
		json_object_object_add(s, "$ref", json_object_new_string(refs[below(sizeof refs / sizeof *refs)]));
		return s;
	case 1:
		json_object_object_add(s, "type", json_object_new_string(types[below(sizeof types / sizeof *types)]));
		json_object_object_add(s, "format", json_object_new_string(formats[below(sizeof formats / sizeof *formats)]));
		return s;
	case 2:
		json_object_object_add(s, "type", json_object_new_string("array"));
		if (depth > 0)
			json_object_object_add(s, "items", random_schema(depth - 1));
		return s;
	case 3:
		json_object_object_add(s, "additionalProperties", depth > 0 && below(2) ? random_schema(depth - 1)
				       : json_object_new_boolean((int)below(2)));
		break;
	default:
		break;
	}
	json_object_object_add(s, "type", json_object_new_string("object"));
	props = json_object_new_object();
	req = json_object_new_array();
	for (n = (int)below(6); n > 0; n--) {
		const char *k = random_key();

		json_object_object_add(props, k, depth > 0 ? random_schema(depth - 1) : json_object_new_object());
		if (below(2))
			json_object_array_add(req, json_object_new_string(k));
	}
	json_object_object_add(s, "properties", props);
	json_object_object_add(s, "required", req);
	return s;
}

static struct json_object *random_value(int depth)
{
	struct json_object *v;
	char name[300];
	int n;

	switch (below(depth > 0 ? 9 : 5)) {
	case 0: return NULL;
	case 1: return json_object_new_int64((int64_t)next());
	case 2: return json_object_new_boolean((int)below(2));
	case 3: return json_object_new_string(keys[below(sizeof keys / sizeof *keys)]);
	case 4:
		/* a long name: labels of more than 255 bytes */
		n = (int)below(sizeof name - 1);
		memset(name, below(2) ? 'a' : '-', (size_t)n);
		name[n] = 0;
		return json_object_new_string(name);
	case 5:
	case 6:
		return random_schema(depth - 1);
	case 7:
		v = json_object_new_array();
		for (n = (int)below(4); n > 0; n--)
			json_object_array_add(v, random_value(depth - 1));
		return v;
	default:
		v = json_object_new_object();
		for (n = (int)below(4); n > 0; n--)
			json_object_object_add(v, random_key(), random_value(depth - 1));
		return v;
	}
}

/* A key of "paths": a verb, maybe with a long name */
static const char *path_key(void)
{
	static char path[400];

	snprintf(path, sizeof path, "/%s", random_key());
	return path;
}

/* Replaces a random member somewhere in 'obj' (an object or array) by a random value. */
static void mutate(struct json_object *obj, int depth)
{
	int n;

	if (json_object_is_type(obj, json_type_object) && (n = json_object_object_length(obj)) > 0) {
		int pick = (int)below((unsigned)n), i = 0;

		json_object_object_foreach(obj, key, member) {
			if (i++ != pick)
				continue;
			if (depth > 0 && below(3) && (json_object_is_type(member, json_type_object)
						     || json_object_is_type(member, json_type_array))) {
				mutate(member, depth - 1);
			} else {
				json_object_object_add(obj, key, below(2) ? random_schema(4) : random_value(4));
			}
			return;
		}
	} else if (json_object_is_type(obj, json_type_array) && (n = (int)json_object_array_length(obj)) > 0) {
		size_t at = below((unsigned)n);
		struct json_object *member = json_object_array_get_idx(obj, at);

		if (depth > 0 && below(3) && json_object_is_type(member, json_type_object))
			mutate(member, depth - 1);
		else
			json_object_array_put_idx(obj, at, random_value(4));
	}
	if (json_object_is_type(obj, json_type_object) && !below(4))
		json_object_object_add(obj, below(4) ? random_key() : path_key(), random_value(4));
}

static const char seed_description[] =
"{\"openapi\":\"3.0.0\",\"info\":{\"title\":\"t\",\"version\":\"1\",\"description\":\"d\"},"
 "\"components\":{\"schemas\":{\"A\":{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"},"
  "\"b\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/B\"}}},\"required\":[\"a\"]},"
  "\"B\":{\"type\":\"integer\",\"format\":\"int32\"}},"
  "\"responses\":{\"200\":{\"description\":\"\",\"content\":{\"application/json\":{\"schema\":"
   "{\"type\":\"object\",\"properties\":{\"jtype\":{},\"response\":{\"$ref\":\"#/components/schemas/A\"}}}}}}}},"
 "\"x-events\":{\"e\":{\"schema\":{\"$ref\":\"#/components/schemas/A\"}},\"f\":{}},"
 "\"paths\":{"
  "\"/ping\":{\"get\":{\"requestBody\":{\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/A\"}}}},"
   "\"responses\":{\"200\":{\"$ref\":\"#/components/responses/200\"}}}},"
  "\"/q\":{\"parameters\":[{\"name\":\"n\",\"required\":true,\"schema\":{\"type\":\"integer\"}}],"
   "\"get\":{\"parameters\":[{\"$ref\":\"#/components/schemas/A\"},{\"name\":\"m\"}]}},"
  "\"/e\":{\"post\":{}}}}";

int main(int argc, char **argv)
{
	long iterations = argc > 1 ? strtol(argv[1], NULL, 10) : 20000, i;
	struct json_object *base = json_tokener_parse(seed_description), *desc;
	int m;

	state = argc > 2 ? strtoull(argv[2], NULL, 0) : 0x5c4e3aULL;
	if (!state)
		state = 1;
	if (!base) {
		fprintf(stderr, "fuzz-schema: bad seed description\n");
		return 1;
	}
	check(base);
	for (i = 0; i < iterations && !failures; i++) {
		desc = NULL;
		if (json_object_deep_copy(base, &desc, NULL) < 0) {
			fprintf(stderr, "fuzz-schema: out of memory\n");
			return 1;
		}
		for (m = 1 + (int)below(8); m > 0; m--)
			mutate(desc, 6);
		check(desc);
		json_object_put(desc);
	}
	check(NULL);
	json_object_put(base);
	printf("fuzz-schema: %ld descriptions (%ld verbs, %ld with a precise signature, %ld events), %d failures\n",
	       i, verbs, precise, events, failures);
	return failures || !precise ? 1 : 0;
}

#endif
