/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "dbus-conn.h"
#include "dbus-event.h"
#include "dbus-json.h"
#include "dbus-export.h"
#include "dbus-name.h"
#include "dbus-schema.h"
#include "dbus-text.h"
#include "dbus-typed.h"
#include "evt.h"
#include "mainloop.h"
#include "verbose.h"

enum kind { PUSH, BROADCAST, SUBSCRIPTION };

/* What is emitted later: one allocation, the strings follow the struct. */
struct emission {
	struct dbus_conn *conn;
	enum kind kind;
	int on;
	int typed;			/* a typed event: 'value', not 'data' */
	struct json_object *value;	/* typed: a copy of the data, owned (NULL: null) */
	uint64_t cookie;
	const char *destination;	/* NULL: broadcast */
	const char *path;		/* NULL: the path of the event's api */
	const char *event;
	const char *data;		/* NULL for SUBSCRIPTION */
	char strings[];
};

static size_t len0(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

static const char *put(char **at, const char *s)
{
	char *where = *at;
	size_t n = len0(s);

	if (!s)
		return NULL;
	memcpy(where, s, n);
	*at += n;
	return where;
}

/* The api part of "API/NAME" as a new string. */
static char *api_of_event(const char *event)
{
	const char *slash = strchr(event, '/');

	return strndup(event, slash ? (size_t)(slash - event) : strlen(event));
}

/* The JSON signal org.afb.Api1.Event, from the text 'data' or else the value. */
static int emit_json(struct emission *e, const char *path)
{
	sd_bus_message *m = NULL;
	char *fixed = NULL, *text_copy = NULL;
	const char *data = e->data ? e->data : dbus_text_json(e->value, &text_copy);
	int rc = data ? sd_bus_message_new_signal(e->conn->bus, &m, path, DBUS_NAME_API_ITF, "Event") : -ENOMEM;

	if (rc >= 0 && e->destination)
		rc = sd_bus_message_set_destination(m, e->destination);
	if (rc >= 0)
		rc = sd_bus_message_append(m, "ss", dbus_text_plain(e->event, "event name", &fixed), data);
	if (rc >= 0)
		rc = sd_bus_send(e->conn->bus, m, NULL);
	free(fixed);
	free(text_copy);
	sd_bus_message_unref(m);
	return rc;
}

/* A typed signal: the one declared by 'schema', or org.afb.Typed1.Event. */
static int emit_typed(struct emission *e, const char *path, struct dbus_export *ex)
{
	const struct dbus_schema_event *decl = NULL;
	const char *slash = strchr(e->event, '/');
	sd_bus_message *m = NULL;
	char *fixed = NULL;
	int rc;

	if (ex && slash && dbus_export_typed_interface(ex))
		decl = dbus_schema_event(dbus_export_schema(ex), slash + 1);
	if (decl) {
		rc = sd_bus_message_new_signal(e->conn->bus, &m, path, dbus_export_typed_interface(ex), decl->member);
		if (rc >= 0 && e->destination)
			rc = sd_bus_message_set_destination(m, e->destination);
		if (rc >= 0)
			rc = dbus_shape_append(&decl->data, m, e->value);
		if (rc >= 0)
			rc = sd_bus_send(e->conn->bus, m, NULL);
		m = sd_bus_message_unref(m);
		if (rc != -EPROTOTYPE && rc != -ERANGE && rc != -E2BIG)
			return rc;
		/* the data does not match its declaration: the generic signal carries it */
	}
	rc = sd_bus_message_new_signal(e->conn->bus, &m, path, DBUS_NAME_TYPED_ITF, "Event");
	if (rc >= 0 && e->destination)
		rc = sd_bus_message_set_destination(m, e->destination);
	if (rc >= 0)
		rc = sd_bus_message_append_basic(m, 's', dbus_text_plain(e->event, "event name", &fixed));
	if (rc >= 0)
		rc = dbus_typed_append(m, "v", e->value, 0);
	if (rc >= 0)
		rc = sd_bus_send(e->conn->bus, m, NULL);
	free(fixed);
	sd_bus_message_unref(m);
	/* deeper than D-Bus allows: as JSON text */
	return rc == -E2BIG ? emit_json(e, path) : rc;
}

static void emit(void *arg)
{
	struct emission *e = arg;
	struct dbus_conn *conn = e->conn;
	sd_bus_message *m = NULL;
	struct dbus_export *ex = NULL;
	char *api = NULL, *path = NULL, *fixed = NULL;
	int rc;

	if (!dbus_conn_is_open(conn))
		goto end;
	if (e->path) {
		path = strdup(e->path);
	} else {
		api = api_of_event(e->event);
		if (!api)
			goto end;
		ex = dbus_export_find_api(conn, api);
		if (e->kind == BROADCAST && !ex)
			goto end;	/* not an api exported here: not ours to broadcast */
		path = ex ? strdup(dbus_export_path(ex)) : dbus_name_path_of_api(api);
	}
	if (!path)
		goto end;
	if (e->kind == SUBSCRIPTION) {
		rc = sd_bus_message_new_signal(conn->bus, &m, path, DBUS_NAME_LINK_ITF, "Subscription");
		if (rc >= 0)
			rc = sd_bus_message_set_destination(m, e->destination);
		if (rc >= 0)
			rc = sd_bus_message_append(m, "tsb", e->cookie, dbus_text_plain(e->event, "event name", &fixed), e->on);
		if (rc >= 0)
			rc = sd_bus_send(conn->bus, m, NULL);
	} else if (e->typed) {
		rc = emit_typed(e, path, ex);
	} else {
		rc = emit_json(e, path);
	}
	if (rc < 0)
		LOGW("D-Bus: can't emit event %s to %s: %s", e->event,
		     e->destination ? e->destination : "every peer", strerror(-rc));
end:
	sd_bus_message_unref(m);
	free(fixed);
	json_object_put(e->value);
	free(api);
	free(path);
	free(e);
}

/* 'value' (typed) is consumed. */
static void post(struct dbus_conn *conn, enum kind kind, const char *destination, const char *path,
		 uint64_t cookie, const char *event, int on, const char *data, int typed, struct json_object *value)
{
	struct emission *e = malloc(sizeof *e + len0(destination) + len0(path) + len0(event) + len0(data));
	char *at;

	/* the strings are made valid for sd-bus when emitted (dbus-text.h) */
	if (!e) {
		LOGE("D-Bus: out of memory, event %s lost", event);
		json_object_put(value);
		return;
	}
	at = e->strings;
	e->conn = conn;
	e->kind = kind;
	e->on = on;
	e->cookie = cookie;
	e->typed = typed;
	e->value = value;
	e->destination = put(&at, destination);
	e->path = put(&at, path);
	e->event = put(&at, event);
	e->data = put(&at, data);
	if (mainloop_post(emit, e) < 0) {
		LOGE("D-Bus: out of memory, event %s lost", event);
		json_object_put(value);
		free(e);
	}
}

/*
 * Posts the event in one flavour: as JSON text made now, or typed from a
 * copy of 'data' (the listeners share 'data', borrowed: the emission on
 * the main thread needs its own).
 */
static void post_event(struct dbus_conn *conn, enum kind kind, const char *destination, const char *event,
		       struct json_object *data, int typed)
{
	struct json_object *copy = NULL;
	const char *text;
	char *text_copy = NULL;

	if (!typed) {
		text = dbus_text_json(data, &text_copy);
		if (text)
			post(conn, kind, destination, NULL, 0, event, 0, text, 0, NULL);
		else
			LOGE("D-Bus: out of memory, event %s lost", event);
		free(text_copy);
		return;
	}
	if (data && json_object_deep_copy(data, &copy, NULL) < 0) {
		LOGE("D-Bus: out of memory, event %s lost", event);
		return;
	}
	post(conn, kind, destination, NULL, 0, event, 0, NULL, 1, copy);
}

void dbus_event_post_push(struct dbus_conn *conn, const char *destination, const char *event,
			  struct json_object *data, int typed)
{
	if (dbus_conn_is_open(conn))
		post_event(conn, PUSH, destination, event, data, typed);
}

void dbus_event_post_subscription(struct dbus_conn *conn, const char *destination, const char *path,
				  uint64_t cookie, const char *event, int on)
{
	if (dbus_conn_is_open(conn))
		post(conn, SUBSCRIPTION, destination, path, cookie, event, on, NULL, 0, NULL);
}

static void on_broadcast(void *closure, const char *event, struct json_object *object)
{
	struct dbus_conn *conn = closure;

	if (dbus_conn_is_open(conn)) {
		post_event(conn, BROADCAST, NULL, event, object, 0);
		post_event(conn, BROADCAST, NULL, event, object, 1);
	}
}

static const struct evt_listener_itf broadcaster_itf = {
	.broadcast = on_broadcast,
};

struct evt_listener *dbus_event_broadcaster_new(struct dbus_conn *conn)
{
	return evt_listener_new(&broadcaster_itf, conn);
}
