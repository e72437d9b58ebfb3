/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the proto-ws parts that sit on the core: the per-link
 * session table (lsessions.c) and the broadcast loop guard (bcast-guard.c).
 */
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>
#include "afbtest.h"
#include "bcast-guard.h"
#include "evt.h"
#include "lsessions.h"
#include "session.h"

static void check_lsessions(void)
{
	struct lsessions *a = lsessions_new(3), *b = lsessions_new(3);
	struct session *s1, *s1again, *s2, *other, *s;
	int before = session_count();

	s1 = lsessions_get(a, "uuid-1");
	s1again = lsessions_get(a, "uuid-1");
	CHECK(s1 && s1 == s1again);
	/* the same uuid on another link is another session */
	other = lsessions_get(b, "uuid-1");
	CHECK(other && other != s1);
	/* sessions are not the daemon's: made by the binder, not by the peer */
	CHECK_STR_NE(session_uuid(s1), "uuid-1");
	CHECK_EQ(session_count(), before);

	/* beyond 3, the least recently used is forgotten */
	s2 = lsessions_get(a, "uuid-2");
	session_unref(lsessions_get(a, "uuid-3"));
	session_unref(lsessions_get(a, "uuid-1"));	/* uuid-2 is now the oldest */
	session_unref(lsessions_get(a, "uuid-4"));
	CHECK_EQ(lsessions_count(a), 3);
	s = lsessions_get(a, "uuid-2");
	CHECK(s != s2);		/* a new one */
	session_unref(s);
	s = lsessions_get(a, "uuid-1");
	CHECK(s == s1);
	session_unref(s);

	/* a session outlives the table while a request holds it */
	lsessions_free(a);
	CHECK_STR(session_uuid(s1), session_uuid(s1again));
	session_unref(s1);
	session_unref(s1again);
	session_unref(s2);
	session_unref(other);
	lsessions_free(b);
}

/* ---- broadcast guard ---- */

struct fake_link {
	atomic_uint mark;
	int forwarded;
	struct bcast_origin last;
	char lastname[64];
};

static void on_broadcast(void *closure, const char *event, struct json_object *object)
{
	struct fake_link *fl = closure;
	struct bcast_origin o;

	if (bcast_guard_origin(event, object, &fl->mark, &o)) {
		fl->forwarded++;
		fl->last = o;
		snprintf(fl->lastname, sizeof fl->lastname, "%s", event);
	}
}

static void on_push(void *c, const char *e, int id, struct json_object *o) { }

static const struct evt_listener_itf link_itf = { .push = on_push, .broadcast = on_broadcast };

static void check_bcast_guard(void)
{
	static const uint8_t uuid_a[16] = "AAAAAAAAAAAAAAAA", uuid_b[16] = "BBBBBBBBBBBBBBBB";
	struct fake_link l1 = { .forwarded = 0 }, l2 = { .forwarded = 0 };
	struct evt_listener *e1 = evt_listener_new(&link_itf, &l1), *e2 = evt_listener_new(&link_itf, &l2);
	struct bcast_origin in = { .hop = 5 };
	uint8_t first[16];

	atomic_init(&l1.mark, 0);
	atomic_init(&l2.mark, 0);

	/* a local broadcast: both links forward it under one new uuid, with all its hops */
	evt_broadcast_name("api/local", json_object_new_int(1));
	CHECK_EQ(l1.forwarded, 1);
	CHECK_EQ(l2.forwarded, 1);
	CHECK_EQ(l1.last.hop, BCAST_HOP_INITIAL);
	CHECK(!memcmp(l1.last.uuid, l2.last.uuid, 16));
	memcpy(first, l1.last.uuid, 16);
	/* when it comes back, it is known */
	CHECK_EQ(bcast_guard_seen(first), 1);

	/* the next local broadcast has another uuid, even with the same name */
	evt_broadcast_name("api/local", json_object_new_int(1));
	CHECK_EQ(l1.forwarded, 2);
	CHECK(memcmp(l1.last.uuid, first, 16));
	CHECK(!memcmp(l1.last.uuid, l2.last.uuid, 16));

	/* a broadcast from a link keeps its uuid and hops */
	CHECK_EQ(bcast_guard_seen(uuid_a), 0);
	CHECK_EQ(bcast_guard_seen(uuid_a), 1);
	memcpy(in.uuid, uuid_a, 16);
	bcast_guard_rebroadcast("api/remote", json_object_new_int(2), &in);
	CHECK_EQ(l1.forwarded, 3);
	CHECK_EQ(l1.last.hop, 5);
	CHECK(!memcmp(l1.last.uuid, uuid_a, 16));
	CHECK_STR(l1.lastname, "api/remote");

	/* no hop left: delivered, not forwarded */
	memcpy(in.uuid, uuid_b, 16);
	in.hop = 0;
	bcast_guard_rebroadcast("api/remote", json_object_new_int(3), &in);
	CHECK_EQ(l1.forwarded, 3);
	CHECK_EQ(l2.forwarded, 3);

	/* from a 2017 peer (no trailer): never forwarded */
	CHECK_EQ(bcast_guard_seen(NULL), 0);
	bcast_guard_rebroadcast("api/old", json_object_new_int(4), NULL);
	CHECK_EQ(l1.forwarded, 3);

	evt_listener_unref(e1);
	evt_listener_unref(e2);
}

int main(int argc, char **argv)
{
	afbt_init(argc, argv);
	session_init(10, 0, 3600, NULL);
	afbt_run("lsessions", check_lsessions);
	afbt_run("bcast-guard", check_bcast_guard);
	session_exit();
	return afbt_done();
}
