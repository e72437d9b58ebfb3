/* SPDX-License-Identifier: Apache-2.0 */
/*
 * minimal-binding.c: a complete small binding for afb-daemon (binding API v1).
 *
 * It declares the api "minimal" with two verbs:
 *   minimal/hello  [name]  replies {"message":"hello, <name>!"}
 *   minimal/count          counts the calls of the session: {"count":N}
 *
 * Build:
 *   cc -fPIC -shared -o minimal.so minimal-binding.c \
 *      $(pkg-config --cflags --libs afb-daemon) \
 *      -Wl,--version-script=export.map
 * with export.map containing:
 *   { global: afbBindingV1Register; afbBindingV1ServiceInit; local: *; };
 *
 * Run:
 *   afb-daemon --port 1234 --token SECRET --binding ./minimal.so
 *   curl 'http://localhost:1234/api/minimal/hello?name=world'
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include <json-c/json.h>
#include <afb/afb-binding.h>

/* the interface to the daemon, given to afbBindingV1Register */
static const struct afb_binding_interface *afbitf;

/* the per-session context of the verb count */
struct counter {
	atomic_int value;	/* requests of one session may run concurrently */
};

static void *new_counter(void)
{
	return calloc(1, sizeof(struct counter));
}

/* replies {"message":"hello, <name>!"} where name defaults to "you" */
static void hello(struct afb_req req)
{
	const char *name = afb_req_value(req, "name");
	struct json_object *reply;
	char *message;

	if (name == NULL)
		name = "you";
	if (asprintf(&message, "hello, %s!", name) < 0) {
		afb_req_fail(req, "failed", "out of memory");
		return;
	}
	reply = json_object_new_object();
	json_object_object_add(reply, "message", json_object_new_string(message));
	free(message);

	INFO(afbitf, "said hello to %s", name);
	afb_req_success(req, reply, NULL);	/* 'reply' is consumed */
}

/* counts the calls made in the session of the request */
static void count(struct afb_req req)
{
	/* created at the first call of the session, freed with the session */
	struct counter *counter = afb_req_context(req, new_counter, free);
	struct json_object *reply;

	if (counter == NULL) {
		afb_req_fail(req, "failed", "out of memory");
		return;
	}
	reply = json_object_new_object();
	json_object_object_add(reply, "count", json_object_new_int(atomic_fetch_add(&counter->value, 1) + 1));
	afb_req_success(req, reply, NULL);
}

static const struct afb_verb_desc_v1 verbs[] = {
	{ .name = "hello", .session = AFB_SESSION_NONE, .callback = hello, .info = "Says hello to arg name" },
	{ .name = "count", .session = AFB_SESSION_NONE, .callback = count, .info = "Counts the calls of the session" },
	{ .name = NULL }	/* end of the array */
};

static const struct afb_binding binding_description = {
	.type = AFB_BINDING_VERSION_1,
	.v1 = {
		.prefix = "minimal",
		.info = "A minimal binding",
		.methods = verbs
	}
};

/* mandatory entry point: records the interface and describes the api */
const struct afb_binding *afbBindingV1Register(const struct afb_binding_interface *itf)
{
	afbitf = itf;
	return &binding_description;
}

/* optional entry point: called once every binding is registered */
int afbBindingV1ServiceInit(struct afb_service service)
{
	(void)service;
	NOTICE(afbitf, "minimal binding ready");
	return 0;
}
