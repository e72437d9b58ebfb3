/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HTTP api calls.
 *
 * Flow of one call, on the main thread unless said otherwise:
 *  1. first access call: args get the query string, the body parser is set
 *     up (hbody); errors known from the headers are answered at once;
 *  2. body chunks feed the parser;
 *  3. last access call: args are complete, the session is found or made,
 *     the xreq is dispatched (xreq_process) and the connection suspended;
 *  4. the reply hook, on whatever thread replies, serializes the envelope
 *     straight into the body that MHD sends (jbuf.h, no copy) and posts
 *     'deliver' to the main thread (a reply made
 *     on the main thread during dispatch skips the suspension);
 *  5. 'deliver' resumes the connection; MHD calls the access handler
 *     again, which queues the response.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <json-c/json.h>

#include "hreq.h"
#include "hargs.h"
#include "hbody.h"
#include "hsrv-internal.h"
#include "apiset.h"
#include "jbuf.h"
#include "mainloop.h"
#include "memtrim.h"
#include "peer.h"
#include "session.h"
#include "utf8.h"
#include "verbose.h"
#include "xreq.h"

enum hreq_state {
	HREQ_RECEIVING,		/* headers and body */
	HREQ_WAITING,		/* dispatched, connection suspended */
	HREQ_DONE,		/* response queued */
};

struct hreq {
	struct xreq xreq;
	atomic_int refcount;
	struct hsrv *hsrv;
	struct MHD_Connection *con;	/* NULL once MHD completed the request */
	struct hreq *prev, *next;	/* in hsrv->suspended while suspended */
	struct json_object *args;	/* owned until the dispatch */
	struct hbody body;
	enum hreq_state state;
	/* main thread only */
	unsigned in_dispatch: 1;	/* inside xreq_process */
	unsigned ready: 1;		/* the reply below can be queued */
	unsigned linked: 1;		/* suspended, in hsrv->suspended */
	/* written by the replying thread, read on the main thread after 'deliver' */
	unsigned code;
	char *reply;			/* malloc'ed body, handed to MHD */
	size_t reply_len;
	char uuid[SESSION_UUID_LEN + 1];	/* created session, for the cookie ("": none) */
	char *reqid;			/* echoed as request.reqid */
	struct mainloop_item post;	/* 'deliver' of the reply */
	char names[];			/* "api\0verb\0" */
};

/* a reply body (or a request body) whose release is told to memtrim */
#define HREQ_LARGE_REPLY (64u << 10)

#define hreq_of(x) ((struct hreq *)((char *)(x) - offsetof(struct hreq, xreq)))

/* ---- life cycle ---- */

static void hreq_addref(struct hreq *h)
{
	atomic_fetch_add_explicit(&h->refcount, 1, memory_order_relaxed);
}

/* Any thread: only memory and files are released here, never MHD objects. */
static void hreq_unref(struct hreq *h)
{
	if (atomic_fetch_sub_explicit(&h->refcount, 1, memory_order_acq_rel) != 1)
		return;
	hbody_cleanup(&h->body);
	json_object_put(h->args);
	free(h->reply);
	free(h->reqid);
	free(h);
}

static void link_suspended(struct hreq *h)
{
	h->prev = NULL;
	h->next = h->hsrv->suspended;
	if (h->next)
		h->next->prev = h;
	h->hsrv->suspended = h;
	h->linked = 1;
}

static void unlink_suspended(struct hreq *h)
{
	if (h->prev)
		h->prev->next = h->next;
	else
		h->hsrv->suspended = h->next;
	if (h->next)
		h->next->prev = h->prev;
	h->prev = h->next = NULL;
	h->linked = 0;
}

void hreq_release(struct hreq *h)
{
	h->hsrv->requests--;
	if (h->linked)
		unlink_suspended(h);
	hbody_release_mhd(&h->body);
	h->con = NULL;
	/* a large body (its buffer, its args) is being freed: the heap may shrink */
	if (h->body.received >= HREQ_LARGE_REPLY)
		memtrim_note(h->body.received);
	hreq_unref(h);
}

void hreq_resume_all(struct hsrv *hsrv)
{
	struct hreq *h;

	/* hsrv->stopping is set: the access handler will decline them */
	while ((h = hsrv->suspended) != NULL) {
		unlink_suspended(h);
		MHD_resume_connection(h->con);
	}
}

/* ---- replies ---- */

/*
 * The HTTP status of a reply. "denied" is 401 when no valid token was
 * presented (a token may fix it) and 403 when it was (the token is
 * right but not enough).
 */
static unsigned http_status(const char *status, int validated)
{
	if (!status)
		return MHD_HTTP_OK;
	if (!strcmp(status, "unknown-api") || !strcmp(status, "unknown-verb"))
		return MHD_HTTP_NOT_FOUND;
	if (!strcmp(status, "bad-request"))
		return MHD_HTTP_BAD_REQUEST;
	if (!strcmp(status, "denied"))
		return validated ? MHD_HTTP_FORBIDDEN : MHD_HTTP_UNAUTHORIZED;
	if (!strcmp(status, "cancelled"))
		return MHD_HTTP_SERVICE_UNAVAILABLE;
	if (!strcmp(status, "timeout"))
		return MHD_HTTP_GATEWAY_TIMEOUT;
	if (!strcmp(status, "disconnected"))
		return MHD_HTTP_BAD_GATEWAY;
	return MHD_HTTP_INTERNAL_SERVER_ERROR;
}

/* Takes the text written in 'b' as the body (no copy: MHD frees it). */
static void set_reply(struct hreq *h, unsigned code, struct jbuf *b)
{
	h->code = code;
	h->reply = jbuf_finish(b, &h->reply_len);
	if (!h->reply) {
		/* no memory for the body: the status still tells the client */
		h->code = MHD_HTTP_INTERNAL_SERVER_ERROR;
		h->reply_len = 0;
	}
}

/* Main thread: the reply is ready, wake the suspended connection. */
static void deliver(struct mainloop_item *item)
{
	struct hreq *h = (struct hreq *)((char *)item - offsetof(struct hreq, post));

	if (h->con) {
		h->ready = 1;
		if (h->linked) {
			unlink_suspended(h);
			MHD_resume_connection(h->con);
		}
		/* one MHD run for every reply delivered in this loop round */
		hsrv_kick(h->hsrv);
	}
	hreq_unref(h);
}

/*
 * The reply, of 'object' or of the JSON 'text' (xreq_reply_text): any
 * thread; must not touch MHD nor the server.
 */
static void reply(struct xreq *x, const char *status, const char *info, struct json_object *object,
		  const char *text, size_t len)
{
	struct hreq *h = hreq_of(x);
	struct jbuf b;

	/* serialized once, into the body MHD sends; a binding's bad string is repaired (U+FFFD) */
	jbuf_init(&b, 0, 256 + len);
	xreq_envelope_text(&b, x, status, info, object, text, len, h->reqid, 0);
	set_reply(h, http_status(status, xreq_has(x, XREQ_VALIDATED)), &b);
	/* the session may be gone when the cookie is written: copy its uuid now */
	if ((atomic_load(&x->flags) & (XREQ_CREATED | XREQ_CLOSING)) == XREQ_CREATED)
		memcpy(h->uuid, session_uuid(xreq_session(x, 0)), SESSION_UUID_LEN + 1);

	/* in_dispatch is read on the main thread only */
	if (mainloop_is_main() && h->in_dispatch) {
		/* replied within xreq_process (unknown api...): no need to suspend */
		h->ready = 1;
		return;
	}
	/* one reply: the post embedded in the request is free */
	hreq_addref(h);
	h->post.run = deliver;
	mainloop_post_item(&h->post);
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
	hreq_unref(hreq_of(x));
}

/* Only the files uploaded with this request may be given to its verb as files. */
static int owns_file(struct xreq *x, const char *path)
{
	return hbody_owns_file(&hreq_of(x)->body, path);
}

static const struct xreq_itf hreq_itf = {
	.reply = on_reply,
	.reply_text = on_reply_text,
	.destroy = on_destroy,
	.owns_file = owns_file,
};

/* MHD's free callback of a reply body: a large one may shrink the heap. */
static void free_reply(void *body)
{
	free(body);
}

static void free_large_reply(void *body)
{
	free(body);
	memtrim_note(0);
}

/* Queues h->reply (handed to MHD) with the api reply headers. */
static enum MHD_Result queue_reply(struct hreq *h, struct MHD_Connection *con)
{
	struct hsrv *hsrv = h->hsrv;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	int ok;

	h->state = HREQ_DONE;
	/* the body written by the reply hook is sent as it is */
	resp = MHD_create_response_from_buffer_with_free_callback(h->reply_len, h->reply,
								   h->reply_len >= HREQ_LARGE_REPLY ? free_large_reply
												     : free_reply);
	if (!resp)
		return MHD_NO;
	h->reply = NULL;
	ok = MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json") == MHD_YES
	     && MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache") == MHD_YES;
	if (ok && h->uuid[0])
		ok = hsrv_set_cookie(hsrv, resp, h->uuid) == 0;
	if (ok && h->code == MHD_HTTP_UNAUTHORIZED)
		ok = MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer") == MHD_YES;
	ret = ok ? MHD_queue_response(con, h->code, resp) : MHD_NO;
	MHD_destroy_response(resp);
	return ret;
}

/* Replies to a request refused before dispatch (bad body...): no session involved. */
static enum MHD_Result queue_early_error(struct hreq *h, struct MHD_Connection *con, unsigned code,
					 const char *info)
{
	struct jbuf b;

	jbuf_init(&b, 0, 128);
	jbuf_lit(&b, "{\"jtype\":\"afb-reply\",\"request\":{\"status\":");
	if (code == MHD_HTTP_INTERNAL_SERVER_ERROR)
		jbuf_lit(&b, "\"failed\"");
	else
		jbuf_lit(&b, "\"bad-request\"");
	jbuf_lit(&b, ",\"info\":");
	jbuf_cstring(&b, info, "a reply info");
	jbuf_lit(&b, "}}");
	set_reply(h, code, &b);
	return queue_reply(h, con);
}

/* ---- session, token, request id ---- */

const char *hreq_find_uuid(struct MHD_Connection *con, struct json_object *args, const char *cookie_name)
{
	const char *v;

	v = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "x-afb-uuid");
	if (!v && args)
		v = hargs_string(args, "x-afb-uuid");
	if (!v && cookie_name)
		v = MHD_lookup_connection_value(con, MHD_COOKIE_KIND, cookie_name);
	if (!v && args)
		v = hargs_string(args, "uuid");
	return v;
}

const char *hreq_find_token(struct MHD_Connection *con, struct json_object *args)
{
	const char *v;

	v = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "x-afb-token");
	if (!v) {
		v = MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
		if (v && !strncasecmp(v, "Bearer ", 7)) {
			for (v += 7; *v == ' '; v++);
		} else {
			v = NULL;
		}
	}
	if (!v && args)
		v = hargs_string(args, "x-afb-token");
	if (!v && args)
		v = hargs_string(args, "token");
	return v;
}

/* ---- dispatch ---- */

/* Last access call: the args are complete. */
static enum MHD_Result dispatch(struct hreq *h, struct MHD_Connection *con)
{
	struct hsrv *hsrv = h->hsrv;
	struct session *session;
	const char *uuid, *token, *reqid;

	uuid = hreq_find_uuid(con, h->args, hsrv->cookie_name);
	token = hreq_find_token(con, h->args);
	reqid = hargs_string(h->args, "x-afb-reqid");
	if (!reqid)
		reqid = hargs_string(h->args, "reqid");
	if (reqid && !(h->reqid = strdup(reqid)))
		return queue_early_error(h, con, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");

	/* the client's session if it names a live one; else one is made only if the verb needs it */
	session = session_find(uuid);

	/* the xreq's reference, dropped by on_destroy */
	hreq_addref(h);
	xreq_init(&h->xreq, &hreq_itf, hsrv_peer(con), session, h->names, h->names + strlen(h->names) + 1, h->args);
	h->args = NULL;
	session_unref(session);
	/* 'token' may live in the args: the xreq owns them now, they are still alive */
	xreq_present_token(&h->xreq, token);

	h->state = HREQ_WAITING;
	h->in_dispatch = 1;
	xreq_process(&h->xreq, hsrv->apiset);
	h->in_dispatch = 0;

	if (h->ready)
		return queue_reply(h, con);
	/*
	 * Not suspended yet: the loop's leader usually runs the job right
	 * after this dispatch and MHD calls us again with the reply ready,
	 * which spares MHD's suspend/resume. The next call suspends if the
	 * reply is still to come.
	 */
	return MHD_YES;
}

enum MHD_Result hreq_access(struct hreq *h, struct MHD_Connection *con, const char *upload_data,
			    size_t *upload_data_size)
{
	unsigned code;

	if (*upload_data_size) {
		size_t size = *upload_data_size;
		*upload_data_size = 0;
		if (h->state != HREQ_RECEIVING)
			return MHD_YES;
		return hbody_feed(&h->body, upload_data, size) < 0 ? MHD_NO : MHD_YES;
	}

	switch (h->state) {
	case HREQ_RECEIVING:
		code = hbody_end(&h->body, h->args);
		hbody_release_mhd(&h->body);
		if (code) {
			h->state = HREQ_DONE;
			return queue_early_error(h, con, code, h->body.reason);
		}
		return dispatch(h, con);
	case HREQ_WAITING:
		if (h->ready)
			return queue_reply(h, con);
		/* resumed by the shutdown: close */
		if (h->hsrv->stopping)
			return MHD_NO;
		/* the reply is still to come: wait for it without polling */
		MHD_suspend_connection(con);
		link_suspended(h);
		return MHD_YES;
	default:
		return MHD_YES;
	}
}

enum MHD_Result hreq_begin(struct hsrv *hsrv, struct MHD_Connection *con, const char *method,
			   const char *api, size_t api_len, const char *verb, size_t verb_len,
			   void **con_cls)
{
	struct hreq *h;
	enum MHD_Result ret;
	unsigned code;
	int rc;

	h = malloc(sizeof *h + api_len + verb_len + 2);
	if (!h)
		return MHD_NO;
	memset(h, 0, sizeof *h);
	atomic_init(&h->refcount, 1);
	h->body.field_fd = -1;
	h->hsrv = hsrv;
	h->con = con;
	memcpy(h->names, api, api_len);
	h->names[api_len] = 0;
	memcpy(h->names + api_len + 1, verb, verb_len);
	h->names[api_len + 1 + verb_len] = 0;

	/*
	 * Query args first: body args (POST only) are merged after them.
	 * Neither: no object, one is made if the verb asks (xreq_args).
	 */
	rc = 0;
	if (MHD_get_connection_values_n(con, MHD_GET_ARGUMENT_KIND, NULL, NULL) > 0
	    || !strcmp(method, MHD_HTTP_METHOD_POST)) {
		h->args = json_object_new_object();
		rc = h->args ? hargs_add_query(h->args, con) : -ENOMEM;
	}
	if (rc == -EILSEQ || !utf8_valid_str(h->names) || !utf8_valid_str(h->names + api_len + 1)) {
		code = MHD_HTTP_BAD_REQUEST;
		snprintf(h->body.reason, sizeof h->body.reason, "invalid UTF-8 in the URL");
	} else if (rc < 0) {
		code = MHD_HTTP_INTERNAL_SERVER_ERROR;
		snprintf(h->body.reason, sizeof h->body.reason, "out of memory");
	} else {
		code = hbody_begin(&h->body, con, method, &hsrv->options, h->args);
	}
	if (code) {
		ret = queue_early_error(h, con, code, h->body.reason);
		hbody_release_mhd(&h->body);
		hreq_unref(h);
		return ret;
	}
	*con_cls = h;
	hsrv->requests++;
	return MHD_YES;
}
