/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dbus-gio-client: a native GLib/GIO (GDBus) client of an api exported by
 * afb-daemon over D-Bus (docs/dbus.md). It needs nothing of afb and no
 * JSON parser: it calls the typed interface of the api, whose arguments
 * and results are D-Bus values (GVariant here).
 *
 *   afb-daemon --binding hello.so --dbus-server=hello &
 *   dbus-gio-client              # the user bus; --system for the system bus
 *
 * It calls hello/ping, handles the failure of hello/pingfail, then makes an
 * event, subscribes to it, pushes data to it, broadcasts another one and
 * prints the typed Event signals received.
 *
 * Build: cc dbus-gio-client.c $(pkg-config --cflags --libs gio-2.0)
 */
#include <stdio.h>
#include <string.h>
#include <gio/gio.h>

#define NAME  "org.afb.api.hello"	/* org.afb.api.<api> */
#define PATH  "/org/afb/api/hello"	/* /org/afb/api/<api> */
#define TYPED "org.afb.typed.hello"	/* org.afb.typed.<api>: a method per verb */

static GMainLoop *loop;
static int events;

/*
 * Calls the typed method 'verb' with 'args' (a tuple, floating reference
 * consumed, NULL for none) and returns its results, or NULL after printing
 * the failure. A failure of the verb is the error org.afb.Error.<status>,
 * its message the info.
 */
static GVariant *call(GDBusConnection *conn, const char *verb, GVariant *args)
{
	GError *error = NULL;
	GVariant *reply = g_dbus_connection_call_sync(conn, NAME, PATH, TYPED, verb, args, NULL,
						      G_DBUS_CALL_FLAGS_NONE, 30000, NULL, &error);
	char *name;

	if (reply)
		return reply;
	name = g_dbus_error_get_remote_error(error);
	g_dbus_error_strip_remote_error(error);
	if (name && g_str_has_prefix(name, "org.afb.Error."))
		printf("%s failed: status %s, info \"%s\"\n", verb, name + strlen("org.afb.Error."), error->message);
	else
		printf("%s: D-Bus error %s: %s\n", verb, name ? name : "?", error->message);
	g_free(name);
	g_error_free(error);
	return NULL;
}

/* Prints the results of a call and releases them; TRUE when there were some. */
static gboolean done(const char *verb, GVariant *reply)
{
	char *text;

	if (!reply)
		return FALSE;
	text = g_variant_print(reply, FALSE);
	printf("%s replied %s\n", verb, text);
	g_free(text);
	g_variant_unref(reply);
	return TRUE;
}

/*
 * org.afb.Typed1.Event(s name, v data): the events that the description of
 * hello does not declare. Pushes come to us alone, broadcasts to all.
 */
static void on_event(GDBusConnection *conn, const char *sender, const char *path, const char *itf,
		     const char *member, GVariant *params, gpointer data)
{
	const char *name;
	GVariant *value;
	char *text;

	g_variant_get(params, "(&sv)", &name, &value);
	text = g_variant_print(value, TRUE);
	printf("event %s: %s\n", name, text);
	g_free(text);
	g_variant_unref(value);
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
	GVariant *reply;
	const char *pong, *info;
	int ok = 1;

	if (!conn) {
		fprintf(stderr, "can't connect to the bus: %s\n", error->message);
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	loop = g_main_loop_new(NULL, FALSE);
	/* the sender is the owner of NAME: signals of anyone else are not ours */
	g_dbus_connection_signal_subscribe(conn, NAME, "org.afb.Typed1", "Event", PATH, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
					   on_event, NULL, NULL);

	/* ping() -> (s ping, s info) */
	reply = call(conn, "ping", NULL);
	if (reply) {
		g_variant_get(reply, "(&s&s)", &pong, &info);
		printf("ping replied \"%s\" (info \"%s\")\n", pong, info);
		g_variant_unref(reply);
	}
	ok &= reply != NULL;
	ok &= !done("pingfail", call(conn, "pingfail", NULL));	/* expected to fail */
	/* the subscription is made by the verb for the calling peer: for this connection, typed */
	ok &= done("eventadd", call(conn, "eventadd", g_variant_new("(ss)", "gio", "gio-event")));
	ok &= done("eventsub", call(conn, "eventsub", g_variant_new("(s)", "gio")));
	/* eventpush(s tag, v data) -> (i count, s info); data: {"n": 1} */
	ok &= done("eventpush", call(conn, "eventpush", g_variant_new("(sv)", "gio", g_variant_new_parsed("{'n': <int64 1>}"))));
	/* broadcast(s name, v data); data: [1, 2] */
	ok &= done("broadcast", call(conn, "broadcast", g_variant_new("(sv)", "gio-broadcast",
								       g_variant_new_parsed("[<int64 1>, <int64 2>]"))));

	g_timeout_add_seconds(5, on_timeout, NULL);
	g_main_loop_run(loop);
	done("eventdel", call(conn, "eventdel", g_variant_new("(s)", "gio")));

	g_main_loop_unref(loop);
	g_object_unref(conn);
	return ok && events == 2 ? 0 : 1;
}
