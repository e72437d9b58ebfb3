/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal calls (calls.h): a request of the daemon's own kind, whose
 * reply goes to a callback or to a waiting thread.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "apiset.h"
#include "calls.h"
#include "evt.h"
#include "hook.h"
#include "jobs.h"
#include "peer.h"
#include "session.h"
#include "verbose.h"
#include "xreq.h"

struct call {
	struct xreq xreq;
	struct evt_listener *listener;	/* one reference, or NULL */
	int flags;
	/* asynchronous: one of them */
	call_reply_fn reply;
	call_envelope_fn envelope;
	void *closure;
	/* synchronous: what the waiter gets; freed by the last of the waiter and the request */
	atomic_int owners;
	int want_envelope;
	int done;
	int status;
	char *error, *info;
	struct json_object *object;
	char names[];			/* "api\0verb\0" */
};

static pthread_mutex_t api_session_lock = PTHREAD_MUTEX_INITIALIZER;
static struct session *api_session;

struct session *call_api_session(void)
{
	pthread_mutex_lock(&api_session_lock);
	if (!api_session)
		api_session = session_new(0);
	pthread_mutex_unlock(&api_session_lock);
	return api_session;
}

void calls_cleanup(void)
{
	session_unref(api_session);
	api_session = NULL;
}

static struct call *call_of(struct xreq *x)
{
	return (struct call *)((char *)x - offsetof(struct call, xreq));
}

/*
 * What a waiting caller gets of 'object' (owned; released here): a deep
 * copy that it alone references. The waiter reads the reply on its own
 * thread while the callee's binding, on the thread of the reply, may still
 * hold references to the same object and drop them (replying with
 * json_object_get(o) then putting o is the usual idiom): json-c counts
 * references without atomics, so sharing it would race on the count and
 * on the free. A value that can't be copied (custom serializer) goes as is.
 */
static struct json_object *for_waiter(struct json_object *object)
{
	struct json_object *copy = NULL;

	if (!object || json_object_deep_copy(object, &copy, NULL) < 0)
		return object;
	json_object_put(object);
	return copy;
}

/* ---- the request's hooks ---- */

static void call_reply(struct xreq *x, const char *error, const char *info, struct json_object *object)
{
	struct call *c = call_of(x);
	struct json_object *envelope;

	/* a token renewed in the caller's session must reach the caller's client: its reply reads it there */
	if (x->caller && !(c->flags & CALL_API_SESSION) && xreq_has(x, XREQ_REFRESHED))
		xreq_set(x->caller, XREQ_REFRESHED);
	if (c->reply) {
		c->reply(c->closure, error, info, object);
		json_object_put(object);
	} else if (c->envelope) {
		envelope = xreq_envelope(x, error, info, object);
		c->envelope(c->closure, error ? -1 : 0, envelope);
		json_object_put(envelope);
	} else {
		c->status = error ? -1 : 0;
		object = for_waiter(object);
		if (c->want_envelope) {
			c->object = xreq_envelope(x, error, info, object);
		} else {
			c->object = object;
			c->error = error ? strdup(error) : NULL;
			c->info = info ? strdup(info) : NULL;
		}
		/* the waiter may free 'c' as soon as it sees 'done' */
		__atomic_store_n(&c->done, 1, __ATOMIC_RELEASE);
		jobs_wakeup();
	}
}

static void call_free(struct call *c)
{
	evt_listener_unref(c->listener);
	free(c);
}

static void call_destroy(struct xreq *x)
{
	struct call *c = call_of(x);

	if (atomic_fetch_sub(&c->owners, 1) == 1)
		call_free(c);
}

static int call_subscribe(struct xreq *x, struct evt *evt)
{
	struct call *c = call_of(x);
	int rc = -EINVAL, rc2;

	if ((c->flags & CALL_CATCH_EVENTS) && c->listener)
		rc = evt_subscribe(c->listener, evt);
	if ((c->flags & CALL_PASS_EVENTS) && x->caller) {
		rc2 = xreq_subscribe(x->caller, evt);
		if (rc < 0)
			rc = rc2;
	}
	return rc;
}

static int call_unsubscribe(struct xreq *x, struct evt *evt)
{
	struct call *c = call_of(x);
	int rc = -EINVAL, rc2;

	if ((c->flags & CALL_CATCH_EVENTS) && c->listener)
		rc = evt_unsubscribe(c->listener, evt);
	if ((c->flags & CALL_PASS_EVENTS) && x->caller) {
		rc2 = xreq_unsubscribe(x->caller, evt);
		if (rc < 0)
			rc = rc2;
	}
	return rc;
}

/* a subcall in its caller's session: made in the caller when needed */
static struct session *call_make_session(struct xreq *x)
{
	struct session *s = x->caller && !(call_of(x)->flags & CALL_API_SESSION) ? xreq_session(x->caller, 1) : NULL;

	return s ? session_ref(s) : NULL;
}

static const struct xreq_itf call_itf = {
	.reply = call_reply,
	.destroy = call_destroy,
	.subscribe = call_subscribe,
	.unsubscribe = call_unsubscribe,
	.make_session = call_make_session,
};

/* ---- making them ---- */

static struct call *call_new(const struct call_from *from, const char *api, const char *verb,
			     struct json_object *args)
{
	size_t la = strlen(api ? api : ""), lv = strlen(verb ? verb : "");
	struct call *c = calloc(1, sizeof *c + la + lv + 2);
	struct xreq *caller = from->caller;
	int own = caller && !(from->flags & CALL_API_SESSION);
	struct peer *peer = NULL;
	struct session *session;

	if (!c) {
		json_object_put(args);
		return NULL;
	}
	memcpy(c->names, api ? api : "", la + 1);
	memcpy(c->names + la + 1, verb ? verb : "", lv + 1);
	/* the caller's session may not be made yet: the subcall makes it when needed (call_make_session) */
	session = own ? atomic_load(&caller->session) : from->session ? from->session : call_api_session();
	if (!own && !session) {
		json_object_put(args);
		free(c);
		return NULL;
	}
	/* who the callee sees: the caller's client, or the daemon */
	if (caller && (own || (from->flags & CALL_ON_BEHALF)))
		peer = caller->peer;
	xreq_init(&c->xreq, &call_itf, peer, session, c->names, c->names + la + 1, args);
	c->flags = from->flags;
	c->listener = from->listener ? evt_listener_ref(from->listener) : NULL;
	atomic_init(&c->owners, 1);
	if (caller)
		c->xreq.caller = xreq_addref(caller);
	if (!own || xreq_has(caller, XREQ_VALIDATED))
		xreq_set(&c->xreq, XREQ_VALIDATED);
	return c;
}

/*
 * The transport of the caller makes the subcalls of its requests
 * (proto-ws, where the 2017 protocol sends them back to the calling
 * binder): for the subcalls of v1 and v2 (and their v3 names), whose
 * semantics that protocol carries; the others run here.
 */
static int use_hook(const struct call_from *from)
{
	return from->caller && from->caller->itf->subcall
		&& from->flags == (CALL_PASS_EVENTS | CALL_ON_BEHALF);
}

/* The parts of an envelope: 'error' NULL for a success. */
static void envelope_parts(struct json_object *envelope, int status, const char **error, const char **info,
			   struct json_object **object)
{
	struct json_object *request = NULL, *item;

	json_object_object_get_ex(envelope, "request", &request);
	*error = status < 0 ? "failed" : NULL;
	if (status < 0 && json_object_object_get_ex(request, "status", &item))
		*error = json_object_get_string(item);
	*info = json_object_object_get_ex(request, "info", &item) ? json_object_get_string(item) : NULL;
	*object = json_object_object_get_ex(envelope, "response", &item) ? item : NULL;
}

struct hooked {
	call_reply_fn reply;
	void *closure;
};

static void hooked_reply(void *closure, int status, struct json_object *envelope)
{
	struct hooked *h = closure;
	struct json_object *object;
	const char *error, *info;

	envelope_parts(envelope, status, &error, &info, &object);
	h->reply(h->closure, error, info, object);
	free(h);
}

struct json_object *call_failure_envelope(const char *error, const char *info)
{
	struct json_object *envelope = json_object_new_object();
	struct json_object *request = json_object_new_object();

	json_object_object_add(envelope, "jtype", json_object_new_string("afb-reply"));
	json_object_object_add(request, "status", json_object_new_string(error));
	if (info)
		json_object_object_add(request, "info", json_object_new_string(info));
	json_object_object_add(envelope, "request", request);
	return envelope;
}

void call_async(const struct call_from *from, const char *api, const char *verb, struct json_object *args,
		call_reply_fn reply, void *closure)
{
	struct hooked *h;
	struct call *c;

	if (use_hook(from)) {
		h = malloc(sizeof *h);
		if (h) {
			h->reply = reply;
			h->closure = closure;
			from->caller->itf->subcall(from->caller, api, verb, args, hooked_reply, h);
			return;
		}
		json_object_put(args);
		reply(closure, "internal-error", "out of memory", NULL);
		return;
	}
	c = call_new(from, api, verb, args);
	if (!c) {
		reply(closure, "internal-error", "out of memory", NULL);
		return;
	}
	c->reply = reply;
	c->closure = closure;
	xreq_process(&c->xreq, main_apiset);
}

void call_async_envelope(const struct call_from *from, const char *api, const char *verb,
			 struct json_object *args, call_envelope_fn reply, void *closure)
{
	struct json_object *failure;
	struct call *c;

	if (use_hook(from)) {
		from->caller->itf->subcall(from->caller, api, verb, args, reply, closure);
		return;
	}
	c = call_new(from, api, verb, args);
	if (!c) {
		failure = call_failure_envelope("failed", "internal error");
		reply(closure, -1, failure);
		json_object_put(failure);
		return;
	}
	c->envelope = reply;
	c->closure = closure;
	xreq_process(&c->xreq, main_apiset);
}

/* ---- waiting for them ---- */

static int call_done(void *closure)
{
	return __atomic_load_n(&((struct call *)closure)->done, __ATOMIC_ACQUIRE);
}

/* a synchronous subcall through the transport's hook */
struct hooked_sync {
	atomic_int done;
	int status;
	struct json_object *envelope;
};

static void hooked_sync_reply(void *closure, int status, struct json_object *envelope)
{
	struct hooked_sync *hs = closure;

	hs->status = status;
	/* borrowed from the transport, which drops it on its thread while the waiter reads it on its own */
	hs->envelope = for_waiter(json_object_get(envelope));
	atomic_store(&hs->done, 1);
	jobs_wakeup();
}

static int hooked_sync_done(void *closure)
{
	return atomic_load(&((struct hooked_sync *)closure)->done);
}

/* True when waiting for api would wait for the job this thread runs. */
static int self_locked(const char *name)
{
	struct api *api = apiset_lookup(main_apiset, name);
	int locked = api && api->group && jobs_group_runs_here(api->group);

	api_unref(api);
	if (locked)
		LOGE("api %s: synchronous call from its own verb while it serves one request at a time", name);
	return locked;
}

/*
 * Makes the call and waits; *result gets the envelope (want_envelope) or
 * the object, *error and *info the strings of a raw reply.
 */
static int wait_call(const struct call_from *from, const char *api, const char *verb, struct json_object *args,
		     int want_envelope, struct json_object **result, char **error, char **info)
{
	struct hooked_sync hs = { .status = -1, .envelope = NULL };
	struct json_object *object;
	const char *e, *i;
	struct call *c;
	int status;

	*result = NULL;
	*error = *info = NULL;
	if (use_hook(from)) {
		atomic_init(&hs.done, 0);
		from->caller->itf->subcall(from->caller, api, verb, args, hooked_sync_reply, &hs);
		jobs_wait(hooked_sync_done, &hs);
		if (want_envelope) {
			*result = hs.envelope;
		} else {
			envelope_parts(hs.envelope, hs.status, &e, &i, &object);
			*result = json_object_get(object);
			*error = e ? strdup(e) : NULL;
			*info = i ? strdup(i) : NULL;
			json_object_put(hs.envelope);
		}
		return hs.status;
	}
	if (self_locked(api ? api : "")) {
		json_object_put(args);
		*error = strdup("self-locked");
		if (asprintf(info, "recursive self lock, API %s", api) < 0)
			*info = NULL;
		return -1;
	}
	c = call_new(from, api, verb, args);
	if (!c) {
		*error = strdup("internal-error");
		return -1;
	}
	c->want_envelope = want_envelope;
	atomic_fetch_add(&c->owners, 1);
	xreq_process(&c->xreq, main_apiset);
	jobs_wait(call_done, c);
	status = c->status;
	*result = c->object;
	*error = c->error;
	*info = c->info;
	/* the callee may keep its reference after replying */
	if (atomic_fetch_sub(&c->owners, 1) == 1)
		call_free(c);
	return status;
}

int call_sync(const struct call_from *from, const char *api, const char *verb, struct json_object *args,
	      struct json_object **object, char **error, char **info)
{
	struct json_object *o;
	char *e, *i;
	int rc;

	rc = wait_call(from, api, verb, args, 0, &o, &e, &i);
	call_give(object, o, error, e, info, i);
	return rc;
}

void call_give(struct json_object **object, struct json_object *o, char **error, char *e, char **info, char *i)
{
	if (object)
		*object = o;
	else
		json_object_put(o);
	if (error)
		*error = e;
	else
		free(e);
	if (info)
		*info = i;
	else
		free(i);
}

int call_sync_envelope(const struct call_from *from, const char *api, const char *verb,
		       struct json_object *args, struct json_object **envelope)
{
	struct json_object *result;
	char *error, *info;
	int rc;

	rc = wait_call(from, api, verb, args, 1, &result, &error, &info);
	if (!result) {
		/* no request was made: self-locked, or out of memory */
		result = error && !strcmp(error, "self-locked") ? call_failure_envelope(error, info)
			: call_failure_envelope("failed", "internal error");
		rc = -1;
	}
	free(error);
	free(info);
	if (envelope)
		*envelope = result;
	else
		json_object_put(result);
	return rc;
}

/* ---- the calls of xreq.h ---- */

/* a subcall whose result is traced (hook.h) */
struct traced_subcall {
	struct xreq *caller;	/* one reference */
	unsigned flag;
	void (*callback)(void *closure, int status, struct json_object *envelope);
	void *closure;
};

static void traced_subcall_reply(void *closure, int status, struct json_object *envelope)
{
	struct traced_subcall *t = closure;

	hook_req_subcall_result(t->caller, t->flag, status, envelope);
	t->callback(t->closure, status, envelope);
	xreq_unref(t->caller);
	free(t);
}

static void legacy_subcall(struct xreq *caller, unsigned flag, unsigned result_flag, const char *api,
			   const char *verb, struct json_object *args,
			   void (*callback)(void *closure, int status, struct json_object *envelope), void *closure)
{
	struct call_from from = { .caller = caller, .flags = CALL_PASS_EVENTS | CALL_ON_BEHALF };
	struct traced_subcall *t;

	if (caller->hookflags & flag)
		hook_req_subcall(caller, flag, api, verb, args);
	if ((caller->hookflags & result_flag) && (t = malloc(sizeof *t)) != NULL) {
		t->caller = xreq_addref(caller);
		t->flag = result_flag;
		t->callback = callback;
		t->closure = closure;
		callback = traced_subcall_reply;
		closure = t;
	}
	call_async_envelope(&from, api, verb, args, callback, closure);
}

void xreq_subcall(struct xreq *caller, const char *api, const char *verb, struct json_object *args,
		  void (*callback)(void *closure, int status, struct json_object *envelope), void *closure)
{
	legacy_subcall(caller, HOOK_REQ_SUBCALL, HOOK_REQ_SUBCALL_RESULT, api, verb, args, callback, closure);
}

void xreq_subcall_req(struct xreq *caller, const char *api, const char *verb, struct json_object *args,
		      void (*callback)(void *closure, int status, struct json_object *envelope), void *closure)
{
	legacy_subcall(caller, HOOK_REQ_SUBCALL_REQ, HOOK_REQ_SUBCALL_REQ_RESULT, api, verb, args, callback,
		       closure);
}

int xreq_subcall_sync(struct xreq *caller, const char *api, const char *verb, struct json_object *args,
		      struct json_object **result)
{
	struct call_from from = { .caller = caller, .flags = CALL_PASS_EVENTS | CALL_ON_BEHALF };
	struct json_object *envelope;
	int status;

	if (HOOK_REQ_ON(caller, SUBCALLSYNC))
		hook_req_subcall(caller, HOOK_REQ_SUBCALLSYNC, api, verb, args);
	status = call_sync_envelope(&from, api, verb, args, &envelope);
	if (HOOK_REQ_ON(caller, SUBCALLSYNC_RESULT))
		hook_req_subcall_result(caller, HOOK_REQ_SUBCALLSYNC_RESULT, status, envelope);
	if (result)
		*result = envelope;
	else
		json_object_put(envelope);
	return status;
}

void xreq_call_in_session(struct session *session, struct evt_listener *listener,
			  const char *api, const char *verb, struct json_object *args,
			  void (*callback)(void *closure, int status, struct json_object *envelope), void *closure)
{
	struct call_from from = { .session = session, .listener = listener, .flags = CALL_CATCH_EVENTS };

	call_async_envelope(&from, api, verb, args, callback, closure);
}

int xreq_call_in_session_sync(struct session *session, struct evt_listener *listener,
			      const char *api, const char *verb, struct json_object *args,
			      struct json_object **result)
{
	struct call_from from = { .session = session, .listener = listener, .flags = CALL_CATCH_EVENTS };

	return call_sync_envelope(&from, api, verb, args, result);
}
