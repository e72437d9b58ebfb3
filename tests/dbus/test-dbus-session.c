/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sessions and trust over D-Bus: one session per peer (subcalls included),
 * dropped when the peer leaves; session flags allowed to trusted peers
 * only (the default rule "self,root", and a rule that refuses us); the
 * Link1 sessions of binder peers, their bound, and their Subscription
 * signals.
 */
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>
#include "dbust.h"

static struct dbust_bus *bus;
static struct afbt_daemon *daemon_;
static GDBusConnection *p1, *p2;

/* Link1.Call of 'api' */
static struct dbust_reply *link_call(GDBusConnection *c, const char *api, const char *key, int validated,
				     const char *verb, const char *args)
{
	struct dbust_reply *r = afbt_keep(calloc(1, sizeof *r), free);
	const char *e, *m, *response, *info;
	GVariant *v = dbust_call_raw(c, afbt_fmt("org.afb.api.%s", api), afbt_fmt("/org/afb/api/%s", api),
				     "org.afb.Link1", "Call", g_variant_new("(sbss)", key, validated, verb, args), &e, &m);

	if (!v) {
		r->error = e;
		r->message = m;
		return r;
	}
	g_variant_get(v, "(&s&s)", &response, &info);
	r->ok = 1;
	r->response = afbt_strdup(response);
	r->info = afbt_strdup(info);
	return r;
}

static void end_session(GDBusConnection *c, const char *api, const char *key)
{
	const char *e, *m;

	CHECK(dbust_call_raw(c, afbt_fmt("org.afb.api.%s", api), afbt_fmt("/org/afb/api/%s", api),
			     "org.afb.Link1", "EndSession", g_variant_new("(s)", key), &e, &m));
}

static void check_start(void)
{
	bus = dbust_bus_start(NULL, 0);
	daemon_ = afbt_daemon_start("--binding", afbt_binding("hello"), "--binding", afbt_test_binding("flags"),
				    "--binding", afbt_binding("auth"), "--binding", afbt_binding("tictactoe"),
				    "--dbus-server=hello", "--dbus-server=user:flags", "--dbus-server=auth?trust=self",
				    "--dbus-server=tictactoe?trust=uid:4242,gid:4242", NULL);
	p1 = dbust_connect(bus);
	p2 = dbust_connect(bus);
	dbust_wait_name(p1, "org.afb.api.hello", 10000);
	dbust_wait_name(p1, "org.afb.api.flags", 10000);
	dbust_wait_name(p1, "org.afb.api.auth", 10000);
	dbust_wait_name(p1, "org.afb.api.tictactoe", 10000);
}

static void check_session_per_peer(void)
{
	struct dbust_reply *r;

	CHECK_OK(dbust_call(p1, "hello", "contextset", "{\"value\":\"one\"}"));
	r = dbust_call(p2, "hello", "contextget", "{}");
	CHECK_OK(r);
	CHECK_STR(r->response, "null");
	r = dbust_call(p1, "hello", "contextget", "{}");
	CHECK_OK(r);
	CHECK_STR(r->response, "{\"value\":\"one\"}");
	/* a subcall runs in the session of the peer */
	r = dbust_call(p1, "hello", "callsync", "{\"api\":\"hello\",\"verb\":\"contextget\"}");
	CHECK_OK(r);
	CHECK_STR(json_object_get_string(afbt_jget(r->json, "result.response.value")), "one");
	r = dbust_call(p2, "hello", "call", "{\"api\":\"hello\",\"verb\":\"contextget\"}");
	CHECK_OK(r);
	CHECK(!afbt_jget(r->json, "result.response"));
	/* made once per session */
	r = dbust_call(p2, "hello", "contextmake", "{}");
	CHECK_OK(r);
	const char *made = afbt_strdup(json_object_get_string(afbt_jget(r->json, "value")));
	r = dbust_call(p2, "hello", "contextmake", "{}");
	CHECK_STR(json_object_get_string(afbt_jget(r->json, "value")), made);
}

static void check_new_peer_new_session(void)
{
	GDBusConnection *p3 = dbust_connect(bus);
	struct dbust_reply *r;

	CHECK_OK(dbust_call(p3, "hello", "contextset", "{\"value\":\"three\"}"));
	dbust_disconnect(p3);
	p3 = dbust_connect(bus);
	r = dbust_call(p3, "hello", "contextget", "{}");
	CHECK_OK(r);
	CHECK_STR(r->response, "null");
	dbust_disconnect(p3);
}

static void check_trusted_peer(void)
{
	struct dbust_reply *r;

	/* we run as the daemon's user: trusted by the default rule */
	r = dbust_call(p1, "flags", "check", "{}");
	CHECK_OK(r);
	r = dbust_call(p1, "flags", "setloa", "{\"level\":\"1\"}");
	CHECK_OK(r);
	CHECK_EQ(json_object_get_int(afbt_jget(r->json, "done")), 1);
	CHECK_OK(dbust_call(p1, "flags", "loa_ge_1", "{}"));
	/* the LOA is the session's: not p2's */
	r = dbust_call(p2, "flags", "loa_ge_1", "{}");
	CHECK_ERROR(r, "org.afb.Error.denied");
	CHECK_STR(r->message, "invalid LOA");
	/* the whole cycle of auth (?trust=self) */
	r = dbust_call(p2, "auth", "login", "{}");
	CHECK_OK(r);
	CHECK_STR(r->info, "logged in");
	CHECK_ERROR(dbust_call(p2, "auth", "login", "{}"), "org.afb.Error.denied");	/* LOA_EQ_0 */
	CHECK_OK(dbust_call(p2, "auth", "check", "{}"));
	CHECK_OK(dbust_call(p2, "auth", "refresh", "{}"));
	CHECK_OK(dbust_call(p2, "auth", "logout", "{}"));
	r = dbust_call(p2, "auth", "check", "{}");
	CHECK_ERROR(r, "org.afb.Error.denied");
	CHECK_STR(r->message, "invalid LOA");
}

static void check_refused_peer(void)
{
	struct dbust_reply *r;

	/* tictactoe trusts uid and group 4242 only: our session flags are refused */
	r = dbust_call(p1, "tictactoe", "join", "{\"boardid\":1}");
	CHECK_ERROR(r, "org.afb.Error.denied");
	CHECK_STR(r->message, "invalid token's identity");
	/* verbs without session flags serve us */
	CHECK_OK(dbust_call(p1, "tictactoe", "board", "{}"));
	/* a message never raises trust: Link1's flag is ignored too */
	r = link_call(p1, "tictactoe", "k", 1, "join", "{\"boardid\":1}");
	CHECK_ERROR(r, "org.afb.Error.denied");
}

static void check_link_sessions(void)
{
	struct dbust_reply *r;

	CHECK(link_call(p1, "flags", "k1", 1, "ctxset", "{\"value\":\"v1\"}")->ok);
	r = link_call(p1, "flags", "k2", 1, "ctxget", "{}");
	CHECK_OK(r);
	CHECK_STR(r->response, "{\"value\":null}");
	r = link_call(p1, "flags", "k1", 1, "ctxget", "{}");
	CHECK_OK(r);
	CHECK_STR(r->response, "{\"value\":\"v1\"}");
	/* another peer's k1 is another session */
	r = link_call(p2, "flags", "k1", 1, "ctxget", "{}");
	CHECK_STR(r->response, "{\"value\":null}");
	/* a binder peer may lower its trust: its client presented no valid token */
	CHECK_ERROR(link_call(p1, "flags", "k1", 0, "check", "{}"), "org.afb.Error.denied");
	CHECK_OK(link_call(p1, "flags", "k1", 1, "check", "{}"));
	end_session(p1, "flags", "k1");
	r = link_call(p1, "flags", "k1", 1, "ctxget", "{}");
	CHECK_STR(r->response, "{\"value\":null}");
	/* bad keys */
	CHECK_ERROR(link_call(p1, "flags", afbt_fmt("%065d", 0), 1, "ctxget", "{}"),
		    "org.freedesktop.DBus.Error.InvalidArgs");
}

static void check_link_session_limit(void)
{
	struct dbust_reply *r;
	int i;

	/* 1024 per peer; k1 and k2 exist */
	for (i = 0; i < 1022; i++)
		CHECK_OK(link_call(p2, "flags", afbt_fmt("key%d", i), 1, "none", "{}"));
	CHECK_OK(link_call(p2, "flags", "k1", 1, "none", "{}"));
	CHECK_OK(link_call(p2, "flags", "k2", 1, "none", "{}"));
	r = link_call(p2, "flags", "one-too-many", 1, "none", "{}");
	CHECK_ERROR(r, "org.freedesktop.DBus.Error.LimitsExceeded");
	end_session(p2, "flags", "key0");
	CHECK_OK(link_call(p2, "flags", "one-too-many", 1, "none", "{}"));
	/* the peer's own session is not counted */
	CHECK_OK(dbust_call(p2, "flags", "none", "{}"));
}

struct subscription {
	int count;
	guint64 cookie;
	char event[64];
	gboolean on;
	int replied_before;
};

static void on_subscription(GDBusConnection *c, const char *sender, const char *path, const char *itf,
			    const char *member, GVariant *params, gpointer data)
{
	struct subscription *s = data;
	const char *event;

	g_variant_get(params, "(t&sb)", &s->cookie, &event, &s->on);
	snprintf(s->event, sizeof s->event, "%s", event);
	s->count++;
}

static void check_link_subscription(void)
{
	struct subscription s = { 0 };
	GDBusMessage *call, *reply;
	GError *error = NULL;
	guint id;

	CHECK_OK(dbust_call(p1, "hello", "eventadd", "{\"tag\":\"L\",\"name\":\"link\"}"));
	id = g_dbus_connection_signal_subscribe(p1, NULL, "org.afb.Link1", "Subscription", NULL, NULL,
						G_DBUS_SIGNAL_FLAGS_NONE, on_subscription, &s, NULL);
	call = g_dbus_message_new_method_call("org.afb.api.hello", "/org/afb/api/hello", "org.afb.Link1", "Call");
	g_dbus_message_set_body(call, g_variant_new("(sbss)", "kL", TRUE, "eventsub", "{\"tag\":\"L\"}"));
	reply = g_dbus_connection_send_message_with_reply_sync(p1, call, 0, 5000, NULL, NULL, &error);
	CHECK(reply && g_dbus_message_get_message_type(reply) == G_DBUS_MESSAGE_TYPE_METHOD_RETURN);
	dbust_pump(200);
	CHECK_EQ(s.count, 1);
	CHECK_EQ(s.cookie, g_dbus_message_get_serial(call));
	CHECK_STR(s.event, "hello/link");
	CHECK(s.on);
	g_object_unref(reply);
	g_object_unref(call);
	/* a plain Api1 call tells nothing */
	CHECK_OK(dbust_call(p1, "hello", "eventunsub", "{\"tag\":\"L\"}"));
	dbust_pump(200);
	CHECK_EQ(s.count, 1);
	g_dbus_connection_signal_unsubscribe(p1, id);
}

static void check_stop(void)
{
	dbust_disconnect(p1);
	dbust_disconnect(p2);
	afbt_daemon_stop(daemon_);
}

int main(int argc, char **argv)
{
	afbt_init(argc, argv);
	afbt_run("start", check_start);
	afbt_run("session-per-peer", check_session_per_peer);
	afbt_run("new-peer-new-session", check_new_peer_new_session);
	afbt_run("trusted-peer", check_trusted_peer);
	afbt_run("refused-peer", check_refused_peer);
	afbt_run("link-sessions", check_link_sessions);
	afbt_run("link-session-limit", check_link_session_limit);
	afbt_run("link-subscription", check_link_subscription);
	afbt_run("stop", check_stop);
	return afbt_done();
}
