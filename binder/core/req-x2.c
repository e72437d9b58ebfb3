/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The request table of binding API v2 and v3 (req-x2.h) over an xreq.
 * Every slot is daemon code called by binding code (FAULT_DAEMON_SCOPE);
 * the binding's callbacks it calls back (subcall replies, context create
 * and free) run under the fault guard of the api serving the request.
 */
#define AFB_BINDING_VERSION 0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "afb/afb-binding.h"
#include "api-v3.h"
#include "calls.h"
#include "evt-x2.h"
#include "fault.h"
#include "hook.h"
#include "peer.h"
#include "perm.h"
#include "req-x2.h"
#include "session.h"
#include "verbose.h"
#include "xreq.h"

#define X(req) req_x2_xreq(req)

void req_x2_bind(struct xreq *x, struct afb_api_x3 *api, void *vcbdata)
{
	x->req_x2.itf = &req_x2_itf;
	x->req_x2.api = api;
	x->req_x2.vcbdata = vcbdata;
	x->req_x2.called_api = x->api;
	x->req_x2.called_verb = x->verb;
}

/* ---- arguments ---- */

static struct json_object *r_json(struct afb_req_x2 *req)
{
	FAULT_DAEMON_SCOPE;
	return xreq_json(X(req));
}

static struct afb_arg r_get(struct afb_req_x2 *req, const char *name)
{
	FAULT_DAEMON_SCOPE;
	return xreq_get(X(req), name);
}

/* ---- replies ---- */

static void r_reply(struct afb_req_x2 *req, struct json_object *obj, const char *error, const char *info)
{
	FAULT_DAEMON_SCOPE;
	xreq_reply(X(req), error, info, obj);
}

static void r_vreply(struct afb_req_x2 *req, struct json_object *obj, const char *error, const char *fmt,
		     va_list args)
{
	FAULT_DAEMON_SCOPE;
	char *info = NULL;

	if (fmt && vasprintf(&info, fmt, args) < 0)
		info = NULL;
	xreq_reply(X(req), error, info, obj);
	free(info);
}

static void r_success(struct afb_req_x2 *req, struct json_object *obj, const char *info)
{
	r_reply(req, obj, NULL, info);
}

static void r_fail(struct afb_req_x2 *req, const char *status, const char *info)
{
	r_reply(req, NULL, status && *status ? status : "failed", info);
}

static void r_vsuccess(struct afb_req_x2 *req, struct json_object *obj, const char *fmt, va_list args)
{
	r_vreply(req, obj, NULL, fmt, args);
}

static void r_vfail(struct afb_req_x2 *req, const char *status, const char *fmt, va_list args)
{
	r_vreply(req, NULL, status && *status ? status : "failed", fmt, args);
}

/* ---- contexts ---- */

struct free_call {
	void (*free_value)(void *value);
	void *value;
};

static void free_call(void *closure)
{
	struct free_call *f = closure;

	f->free_value(f->value);
}

/* Frees 'value' with 'free_value', binding code of the request's api. */
static void free_guarded(struct xreq *x, void (*free_value)(void *), void *value)
{
	struct free_call f = { free_value, value };

	fault_guard(x->api_key, "context free", x->verb, x, free_call, &f);
}

struct ctx_call {
	struct xreq *xreq;
	void *(*create)(void *closure);
	void *closure;
	void *value;
};

static void ctx_create(void *closure)
{
	struct ctx_call *c = closure;

	c->value = c->create(c->closure);
}

/* the binding's create function, under its fault guard (the session's lock is not held) */
static void *ctx_make(void *closure)
{
	struct ctx_call *c = closure;

	if (!c->create)
		return c->closure;
	if (fault_guard(c->xreq->api_key, "context create", c->xreq->verb, c->xreq, ctx_create, c))
		return NULL;
	return c->value;
}

/*
 * The semantics of slot 21 (afb-req-x2.h), with the session store's
 * primitives: atomic get-or-create (a second request waits for the first
 * one's create), and free functions run under the api's fault guard.
 */
static void *context_get_or_make(struct xreq *x, void *(*create)(void *), void (*free_value)(void *),
				 void *closure)
{
	struct ctx_call c = { x, create, closure, NULL };
	struct session *s = xreq_session(x, 0);
	void *value;

	if (s && (value = session_cookie_get(s, x->api_key)))
		return value;
	if (!create && !free_value)
		return closure;		/* nothing to find, nothing to keep */
	s = xreq_session(x, 1);
	return s ? session_cookie_make(s, x->api_key, ctx_make, free_value, &c, x->api_key) : NULL;
}

static void *context_replace(struct xreq *x, void *(*create)(void *), void (*free_value)(void *), void *closure)
{
	struct ctx_call c = { x, create, closure, NULL };
	struct session *s = xreq_session(x, 0);
	void *value;

	value = ctx_make(&c);
	if (!value && !free_value && !s)
		return NULL;			/* nothing to remove */
	s = xreq_session(x, 1);
	if (!s || session_cookie_set(s, x->api_key, value, free_value, x->api_key) < 0) {
		/* out of memory: the value can't be kept */
		if (value && free_value)
			free_guarded(x, free_value, value);
		return NULL;
	}
	return value;
}

/* traced as the 2017 context_get (found or made) and context_set (replaced) */
static void *r_context_make(struct afb_req_x2 *req, int replace, void *(*create)(void *), void (*free_value)(void *),
			    void *closure)
{
	FAULT_DAEMON_SCOPE;
	struct xreq *x = X(req);
	void *value;

	if (replace) {
		value = context_replace(x, create, free_value, closure);
		if (HOOK_REQ_ON(x, CONTEXT_SET))
			hook_req_context_set(x, value, free_value);
	} else {
		value = context_get_or_make(x, create, free_value, closure);
		if (HOOK_REQ_ON(x, CONTEXT_GET))
			hook_req_context_get(x, value);
	}
	return value;
}

static void *r_context_get(struct afb_req_x2 *req)
{
	return r_context_make(req, 0, NULL, NULL, NULL);
}

static void r_context_set(struct afb_req_x2 *req, void *value, void (*free_value)(void *))
{
	r_context_make(req, 1, NULL, free_value, value);
}

/* ---- life, session ---- */

static struct afb_req_x2 *r_addref(struct afb_req_x2 *req)
{
	FAULT_DAEMON_SCOPE;
	struct xreq *x = X(req);

	if (HOOK_REQ_ON(x, ADDREF))
		hook_req_addref(x);
	xreq_addref(x);
	return req;
}

static void r_unref(struct afb_req_x2 *req)
{
	FAULT_DAEMON_SCOPE;
	struct xreq *x = X(req);

	if (HOOK_REQ_ON(x, UNREF))
		hook_req_unref(x);
	xreq_unref(x);
}

/* v2: the stored request is the request itself, given back by the daemon's unstore_req */
static struct afb_req_x2 *r_store(struct afb_req_x2 *req)
{
	FAULT_DAEMON_SCOPE;
	struct xreq *x = X(req);

	if (HOOK_REQ_ON(x, STORE))
		hook_req_store(x);
	xreq_addref(x);
	return req;
}

static void r_session_close(struct afb_req_x2 *req)
{
	FAULT_DAEMON_SCOPE;
	xreq_session_close(X(req));
}

/* 0 or -1 (both v2 and v3: docs/writing-bindings.md, "v2 conventions") */
static int r_session_set_LOA(struct afb_req_x2 *req, unsigned level)
{
	FAULT_DAEMON_SCOPE;
	int rc = xreq_set_loa(X(req), level);

	if (rc < 0) {
		errno = level > 7 ? EINVAL : -rc;
		return -1;
	}
	return 0;
}

/* ---- events ---- */

static int subscription(struct afb_req_x2 *req, struct afb_event_x2 *event, int subscribe)
{
	struct xreq *x = X(req);
	struct evt *evt = evt_x2_evt(event);
	int rc;

	if (!evt) {
		errno = EINVAL;
		return -1;
	}
	/* the request's client may be gone once it is replied */
	if (atomic_load(&x->replied)) {
		LOGE("api %s verb %s: %s after the reply is refused", x->api, x->verb,
		     subscribe ? "subscribing" : "unsubscribing");
		errno = EINVAL;
		return -1;
	}
	rc = subscribe ? xreq_subscribe(x, evt) : xreq_unsubscribe(x, evt);
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	return 0;
}

static int r_subscribe_x2(struct afb_req_x2 *req, struct afb_event_x2 *event)
{
	FAULT_DAEMON_SCOPE;
	return subscription(req, event, 1);
}

static int r_unsubscribe_x2(struct afb_req_x2 *req, struct afb_event_x2 *event)
{
	FAULT_DAEMON_SCOPE;
	return subscription(req, event, 0);
}

static int r_subscribe_x1(struct afb_req_x2 *req, struct afb_event_x1 event)
{
	FAULT_DAEMON_SCOPE;
	return subscription(req, evt_x2_from_x1(event), 1);
}

static int r_unsubscribe_x1(struct afb_req_x2 *req, struct afb_event_x1 event)
{
	FAULT_DAEMON_SCOPE;
	return subscription(req, evt_x2_from_x1(event), 0);
}

/* ---- subcalls ---- */

/* a subcall's callback: binding code of the caller's api, the caller kept alive until it ran */
struct sub {
	struct xreq *caller;	/* one reference */
	int kind;		/* 14, 18, 24 (legacy slots) or 29 */
	void *callback;
	void *closure;
	int status;
	const char *error, *info;
	struct json_object *object;
};

static void sub_call(void *closure)
{
	struct sub *s = closure;
	struct afb_req_x1 x1 = { &req_x2_itf, &s->caller->req_x2 };

	switch (s->kind) {
	case 14:
		((void (*)(void *, int, struct json_object *))s->callback)(s->closure, s->status, s->object);
		break;
	case 18:
		((void (*)(void *, int, struct json_object *, struct afb_req_x1))s->callback)
			(s->closure, s->status, s->object, x1);
		break;
	case 24:
		((void (*)(void *, int, struct json_object *, struct afb_req_x2 *))s->callback)
			(s->closure, s->status, s->object, &s->caller->req_x2);
		break;
	default:
		((void (*)(void *, struct json_object *, const char *, const char *, struct afb_req_x2 *))
		 s->callback)(s->closure, s->object, s->error, s->info, &s->caller->req_x2);
		break;
	}
}

static void sub_run(struct sub *s)
{
	if (s->callback)
		fault_guard(s->caller->api_key, "subcall callback of verb", s->caller->verb, s->caller, sub_call, s);
	xreq_unref(s->caller);
	free(s);
}

static void sub_envelope(void *closure, int status, struct json_object *envelope)
{
	struct sub *s = closure;

	s->status = status;
	s->object = envelope;
	sub_run(s);
}

static void sub_reply(void *closure, const char *error, const char *info, struct json_object *object)
{
	struct sub *s = closure;

	if (HOOK_REQ_ON(s->caller, SUBCALL_RESULT))
		hook_req_subcall_reply(s->caller, HOOK_REQ_SUBCALL_RESULT, error, info, object);

	s->error = error;
	s->info = info;
	s->object = object;
	sub_run(s);
}

static struct sub *sub_new(struct xreq *x, int kind, void *callback, void *closure)
{
	struct sub *s = calloc(1, sizeof *s);

	if (s) {
		s->caller = xreq_addref(x);
		s->kind = kind;
		s->callback = callback;
		s->closure = closure;
	}
	return s;
}

/*
 * The subcalls of v2 (and their v3 names): on behalf of the client, events
 * passed to it (xreq.h), traced as the 2017 subcall (slot 14) or
 * subcall_req (slots 18 and 24, whose callbacks get the request).
 */
static void legacy_subcall(struct afb_req_x2 *req, int kind, const char *api, const char *verb,
			   struct json_object *args, void *callback, void *closure)
{
	struct sub *s = sub_new(X(req), kind, callback, closure);
	struct json_object *failure;

	if (!s) {
		json_object_put(args);
		s = &(struct sub){ .caller = xreq_addref(X(req)), .kind = kind, .callback = callback,
				   .closure = closure, .status = -1 };
		failure = call_failure_envelope("failed", "internal error");
		s->object = failure;
		if (callback)
			fault_guard(s->caller->api_key, "subcall callback of verb", s->caller->verb, s->caller,
				    sub_call, s);
		xreq_unref(s->caller);
		json_object_put(failure);
		return;
	}
	(kind == 14 ? xreq_subcall : xreq_subcall_req)(X(req), api, verb, args, sub_envelope, s);
}

static void r_subcall_14(struct afb_req_x2 *req, const char *api, const char *verb, struct json_object *args,
			 void (*callback)(void *, int, struct json_object *), void *closure)
{
	FAULT_DAEMON_SCOPE;
	legacy_subcall(req, 14, api, verb, args, (void *)callback, closure);
}

static void r_subcall_18(struct afb_req_x2 *req, const char *api, const char *verb, struct json_object *args,
			 void (*callback)(void *, int, struct json_object *, struct afb_req_x1), void *closure)
{
	FAULT_DAEMON_SCOPE;
	legacy_subcall(req, 18, api, verb, args, (void *)callback, closure);
}

static void r_subcall_24(struct afb_req_x2 *req, const char *api, const char *verb, struct json_object *args,
			 void (*callback)(void *, int, struct json_object *, struct afb_req_x2 *), void *closure)
{
	FAULT_DAEMON_SCOPE;
	legacy_subcall(req, 24, api, verb, args, (void *)callback, closure);
}

static int r_subcallsync_15(struct afb_req_x2 *req, const char *api, const char *verb, struct json_object *args,
			    struct json_object **result)
{
	FAULT_DAEMON_SCOPE;
	return xreq_subcall_sync(X(req), api, verb, args, result);
}

/* events of a subcall with catch_events go to the handlers of the caller's api */
static struct evt_listener *caller_listener(struct afb_req_x2 *req, int flags)
{
	return (flags & CALL_CATCH_EVENTS) && req->api ? api_v3_listener(api_v3_of(req->api)) : NULL;
}

static void r_subcall(struct afb_req_x2 *req, const char *api, const char *verb, struct json_object *args, int flags,
		      void (*callback)(void *, struct json_object *, const char *, const char *, struct afb_req_x2 *),
		      void *closure)
{
	FAULT_DAEMON_SCOPE;
	struct call_from from = { .caller = X(req), .flags = flags & 15, .listener = caller_listener(req, flags) };
	struct sub *s = sub_new(X(req), 29, (void *)callback, closure);

	if (HOOK_REQ_ON(X(req), SUBCALL))
		hook_req_subcall(X(req), HOOK_REQ_SUBCALL, api, verb, args);
	if (!s) {
		json_object_put(args);
		s = &(struct sub){ .caller = xreq_addref(X(req)), .kind = 29, .callback = (void *)callback,
				   .closure = closure, .error = "internal-error", .info = "out of memory" };
		if (callback)
			fault_guard(s->caller->api_key, "subcall callback of verb", s->caller->verb, s->caller,
				    sub_call, s);
		xreq_unref(s->caller);
		return;
	}
	call_async(&from, api, verb, args, sub_reply, s);
}

static int r_subcallsync(struct afb_req_x2 *req, const char *api, const char *verb, struct json_object *args,
			 int flags, struct json_object **object, char **error, char **info)
{
	FAULT_DAEMON_SCOPE;
	struct call_from from = { .caller = X(req), .flags = flags & 15, .listener = caller_listener(req, flags) };
	struct xreq *x = X(req);
	struct json_object *o;
	char *e, *i;
	int rc;

	if (HOOK_REQ_ON(x, SUBCALLSYNC))
		hook_req_subcall(x, HOOK_REQ_SUBCALLSYNC, api, verb, args);
	rc = call_sync(&from, api, verb, args, &o, &e, &i);
	if (HOOK_REQ_ON(x, SUBCALLSYNC_RESULT))
		hook_req_subcall_reply(x, HOOK_REQ_SUBCALLSYNC_RESULT, rc < 0 ? e ? e : "failed" : NULL, i, o);
	call_give(object, o, error, e, info, i);
	return rc;
}

/* ---- logging ---- */

static void r_vverbose(struct afb_req_x2 *req, int level, const char *file, int line, const char *func,
		       const char *fmt, va_list args)
{
	FAULT_DAEMON_SCOPE;
	struct xreq *x = X(req);
	va_list copy;

	if (HOOK_REQ_ON(x, VVERBOSE)) {
		va_copy(copy, args);
		hook_req_vverbose(x, level, file, line, func, fmt, copy);
		va_end(copy);
	}
	api_v3_vlog(req->api ? req->api->logmask : api_v3_default_logmask(), level, "REQ/API",
		    req->api ? req->api->apiname : x->api, file, line, func, fmt, args);
}

/* ---- the client ---- */

static int r_has_permission(struct afb_req_x2 *req, const char *permission)
{
	FAULT_DAEMON_SCOPE;
	return perm_check(X(req), permission);
}

/* The application id: what follows the last ':' of the client's security label. */
static char *r_get_application_id(struct afb_req_x2 *req)
{
	FAULT_DAEMON_SCOPE;
	const struct peer_creds *creds = X(req)->peer->creds;
	const char *id;

	if (!creds->known || !creds->label[0])
		return NULL;
	id = strrchr(creds->label, ':');
	return strdup(id ? id + 1 : creds->label);
}

static int r_get_uid(struct afb_req_x2 *req)
{
	FAULT_DAEMON_SCOPE;
	const struct peer_creds *creds = X(req)->peer->creds;

	return creds->known ? (int)creds->uid : -1;
}

static struct json_object *r_get_client_info(struct afb_req_x2 *req)
{
	FAULT_DAEMON_SCOPE;
	struct xreq *x = X(req);
	const struct peer_creds *creds = x->peer->creds;
	struct json_object *info = json_object_new_object();
	struct session *session;
	char user[16];
	const char *id;

	if (creds->known) {
		snprintf(user, sizeof user, "%u", (unsigned)creds->uid);
		id = strrchr(creds->label, ':');
		json_object_object_add(info, "uid", json_object_new_int((int)creds->uid));
		json_object_object_add(info, "gid", json_object_new_int((int)creds->gid));
		json_object_object_add(info, "pid", json_object_new_int((int)creds->pid));
		json_object_object_add(info, "user", json_object_new_string(user));
		json_object_object_add(info, "label", json_object_new_string(creds->label));
		json_object_object_add(info, "id", json_object_new_string(id ? id + 1 : creds->label));
	}
	session = xreq_session(x, 0);
	if (session) {
		json_object_object_add(info, "uuid", json_object_new_string(session_uuid(session)));
		json_object_object_add(info, "LOA", json_object_new_int((int)session_get_loa(session, x->api_key)));
	}
	return info;
}

const struct afb_req_x2_itf req_x2_itf = {
	.json = r_json,
	.get = r_get,
	.legacy_success = r_success,
	.legacy_fail = r_fail,
	.legacy_vsuccess = r_vsuccess,
	.legacy_vfail = r_vfail,
	.legacy_context_get = r_context_get,
	.legacy_context_set = r_context_set,
	.addref = r_addref,
	.unref = r_unref,
	.session_close = r_session_close,
	.session_set_LOA = r_session_set_LOA,
	.legacy_subscribe_event_x1 = r_subscribe_x1,
	.legacy_unsubscribe_event_x1 = r_unsubscribe_x1,
	.legacy_subcall = r_subcall_14,
	.legacy_subcallsync = r_subcallsync_15,
	.vverbose = r_vverbose,
	.legacy_store_req = r_store,
	.legacy_subcall_req = r_subcall_18,
	.has_permission = r_has_permission,
	.get_application_id = r_get_application_id,
	.context_make = r_context_make,
	.subscribe_event_x2 = r_subscribe_x2,
	.unsubscribe_event_x2 = r_unsubscribe_x2,
	.legacy_subcall_request = r_subcall_24,
	.get_uid = r_get_uid,
	.reply = r_reply,
	.vreply = r_vreply,
	.get_client_info = r_get_client_info,
	.subcall = r_subcall,
	.subcallsync = r_subcallsync,
};
