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

/* ---- deliveries: one number per push, 'delivered' once after its callbacks ---- */

struct dl {
	unsigned long seen;	/* evt_delivery() in the callback */
	int mismatch;
};
static int delivered_calls, pushes_in_delivery;
static unsigned long first_seen;

static void dl_push(void *c, const char *event, int id, struct json_object *o)
{
	struct dl *d = c;

	d->seen = evt_delivery();
	if (!pushes_in_delivery++)
		first_seen = d->seen;
	else if (d->seen != first_seen)
		d->mismatch = 1;
}
static void dl_broadcast(void *c, const char *event, struct json_object *o) { dl_push(c, event, 0, o); }
static void dl_delivered(void)
{
	delivered_calls++;
	pushes_in_delivery = 0;
}
static const struct evt_listener_itf dl_itf = { .push = dl_push, .broadcast = dl_broadcast, .delivered = dl_delivered };

static void test_deliveries(void)
{
	struct dl d[100];
	struct evt_listener *l[100];
	struct evt *e = evt_new("api/many");
	unsigned long one;
	int i, mismatch = 0;

	memset(d, 0, sizeof d);
	for (i = 0; i < 100; i++) {
		l[i] = evt_listener_new(&dl_itf, &d[i]);
		CHECK_INT(evt_subscribe(l[i], e), 0);
	}
	CHECK_INT(evt_push(e, json_object_new_int(1)), 100);
	CHECK_INT(delivered_calls, 1);
	one = d[0].seen;
	CHECK(one != 0);
	CHECK_INT(evt_push(e, NULL), 100);
	CHECK_INT(delivered_calls, 2);
	CHECK(d[0].seen != one);
	for (i = 0; i < 100; i++)
		mismatch += d[i].mismatch;
	CHECK_INT(mismatch, 0);
	/* no listener reached: no 'delivered' */
	CHECK_INT(evt_broadcast_name("api/none", NULL), 100);
	CHECK_INT(delivered_calls, 3);
	CHECK_INT(evt_delivery(), 0);	/* outside of any delivery */
	/* subscriptions left in every order: the lists stay right */
	for (i = 0; i < 100; i += 2)
		CHECK_INT(evt_unsubscribe(l[i], e), 0);
	CHECK_INT(evt_push(e, NULL), 50);
	for (i = 99; i > 0; i -= 2)
		evt_listener_close(l[i]);
	CHECK_INT(evt_push(e, NULL), 0);
	CHECK_INT(delivered_calls, 4);
	for (i = 0; i < 100; i++)
		evt_listener_unref(l[i]);
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
	test_deliveries();
	UNIT_END();
}
