/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sess: test binding of the session locking (tests/test-sessions.c).
 *
 * Verbs (api "sess"):
 *  - slowmake (arg ms): gets-or-creates the context through the daemon's
 *    atomic get-or-create (the context_make slot of afb_req_itf, which
 *    binding API v3's afb_req_context uses; v1's inline afb_req_context is
 *    the 2017 get-then-set) with a create function that sleeps ms
 *    milliseconds and, meanwhile, calls the daemon about the same request
 *    (afb_req_context_get, the same get-or-create, afb_req_session_set_LOA,
 *    afb_req_value): none of it may deadlock; replies {"value": the
 *    context, "inner": what the inner get-or-create gave (null)};
 *  - get: replies {"value": the context or null};
 *  - set (arg value): sets the context;
 *  - renew: session flag RENEW, replies success;
 *  - renewclose: an asynchronous subcall of sess/renew while a thread of
 *    the binding closes the session (afb_req_session_close) at the same
 *    time; replies when both are done (the race of issue 8, item 8a).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <afb/afb-binding.h>

static const struct afb_binding_interface *afbitf;

struct making {
	struct afb_req req;
	long ms;
	const char *inner;
};

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void *inner_create(void *closure)
{
	return strdup("inner");
}

/* the daemon's atomic get-or-create (afb_req_itf.context_make) */
static void *context_make(struct afb_req req, void *(*create)(void *), void *closure)
{
	return req.itf->context_make(req.closure, create, free, closure);
}

static void *slow_create(void *closure)
{
	struct making *m = closure;

	sleep_ms(m->ms);
	/* the daemon, called from inside the create function */
	afb_req_context_get(m->req);
	m->inner = context_make(m->req, inner_create, NULL);
	afb_req_session_set_LOA(m->req, 0);
	afb_req_value(m->req, "ms");
	return strdup("made");
}

static void slowmake(struct afb_req req)
{
	const char *ms = afb_req_value(req, "ms");
	struct json_object *o = json_object_new_object();
	struct making m = { req, ms ? atol(ms) : 100, "unset" };
	const char *value;

	value = context_make(req, slow_create, &m);
	json_object_object_add(o, "value", value ? json_object_new_string(value) : NULL);
	json_object_object_add(o, "inner", m.inner ? json_object_new_string(m.inner) : NULL);
	afb_req_success(req, o, NULL);
}

static void get(struct afb_req req)
{
	const char *value = afb_req_context_get(req);
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "value", value ? json_object_new_string(value) : NULL);
	afb_req_success(req, o, NULL);
}

static void set(struct afb_req req)
{
	const char *value = afb_req_value(req, "value");

	afb_req_context_set(req, value ? strdup(value) : NULL, free);
	afb_req_success(req, NULL, NULL);
}

static void renew(struct afb_req req)
{
	afb_req_success(req, NULL, "renewed");
}

struct race {
	struct afb_req req;
	pthread_t closer;
};

static void *closer(void *arg)
{
	struct race *r = arg;

	afb_req_session_close(r->req);
	return NULL;
}

static void on_renewed(void *closure, int status, struct json_object *result)
{
	struct race *r = closure;

	pthread_join(r->closer, NULL);
	afb_req_success(r->req, json_object_new_int(status), NULL);
	afb_req_unref(r->req);
	free(r);
}

static void renewclose(struct afb_req req)
{
	struct race *r = malloc(sizeof *r);

	if (!r) {
		afb_req_fail(req, "failed", "out of memory");
		return;
	}
	r->req = req;
	afb_req_addref(req);
	if (pthread_create(&r->closer, NULL, closer, r) != 0) {
		afb_req_unref(req);
		free(r);
		afb_req_fail(req, "failed", "no thread");
		return;
	}
	afb_req_subcall(req, "sess", "renew", NULL, on_renewed, r);
}

static const struct afb_verb_desc_v1 verbs[] = {
	{ .name = "slowmake",   .session = AFB_SESSION_NONE,  .callback = slowmake,   .info = "slow create function" },
	{ .name = "get",        .session = AFB_SESSION_NONE,  .callback = get,        .info = "the context" },
	{ .name = "set",        .session = AFB_SESSION_NONE,  .callback = set,        .info = "sets the context" },
	{ .name = "renew",      .session = AFB_SESSION_RENEW, .callback = renew,      .info = "renews the token" },
	{ .name = "renewclose", .session = AFB_SESSION_CHECK, .callback = renewclose, .info = "renew subcall racing a close" },
	{ .name = NULL }
};

static const struct afb_binding binding = {
	.type = AFB_BINDING_VERSION_1,
	.v1 = { .info = "session locking tests", .prefix = "sess", .verbs = verbs }
};

const struct afb_binding *afbBindingV1Register(const struct afb_binding_interface *itf)
{
	afbitf = itf;
	return &binding;
}
