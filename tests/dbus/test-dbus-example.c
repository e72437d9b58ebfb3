/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The native GDBus client of the documentation (docs/examples/dbus-gio-client.c),
 * built by meson, run against a daemon exporting hello: it calls typed
 * methods (no JSON), handles a failure and prints the typed events it
 * receives.
 */
#include <stdlib.h>
#include "dbust.h"

static struct afbt_daemon *daemon_;

static void check_start(void)
{
	struct dbust_bus *bus = dbust_bus_start(NULL, 0);
	GDBusConnection *c;

	daemon_ = afbt_daemon_start("--binding", afbt_binding("hello"), "--dbus-server=hello", NULL);
	c = dbust_connect(bus);
	dbust_wait_name(c, "org.afb.api.hello", 10000);
	dbust_disconnect(c);
}

static void check_example(void)
{
	const char *example = getenv("AFB_DBUS_GIO_EXAMPLE");
	const char *out;
	int status;

	if (!example)
		afbt_fail("AFB_DBUS_GIO_EXAMPLE is not set");
	out = dbust_run(&status, example, NULL);
	afbt_note("%s", out);
	CHECK_EQ(status, 0);
	CHECK_CONTAINS(out, "ping replied \"pong\" (info \"Ping Binder Daemon\")");
	CHECK_CONTAINS(out, "pingfail failed: status failed, info \"Ping Binder Daemon fails\"");
	CHECK_CONTAINS(out, "eventadd replied (<objectpath '/'>, '')");	/* null, no info */
	CHECK_CONTAINS(out, "eventpush replied (1, '')");
	CHECK_CONTAINS(out, "event hello/gio-event: {'n': <int64 1>}");
	CHECK_CONTAINS(out, "event hello/gio-broadcast: [<int64 1>, <int64 2>]");
	/* typed values only: no JSON text anywhere */
	CHECK_NOT_CONTAINS(out, "{\"");
}

static void check_stop(void)
{
	afbt_daemon_stop(daemon_);
}

int main(int argc, char **argv)
{
	afbt_init(argc, argv);
	afbt_run("start", check_start);
	afbt_run("example", check_example);
	afbt_run("stop", check_stop);
	return afbt_done();
}
