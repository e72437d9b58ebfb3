/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The D-Bus export follows the apis created, changed and deleted while the
 * daemon serves (docs/dbus.md, "Options"), driven by the v3 sample hello3
 * (hello3/api: create, addverb, delverb, alias, delete):
 *  - a new api gets its bus name and object (ObjectManager InterfacesAdded),
 *    its JSON and typed per-api interfaces, on the buses whose options say
 *    so ('*' on the user bus, its name on the "system" one);
 *  - verbs added and removed: PropertiesChanged of Verbs, both per-api
 *    interfaces replaced (introspection), the methods callable or gone;
 *  - an alias is exported as a name of its own (bus name, object, both
 *    per-api interfaces) serving the same api, and follows its changes;
 *  - a deleted api leaves the bus with its aliases (InterfacesRemoved,
 *    names released) and may come back.
 *
 * The signals are checked by content, not by order nor count: other
 * exports (the monitor api, whose name '*' exports too) announce
 * themselves at their own pace.
 */
#include <string.h>
#include <json-c/json.h>
#include "dbust.h"

static struct dbust_bus *ubus, *sbus;
static struct afbt_daemon *daemon_;
static GDBusConnection *peer, *speer;

/* the signals of the ObjectManager and PropertiesChanged seen by 'peer', one line each */
static GString *seen;

static void on_signal(GDBusConnection *conn, const char *sender, const char *path, const char *itf,
		      const char *member, GVariant *params, gpointer userdata)
{
	char *text = g_variant_print(params, FALSE);

	g_string_append_printf(seen, "%s %s %s\n", path, member, text);
	g_free(text);
}

/* where the signals of what follows will start */
static size_t mark(void)
{
	return seen->len;
}

/* waits for a signal line containing 'want' after 'from' */
static void wait_signal(size_t from, const char *want)
{
	for (double end = afbt_now() + 10; !strstr(seen->str + from, want); dbust_pump(5))
		if (afbt_now() > end)
			afbt_fail("no signal %s; seen:\n%s", want, seen->str + from);
}

/* hello3/api with 'args' (JSON) over D-Bus */
static void api_action(const char *args)
{
	struct dbust_reply *r = dbust_call(peer, "hello3", "api", args);

	if (!r->ok)
		afbt_fail("hello3/api %s: %s: %s", args, r->error, r->message);
}

/* the methods of interface 'itf' on the object of 'api', as "a,b,c" (NULL: no such interface) */
static const char *methods(GDBusConnection *c, const char *api, const char *itf)
{
	const char *e, *m, *xml;
	GDBusNodeInfo *node;
	GDBusInterfaceInfo *info;
	GString *out;
	GVariant *v = dbust_call_raw(c, afbt_fmt("org.afb.api.%s", api), afbt_fmt("/org/afb/api/%s", api),
				     "org.freedesktop.DBus.Introspectable", "Introspect", NULL, &e, &m);

	if (!v)
		return NULL;
	g_variant_get(v, "(&s)", &xml);
	node = g_dbus_node_info_new_for_xml(xml, NULL);
	info = node ? g_dbus_node_info_lookup_interface(node, itf) : NULL;
	if (!info) {
		if (node)
			g_dbus_node_info_unref(node);
		return NULL;
	}
	out = g_string_new("");
	for (int i = 0; info->methods && info->methods[i]; i++)
		g_string_append_printf(out, "%s%s", i ? "," : "", info->methods[i]->name);
	g_dbus_node_info_unref(node);
	return afbt_keep(g_string_free(out, FALSE), g_free);
}

/* waits until the methods of 'itf' of 'api' are 'want' */
static void wait_methods(GDBusConnection *c, const char *api, const char *itf, const char *want)
{
	const char *got = NULL;

	for (double end = afbt_now() + 10; afbt_now() < end; dbust_pump(20))
		if (afbt_streq(got = methods(c, api, itf), want))
			return;
	afbt_fail("%s of %s: methods %s, not %s", itf, api, got ? got : "(none)", want);
}

static void wait_no_owner(GDBusConnection *c, const char *name)
{
	for (double end = afbt_now() + 10; dbust_has_owner(c, name); dbust_pump(20))
		if (afbt_now() > end)
			afbt_fail("%s still has an owner", name);
}

static void check_start(void)
{
	ubus = dbust_bus_start(NULL, 0);
	sbus = dbust_bus_start(dbust_open_session_config(), 1);
	daemon_ = afbt_daemon_start("--binding", afbt_binding("hello3"), "--dbus-server=*",
				    "--dbus-server=system:dyn2", "--dbus-server=system:hello3-alias", NULL);
	peer = dbust_connect(ubus);
	speer = dbust_connect(sbus);
	seen = g_string_new("");
	dbust_wait_name(peer, "org.afb.api.hello3", 10000);
	g_dbus_connection_signal_subscribe(peer, NULL, "org.freedesktop.DBus.ObjectManager", NULL, NULL, NULL,
					   G_DBUS_SIGNAL_FLAGS_NONE, on_signal, NULL, NULL);
	g_dbus_connection_signal_subscribe(peer, NULL, "org.freedesktop.DBus.Properties", "PropertiesChanged",
					   NULL, NULL, G_DBUS_SIGNAL_FLAGS_NONE, on_signal, NULL, NULL);
	dbust_pump(50);
}

static void check_create(void)
{
	const char *e, *m;
	size_t from = mark();
	GVariant *v;

	api_action("{\"action\":\"create\",\"api\":\"dyn1\"}");
	dbust_wait_name(peer, "org.afb.api.dyn1", 10000);
	wait_signal(from, "/org/afb InterfacesAdded ('/org/afb/api/dyn1'");
	wait_methods(peer, "dyn1", "org.afb.api.dyn1", "hi,self");
	wait_methods(peer, "dyn1", "org.afb.typed.dyn1", "hi,self");
	/* callable, typed */
	v = dbust_call_raw(peer, "org.afb.api.dyn1", "/org/afb/api/dyn1", "org.afb.typed.dyn1", "hi",
			   g_variant_new_parsed("(@a{sv} {},)"), &e, &m);
	CHECK(v);
	CHECK_CONTAINS(afbt_keep(g_variant_print(v, FALSE), g_free), "'verb': <'hi'>");
	/* '*' is for the user bus: the "system" one exports dyn2 alone */
	CHECK(!dbust_has_owner(speer, "org.afb.api.dyn1"));
}

static void check_verbs(void)
{
	const char *e, *m;
	GVariant *v, *verbs;
	size_t from = mark();
	int found = 0;

	api_action("{\"action\":\"addverb\",\"api\":\"dyn1\",\"verb\":\"extra\"}");
	wait_signal(from, "/org/afb/api/dyn1 PropertiesChanged ('org.afb.Api1', {}, ['Info', 'Verbs'])");
	wait_methods(peer, "dyn1", "org.afb.api.dyn1", "hi,self,extra");
	wait_methods(peer, "dyn1", "org.afb.typed.dyn1", "hi,self,extra");
	CHECK_OK(dbust_call_verb(peer, "dyn1", "extra", "{}"));
	v = dbust_call_raw(peer, "org.afb.api.dyn1", "/org/afb/api/dyn1", "org.freedesktop.DBus.Properties", "Get",
			   g_variant_new("(ss)", "org.afb.Api1", "Verbs"), &e, &m);
	CHECK(v);
	g_variant_get(v, "(v)", &verbs);
	for (gsize i = 0; i < g_variant_n_children(verbs); i++) {
		const char *verb;
		g_variant_get_child(verbs, i, "&s", &verb);
		found += !strcmp(verb, "extra");
	}
	g_variant_unref(verbs);
	CHECK_EQ(found, 1);

	from = mark();
	api_action("{\"action\":\"delverb\",\"api\":\"dyn1\",\"verb\":\"extra\"}");
	wait_signal(from, "/org/afb/api/dyn1 PropertiesChanged ('org.afb.Api1', {}, ['Info', 'Verbs'])");
	wait_methods(peer, "dyn1", "org.afb.typed.dyn1", "hi,self");
	CHECK_ERROR(dbust_call_verb(peer, "dyn1", "extra", "{}"), "org.freedesktop.DBus.Error.UnknownMethod");
}

static void check_alias(void)
{
	struct dbust_reply *r;
	size_t from = mark();

	api_action("{\"action\":\"alias\",\"api\":\"dyn1\",\"alias\":\"dynalias\"}");
	/* '*' exports the alias as a name of its own, serving dyn1 */
	dbust_wait_name(peer, "org.afb.api.dynalias", 10000);
	wait_signal(from, "/org/afb InterfacesAdded ('/org/afb/api/dynalias'");
	wait_methods(peer, "dynalias", "org.afb.api.dynalias", "hi,self");
	wait_methods(peer, "dynalias", "org.afb.typed.dynalias", "hi,self");
	r = dbust_call(peer, "dynalias", "hi", "{}");
	CHECK_OK(r);
	/* the request names the alias, as /api/dynalias/hi over HTTP */
	CHECK_CONTAINS(r->response, "\"api\":\"dynalias\"");
	CHECK_OK(dbust_call_verb(peer, "dynalias", "hi", "{}"));
	/* the system bus exports dyn2 alone: not dyn1's alias */
	CHECK(!dbust_has_owner(speer, "org.afb.api.dynalias"));
	/* the alias follows the verbs of its api */
	from = mark();
	api_action("{\"action\":\"addverb\",\"api\":\"dyn1\",\"verb\":\"more\"}");
	wait_signal(from, "/org/afb/api/dynalias PropertiesChanged ('org.afb.Api1', {}, ['Info', 'Verbs'])");
	wait_methods(peer, "dynalias", "org.afb.typed.dynalias", "hi,self,more");
	CHECK_OK(dbust_call_verb(peer, "dynalias", "more", "{}"));
	api_action("{\"action\":\"delverb\",\"api\":\"dyn1\",\"verb\":\"more\"}");
	wait_methods(peer, "dynalias", "org.afb.api.dynalias", "hi,self");
}

/*
 * An api exported under an alias alone (hello3 is hello3-alias on the
 * "system" bus): its events come from the alias's object, pushed to the
 * subscriber or broadcast.
 */
static void check_alias_events(void)
{
	struct dbust_events *ev = dbust_events_watch(speer);
	const char *data, *path;

	dbust_wait_name(speer, "org.afb.api.hello3_2dalias", 10000);
	CHECK(!dbust_has_owner(speer, "org.afb.api.hello3"));
	CHECK_OK(dbust_call(speer, "hello3-alias", "event-make", "{\"name\":\"ae\"}"));
	CHECK_OK(dbust_call(speer, "hello3-alias", "event-sub", "{\"name\":\"ae\"}"));
	CHECK_OK(dbust_call(speer, "hello3-alias", "event-push", "{\"name\":\"ae\",\"data\":{\"n\":1}}"));
	CHECK(dbust_events_wait(ev, "hello3/ae", 5000, &data, &path));
	CHECK_STR(data, "{\"n\":1}");
	CHECK_STR(path, "/org/afb/api/hello3_2dalias");
	CHECK_OK(dbust_call(speer, "hello3-alias", "broadcast", "{\"name\":\"ab\",\"data\":2}"));
	CHECK(dbust_events_wait(ev, "hello3/ab", 5000, &data, &path));
	CHECK_STR(data, "2");
	CHECK_STR(path, "/org/afb/api/hello3_2dalias");
	CHECK_OK(dbust_call(speer, "hello3-alias", "event-drop", "{\"name\":\"ae\"}"));
}

static void check_named(void)
{
	api_action("{\"action\":\"create\",\"api\":\"dyn2\"}");
	dbust_wait_name(speer, "org.afb.api.dyn2", 10000);
	dbust_wait_name(peer, "org.afb.api.dyn2", 10000);
	wait_methods(speer, "dyn2", "org.afb.typed.dyn2", "hi,self");
}

static void check_delete(void)
{
	const char *e, *m;
	GVariant *v, *objects;
	size_t from = mark();

	api_action("{\"action\":\"delete\",\"api\":\"dyn1\"}");
	/* with its alias */
	wait_no_owner(peer, "org.afb.api.dyn1");
	wait_no_owner(peer, "org.afb.api.dynalias");
	wait_signal(from, "/org/afb InterfacesRemoved ('/org/afb/api/dyn1'");
	wait_signal(from, "/org/afb InterfacesRemoved ('/org/afb/api/dynalias'");
	v = dbust_call_raw(peer, "org.afb.api.hello3", "/org/afb", "org.freedesktop.DBus.ObjectManager",
			   "GetManagedObjects", NULL, &e, &m);
	CHECK(v);
	objects = g_variant_get_child_value(v, 0);
	CHECK(!g_variant_lookup_value(objects, "/org/afb/api/dyn1", NULL));
	CHECK(!g_variant_lookup_value(objects, "/org/afb/api/dynalias", NULL));
	CHECK(g_variant_lookup_value(objects, "/org/afb/api/hello3", NULL));
	g_variant_unref(objects);
	/* dyn2 goes from both buses */
	api_action("{\"action\":\"delete\",\"api\":\"dyn2\"}");
	wait_no_owner(peer, "org.afb.api.dyn2");
	wait_no_owner(speer, "org.afb.api.dyn2");
	/* and comes back */
	api_action("{\"action\":\"create\",\"api\":\"dyn1\"}");
	dbust_wait_name(peer, "org.afb.api.dyn1", 10000);
	wait_methods(peer, "dyn1", "org.afb.typed.dyn1", "hi,self");
}

/* create and delete at once, many times: nothing is left behind, the daemon serves */
static void check_churn(void)
{
	for (int i = 0; i < 20; i++) {
		api_action("{\"action\":\"create\",\"api\":\"churn\"}");
		api_action("{\"action\":\"delete\",\"api\":\"churn\"}");
	}
	/* the name is given back asynchronously: the last release may take a while on a slow build */
	dbust_pump(300);
	wait_no_owner(peer, "org.afb.api.churn");
	/* and is not taken again afterwards */
	dbust_pump(300);
	CHECK(!dbust_has_owner(peer, "org.afb.api.churn"));
	CHECK_OK(dbust_call(peer, "hello3", "ping", "{}"));
}

static void check_stop(void)
{
	dbust_disconnect(speer);
	dbust_disconnect(peer);
	afbt_daemon_stop(daemon_);
	g_string_free(seen, TRUE);
}

int main(int argc, char **argv)
{
	afbt_init(argc, argv);
	afbt_run("start", check_start);
	afbt_run("create", check_create);
	afbt_run("verbs", check_verbs);
	afbt_run("alias", check_alias);
	afbt_run("alias-events", check_alias_events);
	afbt_run("named", check_named);
	afbt_run("delete", check_delete);
	afbt_run("churn", check_churn);
	afbt_run("stop", check_stop);
	return afbt_done();
}
