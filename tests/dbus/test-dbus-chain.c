/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A chain D-Bus → binder B → proto-ws → binder A: a GDBus peer calls the
 * api hello that B exports on the bus and imports from A with --ws-client.
 * Calls, failures, introspection of the imported verbs, events pushed by A
 * to the D-Bus peer that subscribed through the chain.
 *
 * Skipped (77) when this afb-daemon has no --ws-client.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>
#include "dbust.h"

static struct dbust_bus *bus;
static struct afbt_daemon *A, *B;
static GDBusConnection *p1, *p2;
static struct dbust_events *ev1, *ev2;

static int has_ws_client(void)
{
	int status;
	const char *help = dbust_run(&status, afbt_daemon_path(), "--help", NULL);

	return strstr(help, "--ws-client") && !strstr(help, "import an api from another binder (not available yet)");
}

static void check_start(void)
{
	const char *addr = afbt_fmt("unix:@afb-dbus-chain-%d/hello", (int)getpid());
	double end;

	bus = dbust_bus_start(NULL, 0);
	A = afbt_daemon_start("--binding", afbt_binding("hello"), afbt_fmt("--ws-server=%s", addr), NULL);
	/* A listens once it accepts HTTP: B may connect at once */
	B = afbt_daemon_start(afbt_fmt("--ws-client=%s", addr), "--dbus-server=hello", NULL);
	p1 = dbust_connect(bus);
	p2 = dbust_connect(bus);
	dbust_wait_name(p1, "org.afb.api.hello", 10000);
	ev1 = dbust_events_watch(p1);
	ev2 = dbust_events_watch(p2);
	/* the link may take a moment */
	end = afbt_now() + 5;
	while (!dbust_call(p1, "hello", "ping", "{}")->ok && afbt_now() < end)
		afbt_msleep(50);
}

static void check_calls(void)
{
	struct dbust_reply *r = dbust_call(p1, "hello", "ping", "{}");

	CHECK_OK(r);
	CHECK_STR(r->response, "{\"ping\":\"pong\"}");
	CHECK_STR(r->info, "Ping Binder Daemon");
	r = dbust_call(p1, "hello", "echo", "{\"deep\":{\"er\":[1,2,3]}}");
	CHECK_OK(r);
	CHECK_STR(r->response, "{\"deep\":{\"er\":[1,2,3]}}");
	r = dbust_call(p1, "hello", "timer", "{\"ms\":100}");
	CHECK_OK(r);
	CHECK_STR(r->info, "timer expired");
}

/*
 * B passes A's JSON text on (xreq_reply_text): as A's proto-ws writer
 * wrote it, '/' escaped; a typed call needs the value: B parses it.
 */
static void check_passed_on(void)
{
	struct dbust_reply *r = dbust_call(p1, "hello", "echo", "{\"p\":\"x/y\"}");
	const char *out;
	int status;

	CHECK_OK(r);
	CHECK_STR(r->response, "{\"p\":\"x\\/y\"}");
	out = dbust_run(&status, "busctl", "--user", "call", "org.afb.api.hello", "/org/afb/api/hello",
			"org.afb.Typed1", "Call", "sv", "echo", "a{sv}", "1", "p", "s", "x/y", NULL);
	CHECK_EQ(status, 0);
	CHECK_STR(out, "vs a{sv} 1 \"p\" s \"x/y\" \"\"\n");
}

static void check_failures(void)
{
	struct dbust_reply *r = dbust_call(p1, "hello", "pingfail", "{}");

	CHECK_ERROR(r, "org.afb.Error.failed");
	CHECK_STR(r->message, "Ping Binder Daemon fails");
	r = dbust_call(p1, "hello", "fail", "{\"status\":\"chain-status\",\"info\":\"through ws\"}");
	CHECK_ERROR(r, "org.afb.Error.chain_2dstatus");
	CHECK_STR(r->message, "through ws");
}

static void check_introspection(void)
{
	const char *out;
	int status;
	double end = afbt_now() + 5;

	/* B's verbs are A's, once B knows A's description */
	do {
		out = dbust_run(&status, "busctl", "--user", "--no-pager", "introspect", "org.afb.api.hello",
				"/org/afb/api/hello", NULL);
	} while (!strstr(out, ".eventpush ") && afbt_now() < end && (afbt_msleep(100), 1));
	CHECK_CONTAINS(out, ".eventpush ");
	CHECK_OK(dbust_call_verb(p1, "hello", "ping", "{}"));
}

static void check_events(void)
{
	const char *data;
	struct dbust_reply *r;

	CHECK_OK(dbust_call(p1, "hello", "eventadd", "{\"tag\":\"c\",\"name\":\"chained\"}"));
	CHECK_OK(dbust_call(p1, "hello", "eventsub", "{\"tag\":\"c\"}"));
	r = dbust_call(p2, "hello", "eventpush", "{\"tag\":\"c\",\"data\":{\"hops\":2}}");
	CHECK_OK(r);
	CHECK(dbust_events_wait(ev1, "hello/chained", 3000, &data, NULL));
	CHECK_STR(data, "{\"hops\":2}");
	CHECK_EQ(dbust_events_count(ev2, 300), 0);
	CHECK_OK(dbust_call(p2, "hello", "broadcast", "{\"name\":\"all\",\"data\":1}"));
	CHECK(dbust_events_wait(ev1, "hello/all", 3000, NULL, NULL));
	CHECK(dbust_events_wait(ev2, "hello/all", 3000, NULL, NULL));
}

static void check_stop(void)
{
	dbust_disconnect(p1);
	dbust_disconnect(p2);
	afbt_daemon_stop(B);
	afbt_daemon_stop(A);
}

int main(int argc, char **argv)
{
	if (!getenv("AFB_DAEMON") || !has_ws_client()) {
		printf("1..0 # SKIP this afb-daemon has no --ws-client\n");
		return 77;
	}
	afbt_init(argc, argv);
	afbt_run("start", check_start);
	afbt_run("calls", check_calls);
	afbt_run("passed-on", check_passed_on);
	afbt_run("failures", check_failures);
	afbt_run("introspection", check_introspection);
	afbt_run("events", check_events);
	afbt_run("stop", check_stop);
	return afbt_done();
}
