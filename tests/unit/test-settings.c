/* SPDX-License-Identifier: Apache-2.0 */
/* The per-api settings store (binder/core/settings.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "settings.h"
#include "unit.h"

/* settings_for_api(api) as plain JSON text (freed by the next call) */
static const char *of(const char *api)
{
	static char *text;
	struct json_object *obj = settings_for_api(api);

	free(text);
	text = obj ? strdup(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN)) : NULL;
	json_object_put(obj);
	return text;
}

static void test_parse(void)
{
	settings_clear();
	CHECK_STR(of("hello"), "{}");
	CHECK_INT(settings_parse("hello/n:12"), 0);
	CHECK_INT(settings_parse("HELLO/s:text with: colon"), 0);
	CHECK_INT(settings_parse("hello/j:{\"a\":[1,true,null]}"), 0);
	CHECK_INT(settings_parse("hello/q:\"quoted\""), 0);
	CHECK_INT(settings_parse("hello/z:null"), 0);
	CHECK_INT(settings_parse("hello/bare:12abc"), 0);	/* not JSON: a string */
	CHECK_STR(of("Hello"), "{\"n\":12,\"s\":\"text with: colon\",\"j\":{\"a\":[1,true,null]},\"q\":\"quoted\","
			       "\"z\":null,\"bare\":\"12abc\"}");
	CHECK_STR(of("other"), "{}");
	/* malformed */
	CHECK_INT(settings_parse("nokey"), -EINVAL);
	CHECK_INT(settings_parse("api/key"), -EINVAL);
	CHECK_INT(settings_parse("api/:1"), -EINVAL);
	CHECK_INT(settings_parse(NULL), -EINVAL);
}

static void test_global(void)
{
	settings_clear();
	CHECK_INT(settings_parse("*/g:1"), 0);
	CHECK_INT(settings_parse("/h:2"), 0);	/* empty api: every api */
	CHECK_INT(settings_parse("a/g:3"), 0);	/* the api's own wins */
	CHECK_STR(of("a"), "{\"g\":3,\"h\":2}");
	CHECK_STR(of("b"), "{\"g\":1,\"h\":2}");
}

static void test_merge_and_dump(void)
{
	struct json_object *in = json_tokener_parse("{\"a\":{\"x\":[1]},\"*\":{\"y\":\"z\"}}"), *out;
	struct json_object *bad = json_tokener_parse("{\"a\":1}");

	settings_clear();
	CHECK_INT(settings_merge(in), 0);
	CHECK_INT(settings_merge(bad), -EINVAL);
	CHECK_STR(of("A"), "{\"y\":\"z\",\"x\":[1]}");
	out = settings_dump();
	CHECK_STR(json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN), "{\"a\":{\"x\":[1]},\"*\":{\"y\":\"z\"}}");
	json_object_put(out);
	/* the copies are deep: changing one changes nothing else */
	out = settings_for_api("a");
	json_object_array_add(json_object_object_get(out, "x"), json_object_new_int(2));
	json_object_put(out);
	CHECK_STR(of("a"), "{\"y\":\"z\",\"x\":[1]}");
	json_object_put(in);
	json_object_put(bad);
	settings_clear();
}

int main(void)
{
	test_parse();
	test_global();
	test_merge_and_dump();
	of(NULL);
	UNIT_END();
}
