/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Import across two daemons on one bus:
 *
 *   HTTP client ─► B ──(user bus, org.afb.Link1)──► A (hello, flags)
 *   GDBus peers on a second bus ─► B's export of what it imported
 *
 * B imports hello and flags with --dbus-client and exports them again on
 * a second bus (the "system" one of this test, a private bus). Checked:
 * a missing owner, then its arrival; calls, failures (status and info
 * restored exactly), describe, per-client sessions and token checks,
 * events delivered to the right subscribers of B, and A restarting.
 */
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <json-c/json.h>
#include "dbust.h"

#define TOKEN "import-token"

static struct dbust_bus *ubus, *sbus;
static struct afbt_daemon *A, *B;
static GDBusConnection *q1, *q2, *watcher;
static struct dbust_events *ev1, *ev2;

static struct afbt_daemon *start_a(void)
{
	return afbt_daemon_start("--binding", afbt_binding("hello"), "--binding", afbt_test_binding("flags"),
				 "--dbus-server=hello", "--dbus-server=flags", NULL);
}

static struct afbt_resp *GET(struct afbt_client *c, const char *path)
{
	return afbt_get(B, c, "%s", path);
}

static void check_start_without_owner(void)
{
	ubus = dbust_bus_start(NULL, 0);
	sbus = dbust_bus_start(NULL, 1);
	B = afbt_daemon_start("--token", TOKEN, "--dbus-client=hello", "--dbus-client=user:flags",
			      "--dbus-server=system:*", NULL);
	watcher = dbust_connect(ubus);
	q1 = dbust_connect(sbus);
	q2 = dbust_connect(sbus);
	dbust_wait_name(q1, "org.afb.api.hello", 10000);
	CHECK(!dbust_has_owner(watcher, "org.afb.api.hello"));
	/* the imports were not exported back to the user bus */
	CHECK(!dbust_has_owner(watcher, "org.afb.api.flags"));
}

static void check_no_owner(void)
{
	struct afbt_resp *r = GET(NULL, "/api/hello/ping");

	CHECK_STR(afbt_status(r), "unavailable");
	CHECK_CONTAINS(afbt_info(r), "nobody owns org.afb.api.hello on the user bus");
}

static void check_owner_appears(void)
{
	struct afbt_resp *r;
	double end;

	A = start_a();
	dbust_wait_name(watcher, "org.afb.api.hello", 10000);
	end = afbt_now() + 5;
	do {
		r = GET(NULL, "/api/hello/ping");
	} while (strcmp(afbt_status(r) ?: "", "success") && afbt_now() < end && (afbt_msleep(20), 1));
	CHECK_REPLY(r, 200, "success");
	CHECK_STR(afbt_jstr(r, "response.ping"), "pong");
	CHECK_STR(afbt_info(r), "Ping Binder Daemon");
}

static void check_calls(void)
{
	struct afbt_resp *r;

	r = afbt_post_json(B, NULL, "{\"a\":[1,{\"b\":\"\\u00e9\"}],\"n\":null}", "/api/hello/echo");
	CHECK_REPLY(r, 200, "success");
	CHECK_STR(afbt_jstr(r, "response.a.1.b"), "\xc3\xa9");
	CHECK(!afbt_info(r));
	r = GET(NULL, "/api/hello/pingnull");
	CHECK_REPLY(r, 200, "success");
	CHECK(!afbt_json(r, "response"));
	r = GET(NULL, "/api/hello/timer?ms=200");
	CHECK_REPLY(r, 200, "success");
	CHECK_STR(afbt_info(r), "timer expired");
	r = GET(NULL, "/api/hello/callsync?api=hello&verb=ping");
	CHECK_REPLY(r, 200, "success");
	CHECK_STR(afbt_jstr(r, "response.result.response.ping"), "pong");
}

static void check_failures_exact(void)
{
	struct afbt_resp *r;

	r = GET(NULL, "/api/hello/pingfail");
	CHECK_STR(afbt_status(r), "failed");
	CHECK_STR(afbt_info(r), "Ping Binder Daemon fails");
	r = GET(NULL, afbt_fmt("/api/hello/fail?status=%s&info=%s", afbt_urlencode("odd-status.x_y:z"),
			       afbt_urlencode("l'info \"exacte\" \xc3\xa9 / 100%")));
	CHECK_STR(afbt_status(r), "odd-status.x_y:z");
	CHECK_STR(afbt_info(r), "l'info \"exacte\" \xc3\xa9 / 100%");
	/* no info stays no info, an empty info stays empty */
	r = GET(NULL, "/api/hello/fail?status=nothing");
	CHECK_STR(afbt_status(r), "nothing");
	CHECK(!afbt_info(r));
	r = GET(NULL, "/api/hello/fail?status=empty&info=");
	CHECK_STR(afbt_status(r), "empty");
	CHECK_STR(afbt_info(r), "");
	r = GET(NULL, "/api/hello/nosuchverb");
	CHECK_STR(afbt_status(r), "unknown-verb");
	CHECK_CONTAINS(afbt_info(r), "nosuchverb");
	r = GET(NULL, "/api/hello/noreply");
	CHECK_STR(afbt_status(r), "error");
	CHECK_STR(afbt_info(r), "no reply");
}

static void check_describe(void)
{
	const char *e, *m, *text;
	GVariant *v;
	struct json_object *desc;

	/* B's description of its import is A's */
	v = dbust_call_raw(q1, "org.afb.api.hello", "/org/afb/api/hello", "org.afb.Api1", "Describe", NULL, &e, &m);
	CHECK(v);
	g_variant_get(v, "(&s)", &text);
	desc = json_tokener_parse(text);
	CHECK(desc);
	CHECK_STR(json_object_get_string(afbt_jget(desc, "info.title")), "hello");
	CHECK(afbt_jget(afbt_jget(desc, "paths"), "/eventpush"));
	json_object_put(desc);
	/* and B's export of it has A's verbs as methods */
	CHECK_OK(dbust_call_verb(q1, "hello", "ping", "{}"));
}

static void check_sessions_per_client(void)
{
	struct afbt_client *c1 = afbt_client_new(), *c2 = afbt_client_new();
	struct afbt_resp *r;

	CHECK_REPLY(GET(c1, "/api/flags/ctxset?value=first"), 200, "success");
	CHECK_REPLY(GET(c2, "/api/flags/ctxset?value=second"), 200, "success");
	r = GET(c1, "/api/flags/ctxget");
	CHECK_STR(afbt_jstr(r, "response.value"), "first");
	r = GET(c2, "/api/flags/ctxget");
	CHECK_STR(afbt_jstr(r, "response.value"), "second");
	r = GET(afbt_client_new(), "/api/flags/ctxget");
	if (afbt_json(r, "response.value"))
		afbt_fail("a new client sees a context: %s", afbt_describe(r));
	/* the token is checked by B and its verdict honoured by A */
	r = GET(c1, "/api/flags/check");
	CHECK_STR(afbt_status(r), "denied");
	r = GET(c1, "/api/flags/check?token=" TOKEN);
	CHECK_REPLY(r, 200, "success");
	r = GET(c1, "/api/flags/setloa?level=1&token=" TOKEN);
	CHECK_EQ(json_object_get_int(afbt_json(r, "response.done")), 1);
	CHECK_REPLY(GET(c1, "/api/flags/loa_ge_1?token=" TOKEN), 200, "success");
	r = GET(c2, "/api/flags/loa_ge_1?token=" TOKEN);
	CHECK_STR(afbt_status(r), "denied");
}

static int push(GDBusConnection *c, const char *tag, const char *data)
{
	struct dbust_reply *r = dbust_call(c, "hello", "eventpush",
					   afbt_fmt("{\"tag\":\"%s\",\"data\":%s}", tag, data));

	CHECK_OK(r);
	return json_object_get_int(afbt_jget(r->json, "count"));
}

static void check_events_through_import(void)
{
	const char *data;

	ev1 = dbust_events_watch(q1);
	ev2 = dbust_events_watch(q2);
	CHECK_OK(dbust_call(q1, "hello", "eventadd", "{\"tag\":\"i1\",\"name\":\"imported\"}"));
	CHECK_OK(dbust_call(q1, "hello", "eventsub", "{\"tag\":\"i1\"}"));
	/* A pushes to B (one peer), B to its subscriber q1 only */
	CHECK_EQ(push(q2, "i1", "{\"via\":\"B\"}"), 1);
	CHECK(dbust_events_wait(ev1, "hello/imported", 3000, &data, NULL));
	CHECK_STR(data, "{\"via\":\"B\"}");
	CHECK_EQ(dbust_events_count(ev2, 300), 0);
	dbust_events_clear(ev1);
	/* a broadcast of A reaches every peer of B's bus, once */
	CHECK_OK(dbust_call(q2, "hello", "broadcast", "{\"name\":\"wide\",\"data\":7}"));
	CHECK(dbust_events_wait(ev1, "hello/wide", 3000, &data, NULL));
	CHECK_STR(data, "7");
	CHECK(dbust_events_wait(ev2, "hello/wide", 3000, NULL, NULL));
	CHECK_EQ(dbust_events_count(ev1, 300), 1);
	dbust_events_clear(ev1);
	dbust_events_clear(ev2);
	/* unsubscribe through the import */
	CHECK_OK(dbust_call(q1, "hello", "eventunsub", "{\"tag\":\"i1\"}"));
	push(q2, "i1", "0");
	CHECK_EQ(dbust_events_count(ev1, 300), 0);
}

/*
 * ---- a WebSocket client of B: afb-client --json --keep --sync (when built) ----
 * --sync: the daemon runs the calls of a connection concurrently; eventsub
 * must run after the eventadd written with it.
 */

struct wsc {
	GPid pid;
	int in, out;
	char buf[65536];
	size_t len;
};

static struct wsc *ws_start(struct afbt_daemon *d)
{
	const char *client = getenv("AFB_CLIENT");
	struct wsc *w = afbt_keep(calloc(1, sizeof *w), free);
	const char *argv[] = { client, "--json", "--keep", "--sync",
			       afbt_fmt("ws://127.0.0.1:%d/api?token=%s", d->port, TOKEN), NULL };
	GError *error = NULL;

	if (!g_spawn_async_with_pipes(NULL, (gchar **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &w->pid,
				      &w->in, &w->out, NULL, &error))
		afbt_fail("can't run %s: %s", client, error->message);
	return w;
}

static void ws_send(struct wsc *w, const char *line)
{
	size_t n = strlen(line);

	if (write(w->in, line, n) != (ssize_t)n)
		afbt_fail("write to afb-client: %m");
}

/* Counts the output lines containing 'what', reading for 'ms' at most or until 'want' are there. */
static int ws_count(struct wsc *w, const char *what, int want, long ms)
{
	double end = afbt_now() + ms / 1000.0;
	struct pollfd pfd = { .fd = w->out, .events = POLLIN };
	int count;
	ssize_t n;

	for (;;) {
		count = 0;
		w->buf[w->len] = 0;
		for (const char *p = w->buf; (p = strstr(p, what)); p += strlen(what))
			count++;
		if ((want && count >= want) || afbt_now() >= end)
			return count;
		if (poll(&pfd, 1, 20) > 0) {
			n = read(w->out, w->buf + w->len, sizeof w->buf - 1 - w->len);
			if (n > 0)
				w->len += (size_t)n;
		}
	}
}

static void ws_stop(struct wsc *w)
{
	close(w->in);
	kill(w->pid, SIGTERM);
	waitpid(w->pid, NULL, 0);
	close(w->out);
	g_spawn_close_pid(w->pid);
}

static void check_websocket_subscribers(void)
{
	struct wsc *w1, *w2;

	if (!getenv("AFB_CLIENT")) {
		afbt_note("no afb-client: WebSocket check skipped");
		return;
	}
	w1 = ws_start(B);
	w2 = ws_start(B);
	ws_send(w1, "hello eventadd {\"tag\":\"w\",\"name\":\"wsevent\"}\nhello eventsub {\"tag\":\"w\"}\n");
	ws_send(w2, "hello ping\n");
	CHECK_EQ(ws_count(w1, "[3,", 2, 5000), 2);
	CHECK_EQ(ws_count(w2, "[3,", 1, 5000), 1);
	/* pushed by A to B over D-Bus, by B to its WebSocket subscriber only */
	CHECK_EQ(push(q2, "w", "{\"to\":\"ws\"}"), 1);
	CHECK_EQ(ws_count(w1, "[5,\"hello/wsevent\"", 1, 3000), 1);
	CHECK_EQ(ws_count(w2, "[5,\"hello/wsevent\"", 0, 300), 0);
	/* A's broadcasts reach every WebSocket client of B */
	CHECK_OK(dbust_call(q2, "hello", "broadcast", "{\"name\":\"wsall\",\"data\":1}"));
	CHECK_EQ(ws_count(w1, "[5,\"hello/wsall\"", 1, 3000), 1);
	CHECK_EQ(ws_count(w2, "[5,\"hello/wsall\"", 1, 3000), 1);
	ws_stop(w1);
	ws_stop(w2);
	/* the D-Bus peers of B got the broadcast too */
	CHECK(dbust_events_wait(ev1, "hello/wsall", 3000, NULL, NULL));
	CHECK(dbust_events_wait(ev2, "hello/wsall", 3000, NULL, NULL));
	dbust_events_clear(ev1);
	dbust_events_clear(ev2);
}

/* The unique name of the process 'pid' on the bus of 'c'. */
static const char *unique_of(GDBusConnection *c, pid_t pid)
{
	const char *e, *m, *name;
	GVariant *names = dbust_call_raw(c, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
					 "ListNames", NULL, &e, &m), *v;
	GVariantIter *it;
	guint32 p;

	CHECK(names);
	g_variant_get(names, "(as)", &it);
	while (g_variant_iter_next(it, "&s", &name)) {
		if (name[0] != ':')
			continue;
		v = dbust_call_raw(c, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
				   "GetConnectionUnixProcessID", g_variant_new("(s)", name), &e, &m);
		if (v && (g_variant_get(v, "(u)", &p), p == (guint32)pid)) {
			name = afbt_strdup(name);
			g_variant_iter_free(it);
			return name;
		}
	}
	g_variant_iter_free(it);
	afbt_fail("no connection of pid %d", (int)pid);
}

static void check_forged_events_ignored(void)
{
	GDBusConnection *forger = dbust_connect(ubus);
	const char *b_name = unique_of(watcher, B->pid);

	CHECK_OK(dbust_call(q1, "hello", "eventsub", "{\"tag\":\"i1\"}"));
	/* a push addressed to B by a peer that does not own org.afb.api.hello: B ignores it */
	CHECK(g_dbus_connection_emit_signal(forger, b_name, "/org/afb/api/hello", "org.afb.Api1", "Event",
					    g_variant_new("(ss)", "hello/imported", "\"forged\""), NULL));
	/* and a forged subscription */
	CHECK(g_dbus_connection_emit_signal(forger, b_name, "/org/afb/api/hello", "org.afb.Link1", "Subscription",
					    g_variant_new("(tsb)", (guint64)1, "hello/forged", TRUE), NULL));
	g_dbus_connection_flush_sync(forger, NULL, NULL);
	CHECK_EQ(dbust_events_count(ev1, 400), 0);
	/* the genuine push still arrives */
	CHECK_EQ(push(q2, "i1", "\"genuine\""), 1);
	CHECK(dbust_events_wait(ev1, "hello/imported", 3000, NULL, NULL));
	dbust_events_clear(ev1);
	dbust_disconnect(forger);
	CHECK_OK(dbust_call(q1, "hello", "eventunsub", "{\"tag\":\"i1\"}"));
}

static void check_remote_restart(void)
{
	struct afbt_resp *r;
	double end;

	afbt_daemon_stop(A);
	end = afbt_now() + 5;
	do {
		r = GET(NULL, "/api/hello/ping");
	} while (!strcmp(afbt_status(r) ?: "", "success") && afbt_now() < end && (afbt_msleep(20), 1));
	CHECK_STR(afbt_status(r), "unavailable");
	A = start_a();
	end = afbt_now() + 5;
	do {
		r = GET(NULL, "/api/hello/ping");
	} while (strcmp(afbt_status(r) ?: "", "success") && afbt_now() < end && (afbt_msleep(20), 1));
	CHECK_REPLY(r, 200, "success");
}

static void check_stop(void)
{
	dbust_disconnect(q1);
	dbust_disconnect(q2);
	dbust_disconnect(watcher);
	afbt_daemon_stop(B);
	afbt_daemon_stop(A);
}

int main(int argc, char **argv)
{
	afbt_init(argc, argv);
	afbt_run("start-without-owner", check_start_without_owner);
	afbt_run("no-owner", check_no_owner);
	afbt_run("owner-appears", check_owner_appears);
	afbt_run("calls", check_calls);
	afbt_run("failures-exact", check_failures_exact);
	afbt_run("describe", check_describe);
	afbt_run("sessions-per-client", check_sessions_per_client);
	afbt_run("events-through-import", check_events_through_import);
	afbt_run("websocket-subscribers", check_websocket_subscribers);
	afbt_run("forged-events-ignored", check_forged_events_ignored);
	afbt_run("remote-restart", check_remote_restart);
	afbt_run("stop", check_stop);
	return afbt_done();
}
