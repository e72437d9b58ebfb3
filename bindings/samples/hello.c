/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hello: the sample binding that exercises every function of the binding
 * API v1.  It is also the target of the benchmarks (hello/ping) and of
 * most of the daemon's tests.
 *
 * Arguments are read by name.  Arguments carrying JSON values ("data",
 * "args") accept either a JSON value (WebSocket, JSON bodies) or a string
 * (HTTP query or form): a string that is valid JSON text is parsed, any
 * other string is used as a JSON string.
 *
 * Threading: verbs run on the daemon's worker threads, several at a time.
 * Every piece of global state below is protected by a mutex or atomic.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <afb/afb-binding.h>

/* the interface to the daemon, recorded by afbBindingV1Register */
static const struct afb_binding_interface *afbitf;

/* the service handle, recorded by afbBindingV1ServiceInit */
static struct afb_service service;

/*************************************************************************
 * helpers
 *************************************************************************/

/* monotonic clock in milliseconds */
static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* sleeps 'ms' milliseconds, even when interrupted by signals */
static void sleep_ms(long ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* a new deep copy of 'obj' (NULL gives NULL) */
static struct json_object *copy_json(struct json_object *obj)
{
	struct json_object *result = NULL;

	if (obj != NULL && json_object_deep_copy(obj, &result, NULL) < 0)
		result = NULL;
	return result;
}

/*
 * Parses the whole 'text' as JSON. Returns 1 and sets *result on success
 * (the text "null" gives NULL), 0 when 'text' is not exactly one JSON value.
 */
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
	while (ok && end < len) /* only spaces may follow */
		ok = strchr(" \t\r\n", text[end++]) != NULL;
	json_tokener_free(tok);
	if (!ok) {
		json_object_put(obj);
		return 0;
	}
	*result = obj;
	return 1;
}

/*
 * The argument 'name' as a new JSON object, or NULL when absent.
 * See the comment at the top of the file.
 */
static struct json_object *arg_json(struct afb_req req, const char *name)
{
	struct json_object *args, *member, *result;
	const char *text;

	args = afb_req_json(req);
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

/*
 * Reads the argument 'name' as milliseconds into *ms. Absent gives 'dflt'.
 * Returns 0, or -1 after replying a failure when it is not an integer
 * in 0..3600000.
 */
static int arg_ms(struct afb_req req, const char *name, long dflt, long *ms)
{
	const char *value = afb_req_value(req, name);
	char *end;
	long v;

	if (value == NULL) {
		*ms = dflt;
		return 0;
	}
	errno = 0;
	v = strtol(value, &end, 10);
	if (errno != 0 || end == value || *end != 0 || v < 0 || v > 3600000) {
		afb_req_fail_f(req, "invalid-request", "argument '%s' must be an integer in 0..3600000", name);
		return -1;
	}
	*ms = v;
	return 0;
}

/*
 * Reads the mandatory string argument 'name'. Returns NULL after replying
 * a failure when it is absent.
 */
static const char *arg_string(struct afb_req req, const char *name)
{
	const char *value = afb_req_value(req, name);

	if (value == NULL)
		afb_req_fail_f(req, "invalid-request", "argument '%s' is missing", name);
	return value;
}

/* a detached thread running fn(arg); returns 0 or -1 */
static int start_thread(void *(*fn)(void *), void *arg)
{
	pthread_t tid;
	pthread_attr_t attr;
	int rc;

	if (pthread_attr_init(&attr) != 0)
		return -1;
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&tid, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	return rc == 0 ? 0 : -1;
}

/*************************************************************************
 * ping and simple replies
 *************************************************************************/

/* the benchmark target: trivial and deterministic */
static void ping(struct afb_req req)
{
	struct json_object *obj = json_object_new_object();

	json_object_object_add(obj, "ping", json_object_new_string("pong"));
	afb_req_success(req, obj, "Ping Binder Daemon");
}

static void pingfail(struct afb_req req)
{
	afb_req_fail(req, "failed", "Ping Binder Daemon fails");
}

static void pingnull(struct afb_req req)
{
	afb_req_success(req, NULL, "Ping Binder Daemon succeeds with NULL response");
}

/* replies a copy of the arguments (the arguments are borrowed) */
static void pingJson(struct afb_req req)
{
	afb_req_success(req, copy_json(afb_req_json(req)), "Ping Binder Daemon JSON");
}

static void echo(struct afb_req req)
{
	afb_req_success(req, copy_json(afb_req_json(req)), NULL);
}

/* fails with the status and info given as arguments */
static void fail(struct afb_req req)
{
	const char *status = afb_req_value(req, "status");
	const char *info = afb_req_value(req, "info");

	afb_req_fail(req, status != NULL && *status != 0 ? status : "failed", info);
}

/*************************************************************************
 * timing: asynchronous reply and blocking verb
 *************************************************************************/

/* what the timer thread needs */
struct timer {
	struct afb_req req;
	long ms;
	int64_t start;
};

static struct json_object *elapsed_object(long ms, int64_t start)
{
	struct json_object *obj = json_object_new_object();

	json_object_object_add(obj, "ms", json_object_new_int64(ms));
	json_object_object_add(obj, "elapsed", json_object_new_int64(now_ms() - start));
	return obj;
}

static void *timer_thread(void *arg)
{
	struct timer *timer = arg;

	sleep_ms(timer->ms);
	afb_req_success(timer->req, elapsed_object(timer->ms, timer->start), "timer expired");
	afb_req_unref(timer->req);
	free(timer);
	return NULL;
}

/* replies, from another thread, after 'ms' milliseconds (default 100) */
static void timer(struct afb_req req)
{
	struct timer *timer;
	long ms;

	if (arg_ms(req, "ms", 100, &ms) < 0)
		return;
	timer = malloc(sizeof *timer);
	if (timer == NULL) {
		afb_req_fail(req, "failed", "out of memory");
		return;
	}
	timer->req = req;
	timer->ms = ms;
	timer->start = now_ms();
	afb_req_addref(req);	/* the reply comes after return */
	if (start_thread(timer_thread, timer) < 0) {
		afb_req_fail(req, "failed", "can't start a thread");
		afb_req_unref(req);
		free(timer);
	}
}

/* blocks the worker thread 'ms' milliseconds (default 100) then replies */
static void sleep_verb(struct afb_req req)
{
	int64_t start = now_ms();
	long ms;

	if (arg_ms(req, "ms", 100, &ms) < 0)
		return;
	sleep_ms(ms);
	afb_req_success(req, elapsed_object(ms, start), "slept");
}

/*************************************************************************
 * misbehaving verbs
 *************************************************************************/

/* returns without reply and without addref: the daemon replies "no reply" */
static void noreply(struct afb_req req)
{
	(void)req;
}

/* the second reply is refused by the daemon: the client sees the first */
static void doublereply(struct afb_req req)
{
	struct json_object *obj = json_object_new_object();

	json_object_object_add(obj, "reply", json_object_new_int(1));
	afb_req_success(req, obj, "first reply");
	afb_req_fail(req, "failed", "second reply");
}

/*************************************************************************
 * events
 *************************************************************************/

/* the events made by eventadd, by tag */
struct tagged_event {
	struct tagged_event *next;
	struct afb_event event;
	char tag[];
};

static struct tagged_event *events;
static pthread_mutex_t events_lock = PTHREAD_MUTEX_INITIALIZER;

/* the event of 'tag' or NULL; events_lock must be held */
static struct tagged_event *event_of_tag(const char *tag)
{
	struct tagged_event *e = events;

	while (e != NULL && strcmp(e->tag, tag) != 0)
		e = e->next;
	return e;
}

/* args tag, name: makes the event "hello/<name>" known as 'tag' */
static void eventadd(struct afb_req req)
{
	const char *tag, *name;
	struct tagged_event *e;

	if ((tag = arg_string(req, "tag")) == NULL || (name = arg_string(req, "name")) == NULL)
		return;

	pthread_mutex_lock(&events_lock);
	if (event_of_tag(tag) != NULL) {
		pthread_mutex_unlock(&events_lock);
		afb_req_fail_f(req, "failed", "tag '%s' already exists", tag);
		return;
	}
	e = malloc(sizeof *e + strlen(tag) + 1);
	if (e == NULL) {
		pthread_mutex_unlock(&events_lock);
		afb_req_fail(req, "failed", "out of memory");
		return;
	}
	e->event = afb_daemon_make_event(afbitf->daemon, name);
	if (!afb_event_is_valid(e->event)) {
		pthread_mutex_unlock(&events_lock);
		free(e);
		afb_req_fail_f(req, "failed", "can't make the event '%s'", name);
		return;
	}
	strcpy(e->tag, tag);
	e->next = events;
	events = e;
	pthread_mutex_unlock(&events_lock);
	afb_req_success(req, NULL, NULL);
}

/* args tag: drops the event of 'tag' */
static void eventdel(struct afb_req req)
{
	const char *tag;
	struct tagged_event *e, **prv;

	if ((tag = arg_string(req, "tag")) == NULL)
		return;

	pthread_mutex_lock(&events_lock);
	prv = &events;
	while ((e = *prv) != NULL && strcmp(e->tag, tag) != 0)
		prv = &e->next;
	if (e != NULL) {
		*prv = e->next;
		afb_event_drop(e->event);
	}
	pthread_mutex_unlock(&events_lock);

	if (e == NULL)
		afb_req_fail_f(req, "failed", "unknown tag '%s'", tag);
	else {
		free(e);
		afb_req_success(req, NULL, NULL);
	}
}

/* subscribe (1) or unsubscribe (0) the client of 'req' to the event of arg tag */
static void subscription(struct afb_req req, int subscribe)
{
	const char *tag;
	struct tagged_event *e;
	int rc = -1;

	if ((tag = arg_string(req, "tag")) == NULL)
		return;

	pthread_mutex_lock(&events_lock);
	e = event_of_tag(tag);
	if (e != NULL)
		rc = subscribe ? afb_req_subscribe(req, e->event) : afb_req_unsubscribe(req, e->event);
	pthread_mutex_unlock(&events_lock);

	if (e == NULL)
		afb_req_fail_f(req, "failed", "unknown tag '%s'", tag);
	else if (rc < 0)
		afb_req_fail_f(req, "failed", "can't %s (no event listener for this client?)",
			       subscribe ? "subscribe" : "unsubscribe");
	else
		afb_req_success(req, NULL, NULL);
}

static void eventsub(struct afb_req req)
{
	subscription(req, 1);
}

static void eventunsub(struct afb_req req)
{
	subscription(req, 0);
}

static struct json_object *count_object(int count)
{
	struct json_object *obj = json_object_new_object();

	json_object_object_add(obj, "count", json_object_new_int(count));
	return obj;
}

/* args tag, data: pushes 'data' to the subscribers of the event of 'tag' */
static void eventpush(struct afb_req req)
{
	const char *tag;
	struct tagged_event *e;
	int count = 0;

	if ((tag = arg_string(req, "tag")) == NULL)
		return;

	pthread_mutex_lock(&events_lock);
	e = event_of_tag(tag);
	if (e != NULL)
		count = afb_event_push(e->event, arg_json(req, "data"));
	pthread_mutex_unlock(&events_lock);

	if (e == NULL)
		afb_req_fail_f(req, "failed", "unknown tag '%s'", tag);
	else
		afb_req_success(req, count_object(count), NULL);
}

/* args name, data: broadcasts "hello/<name>" with 'data' */
static void broadcast(struct afb_req req)
{
	const char *name;
	int count;

	if ((name = arg_string(req, "name")) == NULL)
		return;
	count = afb_daemon_broadcast_event(afbitf->daemon, name, arg_json(req, "data"));
	afb_req_success(req, count_object(count), NULL);
}

/* args name, data: the same through the event sender of the document */
static void eventsender(struct afb_req req)
{
	const char *name;
	int count;

	if ((name = arg_string(req, "name")) == NULL)
		return;
	count = afb_event_sender_push(afb_daemon_get_event_sender(afbitf->daemon), name, arg_json(req, "data"));
	afb_req_success(req, count_object(count), NULL);
}

/*************************************************************************
 * subcalls
 *************************************************************************/

/* the status string of a reply envelope, or "failed" */
static const char *envelope_status(struct json_object *envelope)
{
	struct json_object *request, *status;

	if (json_object_object_get_ex(envelope, "request", &request)
	    && json_object_object_get_ex(request, "status", &status)
	    && json_object_is_type(status, json_type_string))
		return json_object_get_string(status);
	return "failed";
}

/*
 * Replies to 'req' after a subcall that ended with 'status' and 'result'
 * (borrowed): success {"status":..,"result":<envelope>} or failure
 * "failed" whose info is the status of the callee.
 */
static void reply_subcall(struct afb_req req, int status, struct json_object *result)
{
	struct json_object *obj;

	if (status < 0) {
		afb_req_fail(req, "failed", envelope_status(result));
		return;
	}
	obj = json_object_new_object();
	json_object_object_add(obj, "status", json_object_new_int(status));
	json_object_object_add(obj, "result", copy_json(result));
	afb_req_success(req, obj, NULL);
}

/*
 * Reads the arguments api, verb and args. Returns 0, or -1 after
 * replying a failure.
 */
static int subcall_args(struct afb_req req, const char **api, const char **verb, struct json_object **args)
{
	if ((*api = arg_string(req, "api")) == NULL || (*verb = arg_string(req, "verb")) == NULL)
		return -1;
	*args = arg_json(req, "args");
	return 0;
}

static void call_reply(void *closure, int status, struct json_object *result)
{
	struct afb_req *preq = closure;

	reply_subcall(*preq, status, result);
	afb_req_unref(*preq);
	free(preq);
}

/* args api, verb, args: asynchronous subcall */
static void call(struct afb_req req)
{
	const char *api, *verb;
	struct json_object *args;
	struct afb_req *preq;

	if (subcall_args(req, &api, &verb, &args) < 0)
		return;
	preq = malloc(sizeof *preq);
	if (preq == NULL) {
		json_object_put(args);
		afb_req_fail(req, "failed", "out of memory");
		return;
	}
	*preq = req;
	afb_req_addref(req);
	afb_req_subcall(req, api, verb, args, call_reply, preq);
}

/* args api, verb, args: synchronous subcall */
static void callsync(struct afb_req req)
{
	const char *api, *verb;
	struct json_object *args, *result = NULL;
	int status;

	if (subcall_args(req, &api, &verb, &args) < 0)
		return;
	status = afb_req_subcall_sync(req, api, verb, args, &result);
	reply_subcall(req, status, result);
	json_object_put(result);
}

static void callreq_reply(void *closure, int status, struct json_object *result, struct afb_req req)
{
	(void)closure;
	reply_subcall(req, status, result);
}

/* args api, verb, args: subcall whose callback receives the request */
static void callreq(struct afb_req req)
{
	const char *api, *verb;
	struct json_object *args;

	if (subcall_args(req, &api, &verb, &args) < 0)
		return;
	afb_req_subcall_req(req, api, verb, args, callreq_reply, NULL);
}

/*************************************************************************
 * session contexts: always a string allocated with malloc
 *************************************************************************/

static atomic_int context_creations;

static struct json_object *value_object(const char *value)
{
	struct json_object *obj = json_object_new_object();

	json_object_object_add(obj, "value", value ? json_object_new_string(value) : NULL);
	return obj;
}

/* arg value: sets the context to a copy of 'value' (clears it when absent) */
static void contextset(struct afb_req req)
{
	const char *value = afb_req_value(req, "value");
	char *copy = NULL;

	if (value != NULL && (copy = strdup(value)) == NULL) {
		afb_req_fail(req, "failed", "out of memory");
		return;
	}
	afb_req_context_set(req, copy, copy ? free : NULL);
	afb_req_success(req, value_object(value), NULL);
}

/* replies {"value":<context>} or null when there is no context */
static void contextget(struct afb_req req)
{
	const char *value = afb_req_context_get(req);

	afb_req_success(req, value ? value_object(value) : NULL, NULL);
}

static void *make_context(void)
{
	char *value;
	int n = atomic_fetch_add(&context_creations, 1) + 1;

	if (asprintf(&value, "made-%d", n) < 0)
		return NULL;
	return value;
}

/*
 * gets the context, creating it when absent; replies {"value":..,
 * "creations":N} where N counts the contexts created so far
 */
static void contextmake(struct afb_req req)
{
	const char *value = afb_req_context(req, make_context, free);
	struct json_object *obj = value_object(value);

	json_object_object_add(obj, "creations", json_object_new_int(atomic_load(&context_creations)));
	afb_req_success(req, obj, NULL);
}

/*************************************************************************
 * stored requests
 *************************************************************************/

static void *store_thread(void *arg)
{
	struct afb_req req = afb_req_unstore(arg);

	sleep_ms(10);
	afb_req_success(req, NULL, "replied from a stored request");
	afb_req_unref(req);	/* unstore keeps the reference taken by store */
	return NULL;
}

/* stores the request and replies from another thread */
static void store(struct afb_req req)
{
	struct afb_stored_req *sreq = afb_req_store(req);

	if (sreq == NULL) {
		afb_req_fail(req, "failed", "can't store the request");
		return;
	}
	if (start_thread(store_thread, sreq) < 0) {
		req = afb_req_unstore(sreq);
		afb_req_fail(req, "failed", "can't start a thread");
		afb_req_unref(req);
	}
}

/*************************************************************************
 * miscellaneous
 *************************************************************************/

/* logs a message with each macro; arg message (optional) */
static void verbose(struct afb_req req)
{
	const char *message = afb_req_value(req, "message");

	if (message == NULL)
		message = "hello";
	ERROR(afbitf, "verbose error: %s", message);
	WARNING(afbitf, "verbose warning: %s", message);
	NOTICE(afbitf, "verbose notice: %s", message);
	INFO(afbitf, "verbose info: %s", message);
	DEBUG(afbitf, "verbose debug: %s", message);
	AFB_REQ_VERBOSE(req, 5, "verbose request notice: %s", message);
	afb_req_success(req, NULL, NULL);
}

/* arg perm (or permission): replies {"permission":perm,"granted":bool} */
static void hasperm(struct afb_req req)
{
	const char *perm;
	struct json_object *obj;

	perm = afb_req_value(req, "perm");
	if (perm == NULL)
		perm = afb_req_value(req, "permission");
	if (perm == NULL) {
		afb_req_fail(req, "invalid-request", "argument 'perm' is missing");
		return;
	}
	obj = json_object_new_object();
	json_object_object_add(obj, "permission", json_object_new_string(perm));
	json_object_object_add(obj, "granted", json_object_new_boolean(afb_req_has_permission(req, perm)));
	afb_req_success(req, obj, NULL);
}

/*************************************************************************
 * description
 *************************************************************************/

/*
 * The OpenAPI 3 description of the api (an afb-daemon extension of
 * binding API v1, see afb-binding-v1.h): the daemon describes hello with
 * it, and D-Bus gives the verbs whose arguments and response have a
 * schema typed methods with named arguments (docs/dbus.md), e.g.
 * ping() -> (s ping, s info), eventsub(s tag). Verbs without schema
 * (echo, pingJson) take and give any JSON value.
 */
#define SCHEMA(name)	"{\"$ref\":\"#/components/schemas/" name "\"}"
#define ARGS(schema)	"\"requestBody\":{\"content\":{\"application/json\":{\"schema\":" schema "}}}"
#define REPLY(text, schema) \
	"\"responses\":{\"200\":{\"description\":\"" text "\",\"content\":{\"application/json\":{\"schema\":" schema "}}}}"
#define NOREPLY(text)	"\"responses\":{\"200\":{\"description\":\"" text "\"}}"
#define VERB(name, ...)	"\"/" name "\":{\"get\":{" __VA_ARGS__ "}}"

const char afbBindingV1Specification[] =
"{\"openapi\":\"3.0.0\","
 "\"info\":{\"title\":\"hello\",\"version\":\"1.0\",\"description\":\"Sample binding exercising the binding API v1\"},"
 "\"components\":{\"schemas\":{"
  "\"none\":{\"type\":\"object\",\"properties\":{},\"additionalProperties\":false},"
  "\"tag\":{\"type\":\"object\",\"properties\":{\"tag\":{\"type\":\"string\"}},\"required\":[\"tag\"]},"
  "\"event\":{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"},\"data\":{\"description\":\"any value\"}},"
   "\"required\":[\"name\",\"data\"]},"
  "\"count\":{\"type\":\"object\",\"properties\":{\"count\":{\"type\":\"integer\",\"format\":\"int32\"}},\"required\":[\"count\"]},"
  "\"ms\":{\"type\":\"object\",\"properties\":{\"ms\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":3600000}}},"
  "\"elapsed\":{\"type\":\"object\",\"properties\":{\"ms\":{\"type\":\"integer\"},\"elapsed\":{\"type\":\"integer\"}},"
   "\"required\":[\"ms\",\"elapsed\"]},"
  "\"subcall\":{\"type\":\"object\",\"properties\":{\"api\":{\"type\":\"string\"},\"verb\":{\"type\":\"string\"},"
   "\"args\":{\"description\":\"any value\"}},\"required\":[\"api\",\"verb\"]},"
  "\"subcalled\":{\"type\":\"object\",\"properties\":{\"status\":{\"type\":\"integer\",\"format\":\"int32\"},"
   "\"result\":{\"type\":\"object\",\"description\":\"the reply envelope of the callee\"}},\"required\":[\"status\",\"result\"]}"
 "}},"
 "\"paths\":{"
  VERB("ping", ARGS(SCHEMA("none")) ","
       REPLY("Replies {\\\"ping\\\":\\\"pong\\\"}", "{\"type\":\"object\",\"properties\":{\"ping\":{\"type\":\"string\"}},"
                                               "\"required\":[\"ping\"]}")) ","
  VERB("pingfail", ARGS(SCHEMA("none")) "," NOREPLY("Fails with status 'failed'")) ","
  VERB("pingnull", ARGS(SCHEMA("none")) "," NOREPLY("Succeeds with a null response")) ","
  VERB("pingJson", NOREPLY("Replies a copy of the arguments")) ","
  VERB("echo", NOREPLY("Replies a copy of the arguments")) ","
  VERB("fail", ARGS("{\"type\":\"object\",\"properties\":{\"status\":{\"type\":\"string\"},\"info\":{\"type\":\"string\"}}}") ","
       NOREPLY("Fails with arguments status and info")) ","
  VERB("timer", ARGS(SCHEMA("ms")) "," REPLY("Replies from a thread after arg ms milliseconds", SCHEMA("elapsed"))) ","
  VERB("sleep", ARGS(SCHEMA("ms")) "," REPLY("Blocks arg ms milliseconds, then replies", SCHEMA("elapsed"))) ","
  VERB("noreply", ARGS(SCHEMA("none")) "," NOREPLY("Returns without replying")) ","
  VERB("doublereply", ARGS(SCHEMA("none")) ","
       REPLY("Replies twice (the second is refused)", "{\"type\":\"object\",\"properties\":{\"reply\":{\"type\":\"integer\"}},"
                                                     "\"required\":[\"reply\"]}")) ","
  VERB("eventadd", ARGS("{\"type\":\"object\",\"properties\":{\"tag\":{\"type\":\"string\"},\"name\":{\"type\":\"string\"}},"
                        "\"required\":[\"tag\",\"name\"]}") "," NOREPLY("Makes the event of args tag, name")) ","
  VERB("eventdel", ARGS(SCHEMA("tag")) "," NOREPLY("Drops the event of arg tag")) ","
  VERB("eventsub", ARGS(SCHEMA("tag")) "," NOREPLY("Subscribes to the event of arg tag")) ","
  VERB("eventunsub", ARGS(SCHEMA("tag")) "," NOREPLY("Unsubscribes from the event of arg tag")) ","
  VERB("eventpush", ARGS("{\"type\":\"object\",\"properties\":{\"tag\":{\"type\":\"string\"},\"data\":{\"description\":\"any value\"}},"
                         "\"required\":[\"tag\",\"data\"]}") ","
       REPLY("Pushes arg data to the event of arg tag", SCHEMA("count"))) ","
  VERB("broadcast", ARGS(SCHEMA("event")) "," REPLY("Broadcasts the event of args name, data", SCHEMA("count"))) ","
  VERB("eventsender", ARGS(SCHEMA("event")) ","
       REPLY("Broadcasts args name, data with the event sender", SCHEMA("count"))) ","
  VERB("call", ARGS(SCHEMA("subcall")) "," REPLY("Subcalls args api, verb, args", SCHEMA("subcalled"))) ","
  VERB("callsync", ARGS(SCHEMA("subcall")) "," REPLY("Synchronous subcall of args api, verb, args", SCHEMA("subcalled"))) ","
  VERB("callreq", ARGS(SCHEMA("subcall")) "," REPLY("Subcall of args api, verb, args with the request", SCHEMA("subcalled"))) ","
  VERB("contextset", ARGS("{\"type\":\"object\",\"properties\":{\"value\":{\"type\":\"string\"}}}") ","
       NOREPLY("Sets the session context to arg value")) ","
  VERB("contextget", ARGS(SCHEMA("none")) "," NOREPLY("Gets the session context")) ","
  VERB("contextmake", ARGS(SCHEMA("none")) ","
       REPLY("Gets or creates the session context", "{\"type\":\"object\",\"properties\":{\"value\":{\"type\":\"string\"},"
             "\"creations\":{\"type\":\"integer\",\"format\":\"int32\"}},\"required\":[\"value\",\"creations\"]}")) ","
  VERB("store", ARGS(SCHEMA("none")) "," NOREPLY("Replies from a thread through a stored request")) ","
  VERB("verbose", ARGS("{\"type\":\"object\",\"properties\":{\"message\":{\"type\":\"string\"}}}") ","
       NOREPLY("Logs arg message at every level")) ","
  VERB("hasperm", ARGS("{\"type\":\"object\",\"properties\":{\"perm\":{\"type\":\"string\"}},\"required\":[\"perm\"]}") ","
       REPLY("Checks the permission of arg perm", "{\"type\":\"object\",\"properties\":{\"permission\":{\"type\":\"string\"},"
             "\"granted\":{\"type\":\"boolean\"}},\"required\":[\"permission\",\"granted\"]}"))
 "}"
"}";

/*************************************************************************
 * declaration
 *************************************************************************/

static const struct afb_verb_desc_v1 verbs[] = {
	{ .name = "ping",        .session = AFB_SESSION_NONE, .callback = ping,        .info = "Replies {\"ping\":\"pong\"}" },
	{ .name = "pingfail",    .session = AFB_SESSION_NONE, .callback = pingfail,    .info = "Fails with status 'failed'" },
	{ .name = "pingnull",    .session = AFB_SESSION_NONE, .callback = pingnull,    .info = "Succeeds with a null response" },
	{ .name = "pingJson",    .session = AFB_SESSION_NONE, .callback = pingJson,    .info = "Replies a copy of the arguments" },
	{ .name = "echo",        .session = AFB_SESSION_NONE, .callback = echo,        .info = "Replies a copy of the arguments" },
	{ .name = "fail",        .session = AFB_SESSION_NONE, .callback = fail,        .info = "Fails with arguments status and info" },
	{ .name = "timer",       .session = AFB_SESSION_NONE, .callback = timer,       .info = "Replies from a thread after arg ms milliseconds" },
	{ .name = "sleep",       .session = AFB_SESSION_NONE, .callback = sleep_verb,  .info = "Blocks arg ms milliseconds, then replies" },
	{ .name = "noreply",     .session = AFB_SESSION_NONE, .callback = noreply,     .info = "Returns without replying" },
	{ .name = "doublereply", .session = AFB_SESSION_NONE, .callback = doublereply, .info = "Replies twice (the second is refused)" },
	{ .name = "eventadd",    .session = AFB_SESSION_NONE, .callback = eventadd,    .info = "Makes the event of args tag, name" },
	{ .name = "eventdel",    .session = AFB_SESSION_NONE, .callback = eventdel,    .info = "Drops the event of arg tag" },
	{ .name = "eventsub",    .session = AFB_SESSION_NONE, .callback = eventsub,    .info = "Subscribes to the event of arg tag" },
	{ .name = "eventunsub",  .session = AFB_SESSION_NONE, .callback = eventunsub,  .info = "Unsubscribes from the event of arg tag" },
	{ .name = "eventpush",   .session = AFB_SESSION_NONE, .callback = eventpush,   .info = "Pushes arg data to the event of arg tag" },
	{ .name = "broadcast",   .session = AFB_SESSION_NONE, .callback = broadcast,   .info = "Broadcasts the event of args name, data" },
	{ .name = "eventsender", .session = AFB_SESSION_NONE, .callback = eventsender, .info = "Broadcasts args name, data with the event sender" },
	{ .name = "call",        .session = AFB_SESSION_NONE, .callback = call,        .info = "Subcalls args api, verb, args" },
	{ .name = "callsync",    .session = AFB_SESSION_NONE, .callback = callsync,    .info = "Synchronous subcall of args api, verb, args" },
	{ .name = "callreq",     .session = AFB_SESSION_NONE, .callback = callreq,     .info = "Subcall of args api, verb, args with the request" },
	{ .name = "contextset",  .session = AFB_SESSION_NONE, .callback = contextset,  .info = "Sets the session context to arg value" },
	{ .name = "contextget",  .session = AFB_SESSION_NONE, .callback = contextget,  .info = "Gets the session context" },
	{ .name = "contextmake", .session = AFB_SESSION_NONE, .callback = contextmake, .info = "Gets or creates the session context" },
	{ .name = "store",       .session = AFB_SESSION_NONE, .callback = store,       .info = "Replies from a thread through a stored request" },
	{ .name = "verbose",     .session = AFB_SESSION_NONE, .callback = verbose,     .info = "Logs arg message at every level" },
	{ .name = "hasperm",     .session = AFB_SESSION_NONE, .callback = hasperm,     .info = "Checks the permission of arg perm" },
	{ .name = NULL }
};

static const struct afb_binding binding_description = {
	.type = AFB_BINDING_VERSION_1,
	.v1 = {
		.prefix = "hello",
		.info = "Sample binding exercising the binding API v1",
		.methods = verbs
	}
};

const struct afb_binding *afbBindingV1Register(const struct afb_binding_interface *itf)
{
	afbitf = itf;
	return &binding_description;
}

int afbBindingV1ServiceInit(struct afb_service svc)
{
	service = svc;
	NOTICE(afbitf, "hello binding started");
	return 0;
}
