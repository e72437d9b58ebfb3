/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A private system-type bus with the standard default policy of a system
 * bus and policy/org.afb.api.conf: the daemon (root) owns the names of its
 * apis; an unprivileged peer (nobody) may call them but not own such a
 * name, and its session flags are refused by the default trust rule while
 * a rule naming its group accepts them.
 *
 * Needs root (to run the clients as nobody): skipped otherwise.
 */
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include "dbust.h"

#define NOBODY 65534

static struct dbust_bus *bus;
static struct afbt_daemon *daemon_;

static const char *write_config(void)
{
	const char *path = afbt_fmt("%s/system.conf", afbt_tempdir());
	const char *text = afbt_fmt(
		"<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
		" \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
		"<busconfig>\n"
		"  <type>system</type>\n"
		"  <auth>EXTERNAL</auth>\n"
		"  <listen>unix:tmpdir=/tmp</listen>\n"
		/* the default policy of /usr/share/dbus-1/system.conf */
		"  <policy context=\"default\">\n"
		"    <allow user=\"*\"/>\n"
		"    <deny own=\"*\"/>\n"
		"    <deny send_type=\"method_call\"/>\n"
		"    <allow send_type=\"signal\"/>\n"
		"    <allow send_requested_reply=\"true\" send_type=\"method_return\"/>\n"
		"    <allow send_requested_reply=\"true\" send_type=\"error\"/>\n"
		"    <allow receive_type=\"method_call\"/>\n"
		"    <allow receive_type=\"method_return\"/>\n"
		"    <allow receive_type=\"error\"/>\n"
		"    <allow receive_type=\"signal\"/>\n"
		"    <allow send_destination=\"org.freedesktop.DBus\" send_interface=\"org.freedesktop.DBus\"/>\n"
		"    <allow send_destination=\"org.freedesktop.DBus\" send_interface=\"org.freedesktop.DBus.Introspectable\"/>\n"
		"    <allow send_destination=\"org.freedesktop.DBus\" send_interface=\"org.freedesktop.DBus.Properties\"/>\n"
		"  </policy>\n"
		"  <include>%s</include>\n"
		"</busconfig>\n", dbust_source("policy/org.afb.api.conf"));

	afbt_write_file(path, text, strlen(text));
	return path;
}

static void as_nobody(gpointer data)
{
	gid_t gid = NOBODY;

	if (setgroups(1, &gid) < 0 || setgid(NOBODY) < 0 || setuid(NOBODY) < 0)
		_exit(126);
}

/* Runs a tool as nobody: its stdout, and its stderr in *err. */
static const char *run_as_nobody(int *status, const char **err, const char *const *argv)
{
	gchar *out = NULL, *errout = NULL;
	GError *error = NULL;

	if (!g_spawn_sync("/", (gchar **)argv, NULL, G_SPAWN_SEARCH_PATH, as_nobody, NULL, &out, &errout,
			  status, &error))
		afbt_fail("can't run %s: %s", argv[0], error->message);
	*err = afbt_keep(errout, g_free);
	return afbt_keep(out, g_free);
}

static const char *call_as_nobody(int *status, const char **err, const char *api, const char *verb)
{
	const char *argv[] = { "gdbus", "call", "--system", "--dest", afbt_fmt("org.afb.api.%s", api),
			       "--object-path", afbt_fmt("/org/afb/api/%s", api), "--method", "org.afb.Api1.Call",
			       verb, "{}", NULL };

	return run_as_nobody(status, err, argv);
}

static void check_start(void)
{
	GDBusConnection *c;

	bus = dbust_bus_start(write_config(), 1);
	daemon_ = afbt_daemon_start("--binding", afbt_binding("hello"), "--binding", afbt_test_binding("flags"),
				    "--binding", afbt_binding("auth"), "--token", "",
				    "--dbus-server=system:hello", "--dbus-server=system:flags",
				    afbt_fmt("--dbus-server=system:auth?trust=gid:%d", NOBODY), NULL);
	c = dbust_connect(bus);
	dbust_wait_name(c, "org.afb.api.hello", 10000);
	dbust_wait_name(c, "org.afb.api.flags", 10000);
	dbust_wait_name(c, "org.afb.api.auth", 10000);
	dbust_disconnect(c);
}

static void check_nobody_calls(void)
{
	const char *out, *err;
	int status;

	out = call_as_nobody(&status, &err, "hello", "ping");
	CHECK_EQ(status, 0);
	CHECK_CONTAINS(out, "Ping Binder Daemon");
	out = call_as_nobody(&status, &err, "flags", "none");
	CHECK_EQ(status, 0);
	CHECK_CONTAINS(out, "{\"verb\":\"none\"}");
}

static void check_nobody_refused(void)
{
	const char *err;
	int status;

	/* the default trust rule (self,root): no session flags for nobody */
	call_as_nobody(&status, &err, "flags", "check");
	CHECK(status != 0);
	CHECK_CONTAINS(err, "org.afb.Error.denied");
	CHECK_CONTAINS(err, "invalid token's identity");
	call_as_nobody(&status, &err, "flags", "setloa");
	CHECK(status != 0);
	CHECK_CONTAINS(err, "org.afb.Error.denied");
}

static void check_root_trusted(void)
{
	GDBusConnection *c = dbust_connect(bus);

	CHECK_OK(dbust_call(c, "flags", "check", "{}"));
	/* auth trusts the group of nobody only */
	CHECK_ERROR(dbust_call(c, "auth", "login", "{}"), "org.afb.Error.denied");
	dbust_disconnect(c);
}

static void check_group_trusted(void)
{
	const char *out, *err;
	int status;

	out = call_as_nobody(&status, &err, "auth", "login");
	if (status != 0)
		afbt_fail("auth/login as nobody: %s", err);
	CHECK_CONTAINS(out, "logged in");
}

static void check_nobody_cannot_own(void)
{
	const char *argv[] = { "gdbus", "call", "--system", "--dest", "org.freedesktop.DBus",
			       "--object-path", "/org/freedesktop/DBus", "--method",
			       "org.freedesktop.DBus.RequestName", "org.afb.api.impostor", "4", NULL };
	const char *err;
	int status;

	run_as_nobody(&status, &err, argv);
	CHECK(status != 0);
	CHECK_CONTAINS(err, "AccessDenied");
}

static void check_stop(void)
{
	afbt_daemon_stop(daemon_);
}

int main(int argc, char **argv)
{
	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root to run clients as nobody\n");
		return 77;
	}
	afbt_init(argc, argv);
	afbt_run("start", check_start);
	afbt_run("nobody-calls", check_nobody_calls);
	afbt_run("nobody-refused", check_nobody_refused);
	afbt_run("root-trusted", check_root_trusted);
	afbt_run("group-trusted", check_group_trusted);
	afbt_run("nobody-cannot-own", check_nobody_cannot_own);
	afbt_run("stop", check_stop);
	return afbt_done();
}
