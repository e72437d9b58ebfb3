/* SPDX-License-Identifier: Apache-2.0 */
/*
 * UTF-8 over D-Bus (binder/core/utf8.h): sd-bus refuses to send a string
 * that is not UTF-8, so before the repair a binding's bad string lost
 * the reply (the caller got NoReply) and the event. The test binding
 * badtext builds such strings: the GDBus client (GLib checks UTF-8 too)
 * must get every reply, failure and event, with U+FFFD in place of the
 * bad bytes.
 */
#include <string.h>
#include <json-c/json.h>
#include "dbust.h"

#define FFFD "\xef\xbf\xbd"

static struct dbust_bus *bus;
static struct afbt_daemon *daemon_;
static GDBusConnection *p1, *p2;
static struct dbust_events *ev1, *ev2;

static void check_start(void)
{
	bus = dbust_bus_start(dbust_open_session_config(), 0);
	daemon_ = afbt_daemon_start("--binding", afbt_test_binding("badtext"), "--dbus-server=badtext", NULL);
	p1 = dbust_connect(bus);
	p2 = dbust_connect(bus);
	dbust_wait_name(p1, "org.afb.api.badtext", 10000);
	ev1 = dbust_events_watch(p1);
	ev2 = dbust_events_watch(p2);
}

static void check_reply(void)
{
	struct dbust_reply *r = dbust_call(p1, "badtext", "reply", "{}");

	CHECK_OK(r);
	CHECK_STR(r->info, "i" FFFD);
	CHECK_STR(json_object_get_string(afbt_jget(r->json, "text")), "a" FFFD FFFD "b");
	/* the per-api method too */
	r = dbust_call_verb(p1, "badtext", "reply", "{}");
	CHECK_OK(r);
	CHECK_STR(r->info, "i" FFFD);
}

static void check_failure(void)
{
	struct dbust_reply *r = dbust_call(p1, "badtext", "fail", "{}");

	CHECK(!r->ok);
	CHECK_STR(r->message, "why" FFFD);
	/* the status is escaped into the error name by the naming rule */
	CHECK(r->error != NULL && !strncmp(r->error, "org.afb.Error.", 14));
}

static void check_events(void)
{
	const char *data;
	struct dbust_reply *r;

	CHECK_OK(dbust_call(p1, "badtext", "subscribe", "{}"));
	r = dbust_call(p2, "badtext", "push", "{}");
	CHECK_OK(r);
	CHECK_EQ(json_object_get_int(afbt_jget(r->json, "count")), 1);
	CHECK(dbust_events_wait(ev1, "badtext/ev" FFFD, 3000, &data, NULL));
	CHECK_STR(data, "{\"data\":\"" FFFD FFFD "\"}");
	CHECK_OK(dbust_call(p2, "badtext", "broadcast", "{}"));
	CHECK(dbust_events_wait(ev2, "badtext/all" FFFD, 3000, &data, NULL));
	CHECK_STR(data, "\"" FFFD "\"");
	CHECK(afbt_daemon_wait_log(daemon_, 3000, "invalid UTF-8", "U+FFFD") != NULL);
}

static void check_stop(void)
{
	afbt_daemon_stop(daemon_);
}

int main(int argc, char **argv)
{
	afbt_init(argc, argv);
	afbt_run("start", check_start);
	afbt_run("reply", check_reply);
	afbt_run("failure", check_failure);
	afbt_run("events", check_events);
	afbt_run("stop", check_stop);
	return afbt_done();
}
