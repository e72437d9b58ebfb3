/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "apiset.h"
#include "calls.h"
#include "jobs.h"
#include "session.h"
#include "xreq.h"
#include "unit.h"

/* a fake transport recording what it receives */
struct treq {
	struct xreq xreq;
	atomic_int replies;
	atomic_int destroyed;
	char status[64];
	char body[512];
};

static void t_reply(struct xreq *x, const char *status, const char *info, struct json_object *obj)
{
	struct treq *t = (struct treq *)x;
	struct json_object *env = xreq_envelope(x, status, info, obj);

	snprintf(t->status, sizeof t->status, "%s", status ? status : "success");
	snprintf(t->body, sizeof t->body, "%s", json_object_to_json_string_ext(env, JSON_C_TO_STRING_PLAIN));
	json_object_put(env);
	atomic_fetch_add(&t->replies, 1);
	jobs_wakeup();
}

static void t_destroy(struct xreq *x)
{
	atomic_store(&((struct treq *)x)->destroyed, 1);
	jobs_wakeup();
}

static const struct xreq_itf t_itf = { .reply = t_reply, .destroy = t_destroy };

/* what "keep" replies, a reference of it kept, as bindings do (reply with json_object_get(o), put o after) */
static struct json_object *kept;

/* the response of a synchronous call must not be 'kept' itself: its waiter would share it across threads */
static void check_not_shared(struct json_object *res, int envelope)
{
	struct json_object *response = res;

	if (envelope)
		json_object_object_get_ex(res, "response", &response);
	CHECK(response != NULL && response != kept);
	CHECK_STR(json_object_get_string(json_object_object_get(response, "k")), "v");
}

/* a fake api: verb names say what to do */
static void api_call(void *closure, struct xreq *x)
{
	struct call_from from = { .caller = x };
	struct json_object *res = NULL;

	x->api_key = closure;
	if (!strcmp(x->verb, "ok")) {
		xreq_reply(x, NULL, "fine", json_object_new_int(42));
	} else if (!strcmp(x->verb, "twice")) {
		xreq_reply(x, NULL, NULL, NULL);
		CHECK_INT(xreq_reply(x, "failed", NULL, json_object_new_int(1)), -EALREADY);
	} else if (!strcmp(x->verb, "check")) {
		if (xreq_check_session_flags(x, 8) == 0)
			xreq_reply(x, NULL, NULL, NULL);
	} else if (!strcmp(x->verb, "renew")) {
		if (xreq_check_session_flags(x, 4) == 0)
			xreq_reply(x, NULL, NULL, NULL);
	} else if (!strcmp(x->verb, "loa1")) {
		if (xreq_check_session_flags(x, 16 | 64) == 0)
			xreq_reply(x, NULL, NULL, NULL);
	} else if (!strcmp(x->verb, "setloa")) {
		xreq_reply(x, NULL, NULL, json_object_new_int(xreq_set_loa(x, 1)));
	} else if (!strcmp(x->verb, "sub")) {
		int rc = xreq_subcall_sync(x, "fake", "ok", NULL, &res);
		xreq_reply(x, rc ? "failed" : NULL, NULL, res);
	} else if (!strcmp(x->verb, "keep")) {
		xreq_reply(x, NULL, NULL, json_object_get(kept));
	} else if (!strcmp(x->verb, "subkeep")) {
		int rc = xreq_subcall_sync(x, "fake", "keep", NULL, &res);
		check_not_shared(res, 1);
		json_object_put(res);
		xreq_reply(x, rc ? "failed" : NULL, NULL, NULL);
	} else if (!strcmp(x->verb, "callkeep")) {
		int rc = call_sync(&from, "fake", "keep", NULL, &res, NULL, NULL);
		check_not_shared(res, 0);
		json_object_put(res);
		xreq_reply(x, rc ? "failed" : NULL, NULL, NULL);
	} else if (!strcmp(x->verb, "args")) {
		/* none given: a lookup finds nothing, the binding gets one empty object, always the same */
		struct afb_arg a = xreq_get(x, "a");
		struct json_object *args = xreq_json(x);

		CHECK(a.value == NULL);
		CHECK(json_object_is_type(args, json_type_object));
		CHECK_INT(json_object_object_length(args), 0);
		CHECK(xreq_json(x) == args && xreq_args(x) == args);
		json_object_object_add(args, "seen", json_object_new_int(7));
		CHECK_STR(xreq_get(x, "seen").value, "7");
		xreq_reply(x, NULL, NULL, json_object_get(args));
	} else if (!strcmp(x->verb, "subfail")) {
		int rc = xreq_subcall_sync(x, "nope", "ok", NULL, &res);
		xreq_reply(x, rc ? "failed" : NULL, NULL, res);
	}
	/* "silent": no reply at all */
	xreq_unref(x);
}

static const struct api_itf fake_itf = { .call = api_call };

static int finished(void *closure)
{
	struct treq *t = closure;
	return atomic_load(&t->destroyed);
}

static struct treq *run(struct session *s, const char *verb, const char *token, const char *api)
{
	struct treq *t = calloc(1, sizeof *t);

	xreq_init(&t->xreq, &t_itf, NULL, s, api ? api : "fake", verb, NULL);
	xreq_present_token(&t->xreq, token);
	xreq_process(&t->xreq, main_apiset);
	jobs_wait(finished, t);
	return t;
}

static void expect(struct session *s, const char *verb, const char *token, const char *status, const char *part)
{
	struct treq *t = run(s, verb, token, NULL);

	CHECK_INT(atomic_load(&t->replies), 1);
	CHECK_STR(t->status, status);
	if (part && !strstr(t->body, part)) {
		fprintf(stderr, "verb %s: body %s lacks %s\n", verb, t->body, part);
		unit_failures++;
	}
	free(t);
}

/* the arguments made by threads asking at once: all get the same object */
static struct xreq *race_x;
static atomic_int race_go;

static void *race_args(void *arg)
{
	while (!atomic_load(&race_go))
		;
	return xreq_args(race_x);
}

static void check_args_race(void)
{
	struct treq *t = calloc(1, sizeof *t);
	pthread_t th[4];
	void *got[4];
	int i;

	xreq_init(&t->xreq, &t_itf, NULL, NULL, "fake", "race", NULL);
	race_x = &t->xreq;
	for (i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, race_args, NULL);
	atomic_store(&race_go, 1);
	for (i = 0; i < 4; i++)
		pthread_join(th[i], &got[i]);
	CHECK(got[0] != NULL);
	for (i = 1; i < 4; i++)
		CHECK(got[i] == got[0]);
	xreq_reply(&t->xreq, NULL, NULL, NULL);
	xreq_unref(&t->xreq);
	CHECK_INT(atomic_load(&t->destroyed), 1);
	free(t);
}

int main(void)
{
	struct session *s;
	int created, key;
	struct treq *t;

	session_init(10, 0, 60, "tok");
	main_apiset = apiset_new();
	apiset_add(main_apiset, "fake", &key, &fake_itf);
	jobs_start(2, 100);
	s = session_get(NULL, NULL, &created);

	expect(s, "ok", NULL, "success", "\"response\":42");
	expect(s, "ok", NULL, "success", "\"jtype\":\"afb-reply\"");
	expect(s, "twice", NULL, "success", NULL);
	expect(s, "silent", NULL, "error", "no reply");
	expect(s, "check", NULL, "denied", "invalid token");
	expect(s, "check", "bad", "denied", NULL);
	expect(s, "check", "tok", "success", NULL);
	expect(s, "loa1", "tok", "denied", "invalid LOA");
	expect(s, "setloa", NULL, "success", "\"response\":-1");	/* not validated */
	expect(s, "setloa", "tok", "success", "\"response\":0");
	expect(s, "loa1", "tok", "success", NULL);
	expect(s, "sub", NULL, "success", "\"response\":42");
	expect(s, "subfail", NULL, "failed", "unknown-api");
	expect(s, "args", NULL, "success", "\"response\":{\"seen\":7}");
	check_args_race();
	/* the replies of synchronous calls are the waiter's own, whatever the callee keeps */
	kept = json_tokener_parse("{\"k\":\"v\"}");
	expect(s, "subkeep", NULL, "success", NULL);
	expect(s, "callkeep", NULL, "success", NULL);
	CHECK_INT(json_object_put(kept), 1);	/* no reference left elsewhere: freed */
	t = run(s, "ok", NULL, "missing");
	CHECK_STR(t->status, "unknown-api");
	free(t);

	/* renew: the new token is in the envelope, the old one is refused after */
	t = run(s, "renew", "tok", NULL);
	CHECK_STR(t->status, "success");
	CHECK(strstr(t->body, "\"token\":\"") != NULL);
	free(t);
	expect(s, "check", "tok", "denied", NULL);

	session_unref(s);
	jobs_stop(0);
	CHECK_INT(xreq_live_count(), 0);
	apiset_free(main_apiset);
	session_exit();
	UNIT_END();
}
