/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dbus-gio-client: a native GLib/GIO (GDBus) client of an api exported by
 * afb-daemon over D-Bus (docs/dbus.md). It needs nothing of afb: only the
 * bus name, the object path and the org.afb.Api1 interface.
 *
 *   afb-daemon --binding hello.so --dbus-server=hello &
 *   dbus-gio-client              # the user bus; --system for the system bus
 *
 * It calls hello/ping, handles the failure of hello/pingfail, then makes an
 * event, subscribes to it, pushes it and prints the Event signals received.
 *
 * Build: cc dbus-gio-client.c $(pkg-config --cflags --libs gio-2.0)
 */
#include <stdio.h>
#include <string.h>
#include <gio/gio.h>

#define NAME "org.afb.api.hello"	/* org.afb.api.<api> */
#define PATH "/org/afb/api/hello"	/* /org/afb/api/<api> */
#define ITF  "org.afb.Api1"

static GMainLoop *loop;
static int events;

/*
 * Calls 'verb' with 'args' (JSON text). Prints the response or the failure;
 * returns TRUE on success.
 */
static gboolean call(GDBusConnection *conn, const char *verb, const char *args)
{
	GError *error = NULL;
	const char *response, *info;
	GVariant *reply = g_dbus_connection_call_sync(conn, NAME, PATH, ITF, "Call",
		g_variant_new("(ss)", verb, args), G_VARIANT_TYPE("(ss)"),
		G_DBUS_CALL_FLAGS_NONE, 30000, NULL, &error);

	if (!reply) {
		/* a failure of the verb is the error org.afb.Error.<status>, its message the info */
		char *name = g_dbus_error_get_remote_error(error);

		g_dbus_error_strip_remote_error(error);
		if (name && g_str_has_prefix(name, "org.afb.Error."))
			printf("%s failed: status %s, info \"%s\"\n", verb, name + strlen("org.afb.Error."),
			       error->message);
		else
			printf("%s: D-Bus error %s: %s\n", verb, name ? name : "?", error->message);
		g_free(name);
		g_error_free(error);
		return FALSE;
	}
	g_variant_get(reply, "(&s&s)", &response, &info);
	printf("%s replied %s (info \"%s\")\n", verb, response, info);
	g_variant_unref(reply);
	return TRUE;
}

/* org.afb.Api1.Event(s name, s data_json): pushes come to us alone, broadcasts to all */
static void on_event(GDBusConnection *conn, const char *sender, const char *path, const char *itf,
		     const char *member, GVariant *params, gpointer data)
{
	const char *name, *json;

	g_variant_get(params, "(&s&s)", &name, &json);
	printf("event %s: %s\n", name, json);
	fflush(stdout);
	if (++events == 2)
		g_main_loop_quit(loop);
}

static gboolean on_timeout(gpointer data)
{
	printf("timeout: %d event(s) received\n", events);
	g_main_loop_quit(loop);
	return G_SOURCE_REMOVE;
}

int main(int argc, char **argv)
{
	GBusType type = argc > 1 && !strcmp(argv[1], "--system") ? G_BUS_TYPE_SYSTEM : G_BUS_TYPE_SESSION;
	GError *error = NULL;
	GDBusConnection *conn = g_bus_get_sync(type, NULL, &error);
	int ok;

	if (!conn) {
		fprintf(stderr, "can't connect to the bus: %s\n", error->message);
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	loop = g_main_loop_new(NULL, FALSE);
	/* the sender is the owner of NAME: signals of anyone else are not ours */
	g_dbus_connection_signal_subscribe(conn, NAME, ITF, "Event", PATH, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
					   on_event, NULL, NULL);

	ok = call(conn, "ping", "{}");
	ok &= !call(conn, "pingfail", "{}");	/* expected to fail */
	/* the subscription is made by the verb for the calling peer: for this connection */
	ok &= call(conn, "eventadd", "{\"tag\":\"gio\",\"name\":\"gio-event\"}");
	ok &= call(conn, "eventsub", "{\"tag\":\"gio\"}");
	ok &= call(conn, "eventpush", "{\"tag\":\"gio\",\"data\":{\"n\":1}}");
	ok &= call(conn, "broadcast", "{\"name\":\"gio-broadcast\",\"data\":[1,2]}");

	g_timeout_add_seconds(5, on_timeout, NULL);
	g_main_loop_run(loop);
	call(conn, "eventdel", "{\"tag\":\"gio\"}");

	g_main_loop_unref(loop);
	g_object_unref(conn);
	return ok && events == 2 ? 0 : 1;
}
