/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A request received over D-Bus (the server side of the bridge).
 *
 * It embeds the core's 'struct xreq'. The method call message is kept
 * until the reply: the reply hook, on whatever thread replies, prepares
 * the answer and posts it to the main thread, which sends the method
 * return or the error org.afb.Error.<status> with the info as message.
 * Answers are posted in reply order, after the events and subscriptions
 * the verb posted before replying.
 *
 * Two flavours: a JSON call returns (s response_json, s info), the text
 * made on the replying thread; a typed call returns the response laid out
 * as its shape (dbus-shape.h) then (s info), made on the main thread from
 * the response object itself (no JSON text on the typed path). The
 * subscriptions a call makes bring the events in its flavour.
 */
#pragma once

#include <stdint.h>

struct dbus_conn;
struct dbus_peer;
struct dbus_schema;
struct dbus_shape;
struct json_object;
struct session;
typedef struct sd_bus_message sd_bus_message;

struct dbus_call_params {
	struct dbus_conn *conn;
	sd_bus_message *msg;		/* the method call (a reference is taken) */
	struct dbus_peer *peer;		/* the caller (a reference is taken) */
	struct session *session;	/* its session for this call (idem) */
	const char *api;		/* copied */
	const char *verb;		/* copied */
	struct json_object *args;	/* consumed */
	int validated;			/* the trust rule's verdict */
	const char *link_path;		/* Link1 calls: the object path (copied), for Subscription signals */
	const struct dbus_shape *typed;	/* typed calls: the shape of the response; NULL: JSON */
	struct dbus_schema *schema;	/* the schema holding 'typed' when it is not static (a reference is taken) */
};

/*
 * Starts the request. Main thread. Returns 0 (the reply comes later), or
 * -EBUSY (the peer has DBUS_PEER_MAX_PENDING requests in progress), -ENOMEM;
 * on error nothing is taken but 'args' and the caller replies the error.
 */
int dbus_call_start(const struct dbus_call_params *params);

/* Count of requests in progress (tests, stop). */
int dbus_call_count(void);
