/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>
#include "apiset.h"
#include "mainloop.h"
#include "unit.h"

static int started;
static int destroyed;
static int start_ok(void *closure) { started++; return 0; }
static int start_fail(void *closure) { return -5; }
static void destroy(void *closure) { destroyed++; }
static const struct api_itf itf_ok = { .start = start_ok, .destroy = destroy };
static const struct api_itf itf_fail = { .start = start_fail };

/* a start that needs another api: a cycle comes back to itself */
static struct apiset *cycle_set;
static int start_needs_b(void *closure) { return apiset_start(cycle_set, "b"); }
static int start_needs_a(void *closure) { return apiset_start(cycle_set, "a"); }
static const struct api_itf itf_needs_b = { .start = start_needs_b };
static const struct api_itf itf_needs_a = { .start = start_needs_a };

/* a slow start: a concurrent start waits for it */
static pthread_mutex_t slow_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t slow_cond = PTHREAD_COND_INITIALIZER;
static int slow_entered, slow_release, slow_runs;
static int start_slow(void *closure)
{
	pthread_mutex_lock(&slow_lock);
	slow_entered = 1;
	slow_runs++;
	pthread_cond_broadcast(&slow_cond);
	while (!slow_release)
		pthread_cond_wait(&slow_cond, &slow_lock);
	pthread_mutex_unlock(&slow_lock);
	return 0;
}
static const struct api_itf itf_slow = { .start = start_slow };

static void *second_starter(void *arg)
{
	return (void *)(long)api_start(arg);
}

/* the notifications, as a text */
static char seen[1024];
static void watcher(void *closure, struct apiset *set, enum apiset_change change, const char *name,
		    struct api *api)
{
	size_t len = strlen(seen);

	snprintf(seen + len, sizeof seen - len, "%s%s:%s(%s)", len ? " " : "",
		 change == APISET_ADDED ? "+" : change == APISET_REMOVED ? "-" : "~", name, api->name);
}

int main(void)
{
	struct apiset *set = apiset_new();
	struct json_object *names;
	struct api *api, *kept, **list;
	pthread_t thread, thread2;
	void *result;
	int a, b;

	CHECK_INT(mainloop_init(), 0);
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

	CHECK_INT(apiset_watch(set, watcher, NULL), 0);
	CHECK_INT(apiset_add(set, "zeta", &a, &itf_ok), 0);
	CHECK_INT(apiset_add(set, "Alpha", &b, &itf_ok), 0);
	CHECK_INT(apiset_add(set, "ALPHA", &b, &itf_ok), -EEXIST);
	CHECK_INT(apiset_add(set, "bad name", &b, &itf_ok), -EINVAL);
	api = apiset_lookup(set, "alpha");
	CHECK(api && api->closure == &b);
	api_unref(api);
	api = apiset_lookup(set, "ZETA");
	CHECK(api && api->closure == &a && api->group == NULL);
	api_unref(api);
	CHECK(apiset_lookup(set, "none") == NULL);
	CHECK_INT(apiset_rename(set, "zeta", "alpha"), -EEXIST);
	CHECK_INT(apiset_rename(set, "zeta", "beta"), 0);
	CHECK(apiset_lookup(set, "zeta") == NULL);
	api = apiset_lookup(set, "beta");
	CHECK(api && api->closure == &a && !strcmp(api->name, "beta"));
	api_unref(api);
	names = apiset_names(set);
	CHECK_STR(json_object_to_json_string_ext(names, JSON_C_TO_STRING_PLAIN), "[\"Alpha\",\"beta\"]");
	json_object_put(names);
	CHECK_INT(apiset_start_all(set), 0);
	CHECK_INT(started, 2);
	CHECK_INT(apiset_start_all(set), 0);
	CHECK_INT(started, 2);	/* started once */
	CHECK_INT(apiset_add(set, "broken", &a, &itf_fail), 0);
	CHECK_INT(apiset_start(set, "broken"), -5);
	api = apiset_lookup(set, "broken");
	CHECK_INT(atomic_load(&api->state), API_FAILED);
	CHECK_INT(api_start(api), -ECANCELED);
	api_unref(api);
	CHECK_INT(apiset_start(set, "missing"), -ENOENT);

	/* aliases reach the api; the listing gives each api once */
	CHECK_INT(apiset_add_alias(set, "alpha", "first"), 0);
	CHECK_INT(apiset_add_alias(set, "alpha", "BETA"), -EEXIST);
	CHECK_INT(apiset_add_alias(set, "nothing", "other"), -ENOENT);
	CHECK_INT(apiset_add_alias(set, "alpha", "bad/alias"), -EINVAL);
	api = apiset_lookup(set, "First");
	CHECK(api && api->closure == &b && !strcmp(api->name, "Alpha"));
	api_unref(api);
	CHECK_INT(apiset_count(set), 4);
	list = apiset_list(set);
	CHECK(list && list[0] && list[1] && list[2] && !list[3]);
	CHECK(list && !strcmp(list[0]->name, "Alpha") && !strcmp(list[1]->name, "beta")
	      && !strcmp(list[2]->name, "broken"));
	apiset_list_free(list);

	/* removal: the names go at once, the api lives while referenced */
	kept = apiset_lookup(set, "alpha");
	CHECK_INT(apiset_remove(set, "FIRST"), 0);
	CHECK(apiset_lookup(set, "alpha") == NULL);
	CHECK(apiset_lookup(set, "first") == NULL);
	CHECK_INT(apiset_remove(set, "alpha"), -ENOENT);
	CHECK_INT(destroyed, 0);
	api_unref(kept);

	/* noconcurrency: the api is the group of its requests */
	CHECK_INT(apiset_add_api(set, "serial", &a, &itf_ok, 1, &api), 0);
	CHECK(api && api->group == api);
	apiset_changed(set, api);
	api_unref(api);

	/* the changes are told on the loop, in order */
	CHECK_STR(seen, "");
	CHECK_INT(destroyed, 0);	/* the notices hold it */
	mainloop_drain();
	CHECK_INT(destroyed, 1);
	/* (zeta was renamed beta before the loop ran) */
	CHECK_STR(seen, "+:zeta(beta) +:Alpha(Alpha) +:broken(broken) +:first(Alpha) "
		  "-:Alpha(Alpha) -:first(Alpha) +:serial(serial) ~:serial(serial)");

	/* a start needing itself fails instead of hanging */
	cycle_set = set;
	CHECK_INT(apiset_add(set, "a", &a, &itf_needs_b), 0);
	CHECK_INT(apiset_add(set, "b", &a, &itf_needs_a), 0);
	CHECK_INT(apiset_start(set, "a"), -ELOOP);

	/* a second start waits for the first and does not run it again */
	CHECK_INT(apiset_add_api(set, "slow", &a, &itf_slow, 0, &api), 0);
	CHECK_INT(pthread_create(&thread, NULL, second_starter, api), 0);
	pthread_mutex_lock(&slow_lock);
	while (!slow_entered)
		pthread_cond_wait(&slow_cond, &slow_lock);
	pthread_mutex_unlock(&slow_lock);
	/* the first is in the start: a second one waits for it (given time to get there) */
	CHECK_INT(pthread_create(&thread2, NULL, second_starter, api), 0);
	usleep(20000);
	pthread_mutex_lock(&slow_lock);
	slow_release = 1;
	pthread_cond_broadcast(&slow_cond);
	pthread_mutex_unlock(&slow_lock);
	pthread_join(thread, &result);
	CHECK_INT((long)result, 0);
	pthread_join(thread2, &result);
	CHECK_INT((long)result, 0);
	CHECK_INT(api_start(api), 0);
	CHECK_INT(slow_runs, 1);
	api_unref(api);

	apiset_unwatch(set, watcher, NULL);
	apiset_free(set);
	mainloop_cleanup();
	UNIT_END();
}
