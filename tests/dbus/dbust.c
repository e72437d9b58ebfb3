/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dbust: private buses, GDBus clients and tools for the D-Bus tests.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <json-c/json.h>

#include "dbust.h"

/*
 * GLib keeps global allocations until exit (type system, GDBus worker):
 * the leak checks of the sanitized build are for the daemons and for the
 * harness, not for GLib's internals.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libglib-2.0.so\nleak:libgobject-2.0.so\nleak:libgio-2.0.so\n";
}

static void put_json(void *object)
{
	json_object_put(object);
}

/* ------------------------------------------------------------- buses */

#define MAX_BUSES 8
static pid_t bus_pids[MAX_BUSES];

static void kill_buses(void)
{
	for (int i = 0; i < MAX_BUSES; i++)
		if (bus_pids[i] > 0) {
			kill(bus_pids[i], SIGKILL);
			waitpid(bus_pids[i], NULL, 0);
			bus_pids[i] = 0;
		}
}

struct dbust_bus *dbust_bus_start(const char *config, int system)
{
	static int registered;
	struct dbust_bus *bus = afbt_keep(calloc(1, sizeof *bus), free);
	char buf[512], *nl;
	int fds[2], slot;
	pid_t parent = getpid();
	ssize_t n, got = 0;

	if (!registered) {
		/* and PR_SET_PDEATHSIG when the test dies */
		registered = 1;
		atexit(kill_buses);
	}
	for (slot = 0; slot < MAX_BUSES && bus_pids[slot]; slot++)
		;
	if (slot == MAX_BUSES)
		afbt_fail("too many buses");
	if (pipe2(fds, O_CLOEXEC) < 0)
		afbt_fail("pipe: %m");
	fflush(stdout);
	fflush(stderr);
	bus->pid = fork();
	if (bus->pid < 0)
		afbt_fail("fork: %m");
	if (!bus->pid) {
		char fdarg[32], cfg[4096];
		int devnull = open("/dev/null", O_RDWR);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		dup2(fds[1], 3);
		snprintf(fdarg, sizeof fdarg, "--print-address=3");
		if (devnull >= 0) {
			dup2(devnull, 0);
			dup2(devnull, 1);
		}
		if (config)
			snprintf(cfg, sizeof cfg, "--config-file=%s", config);
		execlp("dbus-daemon", "dbus-daemon", config ? cfg : "--session", "--nofork", "--nopidfile",
		       fdarg, (char *)NULL);
		dprintf(2, "dbust: can't run dbus-daemon: %m\n");
		_exit(127);
	}
	bus_pids[slot] = bus->pid;
	close(fds[1]);
	while (got < (ssize_t)sizeof buf - 1 && !memchr(buf, '\n', (size_t)got)) {
		n = read(fds[0], buf + got, sizeof buf - 1 - (size_t)got);
		if (n <= 0)
			break;
		got += n;
	}
	close(fds[0]);
	buf[got] = 0;
	nl = strchr(buf, '\n');
	if (!nl)
		afbt_fail("dbus-daemon gave no address (%s)", config ? config : "--session");
	*nl = 0;
	bus->address = afbt_strdup(buf);
	setenv(system ? "DBUS_SYSTEM_BUS_ADDRESS" : "DBUS_SESSION_BUS_ADDRESS", bus->address, 1);
	afbt_note("private %s bus at %s (pid %d)", system ? "system-type" : "session", bus->address, (int)bus->pid);
	return bus;
}

const char *dbust_open_session_config(void)
{
	const char *path = afbt_fmt("%s/session-any-uid.conf", afbt_tempdir());
	const char *text =
		"<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
		" \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
		"<busconfig>\n"
		"  <type>session</type>\n"
		"  <listen>unix:tmpdir=/tmp</listen>\n"
		"  <auth>EXTERNAL</auth>\n"
		"  <policy context=\"default\">\n"
		"    <allow user=\"*\"/>\n"
		"    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
		"    <allow eavesdrop=\"true\"/>\n"
		"    <allow own=\"*\"/>\n"
		"  </policy>\n"
		"</busconfig>\n";

	afbt_write_file(path, text, strlen(text));
	return path;
}

/* ------------------------------------------------------------- clients */

GDBusConnection *dbust_connect(struct dbust_bus *bus)
{
	GError *error = NULL;
	GDBusConnection *conn = g_dbus_connection_new_for_address_sync(bus->address,
		G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
		NULL, NULL, &error);

	if (!conn)
		afbt_fail("can't connect to %s: %s", bus->address, error->message);
	g_dbus_connection_set_exit_on_close(conn, FALSE);
	return conn;
}

void dbust_disconnect(GDBusConnection *conn)
{
	g_dbus_connection_close_sync(conn, NULL, NULL);
	g_object_unref(conn);
}

const char *dbust_unique(GDBusConnection *conn)
{
	return g_dbus_connection_get_unique_name(conn);
}

int dbust_has_owner(GDBusConnection *conn, const char *name)
{
	GVariant *r = g_dbus_connection_call_sync(conn, "org.freedesktop.DBus", "/org/freedesktop/DBus",
		"org.freedesktop.DBus", "NameHasOwner", g_variant_new("(s)", name), G_VARIANT_TYPE("(b)"),
		G_DBUS_CALL_FLAGS_NONE, 5000, NULL, NULL);
	gboolean has = FALSE;

	if (r) {
		g_variant_get(r, "(b)", &has);
		g_variant_unref(r);
	}
	return has;
}

void dbust_wait_name(GDBusConnection *conn, const char *name, long timeout_ms)
{
	double end = afbt_now() + timeout_ms / 1000.0;

	while (!dbust_has_owner(conn, name)) {
		if (afbt_now() > end)
			afbt_fail("%s has no owner after %ld ms", name, timeout_ms);
		afbt_msleep(10);
	}
}

/* ------------------------------------------------------------- calls */

static char *escape(const char *s)
{
	static const char hex[] = "0123456789abcdef";
	char *r = malloc(strlen(s) * 3 + 2), *t = r;

	if (!*s)
		*t++ = '_';
	for (const char *p = s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (p > s && *p >= '0' && *p <= '9')) {
			*t++ = *p;
		} else {
			*t++ = '_';
			*t++ = hex[(unsigned char)*p >> 4];
			*t++ = hex[(unsigned char)*p & 15];
		}
	}
	*t = 0;
	return afbt_keep(r, free);
}

GVariant *dbust_call_raw(GDBusConnection *conn, const char *dest, const char *path, const char *itf,
			 const char *member, GVariant *params, const char **errname, const char **message)
{
	GError *error = NULL;
	GVariant *r = g_dbus_connection_call_sync(conn, dest, path, itf, member, params, NULL,
						  G_DBUS_CALL_FLAGS_NO_AUTO_START, 30000, NULL, &error);
	char *name;

	*errname = *message = NULL;
	if (!r) {
		name = g_dbus_error_get_remote_error(error);
		*errname = afbt_strdup(name ? name : "(local error)");
		g_free(name);
		g_dbus_error_strip_remote_error(error);
		*message = afbt_strdup(error->message);
		g_error_free(error);
		return NULL;
	}
	return afbt_keep(r, (void (*)(void *))g_variant_unref);
}

static struct dbust_reply *to_reply(GVariant *r, const char *errname, const char *message)
{
	struct dbust_reply *reply = afbt_keep(calloc(1, sizeof *reply), free);
	const char *response, *info;

	if (!r) {
		reply->error = errname;
		reply->message = message;
		return reply;
	}
	if (!g_variant_is_of_type(r, G_VARIANT_TYPE("(ss)")))
		afbt_fail("reply of type %s", g_variant_get_type_string(r));
	g_variant_get(r, "(&s&s)", &response, &info);
	reply->ok = 1;
	reply->response = afbt_strdup(response);
	reply->info = afbt_strdup(info);
	reply->json = afbt_keep(json_tokener_parse(response), put_json);
	return reply;
}

struct dbust_reply *dbust_call(GDBusConnection *conn, const char *api, const char *verb, const char *args)
{
	const char *e, *m;
	const char *label = escape(api);
	GVariant *r = dbust_call_raw(conn, afbt_fmt("org.afb.api.%s", label), afbt_fmt("/org/afb/api/%s", label),
				     "org.afb.Api1", "Call", g_variant_new("(ss)", verb, args), &e, &m);

	return to_reply(r, e, m);
}

struct dbust_reply *dbust_call_verb(GDBusConnection *conn, const char *api, const char *member, const char *args)
{
	const char *e, *m;
	const char *label = escape(api);
	GVariant *r = dbust_call_raw(conn, afbt_fmt("org.afb.api.%s", label), afbt_fmt("/org/afb/api/%s", label),
				     afbt_fmt("org.afb.api.%s", label), member, g_variant_new("(s)", args), &e, &m);

	return to_reply(r, e, m);
}

/* ------------------------------------------------------------- events */

struct event {
	struct event *next;
	char *name, *data, *path;
};

struct dbust_events {
	struct event *head, **tail;
	int count;
};

static void on_event(GDBusConnection *conn, const char *sender, const char *path, const char *itf,
		     const char *member, GVariant *params, gpointer userdata)
{
	struct dbust_events *ev = userdata;
	struct event *e = calloc(1, sizeof *e);
	const char *name, *data;

	g_variant_get(params, "(&s&s)", &name, &data);
	e->name = strdup(name);
	e->data = strdup(data);
	e->path = strdup(path);
	*ev->tail = e;
	ev->tail = &e->next;
	ev->count++;
}

static void events_free(void *p)
{
	struct dbust_events *ev = p;
	struct event *e;

	while ((e = ev->head)) {
		ev->head = e->next;
		free(e->name);
		free(e->data);
		free(e->path);
		free(e);
	}
	free(ev);
}

struct dbust_events *dbust_events_watch(GDBusConnection *conn)
{
	struct dbust_events *ev = afbt_keep(calloc(1, sizeof *ev), events_free);

	ev->tail = &ev->head;
	g_dbus_connection_signal_subscribe(conn, NULL, "org.afb.Api1", "Event", NULL, NULL,
					   G_DBUS_SIGNAL_FLAGS_NONE, on_event, ev, NULL);
	return ev;
}

void dbust_pump(long ms)
{
	double end = afbt_now() + ms / 1000.0;

	do {
		while (g_main_context_iteration(NULL, FALSE))
			;
		afbt_msleep(2);
	} while (afbt_now() < end);
}

int dbust_events_wait(struct dbust_events *ev, const char *name, long timeout_ms, const char **data,
		      const char **path)
{
	double end = afbt_now() + timeout_ms / 1000.0;

	for (;;) {
		while (g_main_context_iteration(NULL, FALSE))
			;
		for (struct event *e = ev->head; e; e = e->next)
			if (!strcmp(e->name, name)) {
				if (data)
					*data = afbt_strdup(e->data);
				if (path)
					*path = afbt_strdup(e->path);
				return 1;
			}
		if (afbt_now() >= end)
			return 0;
		afbt_msleep(2);
	}
}

int dbust_events_count(struct dbust_events *ev, long ms)
{
	dbust_pump(ms);
	return ev->count;
}

void dbust_events_clear(struct dbust_events *ev)
{
	struct event *e;

	while ((e = ev->head)) {
		ev->head = e->next;
		free(e->name);
		free(e->data);
		free(e->path);
		free(e);
	}
	ev->tail = &ev->head;
	ev->count = 0;
}

/* ------------------------------------------------------------- introspection */

void dbust_compare_interface(GDBusInterfaceInfo *want, GDBusInterfaceInfo *got)
{
	int n;

	CHECK(got);
	for (n = 0; want->methods && want->methods[n]; n++) {
		GDBusMethodInfo *w = want->methods[n], *g = g_dbus_interface_info_lookup_method(got, w->name);
		if (!g)
			afbt_fail("%s.%s: not served", want->name, w->name);
		for (int i = 0; w->in_args && w->in_args[i]; i++) {
			CHECK(g->in_args && g->in_args[i]);
			CHECK_STR(g->in_args[i]->name, w->in_args[i]->name);
			CHECK_STR(g->in_args[i]->signature, w->in_args[i]->signature);
		}
		for (int i = 0; w->out_args && w->out_args[i]; i++) {
			CHECK(g->out_args && g->out_args[i]);
			CHECK_STR(g->out_args[i]->name, w->out_args[i]->name);
			CHECK_STR(g->out_args[i]->signature, w->out_args[i]->signature);
		}
	}
	for (int i = 0; got->methods && got->methods[i]; i++)
		if (!g_dbus_interface_info_lookup_method(want, got->methods[i]->name))
			afbt_fail("%s.%s: served but not in the interface file", want->name, got->methods[i]->name);
	for (n = 0; want->signals && want->signals[n]; n++) {
		GDBusSignalInfo *w = want->signals[n], *g = g_dbus_interface_info_lookup_signal(got, w->name);
		if (!g)
			afbt_fail("%s.%s: signal not declared by the daemon", want->name, w->name);
		for (int i = 0; w->args && w->args[i]; i++) {
			CHECK(g->args && g->args[i]);
			CHECK_STR(g->args[i]->name, w->args[i]->name);
			CHECK_STR(g->args[i]->signature, w->args[i]->signature);
		}
	}
	for (int i = 0; got->signals && got->signals[i]; i++)
		CHECK(g_dbus_interface_info_lookup_signal(want, got->signals[i]->name));
	for (n = 0; want->properties && want->properties[n]; n++) {
		GDBusPropertyInfo *w = want->properties[n], *g = g_dbus_interface_info_lookup_property(got, w->name);
		if (!g)
			afbt_fail("%s.%s: property not served", want->name, w->name);
		CHECK_STR(g->signature, w->signature);
		CHECK_EQ(g->flags, w->flags);
	}
	for (int i = 0; got->properties && got->properties[i]; i++)
		CHECK(g_dbus_interface_info_lookup_property(want, got->properties[i]->name));
}

/* ------------------------------------------------------------- tools */

const char *dbust_runv(int *status, const char *const *argv)
{
	gchar *out = NULL, *err = NULL;
	GError *error = NULL;
	gint wstatus = 0;

	if (!g_spawn_sync(NULL, (gchar **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &wstatus, &error))
		afbt_fail("can't run %s: %s", argv[0], error->message);
	if (status)
		*status = wstatus;
	if (err && *err)
		afbt_note("%s: stderr: %s", argv[0], err);
	g_free(err);
	return afbt_keep(out, g_free);
}

const char *dbust_run(int *status, const char *arg, ...)
{
	const char *argv[64];
	va_list ap;
	int n = 0;

	va_start(ap, arg);
	for (const char *a = arg; a && n < 63; a = va_arg(ap, const char *))
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	return dbust_runv(status, argv);
}

const char *dbust_source(const char *rel)
{
	const char *root = getenv("AFB_SOURCE_ROOT");

	if (!root)
		afbt_fail("AFB_SOURCE_ROOT is not set");
	return afbt_fmt("%s/%s", root, rel);
}
