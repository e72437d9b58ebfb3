/* SPDX-License-Identifier: Apache-2.0 */
/*
 * service: test binding of the service side of the binding API v1.
 *
 *  - afbBindingV1ServiceInit records the service handle and calls
 *    hello/ping synchronously, proving that service calls work at init
 *    (the result is kept for the verb initresult; hello may be absent:
 *    the init then succeeds anyway and keeps the failure);
 *  - afbBindingV1ServiceEvent records the events received (broadcasts and
 *    the events subscribed through service calls), keeping the last 100.
 *
 * Verbs:
 *  - events: replies the list [{"event":name,"data":data},...] and clears it;
 *  - subscribe (arg tag): calls hello/eventsub {"tag":tag} in the session
 *    of the service, so that pushes of that event reach ServiceEvent;
 *  - initresult: {"status":0|-1,"result":<envelope of hello/ping>};
 *  - call, callsync (args api, verb, args): afb_service_call(_sync),
 *    replying {"status":..,"result":<envelope>} or failing "failed" with
 *    the status of the callee as info.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <afb/afb-binding.h>

#define MAX_EVENTS 100

static const struct afb_binding_interface *afbitf;
static struct afb_service service;

/* result of the call of hello/ping at init */
static int init_status = -1;
static struct json_object *init_result;

/* the events received: a ring of the last MAX_EVENTS */
static struct json_object *ring[MAX_EVENTS];
static int ring_first, ring_count;
static pthread_mutex_t ring_lock = PTHREAD_MUTEX_INITIALIZER;

/*************************************************************************
 * helpers
 *************************************************************************/

static struct json_object *copy_json(struct json_object *obj)
{
	struct json_object *result = NULL;

	if (obj != NULL && json_object_deep_copy(obj, &result, NULL) < 0)
		result = NULL;
	return result;
}

static int parse_json(const char *text, struct json_object **result)
{
	struct json_tokener *tok;
	struct json_object *obj;
	size_t len = strlen(text), end;
	int ok;

	if (len >= INT_MAX)
		return 0;
	tok = json_tokener_new();
	if (tok == NULL)
		return 0;
	/* the terminating zero ends a number or a literal at the end of the text */
	obj = json_tokener_parse_ex(tok, text, (int)len + 1);
	ok = json_tokener_get_error(tok) == json_tokener_success;
#if JSON_C_VERSION_NUM >= ((0 << 16) | (15 << 8))
	end = json_tokener_get_parse_end(tok);
#else
	end = (size_t)tok->char_offset;
#endif
	while (ok && end < len)
		ok = strchr(" \t\r\n", text[end++]) != NULL;
	json_tokener_free(tok);
	if (!ok) {
		json_object_put(obj);
		return 0;
	}
	*result = obj;
	return 1;
}

/* the argument 'name' as a new JSON value (strings holding JSON are parsed) */
static struct json_object *arg_json(struct afb_req req, const char *name)
{
	struct json_object *args = afb_req_json(req), *member, *result;
	const char *text;

	if (args == NULL || !json_object_is_type(args, json_type_object)
	    || !json_object_object_get_ex(args, name, &member))
		return NULL;
	if (!json_object_is_type(member, json_type_string))
		return copy_json(member);
	text = json_object_get_string(member);
	if (parse_json(text, &result))
		return result;
	return json_object_new_string(text);
}

static const char *envelope_status(struct json_object *envelope)
{
	struct json_object *request, *status;

	if (json_object_object_get_ex(envelope, "request", &request)
	    && json_object_object_get_ex(request, "status", &status)
	    && json_object_is_type(status, json_type_string))
		return json_object_get_string(status);
	return "failed";
}

static struct json_object *status_result(int status, struct json_object *result)
{
	struct json_object *obj = json_object_new_object();

	json_object_object_add(obj, "status", json_object_new_int(status));
	json_object_object_add(obj, "result", copy_json(result));
	return obj;
}

/* replies to 'req' the outcome of a call ('result' borrowed) */
static void reply_call(struct afb_req req, int status, struct json_object *result)
{
	if (status < 0)
		afb_req_fail(req, "failed", envelope_status(result));
	else
		afb_req_success(req, status_result(status, result), NULL);
}

/*************************************************************************
 * verbs
 *************************************************************************/

/* replies the events received so far and forgets them */
static void events(struct afb_req req)
{
	struct json_object *list = json_object_new_array();
	int i;

	pthread_mutex_lock(&ring_lock);
	for (i = 0; i < ring_count; i++)
		json_object_array_add(list, ring[(ring_first + i) % MAX_EVENTS]);
	ring_first = ring_count = 0;
	pthread_mutex_unlock(&ring_lock);
	afb_req_success(req, list, NULL);
}

static void call_reply(void *closure, int status, struct json_object *result)
{
	struct afb_req *preq = closure;

	reply_call(*preq, status, result);
	afb_req_unref(*preq);
	free(preq);
}

/* calls api/verb with args through the service, replying in the callback */
static void service_call_async(struct afb_req req, const char *api, const char *verb, struct json_object *args)
{
	struct afb_req *preq = malloc(sizeof *preq);

	if (preq == NULL) {
		json_object_put(args);
		afb_req_fail(req, "failed", "out of memory");
		return;
	}
	*preq = req;
	afb_req_addref(req);
	afb_service_call(service, api, verb, args, call_reply, preq);
}

/* arg tag: subscribes the service to the event of 'tag' of hello */
static void subscribe(struct afb_req req)
{
	const char *tag = afb_req_value(req, "tag");
	struct json_object *args;

	if (tag == NULL) {
		afb_req_fail(req, "invalid-request", "argument 'tag' is missing");
		return;
	}
	args = json_object_new_object();
	json_object_object_add(args, "tag", json_object_new_string(tag));
	service_call_async(req, "hello", "eventsub", args);
}

static void initresult(struct afb_req req)
{
	afb_req_success(req, status_result(init_status, init_result), NULL);
}

static int call_args(struct afb_req req, const char **api, const char **verb, struct json_object **args)
{
	*api = afb_req_value(req, "api");
	*verb = afb_req_value(req, "verb");
	if (*api == NULL || *verb == NULL) {
		afb_req_fail(req, "invalid-request", "arguments 'api' and 'verb' are needed");
		return -1;
	}
	*args = arg_json(req, "args");
	return 0;
}

static void call(struct afb_req req)
{
	const char *api, *verb;
	struct json_object *args;

	if (call_args(req, &api, &verb, &args) == 0)
		service_call_async(req, api, verb, args);
}

static void callsync(struct afb_req req)
{
	const char *api, *verb;
	struct json_object *args, *result = NULL;
	int status;

	if (call_args(req, &api, &verb, &args) < 0)
		return;
	status = afb_service_call_sync(service, api, verb, args, &result);
	reply_call(req, status, result);
	json_object_put(result);
}

/*************************************************************************
 * declaration and service entry points
 *************************************************************************/

static const struct afb_verb_desc_v1 binding_methods[] = {
	{ .name = "events",     .session = AFB_SESSION_NONE, .callback = events,     .info = "Events received (cleared)" },
	{ .name = "subscribe",  .session = AFB_SESSION_NONE, .callback = subscribe,  .info = "Subscribes the service to hello's event of arg tag" },
	{ .name = "initresult", .session = AFB_SESSION_NONE, .callback = initresult, .info = "Result of hello/ping called at init" },
	{ .name = "call",       .session = AFB_SESSION_NONE, .callback = call,       .info = "afb_service_call of args api, verb, args" },
	{ .name = "callsync",   .session = AFB_SESSION_NONE, .callback = callsync,   .info = "afb_service_call_sync of args api, verb, args" },
	{ .name = NULL }
};

static const struct afb_binding binding_description = {
	.type = AFB_BINDING_VERSION_1,
	.v1 = {
		.prefix = "service",
		.info = "Test binding of the service functions",
		.methods = binding_methods
	}
};

const struct afb_binding *afbBindingV1Register(const struct afb_binding_interface *itf)
{
	afbitf = itf;
	return &binding_description;
}

int afbBindingV1ServiceInit(struct afb_service svc)
{
	struct json_object *result = NULL;

	service = svc;
	init_status = afb_service_call_sync(svc, "hello", "ping", NULL, &result);
	init_result = result;
	NOTICE(afbitf, "service started: hello/ping %s", init_status < 0 ? "failed" : "succeeded");
	return 0;
}

void afbBindingV1ServiceEvent(const char *event, struct json_object *object)
{
	struct json_object *item = json_object_new_object();

	json_object_object_add(item, "event", json_object_new_string(event));
	json_object_object_add(item, "data", copy_json(object));

	pthread_mutex_lock(&ring_lock);
	if (ring_count == MAX_EVENTS) {
		/* forget the oldest */
		json_object_put(ring[ring_first]);
		ring_first = (ring_first + 1) % MAX_EVENTS;
		ring_count--;
	}
	ring[(ring_first + ring_count) % MAX_EVENTS] = item;
	ring_count++;
	pthread_mutex_unlock(&ring_lock);
	DEBUG(afbitf, "event %s received", event);
}
