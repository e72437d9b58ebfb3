/* SPDX-License-Identifier: Apache-2.0 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>
#include <errno.h>
#include "evt.h"
#include "unit.h"

struct rec {
	int pushes, broadcasts, adds, removes;
	char last[64];
};

static void on_push(void *c, const char *event, int id, struct json_object *o)
{
	struct rec *r = c;
	r->pushes++;
	strncpy(r->last, event, sizeof r->last - 1);
}
static void on_broadcast(void *c, const char *event, struct json_object *o) { ((struct rec *)c)->broadcasts++; }
static void on_add(void *c, const char *event, int id) { ((struct rec *)c)->adds++; }
static void on_remove(void *c, const char *event, int id) { ((struct rec *)c)->removes++; }
static const struct evt_listener_itf itf = { on_push, on_broadcast, on_add, on_remove };

/* ---- evt_listener_close waits for the callbacks in flight ---- */

struct slow {
	atomic_int entered, finished, calls;
	struct evt_listener *self;	/* closes itself from its callback when set */
	int *freed;			/* the closure's memory, "freed" by the owner */
};

static void slow_push(void *c, const char *event, int id, struct json_object *o)
{
	struct slow *s = c;

	atomic_fetch_add(&s->calls, 1);
	if (s->self) {
		evt_listener_close(s->self);	/* must not wait for itself */
		return;
	}
	atomic_store(&s->entered, 1);
	usleep(200000);
	/* the owner must not have freed the closure meanwhile */
	if (!*s->freed)
		atomic_store(&s->finished, 1);
}
static const struct evt_listener_itf slow_itf = { .push = slow_push };

static void *pusher(void *arg)
{
	evt_push(arg, json_object_new_int(1));
	return NULL;
}

static void test_close(void)
{
	int freed = 0;
	struct slow s = { .freed = &freed };
	struct evt_listener *l = evt_listener_new(&slow_itf, &s);
	struct evt *e = evt_new("api/close");
	pthread_t t;

	CHECK_INT(evt_subscribe(l, e), 0);
	pthread_create(&t, NULL, pusher, e);
	while (!atomic_load(&s.entered))
		usleep(1000);
	evt_listener_close(l);
	/* close returned: the callback in flight is over, the closure can go */
	CHECK_INT(atomic_load(&s.finished), 1);
	freed = 1;
	pthread_join(t, NULL);
	/* nothing reaches it any more, it can't subscribe */
	CHECK_INT(evt_push(e, NULL), 0);
	CHECK_INT(evt_broadcast(e, NULL) >= 0, 1);
	CHECK_INT(atomic_load(&s.calls), 1);
	CHECK_INT(evt_subscribe(l, e), -ECONNRESET);
	evt_listener_close(l);	/* twice: nothing */
	evt_listener_unref(l);

	/* a callback that closes its own listener does not deadlock */
	{
		struct slow s2 = { .freed = &freed };
		struct evt_listener *l2 = evt_listener_new(&slow_itf, &s2);

		s2.self = l2;
		CHECK_INT(evt_subscribe(l2, e), 0);
		CHECK_INT(evt_push(e, NULL), 1);
		CHECK_INT(evt_push(e, NULL), 0);
		CHECK_INT(atomic_load(&s2.calls), 1);
		evt_listener_unref(l2);
	}
	evt_drop(e);
}

int main(void)
{
	struct rec r1 = {0}, r2 = {0};
	struct evt_listener *l1 = evt_listener_new(&itf, &r1), *l2 = evt_listener_new(&itf, &r2);
	struct evt *e = evt_new("api/tick"), *f = evt_new("api/tock");

	CHECK_STR(evt_fullname(e), "api/tick");
	CHECK_STR(evt_name(e), "tick");
	CHECK(evt_id(e) != evt_id(f));
	CHECK_INT(evt_listener_count(), 2);

	CHECK_INT(evt_push(e, json_object_new_int(1)), 0);	/* no subscriber */
	CHECK_INT(evt_subscribe(l1, e), 0);
	CHECK_INT(evt_subscribe(l1, e), 0);	/* counted */
	CHECK_INT(r1.adds, 1);
	CHECK_INT(evt_push(e, json_object_new_int(2)), 1);
	CHECK_STR(r1.last, "api/tick");
	CHECK_INT(r2.pushes, 0);
	CHECK_INT(evt_unsubscribe(l1, e), 0);
	CHECK_INT(evt_push(e, NULL), 1);	/* still subscribed once */
	CHECK_INT(evt_unsubscribe(l1, e), 0);
	CHECK_INT(r1.removes, 1);
	CHECK_INT(evt_push(e, NULL), 0);
	CHECK(evt_unsubscribe(l1, e) < 0);

	/* broadcasts reach every listener, subscribed or not */
	CHECK_INT(evt_broadcast(f, json_object_new_string("x")), 2);
	CHECK_INT(evt_broadcast_name("other/name", NULL), 2);
	CHECK_INT(r1.broadcasts + r2.broadcasts, 4);

	/* a peer leaving drops its subscriptions */
	evt_subscribe(l2, e);
	evt_subscribe(l2, f);
	evt_listener_unsubscribe_all(l2);
	CHECK_INT(r2.removes, 2);
	CHECK_INT(evt_push(e, NULL), 0);

	/* drop unsubscribes everyone */
	evt_subscribe(l1, f);
	evt_ref(f);
	evt_drop(f);
	CHECK_INT(r1.removes, 2);
	CHECK(evt_subscribe(l1, f) < 0);	/* dropped */
	evt_unref(f);

	evt_listener_unref(l1);
	evt_listener_unref(l2);
	CHECK_INT(evt_listener_count(), 0);
	evt_drop(e);
	test_close();
	UNIT_END();
}
