/* SPDX-License-Identifier: Apache-2.0 */
/*
 * typed: test binding of the typed D-Bus interfaces (docs/dbus.md). Its
 * description (afbBindingV1Specification) declares precise schemas,
 * responses that do not match them, and events with schemas ("x-events"):
 *
 *   point(x, y[, label])   -> {x, y, norm[, label]}     precise both ways
 *                          (norm: |x| + |y|, a real)
 *   bad()                  -> {"n":"text"} while its schema says integer
 *   deep(depth)            -> {"k":{"k":...7}} nested 'depth' objects
 *   emit(event, data[, broadcast])  makes the event 'event' (once),
 *                          subscribes the caller and pushes 'data' to it,
 *                          or broadcasts it; -> {count}
 *   nothing()              -> null
 *
 * Declared events: "moved" {x integer, y integer}, "tick" integer.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <afb/afb-binding.h>

static const struct afb_binding_interface *afbitf;

/* the member 'name' of the arguments (borrowed), or NULL */
static struct json_object *arg(struct afb_req req, const char *name)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(afb_req_json(req), name, &v);
	return v;
}

static void point(struct afb_req req)
{
	struct json_object *x = arg(req, "x"), *y = arg(req, "y"), *label = arg(req, "label"), *obj;
	double dx, dy;

	if (!json_object_is_type(x, json_type_int) || !json_object_is_type(y, json_type_int)) {
		afb_req_fail(req, "invalid-request", "x and y must be integers");
		return;
	}
	dx = (double)json_object_get_int64(x);
	dy = (double)json_object_get_int64(y);
	obj = json_object_new_object();
	json_object_object_add(obj, "x", json_object_get(x));
	json_object_object_add(obj, "y", json_object_get(y));
	json_object_object_add(obj, "norm", json_object_new_double((dx < 0 ? -dx : dx) + (dy < 0 ? -dy : dy)));
	if (label)
		json_object_object_add(obj, "label", json_object_get(label));
	afb_req_success(req, obj, "a point");
}

static void bad(struct afb_req req)
{
	struct json_object *obj = json_object_new_object();

	json_object_object_add(obj, "n", json_object_new_string("text"));
	afb_req_success(req, obj, NULL);
}

static void deep(struct afb_req req)
{
	int depth = json_object_get_int(arg(req, "depth"));
	struct json_object *v = json_object_new_int(7), *o;

	while (depth-- > 0) {
		o = json_object_new_object();
		json_object_object_add(o, "k", v);
		v = o;
	}
	afb_req_success(req, v, NULL);
}

/* the events made by emit, by name */
struct named_event {
	struct named_event *next;
	struct afb_event event;
	char name[];
};

static struct named_event *events;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void emit(struct afb_req req)
{
	const char *name = json_object_get_string(arg(req, "event"));
	struct json_object *data = arg(req, "data"), *obj;
	struct named_event *e;
	int count;

	if (!name) {
		afb_req_fail(req, "invalid-request", "no event");
		return;
	}
	data = data ? json_object_get(data) : NULL;
	if (json_object_get_boolean(arg(req, "broadcast"))) {
		count = afb_daemon_broadcast_event(afbitf->daemon, name, data);
	} else {
		pthread_mutex_lock(&lock);
		for (e = events; e && strcmp(e->name, name); e = e->next)
			;
		if (!e && (e = malloc(sizeof *e + strlen(name) + 1))) {
			strcpy(e->name, name);
			e->event = afb_daemon_make_event(afbitf->daemon, name);
			e->next = events;
			events = e;
		}
		pthread_mutex_unlock(&lock);
		if (!e || afb_req_subscribe(req, e->event) < 0) {
			json_object_put(data);
			afb_req_fail(req, "failed", "can't subscribe");
			return;
		}
		count = afb_event_push(e->event, data);
	}
	obj = json_object_new_object();
	json_object_object_add(obj, "count", json_object_new_int(count));
	afb_req_success(req, obj, NULL);
}

static void nothing(struct afb_req req)
{
	afb_req_success(req, NULL, NULL);
}

#define ARGS(schema)	"\"requestBody\":{\"content\":{\"application/json\":{\"schema\":" schema "}}}"
#define REPLY(schema)	"\"responses\":{\"200\":{\"description\":\"\",\"content\":{\"application/json\":{\"schema\":" schema "}}}}"
#define NONE		"{\"type\":\"object\",\"properties\":{},\"additionalProperties\":false}"

const char afbBindingV1Specification[] =
"{\"openapi\":\"3.0.0\","
 "\"info\":{\"title\":\"typed\",\"version\":\"1\",\"description\":\"Test of the typed D-Bus interfaces\"},"
 "\"x-events\":{"
  "\"moved\":{\"description\":\"a point\",\"schema\":{\"type\":\"object\","
   "\"properties\":{\"x\":{\"type\":\"integer\"},\"y\":{\"type\":\"integer\"}},\"required\":[\"x\",\"y\"]}},"
  "\"tick\":{\"schema\":{\"type\":\"integer\"}}"
 "},"
 "\"paths\":{"
  "\"/point\":{\"get\":{"
   ARGS("{\"type\":\"object\",\"properties\":{\"x\":{\"type\":\"integer\"},\"y\":{\"type\":\"integer\"},"
        "\"label\":{\"type\":\"string\"}},\"required\":[\"x\",\"y\"]}") ","
   REPLY("{\"type\":\"object\",\"properties\":{\"x\":{\"type\":\"integer\"},\"y\":{\"type\":\"integer\"},"
         "\"norm\":{\"type\":\"number\"},\"label\":{\"type\":\"string\"}},\"required\":[\"x\",\"y\",\"norm\"]}") "}},"
  "\"/bad\":{\"get\":{" ARGS(NONE) "," REPLY("{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"integer\"}},"
                                           "\"required\":[\"n\"]}") "}},"
  "\"/deep\":{\"get\":{" ARGS("{\"type\":\"object\",\"properties\":{\"depth\":{\"type\":\"integer\",\"format\":\"int32\"}},"
                              "\"required\":[\"depth\"]}") "}},"
  "\"/emit\":{\"get\":{" ARGS("{\"type\":\"object\",\"properties\":{\"event\":{\"type\":\"string\"},\"data\":{},"
                              "\"broadcast\":{\"type\":\"boolean\"}},\"required\":[\"event\",\"data\"]}") ","
   REPLY("{\"type\":\"object\",\"properties\":{\"count\":{\"type\":\"integer\",\"format\":\"int32\"}},"
         "\"required\":[\"count\"]}") "}},"
  "\"/nothing\":{\"get\":{" ARGS(NONE) "}}"
 "}"
"}";

static const struct afb_verb_desc_v1 verbs[] = {
	{ .name = "point",   .session = AFB_SESSION_NONE, .callback = point,   .info = "A point and its norm" },
	{ .name = "bad",     .session = AFB_SESSION_NONE, .callback = bad,     .info = "A response that is not as declared" },
	{ .name = "deep",    .session = AFB_SESSION_NONE, .callback = deep,    .info = "Nested objects" },
	{ .name = "emit",    .session = AFB_SESSION_NONE, .callback = emit,    .info = "Pushes or broadcasts an event" },
	{ .name = "nothing", .session = AFB_SESSION_NONE, .callback = nothing, .info = "Replies null" },
	{ .name = NULL }
};

static const struct afb_binding binding_description = {
	.type = AFB_BINDING_VERSION_1,
	.v1 = {
		.prefix = "typed",
		.info = "Test of the typed D-Bus interfaces",
		.methods = verbs
	}
};

const struct afb_binding *afbBindingV1Register(const struct afb_binding_interface *itf)
{
	afbitf = itf;
	return &binding_description;
}
