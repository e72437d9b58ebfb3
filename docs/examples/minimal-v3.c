/* SPDX-License-Identifier: Apache-2.0 */
/*
 * minimal-v3.c: a complete small binding for afb-daemon (binding API v3).
 *
 * It declares the api "minimal3" with three verbs:
 *   minimal3/hello  [name]  replies {"message":"hello, <name>!"}
 *   minimal3/count          counts the calls of the session: {"count":N}
 *   minimal3/tick           subscribes the caller to the event
 *                           minimal3/tick and pushes it {"tick":N}
 *
 * Build:
 *   cc -fPIC -shared -o minimal3.so minimal-v3.c \
 *      $(pkg-config --cflags --libs afb-daemon) \
 *      -Wl,--version-script=export.map
 * with export.map containing:
 *   { global: afbBindingV*; local: *; };
 *
 * Run:
 *   afb-daemon --port 1234 --token SECRET --binding ./minimal3.so
 *   curl 'http://localhost:1234/api/minimal3/hello?name=world'
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include <json-c/json.h>

#define AFB_BINDING_VERSION 3
#include <afb/afb-binding.h>

/* the event of the verb tick, made by init */
static afb_event_t tick_event;
static atomic_int ticks;

/* replies {"message":"hello, <name>!"} where name defaults to "you" */
static void hello(afb_req_t req)
{
	const char *name = afb_req_value(req, "name");
	struct json_object *reply;
	char *message;

	if (name == NULL)
		name = "you";
	if (asprintf(&message, "hello, %s!", name) < 0) {
		afb_req_reply(req, NULL, "failed", "out of memory");
		return;
	}
	reply = json_object_new_object();
	json_object_object_add(reply, "message", json_object_new_string(message));
	free(message);

	AFB_REQ_INFO(req, "said hello to %s", name);
	afb_req_reply(req, reply, NULL, NULL);	/* 'reply' is consumed; error NULL: a success */
}

/* the counter of a session: 'closure' is the last argument of afb_req_context (unused here) */
static void *new_counter(void *closure)
{
	(void)closure;
	return calloc(1, sizeof(atomic_int));
}

/* counts the calls made in the session of the request */
static void count(afb_req_t req)
{
	/* created at the first call of the session (replace 0: get or create), freed with the session */
	atomic_int *counter = afb_req_context(req, 0, new_counter, free, NULL);
	struct json_object *reply;

	if (counter == NULL) {
		afb_req_reply(req, NULL, "failed", "out of memory");
		return;
	}
	reply = json_object_new_object();
	json_object_object_add(reply, "count", json_object_new_int(atomic_fetch_add(counter, 1) + 1));
	afb_req_reply(req, reply, NULL, NULL);
}

/* subscribes the client to minimal3/tick, then pushes it */
static void tick(afb_req_t req)
{
	struct json_object *data = json_object_new_object();

	if (afb_req_subscribe(req, tick_event) < 0) {
		json_object_put(data);
		afb_req_reply(req, NULL, "failed", "this client can't receive events (plain HTTP?)");
		return;
	}
	json_object_object_add(data, "tick", json_object_new_int(atomic_fetch_add(&ticks, 1) + 1));
	afb_event_push(tick_event, data);	/* 'data' is consumed */
	afb_req_reply_f(req, NULL, NULL, "pushed to %s", afb_event_name(tick_event));
}

static const afb_verb_t verbs[] = {
	{ .verb = "hello", .callback = hello, .info = "Says hello to arg name" },
	{ .verb = "count", .callback = count, .info = "Counts the calls of the session" },
	{ .verb = "tick", .callback = tick, .info = "Subscribes to minimal3/tick and pushes it" },
	{ .verb = NULL }	/* end of the array */
};

/* called once the daemon starts the api: events can be made from now on */
static int init(afb_api_t api)
{
	tick_event = afb_api_make_event(api, "tick");
	if (tick_event == NULL)
		return -1;
	AFB_API_NOTICE(api, "%s binding ready", afb_api_name(api));
	return 0;
}

const afb_binding_t afbBindingExport = {
	.api = "minimal3",
	.info = "A minimal binding of binding API v3",
	.verbs = verbs,
	.init = init,
};
