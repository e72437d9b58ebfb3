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
	struct json_object *id;		/* owned: echoed as received */
	char names[];			/* "api\0verb\0" */
};

#define call_of(x) ((struct wsj1_call *)((char *)(x) - offsetof(struct wsj1_call, xreq)))

static void on_reply(struct xreq *x, const char *status, const char *info, struct json_object *object)
{
	struct wsj1_call *call = call_of(x);
	struct wsj1_conn *conn = call->conn;
	struct jbuf b;
	int tell_uuid;
	char token[SESSION_UUID_LEN + 1];

	atomic_fetch_sub(&conn->inflight, 1);
	if (atomic_load(&conn->closed)) {
		/* the client left: nobody to tell */
		json_object_put(object);
		return;
	}
	/*
	 * The first reply of a connection whose session was made by its
	 * upgrade tells the uuid (the client has no other way to learn it).
	 */
	tell_uuid = !xreq_has(x, XREQ_CLOSING) && atomic_exchange(&conn->uuid_unsent, 0);
	/* written once, straight into the frame sent */
	wsj1_out_begin(&b, 256);
	json1_reply_begin(&b, status ? JSON1_REPLY_ERROR : JSON1_REPLY_OK, call->id);
	xreq_envelope_text(&b, x, status, info, object, NULL, tell_uuid);
	json1_reply_end(&b, xreq_renewed_token(x, token));
	json_object_put(object);
	wsj1_conn_post(conn, wsj1_out_end(&b), 1);
}

static void on_destroy(struct xreq *x)
{
	struct wsj1_call *call = call_of(x);

	json_object_put(call->id);
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
	.destroy = on_destroy,
	.subscribe = on_subscribe,
	.unsubscribe = on_unsubscribe,
};

int wsj1_call_dispatch(struct wsj1_conn *conn, const struct json1_msg *msg)
{
	size_t vlen = strlen(msg->verb);
	struct wsj1_call *call = malloc(sizeof *call + msg->api_len + vlen + 2);
	struct json_object *args;

	if (!call)
		return -ENOMEM;
	memcpy(call->names, msg->api, msg->api_len);
	call->names[msg->api_len] = 0;
	memcpy(call->names + msg->api_len + 1, msg->verb, vlen + 1);
	call->conn = wsj1_conn_ref(conn);
	call->id = json_object_get(msg->id);
	args = json_object_get(msg->args);
	/*
	 * The message is released on this thread after the dispatch, while
	 * the request's objects live on in workers: they are taken out of it
	 * here (json-c's reference counts are not atomic: ThreadSanitizer).
	 * Indexes of [2,id,"api/verb",args,token?].
	 */
	json_object_array_put_idx(msg->root, 1, NULL);
	if (args)
		json_object_array_put_idx(msg->root, 3, NULL);

	xreq_init(&call->xreq, &call_itf, conn->client, conn->session, call->names, call->names + msg->api_len + 1,
		  args);
	/* the upgrade required a valid token: a call without one inherits it */
	if (msg->token)
		xreq_present_token(&call->xreq, msg->token);
	else
		xreq_set(&call->xreq, XREQ_VALIDATED);
	atomic_fetch_add(&conn->inflight, 1);
	xreq_process(&call->xreq, conn->server->apiset);
	return 0;
}
