/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A call received on an x-afb-ws-json1 connection, as an xreq.
 *
 * The request holds one reference on its connection until destroyed, so
 * a reply arriving after the connection closed finds valid memory: it
 * sees 'closed' and is dropped. The reply hook runs on the replying
 * thread: it writes [3|4,id,envelope,token?] there, straight into the
 * frame, and posts the frame to the main thread.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "wsj1-internal.h"
#include "jbuf.h"
#include "json1.h"
#include "session.h"
#include "xreq.h"

struct wsj1_call {
	struct xreq xreq;
	struct wsj1_conn *conn;		/* one reference */
	const char *id;			/* the id, echoed: after the names */
	size_t id_len;
	char names[];			/* "api\0verb\0" then the id's JSON text */
};

#define call_of(x) ((struct wsj1_call *)((char *)(x) - offsetof(struct wsj1_call, xreq)))

/* The reply, of 'object' (borrowed) or of the JSON 'text' (xreq_reply_text). */
static void reply(struct xreq *x, const char *status, const char *info, struct json_object *object,
		  const char *text, size_t len)
{
	struct wsj1_call *call = call_of(x);
	struct wsj1_conn *conn = call->conn;
	struct jbuf b;
	int tell_uuid;
	char token[SESSION_UUID_LEN + 1];

	atomic_fetch_sub(&conn->inflight, 1);
	if (atomic_load(&conn->closed)) {
		/* the client left: nobody to tell */
		return;
	}
	/*
	 * The first reply of a connection whose session was made by its
	 * upgrade tells the uuid (the client has no other way to learn it).
	 */
	tell_uuid = !xreq_has(x, XREQ_CLOSING) && atomic_exchange(&conn->uuid_unsent, 0);
	/* written once, straight into the frame sent */
	wsj1_out_begin(&b, 256 + len);
	json1_reply_begin(&b, status ? JSON1_REPLY_ERROR : JSON1_REPLY_OK, call->id, call->id_len);
	xreq_envelope_text(&b, x, status, info, object, text, len, NULL, tell_uuid);
	json1_reply_end(&b, xreq_renewed_token(x, token));
	wsj1_conn_post(conn, wsj1_out_end(&b), 1);
}

static void on_reply(struct xreq *x, const char *status, const char *info, struct json_object *object)
{
	reply(x, status, info, object, NULL, 0);
	json_object_put(object);
}

static int on_reply_text(struct xreq *x, const char *info, const char *text, size_t len)
{
	reply(x, NULL, info, NULL, text, len);
	return 0;
}

static void on_destroy(struct xreq *x)
{
	struct wsj1_call *call = call_of(x);

	wsj1_conn_unref(call->conn);
	free(call);
}

static int on_subscribe(struct xreq *x, struct evt *evt)
{
	return wsj1_listen_subscribe(call_of(x)->conn, evt);
}

static int on_unsubscribe(struct xreq *x, struct evt *evt)
{
	return wsj1_listen_unsubscribe(call_of(x)->conn, evt);
}

static const struct xreq_itf call_itf = {
	.reply = on_reply,
	.reply_text = on_reply_text,
	.destroy = on_destroy,
	.subscribe = on_subscribe,
	.unsubscribe = on_unsubscribe,
};

int wsj1_call_dispatch(struct wsj1_conn *conn, struct json1_msg *msg)
{
	size_t alen = msg->api_len, vlen = msg->verb_len;
	struct wsj1_call *call;
	char small[64], *token = small;

	/* the token is a C string for the session (not kept) */
	if (msg->token && msg->token_len >= sizeof small && !(token = malloc(msg->token_len + 1)))
		return -ENOMEM;
	call = malloc(sizeof *call + alen + vlen + 2 + msg->id_len);
	if (!call) {
		if (token != small)
			free(token);
		return -ENOMEM;
	}
	memcpy(call->names, msg->api, alen);
	call->names[alen] = 0;
	memcpy(call->names + alen + 1, msg->verb, vlen);
	call->names[alen + 1 + vlen] = 0;
	memcpy(call->names + alen + vlen + 2, msg->id_text, msg->id_len);
	call->id = call->names + alen + vlen + 2;
	call->id_len = msg->id_len;
	call->conn = wsj1_conn_ref(conn);
	/*
	 * The arguments go to the request: json-c's reference counts are not
	 * atomic, so the message keeps none (it is released on this thread
	 * while the request's objects live on in workers: ThreadSanitizer).
	 */
	xreq_init(&call->xreq, &call_itf, conn->client, conn->session, call->names, call->names + alen + 1,
		  msg->args);
	msg->args = NULL;
	if (msg->token) {
		memcpy(token, msg->token, msg->token_len);
		token[msg->token_len] = 0;
		xreq_present_token(&call->xreq, token);
	} else {
		/* the upgrade required a valid token: a call without one inherits it */
		xreq_set(&call->xreq, XREQ_VALIDATED);
	}
	if (token != small)
		free(token);
	atomic_fetch_add(&conn->inflight, 1);
	xreq_process(&call->xreq, conn->server->apiset);
	return 0;
}
