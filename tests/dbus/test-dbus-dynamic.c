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
 *  - an alias gets no bus name; a deleted api leaves the bus
 *    (InterfacesRemoved, name released) and may come back.
 */
#include <string.h>
#include <json-c/json.h>
#include "dbust.h"

static struct dbust_bus *ubus, *sbus;
static struct afbt_daemon *daemon_;
static GDBusConnection *peer, *speer;

/* signals of the ObjectManager and PropertiesChanged seen by 'peer' */
struct seen {
	int added, removed, changed;
	const char *last;
};
static struct seen seen;

static void on_signal(GDBusConnection *conn, const char *sender, const char *path, const char *itf,
		      const char *member, GVariant *params, gpointer userdata)
{
	struct seen *s = userdata;
	char *text = g_variant_print(params, FALSE);

	if (!strcmp(member, "InterfacesAdded"))
		s->added++;
	else if (!strcmp(member, "InterfacesRemoved"))
		s->removed++;
	else if (!strcmp(member, "PropertiesChanged"))
		s->changed++;
	s->last = afbt_fmt("%s %s %s", path, member, text);	/* kept by the harness */
	g_free(text);
}

static int wait_count(int *counter, int value, long ms)
{
	double end = afbt_now() + ms / 1000.0;

	while (*counter < value && afbt_now() < end)
		dbust_pump(5);
	return *counter >= value;
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
				    "--dbus-server=system:dyn2", NULL);
	peer = dbust_connect(ubus);
	speer = dbust_connect(sbus);
	dbust_wait_name(peer, "org.afb.api.hello3", 10000);
	g_dbus_connection_signal_subscribe(peer, NULL, "org.freedesktop.DBus.ObjectManager", NULL, NULL, NULL,
					   G_DBUS_SIGNAL_FLAGS_NONE, on_signal, &seen, NULL);
	g_dbus_connection_signal_subscribe(peer, NULL, "org.freedesktop.DBus.Properties", "PropertiesChanged",
					   "/org/afb/api/dyn1", NULL, G_DBUS_SIGNAL_FLAGS_NONE, on_signal, &seen, NULL);
	dbust_pump(50);
}

static void check_create(void)
{
	const char *e, *m;
	GVariant *v;

	api_action("{\"action\":\"create\",\"api\":\"dyn1\"}");
	dbust_wait_name(peer, "org.afb.api.dyn1", 10000);
	CHECK(wait_count(&seen.added, 1, 5000));
	CHECK_CONTAINS(seen.last, "/org/afb InterfacesAdded ('/org/afb/api/dyn1'");
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
	int changed = seen.changed, found = 0;

	api_action("{\"action\":\"addverb\",\"api\":\"dyn1\",\"verb\":\"extra\"}");
	CHECK(wait_count(&seen.changed, changed + 1, 5000));
	CHECK_CONTAINS(seen.last, "/org/afb/api/dyn1 PropertiesChanged ('org.afb.Api1', {}, ['Info', 'Verbs'])");
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

	changed = seen.changed;
	api_action("{\"action\":\"delverb\",\"api\":\"dyn1\",\"verb\":\"extra\"}");
	CHECK(wait_count(&seen.changed, changed + 1, 5000));
	wait_methods(peer, "dyn1", "org.afb.typed.dyn1", "hi,self");
	CHECK_ERROR(dbust_call_verb(peer, "dyn1", "extra", "{}"), "org.freedesktop.DBus.Error.UnknownMethod");
}

static void check_alias(void)
{
	api_action("{\"action\":\"alias\",\"api\":\"dyn1\",\"alias\":\"dynalias\"}");
	/* the alias calls dyn1, but it is not a bus name of its own */
	CHECK_OK(dbust_call(peer, "hello3", "callsync", "{\"api\":\"dynalias\",\"verb\":\"hi\"}"));
	dbust_pump(200);
	CHECK(!dbust_has_owner(peer, "org.afb.api.dynalias"));
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
	int removed = seen.removed;

	api_action("{\"action\":\"delete\",\"api\":\"dyn1\"}");
	wait_no_owner(peer, "org.afb.api.dyn1");
	CHECK(wait_count(&seen.removed, removed + 1, 5000));
	CHECK_CONTAINS(seen.last, "/org/afb InterfacesRemoved ('/org/afb/api/dyn1'");
	v = dbust_call_raw(peer, "org.afb.api.hello3", "/org/afb", "org.freedesktop.DBus.ObjectManager",
			   "GetManagedObjects", NULL, &e, &m);
	CHECK(v);
	objects = g_variant_get_child_value(v, 0);
	CHECK(!g_variant_lookup_value(objects, "/org/afb/api/dyn1", NULL));
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
	dbust_pump(300);
	CHECK(!dbust_has_owner(peer, "org.afb.api.churn"));
	CHECK_OK(dbust_call(peer, "hello3", "ping", "{}"));
}

static void check_stop(void)
{
	dbust_disconnect(speer);
	dbust_disconnect(peer);
	afbt_daemon_stop(daemon_);
}

int main(int argc, char **argv)
{
	afbt_init(argc, argv);
	afbt_run("start", check_start);
	afbt_run("create", check_create);
	afbt_run("verbs", check_verbs);
	afbt_run("alias", check_alias);
	afbt_run("named", check_named);
	afbt_run("delete", check_delete);
	afbt_run("churn", check_churn);
	afbt_run("stop", check_stop);
	return afbt_done();
}
