/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The 'struct afb_req' of binding API v1 over a 'struct xreq'.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "afb/afb-req-itf.h"
#include "api-so-v1.h"
#include "fault.h"
#include "hook.h"
#include "perm.h"
#include "xreq.h"
#include "verbose.h"

static struct json_object *req_json(void *closure)
{
	FAULT_DAEMON_SCOPE;
	return xreq_json(closure);
}

static struct afb_arg req_get(void *closure, const char *name)
{
	FAULT_DAEMON_SCOPE;
	return xreq_get(closure, name);
}

static void req_success(void *closure, struct json_object *obj, const char *info)
{
	FAULT_DAEMON_SCOPE;
	xreq_reply(closure, NULL, info, obj);
}

/* fail("success", info) is a success, as the binding document says */
static void req_fail(void *closure, const char *status, const char *info)
{
	FAULT_DAEMON_SCOPE;
	if (status && !strcmp(status, "success"))
		status = NULL;
	else if (!status || !*status)
		status = "failed";
	xreq_reply(closure, status, info, NULL);
}

static void req_vsuccess(void *closure, struct json_object *obj, const char *fmt, va_list args)
{
	FAULT_DAEMON_SCOPE;
	char *info = NULL;

	if (fmt && vasprintf(&info, fmt, args) < 0)
		info = NULL;
	req_success(closure, obj, info);
	free(info);
}

static void req_vfail(void *closure, const char *status, const char *fmt, va_list args)
{
	FAULT_DAEMON_SCOPE;
	char *info = NULL;

	if (fmt && vasprintf(&info, fmt, args) < 0)
		info = NULL;
	req_fail(closure, status, info);
	free(info);
}

static void *req_context_get(void *closure)
{
	FAULT_DAEMON_SCOPE;
	return xreq_context_get(closure);
}

static void req_context_set(void *closure, void *value, void (*free_value)(void*))
{
	FAULT_DAEMON_SCOPE;
	xreq_context_set(closure, value, free_value);
}

static void *req_context_make(void *closure, void *(*create)(void *), void (*free_value)(void*), void *cc)
{
	FAULT_DAEMON_SCOPE;
	return xreq_context_make(closure, create, free_value, cc);
}

static void req_addref(void *closure)
{
	FAULT_DAEMON_SCOPE;
	struct xreq *x = closure;

	if (HOOK_REQ_ON(x, ADDREF))
		hook_req_addref(x);
	xreq_addref(x);
}

static void req_unref(void *closure)
{
	FAULT_DAEMON_SCOPE;
	struct xreq *x = closure;

	if (HOOK_REQ_ON(x, UNREF))
		hook_req_unref(x);
	xreq_unref(x);
}

static void req_session_close(void *closure)
{
	FAULT_DAEMON_SCOPE;
	xreq_session_close(closure);
}

static int req_session_set_LOA(void *closure, unsigned level)
{
	FAULT_DAEMON_SCOPE;
	return xreq_set_loa(closure, level) == 0;
}

static int req_subscribe(void *closure, struct afb_event event)
{
	FAULT_DAEMON_SCOPE;
	struct evt *evt = api_so_v1_evt(event);

	return evt && xreq_subscribe(closure, evt) == 0 ? 0 : -1;
}

static int req_unsubscribe(void *closure, struct afb_event event)
{
	FAULT_DAEMON_SCOPE;
	struct evt *evt = api_so_v1_evt(event);

	return evt && xreq_unsubscribe(closure, evt) == 0 ? 0 : -1;
}


static int req_subcallsync(void *closure, const char *api, const char *verb, struct json_object *args,
			   struct json_object **result)
{
	FAULT_DAEMON_SCOPE;
	return xreq_subcall_sync(closure, api, verb, args, result);
}

static void req_vverbose(void *closure, int level, const char *file, int line, const char *func,
			 const char *fmt, va_list args)
{
	xreq_vverbose(closure, level, file, line, func, fmt, args);
}

static struct afb_stored_req *req_store(void *closure)
{
	FAULT_DAEMON_SCOPE;
	struct afb_req *copy = malloc(sizeof *copy);
	struct xreq *x = closure;

	if (HOOK_REQ_ON(x, STORE))
		hook_req_store(x);
	if (!copy)
		return NULL;
	*copy = xreq_to_req_v1(xreq_addref(closure));
	return (struct afb_stored_req *)copy;
}

/*
 * The callback of a subcall, binding code of the calling request's api:
 * run under the fault guard, the calling request kept alive until then
 * (afb_req_subcall_req also hands it to the callback).
 */
struct subcall_cb {
	void (*callback)(void *closure, int status, struct json_object *result);
	void (*callback_req)(void *closure, int status, struct json_object *result, struct afb_req req);
	void *closure;
	struct xreq *caller;
	int status;
	struct json_object *result;
};

static void subcall_cb_call(void *closure)
{
	struct subcall_cb *sc = closure;

	if (sc->callback_req)
		sc->callback_req(sc->closure, sc->status, sc->result, xreq_to_req_v1(sc->caller));
	else if (sc->callback)
		sc->callback(sc->closure, sc->status, sc->result);
}

static void subcall_cb_reply(void *closure, int status, struct json_object *result)
{
	struct subcall_cb *sc = closure;

	sc->status = status;
	sc->result = result;
	fault_guard(sc->caller->api_key, "subcall callback of verb", sc->caller->verb, sc->caller,
		    subcall_cb_call, sc);
	xreq_unref(sc->caller);
	free(sc);
}

static void subcall(struct xreq *caller, const char *api, const char *verb, struct json_object *args,
		    struct subcall_cb *model)
{
	struct subcall_cb *sc = malloc(sizeof *sc);
	struct json_object *failure;

	if (!sc) {
		/* told as a failed subcall, at once */
		json_object_put(args);
		failure = json_tokener_parse("{\"jtype\":\"afb-reply\",\"request\":{\"status\":\"failed\",\"info\":\"internal error\"}}");
		model->status = -1;
		model->result = failure;
		model->caller = caller;
		fault_guard(caller->api_key, "subcall callback of verb", caller->verb, caller, subcall_cb_call, model);
		json_object_put(failure);
		return;
	}
	*sc = *model;
	sc->caller = xreq_addref(caller);
	/* traced as "subcall_req" or "subcall" */
	(sc->callback_req ? xreq_subcall_req : xreq_subcall)(caller, api, verb, args, subcall_cb_reply, sc);
}

static void req_subcall(void *closure, const char *api, const char *verb, struct json_object *args,
			void (*callback)(void *, int, struct json_object *), void *cb_closure)
{
	FAULT_DAEMON_SCOPE;
	struct subcall_cb model = { .callback = callback, .closure = cb_closure };

	subcall(closure, api, verb, args, &model);
}

static void req_subcall_req(void *closure, const char *api, const char *verb, struct json_object *args,
			    void (*callback)(void *, int, struct json_object *, struct afb_req), void *cb_closure)
{
	FAULT_DAEMON_SCOPE;
	struct subcall_cb model = { .callback_req = callback, .closure = cb_closure };

	subcall(closure, api, verb, args, &model);
}

/* the daemon's permission checker (--permissions), as for v2 and v3 */
static int req_has_permission(void *closure, const char *permission)
{
	FAULT_DAEMON_SCOPE;
	return perm_check(closure, permission);
}

static const struct afb_req_itf req_itf_v1 = {
	.json = req_json,
	.get = req_get,
	.success = req_success,
	.fail = req_fail,
	.vsuccess = req_vsuccess,
	.vfail = req_vfail,
	.context_get = req_context_get,
	.context_set = req_context_set,
	.addref = req_addref,
	.unref = req_unref,
	.session_close = req_session_close,
	.session_set_LOA = req_session_set_LOA,
	.subscribe = req_subscribe,
	.unsubscribe = req_unsubscribe,
	.subcall = req_subcall,
	.subcallsync = req_subcallsync,
	.vverbose = req_vverbose,
	.store = req_store,
	.subcall_req = req_subcall_req,
	.has_permission = req_has_permission,
	.context_make = req_context_make,
};

struct afb_req xreq_to_req_v1(struct xreq *x)
{
	struct afb_req req = { &req_itf_v1, x };
	return req;
}
