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
#include "jtok.h"
#include "apiset.h"
#include "evt.h"
#include "fault.h"
#include "hook.h"
#include "reqlog.h"
#include "jobs.h"
#include "mainloop.h"
#include "peer.h"
#include "session.h"
#include "verbose.h"

static atomic_int live_count;

/* requests waiting for their reply: for --apitimeout, and the shutdown's grace */
static pthread_mutex_t tm_lock = PTHREAD_MUTEX_INITIALIZER;
static struct xreq *tm_head;
static int tm_count;
static int timeout_seconds;
static sd_event_source *tm_source;
/* shutting down: the clients' new requests are refused */
static atomic_int stopping;

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- the pending list ---- */

/* deadline_us is 0 out of the list, INT64_MAX in it without --apitimeout */
static void tm_insert(struct xreq *x)
{
	pthread_mutex_lock(&tm_lock);
	x->deadline_us = timeout_seconds ? now_us() + (int64_t)timeout_seconds * 1000000 : INT64_MAX;
	x->tm_prev = NULL;
	x->tm_next = tm_head;
	if (tm_head)
		tm_head->tm_prev = x;
	tm_head = x;
	tm_count++;
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
		tm_count--;
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

/*
 * Fails the pending requests whose deadline is at most 't': with
 * "timeout", or with "cancelled" when 'info' is given (the shutdown, which
 * passes INT64_MAX: all of them). Returns how many.
 */
static int fail_pending(int64_t t, const char *info)
{
	struct xreq *expired[64], *x;
	int n, i, total = 0;

	do {
		n = 0;
		pthread_mutex_lock(&tm_lock);
		for (x = tm_head; x && n < 64; x = x->tm_next)
			if (x->deadline_us <= t && try_addref(x))
				expired[n++] = x;
		pthread_mutex_unlock(&tm_lock);
		for (i = 0; i < n; i++) {
			tm_remove(expired[i]);
			if (info)
				xreq_fail_f(expired[i], "cancelled", "api %s verb %s: %s",
					    expired[i]->api, expired[i]->verb, info);
			else
				xreq_fail_f(expired[i], "timeout", "api %s verb %s: no reply within %d s",
					    expired[i]->api, expired[i]->verb, timeout_seconds);
			xreq_unref(expired[i]);
		}
		total += n;
	} while (n == 64);
	return total;
}

static int on_tm_tick(sd_event_source *s, uint64_t usec, void *userdata)
{
	fail_pending(now_us(), NULL);
	sd_event_source_set_time(s, usec + 200000);
	return 0;
}

void xreq_stop_serving(void)
{
	atomic_store(&stopping, 1);
}

int xreq_pending_count(void)
{
	int n;

	pthread_mutex_lock(&tm_lock);
	n = tm_count;
	pthread_mutex_unlock(&tm_lock);
	return n;
}

int xreq_cancel_pending(const char *info)
{
	return fail_pending(INT64_MAX, info ? info : "cancelled");
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
	x->args = args;	/* NULL: made when asked (xreq_args) */
	atomic_init(&x->flags, 0);
	atomic_init(&x->session, session ? session_ref(session) : NULL);
	x->peer = peer_ref(peer ? peer : peer_internal());
	atomic_fetch_add(&x->peer->requests, 1);
	atomic_fetch_add(&live_count, 1);
}

void xreq_present_token(struct xreq *x, const char *token)
{
	struct session *s = atomic_load(&x->session);

	if (!token)
		return;
	/* no session yet: the one that would be made has the initial token */
	if (s ? session_check_token(s, token) : session_check_initial_token(token))
		xreq_set(x, XREQ_VALIDATED);
	else
		xreq_set(x, XREQ_INVALIDATED);
}

struct session *xreq_session(struct xreq *x, int create)
{
	struct session *s = atomic_load(&x->session), *expected = NULL;

	if (s || !create)
		return s;
	s = x->itf->make_session ? x->itf->make_session(x)
				 : session_create(x->peer->host, xreq_has(x, XREQ_VALIDATED));
	if (!s)
		return NULL;
	/* two threads of the request may race: one session is kept */
	if (!atomic_compare_exchange_strong(&x->session, &expected, s)) {
		session_unref(s);
		return expected;
	}
	if (!x->itf->make_session)
		xreq_set(x, XREQ_CREATED);
	return s;
}

const char *xreq_renewed_token(struct xreq *x, char *buf)
{
	struct session *s = atomic_load(&x->session);

	if (!s || (atomic_load(&x->flags) & (XREQ_REFRESHED | XREQ_CLOSING)) != XREQ_REFRESHED)
		return NULL;
	session_token(s, buf);
	return buf;
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
	if (xreq_has(x, XREQ_CLOSING) && x->api_key && atomic_load(&x->session))
		session_close_key(atomic_load(&x->session), x->api_key);
	json_object_put(x->args);
	session_unref(atomic_load(&x->session));
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

/* Takes the one reply of 'x': 0, or -EALREADY (logged) when it was taken. */
static int claim_reply(struct xreq *x)
{
	int expected = 0;

	if (!atomic_compare_exchange_strong(&x->replied, &expected, 1)) {
		LOGW("api %s verb %s: reply refused, the request was already replied", x->api, x->verb);
		return -EALREADY;
	}
	tm_remove(x);
	/* a close is done by the time the client reads the reply (and again at the end: see xreq_unref) */
	if (xreq_has(x, XREQ_CLOSING) && x->api_key && atomic_load(&x->session))
		session_close_key(atomic_load(&x->session), x->api_key);
	return 0;
}

static void deliver(struct xreq *x, const char *status, const char *info, struct json_object *object)
{
	if (x->hookflags & (HOOK_REQ_SUCCESS | HOOK_REQ_FAIL))
		hook_req_reply(x, status, info, object);
	if (reqlog_enabled())
		reqlog_reply(x, status, info);
	x->itf->reply(x, status, info, object);
}

int xreq_reply(struct xreq *x, const char *status, const char *info, struct json_object *object)
{
	if (claim_reply(x) < 0) {
		json_object_put(object);
		return -EALREADY;
	}
	deliver(x, status, info, object);
	return 0;
}

int xreq_reply_text(struct xreq *x, const char *info, const char *text, size_t len)
{
	struct json_object *object;
	int declined = 0;

	if (claim_reply(x) < 0)
		return -EALREADY;
	/* the hooks trace the value: they get it parsed, as every transport without reply_text */
	if (x->itf->reply_text && !(x->hookflags & (HOOK_REQ_SUCCESS | HOOK_REQ_FAIL))) {
		if (reqlog_enabled())
			reqlog_reply(x, NULL, info);
		if (x->itf->reply_text(x, info, text, len) == 0)
			return 0;
		declined = 1;	/* the transport wants the object; the reply is logged already */
	}
	/* the NUL ends the text */
	object = jtok_parse(text);
	if (!object)
		info = "out of memory: the response is lost";
	if (declined)
		x->itf->reply(x, object ? NULL : "failed", info, object);
	else
		deliver(x, object ? NULL : "failed", info, object);
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
	struct session *s = atomic_load(&x->session);
	char token[SESSION_UUID_LEN + 1];

	if (object)
		json_object_object_add(envelope, "response", object);
	json_object_object_add(envelope, "jtype", json_object_new_string("afb-reply"));
	json_object_object_add(request, "status", json_object_new_string(status ? status : "success"));
	if (info)
		json_object_object_add(request, "info", json_object_new_string(info));
	if (xreq_renewed_token(x, token))
		json_object_object_add(request, "token", json_object_new_string(token));
	if (s && (atomic_load(&x->flags) & (XREQ_CREATED | XREQ_CLOSING)) == XREQ_CREATED)
		json_object_object_add(request, "uuid", json_object_new_string(session_uuid(s)));
	json_object_object_add(envelope, "request", request);
	return envelope;
}

void xreq_envelope_text(struct jbuf *b, struct xreq *x, const char *status, const char *info,
			struct json_object *object, const char *text, size_t text_len, const char *reqid,
			int tell_uuid)
{
	struct session *s = xreq_session(x, 0);
	char token[SESSION_UUID_LEN + 1];

	/* the keys of xreq_envelope, in its order */
	if (object || text) {
		jbuf_lit(b, "{\"response\":");
		if (object)
			jbuf_json(b, object);
		else
			jbuf_raw(b, text, text_len);
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
	if (xreq_renewed_token(x, token)) {
		jbuf_lit(b, ",\"token\":");
		jbuf_cstring(b, token, "a token");
	}
	if (s && !xreq_has(x, XREQ_CLOSING) && (xreq_has(x, XREQ_CREATED) || tell_uuid)) {
		jbuf_lit(b, ",\"uuid\":");
		jbuf_cstring(b, session_uuid(s), "a session uuid");
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
	/* shutting down: a client's new request is refused; the daemon's own calls still run */
	if (atomic_load(&stopping) && !x->caller && x->peer != peer_internal()) {
		xreq_fail_f(x, "cancelled", "api %s verb %s: the daemon is stopping", x->api, x->verb);
		xreq_unref(x);
		return;
	}
	tm_insert(x);
	/* each client peer queues in its own lane: the fair share of jobs.h */
	rc = jobs_queue_entry(x->peer == peer_internal() ? NULL : &x->peer->lane, &x->job, x->target->group, 0, job, x);
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

	/* not made for a lookup: no arguments have no 'name' */
	if (name && json_object_object_get_ex(xreq_args_peek(x), name, &value))
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

struct json_object *xreq_args(struct xreq *x)
{
	struct json_object *args = __atomic_load_n(&x->args, __ATOMIC_ACQUIRE), *expected = NULL;

	if (args)
		return args;
	args = json_object_new_object();
	/* two threads asking at once: the first one's is kept */
	if (args && !__atomic_compare_exchange_n(&x->args, &expected, args, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		json_object_put(args);
		args = expected;
	}
	return args;
}

struct json_object *xreq_args_peek(struct xreq *x)
{
	return __atomic_load_n(&x->args, __ATOMIC_ACQUIRE);
}

struct json_object *xreq_json(struct xreq *x)
{
	struct json_object *args = xreq_args(x);

	if (HOOK_REQ_ON(x, JSON))
		hook_req_json(x, args);
	return args;
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
	struct session *s;
	unsigned loa, want;

	if (!(flags & (F_CLOSE | F_RENEW | F_CHECK | F_LOA_GE | F_LOA_LE)))
		return 0;
	/* a refusal leaves the session as it was (or unmade): a wrong token harms no one */
	if (!xreq_has(x, XREQ_VALIDATED)) {
		xreq_reply(x, "denied", "invalid token's identity", NULL);
		return -1;
	}
	if (flags & (F_LOA_GE | F_LOA_LE)) {
		s = xreq_session(x, 0);
		loa = s ? session_get_loa(s, x->api_key) : 0;
		want = (flags >> 6) & 7;
		if (((flags & F_LOA_GE) && loa < want) || ((flags & F_LOA_LE) && loa > want)) {
			xreq_reply(x, "denied", "invalid LOA", NULL);
			return -1;
		}
	}
	return xreq_renew_close(x, (flags & F_RENEW) != 0, (flags & F_CLOSE) != 0);
}

int xreq_renew_close(struct xreq *x, int renew, int close)
{
	struct session *s;

	if (renew) {
		s = xreq_session(x, 1);
		if (!s) {
			xreq_reply(x, "failed", "internal error", NULL);
			return -1;
		}
		session_renew_token(s, NULL);
		xreq_set(x, XREQ_REFRESHED);
	}
	if (close)
		xreq_set(x, XREQ_CLOSING);
	return 0;
}

void *xreq_context_get(struct xreq *x)
{
	struct session *s = xreq_session(x, 0);
	void *value = s ? session_cookie_get(s, x->api_key) : NULL;

	if (HOOK_REQ_ON(x, CONTEXT_GET))
		hook_req_context_get(x, value);
	return value;
}

/* frees a value of the binding serving 'x', under the fault guard */
struct free_call {
	void (*freecb)(void *);
	void *value;
};

static void free_call(void *closure)
{
	struct free_call *fc = closure;

	fc->freecb(fc->value);
}

static void free_value(struct xreq *x, void (*freecb)(void *), void *value)
{
	struct free_call fc = { freecb, value };

	if (freecb && value)
		fault_guard(x->api_key, "context free function", NULL, x, free_call, &fc);
}

void xreq_context_set(struct xreq *x, void *value, void (*freecb)(void*))
{
	struct session *s;

	if (HOOK_REQ_ON(x, CONTEXT_SET))
		hook_req_context_set(x, value, freecb);
	s = xreq_session(x, value != NULL);
	/* clearing the context of a session that doesn't exist: nothing to do */
	if (!s) {
		free_value(x, freecb, value);
		return;
	}
	if (session_cookie_set(s, x->api_key, value, freecb, x->api_key) < 0)
		free_value(x, freecb, value);
}

/* the create function of a context: binding code, run with no lock held */
struct create_call {
	struct xreq *xreq;
	void *(*create)(void *closure);
	void *closure;
	void *value;
};

static void create_call(void *closure)
{
	struct create_call *cc = closure;

	cc->value = cc->create(cc->closure);
}

static void *guarded_create(void *closure)
{
	struct create_call *cc = closure;

	if (fault_guard(cc->xreq->api_key, "context create function", NULL, cc->xreq, create_call, cc))
		return NULL;
	return cc->value;
}

void *xreq_context_make(struct xreq *x, void *(*create)(void*), void (*freecb)(void*), void *closure)
{
	struct create_call cc = { x, create, closure, NULL };
	struct session *s = xreq_session(x, 0);
	void *value = s ? session_cookie_get(s, x->api_key) : NULL;

	if (value || !create)
		return value;
	/*
	 * The create function runs with no lock held: it may call the daemon
	 * (afb_req_*) and take its time; only the requests that want this
	 * context of this session wait for it.
	 */
	s = xreq_session(x, 1);
	return s ? session_cookie_make(s, x->api_key, guarded_create, freecb, &cc, x->api_key) : NULL;
}

int xreq_set_loa(struct xreq *x, unsigned loa)
{
	struct session *s;
	int rc;

	if (!xreq_has(x, XREQ_VALIDATED) || loa > 7)
		rc = -EPERM;
	else if (!(s = xreq_session(x, loa != 0)))
		rc = loa ? -ENOMEM : 0;
	else
		rc = session_set_loa(s, x->api_key, loa);
	if (HOOK_REQ_ON(x, SESSION_SET_LOA))
		hook_req_session_set_loa(x, loa, rc == 0);
	return rc;
}

void xreq_session_close(struct xreq *x)
{
	if (HOOK_REQ_ON(x, SESSION_CLOSE))
		hook_req_session_close(x);
	xreq_set(x, XREQ_CLOSING);
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
