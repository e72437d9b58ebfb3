/* SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>
#include <string.h>
#include "session.h"
#include "unit.h"

static int freed;
static void count_free(void *p) { freed++; free(p); }
static void *make_value(void *closure) { (*(int *)closure)++; return strdup("made"); }

static void test_uuid_and_lookup(void)
{
	int created;
	struct session *a = session_get(NULL, &created), *b;

	CHECK(a && created);
	CHECK_INT(strlen(session_uuid(a)), SESSION_UUID_LEN);
	b = session_get(session_uuid(a), &created);
	CHECK(b == a && !created);
	session_unref(b);
	/* a client-chosen uuid is never adopted */
	b = session_get("00000000-0000-4000-8000-000000000000", &created);
	CHECK(created && strcmp(session_uuid(b), "00000000-0000-4000-8000-000000000000"));
	session_unref(b);
	/* an empty uuid is absent */
	b = session_get("", &created);
	CHECK(created && b != a);
	session_unref(b);
	session_unref(a);
}

static void test_tokens(void)
{
	int created;
	struct session *s = session_get(NULL, &created);
	char token[SESSION_UUID_LEN + 1], old[SESSION_UUID_LEN + 1];

	session_token(s, token);
	CHECK_STR(token, "initial-token");
	CHECK(session_check_token(s, "initial-token"));
	CHECK(!session_check_token(s, "initial-tokem"));
	CHECK(!session_check_token(s, "initial-token-longer"));
	CHECK(!session_check_token(s, "initial"));
	CHECK(!session_check_token(s, ""));
	CHECK(!session_check_token(s, NULL));
	strcpy(old, token);
	session_renew_token(s, token);
	CHECK(strcmp(token, old));
	CHECK(session_check_token(s, token));
	CHECK(!session_check_token(s, old));
	session_unref(s);
}

static void test_cookies(void)
{
	int created, makes = 0, key1, key2;
	struct session *s = session_get(NULL, &created);

	freed = 0;
	CHECK(session_cookie_get(s, &key1) == NULL);
	CHECK_INT(session_cookie_set(s, &key1, strdup("one"), count_free), 0);
	CHECK_STR(session_cookie_get(s, &key1), "one");
	CHECK(session_cookie_get(s, &key2) == NULL);
	CHECK_INT(session_cookie_set(s, &key1, strdup("two"), count_free), 0);
	CHECK_INT(freed, 1);
	CHECK_STR(session_cookie_make(s, &key1, make_value, count_free, &makes), "two");
	CHECK_INT(makes, 0);
	CHECK_STR(session_cookie_make(s, &key2, make_value, count_free, &makes), "made");
	CHECK_STR(session_cookie_make(s, &key2, make_value, count_free, &makes), "made");
	CHECK_INT(makes, 1);
	CHECK_INT(session_get_loa(s, &key1), 0);
	session_set_loa(s, &key1, 3);
	CHECK_INT(session_get_loa(s, &key1), 3);
	CHECK_INT(session_get_loa(s, &key2), 0);
	session_close_key(s, &key1);
	CHECK_INT(session_get_loa(s, &key1), 0);
	CHECK(session_cookie_get(s, &key1) == NULL);
	CHECK_STR(session_cookie_get(s, &key2), "made");
	CHECK_INT(freed, 2);
	session_unref(s);
}

static void test_lru_eviction(void)
{
	struct session *held, *s;
	char held_uuid[40], first_uuid[40];
	int created, i;

	session_exit();
	held = session_get(NULL, &created);
	strcpy(held_uuid, session_uuid(held));
	s = session_get(NULL, &created);
	strcpy(first_uuid, session_uuid(s));
	session_unref(s);
	/* far more than the maximum of 4: never refused */
	for (i = 0; i < 50; i++) {
		s = session_get(NULL, &created);
		CHECK(s && created);
		session_unref(s);
	}
	CHECK(session_count() <= 4);
	/* the referenced one survived, the idle first one was evicted */
	s = session_get(held_uuid, &created);
	CHECK(s == held && !created);
	session_unref(s);
	s = session_get(first_uuid, &created);
	CHECK(created);
	session_unref(s);
	session_unref(held);
	/* when every stored session is in use, the store grows instead of refusing */
	{
		struct session *all[8];
		for (i = 0; i < 8; i++) {
			all[i] = session_get(NULL, &created);
			CHECK(all[i] != NULL);
		}
		CHECK(session_count() >= 8);
		for (i = 0; i < 8; i++)
			session_unref(all[i]);
		/* released, the store is back within its bound */
		CHECK(session_count() <= 4);
	}
}

static void test_any_token(void)
{
	int created;
	struct session *s;

	session_exit();
	session_init(4, 60, "");
	s = session_get(NULL, &created);
	CHECK(session_check_token(s, "whatever"));
	CHECK(!session_check_token(s, NULL));
	session_unref(s);
}

int main(void)
{
	CHECK_INT(session_init(4, 60, "initial-token"), 0);
	test_uuid_and_lookup();
	test_tokens();
	test_cookies();
	test_lru_eviction();
	test_any_token();
	session_exit();
	UNIT_END();
}
