/* SPDX-License-Identifier: Apache-2.0 */
/*
 * v1-abi: a binding of binding API v1, written as the binding document
 * says (no AFB_BINDING_VERSION), whose verb "all" calls every inline
 * function of the v1 header once. tests/unit/test-v1-2017.c runs it in
 * an emulation of the 2017 binder whose tables have exactly the 2017
 * sizes: a function reaching past them (as our afb_req_context once did)
 * faults.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>
#include <afb/afb-binding.h>

static const struct afb_binding_interface *afbitf;
static struct afb_service service;

static void *make_context(void)
{
	return strdup("context");
}

static void on_reply(void *closure, int iserror, struct json_object *result)
{
}

static void on_reply_req(void *closure, int iserror, struct json_object *result, struct afb_req req)
{
}

static void on_job(int signum, void *arg)
{
}

static void all(struct afb_req req)
{
	struct afb_daemon daemon = afbitf->daemon;
	struct afb_event event;
	struct afb_stored_req *stored;
	struct json_object *result = NULL;
	struct afb_req again;

	/* requests */
	if (!afb_req_is_valid(req) || !afb_req_json(req))
		return;
	(void)afb_req_get(req, "a");
	(void)afb_req_value(req, "a");
	(void)afb_req_path(req, "a");
	(void)afb_req_context_get(req);
	afb_req_context_set(req, strdup("value"), free);
	afb_req_context_clear(req);
	/* none: made and stored (get, create, set), then found (get) */
	(void)afb_req_context(req, make_context, free);
	(void)afb_req_context(req, make_context, free);
	afb_req_addref(req);
	afb_req_unref(req);
	afb_req_session_close(req);
	(void)afb_req_session_set_LOA(req, 1);
	afb_req_subcall(req, "api", "verb", json_object_new_object(), on_reply, NULL);
	afb_req_subcall_req(req, "api", "verb", json_object_new_object(), on_reply_req, NULL);
	(void)afb_req_subcall_sync(req, "api", "verb", json_object_new_object(), &result);
	json_object_put(result);
	afb_req_verbose(req, 5, __FILE__, __LINE__, __func__, "verbose %d", 1);
	AFB_REQ_NOTICE_V1(afbitf, req, "notice %d", 2);
	(void)afb_req_has_permission(req, "perm");
	stored = afb_req_store(req);
	again = afb_req_unstore(stored);
	afb_req_unref(again);

	/* events and the daemon */
	event = afb_daemon_make_event(daemon, "event");
	if (afb_event_is_valid(event)) {
		(void)afb_req_subscribe(req, event);
		(void)afb_req_unsubscribe(req, event);
		(void)afb_event_push(event, json_object_new_int(1));
		(void)afb_event_broadcast(event, json_object_new_int(2));
		(void)afb_event_name(event);
		afb_event_drop(event);
	}
	(void)afb_daemon_broadcast_event(daemon, "name", NULL);
	(void)afb_daemon_get_event_loop(daemon);
	(void)afb_daemon_get_user_bus(daemon);
	(void)afb_daemon_get_system_bus(daemon);
	(void)afb_daemon_rootdir_get_fd(daemon);
	(void)afb_daemon_rootdir_open_locale(daemon, "file", 0, NULL);
	(void)afb_daemon_queue_job(daemon, on_job, NULL, NULL, 0);
	(void)afb_daemon_require_api(daemon, "api", 0);
	(void)afb_daemon_rename_api(daemon, "name");
	afb_daemon_verbose(daemon, 5, __FILE__, __LINE__, "verbose %d", 3);
	afb_daemon_verbose2(daemon, 5, __FILE__, __LINE__, __func__, "verbose %d", 4);
	(void)afb_event_sender_push(afb_daemon_get_event_sender(daemon), "name", NULL);
	ERROR(afbitf, "error %d", 5);
	NOTICE(afbitf, "notice %d", 6);

	/* services */
	afb_service_call(service, "api", "verb", json_object_new_object(), on_reply, NULL);
	(void)afb_service_call_sync(service, "api", "verb", json_object_new_object(), &result);
	json_object_put(result);

	afb_req_success_f(req, NULL, "all %d", 7);
	afb_req_fail_f(req, "failed", "all %d", 8);
	afb_req_success(req, NULL, NULL);
	afb_req_fail(req, "failed", NULL);
}

static const struct afb_verb_desc_v1 verbs[] = {
	{ .name = "all", .session = AFB_SESSION_NONE, .callback = all, .info = "every function" },
	{ .name = NULL }
};

static const struct afb_binding binding_description = {
	.type = AFB_BINDING_VERSION_1,
	.v1 = { .prefix = "v1abi", .info = "every inline function of v1", .verbs = verbs }
};

const struct afb_binding *afbBindingV1Register(const struct afb_binding_interface *itf)
{
	afbitf = itf;
	return &binding_description;
}

int afbBindingV1ServiceInit(struct afb_service svc)
{
	service = svc;
	return 0;
}
