/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Events over D-Bus: a push reaches the subscribed peer alone (a signal
 * with its destination), a broadcast every peer; unsubscribing, dropping
 * the event and leaving the bus stop them; subscriptions made by subcalls
 * go to the calling peer.
 */
#include <string.h>
#include <json-c/json.h>
#include "dbust.h"

static struct dbust_bus *bus;
static struct afbt_daemon *daemon_;
static GDBusConnection *p1, *p2, *spy;
static struct dbust_events *ev1, *ev2, *evspy;

/* the count of listeners reached by hello/eventpush of 'tag' */
static int push(GDBusConnection *c, const char *tag, const char *data)
{
	struct dbust_reply *r = dbust_call(c, "hello", "eventpush",
					   afbt_fmt("{\"tag\":\"%s\",\"data\":%s}", tag, data));

	CHECK_OK(r);
	return json_object_get_int(afbt_jget(r->json, "count"));
}

static void check_start(void)
{
	bus = dbust_bus_start(dbust_open_session_config(), 0);
	daemon_ = afbt_daemon_start("--binding", afbt_binding("hello"), "--dbus-server=hello", NULL);
	p1 = dbust_connect(bus);
	p2 = dbust_connect(bus);
	dbust_wait_name(p1, "org.afb.api.hello", 10000);
	ev1 = dbust_events_watch(p1);
	ev2 = dbust_events_watch(p2);
	/* a third peer that only listens to every signal of the bus (eavesdropping) */
	spy = dbust_connect(bus);
	CHECK(dbust_call_raw(spy, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
			     "AddMatch", g_variant_new("(s)", "type='signal',interface='org.afb.Api1',eavesdrop='true'"),
			     &(const char *){ 0 }, &(const char *){ 0 }));
	evspy = dbust_events_watch(spy);
	CHECK_OK(dbust_call(p1, "hello", "eventadd", "{\"tag\":\"t1\",\"name\":\"ev1\"}"));
}

static void check_push_to_subscriber_only(void)
{
	const char *data;

	CHECK_OK(dbust_call(p1, "hello", "eventsub", "{\"tag\":\"t1\"}"));
	CHECK_EQ(push(p2, "t1", "{\"n\":1}"), 1);
	CHECK(dbust_events_wait(ev1, "hello/ev1", 3000, &data, NULL));
	CHECK_STR(data, "{\"n\":1}");
	/* p2 did not subscribe: nothing for it */
	CHECK_EQ(dbust_events_count(ev2, 300), 0);
	/* the signal had a destination: the eavesdropper saw it go to p1 */
	CHECK(dbust_events_wait(evspy, "hello/ev1", 3000, NULL, NULL));
	dbust_events_clear(ev1);
	dbust_events_clear(evspy);
}

static void check_broadcast_to_all(void)
{
	const char *data;
	struct dbust_reply *r;

	r = dbust_call(p2, "hello", "broadcast", "{\"name\":\"b1\",\"data\":[true,null]}");
	CHECK_OK(r);
	CHECK(dbust_events_wait(ev1, "hello/b1", 3000, &data, NULL));
	CHECK_STR(data, "[true,null]");
	CHECK(dbust_events_wait(ev2, "hello/b1", 3000, &data, NULL));
	CHECK_STR(data, "[true,null]");
	/* the event sender of the binding API is a broadcast too */
	CHECK_OK(dbust_call(p1, "hello", "eventsender", "{\"name\":\"b2\",\"data\":\"x\"}"));
	CHECK(dbust_events_wait(ev2, "hello/b2", 3000, &data, NULL));
	CHECK_STR(data, "\"x\"");
	dbust_events_clear(ev1);
	dbust_events_clear(ev2);
}

static void check_unsubscribe(void)
{
	CHECK_OK(dbust_call(p1, "hello", "eventunsub", "{\"tag\":\"t1\"}"));
	CHECK_EQ(push(p1, "t1", "1"), 0);
	CHECK_EQ(dbust_events_count(ev1, 300), 0);
	/* counted subscriptions: twice in, once out, still in */
	CHECK_OK(dbust_call(p2, "hello", "eventsub", "{\"tag\":\"t1\"}"));
	CHECK_OK(dbust_call(p2, "hello", "eventsub", "{\"tag\":\"t1\"}"));
	CHECK_OK(dbust_call(p2, "hello", "eventunsub", "{\"tag\":\"t1\"}"));
	CHECK_EQ(push(p1, "t1", "2"), 1);
	CHECK(dbust_events_wait(ev2, "hello/ev1", 3000, NULL, NULL));
	CHECK_OK(dbust_call(p2, "hello", "eventunsub", "{\"tag\":\"t1\"}"));
	CHECK_EQ(push(p1, "t1", "3"), 0);
	dbust_events_clear(ev2);
}

static void check_subcall_subscription(void)
{
	const char *data;

	/* hello/call subcalls hello/eventsub: the subscription is the caller's */
	CHECK_OK(dbust_call(p1, "hello", "call", "{\"api\":\"hello\",\"verb\":\"eventsub\",\"args\":{\"tag\":\"t1\"}}"));
	CHECK_EQ(push(p2, "t1", "\"sub\""), 1);
	CHECK(dbust_events_wait(ev1, "hello/ev1", 3000, &data, NULL));
	CHECK_STR(data, "\"sub\"");
	CHECK_EQ(dbust_events_count(ev2, 200), 0);
	CHECK_OK(dbust_call(p1, "hello", "callsync", "{\"api\":\"hello\",\"verb\":\"eventunsub\",\"args\":{\"tag\":\"t1\"}}"));
	CHECK_EQ(push(p2, "t1", "0"), 0);
	dbust_events_clear(ev1);
}

static void check_peer_exit(void)
{
	GDBusConnection *p3 = dbust_connect(bus);
	struct dbust_events *ev3 = dbust_events_watch(p3);
	double end;
	int n;

	CHECK_OK(dbust_call(p3, "hello", "eventsub", "{\"tag\":\"t1\"}"));
	CHECK_EQ(push(p1, "t1", "\"before\""), 1);
	CHECK(dbust_events_wait(ev3, "hello/ev1", 3000, NULL, NULL));
	dbust_disconnect(p3);
	/* the daemon sees the peer leave (sd_bus_track) and drops its subscription */
	end = afbt_now() + 5;
	while ((n = push(p1, "t1", "\"after\"")) != 0 && afbt_now() < end)
		afbt_msleep(20);
	CHECK_EQ(n, 0);
}

static void check_event_drop(void)
{
	CHECK_OK(dbust_call(p1, "hello", "eventsub", "{\"tag\":\"t1\"}"));
	CHECK_OK(dbust_call(p1, "hello", "eventdel", "{\"tag\":\"t1\"}"));
	CHECK_ERROR(dbust_call(p1, "hello", "eventpush", "{\"tag\":\"t1\"}"), "org.afb.Error.failed");
	/* a new event of the same name is another event: no subscription carried */
	CHECK_OK(dbust_call(p1, "hello", "eventadd", "{\"tag\":\"t2\",\"name\":\"ev1\"}"));
	CHECK_EQ(push(p1, "t2", "0"), 0);
}

static void check_stop(void)
{
	dbust_disconnect(p1);
	dbust_disconnect(p2);
	dbust_disconnect(spy);
	afbt_daemon_stop(daemon_);
}

int main(int argc, char **argv)
{
	afbt_init(argc, argv);
	afbt_run("start", check_start);
	afbt_run("push-to-subscriber-only", check_push_to_subscriber_only);
	afbt_run("broadcast-to-all", check_broadcast_to_all);
	afbt_run("unsubscribe", check_unsubscribe);
	afbt_run("subcall-subscription", check_subcall_subscription);
	afbt_run("peer-exit", check_peer_exit);
	afbt_run("event-drop", check_event_drop);
	afbt_run("stop", check_stop);
	return afbt_done();
}
