/* SPDX-License-Identifier: Apache-2.0 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "session.h"
#include "unit.h"

static int freed;
static void count_free(void *p) { freed++; free(p); }
static void *make_value(void *closure) { (*(int *)closure)++; return strdup("made"); }

static void test_uuid_and_lookup(void)
{
	int created;
	struct session *a = session_get(NULL, NULL, &created), *b;

	CHECK(a && created);
	CHECK_INT(strlen(session_uuid(a)), SESSION_UUID_LEN);
	b = session_get(session_uuid(a), NULL, &created);
	CHECK(b == a && !created);
	session_unref(b);
	/* a client-chosen uuid is never adopted */
	b = session_get("00000000-0000-4000-8000-000000000000", NULL, &created);
	CHECK(created && strcmp(session_uuid(b), "00000000-0000-4000-8000-000000000000"));
	session_unref(b);
	/* an empty uuid is absent */
	b = session_get("", NULL, &created);
	CHECK(created && b != a);
	session_unref(b);
	session_unref(a);
}

static void test_tokens(void)
{
	int created;
	struct session *s = session_get(NULL, NULL, &created);
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
	struct session *s = session_get(NULL, NULL, &created);

	freed = 0;
	CHECK(session_cookie_get(s, &key1) == NULL);
	CHECK_INT(session_cookie_set(s, &key1, strdup("one"), count_free, NULL), 0);
	CHECK_STR(session_cookie_get(s, &key1), "one");
	CHECK(session_cookie_get(s, &key2) == NULL);
	CHECK_INT(session_cookie_set(s, &key1, strdup("two"), count_free, NULL), 0);
	CHECK_INT(freed, 1);
	CHECK_STR(session_cookie_make(s, &key1, make_value, count_free, &makes, NULL), "two");
	CHECK_INT(makes, 0);
	CHECK_STR(session_cookie_make(s, &key2, make_value, count_free, &makes, NULL), "made");
	CHECK_STR(session_cookie_make(s, &key2, make_value, count_free, &makes, NULL), "made");
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
	held = session_get(NULL, NULL, &created);
	strcpy(held_uuid, session_uuid(held));
	s = session_get(NULL, NULL, &created);
	strcpy(first_uuid, session_uuid(s));
	session_unref(s);
	/* far more than the maximum of 4: never refused */
	for (i = 0; i < 50; i++) {
		s = session_get(NULL, NULL, &created);
		CHECK(s && created);
		session_unref(s);
	}
	CHECK(session_count() <= 4);
	/* the referenced one survived, the idle first one was evicted */
	s = session_get(held_uuid, NULL, &created);
	CHECK(s == held && !created);
	session_unref(s);
	s = session_get(first_uuid, NULL, &created);
	CHECK(created);
	session_unref(s);
	session_unref(held);
	/* when every stored session is in use, the store grows instead of refusing */
	{
		struct session *all[8];
		for (i = 0; i < 8; i++) {
			all[i] = session_get(NULL, NULL, &created);
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
	session_init(4, 0, 60, "");
	s = session_get(NULL, NULL, &created);
	CHECK(session_check_token(s, "whatever"));
	CHECK(!session_check_token(s, NULL));
	session_unref(s);
}

/* ranks: what a session holds protects it from anonymous newcomers */
static void test_ranks(void)
{
	struct session *user, *ctx, *s;
	char user_uuid[40], ctx_uuid[40], token[40];
	int i, key;

	session_exit();
	session_init(4, 0, 60, "initial-token");
	/* a logged-in user: valid token, then a LOA */
	user = session_create("10.0.0.1", 0);
	CHECK_INT(session_rank(user), 0);
	CHECK(session_check_token(user, "initial-token"));
	CHECK_INT(session_rank(user), 2);
	CHECK_INT(session_set_loa(user, &key, 1), 0);
	CHECK_INT(session_rank(user), 3);
	strcpy(user_uuid, session_uuid(user));
	session_unref(user);
	/* an anonymous session holding a context */
	ctx = session_create("10.0.0.2", 0);
	CHECK_INT(session_cookie_set(ctx, &key, strdup("v"), free, NULL), 0);
	CHECK_INT(session_rank(ctx), 1);
	strcpy(ctx_uuid, session_uuid(ctx));
	session_unref(ctx);
	/* a flood of anonymous clients: only anonymous sessions make room */
	for (i = 0; i < 1000; i++) {
		s = session_create(i % 2 ? "10.0.0.3" : "10.0.0.4", 0);
		CHECK(s != NULL);
		session_unref(s);
	}
	CHECK(session_count() <= 4);
	s = session_find(user_uuid);
	CHECK(s != NULL);
	session_unref(s);
	s = session_find(ctx_uuid);
	CHECK(s != NULL);
	session_unref(s);
	/* authenticated newcomers (rank 2) may evict a rank-1 one, never the logged-in one */
	for (i = 0; i < 100; i++) {
		s = session_create(NULL, 1);
		CHECK_INT(session_rank(s), 2);
		session_unref(s);
	}
	CHECK(session_count() <= 4);
	s = session_find(ctx_uuid);
	CHECK(s == NULL);
	session_unref(s);
	s = session_find(user_uuid);
	CHECK(s != NULL);
	/* a renewed token alone is rank 3 too (only its client knows it) */
	session_set_loa(s, &key, 0);
	CHECK_INT(session_rank(s), 2);
	session_renew_token(s, token);
	CHECK_INT(session_rank(s), 3);
	session_unref(s);
	/* expired sessions go first, whatever their rank */
	session_exit();
}

/* anonymous sessions of one host are bounded by themselves */
static void test_per_host(void)
{
	struct session *s, *first, *other;
	char first_uuid[40], other_uuid[40];
	int i;

	session_exit();
	session_init(100, 3, 60, "initial-token");
	other = session_create("10.0.0.9", 0);
	strcpy(other_uuid, session_uuid(other));
	session_unref(other);
	first = session_create("10.0.0.1", 0);
	strcpy(first_uuid, session_uuid(first));
	session_unref(first);
	for (i = 0; i < 50; i++) {
		s = session_create("10.0.0.1", 0);
		session_unref(s);
	}
	/* 3 of 10.0.0.1 and the one of 10.0.0.9 */
	CHECK_INT(session_count(), 4);
	s = session_find(first_uuid);
	CHECK(s == NULL);
	session_unref(s);
	s = session_find(other_uuid);
	CHECK(s != NULL);
	session_unref(s);
	/* referenced ones are never evicted: the host may then exceed its share */
	{
		struct session *held[5];
		for (i = 0; i < 5; i++)
			held[i] = session_create("10.0.0.5", 0);
		CHECK_INT(session_count(), 9);
		for (i = 0; i < 5; i++)
			session_unref(held[i]);
	}
	/* validated sessions are not anonymous: not bounded per host */
	for (i = 0; i < 10; i++) {
		s = session_create("10.0.0.7", 1);
		session_unref(s);
	}
	CHECK(session_count() >= 19);
	session_exit();
}

/* get-or-create: makecb runs unlocked; a recursive ask gets NULL; racers wait and share */
static struct session *make_session;
static atomic_int make_calls;
static int inner_result_null;
static void *recursive_make(void *closure)
{
	/* calling the session from makecb must not deadlock */
	inner_result_null = session_cookie_make(make_session, closure, recursive_make, free, closure, NULL) == NULL;
	session_cookie_get(make_session, &inner_result_null);
	session_set_loa(make_session, &inner_result_null, 1);
	return strdup("outer");
}

static void *slow_make(void *closure)
{
	atomic_fetch_add(&make_calls, 1);
	usleep(100000);
	return strdup("slow");
}

static void *racer(void *key)
{
	return session_cookie_make(make_session, key, slow_make, free, NULL, NULL);
}

static void test_make(void)
{
	int key1, key2;
	pthread_t t[4];
	void *results[4];
	int i;

	session_exit();
	session_init(10, 0, 60, "initial-token");
	make_session = session_create(NULL, 0);
	CHECK_STR(session_cookie_make(make_session, &key1, recursive_make, free, &key1, NULL), "outer");
	CHECK_INT(inner_result_null, 1);
	/* four threads want the same context: one makes it, all get it */
	atomic_store(&make_calls, 0);
	for (i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, racer, &key2);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], &results[i]);
	CHECK_INT(atomic_load(&make_calls), 1);
	for (i = 1; i < 4; i++)
		CHECK(results[i] == results[0]);
	CHECK_STR(results[0], "slow");
	session_unref(make_session);
	session_exit();
}

int main(void)
{
	CHECK_INT(session_init(4, 0, 60, "initial-token"), 0);
	test_uuid_and_lookup();
	test_tokens();
	test_cookies();
	test_lru_eviction();
	test_any_token();
	test_ranks();
	test_per_host();
	test_make();
	session_exit();
	UNIT_END();
}
