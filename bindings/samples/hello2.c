/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hello2: the sample binding of binding API v2 (2017-2018 bindings). Its
 * verbs exercise the v2 surface: requests passed by value, replies with
 * afb_req_success/fail, per-session contexts, LOA and session flags,
 * events made with afb_daemon_make_event, subcalls and service calls with
 * their reply envelopes, asynchronous replies kept with afb_req_store,
 * permissions, and the dynamic apis a v2 binding may make.
 *
 * Arguments are read by name; "args" and "data" accept a JSON value or a
 * string that is JSON text.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#define AFB_BINDING_VERSION 2
#include <afb/afb-binding.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* The argument 'name' as JSON: a string that is JSON text is parsed. New reference or NULL. */
static struct json_object *arg_json(afb_req req, const char *name)
{
	struct json_object *value;
	const char *text = afb_req_value(req, name);

	if (!text)
		return NULL;
	value = json_tokener_parse(text);
	return value ? value : json_object_new_string(text);
}

/* ------------------------------------------------------------------ replies */

static void ping(afb_req req)
{
	static int count;
	int n;

	pthread_mutex_lock(&lock);
	n = ++count;
	pthread_mutex_unlock(&lock);
	afb_req_success_f(req, json_object_new_int(n), "ping number %d", n);
}

static void fail(afb_req req)
{
	afb_req_fail(req, "failed", "this verb always fails");
}

static void echo(afb_req req)
{
	afb_req_success(req, json_object_get(afb_req_json(req)), NULL);
}

/* a fault in the binding: the daemon replies "aborted" and goes on (not for the sanitizer: it is meant) */
static int *volatile nowhere;

__attribute__((no_sanitize("undefined"), noinline))
static void bug(afb_req req)
{
	*nowhere = 1;
	afb_req_success(req, NULL, "not reached");
}

/* ----------------------------------------------------------- context, LOA */

static void *counter_create(void)
{
	return calloc(1, sizeof(int));
}

/* a counter per session: afb_req_context (2017 shape: create when absent) */
static void count(afb_req req)
{
	int *counter = afb_req_context(req, counter_create, free);

	if (!counter) {
		afb_req_fail(req, "failed", "no context");
		return;
	}
	pthread_mutex_lock(&lock);
	++*counter;
	pthread_mutex_unlock(&lock);
	afb_req_success(req, json_object_new_int(*counter), NULL);
}

static void *value_create(void *closure)
{
	return json_object_get(closure);
}

static void value_free(void *value)
{
	json_object_put(value);
}

/* the 2021 v2 functions: afb_req_context_make */
static void setctx(afb_req req)
{
	struct json_object *value = arg_json(req, "value");
	struct json_object *ctx = afb_req_context_make(req, 1, value_create, value_free, value);

	afb_req_success(req, json_object_get(ctx), NULL);
	json_object_put(value);
}

static void getctx(afb_req req)
{
	afb_req_success(req, json_object_get(afb_req_context_get(req)), NULL);
}

/* afb_req_session_set_LOA: 1 when done, 0 when refused (the inline adds 1 to the slot's 0/-1) */
static void setloa(afb_req req)
{
	const char *level = afb_req_value(req, "level");
	int done = afb_req_session_set_LOA(req, level ? (unsigned)atoi(level) : 0);

	if (done)
		afb_req_success(req, json_object_new_int(done), NULL);
	else
		afb_req_fail(req, "refused", NULL);
}

static void closess(afb_req req)
{
	afb_req_session_close(req);
	afb_req_success(req, NULL, "closing");
}

static void info(afb_req req)
{
	afb_req_success(req, afb_req_get_client_info(req), NULL);
}

static void hasperm(afb_req req)
{
	const char *perm = afb_req_value(req, "perm");

	if (afb_req_has_permission(req, perm))
		afb_req_success(req, json_object_new_boolean(1), perm);
	else
		afb_req_fail(req, "not-granted", perm);
}

/* ------------------------------------------------------------------- events */

static struct afb_event tick;	/* made at init */

static void subscribe(afb_req req)
{
	if (afb_req_subscribe(req, tick) < 0)
		afb_req_fail(req, "failed", "can't subscribe");
	else
		afb_req_success(req, NULL, NULL);
}

static void unsubscribe(afb_req req)
{
	if (afb_req_unsubscribe(req, tick) < 0)
		afb_req_fail(req, "failed", "can't unsubscribe");
	else
		afb_req_success(req, NULL, NULL);
}

static void push(afb_req req)
{
	int rc = afb_event_push(tick, arg_json(req, "data"));

	afb_req_success(req, json_object_new_int(rc), afb_event_name(tick));
}

static void broadcast(afb_req req)
{
	const char *name = afb_req_value(req, "name");
	int rc = afb_daemon_broadcast_event(name ? name : "broadcast", arg_json(req, "data"));

	if (rc < 0)
		afb_req_fail(req, "failed", NULL);
	else
		afb_req_success(req, json_object_new_int(rc), NULL);
}

/* the events received by onevent, oldest first */
static struct json_object *received;

static void onevent(const char *event, struct json_object *object)
{
	struct json_object *item = json_object_new_object();

	json_object_object_add(item, "event", json_object_new_string(event));
	json_object_object_add(item, "data", json_object_get(object));
	pthread_mutex_lock(&lock);
	if (!received)
		received = json_object_new_array();
	json_object_array_add(received, item);
	pthread_mutex_unlock(&lock);
	AFB_INFO("event %s received", event);
}

static void events(afb_req req)
{
	struct json_object *list;

	pthread_mutex_lock(&lock);
	list = received ? received : json_object_new_array();
	received = NULL;
	pthread_mutex_unlock(&lock);
	afb_req_success(req, list, NULL);
}

/* -------------------------------------------------------------------- calls */

/* the reply of a subcall or a service call: the envelope, and its status */
static void replied(void *closure, int status, struct json_object *result)
{
	afb_req req = afb_req_unstore(closure);

	if (status < 0)
		afb_req_fail(req, "failed", json_object_to_json_string(result));
	else
		afb_req_success(req, json_object_get(result), "the envelope");
	afb_req_unref(req);
}

static void replied_req(void *closure, int status, struct json_object *result, afb_req req)
{
	if (status < 0)
		afb_req_fail(req, "failed", json_object_to_json_string(result));
	else
		afb_req_success(req, json_object_get(result), "the envelope");
}

/* "subcall", "subcallreq", "subcallsync", "call", "callsync" of 'api', 'verb', 'args' */
static void calls(afb_req req, const char *how)
{
	const char *api = afb_req_value(req, "api"), *verb = afb_req_value(req, "verb");
	struct json_object *args = arg_json(req, "args"), *result;
	int rc;

	if (!api || !verb) {
		json_object_put(args);
		afb_req_fail(req, "invalid", "api and verb expected");
	} else if (!strcmp(how, "subcall")) {
		afb_req_subcall(req, api, verb, args, replied, afb_req_store(req));
	} else if (!strcmp(how, "subcallreq")) {
		afb_req_subcall_req(req, api, verb, args, replied_req, NULL);
	} else if (!strcmp(how, "call")) {
		afb_service_call(api, verb, args, replied, afb_req_store(req));
	} else {
		rc = !strcmp(how, "subcallsync") ? afb_req_subcall_sync(req, api, verb, args, &result)
						 : afb_service_call_sync(api, verb, args, &result);
		if (rc < 0)
			afb_req_fail(req, "failed", json_object_to_json_string(result));
		else
			afb_req_success(req, json_object_get(result), "the envelope");
		json_object_put(result);
	}
}

static void subcall(afb_req req) { calls(req, "subcall"); }
static void subcallreq(afb_req req) { calls(req, "subcallreq"); }
static void subcallsync(afb_req req) { calls(req, "subcallsync"); }
static void call(afb_req req) { calls(req, "call"); }
static void callsync(afb_req req) { calls(req, "callsync"); }

/* ------------------------------------------------ deferred replies (waiters) */

struct waiter {
	struct waiter *next;
	struct afb_req_x2 *req;	/* afb_req_store */
};
static struct waiter *waiters;

/* replied by the next "wake" */
static void wait_verb(afb_req req)
{
	struct waiter *w = malloc(sizeof *w);

	if (!w) {
		afb_req_fail(req, "failed", "out of memory");
		return;
	}
	w->req = afb_req_store(req);
	pthread_mutex_lock(&lock);
	w->next = waiters;
	waiters = w;
	pthread_mutex_unlock(&lock);
}

static void wake(afb_req req)
{
	struct waiter *w, *next;
	int n = 0;

	pthread_mutex_lock(&lock);
	w = waiters;
	waiters = NULL;
	pthread_mutex_unlock(&lock);
	for (; w; w = next) {
		afb_req waiting = afb_req_unstore(w->req);

		next = w->next;
		afb_req_success(waiting, json_object_new_string("woken"), NULL);
		afb_req_unref(waiting);
		free(w);
		n++;
	}
	afb_req_success(req, json_object_new_int(n), NULL);
}

/* -------------------------------------------------------------- dynamic apis */

static void dynping(struct afb_req_x2 *req)
{
	req->itf->reply(req, json_object_new_string("dynamic"), NULL, NULL);
}

static int dynpreinit(void *closure, struct afb_api_x3 *api)
{
	return api->itf->api_add_verb(api, "ping", NULL, dynping, NULL, NULL, 0, 0);
}

/* a v3 api made by a v2 binding (afb_daemon_new_api) */
static void newapi(afb_req req)
{
	const char *name = afb_req_value(req, "name");

	if (!name || afb_daemon_new_api(name, "made by hello2", 0, dynpreinit, NULL) < 0)
		afb_req_fail(req, "failed", name);
	else
		afb_req_success(req, NULL, name);
}

static void require(afb_req req)
{
	int rc = afb_daemon_require_api(afb_req_value(req, "api"), afb_req_value(req, "initialized") != NULL);

	if (rc < 0)
		afb_req_fail(req, "failed", NULL);
	else
		afb_req_success(req, NULL, NULL);
}

static void verbose(afb_req req)
{
	const char *message = afb_req_value(req, "message");

	AFB_REQ_NOTICE(req, "verbose: %s", message ? message : "(no message)");
	afb_req_success(req, json_object_new_int(afb_get_verbosity()), NULL);
}

/* ------------------------------------------------------------------ the api */

static const struct afb_auth auth_token = { .type = afb_auth_Token };
static const struct afb_auth auth_perm = { .type = afb_auth_Permission, .text = "hello2:secret" };

static const afb_verb_v2 verbs[] = {
	{ .verb = "ping", .callback = ping, .info = "replies a count" },
	{ .verb = "fail", .callback = fail },
	{ .verb = "echo", .callback = echo },
	{ .verb = "bug", .callback = bug },
	{ .verb = "count", .callback = count, .info = "a counter per session (afb_req_context)" },
	{ .verb = "setctx", .callback = setctx },
	{ .verb = "getctx", .callback = getctx },
	{ .verb = "setloa", .callback = setloa, .session = AFB_SESSION_CHECK_V2 },
	{ .verb = "loa1", .callback = echo, .session = AFB_SESSION_LOA_1_V2 },
	{ .verb = "close", .callback = closess, .session = AFB_SESSION_CLOSE_V2 },
	{ .verb = "token", .callback = echo, .auth = &auth_token },
	{ .verb = "secret", .callback = echo, .auth = &auth_perm },
	{ .verb = "info", .callback = info },
	{ .verb = "hasperm", .callback = hasperm },
	{ .verb = "subscribe", .callback = subscribe },
	{ .verb = "unsubscribe", .callback = unsubscribe },
	{ .verb = "push", .callback = push },
	{ .verb = "broadcast", .callback = broadcast },
	{ .verb = "events", .callback = events },
	{ .verb = "subcall", .callback = subcall },
	{ .verb = "subcallreq", .callback = subcallreq },
	{ .verb = "subcallsync", .callback = subcallsync },
	{ .verb = "call", .callback = call },
	{ .verb = "callsync", .callback = callsync },
	{ .verb = "wait", .callback = wait_verb, .info = "replied by the next wake" },
	{ .verb = "wake", .callback = wake },
	{ .verb = "newapi", .callback = newapi },
	{ .verb = "require", .callback = require },
	{ .verb = "verbose", .callback = verbose },
	{ .verb = NULL }
};

static int preinit()
{
	/* a second name of the api (2021 v2: afb_daemon_rename_api adds an alias) */
	AFB_NOTICE("hello2 comes to life");
	return afb_daemon_add_alias(NULL, "hello2-alias");
}

static int init()
{
	tick = afb_daemon_make_event("tick");
	if (!afb_event_is_valid(tick))
		return -1;
	AFB_NOTICE("hello2 starts");
	return 0;
}

const afb_binding_v2 afbBindingV2 = {
	.api = "hello2",
	.info = "the sample of binding API v2",
	.verbs = verbs,
	.preinit = preinit,
	.init = init,
	.onevent = onevent,
};
