/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include <systemd/sd-bus.h>
#include "apiset.h"
#include "dbus-call.h"
#include "dbus-conn.h"
#include "dbus-event.h"
#include "dbus-json.h"
#include "dbus-name.h"
#include "dbus-peer.h"
#include "evt.h"
#include "mainloop.h"
#include "utf8.h"
#include "verbose.h"
#include "xreq.h"

struct dbus_call {
	struct xreq xreq;
	struct dbus_conn *conn;
	struct dbus_peer *peer;		/* one reference */
	sd_bus_message *msg;		/* one reference, handed to the answer at reply */
	uint64_t cookie;		/* of 'msg' */
	const char *link_path;		/* Link1 calls: in 'names', else NULL */
	char names[];			/* api, verb, link_path, NUL-terminated */
};

/* The answer, built on the replying thread, sent on the main one. */
struct answer {
	struct dbus_conn *conn;
	sd_bus_message *msg;
	const char *error;		/* NULL: success */
	const char *info;		/* may be NULL */
	const char *response;		/* success only */
	char strings[];
};

static atomic_int live_calls;

static void send_answer(void *arg)
{
	struct answer *a = arg;
	sd_bus_error err = SD_BUS_ERROR_NULL;
	int rc;

	if (!dbus_conn_is_open(a->conn)) {
		rc = 0;	/* the daemon stops: the bus gives the caller NoReply */
	} else if (a->error) {
		/* a NULL message gives an error without body: "no info" comes back as NULL */
		err.name = a->error;
		err.message = a->info;
		rc = sd_bus_reply_method_error(a->msg, &err);
	} else {
		rc = sd_bus_reply_method_return(a->msg, "ss", a->response, a->info ? a->info : "");
	}
	if (rc < 0)
		LOGW("D-Bus: can't send a reply to %s: %s", sd_bus_message_get_sender(a->msg), strerror(-rc));
	sd_bus_message_unref(a->msg);
	free(a);
}

static void call_reply(struct xreq *x, const char *status, const char *info, struct json_object *object)
{
	struct dbus_call *c = (struct dbus_call *)x;
	char *fixed_response = NULL, *fixed_info;
	/* sd-bus refuses strings that are not UTF-8: a binding's bad string is repaired */
	const char *response = status ? NULL : utf8_json_text(object, DBUS_JSON_TEXT, NULL, &fixed_response);
	char *error = status ? dbus_name_error_of_status(status) : NULL;
	const char *text = utf8_str(info, "a reply info", &fixed_info);
	size_t lr = response ? strlen(response) + 1 : 0, li = text ? strlen(text) + 1 : 0;
	size_t le = error ? strlen(error) + 1 : 0;
	struct answer *a = malloc(sizeof *a + lr + li + le);
	char *at;

	if (!a || (status && !error)) {
		/* out of memory: the caller gets NoReply when we release the message */
		LOGE("D-Bus: out of memory, reply of %s/%s lost", x->api, x->verb);
		free(a);
		free(error);
		free(fixed_response);
		free(fixed_info);
		json_object_put(object);
		return;
	}
	at = a->strings;
	a->conn = c->conn;
	a->msg = c->msg;
	c->msg = NULL;
	a->response = response ? memcpy(at, response, lr) : NULL;
	at += lr;
	a->info = text ? memcpy(at, text, li) : NULL;
	at += li;
	a->error = error ? memcpy(at, error, le) : NULL;
	free(error);
	free(fixed_response);
	free(fixed_info);
	json_object_put(object);
	/* posted even on the main thread: events posted before the reply go first */
	if (mainloop_post(send_answer, a) < 0) {
		LOGE("D-Bus: out of memory, reply of %s/%s lost", x->api, x->verb);
		c->msg = a->msg;	/* released on the main thread by destroy's post */
		free(a);
	}
}

static void unref_message(void *arg)
{
	sd_bus_message_unref(arg);
}

static void call_destroy(struct xreq *x)
{
	struct dbus_call *c = (struct dbus_call *)x;

	/* sd-bus objects are touched on the main thread only */
	if (c->msg && mainloop_post(unref_message, c->msg) < 0)
		LOGE("D-Bus: out of memory, a message leaks");
	dbus_peer_pending_done(c->peer);
	dbus_peer_unref(c->peer);
	atomic_fetch_sub(&live_calls, 1);
	free(c);
}

static int call_subscribe(struct xreq *x, struct evt *evt)
{
	struct dbus_call *c = (struct dbus_call *)x;
	int rc = dbus_peer_subscribe(c->peer, evt);

	if (rc >= 0 && c->link_path)
		dbus_event_post_subscription(c->conn, dbus_peer_name(c->peer), c->link_path, c->cookie,
					     evt_fullname(evt), 1);
	return rc;
}

static int call_unsubscribe(struct xreq *x, struct evt *evt)
{
	struct dbus_call *c = (struct dbus_call *)x;
	int rc = dbus_peer_unsubscribe(c->peer, evt);

	if (rc >= 0 && c->link_path)
		dbus_event_post_subscription(c->conn, dbus_peer_name(c->peer), c->link_path, c->cookie,
					     evt_fullname(evt), 0);
	return rc;
}

static const struct xreq_itf call_itf = {
	.reply = call_reply,
	.destroy = call_destroy,
	.subscribe = call_subscribe,
	.unsubscribe = call_unsubscribe,
};

int dbus_call_start(const struct dbus_call_params *p)
{
	size_t la = strlen(p->api) + 1, lv = strlen(p->verb) + 1;
	size_t lp = p->link_path ? strlen(p->link_path) + 1 : 0;
	struct dbus_call *c = malloc(sizeof *c + la + lv + lp);
	char *api, *verb;

	if (!c) {
		json_object_put(p->args);
		return -ENOMEM;
	}
	if (dbus_peer_pending_add(p->peer) < 0) {
		json_object_put(p->args);
		free(c);
		return -EBUSY;
	}
	api = memcpy(c->names, p->api, la);
	verb = memcpy(c->names + la, p->verb, lv);
	c->link_path = p->link_path ? memcpy(c->names + la + lv, p->link_path, lp) : NULL;
	c->conn = p->conn;
	c->peer = dbus_peer_ref(p->peer);
	c->msg = sd_bus_message_ref(p->msg);
	if (sd_bus_message_get_cookie(p->msg, &c->cookie) < 0)
		c->cookie = 0;
	xreq_init(&c->xreq, &call_itf, dbus_peer_client(p->peer), p->session, api, verb, p->args);
	if (p->validated)
		xreq_set(&c->xreq, XREQ_VALIDATED);
	atomic_fetch_add(&live_calls, 1);
	xreq_process(&c->xreq, main_apiset);
	return 0;
}

int dbus_call_count(void)
{
	return atomic_load(&live_calls);
}
