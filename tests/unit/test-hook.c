/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hooks for tracing (binder/core/hook.h): names, filters, records of
 * requests, events, sessions and log messages, the 2017 TRACE layout,
 * no recursion, and nothing reported once a hook is removed.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "apiset.h"
#include "evt.h"
#include "hook.h"
#include "jobs.h"
#include "session.h"
#include "verbose.h"
#include "xreq.h"
#include "unit.h"

/* ---- a recording hook ---- */

#define MAX_RECORDS 256

struct recorder {
	pthread_mutex_t lock;
	int count;
	char *lines[MAX_RECORDS];	/* the TRACE objects, serialized */
	int released;
	int log_inside;			/* logs from emit: must not recurse */
};

static void rec_emit(void *closure, const struct hook_record *r)
{
	struct recorder *rec = closure;
	struct json_object *o = hook_record_json(r, "T");

	if (rec->log_inside)
		LOGE("a message logged by a hook");
	pthread_mutex_lock(&rec->lock);
	if (rec->count < MAX_RECORDS)
		rec->lines[rec->count++] = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	pthread_mutex_unlock(&rec->lock);
	json_object_put(o);
}

static void rec_release(void *closure)
{
	((struct recorder *)closure)->released++;
}

static const struct hook_itf rec_itf = { .emit = rec_emit, .release = rec_release };

static void rec_reset(struct recorder *rec)
{
	int i;

	pthread_mutex_lock(&rec->lock);
	for (i = 0; i < rec->count; i++)
		free(rec->lines[i]);
	rec->count = 0;
	pthread_mutex_unlock(&rec->lock);
}

/* how many records contain every one of the NULL-terminated strings */
static int rec_find(struct recorder *rec, ...)
{
	const char *s;
	va_list ap;
	int i, n = 0, ok;

	pthread_mutex_lock(&rec->lock);
	for (i = 0; i < rec->count; i++) {
		ok = 1;
		va_start(ap, rec);
		while ((s = va_arg(ap, const char *)) != NULL)
			ok &= strstr(rec->lines[i], s) != NULL;
		va_end(ap);
		n += ok;
	}
	pthread_mutex_unlock(&rec->lock);
	return n;
}

static void rec_dump(struct recorder *rec)
{
	int i;

	for (i = 0; i < rec->count; i++)
		fprintf(stderr, "  record: %s\n", rec->lines[i]);
}

/* ---- a fake transport and api ---- */

struct treq {
	struct xreq xreq;
	atomic_int destroyed;
};

static void t_reply(struct xreq *x, const char *status, const char *info, struct json_object *obj)
{
	json_object_put(obj);
}

static void t_destroy(struct xreq *x)
{
	atomic_store(&((struct treq *)x)->destroyed, 1);
	jobs_wakeup();
}

static const struct xreq_itf t_itf = { .reply = t_reply, .destroy = t_destroy };

static void api_call(void *closure, struct xreq *x)
{
	struct json_object *res = NULL;
	struct afb_arg arg;

	x->api_key = closure;
	if (!strcmp(x->verb, "ok")) {
		xreq_json(x);
		arg = xreq_get(x, "a");
		(void)arg;
		xreq_reply(x, NULL, "fine", json_object_new_int(42));
	} else if (!strcmp(x->verb, "sub")) {
		xreq_subcall_sync(x, "fake", "ok", json_object_new_object(), &res);
		json_object_put(res);
		xreq_reply(x, NULL, NULL, NULL);
	} else {
		xreq_reply(x, "failed", "bad verb", NULL);
	}
	xreq_unref(x);
}

static const struct api_itf fake_itf = { .call = api_call };

static int finished(void *closure)
{
	return atomic_load(&((struct treq *)closure)->destroyed);
}

static void run(struct session *s, const char *verb, const char *args)
{
	struct treq *t = calloc(1, sizeof *t);

	xreq_init(&t->xreq, &t_itf, NULL, s, "fake", verb, args ? json_tokener_parse(args) : NULL);
	xreq_process(&t->xreq, main_apiset);
	jobs_wait(finished, t);
	free(t);
}

int main(void)
{
	struct recorder rec = { .lock = PTHREAD_MUTEX_INITIALIZER }, rec2 = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct hook_filter f = { 0 };
	struct session *s, *s2;
	struct hook *h, *h2;
	struct evt *e;
	unsigned flags;
	int created, key;

	/* ---- names: the 2017 grammar ---- */
	CHECK_INT(hook_flags_of_name(HOOK_REQUEST, "life", &flags), 0);
	CHECK_INT(flags, HOOK_REQ_BEGIN | HOOK_REQ_END);
	CHECK_INT(hook_flags_of_name(HOOK_REQUEST, "*", &flags), 0);
	CHECK_INT(flags, 0x7fffff | HOOK_REQ_HAS_PERMISSION);
	CHECK_INT(hook_flags_of_name(HOOK_REQUEST, "common", &flags), 0);
	CHECK(!(flags & HOOK_REQ_ADDREF) && (flags & HOOK_REQ_SUBCALL_REQ_RESULT));
	CHECK(hook_flags_of_name(HOOK_REQUEST, "zzz", &flags) < 0);
	CHECK(hook_flags_of_name(HOOK_REQUEST, "Begin", &flags) < 0);	/* case-sensitive */
	CHECK_INT(hook_flags_of_name(HOOK_DAEMON, "extra", &flags), 0);
	CHECK(!(flags & HOOK_DAEMON_VVERBOSE));	/* 2017: daemon "extra" lacks "common" */
	CHECK_INT(hook_flags_of_name(HOOK_EVENT, "common", &flags), 0);
	CHECK_INT(flags, HOOK_EVT_PUSH_BEFORE | HOOK_EVT_BROADCAST_BEFORE);
	CHECK_INT(hook_flags_of_name(HOOK_SERVICE, "all", &flags), 0);
	CHECK_INT(flags, 0xff);
	CHECK_INT(hook_flags_of_name(HOOK_GLOBAL, "vverbose", &flags), 0);
	CHECK_STR(hook_action_name(HOOK_GLOBAL, HOOK_GLOBAL_VVERBOSE), "vverbose");
	CHECK_STR(hook_action_name(HOOK_REQUEST, HOOK_REQ_SESSION_SET_LOA), "session_set_LOA");
	CHECK_STR(hook_action_name(HOOK_EVENT, HOOK_EVT_NAME), "name");
	CHECK_STR(hook_kind_name(HOOK_SESSION), "session");

	session_init(10, 0, 60, "tok");
	main_apiset = apiset_new();
	apiset_add(main_apiset, "fake", &key, &fake_itf);
	jobs_start(2, 100);
	s = session_get(NULL, NULL, &created);
	s2 = session_get(NULL, NULL, &created);

	/* ---- nothing is hooked: no flag is set ---- */
	CHECK(!hook_wants(HOOK_REQUEST, ~0u));

	/* ---- a request hook on verb "ok" of session s ---- */
	f.api = "FAKE";		/* case-insensitive */
	f.verb = "ok";
	f.session = session_uuid(s);
	h = hook_add(HOOK_REQUEST, 0x7fffff, &f, &rec_itf, &rec);
	CHECK(h != NULL);
	CHECK(hook_wants(HOOK_REQUEST, HOOK_REQ_BEGIN));
	run(s, "ok", "{\"a\":\"x\"}");
	run(s, "bad", NULL);		/* other verb: not traced */
	run(s2, "ok", NULL);		/* other session: not traced */
	CHECK_INT(rec_find(&rec, "\"action\":\"begin\"", NULL), 1);
	CHECK_INT(rec_find(&rec, "\"action\":\"json\"", "\"data\":{\"result\":{\"a\":\"x\"}}", NULL), 1);
	CHECK_INT(rec_find(&rec, "\"action\":\"get\"", "\"query\":\"a\",\"name\":\"a\",\"value\":\"x\",\"path\":null", NULL), 1);
	CHECK_INT(rec_find(&rec, "\"action\":\"success\"", "\"result\":42,\"info\":\"fine\"", "duration_us", NULL), 1);
	CHECK_INT(rec_find(&rec, "\"action\":\"end\"", NULL), 1);
	CHECK_INT(rec_find(&rec, "\"verb\":\"bad\"", NULL), 0);
	/* the 2017 layout: time, tag, type, id, descriptor */
	CHECK_INT(rec_find(&rec, "{\"time\":\"", "\",\"tag\":\"T\",\"type\":\"request\",\"id\":",
			   ",\"request\":{\"index\":", ",\"api\":\"fake\",\"verb\":\"ok\",\"action\":\"begin\"", NULL), 1);
	CHECK_INT(rec_find(&rec, session_uuid(s), NULL), rec.count);

	/* ---- subcalls: the caller's subcallsync and the callee's own records ---- */
	rec_reset(&rec);
	hook_remove(h);
	CHECK_INT(rec.released, 1);
	CHECK(!hook_wants(HOOK_REQUEST, ~0u));
	h = hook_add(HOOK_REQUEST, HOOK_REQ_SUBCALLSYNC | HOOK_REQ_SUBCALLSYNC_RESULT | HOOK_REQ_BEGIN, NULL, &rec_itf, &rec);
	run(s, "sub", NULL);
	CHECK_INT(rec_find(&rec, "\"verb\":\"sub\"", "\"action\":\"subcallsync\"", "\"data\":{\"api\":\"fake\",\"verb\":\"ok\",\"args\":{}}", NULL), 1);
	CHECK_INT(rec_find(&rec, "\"verb\":\"sub\"", "\"action\":\"subcallsync_result\"", "\"status\":0", "\"response\":42", NULL), 1);
	CHECK_INT(rec_find(&rec, "\"verb\":\"ok\"", "\"action\":\"begin\"", NULL), 1);
	hook_remove(h);

	/* ---- events: pattern filter, data, untraced events ---- */
	rec_reset(&rec);
	f = (struct hook_filter){ .pattern = "HELLO/t*" };
	h = hook_add(HOOK_EVENT, 0x7f, &f, &rec_itf, &rec);
	e = evt_new("hello/tick");
	evt_push(e, json_object_new_int(7));
	evt_broadcast_name("hello/tock", NULL);
	evt_broadcast_name("other/tick", NULL);
	evt_drop(e);
	e = evt_new_untraced("hello/trace");
	evt_push(e, NULL);
	evt_drop(e);
	CHECK_INT(rec_find(&rec, "\"action\":\"create\"", "hello/tick", NULL), 1);
	CHECK_INT(rec_find(&rec, "\"action\":\"push_before\"", "\"data\":{\"data\":7}", NULL), 1);
	CHECK_INT(rec_find(&rec, "\"action\":\"push_after\"", "\"data\":{\"data\":7,\"result\":0}", NULL), 1);
	CHECK_INT(rec_find(&rec, "\"action\":\"broadcast_before\"", "\"event\":{\"id\":0,\"name\":\"hello/tock\"", NULL), 1);
	CHECK_INT(rec_find(&rec, "other/tick", NULL), 0);
	CHECK_INT(rec_find(&rec, "\"action\":\"drop\"", NULL), 1);
	CHECK_INT(rec_find(&rec, "hello/trace", NULL), 0);
	hook_remove(h);

	/* ---- sessions ---- */
	rec_reset(&rec);
	h = hook_add(HOOK_SESSION, HOOK_SESSION_CREATE | HOOK_SESSION_CLOSE | HOOK_SESSION_RENEW, NULL, &rec_itf, &rec);
	{
		struct session *n = session_new(0);
		char token[SESSION_UUID_LEN + 1];

		session_renew_token(n, token);
		CHECK_INT(rec_find(&rec, "\"type\":\"session\"", "\"action\":\"create\"", session_uuid(n), NULL), 1);
		CHECK_INT(rec_find(&rec, "\"action\":\"renew\"", session_uuid(n), NULL), 1);
		session_unref(n);
		CHECK_INT(rec_find(&rec, "\"action\":\"close\"", NULL), 1);
	}
	hook_remove(h);

	/* ---- global: every log message, and a hook that logs does not recurse ---- */
	rec_reset(&rec);
	rec.log_inside = 1;
	h = hook_add(HOOK_GLOBAL, HOOK_GLOBAL_VVERBOSE, NULL, &rec_itf, &rec);
	LOGE("hello %d", 42);
	CHECK_INT(rec.count, 1);
	CHECK_INT(rec_find(&rec, "\"global\":{\"action\":\"vverbose\"}", "\"level\":3,\"type\":\"error\",\"message\":\"hello 42\"",
			   "\"position\":{\"file\":", NULL), 1);
	/* two hooks of the same kind see the same record (same id) */
	h2 = hook_add(HOOK_GLOBAL, HOOK_GLOBAL_VVERBOSE, NULL, &rec_itf, &rec2);
	LOGE("twice");
	CHECK_INT(rec2.count, 1);
	CHECK(rec.count == 2 && rec2.count == 1 && !strcmp(rec.lines[1], rec2.lines[0]));
	hook_remove(h);
	hook_remove(h2);
	LOGE("after removal");
	CHECK_INT(rec.count, 2);

	if (unit_failures)
		rec_dump(&rec);
	rec_reset(&rec);
	rec_reset(&rec2);
	session_unref(s);
	session_unref(s2);
	jobs_stop(0);
	apiset_free(main_apiset);
	session_exit();
	UNIT_END();
}
