/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Export: every sample verb of hello over D-Bus (Api1.Call and the per-api
 * methods), failures as D-Bus errors, asynchronous verbs, many calls in
 * flight from one connection, introspection
 * (busctl, gdbus, the interface file), properties, Describe, the
 * ObjectManager, and the tools busctl and dbus-send.
 */
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>
#include "dbust.h"

static void put_json(void *object)
{
	json_object_put(object);
}

static struct dbust_bus *bus;
static struct afbt_daemon *daemon_;
static GDBusConnection *peer;

#define HELLO "org.afb.api.hello"
#define HELLO_PATH "/org/afb/api/hello"

static void check_start(void)
{
	bus = dbust_bus_start(NULL, 0);
	/* -v: tictactoe logs its registered waits (check_tictactoe) */
	daemon_ = afbt_daemon_start("-v", "--binding", afbt_binding("hello"), "--binding", afbt_binding("tictactoe"),
				    "--binding", afbt_binding("post"), "--max-body", "65536", "--dbus-server=*", NULL);
	peer = dbust_connect(bus);
	dbust_wait_name(peer, HELLO, 10000);
	dbust_wait_name(peer, "org.afb.api.tictactoe", 10000);
	dbust_wait_name(peer, "org.afb.api.post", 10000);
}

static void check_ping(void)
{
	struct dbust_reply *r = dbust_call(peer, "hello", "ping", "{}");

	CHECK_OK(r);
	CHECK_STR(r->response, "{\"ping\":\"pong\"}");
	CHECK_STR(r->info, "Ping Binder Daemon");
	/* the same through the per-api method */
	r = dbust_call_verb(peer, "hello", "ping", "");
	CHECK_OK(r);
	CHECK_STR(r->response, "{\"ping\":\"pong\"}");
}

static void check_simple_verbs(void)
{
	struct dbust_reply *r;

	r = dbust_call_verb(peer, "hello", "pingnull", "{}");
	CHECK_OK(r);
	CHECK_STR(r->response, "null");
	CHECK_STR(r->info, "Ping Binder Daemon succeeds with NULL response");

	r = dbust_call_verb(peer, "hello", "pingJson", "{\"x\":[1,2,{\"y\":null}],\"s\":\"\\u00e9\"}");
	CHECK_OK(r);
	CHECK_STR(json_object_get_string(afbt_jget(r->json, "s")), "\xc3\xa9");
	CHECK_EQ(json_object_array_length(afbt_jget(r->json, "x")), 3);

	r = dbust_call(peer, "hello", "echo", "[1,\"two\",3.5]");
	CHECK_OK(r);
	CHECK_STR(r->response, "[1,\"two\",3.5]");
	CHECK_STR(r->info, "");

	r = dbust_call(peer, "hello", "echo", "");
	CHECK_OK(r);
	CHECK_STR(r->response, "{}");

	r = dbust_call_verb(peer, "hello", "doublereply", "{}");
	CHECK_OK(r);
	CHECK_STR(r->info, "first reply");

	r = dbust_call_verb(peer, "hello", "store", "{}");
	CHECK_OK(r);
	CHECK_STR(r->info, "replied from a stored request");

	r = dbust_call_verb(peer, "hello", "verbose", "{\"message\":\"from D-Bus\"}");
	CHECK_OK(r);
	CHECK(afbt_daemon_wait_log(daemon_, 2000, "verbose notice", "from D-Bus"));

	r = dbust_call_verb(peer, "hello", "hasperm", "{\"perm\":\"urn:x\"}");
	CHECK_OK(r);
	CHECK_STR(json_object_get_string(afbt_jget(r->json, "permission")), "urn:x");
}

static void check_failures(void)
{
	struct dbust_reply *r;

	r = dbust_call(peer, "hello", "pingfail", "{}");
	CHECK_ERROR(r, "org.afb.Error.failed");
	CHECK_STR(r->message, "Ping Binder Daemon fails");

	/* the status is escaped by the rule of docs/dbus.md, the info is the message */
	r = dbust_call_verb(peer, "hello", "fail", "{\"status\":\"bad-thing.x_y\",\"info\":\"it went wrong\"}");
	CHECK_ERROR(r, "org.afb.Error.bad_2dthing_2ex_5fy");
	CHECK_STR(r->message, "it went wrong");

	r = dbust_call(peer, "hello", "nosuchverb", "{}");
	CHECK_ERROR(r, "org.afb.Error.unknown_2dverb");
	CHECK_CONTAINS(r->message, "nosuchverb");

	r = dbust_call_verb(peer, "hello", "noreply", "{}");
	CHECK_ERROR(r, "org.afb.Error.error");
	CHECK_STR(r->message, "no reply");

	r = dbust_call_verb(peer, "hello", "nosuchmethod", "{}");
	CHECK_ERROR(r, "org.freedesktop.DBus.Error.UnknownMethod");

	r = dbust_call(peer, "hello", "ping", "{\"a\":");
	CHECK_ERROR(r, "org.freedesktop.DBus.Error.InvalidArgs");
	CHECK_CONTAINS(r->message, "not valid JSON");

	r = dbust_call(peer, "hello", "ping", "{} trailing");
	CHECK_ERROR(r, "org.freedesktop.DBus.Error.InvalidArgs");
}

static void check_limits(void)
{
	struct dbust_reply *r;
	char *big = afbt_keep(malloc(70000), free), *deep = afbt_keep(malloc(400), free);

	/* --max-body 65536 bounds args_json too */
	memset(big, ' ', 69999);
	big[0] = '[';
	big[69997] = ']';
	big[69999] = 0;
	r = dbust_call(peer, "hello", "echo", big);
	CHECK_ERROR(r, "org.freedesktop.DBus.Error.LimitsExceeded");

	memset(deep, '[', 100);
	memset(deep + 100, ']', 100);
	deep[200] = 0;
	r = dbust_call(peer, "hello", "echo", deep);
	CHECK_ERROR(r, "org.freedesktop.DBus.Error.InvalidArgs");
	CHECK_CONTAINS(r->message, "deeply");

	/* the daemon still serves */
	CHECK_OK(dbust_call(peer, "hello", "ping", "{}"));
}

/* async verbs reply later; a blocked worker does not block the other peers */
struct async_call {
	int done;
	GVariant *result;
	double at;
};

static void on_async(GObject *src, GAsyncResult *res, gpointer data)
{
	struct async_call *a = data;

	a->result = g_dbus_connection_call_finish(G_DBUS_CONNECTION(src), res, NULL);
	a->at = afbt_now();
	a->done = 1;
}

static void check_async(void)
{
	struct async_call slow = { 0 }, timer = { 0 };
	GDBusConnection *other = dbust_connect(bus);
	struct dbust_reply *r;
	double t0 = afbt_now(), t_ping;

	g_dbus_connection_call(peer, HELLO, HELLO_PATH, "org.afb.Api1", "Call",
			       g_variant_new("(ss)", "sleep", "{\"ms\":600}"), NULL, 0, 10000, NULL, on_async, &slow);
	g_dbus_connection_call(peer, HELLO, HELLO_PATH, "org.afb.Api1", "Call",
			       g_variant_new("(ss)", "timer", "{\"ms\":400}"), NULL, 0, 10000, NULL, on_async, &timer);
	dbust_pump(50);
	r = dbust_call(other, "hello", "ping", "{}");
	t_ping = afbt_now() - t0;
	CHECK_OK(r);
	/* answered before the sleep of 600 ms ends, even by a slow build */
	CHECK(t_ping < (afbt_slowness() > 1 ? 0.55 : 0.35));
	while ((!slow.done || !timer.done) && afbt_now() - t0 < 5)
		dbust_pump(10);
	CHECK(slow.result && timer.result);
	CHECK(timer.at < slow.at);
	CHECK(timer.at - t0 >= 0.39);
	g_variant_unref(slow.result);
	g_variant_unref(timer.result);
	dbust_disconnect(other);
}

/*
 * Many calls in flight from one connection: the daemon reads the bus in
 * batches (dbus-conn.c); each call gets its own reply, none is lost.
 */
#define MANY 300

struct many_call {
	GVariant *result;
	int done;
};

static void on_many(GObject *src, GAsyncResult *res, gpointer data)
{
	struct many_call *c = data;

	c->result = g_dbus_connection_call_finish(G_DBUS_CONNECTION(src), res, NULL);
	c->done = 1;
}

static void check_many_in_flight(void)
{
	static struct many_call calls[MANY];
	const char *response, *info;
	char args[32], expected[32];
	double t0 = afbt_now();
	int i, done = 0, right = 0;

	for (i = 0; i < MANY; i++) {
		snprintf(args, sizeof args, "{\"n\":%d}", i);
		g_dbus_connection_call(peer, HELLO, HELLO_PATH, "org.afb.Api1", "Call", g_variant_new("(ss)", "echo", args),
				       NULL, 0, 10000, NULL, on_many, &calls[i]);
	}
	while (done < MANY && afbt_now() - t0 < 10) {
		dbust_pump(10);
		for (done = i = 0; i < MANY; i++)
			done += calls[i].done;
	}
	CHECK_EQ(done, MANY);
	for (i = 0; i < MANY; i++) {
		if (!calls[i].result)
			continue;
		g_variant_get(calls[i].result, "(&s&s)", &response, &info);
		snprintf(expected, sizeof expected, "{\"n\":%d}", i);
		right += !strcmp(response, expected);
		g_variant_unref(calls[i].result);
	}
	CHECK_EQ(right, MANY);
	/* the daemon still serves */
	CHECK_OK(dbust_call(peer, "hello", "ping", "{}"));
}

static void check_subcalls(void)
{
	struct dbust_reply *r;

	r = dbust_call_verb(peer, "hello", "callsync", "{\"api\":\"tictactoe\",\"verb\":\"nosuch\"}");
	CHECK_ERROR(r, "org.afb.Error.failed");
	r = dbust_call_verb(peer, "hello", "call", "{\"api\":\"hello\",\"verb\":\"ping\"}");
	CHECK_OK(r);
	CHECK_STR(json_object_get_string(afbt_jget(r->json, "result.response.ping")), "pong");
	r = dbust_call_verb(peer, "hello", "callreq", "{\"api\":\"hello\",\"verb\":\"echo\",\"args\":{\"z\":1}}");
	CHECK_OK(r);
	CHECK_EQ(json_object_get_int(afbt_jget(r->json, "result.response.z")), 1);
}

/* the other sample bindings: tictactoe (sessions, broadcasts, a verb that waits) and post */
static void check_tictactoe(void)
{
	struct async_call waiting = { 0 };
	struct dbust_events *ev = dbust_events_watch(peer);
	struct dbust_reply *r;
	const char *data, *response;

	r = dbust_call_verb(peer, "tictactoe", "new", "{}");
	CHECK_OK(r);
	CHECK_STR(json_object_get_string(afbt_jget(r->json, "state")), "playing");
	CHECK(dbust_events_wait(ev, "tictactoe/new", 3000, NULL, NULL));
	CHECK_OK(dbust_call_verb(peer, "tictactoe", "level", "{\"level\":3}"));
	/* wait replies at the next change of the board */
	g_dbus_connection_call(peer, "org.afb.api.tictactoe", "/org/afb/api/tictactoe", "org.afb.api.tictactoe", "wait",
			       g_variant_new("(s)", "{}"), NULL, 0, 10000, NULL, on_async, &waiting);
	/* the move must come after the wait is registered: calls run concurrently */
	CHECK(afbt_daemon_wait_log(daemon_, 20000, "method 'wait' called", NULL));
	dbust_pump(10);
	CHECK(!waiting.done);
	r = dbust_call_verb(peer, "tictactoe", "move", "{\"index\":4}");
	CHECK_OK(r);
	CHECK_EQ(json_object_get_int(afbt_jget(r->json, "moves")), 1);
	while (!waiting.done)
		dbust_pump(10);
	CHECK(waiting.result);
	g_variant_get(waiting.result, "(&s&s)", &response, &data);
	CHECK_CONTAINS(response, "\"moves\":1");
	g_variant_unref(waiting.result);
	CHECK(dbust_events_wait(ev, "tictactoe/move", 3000, &data, NULL));
	CHECK_CONTAINS(data, "\"moves\":1");
	CHECK_OK(dbust_call_verb(peer, "tictactoe", "play", "{}"));
	CHECK_ERROR(dbust_call_verb(peer, "tictactoe", "move", "{\"index\":4}"), "org.afb.Error.error");
	CHECK_OK(dbust_call_verb(peer, "tictactoe", "undo", "{}"));
	r = dbust_call_verb(peer, "tictactoe", "board", "{}");
	CHECK_OK(r);
	CHECK_EQ(json_object_get_int(afbt_jget(r->json, "moves")), 1);
	CHECK_EQ(json_object_get_int(afbt_jget(r->json, "level")), 3);
	/* join needs a validated session: the peer (our uid) is trusted */
	r = dbust_call_verb(peer, "tictactoe", "join", "{\"boardid\":999999}");
	CHECK_ERROR(r, "org.afb.Error.error");
	CHECK_CONTAINS(r->message, "not found");
	/* another peer has another session, so another board */
	GDBusConnection *other = dbust_connect(bus);
	r = dbust_call_verb(other, "tictactoe", "board", "{}");
	CHECK_OK(r);
	CHECK_EQ(json_object_get_int(afbt_jget(r->json, "moves")), 0);
	dbust_disconnect(other);
}

static void check_post(void)
{
	struct dbust_reply *r;

	r = dbust_call_verb(peer, "post", "json", "{\"\":\"{\\\"x\\\":[1,2]}\"}");
	CHECK_OK(r);
	CHECK_STR(r->response, "{\"received\":{\"x\":[1,2]},\"length\":11}");
	/* a D-Bus peer can't pass a file of the daemon's host as an upload */
	r = dbust_call_verb(peer, "post", "upload", "{\"f\":{\"file\":\"passwd\",\"path\":\"/etc/passwd\"}}");
	CHECK_OK(r);
	CHECK_EQ(json_object_array_length(afbt_jget(r->json, "files")), 0);
	CHECK_NOT_CONTAINS(r->response, "fnv1a64");
}

static void check_describe(void)
{
	const char *e, *m, *text;
	struct json_object *desc;
	GVariant *v = dbust_call_raw(peer, HELLO, HELLO_PATH, "org.afb.Api1", "Describe", NULL, &e, &m);

	CHECK(v);
	g_variant_get(v, "(&s)", &text);
	desc = afbt_keep(json_tokener_parse(text), put_json);
	CHECK(desc);
	CHECK_STR(json_object_get_string(afbt_jget(desc, "info.title")), "hello");
	CHECK(afbt_jget(afbt_jget(desc, "paths"), "/ping"));
}

static void check_properties(void)
{
	const char *e, *m, *name, *info;
	GVariant *v, *all, *verbs;
	int found = 0;

	v = dbust_call_raw(peer, HELLO, HELLO_PATH, "org.freedesktop.DBus.Properties", "GetAll",
			   g_variant_new("(s)", "org.afb.Api1"), &e, &m);
	CHECK(v);
	all = g_variant_get_child_value(v, 0);
	CHECK(g_variant_lookup(all, "Name", "&s", &name));
	CHECK_STR(name, "hello");
	CHECK(g_variant_lookup(all, "Info", "&s", &info));
	CHECK_STR(info, "Sample binding exercising the binding API v1");
	verbs = g_variant_lookup_value(all, "Verbs", G_VARIANT_TYPE("as"));
	CHECK(verbs);
	for (gsize i = 0; i < g_variant_n_children(verbs); i++) {
		const char *verb;
		g_variant_get_child(verbs, i, "&s", &verb);
		found += !strcmp(verb, "ping") || !strcmp(verb, "eventpush") || !strcmp(verb, "callsync");
	}
	CHECK_EQ(found, 3);
	g_variant_unref(verbs);
	g_variant_unref(all);
}

static void check_object_manager(void)
{
	const char *e, *m, *out;
	GVariant *v = dbust_call_raw(peer, HELLO, "/org/afb", "org.freedesktop.DBus.ObjectManager",
				     "GetManagedObjects", NULL, &e, &m);
	GVariant *objects, *itfs;
	int status;

	CHECK(v);
	objects = g_variant_get_child_value(v, 0);
	itfs = g_variant_lookup_value(objects, HELLO_PATH, NULL);
	CHECK(itfs);
	CHECK(g_variant_lookup_value(itfs, "org.afb.Api1", NULL));
	CHECK(g_variant_lookup_value(itfs, "org.afb.api.hello", NULL));
	CHECK(g_variant_lookup_value(objects, "/org/afb/api/tictactoe", NULL));
	g_variant_unref(itfs);
	g_variant_unref(objects);

	out = dbust_run(&status, "busctl", "--user", "--no-pager", "tree", HELLO, NULL);
	CHECK_EQ(status, 0);
	CHECK_CONTAINS(out, "/org/afb/api/hello");
	CHECK_CONTAINS(out, "/org/afb/api/tictactoe");
}

static void check_introspection_tools(void)
{
	const char *out;
	int status;

	out = dbust_run(&status, "busctl", "--user", "--no-pager", "introspect", HELLO, HELLO_PATH, NULL);
	CHECK_EQ(status, 0);
	CHECK_CONTAINS(out, "org.afb.Api1");
	CHECK_CONTAINS(out, ".Call ");
	CHECK_CONTAINS(out, "org.afb.api.hello");
	CHECK_CONTAINS(out, ".ping ");
	CHECK_CONTAINS(out, ".eventsub ");
	CHECK_CONTAINS(out, ".pingJson ");

	out = dbust_run(&status, "gdbus", "introspect", "--session", "--dest", HELLO, "--object-path", HELLO_PATH, NULL);
	CHECK_EQ(status, 0);
	CHECK_CONTAINS(out, "interface org.afb.api.hello");
	CHECK_CONTAINS(out, "ping(in  s args_json,");
	CHECK_CONTAINS(out, "out s response_json,");
	CHECK_CONTAINS(out, "Event(s name,");
}

static void check_tools_call(void)
{
	const char *out;
	int status;

	out = dbust_run(&status, "busctl", "--user", "call", HELLO, HELLO_PATH, "org.afb.Api1", "Call", "ss",
			"ping", "{}", NULL);
	CHECK_EQ(status, 0);
	CHECK_STR(out, "ss \"{\\\"ping\\\":\\\"pong\\\"}\" \"Ping Binder Daemon\"\n");

	out = dbust_run(&status, "busctl", "--user", "call", HELLO, HELLO_PATH, "org.afb.api.hello", "pingfail",
			"s", "{}", NULL);
	CHECK(status != 0);

	out = dbust_run(&status, "dbus-send", "--session", "--print-reply", "--dest=" HELLO, HELLO_PATH,
			"org.afb.api.hello.echo", "string:{\"a\":1}", NULL);
	CHECK_EQ(status, 0);
	CHECK_CONTAINS(out, "string \"{\"a\":1}\"");

	out = dbust_run(&status, "gdbus", "call", "--session", "--dest", HELLO, "--object-path", HELLO_PATH,
			"--method", "org.afb.Api1.Call", "ping", "{}", NULL);
	CHECK_EQ(status, 0);
	CHECK_CONTAINS(out, "Ping Binder Daemon");
}

static void check_interface_files(void)
{
	static const char *const names[] = { "org.afb.Api1", "org.afb.Link1", "org.afb.Typed1" };
	const char *e, *m, *xml;
	GDBusNodeInfo *served, *file;
	GError *error = NULL;
	GVariant *v;

	v = dbust_call_raw(peer, HELLO, HELLO_PATH, "org.freedesktop.DBus.Introspectable", "Introspect", NULL, &e, &m);
	CHECK(v);
	g_variant_get(v, "(&s)", &xml);
	served = g_dbus_node_info_new_for_xml(xml, &error);
	CHECK(served);
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		const char *path = dbust_source(afbt_fmt("interfaces/%s.xml", names[i]));
		const char *text = afbt_read_file(path, NULL);

		if (!text)
			afbt_fail("can't read %s", path);
		file = g_dbus_node_info_new_for_xml(text, &error);
		if (!file)
			afbt_fail("%s: %s", path, error->message);
		CHECK(g_dbus_node_info_lookup_interface(file, names[i]));
		dbust_compare_interface(g_dbus_node_info_lookup_interface(file, names[i]),
				  g_dbus_node_info_lookup_interface(served, names[i]));
		g_dbus_node_info_unref(file);
	}
	g_dbus_node_info_unref(served);
}

static void check_stop(void)
{
	dbust_disconnect(peer);
	afbt_daemon_stop(daemon_);
}

int main(int argc, char **argv)
{
	afbt_init(argc, argv);
	afbt_run("start", check_start);
	afbt_run("ping", check_ping);
	afbt_run("simple-verbs", check_simple_verbs);
	afbt_run("failures", check_failures);
	afbt_run("limits", check_limits);
	afbt_run("async", check_async);
	afbt_run("many-in-flight", check_many_in_flight);
	afbt_run("subcalls", check_subcalls);
	afbt_run("tictactoe", check_tictactoe);
	afbt_run("post", check_post);
	afbt_run("describe", check_describe);
	afbt_run("properties", check_properties);
	afbt_run("object-manager", check_object_manager);
	afbt_run("introspection-tools", check_introspection_tools);
	afbt_run("tools-call", check_tools_call);
	afbt_run("interface-files", check_interface_files);
	afbt_run("stop", check_stop);
	return afbt_done();
}
