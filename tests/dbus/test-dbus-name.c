/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The naming rule of the D-Bus bridge (dbus-bridge/dbus-name.h): examples
 * of docs/dbus.md, validity of every result, and invertibility.
 */
#include <stdlib.h>
#include <string.h>
#include "afbtest.h"
#include "dbus-name.h"

static const char *keep(char *s)
{
	return afbt_keep(s, free);
}

/* D-Bus member name / name element: [A-Za-z_][A-Za-z0-9_]* */
static int is_element(const char *s)
{
	if (!*s || (*s >= '0' && *s <= '9'))
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

static void check_examples(void)
{
	CHECK_STR(keep(dbus_name_escape("hello")), "hello");
	CHECK_STR(keep(dbus_name_escape("my-api")), "my_2dapi");
	CHECK_STR(keep(dbus_name_escape("get_x")), "get_5fx");
	CHECK_STR(keep(dbus_name_escape("2fa")), "_32fa");
	CHECK_STR(keep(dbus_name_escape("a2")), "a2");
	CHECK_STR(keep(dbus_name_escape("")), "_");
	CHECK_STR(keep(dbus_name_escape("\xc3\xa9t\xc3\xa9")), "_c3_a9t_c3_a9");
	CHECK_STR(keep(dbus_name_of_api("hello")), "org.afb.api.hello");
	CHECK_STR(keep(dbus_name_of_api("my-api")), "org.afb.api.my_2dapi");
	CHECK_STR(keep(dbus_name_typed_of_api("hello")), "org.afb.typed.hello");
	CHECK_STR(keep(dbus_name_typed_of_api("my-api")), "org.afb.typed.my_2dapi");
	CHECK_STR(keep(dbus_name_path_of_api("hello")), "/org/afb/api/hello");
	CHECK_STR(keep(dbus_name_path_of_api("a.b")), "/org/afb/api/a_2eb");
	CHECK_STR(keep(dbus_name_api_of_path("/org/afb/api/a_2eb")), "a.b");
	CHECK(!dbus_name_api_of_path("/org/afb/api/a/b"));
	CHECK(!dbus_name_api_of_path("/org/afb/x"));
	CHECK_STR(keep(dbus_name_error_of_status("failed")), "org.afb.Error.failed");
	CHECK_STR(keep(dbus_name_error_of_status("bad-api-state")), "org.afb.Error.bad_2dapi_2dstate");
	CHECK_STR(keep(dbus_name_status_of_error("org.afb.Error.unknown_2dverb")), "unknown-verb");
	CHECK_STR(keep(dbus_name_status_of_error("org.afb.Error._")), "");
	CHECK(!dbus_name_status_of_error("org.freedesktop.DBus.Error.Failed"));
	CHECK(!dbus_name_status_of_error(NULL));
}

static void check_refusals(void)
{
	/* only what the rule produces is decoded: one text per string */
	CHECK(!dbus_name_unescape(""));
	CHECK(!dbus_name_unescape("a-b"));
	CHECK(!dbus_name_unescape("_61"));	/* 'a' is never escaped */
	CHECK(!dbus_name_unescape("a_3"));
	CHECK(!dbus_name_unescape("a_zz"));
	CHECK(!dbus_name_unescape("_00"));
	CHECK(!dbus_name_unescape("_2D"));	/* lower-case hex only */
	CHECK(!dbus_name_unescape("1a"));
	CHECK_STR(keep(dbus_name_unescape("_31a")), "1a");
	CHECK_STR(keep(dbus_name_unescape("a1")), "a1");
}

static void check_round_trip(void)
{
	char text[40];
	int i, j, n;

	srand(42);
	for (i = 0; i < 20000; i++) {
		n = rand() % 39;
		for (j = 0; j < n; j++)
			text[j] = (char)(1 + rand() % 255);
		text[n] = 0;
		const char *label = keep(dbus_name_escape(text));
		CHECK(is_element(label));
		CHECK_STR(keep(dbus_name_unescape(label)), text);
		const char *error = keep(dbus_name_error_of_status(text));
		CHECK(strlen(error) <= 255);
		CHECK_STR(keep(dbus_name_status_of_error(error)), text);
	}
}

static void check_lengths(void)
{
	char api[300], *name;

	memset(api, 'a', sizeof api);
	api[243] = 0;
	name = dbus_name_of_api(api);
	CHECK(name && strlen(name) == 255);
	free(name);
	api[241] = 0;
	name = dbus_name_typed_of_api(api);
	CHECK(name && strlen(name) == 255);
	free(name);
	api[241] = 'a';
	api[242] = 0;
	CHECK(!dbus_name_typed_of_api(api));
	api[242] = 'a';
	api[243] = 'a';
	api[244] = 0;
	CHECK(!dbus_name_of_api(api));
	api[244] = 'a';
	api[255] = 0;
	name = dbus_name_member_of_verb(api);
	CHECK(name && strlen(name) == 255);
	free(name);
	api[255] = 'a';
	api[256] = 0;
	CHECK(!dbus_name_member_of_verb(api));
	api[256] = 'a';
	api[299] = 0;
	/* long statuses are cut at a whole escape, so that the name stays valid */
	memset(api, '-', 299);
	name = dbus_name_error_of_status(api);
	CHECK(strlen(name) <= 255);
	CHECK(strlen(name) == 14 + 3 * 80);
	free(name);
}

int main(int argc, char **argv)
{
	afbt_init(argc, argv);
	afbt_run("examples", check_examples);
	afbt_run("refusals", check_refusals);
	afbt_run("round-trip", check_round_trip);
	afbt_run("lengths", check_lengths);
	return afbt_done();
}
