/* SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "dbus-conn.h"
#include "dbus-event.h"
#include "dbus-json.h"
#include "dbus-export.h"
#include "dbus-name.h"
#include "evt.h"
#include "mainloop.h"
#include "utf8.h"
#include "verbose.h"

enum kind { PUSH, BROADCAST, SUBSCRIPTION };

/* What is emitted later: one allocation, the strings follow the struct. */
struct emission {
	struct dbus_conn *conn;
	enum kind kind;
	int on;
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

static void emit(void *arg)
{
	struct emission *e = arg;
	struct dbus_conn *conn = e->conn;
	sd_bus_message *m = NULL;
	struct dbus_export *ex = NULL;
	char *api = NULL, *path = NULL;
	int rc;

	if (!dbus_conn_is_open(conn))
		goto end;
	if (e->path) {
		path = strdup(e->path);
	} else {
		api = api_of_event(e->event);
		if (!api)
			goto end;
		if (e->kind == BROADCAST) {
			ex = dbus_export_find(conn, api);
			if (!ex)
				goto end;	/* not an api exported here: not ours to broadcast */
			path = strdup(dbus_export_path(ex));
		} else {
			path = dbus_name_path_of_api(api);
		}
	}
	if (!path)
		goto end;
	if (e->kind == SUBSCRIPTION)
		rc = sd_bus_message_new_signal(conn->bus, &m, path, DBUS_NAME_LINK_ITF, "Subscription");
	else
		rc = sd_bus_message_new_signal(conn->bus, &m, path, DBUS_NAME_API_ITF, "Event");
	if (rc >= 0 && e->destination)
		rc = sd_bus_message_set_destination(m, e->destination);
	if (rc >= 0)
		rc = e->kind == SUBSCRIPTION
			? sd_bus_message_append(m, "tsb", e->cookie, e->event, e->on)
			: sd_bus_message_append(m, "ss", e->event, e->data);
	if (rc >= 0)
		rc = sd_bus_send(conn->bus, m, NULL);
	if (rc < 0)
		LOGW("D-Bus: can't emit event %s to %s: %s", e->event,
		     e->destination ? e->destination : "every peer", strerror(-rc));
end:
	sd_bus_message_unref(m);
	free(api);
	free(path);
	free(e);
}

static void post(struct dbus_conn *conn, enum kind kind, const char *destination, const char *path,
		 uint64_t cookie, const char *event, int on, const char *data)
{
	struct emission *e;
	char *at, *fixed_event, *fixed_data;

	/* sd-bus refuses strings that are not UTF-8: a binding's bad string is repaired */
	event = utf8_str(event, "an event name", &fixed_event);
	data = utf8_str(data, "event data", &fixed_data);
	e = malloc(sizeof *e + len0(destination) + len0(path) + len0(event) + len0(data));
	if (!e) {
		LOGE("D-Bus: out of memory, event %s lost", event);
		goto end;
	}
	at = e->strings;
	e->conn = conn;
	e->kind = kind;
	e->on = on;
	e->cookie = cookie;
	e->destination = put(&at, destination);
	e->path = put(&at, path);
	e->event = put(&at, event);
	e->data = put(&at, data);
	if (mainloop_post(emit, e) < 0) {
		LOGE("D-Bus: out of memory, event %s lost", event);
		free(e);
	}
end:
	free(fixed_event);
	free(fixed_data);
}

static const char *text_of(struct json_object *data)
{
	return data ? json_object_to_json_string_ext(data, DBUS_JSON_TEXT) : "null";
}

void dbus_event_post_push(struct dbus_conn *conn, const char *destination, const char *event,
			  struct json_object *data)
{
	if (dbus_conn_is_open(conn))
		post(conn, PUSH, destination, NULL, 0, event, 0, text_of(data));
}

void dbus_event_post_subscription(struct dbus_conn *conn, const char *destination, const char *path,
				  uint64_t cookie, const char *event, int on)
{
	if (dbus_conn_is_open(conn))
		post(conn, SUBSCRIPTION, destination, path, cookie, event, on, NULL);
}

static void on_broadcast(void *closure, const char *event, struct json_object *object)
{
	struct dbus_conn *conn = closure;

	if (dbus_conn_is_open(conn))
		post(conn, BROADCAST, NULL, NULL, 0, event, 0, text_of(object));
}

static const struct evt_listener_itf broadcaster_itf = {
	.broadcast = on_broadcast,
};

struct evt_listener *dbus_event_broadcaster_new(struct dbus_conn *conn)
{
	return evt_listener_new(&broadcaster_itf, conn);
}
