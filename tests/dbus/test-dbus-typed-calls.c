/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The typed interfaces over a real bus (docs/dbus.md, "Typed interfaces"):
 *  - the tools: busctl, gdbus, dbus-send, and a Python client (python3-dbus,
 *    libdbus: a D-Bus implementation of its own) call typed methods;
 *  - precise signatures of the test binding typed (named arguments, options
 *    and extra dictionaries), its response that does not match its schema,
 *    nesting and size limits, values refused;
 *  - typed events: declared signals, the generic Typed1.Event, pushes only
 *    to the peer that subscribed (and in the flavour of its call), broadcasts
 *    in both flavours;
 *  - a property test through the bus: generated JSON values encoded in
 *    GVariant by this test (the mapping implemented again, with GLib) come
 *    back unchanged from hello/echo, directly and through a binder that
 *    imports hello (--dbus-client) and exports it on another bus.
 */
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>
#include "dbust.h"
#include "jgen.h"

/* a value in hello/echo: (s verb, v args) where args is {"v": value}: 3 containers above its variant */
#define DBUS_TYPED_NESTING_FOR_ECHO (64 - 3)

#define HELLO "org.afb.api.hello"
#define HELLO_PATH "/org/afb/api/hello"
#define TYPED "org.afb.api.typed"
#define TYPED_PATH "/org/afb/api/typed"

static struct dbust_bus *ubus, *sbus;
static struct afbt_daemon *A, *B;
static GDBusConnection *peer, *other, *spy, *speer;

static void put_json(void *p)
{
	json_object_put(p);
}

static void put_variant(void *p)
{
	g_variant_unref(p);
}

static struct json_object *keep(struct json_object *o)
{
	return o ? afbt_keep(o, put_json) : NULL;
}

/* the typed interface 'itf' of 'dest' on 'conn' has the method 'member' */
static int has_method(GDBusConnection *conn, const char *dest, const char *path, const char *itf, const char *member)
{
	const char *e, *m, *xml;
	GDBusNodeInfo *node;
	GDBusInterfaceInfo *info;
	GVariant *v = dbust_call_raw(conn, dest, path, "org.freedesktop.DBus.Introspectable", "Introspect", NULL, &e, &m);
	int found = 0;

	if (!v)
		return 0;
	g_variant_get(v, "(&s)", &xml);
	node = g_dbus_node_info_new_for_xml(xml, NULL);
	info = node ? g_dbus_node_info_lookup_interface(node, itf) : NULL;
	found = info && g_dbus_interface_info_lookup_method(info, member);
	if (node)
		g_dbus_node_info_unref(node);
	return found;
}

static void check_start(void)
{
	ubus = dbust_bus_start(dbust_open_session_config(), 0);
	sbus = dbust_bus_start(dbust_open_session_config(), 1);
	A = afbt_daemon_start("--binding", afbt_binding("hello"), "--binding", afbt_test_binding("typed"),
			      "--max-body", "65536", "--dbus-server=*", NULL);
	peer = dbust_connect(ubus);
	other = dbust_connect(ubus);
	spy = dbust_connect(ubus);
	dbust_wait_name(peer, HELLO, 10000);
	dbust_wait_name(peer, TYPED, 10000);
	/* B imports hello and typed from the user bus and exports them on the "system" one */
	B = afbt_daemon_start("--dbus-client=hello", "--dbus-client=typed", "--dbus-server=system:*", NULL);
	speer = dbust_connect(sbus);
	dbust_wait_name(speer, HELLO, 10000);
	dbust_wait_name(speer, TYPED, 10000);
	/* the verbs of an import appear with its description, once its remote is reached */
	for (double end = afbt_now() + 10; !has_method(speer, TYPED, TYPED_PATH, "org.afb.typed.typed", "point");) {
		if (afbt_now() > end)
			afbt_fail("the typed interface of B's import has no verbs");
		afbt_msleep(20);
	}
}

/* ------------------------------------------------------------ tools */

static void check_busctl(void)
{
	const char *out;
	int status;

	out = dbust_run(&status, "busctl", "--user", "call", HELLO, HELLO_PATH, "org.afb.typed.hello", "ping", NULL);
	CHECK_EQ(status, 0);
	CHECK_STR(out, "ss \"pong\" \"Ping Binder Daemon\"\n");
	/* the command of the issue */
	out = dbust_run(&status, "busctl", "--user", "call", HELLO, HELLO_PATH, "org.afb.typed.hello", "echo",
			"a{sv}", "1", "text", "s", "hi", NULL);
	CHECK_EQ(status, 0);
	CHECK_STR(out, "vs a{sv} 1 \"text\" s \"hi\" \"\"\n");
	out = dbust_run(&status, "busctl", "--user", "call", HELLO, HELLO_PATH, "org.afb.typed.hello", "timer",
			"a{sv}", "1", "ms", "x", "10", NULL);
	CHECK_EQ(status, 0);
	CHECK(!strncmp(out, "xxs 10 ", 7));
	out = dbust_run(&status, "busctl", "--user", "call", HELLO, HELLO_PATH, "org.afb.Typed1", "Call", "sv", "echo",
			"a{sv}", "2", "n", "x", "1", "list", "v", "av", "2", "d", "2.5", "o", "/", NULL);
	CHECK_EQ(status, 0);
	CHECK_STR(out, "vs a{sv} 2 \"n\" x 1 \"list\" av 2 d 2.5 o \"/\" \"\"\n");
	out = dbust_run(&status, "busctl", "--user", "call", HELLO, HELLO_PATH, "org.afb.typed.hello", "pingfail", NULL);
	CHECK(status != 0);
	/* introspection: types and arguments */
	out = dbust_run(&status, "busctl", "--user", "--no-pager", "introspect", HELLO, HELLO_PATH, "org.afb.typed.hello",
			NULL);
	CHECK_EQ(status, 0);
	CHECK(afbt_find_line(out, ".eventadd ", "method    ss        vs"));
	CHECK(afbt_find_line(out, ".ping ", "method    -         ss"));
	CHECK(afbt_find_line(out, ".timer ", "method    a{sv}     xxs"));
	out = dbust_run(&status, "busctl", "--user", "--no-pager", "introspect", TYPED, TYPED_PATH, "org.afb.typed.typed",
			NULL);
	CHECK(afbt_find_line(out, ".point ", "method    xxa{sv}   xxda{sv}s"));
	CHECK(afbt_find_line(out, ".moved ", "signal    xx"));
	CHECK(afbt_find_line(out, ".tick ", "signal    x"));
}

static void check_gdbus(void)
{
	const char *out;
	int status;

	out = dbust_run(&status, "gdbus", "call", "--session", "--dest", HELLO, "--object-path", HELLO_PATH, "--method",
			"org.afb.Typed1.Call", "echo", "<{\"a\": <[<1.5>, <\"x\">, <objectpath \"/\">]>}>", NULL);
	CHECK_EQ(status, 0);
	CHECK_STR(out, "(<{'a': <[<1.5>, <'x'>, <objectpath '/'>]>}>, '')\n");
	out = dbust_run(&status, "gdbus", "call", "--session", "--dest", TYPED, "--object-path", TYPED_PATH, "--method",
			"org.afb.typed.typed.point", "3", "int64 -4", "{\"label\": <\"p\">}", NULL);
	CHECK_EQ(status, 0);
	CHECK_STR(out, "(int64 3, int64 -4, 7.0, {'label': <'p'>}, 'a point')\n");
	out = dbust_run(&status, "gdbus", "introspect", "--session", "--dest", HELLO, "--object-path", HELLO_PATH, NULL);
	CHECK_EQ(status, 0);
	CHECK_CONTAINS(out, "interface org.afb.typed.hello");
	CHECK_CONTAINS(out, "eventadd(in  s tag,\n               in  s name,\n               out v response,");
	CHECK_CONTAINS(out, "hasperm(in  s perm,\n              out s permission,\n              out b granted,");
	CHECK_CONTAINS(out, "interface org.afb.Typed1");
}

static void check_dbus_send(void)
{
	const char *out;
	int status;

	out = dbust_run(&status, "dbus-send", "--session", "--print-reply", "--dest=" HELLO, HELLO_PATH,
			"org.afb.typed.hello.hasperm", "string:urn:x", NULL);
	CHECK_EQ(status, 0);
	CHECK_CONTAINS(out, "string \"urn:x\"\n   boolean true\n   string \"\"");
	out = dbust_run(&status, "dbus-send", "--session", "--print-reply", "--dest=" HELLO, HELLO_PATH,
			"org.afb.Typed1.Call", "string:echo", "variant:string:hi", NULL);
	CHECK_EQ(status, 0);
	CHECK_CONTAINS(out, "variant       string \"hi\"");
	out = dbust_run(&status, "dbus-send", "--session", "--print-reply", "--dest=" TYPED, TYPED_PATH,
			"org.afb.typed.typed.point", "int64:1", "int64:2", "dict:string:string:label,q", NULL);
	CHECK(status != 0);	/* a{ss} is not the a{sv} of the signature */
}

static void check_python(void)
{
	const char *script = dbust_source("tests/dbus/typed-client.py");
	const char *out;
	int status;

	out = dbust_run(&status, "/usr/bin/python3", script, NULL);
	afbt_note("%s", out);
	CHECK_EQ(status, 0);
	CHECK_CONTAINS(out, "ping: pong / Ping Binder Daemon\n");
	CHECK_CONTAINS(out, "timer: 20 ");
	CHECK_CONTAINS(out, "point: 3 -4 7.0 {'label': 'p'} a point\n");
	CHECK_CONTAINS(out, "echo: {'a': [1, 'x', True], 'n': '/'}\n");
	CHECK_CONTAINS(out, "pingfail: org.afb.Error.failed: Ping Binder Daemon fails\n");
	CHECK_CONTAINS(out, "event typed/tick: 42\n");
	CHECK_CONTAINS(out, "done\n");
}

/* ------------------------------------------------------------ precise signatures, errors */

static GVariant *call_typed(GDBusConnection *c, const char *dest, const char *path, const char *itf,
			    const char *member, GVariant *params, const char **error, const char **message)
{
	GVariant *v = dbust_call_raw(c, dest, path, itf, member, params, error, message);

	return v;
}

static const char *printed(GVariant *v)
{
	return v ? afbt_keep(g_variant_print(v, TRUE), g_free) : "(null)";
}

static void check_precise(void)
{
	const char *e, *m;
	GVariant *v;

	v = call_typed(peer, TYPED, TYPED_PATH, "org.afb.typed.typed", "point",
		       g_variant_new_parsed("(int64 3, int64 4, @a{sv} {})"), &e, &m);
	CHECK_STR(printed(v), "(int64 3, int64 4, 7.0, @a{sv} {}, 'a point')");
	/* the same through the import: signatures from the imported description */
	v = call_typed(speer, TYPED, TYPED_PATH, "org.afb.typed.typed", "point",
		       g_variant_new_parsed("(int64 -1, int64 1, {'label': <'q'>})"), &e, &m);
	CHECK_STR(printed(v), "(int64 -1, int64 1, 2.0, {'label': <'q'>}, 'a point')");
	v = call_typed(peer, TYPED, TYPED_PATH, "org.afb.typed.typed", "nothing", NULL, &e, &m);
	CHECK_STR(printed(v), "(<objectpath '/'>, '')");

	/* a response that does not match its schema */
	v = call_typed(peer, TYPED, TYPED_PATH, "org.afb.typed.typed", "bad", NULL, &e, &m);
	CHECK(!v);
	CHECK_STR(e, "org.freedesktop.DBus.Error.Failed");
	CHECK_CONTAINS(m, "does not match its declared type");
	/* the same verb through the generic call: any response */
	v = call_typed(peer, TYPED, TYPED_PATH, "org.afb.Typed1", "Call", g_variant_new_parsed("('bad', <@a{sv} {}>)"),
		       &e, &m);
	CHECK_STR(printed(v), "(<{'n': <'text'>}>, '')");
	/* nested deeper than D-Bus allows in a response: LimitsExceeded; the JSON interface carries it */
	v = call_typed(peer, TYPED, TYPED_PATH, "org.afb.Typed1", "Call",
		       g_variant_new_parsed("('deep', <{'depth': <int64 21>}>)"), &e, &m);
	CHECK(v);
	v = call_typed(peer, TYPED, TYPED_PATH, "org.afb.Typed1", "Call",
		       g_variant_new_parsed("('deep', <{'depth': <int64 22>}>)"), &e, &m);
	CHECK(!v);
	CHECK_STR(e, "org.freedesktop.DBus.Error.LimitsExceeded");
	CHECK_OK(dbust_call(peer, "typed", "deep", "{\"depth\":22}"));
	/* failures are org.afb.Error.<status> */
	v = call_typed(peer, HELLO, HELLO_PATH, "org.afb.Typed1", "Call", g_variant_new_parsed("('nosuch', <@a{sv} {}>)"),
		       &e, &m);
	CHECK(!v);
	CHECK_STR(e, "org.afb.Error.unknown_2dverb");
	v = call_typed(peer, TYPED, TYPED_PATH, "org.afb.typed.typed", "point",
		       g_variant_new_parsed("(int64 3, int64 4, {'label': <int64 5>})"), &e, &m);
	CHECK(v);	/* optional members are not checked by the bridge: the verb sees them */
	CHECK_STR(printed(v), "(int64 3, int64 4, 7.0, {'label': <int64 5>}, 'a point')");
}

/* a typed call is the same request as a JSON one: same session for the peer */
static void check_session(void)
{
	const char *e, *m;
	GVariant *v;

	CHECK_OK(dbust_call(peer, "hello", "contextset", "{\"value\":\"typed\"}"));
	v = call_typed(peer, HELLO, HELLO_PATH, "org.afb.typed.hello", "contextget", NULL, &e, &m);
	CHECK_STR(printed(v), "(<{'value': <'typed'>}>, '')");
	v = call_typed(peer, HELLO, HELLO_PATH, "org.afb.typed.hello", "contextset",
		       g_variant_new_parsed("({'value': <'again'>},)"), &e, &m);
	CHECK(v);
	CHECK_STR(dbust_call(peer, "hello", "contextget", "{}")->response, "{\"value\":\"again\"}");
	/* another peer, another session */
	v = call_typed(other, HELLO, HELLO_PATH, "org.afb.typed.hello", "contextget", NULL, &e, &m);
	CHECK_STR(printed(v), "(<objectpath '/'>, '')");
}

static void check_refused(void)
{
	static const guchar bad[] = { 0xc0, 0x80 };
	GVariantBuilder b;
	const char *e, *m;
	GVariant *v;
	int i;

	/* NaN has no JSON value */
	v = call_typed(peer, HELLO, HELLO_PATH, "org.afb.Typed1", "Call", g_variant_new_parsed("('echo', <[<nan>]>)"),
		       &e, &m);
	CHECK(!v);
	CHECK_STR(e, "org.freedesktop.DBus.Error.InvalidArgs");
	CHECK_CONTAINS(m, "NaN");
	/* bytes that are not UTF-8 */
	v = call_typed(peer, HELLO, HELLO_PATH, "org.afb.Typed1", "Call",
		       g_variant_new("(sv)", "echo", g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, bad, 2, 1)), &e, &m);
	CHECK(!v);
	CHECK_STR(e, "org.freedesktop.DBus.Error.InvalidArgs");
	CHECK_CONTAINS(m, "UTF-8");
	/* a member given twice */
	v = call_typed(peer, TYPED, TYPED_PATH, "org.afb.typed.typed", "point",
		       g_variant_new_parsed("(int64 3, int64 4, {'x': <int64 5>})"), &e, &m);
	CHECK(!v);
	CHECK_STR(e, "org.freedesktop.DBus.Error.InvalidArgs");
	CHECK_CONTAINS(m, "twice");
	/* not the signature (sd-bus) */
	v = call_typed(peer, TYPED, TYPED_PATH, "org.afb.typed.typed", "point", g_variant_new_parsed("('3', '4')"), &e, &m);
	CHECK(!v);
	CHECK_STR(e, "org.freedesktop.DBus.Error.InvalidArgs");
	/* larger than --max-body (65536): 8 bytes a value and the strings */
	g_variant_builder_init(&b, G_VARIANT_TYPE("av"));
	for (i = 0; i < 9000; i++)
		g_variant_builder_add(&b, "v", g_variant_new_boolean(TRUE));
	v = call_typed(peer, HELLO, HELLO_PATH, "org.afb.Typed1", "Call",
		       g_variant_new("(sv)", "echo", g_variant_builder_end(&b)), &e, &m);
	CHECK(!v);
	CHECK_STR(e, "org.freedesktop.DBus.Error.LimitsExceeded");
	/* JSON deeper than 32 (34 levels: arrays of one-member structures, within the 64 containers of D-Bus) */
	v = g_variant_new_int64(1);
	for (i = 0; i < 17; i++) {
		v = g_variant_new_tuple(&v, 1);
		v = g_variant_new_array(NULL, &v, 1);
	}
	v = call_typed(peer, HELLO, HELLO_PATH, "org.afb.Typed1", "Call", g_variant_new("(sv)", "echo", v), &e, &m);
	CHECK(!v);
	CHECK_STR(e, "org.freedesktop.DBus.Error.InvalidArgs");
	/* a string holding a noncharacter: sd-bus refuses the message, the connection stays */
	v = call_typed(peer, HELLO, HELLO_PATH, "org.afb.Api1", "Call",
		       g_variant_new("(ss)", "echo", "{\"a\":\"\xef\xbf\xbf\"}"), &e, &m);
	CHECK(!v);
	CHECK_STR(e, "org.freedesktop.DBus.Error.InconsistentMessage");
	/* the daemon still serves */
	CHECK(call_typed(peer, HELLO, HELLO_PATH, "org.afb.typed.hello", "ping", NULL, &e, &m));
}

/* ------------------------------------------------------------ events */

struct signal {
	struct signal *next;
	char *itf, *member, *printed;
};

struct signals {
	struct signal *head, **tail;
	int count;
};

static void on_signal(GDBusConnection *conn, const char *sender, const char *path, const char *itf,
		      const char *member, GVariant *params, gpointer userdata)
{
	struct signals *s = userdata;
	struct signal *g = calloc(1, sizeof *g);

	if (!strcmp(itf, "org.freedesktop.DBus"))
		return free(g);
	g->itf = strdup(itf);
	g->member = strdup(member);
	g->printed = g_variant_print(params, TRUE);
	*s->tail = g;
	s->tail = &g->next;
	s->count++;
}

static void free_signals(void *p)
{
	struct signals *s = p;
	struct signal *g;

	while ((g = s->head)) {
		s->head = g->next;
		free(g->itf);
		free(g->member);
		g_free(g->printed);
		free(g);
	}
	s->tail = &s->head;
	s->count = 0;
}

static struct signals *watch(GDBusConnection *c)
{
	struct signals *s = afbt_keep(calloc(1, sizeof *s), free);

	s->tail = &s->head;
	afbt_keep(s, free_signals);
	/* every signal of the daemon's names; pushes addressed to others are not routed to us */
	g_dbus_connection_signal_subscribe(c, NULL, NULL, NULL, NULL, NULL, G_DBUS_SIGNAL_FLAGS_NONE, on_signal, s, NULL);
	return s;
}

/* the signal itf.member with 'printed' parameters arrives within 'ms' */
static int got(struct signals *s, const char *itf, const char *member, const char *params, long ms)
{
	double end = afbt_now() + ms / 1000.0;

	do {
		dbust_pump(5);
		for (struct signal *g = s->head; g; g = g->next)
			if (!strcmp(g->itf, itf) && !strcmp(g->member, member) && (!params || !strcmp(g->printed, params)))
				return 1;
	} while (afbt_now() < end);
	for (struct signal *g = s->head; g; g = g->next)
		afbt_note("signal %s.%s %s", g->itf, g->member, g->printed);
	return 0;
}

static int count_of(struct signals *s, const char *itf)
{
	int n = 0;

	for (struct signal *g = s->head; g; g = g->next)
		n += !itf || !strcmp(g->itf, itf);
	return n;
}

static void emit_typed(GDBusConnection *c, const char *event, GVariant *data, gboolean broadcast)
{
	const char *e, *m;
	GVariant *v = call_typed(c, TYPED, TYPED_PATH, "org.afb.typed.typed", "emit",
				 g_variant_new("(sv@a{sv})", event, data, g_variant_new_parsed("{'broadcast': <%b>}", broadcast)),
				 &e, &m);

	if (!v)
		afbt_fail("emit %s: %s: %s", event, e, m);
}

static void check_events(void)
{
	struct signals *sp = watch(peer), *so = watch(other), *ss = watch(spy);

	/* declared events: their own signal, typed as declared, to the subscriber alone */
	emit_typed(peer, "moved", g_variant_new_parsed("{'x': <int64 1>, 'y': <int64 2>}"), FALSE);
	CHECK(got(sp, "org.afb.typed.typed", "moved", "(int64 1, int64 2)", 3000));
	emit_typed(peer, "tick", g_variant_new_int64(5), FALSE);
	CHECK(got(sp, "org.afb.typed.typed", "tick", "(int64 5,)", 3000));
	/* data that does not match its declaration: the generic signal */
	emit_typed(peer, "moved", g_variant_new_parsed("{'x': <'a'>}"), FALSE);
	CHECK(got(sp, "org.afb.Typed1", "Event", "('typed/moved', <{'x': <'a'>}>)", 3000));
	/* an event the description does not declare */
	emit_typed(peer, "other", g_variant_new_parsed("[<int64 1>, <objectpath '/'>]"), FALSE);
	CHECK(got(sp, "org.afb.Typed1", "Event", "('typed/other', <[<int64 1>, <objectpath '/'>]>)", 3000));
	/* a typed subscriber gets no JSON event; nobody else gets the pushes */
	CHECK_EQ(count_of(sp, "org.afb.Api1"), 0);
	CHECK_EQ(count_of(so, NULL), 0);
	CHECK_EQ(count_of(ss, NULL), 0);

	/* a JSON call subscribes to the JSON signal only */
	CHECK_OK(dbust_call(other, "typed", "emit", "{\"event\":\"tick\",\"data\":6}"));
	CHECK(got(so, "org.afb.Api1", "Event", "('typed/tick', '6')", 3000));
	CHECK_EQ(count_of(so, "org.afb.typed.typed") + count_of(so, "org.afb.Typed1"), 0);
	/* pushes of an event reach each subscriber in its flavour */
	free_signals(sp);
	free_signals(so);
	CHECK_OK(dbust_call(other, "typed", "emit", "{\"event\":\"tick\",\"data\":7}"));
	CHECK(got(so, "org.afb.Api1", "Event", "('typed/tick', '7')", 3000));
	CHECK(got(sp, "org.afb.typed.typed", "tick", "(int64 7,)", 3000));
	CHECK_EQ(count_of(sp, "org.afb.Api1") + count_of(so, "org.afb.typed.typed"), 0);
	CHECK_EQ(count_of(ss, NULL), 0);

	/*
	 * Numbers beyond what D-Bus or JSON reals carry, from a JSON text: the
	 * daemon's parser (json-c) makes the integers the nearest 64-bit bound,
	 * and 1e400 an infinite real, sent as such in d
	 */
	free_signals(sp);
	CHECK_OK(dbust_call(other, "typed", "emit",
			    "{\"event\":\"tick\",\"data\":[99999999999999999999,-99999999999999999999,1e400,2.0,-0.0]}"));
	CHECK(got(sp, "org.afb.Typed1", "Event",
		  "('typed/tick', <[<uint64 18446744073709551615>, <int64 -9223372036854775808>, <inf>, <2.0>, <-0.0>]>)",
		  3000));

	/* a broadcast: both flavours, to everybody */
	free_signals(sp);
	emit_typed(peer, "tick", g_variant_new_int64(9), TRUE);
	CHECK(got(ss, "org.afb.typed.typed", "tick", "(int64 9,)", 3000));
	CHECK(got(ss, "org.afb.Api1", "Event", "('typed/tick', '9')", 3000));
	CHECK(got(sp, "org.afb.typed.typed", "tick", "(int64 9,)", 3000));
}

/* ------------------------------------------------------------ property through the bus */

/* Unicode noncharacters, which sd-bus refuses in strings */
static int has_noncharacter(const char *s, size_t len)
{
	const char *end = s + len;
	gunichar c;

	for (; s < end; s = g_utf8_next_char(s)) {
		c = g_utf8_get_char(s);
		if ((c >= 0xfdd0 && c <= 0xfdef) || (c & 0xfffe) == 0xfffe)
			return 1;
	}
	return 0;
}

static int is_big(struct json_object *v)
{
	return json_object_get_int64(v) == INT64_MAX && json_object_get_uint64(v) > (uint64_t)INT64_MAX;
}

/* The mapping of docs/dbus.md, written again with GLib: JSON -> the value inside the variant. */
static GVariant *to_variant(struct json_object *v)
{
	GVariantBuilder b;
	const char *s;
	size_t len, i, n;

	switch (json_object_get_type(v)) {
	case json_type_null:
		return g_variant_new_object_path("/");
	case json_type_boolean:
		return g_variant_new_boolean(json_object_get_boolean(v));
	case json_type_int:
		return is_big(v) ? g_variant_new_uint64(json_object_get_uint64(v)) : g_variant_new_int64(json_object_get_int64(v));
	case json_type_double:
		return g_variant_new_double(json_object_get_double(v));
	case json_type_string:
		s = json_object_get_string(v);
		len = (size_t)json_object_get_string_len(v);
		if (memchr(s, 0, len) || has_noncharacter(s, len))
			return g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, s, len, 1);
		return g_variant_new_string(s);
	case json_type_array:
		g_variant_builder_init(&b, G_VARIANT_TYPE("av"));
		n = json_object_array_length(v);
		for (i = 0; i < n; i++)
			g_variant_builder_add(&b, "v", to_variant(json_object_array_get_idx(v, i)));
		return g_variant_builder_end(&b);
	default:
		g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
		json_object_object_foreach(v, key, member)
			g_variant_builder_add(&b, "{sv}", key, to_variant(member));
		return g_variant_builder_end(&b);
	}
}

/* ... and back, for the canonical types */
static struct json_object *from_variant(GVariant *g)
{
	struct json_object *o;
	GVariantIter it;
	GVariant *child;
	const char *key;
	gsize len;

	if (g_variant_is_of_type(g, G_VARIANT_TYPE_OBJECT_PATH))
		return NULL;	/* "/" */
	if (g_variant_is_of_type(g, G_VARIANT_TYPE_BOOLEAN))
		return json_object_new_boolean(g_variant_get_boolean(g));
	if (g_variant_is_of_type(g, G_VARIANT_TYPE_INT64))
		return json_object_new_int64(g_variant_get_int64(g));
	if (g_variant_is_of_type(g, G_VARIANT_TYPE_UINT64))
		return json_object_new_uint64(g_variant_get_uint64(g));
	if (g_variant_is_of_type(g, G_VARIANT_TYPE_DOUBLE))
		return json_object_new_double(g_variant_get_double(g));
	if (g_variant_is_of_type(g, G_VARIANT_TYPE_STRING))
		return json_object_new_string(g_variant_get_string(g, NULL));
	if (g_variant_is_of_type(g, G_VARIANT_TYPE_BYTESTRING)) {
		const char *bytes = g_variant_get_fixed_array(g, &len, 1);
		return json_object_new_string_len(len ? bytes : "", (int)len);
	}
	if (g_variant_is_of_type(g, G_VARIANT_TYPE("a{sv}"))) {
		o = json_object_new_object();
		g_variant_iter_init(&it, g);
		while (g_variant_iter_next(&it, "{&sv}", &key, &child)) {
			json_object_object_add(o, key, from_variant(child));
			g_variant_unref(child);
		}
		return o;
	}
	if (g_variant_is_of_type(g, G_VARIANT_TYPE("av"))) {
		o = json_object_new_array();
		g_variant_iter_init(&it, g);
		while (g_variant_iter_next(&it, "v", &child)) {
			json_object_array_add(o, from_variant(child));
			g_variant_unref(child);
		}
		return o;
	}
	afbt_fail("unexpected type %s", g_variant_get_type_string(g));
}

/* 'count' generated values through hello/echo of 'c' */
static void property(GDBusConnection *c, const char *what, long count)
{
	struct json_object *value, *wrapped, *back;
	GVariant *sent, *reply, *inner;
	const char *e, *m, *info;
	char why[256];
	long i;

	for (i = 0; i < count; i++) {
		/* {"v": value}: echo replies its arguments, and arguments are an object */
		value = jgen_value(DBUS_TYPED_NESTING_FOR_ECHO);
		wrapped = keep(json_object_new_object());
		json_object_object_add(wrapped, "v", value);
		sent = afbt_keep(g_variant_ref_sink(to_variant(wrapped)), put_variant);
		reply = dbust_call_raw(c, HELLO, HELLO_PATH, "org.afb.Typed1", "Call",
				       g_variant_new("(sv)", "echo", sent), &e, &m);
		if (!reply)
			afbt_fail("%s: value %ld %s: %s: %s", what, i, json_object_to_json_string(wrapped), e, m);
		g_variant_get(reply, "(v&s)", &inner, &info);
		afbt_keep(inner, put_variant);
		if (!g_variant_equal(inner, sent))
			afbt_fail("%s: value %ld: sent %s, received %s", what, i, printed(sent), printed(inner));
		back = keep(from_variant(inner));
		if (!jgen_same(wrapped, back, why, sizeof why))
			afbt_fail("%s: value %ld: %s came back as %s: %s", what, i, json_object_to_json_string(wrapped),
				  json_object_to_json_string(back), why);
	}
	afbt_note("%s: %ld values came back unchanged", what, count);
}

static long property_count(void)
{
	const char *env = getenv("AFB_TYPED_COUNT");

	return env ? strtol(env, NULL, 10) / 10 : 2000;
}

static void check_property_direct(void)
{
	const char *env = getenv("AFB_TYPED_SEED");

	jgen_seed(env ? strtoull(env, NULL, 0) : 0x7e57ULL);
	property(peer, "direct", property_count());
}

static void check_property_import(void)
{
	property(speer, "through an import", property_count() / 2);
}

static void check_stop(void)
{
	dbust_disconnect(speer);
	dbust_disconnect(spy);
	dbust_disconnect(other);
	dbust_disconnect(peer);
	afbt_daemon_stop(B);
	afbt_daemon_stop(A);
}

int main(int argc, char **argv)
{
	afbt_init(argc, argv);
	afbt_run("start", check_start);
	afbt_run("busctl", check_busctl);
	afbt_run("gdbus", check_gdbus);
	afbt_run("dbus-send", check_dbus_send);
	afbt_run("python", check_python);
	afbt_run("precise", check_precise);
	afbt_run("session", check_session);
	afbt_run("refused", check_refused);
	afbt_run("events", check_events);
	afbt_run("property-direct", check_property_direct);
	afbt_run("property-import", check_property_import);
	afbt_run("stop", check_stop);
	return afbt_done();
}
