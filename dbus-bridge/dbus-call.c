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
#include "dbus-schema.h"
#include "dbus-shape.h"
#include "dbus-text.h"
#include "dbus-typed.h"
#include "evt.h"
#include "jbuf.h"
#include "mainloop.h"
#include "verbose.h"
#include "xreq.h"

struct dbus_call {
	struct xreq xreq;
	struct dbus_conn *conn;
	struct dbus_peer *peer;		/* one reference */
	sd_bus_message *msg;		/* one reference, handed to the answer at reply */
	uint64_t cookie;		/* of 'msg' */
	const char *link_path;		/* Link1 calls: in 'names', else NULL */
	const struct dbus_shape *typed;	/* typed calls: the shape of the response */
	struct dbus_schema *schema;	/* one reference, or NULL */
	char names[];			/* api, verb, link_path, NUL-terminated */
};

/*
 * The answer, prepared on the replying thread, sent on the main one. For
 * a JSON call, the response text is written once (jbuf.h) right after it,
 * in the same block, with the strings.
 */
struct answer {
	struct mainloop_item post;	/* send_answer */
	struct dbus_conn *conn;
	sd_bus_message *msg;
	const char *error;		/* NULL: success */
	const char *info;		/* may be NULL */
	const char *response;		/* success of a JSON call */
	struct json_object *object;	/* success of a typed call (owned) */
	const struct dbus_shape *typed;	/* typed call: the shape of 'object' */
	struct dbus_schema *schema;	/* one reference, or NULL */
};

static atomic_int live_calls;

/* The typed method return of 'a'. */
static int send_typed(struct answer *a)
{
	sd_bus_message *r = NULL;
	char *fixed = NULL;
	int rc = sd_bus_message_new_method_return(a->msg, &r);

	if (rc >= 0)
		rc = dbus_shape_append(a->typed, r, a->object);
	if (rc >= 0)
		rc = sd_bus_message_append_basic(r, 's', dbus_text_plain(a->info ? a->info : "", "reply info", &fixed));
	if (rc >= 0)
		rc = sd_bus_send(NULL, r, NULL);
	free(fixed);
	sd_bus_message_unref(r);
	if (rc == -EPROTOTYPE || rc == -ERANGE)
		rc = sd_bus_reply_method_errorf(a->msg, SD_BUS_ERROR_FAILED, "the response of %s.%s does not match "
						"its declared type: %s (org.afb.Typed1.Call gives any response)",
						sd_bus_message_get_interface(a->msg), sd_bus_message_get_member(a->msg),
						dbus_typed_error_text(rc));
	else if (rc == -E2BIG)
		rc = sd_bus_reply_method_errorf(a->msg, SD_BUS_ERROR_LIMITS_EXCEEDED,
						"the response is nested too deeply for D-Bus (org.afb.Api1.Call gives it)");
	else if (rc < 0)
		rc = sd_bus_reply_method_errnof(a->msg, rc, "can't send the response: %m");
	return rc;
}

static void send_answer(struct mainloop_item *item)
{
	struct answer *a = (struct answer *)item;
	sd_bus_error err = SD_BUS_ERROR_NULL;
	char *fixed = NULL;
	int rc;

	if (!dbus_conn_is_open(a->conn)) {
		rc = 0;	/* the daemon stops: the bus gives the caller NoReply */
	} else if (a->error) {
		/* a NULL message gives an error without body: "no info" comes back as NULL */
		err.name = a->error;
		err.message = a->info ? dbus_text_plain(a->info, "reply info", &fixed) : NULL;
		rc = sd_bus_reply_method_error(a->msg, &err);
	} else if (a->typed) {
		rc = send_typed(a);
	} else {
		rc = sd_bus_reply_method_return(a->msg, "ss", a->response,
						dbus_text_plain(a->info ? a->info : "", "reply info", &fixed));
	}
	if (rc < 0)
		LOGW_LIMITED("D-Bus: can't send a reply to %s: %s", sd_bus_message_get_sender(a->msg), strerror(-rc));
	free(fixed);
	sd_bus_message_unref(a->msg);
	json_object_put(a->object);
	dbus_schema_unref(a->schema);
	free(a);
}

/* Appends the NUL-terminated 's' (may be NULL) to 'b'; its offset in the block, or 0 for NULL. */
static size_t put_string(struct jbuf *b, const char *s)
{
	size_t at = b->len;

	if (!s)
		return 0;
	jbuf_raw(b, s, strlen(s) + 1);
	return at;
}

/*
 * The answer to 'x', its response being 'object' (consumed) or, for a
 * JSON call, the plain JSON 'text' of 'len' bytes (xreq_reply_text).
 */
static void answer(struct xreq *x, const char *status, const char *info, struct json_object *object,
		   const char *text, size_t len)
{
	struct dbus_call *c = (struct dbus_call *)x;
	char *error = status ? dbus_name_error_of_status(status) : NULL, *escaped = NULL, *mem;
	size_t at_response = 0, at_info, at_error;
	struct answer *a;
	struct jbuf b;
	int rc = 0;

	jbuf_init(&b, sizeof *a, 256 + len);
	if (!status && !c->typed) {
		/* a JSON call: its text now, on the replying thread, once, into the answer */
		at_response = b.len;
		if (!text) {
			jbuf_json(&b, object);
			text = jbuf_text(&b, &len);
		} else {
			jbuf_raw(&b, text, len);
		}
		/* what D-Bus strings can't hold (noncharacters) is written escaped */
		rc = text ? dbus_text_json_escape(text, len, &escaped) : -ENOMEM;
		if (rc > 0) {
			b.len = at_response;
			jbuf_raw(&b, escaped, strlen(escaped));
		}
		jbuf_char(&b, 0);
	}
	at_info = put_string(&b, info);
	at_error = put_string(&b, error);
	free(error);
	free(escaped);
	mem = jbuf_finish(&b, NULL);
	if (!mem || rc < 0 || (status && !at_error)) {
		/* out of memory: the caller gets NoReply when we release the message */
		LOGE("D-Bus: out of memory, reply of %s/%s lost", x->api, x->verb);
		free(mem);
		json_object_put(object);
		return;
	}
	a = (struct answer *)mem;
	a->conn = c->conn;
	a->msg = c->msg;
	c->msg = NULL;
	a->response = at_response ? mem + at_response : NULL;
	a->info = at_info ? mem + at_info : NULL;
	a->error = at_error ? mem + at_error : NULL;
	/* a typed call: the object itself goes to the main thread (it is ours: replies consume it) */
	a->typed = status ? NULL : c->typed;
	a->object = a->typed ? object : NULL;
	a->schema = a->typed && c->schema ? dbus_schema_ref(c->schema) : NULL;
	if (!a->typed)
		json_object_put(object);
	/* posted even on the main thread: events posted before the reply go first */
	a->post.run = send_answer;
	mainloop_post_item(&a->post);
}

static void call_reply(struct xreq *x, const char *status, const char *info, struct json_object *object)
{
	answer(x, status, info, object, NULL, 0);
}

static int call_reply_text(struct xreq *x, const char *info, const char *text, size_t len)
{
	/* a typed call writes the value in its D-Bus types: it needs it parsed */
	if (((struct dbus_call *)x)->typed)
		return -ENOTSUP;
	answer(x, NULL, info, NULL, text, len);
	return 0;
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
	dbus_schema_unref(c->schema);
	atomic_fetch_sub(&live_calls, 1);
	free(c);
}

static int call_subscribe(struct xreq *x, struct evt *evt)
{
	struct dbus_call *c = (struct dbus_call *)x;
	int rc = dbus_peer_subscribe(c->peer, evt, c->typed != NULL);

	if (rc >= 0 && c->link_path)
		dbus_event_post_subscription(c->conn, dbus_peer_name(c->peer), c->link_path, c->cookie,
					     evt_fullname(evt), 1);
	return rc;
}

static int call_unsubscribe(struct xreq *x, struct evt *evt)
{
	struct dbus_call *c = (struct dbus_call *)x;
	int rc = dbus_peer_unsubscribe(c->peer, evt, c->typed != NULL);

	if (rc >= 0 && c->link_path)
		dbus_event_post_subscription(c->conn, dbus_peer_name(c->peer), c->link_path, c->cookie,
					     evt_fullname(evt), 0);
	return rc;
}

static const struct xreq_itf call_itf = {
	.reply = call_reply,
	.reply_text = call_reply_text,
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
	c->typed = p->typed;
	c->schema = p->schema ? dbus_schema_ref(p->schema) : NULL;
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
