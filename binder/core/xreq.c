/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>
#include "xreq.h"
#include "jbuf.h"
#include "apiset.h"
#include "evt.h"
#include "hook.h"
#include "reqlog.h"
#include "jobs.h"
#include "mainloop.h"
#include "peer.h"
#include "session.h"
#include "verbose.h"

static atomic_int live_count;

/* requests waiting for their reply, for --apitimeout */
static pthread_mutex_t tm_lock = PTHREAD_MUTEX_INITIALIZER;
static struct xreq *tm_head;
static int timeout_seconds;
static sd_event_source *tm_source;

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- the pending list ---- */

static void tm_insert(struct xreq *x)
{
	pthread_mutex_lock(&tm_lock);
	x->deadline_us = now_us() + (int64_t)timeout_seconds * 1000000;
	x->tm_prev = NULL;
	x->tm_next = tm_head;
	if (tm_head)
		tm_head->tm_prev = x;
	tm_head = x;
	pthread_mutex_unlock(&tm_lock);
}

static void tm_remove(struct xreq *x)
{
	pthread_mutex_lock(&tm_lock);
	if (x->deadline_us) {
		if (x->tm_prev)
			x->tm_prev->tm_next = x->tm_next;
		else
			tm_head = x->tm_next;
		if (x->tm_next)
			x->tm_next->tm_prev = x->tm_prev;
		x->tm_prev = x->tm_next = NULL;
		x->deadline_us = 0;
	}
	pthread_mutex_unlock(&tm_lock);
}

/* Adds a reference unless the request is already being destroyed. */
static int try_addref(struct xreq *x)
{
	int n = atomic_load(&x->refcount);

	while (n > 0)
		if (atomic_compare_exchange_weak(&x->refcount, &n, n + 1))
			return 1;
	return 0;
}

static int on_tm_tick(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct xreq *expired[64], *x;
	int64_t t = now_us();
	int n, i;

	do {
		n = 0;
		pthread_mutex_lock(&tm_lock);
		for (x = tm_head; x && n < 64; x = x->tm_next)
			if (x->deadline_us <= t && try_addref(x))
				expired[n++] = x;
		pthread_mutex_unlock(&tm_lock);
		for (i = 0; i < n; i++) {
			tm_remove(expired[i]);
			xreq_fail_f(expired[i], "timeout", "api %s verb %s: no reply within %d s",
				    expired[i]->api, expired[i]->verb, timeout_seconds);
			xreq_unref(expired[i]);
		}
	} while (n == 64);
	sd_event_source_set_time(s, usec + 200000);
	return 0;
}

void xreq_set_timeout(int seconds)
{
	timeout_seconds = seconds > 0 ? seconds : 0;
	if (timeout_seconds && !tm_source && mainloop_event()) {
		sd_event_add_time(mainloop_event(), &tm_source, CLOCK_MONOTONIC,
				  (uint64_t)now_us() + 200000, 100000, on_tm_tick, NULL);
		sd_event_source_set_enabled(tm_source, SD_EVENT_ON);
	}
	if (!timeout_seconds && tm_source)
		tm_source = sd_event_source_disable_unref(tm_source);
}

/* ---- life cycle ---- */

void xreq_init(struct xreq *x, const struct xreq_itf *itf, struct peer *peer, struct session *session,
	       const char *api, const char *verb, struct json_object *args)
{
	memset(x, 0, sizeof *x);
	x->itf = itf;
	atomic_init(&x->refcount, 1);
	atomic_init(&x->replied, 0);
	x->api = api;
	x->verb = verb;
	x->args = args ? args : json_object_new_object();
	x->session = session_ref(session);
	x->peer = peer_ref(peer ? peer : peer_internal());
	atomic_fetch_add(&x->peer->requests, 1);
	atomic_fetch_add(&live_count, 1);
}

void xreq_present_token(struct xreq *x, const char *token)
{
	if (!token)
		return;
	if (session_check_token(x->session, token))
		x->validated = 1;
	else
		x->invalidated = 1;
}

struct xreq *xreq_addref(struct xreq *x)
{
	atomic_fetch_add(&x->refcount, 1);
	return x;
}

void xreq_unref(struct xreq *x)
{
	if (atomic_fetch_sub(&x->refcount, 1) != 1)
		return;
	if (!atomic_load(&x->replied))
		xreq_reply(x, "error", "no reply", NULL);
	tm_remove(x);
	if (HOOK_REQ_ON(x, END))
		hook_req_end(x);
	if (x->closing && x->api_key)
		session_close_key(x->session, x->api_key);
	json_object_put(x->args);
	session_unref(x->session);
	api_unref(x->target);
	if (x->caller)
		xreq_unref(x->caller);
	atomic_fetch_sub(&x->peer->requests, 1);
	peer_unref(x->peer);
	atomic_fetch_sub(&live_count, 1);
	x->itf->destroy(x);
}

int xreq_live_count(void)
{
	return atomic_load(&live_count);
}

/* ---- replies ---- */

int xreq_reply(struct xreq *x, const char *status, const char *info, struct json_object *object)
{
	int expected = 0;

	if (!atomic_compare_exchange_strong(&x->replied, &expected, 1)) {
		LOGW("api %s verb %s: reply refused, the request was already replied", x->api, x->verb);
		json_object_put(object);
		return -EALREADY;
	}
	tm_remove(x);
	if (x->hookflags & (HOOK_REQ_SUCCESS | HOOK_REQ_FAIL))
		hook_req_reply(x, status, info, object);
	if (reqlog_enabled())
		reqlog_reply(x, status, info);
	x->itf->reply(x, status, info, object);
	return 0;
}

void xreq_fail_f(struct xreq *x, const char *status, const char *fmt, ...)
{
	char *info = NULL;
	va_list args;

	va_start(args, fmt);
	if (vasprintf(&info, fmt, args) < 0)
		info = NULL;
	va_end(args);
	xreq_reply(x, status, info, NULL);
	free(info);
}

struct json_object *xreq_envelope(struct xreq *x, const char *status, const char *info,
				  struct json_object *object)
{
	struct json_object *envelope = json_object_new_object();
	struct json_object *request = json_object_new_object();

	if (object)
		json_object_object_add(envelope, "response", object);
	json_object_object_add(envelope, "jtype", json_object_new_string("afb-reply"));
	json_object_object_add(request, "status", json_object_new_string(status ? status : "success"));
	if (info)
		json_object_object_add(request, "info", json_object_new_string(info));
	if (!x->closing) {
		if (x->refreshed)
			json_object_object_add(request, "token", json_object_new_string(x->token));
		if (x->created)
			json_object_object_add(request, "uuid", json_object_new_string(session_uuid(x->session)));
	}
	json_object_object_add(envelope, "request", request);
	return envelope;
}

void xreq_envelope_text(struct jbuf *b, struct xreq *x, const char *status, const char *info,
			struct json_object *object, const char *reqid, int tell_uuid)
{
	/* the keys of xreq_envelope, in its order */
	if (object) {
		jbuf_lit(b, "{\"response\":");
		jbuf_json(b, object);
		jbuf_lit(b, ",\"jtype\":\"afb-reply\",\"request\":{\"status\":");
	} else {
		jbuf_lit(b, "{\"jtype\":\"afb-reply\",\"request\":{\"status\":");
	}
	if (status)
		jbuf_cstring(b, status, "a reply status");
	else
		jbuf_lit(b, "\"success\"");
	if (info) {
		jbuf_lit(b, ",\"info\":");
		jbuf_cstring(b, info, "a reply info");
	}
	if (reqid) {
		jbuf_lit(b, ",\"reqid\":");
		jbuf_cstring(b, reqid, "a request id");
	}
	if (!x->closing) {
		if (x->refreshed) {
			jbuf_lit(b, ",\"token\":");
			jbuf_cstring(b, x->token, "a token");
		}
		if (x->created || tell_uuid) {
			jbuf_lit(b, ",\"uuid\":");
			jbuf_cstring(b, session_uuid(x->session), "a session uuid");
		}
	}
	jbuf_lit(b, "}}");
}

/* ---- dispatch ---- */

static void job(int signum, void *arg)
{
	struct xreq *x = arg;

	if (signum || atomic_load(&x->replied)) {
		if (signum)
			xreq_fail_f(x, "cancelled", "api %s verb %s: %s", x->api, x->verb,
				    signum == SIGTERM ? "daemon stopping" : "not started in time");
		xreq_unref(x);
		return;
	}
	/* an api added while serving starts with its first request */
	if (atomic_load(&x->target->state) != API_STARTED && api_start(x->target) < 0) {
		xreq_fail_f(x, "bad-api-state", "api %s not started correctly", x->api);
		xreq_unref(x);
		return;
	}
	/* the api owns the reference from now on */
	x->target->itf->call(x->target->closure, x);
}

void xreq_process(struct xreq *x, struct apiset *set)
{
	int rc;

	if (reqlog_enabled())
		x->begin_us = hook_now_us();
	hook_req_start(x);
	x->target = apiset_lookup(set, x->api);
	if (!x->target) {
		xreq_fail_f(x, "unknown-api", "api %s not found", x->api);
		xreq_unref(x);
		return;
	}
	if (atomic_load(&x->target->state) == API_FAILED) {
		xreq_fail_f(x, "bad-api-state", "api %s not started correctly", x->api);
		xreq_unref(x);
		return;
	}
	if (timeout_seconds)
		tm_insert(x);
	/* each client peer queues in its own lane: the fair share of jobs.h */
	rc = jobs_queue_lane(x->peer == peer_internal() ? NULL : &x->peer->lane, x->target->group, 0, job, x);
	if (rc < 0) {
		if (rc == -EDQUOT)
			xreq_fail_f(x, "cancelled", "too many pending requests from this client");
		else
			xreq_fail_f(x, "cancelled", "not able to create a job for the task");
		xreq_unref(x);
	}
}

/* ---- arguments ---- */

struct afb_arg xreq_get(struct xreq *x, const char *name)
{
	struct afb_arg arg = { NULL, NULL, NULL };
	struct json_object *value, *file, *path;

	if (name && json_object_object_get_ex(x->args, name, &value))
		arg.name = name;
	else
		value = NULL;
	if (x->itf->owns_file && json_object_is_type(value, json_type_object)
	    && json_object_object_get_ex(value, "file", &file)
	    && json_object_object_get_ex(value, "path", &path)
	    && x->itf->owns_file(x, json_object_get_string(path))) {
		arg.value = json_object_get_string(file);
		arg.path = json_object_get_string(path);
	} else if (value) {
		arg.value = json_object_get_string(value);
	}
	if (HOOK_REQ_ON(x, GET))
		hook_req_get(x, name, &arg);
	return arg;
}

struct json_object *xreq_json(struct xreq *x)
{
	if (HOOK_REQ_ON(x, JSON))
		hook_req_json(x, x->args);
	return x->args;
}

void xreq_vverbose(struct xreq *x, int level, const char *file, int line, const char *func,
		   const char *fmt, va_list args)
{
	char prefix[128];
	va_list copy;

	if (HOOK_REQ_ON(x, VVERBOSE)) {
		va_copy(copy, args);
		hook_req_vverbose(x, level, file, line, func, fmt, copy);
		va_end(copy);
	}
	if (!verbose_wants(verbosity, level))
		return;
	snprintf(prefix, sizeof prefix, "REQ/API %s", x->api);
	verbose_v(level, prefix, file, line, func, fmt, args);
}

/* ---- sessions ---- */

/* the flags of binding API v1 (values of afb-binding-v1.h) */
#define F_CLOSE 2u
#define F_RENEW 4u
#define F_CHECK 8u
#define F_LOA_GE 16u
#define F_LOA_LE 32u

int xreq_check_session_flags(struct xreq *x, unsigned flags)
{
	unsigned loa, want;

	if (!(flags & (F_CLOSE | F_RENEW | F_CHECK | F_LOA_GE | F_LOA_LE)))
		return 0;
	/* a refusal leaves the session as it was: a wrong token harms no one */
	if (!x->validated) {
		xreq_reply(x, "denied", "invalid token's identity", NULL);
		return -1;
	}
	if (flags & (F_LOA_GE | F_LOA_LE)) {
		loa = session_get_loa(x->session, x->api_key);
		want = (flags >> 6) & 7;
		if (((flags & F_LOA_GE) && loa < want) || ((flags & F_LOA_LE) && loa > want)) {
			xreq_reply(x, "denied", "invalid LOA", NULL);
			return -1;
		}
	}
	if (flags & F_RENEW) {
		session_renew_token(x->session, x->token);
		x->refreshed = 1;
	}
	if (flags & F_CLOSE)
		x->closing = 1;
	return 0;
}

void *xreq_context_get(struct xreq *x)
{
	void *value = session_cookie_get(x->session, x->api_key);

	if (HOOK_REQ_ON(x, CONTEXT_GET))
		hook_req_context_get(x, value);
	return value;
}

void xreq_context_set(struct xreq *x, void *value, void (*freecb)(void*))
{
	if (HOOK_REQ_ON(x, CONTEXT_SET))
		hook_req_context_set(x, value, freecb);
	if (session_cookie_set(x->session, x->api_key, value, freecb) < 0 && freecb && value)
		freecb(value);
}

void *xreq_context_make(struct xreq *x, void *(*create)(void*), void (*freecb)(void*), void *closure)
{
	return session_cookie_make(x->session, x->api_key, create, freecb, closure);
}

int xreq_set_loa(struct xreq *x, unsigned loa)
{
	int rc = !x->validated || loa > 7 ? -EPERM : session_set_loa(x->session, x->api_key, loa);

	if (HOOK_REQ_ON(x, SESSION_SET_LOA))
		hook_req_session_set_loa(x, loa, rc == 0);
	return rc;
}

void xreq_session_close(struct xreq *x)
{
	if (HOOK_REQ_ON(x, SESSION_CLOSE))
		hook_req_session_close(x);
	x->closing = 1;
}

/* ---- internal calls: calls.c ---- */

/* ---- events ---- */

int xreq_subscribe(struct xreq *x, struct evt *evt)
{
	int rc;

	if (!x->itf->subscribe) {
		LOGW("api %s verb %s: no event listener for this request (subscribe refused)", x->api, x->verb);
		rc = -EINVAL;
	} else {
		rc = x->itf->subscribe(x, evt);
	}
	if (HOOK_REQ_ON(x, SUBSCRIBE))
		hook_req_subscribe(x, evt, rc);
	return rc;
}

int xreq_unsubscribe(struct xreq *x, struct evt *evt)
{
	int rc = x->itf->unsubscribe ? x->itf->unsubscribe(x, evt) : -EINVAL;

	if (HOOK_REQ_ON(x, UNSUBSCRIBE))
		hook_req_unsubscribe(x, evt, rc);
	return rc;
}
