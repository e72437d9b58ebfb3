/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hello3: the sample binding of binding API v3. Its verbs exercise the
 * whole v3 surface (requests, replies, contexts, sessions and LOA,
 * events, calls and subcalls with every flag, permissions and auth
 * trees, dynamic apis, settings, logs, the event loop, the root
 * directory); the test suite drives them over every transport.
 *
 * Arguments are read by name; those carrying JSON ("args", "data",
 * "value") accept a JSON value (WebSocket, JSON bodies) or a string
 * (HTTP query), parsed when it is JSON text.
 *
 * Events received by its apis are recorded and given by the verb
 * "events".
 *
 * Threading: verbs run on the daemon's worker threads, several at a time;
 * the global state below is protected by 'lock'.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>

#include <json-c/json.h>
#include <systemd/sd-event.h>

#define AFB_BINDING_VERSION 3
#include <afb/afb-binding.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* ---------------------------------------------------------------- helpers */

/* The argument 'name' as JSON: a string that is JSON text is parsed. New reference or NULL. */
static struct json_object *arg_json(afb_req_t req, const char *name)
{
	struct json_object *args = afb_req_json(req), *value;
	struct json_tokener *tok;
	const char *text;

	if (!json_object_object_get_ex(args, name, &value))
		return NULL;
	if (!json_object_is_type(value, json_type_string))
		return json_object_get(value);
	text = json_object_get_string(value);
	tok = json_tokener_new();
	value = json_tokener_parse_ex(tok, text, (int)strlen(text));
	if (json_tokener_get_error(tok) != json_tokener_success || tok->char_offset != (int)strlen(text)) {
		json_object_put(value);
		value = json_object_new_string(text);
	}
	json_tokener_free(tok);
	return value;
}

/* The argument 'name' as an integer ('dflt' when absent). */
static int arg_int(afb_req_t req, const char *name, int dflt)
{
	struct json_object *value = arg_json(req, name);
	int result = value ? json_object_get_int(value) : dflt;

	json_object_put(value);
	return result;
}

/* ------------------------------------------------------------------ replies */

static int ping_count;

static void ping(afb_req_t req)
{
	struct json_object *resp = json_object_new_object();
	int count;

	pthread_mutex_lock(&lock);
	count = ++ping_count;
	pthread_mutex_unlock(&lock);
	json_object_object_add(resp, "pong", json_object_new_int(count));
	afb_req_reply_f(req, resp, NULL, "ping number %d of %s", count, afb_api_name(afb_req_get_api(req)));
}

static void fail(afb_req_t req)
{
	const char *error = afb_req_value(req, "error");

	afb_req_reply(req, NULL, error ? error : "failed", "this verb always fails");
}

static void nothing(afb_req_t req)
{
	afb_req_reply(req, NULL, NULL, NULL);
}

/* the v2 spellings, still in v3 */
static void legacy(afb_req_t req)
{
	if (afb_req_value(req, "fail"))
		afb_req_fail_f(req, "legacy-failure", "failed as asked (%s)", afb_req_value(req, "fail"));
	else
		afb_req_success(req, json_object_new_string("legacy"), "success");
}

/* a fault in the binding: the daemon replies "aborted" and goes on (not for the sanitizer: it is meant) */
__attribute__((no_sanitize("undefined"), noinline))
static void bug(afb_req_t req)
{
	volatile int *nowhere = (volatile int *)(intptr_t)arg_int(req, "address", 0);

	*nowhere = 1;
	afb_req_reply(req, NULL, NULL, "not reached");
}

/* what the request is: arguments, called names, vcbdata */
static void echo(afb_req_t req)
{
	struct json_object *resp = json_object_new_object();

	json_object_object_add(resp, "args", json_object_get(afb_req_json(req)));
	json_object_object_add(resp, "api", json_object_new_string(afb_req_get_called_api(req)));
	json_object_object_add(resp, "verb", json_object_new_string(afb_req_get_called_verb(req)));
	json_object_object_add(resp, "served-by", json_object_new_string(afb_api_name(afb_req_get_api(req))));
	json_object_object_add(resp, "vcbdata", afb_req_get_vcbdata(req)
			       ? json_object_new_string(afb_req_get_vcbdata(req)) : NULL);
	afb_req_reply(req, resp, NULL, NULL);
}

/* afb_req_get, value and path of the argument 'name' */
static void get(afb_req_t req)
{
	const char *name = afb_req_value(req, "name");
	struct afb_arg arg = afb_req_get(req, name ? name : "");
	struct json_object *resp = json_object_new_object();

	json_object_object_add(resp, "name", arg.name ? json_object_new_string(arg.name) : NULL);
	json_object_object_add(resp, "value", arg.value ? json_object_new_string(arg.value) : NULL);
	json_object_object_add(resp, "path", arg.path ? json_object_new_string(arg.path) : NULL);
	afb_req_reply(req, resp, NULL, NULL);
}

/* replies 'count' times: the second and later replies are refused (logged) */
static void twice(afb_req_t req)
{
	int i, count = arg_int(req, "count", 2);

	for (i = 0; i < count; i++)
		afb_req_reply_f(req, json_object_new_int(i), NULL, "reply %d", i);
}

/* never replies: the daemon replies for it when it returns */
static void mute(afb_req_t req)
{
}

/* keeps the request, replies, releases */
static void ref(afb_req_t req)
{
	afb_req_t kept = afb_req_addref(req);

	afb_req_reply(kept, json_object_new_string("ref"), NULL, NULL);
	afb_req_unref(kept);
}

/* replies from a job of the api */
static void queued(int signum, void *arg)
{
	afb_req_t req = arg;

	afb_req_reply(req, json_object_new_int(signum), NULL, "from a queued job");
	afb_req_unref(req);
}

static void queue(afb_req_t req)
{
	if (afb_api_queue_job(afb_req_get_api(req), queued, afb_req_addref(req), NULL, 0) < 0) {
		afb_req_reply(req, NULL, "failed", "can't queue");
		afb_req_unref(req);
	}
}

/* replies from a thread of the binding's own, 'ms' milliseconds later */
static void *later_thread(void *arg)
{
	afb_req_t req = arg;
	struct timespec ts;
	int ms = arg_int(req, "ms", 10);

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR);
	afb_req_reply_f(req, NULL, NULL, "replied %d ms later", ms);
	afb_req_unref(req);
	return NULL;
}

static void later(afb_req_t req)
{
	pthread_attr_t attr;
	pthread_t tid;

	afb_req_addref(req);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&tid, &attr, later_thread, req) != 0) {
		afb_req_reply(req, NULL, "failed", "no thread");
		afb_req_unref(req);
	}
	pthread_attr_destroy(&attr);
}

/* -------------------------------------------------------- session, contexts */

static int contexts_freed;

static void *ctx_create(void *closure)
{
	return json_object_get(closure);
}

static void ctx_free(void *value)
{
	pthread_mutex_lock(&lock);
	contexts_freed++;
	pthread_mutex_unlock(&lock);
	json_object_put(value);
}

/* ctx-set (replace 1) and ctx-setif (replace 0, the vcbdata) store "value" */
static void ctx_set(afb_req_t req)
{
	struct json_object *value = arg_json(req, "value");
	struct json_object *ctx;

	ctx = afb_req_context(req, afb_req_get_vcbdata(req) != NULL, ctx_create, ctx_free, value);
	afb_req_reply(req, json_object_get(ctx), NULL, "the context");
	json_object_put(value);
}

static void ctx_get(afb_req_t req)
{
	afb_req_reply(req, json_object_get(afb_req_context_get(req)), NULL, NULL);
}

static void ctx_clear(afb_req_t req)
{
	afb_req_context_clear(req);
	afb_req_reply(req, NULL, NULL, NULL);
}

static void ctx_freed(afb_req_t req)
{
	int n;

	pthread_mutex_lock(&lock);
	n = contexts_freed;
	pthread_mutex_unlock(&lock);
	afb_req_reply(req, json_object_new_int(n), NULL, NULL);
}

/* afb_req_session_set_LOA: 0 or -1, given as the reply */
static void set_loa(afb_req_t req)
{
	int rc = afb_req_session_set_LOA(req, (unsigned)arg_int(req, "level", 0));

	afb_req_reply(req, json_object_new_int(rc), rc < 0 ? "refused" : NULL, NULL);
}

/* the session ends for this api when the request ends */
static void close_session(afb_req_t req)
{
	afb_req_session_close(req);
	afb_req_reply(req, NULL, NULL, "closing");
}

static void info(afb_req_t req)
{
	afb_req_reply(req, afb_req_get_client_info(req), NULL, NULL);
}

static void uid(afb_req_t req)
{
	afb_req_reply(req, json_object_new_int(afb_req_get_uid(req)), NULL, NULL);
}

static void appid(afb_req_t req)
{
	char *id = afb_req_get_application_id(req);

	afb_req_reply(req, id ? json_object_new_string(id) : NULL, NULL, NULL);
	free(id);
}

static void hasperm(afb_req_t req)
{
	const char *perm = afb_req_value(req, "perm");
	int granted = afb_req_has_permission(req, perm);

	afb_req_reply(req, json_object_new_boolean(granted), granted ? NULL : "not-granted", perm);
}

/* ------------------------------------------------------------------- events */

struct event {
	struct event *next;
	afb_event_t event;
	char name[];
};

static struct event *events;

/* Lock held. */
static struct event *event_find(const char *name)
{
	struct event *e;

	for (e = events; e && strcmp(e->name, name ? name : ""); e = e->next);
	return e;
}

static void event_make(afb_req_t req)
{
	const char *name = afb_req_value(req, "name");
	struct event *e;
	size_t len;

	pthread_mutex_lock(&lock);
	if (!name || event_find(name)) {
		afb_req_reply(req, NULL, "invalid", "no name, or the event exists");
	} else if (!(e = calloc(1, sizeof *e + (len = strlen(name)) + 1))) {
		afb_req_reply(req, NULL, "failed", "out of memory");
	} else if (!(e->event = afb_api_make_event(afb_req_get_api(req), name))) {
		free(e);
		afb_req_reply_f(req, NULL, "failed", "can't make it: %m");
	} else {
		memcpy(e->name, name, len + 1);
		e->next = events;
		events = e;
		afb_req_reply(req, json_object_new_string(afb_event_name(e->event)), NULL, NULL);
	}
	pthread_mutex_unlock(&lock);
}

/* push, broadcast, subscribe, unsubscribe, drop: the result of the call is the reply */
static void event_use(afb_req_t req)
{
	const char *action = afb_req_get_vcbdata(req);
	const char *name = afb_req_value(req, "name");
	struct event *e, **p;
	int rc = -1;

	pthread_mutex_lock(&lock);
	e = event_find(name);
	if (!e) {
		pthread_mutex_unlock(&lock);
		afb_req_reply(req, NULL, "invalid", "no such event");
		return;
	}
	if (!strcmp(action, "push"))
		rc = afb_event_push(e->event, arg_json(req, "data"));
	else if (!strcmp(action, "broadcast"))
		rc = afb_event_broadcast(e->event, arg_json(req, "data"));
	else if (!strcmp(action, "subscribe"))
		rc = afb_req_subscribe(req, e->event);
	else if (!strcmp(action, "unsubscribe"))
		rc = afb_req_unsubscribe(req, e->event);
	else if (!strcmp(action, "drop")) {
		for (p = &events; *p != e; p = &(*p)->next);
		*p = e->next;
		afb_event_unref(e->event);
		free(e);
		rc = 0;
	}
	pthread_mutex_unlock(&lock);
	afb_req_reply(req, json_object_new_int(rc), rc < 0 ? "failed" : NULL, action);
}

/* broadcasts "<api>/<name>" without an event object */
static void broadcast(afb_req_t req)
{
	const char *name = afb_req_value(req, "name");
	int rc = afb_api_broadcast_event(afb_req_get_api(req), name ? name : "broadcast", arg_json(req, "data"));

	afb_req_reply(req, json_object_new_int(rc), rc < 0 ? "failed" : NULL, NULL);
}

/* the events the apis of this binding received, oldest first */
static struct json_object *received;

static void record(const char *how, afb_api_t api, const char *event, struct json_object *object)
{
	struct json_object *item = json_object_new_object();

	json_object_object_add(item, "api", json_object_new_string(afb_api_name(api)));
	json_object_object_add(item, "by", json_object_new_string(how));
	json_object_object_add(item, "event", json_object_new_string(event));
	json_object_object_add(item, "data", json_object_get(object));
	pthread_mutex_lock(&lock);
	if (!received)
		received = json_object_new_array();
	if (json_object_array_length(received) < 1000)
		json_object_array_add(received, item);
	else
		json_object_put(item);
	pthread_mutex_unlock(&lock);
}

static void onevent(afb_api_t api, const char *event, struct json_object *object)
{
	AFB_API_INFO(api, "event %s received", event);
	record("onevent", api, event, object);
}

static void handler(void *closure, const char *event, struct json_object *object, afb_api_t api)
{
	record(closure, api, event, object);
}

/* the recorded events (and forgets them) */
static void received_events(afb_req_t req)
{
	struct json_object *list;

	pthread_mutex_lock(&lock);
	list = received ? received : json_object_new_array();
	received = NULL;
	pthread_mutex_unlock(&lock);
	afb_req_reply(req, list, NULL, NULL);
}

/* -------------------------------------------------------------------- calls */

static void reply_of_call(void *closure, struct json_object *object, const char *error, const char *info,
			  afb_req_t req)
{
	afb_req_reply(req, json_object_get(object), error, info);
}

static void reply_of_api_call(void *closure, struct json_object *object, const char *error, const char *info,
			      afb_api_t api)
{
	afb_req_t req = closure;

	afb_req_reply(req, json_object_get(object), error, info);
	afb_req_unref(req);
}

static void reply_of_legacy(void *closure, int status, struct json_object *envelope, afb_req_t req)
{
	afb_req_reply(req, json_object_get(envelope), status < 0 ? "failed" : NULL, "the envelope");
}

static void reply_of_api_legacy(void *closure, int status, struct json_object *envelope, afb_api_t api)
{
	afb_req_t req = closure;

	afb_req_reply(req, json_object_get(envelope), status < 0 ? "failed" : NULL, "the envelope");
	afb_req_unref(req);
}

/*
 * The calls, as the vcbdata says: "subcall", "subcallsync", "subcall-legacy",
 * "subcallsync-legacy", "call", "callsync", "call-legacy", "callsync-legacy".
 * Arguments: api, verb, args, flags (subcalls).
 */
static void do_call(afb_req_t req)
{
	const char *how = afb_req_get_vcbdata(req);
	const char *api = afb_req_value(req, "api"), *verb = afb_req_value(req, "verb");
	struct json_object *args = arg_json(req, "args"), *object = NULL;
	int flags = arg_int(req, "flags", 0), rc;
	afb_api_t self = afb_req_get_api(req);
	char *error = NULL, *info = NULL;

	if (!api || !verb) {
		json_object_put(args);
		afb_req_reply(req, NULL, "invalid", "api and verb expected");
	} else if (!strcmp(how, "subcall")) {
		afb_req_subcall(req, api, verb, args, flags, reply_of_call, NULL);
	} else if (!strcmp(how, "subcall-legacy")) {
		afb_req_subcall_legacy(req, api, verb, args, reply_of_legacy, NULL);
	} else if (!strcmp(how, "call")) {
		afb_api_call(self, api, verb, args, reply_of_api_call, afb_req_addref(req));
	} else if (!strcmp(how, "call-legacy")) {
		afb_api_call_legacy(self, api, verb, args, reply_of_api_legacy, afb_req_addref(req));
	} else {
		if (!strcmp(how, "subcallsync"))
			rc = afb_req_subcall_sync(req, api, verb, args, flags, &object, &error, &info);
		else if (!strcmp(how, "callsync"))
			rc = afb_api_call_sync(self, api, verb, args, &object, &error, &info);
		else if (!strcmp(how, "subcallsync-legacy"))
			rc = afb_req_subcall_sync_legacy(req, api, verb, args, &object);
		else
			rc = afb_api_call_sync_legacy(self, api, verb, args, &object);
		/* a failure without error string (legacy): "failed" */
		afb_req_reply(req, object, error ? error : rc < 0 ? "failed" : NULL, info);
		free(error);
		free(info);
	}
}

/* -------------------------------------------------------------- dynamic apis */

static void dynverb(afb_req_t req)
{
	struct json_object *resp = json_object_new_object();

	json_object_object_add(resp, "api", json_object_new_string(afb_req_get_called_api(req)));
	json_object_object_add(resp, "verb", json_object_new_string(afb_req_get_called_verb(req)));
	json_object_object_add(resp, "data", afb_req_get_vcbdata(req)
			       ? json_object_new_string(afb_req_get_vcbdata(req)) : NULL);
	afb_req_reply(req, resp, NULL, NULL);
}

/* a synchronous call of the api itself: "self-locked" when it serves one request at a time */
static void dynself(afb_req_t req)
{
	struct json_object *object = NULL;
	char *error = NULL, *info = NULL;
	afb_api_t api = afb_req_get_api(req);

	afb_api_call_sync(api, afb_api_name(api), "hi", NULL, &object, &error, &info);
	afb_req_reply(req, object, error, info);
	free(error);
	free(info);
}

static int dyninit(afb_api_t api)
{
	AFB_API_NOTICE(api, "dynamic api %s starts", afb_api_name(api));
	return 0;
}

static int dynpreinit(void *closure, afb_api_t api)
{
	/* a dynamic api: a verb at once, an init, and it stays open to changes */
	afb_api_set_userdata(api, closure);
	if (afb_api_add_verb(api, "hi", "says hi", dynverb, "hi", NULL, 0, 0) < 0
	    || afb_api_add_verb(api, "self", "calls itself", dynself, NULL, NULL, 0, 0) < 0)
		return -1;
	return afb_api_on_init(api, dyninit);
}

struct dynapi {
	struct dynapi *next;
	afb_api_t api;
	char name[];
};
static struct dynapi *dynapis;

/* The api named 'name' made by this binding, or NULL. Lock held. */
static afb_api_t dynapi_find(const char *name)
{
	struct dynapi *d;

	for (d = dynapis; d && strcasecmp(d->name, name ? name : ""); d = d->next);
	return d ? d->api : NULL;
}

/*
 * api {action, api, verb, pattern, alias, glob, serial}: create (serial: one
 * request at a time), delete, addverb,
 * delverb, seal, alias, addhandler, delhandler (handlers on this api
 * when no "api" is given).
 */
static void api_action(afb_req_t req)
{
	const char *action = afb_req_value(req, "action"), *name = afb_req_value(req, "api");
	const char *verb = afb_req_value(req, "verb"), *pattern = afb_req_value(req, "pattern");
	afb_api_t self = afb_req_get_api(req), api;
	struct dynapi *d, **p;
	void *data = NULL;
	size_t len;
	int rc = -1;

	pthread_mutex_lock(&lock);
	api = name ? dynapi_find(name) : self;
	if (!action) {
		errno = EINVAL;
	} else if (!strcmp(action, "create")) {
		len = strlen(name ? name : "");
		d = name && !api ? malloc(sizeof *d + len + 1) : NULL;
		if (d && (d->api = afb_api_new_api(self, name, "a dynamic api of hello3",
						   afb_req_value(req, "serial") != NULL, dynpreinit, NULL))) {
			memcpy(d->name, name, len + 1);
			d->next = dynapis;
			dynapis = d;
			rc = 0;
		} else {
			free(d);
		}
	} else if (!api) {
		errno = ENOENT;
	} else if (!strcmp(action, "delete")) {
		rc = afb_api_delete_api(api);
		for (p = &dynapis; rc == 0 && *p; p = &(*p)->next) {
			if ((*p)->api == api) {
				d = *p;
				*p = d->next;
				free(d);
				break;
			}
		}
	} else if (!strcmp(action, "addverb")) {
		rc = afb_api_add_verb(api, verb, "added while serving", dynverb, (void *)"added", NULL, 0,
				      afb_req_value(req, "glob") != NULL);
	} else if (!strcmp(action, "delverb")) {
		rc = afb_api_del_verb(api, verb, &data);
	} else if (!strcmp(action, "seal")) {
		afb_api_seal(api);
		rc = 0;
	} else if (!strcmp(action, "alias")) {
		rc = afb_api_add_alias(api, NULL, afb_req_value(req, "alias"));
	} else if (!strcmp(action, "addhandler")) {
		rc = afb_api_event_handler_add(api, pattern, handler, (void *)"handler");
	} else if (!strcmp(action, "delhandler")) {
		rc = afb_api_event_handler_del(api, pattern, &data);
	} else if (!strcmp(action, "onevent")) {
		rc = afb_api_on_event(api, onevent);
	} else {
		errno = EINVAL;
	}
	pthread_mutex_unlock(&lock);
	if (rc < 0)
		afb_req_reply_f(req, NULL, "failed", "%s: %m", action ? action : "no action");
	else
		afb_req_reply(req, json_object_new_string(data ? data : "done"), NULL, NULL);
}

/* require {api, initialized} */
static void require(afb_req_t req)
{
	int rc = afb_api_require_api(afb_req_get_api(req), afb_req_value(req, "api"),
				     afb_req_value(req, "initialized") != NULL);

	afb_req_reply(req, json_object_new_int(rc), rc < 0 ? "failed" : NULL, NULL);
}

/* -------------------------------------------------------------- the daemon */

static void settings(afb_req_t req)
{
	afb_req_reply(req, json_object_get(afb_api_settings(afb_req_get_api(req))), NULL, NULL);
}

/* logs "message" at syslog "level" (AFB_REQ_VERBOSE does not test the log mask) */
static void verbose(afb_req_t req)
{
	const char *message = afb_req_value(req, "message");
	int level = arg_int(req, "level", AFB_SYSLOG_LEVEL_NOTICE);

	AFB_REQ_VERBOSE(req, level, "verbose: %s", message ? message : "(no message)");
	if (afb_req_wants_log_level(req, AFB_SYSLOG_LEVEL_DEBUG))
		AFB_REQ_DEBUG(req, "debug: %s", message ? message : "(no message)");
	afb_req_reply(req, json_object_new_int(afb_req_get_api(req)->logmask), NULL, NULL);
}

/* the path of the root directory, and of a file opened for a locale */
static void rootdir(afb_req_t req)
{
	afb_api_t api = afb_req_get_api(req);
	const char *file = afb_req_value(req, "file");
	char link[64], path[4096];
	ssize_t len;
	int fd;

	fd = file ? afb_api_rootdir_open_locale(api, file, O_RDONLY, afb_req_value(req, "locale"))
		  : afb_api_rootdir_get_fd(api);
	if (fd < 0) {
		afb_req_reply_f(req, NULL, "failed", "%m");
		return;
	}
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	len = readlink(link, path, sizeof path - 1);
	if (file)
		close(fd);
	if (len < 0) {
		afb_req_reply_f(req, NULL, "failed", "%m");
		return;
	}
	path[len] = 0;
	afb_req_reply(req, json_object_new_string(path), NULL, NULL);
}

/*
 * The event loop: sources are added to it from init or from its own
 * callbacks (it is not thread-safe). init watches an eventfd; the verb
 * "loop" queues its request and wakes the loop, whose callback replies.
 */
static int wake_fd = -1;
static struct waiting {
	struct waiting *next;
	afb_req_t req;
} *waiting;

static int on_wake(sd_event_source *source, int fd, uint32_t revents, void *userdata)
{
	struct waiting *w, *next;
	uint64_t count;

	if (read(fd, &count, sizeof count) < 0 && errno != EAGAIN)
		AFB_ERROR("eventfd read: %m");
	pthread_mutex_lock(&lock);
	w = waiting;
	waiting = NULL;
	pthread_mutex_unlock(&lock);
	for (; w; w = next) {
		next = w->next;
		afb_req_reply(w->req, json_object_new_string("loop"), NULL, "from the event loop");
		afb_req_unref(w->req);
		free(w);
	}
	return 0;
}

static int loop_init(afb_api_t api)
{
	struct sd_event *loop = afb_api_get_event_loop(api);

	wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!loop || wake_fd < 0 || sd_event_add_io(loop, NULL, wake_fd, EPOLLIN, on_wake, NULL) < 0) {
		AFB_API_ERROR(api, "can't watch its eventfd: %m");
		return -1;
	}
	return 0;
}

static void loop(afb_req_t req)
{
	static const uint64_t one = 1;
	struct waiting *w = malloc(sizeof *w);

	if (!w) {
		afb_req_reply(req, NULL, "failed", "out of memory");
		return;
	}
	w->req = afb_req_addref(req);
	pthread_mutex_lock(&lock);
	w->next = waiting;
	waiting = w;
	pthread_mutex_unlock(&lock);
	if (write(wake_fd, &one, sizeof one) < 0)
		AFB_REQ_ERROR(req, "eventfd write: %m");
}

/* the shared bus connections: given or not (tests run without them) */
static void buses(afb_req_t req)
{
	struct json_object *resp = json_object_new_object();
	afb_api_t api = afb_req_get_api(req);

	json_object_object_add(resp, "user", json_object_new_boolean(afb_api_get_user_bus(api) != NULL));
	json_object_object_add(resp, "system", json_object_new_boolean(afb_api_get_system_bus(api) != NULL));
	afb_req_reply(req, resp, NULL, NULL);
}

/* --------------------------------------------------------------- the api */

/* who may call "secret": the permission checker decides */
static const struct afb_auth auth_secret = { .type = afb_auth_Permission, .text = "hello3:secret" };

/* (LOA >= 1 and not No) or (a valid token and Yes): every node type */
static const struct afb_auth auth_tree[] = {
	{ .type = afb_auth_Or, .first = &auth_tree[1], .next = &auth_tree[4] },
	{ .type = afb_auth_And, .first = &auth_tree[2], .next = &auth_tree[3] },
	{ .type = afb_auth_LOA, .loa = 1 },
	{ .type = afb_auth_Not, .first = &auth_tree[6] },
	{ .type = afb_auth_And, .first = &auth_tree[5], .next = &auth_tree[7] },
	{ .type = afb_auth_Token },
	{ .type = afb_auth_No },
	{ .type = afb_auth_Yes },
};

static const struct afb_verb_v3 verbs[] = {
	{ .verb = "ping", .callback = ping, .info = "replies pong and a count" },
	{ .verb = "fail", .callback = fail, .info = "fails (error: 'error' or failed)" },
	{ .verb = "nothing", .callback = nothing, .info = "a success without object" },
	{ .verb = "legacy", .callback = legacy, .info = "afb_req_success/afb_req_fail_f" },
	{ .verb = "bug", .callback = bug, .info = "writes at address 'address' (a fault)" },
	{ .verb = "echo", .callback = echo, .vcbdata = "echo", .info = "the request as received" },
	{ .verb = "echo-*", .callback = echo, .vcbdata = "glob", .glob = 1, .info = "any verb echo-..." },
	{ .verb = "get", .callback = get, .info = "afb_req_get of the argument 'name'" },
	{ .verb = "twice", .callback = twice, .info = "replies 'count' times" },
	{ .verb = "mute", .callback = mute, .info = "never replies" },
	{ .verb = "ref", .callback = ref, .info = "addref, reply, unref" },
	{ .verb = "queue", .callback = queue, .info = "replies from a queued job" },
	{ .verb = "later", .callback = later, .info = "replies 'ms' later from a thread of its own" },
	{ .verb = "ctx-set", .callback = ctx_set, .vcbdata = "replace", .info = "stores 'value' as context" },
	{ .verb = "ctx-setif", .callback = ctx_set, .info = "stores 'value' unless a context exists" },
	{ .verb = "ctx-get", .callback = ctx_get, .info = "the context" },
	{ .verb = "ctx-clear", .callback = ctx_clear, .info = "drops the context" },
	{ .verb = "ctx-freed", .callback = ctx_freed, .info = "count of contexts freed" },
	{ .verb = "set-loa", .callback = set_loa, .session = AFB_SESSION_CHECK, .info = "sets the LOA 'level'" },
	{ .verb = "loa-1", .callback = nothing, .session = AFB_SESSION_LOA_1, .info = "needs LOA 1" },
	{ .verb = "loa-2", .callback = nothing, .session = AFB_SESSION_LOA_2, .info = "needs LOA 2" },
	{ .verb = "loa-3", .callback = nothing, .session = AFB_SESSION_LOA_3, .info = "needs LOA 3" },
	{ .verb = "check", .callback = nothing, .session = AFB_SESSION_CHECK, .info = "needs a valid token" },
	{ .verb = "refresh", .callback = nothing, .session = AFB_SESSION_CHECK | AFB_SESSION_REFRESH,
	  .info = "renews the token" },
	{ .verb = "close", .callback = close_session, .session = AFB_SESSION_CLOSE, .info = "ends the session" },
	{ .verb = "secret", .callback = nothing, .auth = &auth_secret, .info = "needs hello3:secret" },
	{ .verb = "tree", .callback = nothing, .auth = auth_tree, .info = "an auth tree of every node type" },
	{ .verb = "hasperm", .callback = hasperm, .info = "afb_req_has_permission of 'perm'" },
	{ .verb = "info", .callback = info, .info = "afb_req_get_client_info" },
	{ .verb = "uid", .callback = uid, .info = "afb_req_get_uid" },
	{ .verb = "appid", .callback = appid, .info = "afb_req_get_application_id" },
	{ .verb = "event-make", .callback = event_make, .info = "makes the event 'name'" },
	{ .verb = "event-push", .callback = event_use, .vcbdata = "push", .info = "pushes 'data' on 'name'" },
	{ .verb = "event-broadcast", .callback = event_use, .vcbdata = "broadcast", .info = "broadcasts it" },
	{ .verb = "event-sub", .callback = event_use, .vcbdata = "subscribe", .info = "subscribes to it" },
	{ .verb = "event-unsub", .callback = event_use, .vcbdata = "unsubscribe", .info = "unsubscribes" },
	{ .verb = "event-drop", .callback = event_use, .vcbdata = "drop", .info = "drops it" },
	{ .verb = "broadcast", .callback = broadcast, .info = "afb_api_broadcast_event of 'name', 'data'" },
	{ .verb = "events", .callback = received_events, .info = "the events received (and forgets them)" },
	{ .verb = "subcall", .callback = do_call, .vcbdata = "subcall", .info = "afb_req_subcall" },
	{ .verb = "subcallsync", .callback = do_call, .vcbdata = "subcallsync", .info = "afb_req_subcall_sync" },
	{ .verb = "subcall-legacy", .callback = do_call, .vcbdata = "subcall-legacy", .info = "v2 subcall" },
	{ .verb = "subcallsync-legacy", .callback = do_call, .vcbdata = "subcallsync-legacy", .info = "v2" },
	{ .verb = "call", .callback = do_call, .vcbdata = "call", .info = "afb_api_call" },
	{ .verb = "callsync", .callback = do_call, .vcbdata = "callsync", .info = "afb_api_call_sync" },
	{ .verb = "call-legacy", .callback = do_call, .vcbdata = "call-legacy", .info = "v2 service call" },
	{ .verb = "callsync-legacy", .callback = do_call, .vcbdata = "callsync-legacy", .info = "v2" },
	{ .verb = "api", .callback = api_action, .info = "dynamic apis: 'action' create, delete, addverb..." },
	{ .verb = "require", .callback = require, .info = "afb_api_require_api of 'api'" },
	{ .verb = "settings", .callback = settings, .info = "afb_api_settings" },
	{ .verb = "verbose", .callback = verbose, .info = "logs 'message' at 'level'" },
	{ .verb = "rootdir", .callback = rootdir, .info = "the root directory, or 'file' for 'locale'" },
	{ .verb = "loop", .callback = loop, .info = "replies from a callback of the event loop" },
	{ .verb = "buses", .callback = buses, .info = "the bus connections given" },
	{ .verb = NULL }
};

static int init(afb_api_t api)
{
	char alias[128];

	/* a second name: calls to it reach this api with called_api = the alias */
	snprintf(alias, sizeof alias, "%s-alias", afb_api_name(api));
	if (afb_api_add_alias(api, NULL, alias) < 0 || loop_init(api) < 0)
		return -1;
	AFB_API_NOTICE(api, "%s starts", afb_api_name(api));
	return 0;
}

static int preinit(afb_api_t api)
{
	/* events whose name starts with "hello3/tick" go to a handler, the others to onevent */
	if (afb_api_event_handler_add(api, "*/tick*", handler, (void *)"ticks") < 0)
		return -1;
	AFB_NOTICE("the binding %s comes to life", afb_api_name(api));
	return 0;
}

const struct afb_binding_v3 afbBindingV3 = {
	.api = "hello3",
	.info = "the sample of binding API v3",
	.verbs = verbs,
	.preinit = preinit,
	.init = init,
	.onevent = onevent,
	.provide_class = "sample",
};
