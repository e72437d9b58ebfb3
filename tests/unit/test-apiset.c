/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <string.h>
#include <json-c/json.h>
#include "apiset.h"
#include "unit.h"

static int started;
static int start_ok(void *closure) { started++; return 0; }
static int start_fail(void *closure) { return -5; }
static const struct api_itf itf_ok = { .start = start_ok };
static const struct api_itf itf_fail = { .start = start_fail };

int main(void)
{
	struct apiset *set = apiset_new();
	struct json_object *names;
	int a, b;

	CHECK(api_name_is_valid("hello"));
	CHECK(api_name_is_valid("h\xc3\xa9llo"));
	CHECK(!api_name_is_valid(""));
	CHECK(!api_name_is_valid(NULL));
	CHECK(!api_name_is_valid("a b"));
	CHECK(!api_name_is_valid("a/b"));
	CHECK(!api_name_is_valid("a?b"));
	CHECK(!api_name_is_valid("a#b"));
	CHECK(!api_name_is_valid("a%b"));
	CHECK(!api_name_is_valid("a\x7f"));
	CHECK(!api_name_is_valid("a`b"));

	CHECK_INT(apiset_add(set, "zeta", &a, &itf_ok), 0);
	CHECK_INT(apiset_add(set, "Alpha", &b, &itf_ok), 0);
	CHECK_INT(apiset_add(set, "ALPHA", &b, &itf_ok), -EEXIST);
	CHECK_INT(apiset_add(set, "bad name", &b, &itf_ok), -EINVAL);
	CHECK(apiset_get(set, "alpha") && apiset_get(set, "alpha")->closure == &b);
	CHECK(apiset_get(set, "ZETA") && apiset_get(set, "ZETA")->closure == &a);
	CHECK(apiset_get(set, "none") == NULL);
	CHECK_INT(apiset_rename(set, "zeta", "alpha"), -EEXIST);
	CHECK_INT(apiset_rename(set, "zeta", "beta"), 0);
	CHECK(apiset_get(set, "zeta") == NULL);
	CHECK(apiset_get(set, "beta") && apiset_get(set, "beta")->closure == &a);
	names = apiset_names(set);
	CHECK_STR(json_object_to_json_string_ext(names, JSON_C_TO_STRING_PLAIN), "[\"Alpha\",\"beta\"]");
	json_object_put(names);
	CHECK_INT(apiset_start_all(set), 0);
	CHECK_INT(started, 2);
	CHECK_INT(apiset_start_all(set), 0);
	CHECK_INT(started, 2);	/* started once */
	CHECK_INT(apiset_add(set, "broken", &a, &itf_fail), 0);
	CHECK_INT(apiset_start(set, "broken"), -5);
	CHECK_INT(apiset_get(set, "broken")->state, -1);
	CHECK_INT(apiset_start(set, "missing"), -ENOENT);
	apiset_free(set);
	UNIT_END();
}
