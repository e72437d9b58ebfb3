/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Loader of binding API v2 (api-so-v2.h) and the daemon and service
 * tables a v2 binding reaches through afbBindingV2data.
 *
 * Life, as the 2021 binder: the api is made and declared, afbBindingV2data
 * is filled (verbosity, daemon, service: also for a binding without init
 * nor onevent, unlike 2017), the preinit runs, the api is sealed. At its
 * start, init() runs; onevent(event, object) receives its events.
 *
 * The two slots on which the 2017 and 2021 binaries disagree follow the
 * 2021 headers (docs/writing-bindings.md, "v2 conventions"):
 * session_set_LOA returns 0/-1 (the 2021 inline adds 1), and daemon slot
 * 12 is add_alias(name, as_name).
 */
#define AFB_BINDING_VERSION 0
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "afb/afb-binding.h"
#include "api-so-v2.h"
#include "api-so-v3.h"
#include "api-v3.h"
#include "apiset.h"
#include "calls.h"
#include "evt-x2.h"
#include "fault.h"
#include "hook.h"
#include "req-x2.h"
#include "verbose.h"

#define ITF (api_v3_itf)

/* ---- the daemon table: the v3 slots, v2-shaped ---- */

static int d_event_broadcast(struct afb_api_x3 *api, const char *name, struct json_object *object)
{
	return ITF.event_broadcast(api, name, object);
}

static struct sd_event *d_get_event_loop(struct afb_api_x3 *api)
{
	return ITF.get_event_loop(api);
}

static struct sd_bus *d_get_user_bus(struct afb_api_x3 *api)
{
	return ITF.get_user_bus(api);
}

static struct sd_bus *d_get_system_bus(struct afb_api_x3 *api)
{
	return ITF.get_system_bus(api);
}

static void d_vverbose_v1(struct afb_api_x3 *api, int level, const char *file, int line, const char *fmt,
			  va_list args)
{
	ITF.vverbose(api, level, file, line, NULL, fmt, args);
}

static struct afb_event_x1 d_event_make(struct afb_api_x3 *api, const char *name)
{
	return evt_x2_to_x1(ITF.event_make(api, name));
}

static int d_rootdir_get_fd(struct afb_api_x3 *api)
{
	return ITF.rootdir_get_fd(api);
}

static int d_rootdir_open_locale(struct afb_api_x3 *api, const char *filename, int flags, const char *locale)
{
	return ITF.rootdir_open_locale(api, filename, flags, locale);
}

static int d_queue_job(struct afb_api_x3 *api, void (*callback)(int, void *), void *argument, void *group,
		       int timeout)
{
	return ITF.queue_job(api, callback, argument, group, timeout);
}

static void d_vverbose_v2(struct afb_api_x3 *api, int level, const char *file, int line, const char *func,
			  const char *fmt, va_list args)
{
	ITF.vverbose(api, level, file, line, func, fmt, args);
}

/* the request kept by afb_req_store: its reference stays with the caller */
static struct afb_req_x1 d_unstore_req(struct afb_api_x3 *api, struct afb_req_x2 *sreq)
{
	FAULT_DAEMON_SCOPE;
	struct afb_req_x1 req = { &req_x2_itf, sreq };

	if (hook_wants(HOOK_DAEMON, HOOK_DAEMON_UNSTORE_REQ))
		hook_daemon(api->apiname, HOOK_DAEMON_UNSTORE_REQ, NULL);
	if (sreq && HOOK_REQ_ON(req_x2_xreq(sreq), UNSTORE))
		hook_req_unstore(req_x2_xreq(sreq));
	return req;
}

static int d_require_api(struct afb_api_x3 *api, const char *name, int initialized)
{
	return ITF.require_api(api, name, initialized);
}

static int d_add_alias(struct afb_api_x3 *api, const char *name, const char *as_name)
{
	return ITF.add_alias(api, name, as_name);
}

static struct afb_api_x3 *d_new_api(struct afb_api_x3 *api, const char *apiname, const char *info,
				    int noconcurrency, int (*preinit)(void *, struct afb_api_x3 *), void *closure)
{
	return ITF.api_new_api(api, apiname, info, noconcurrency, preinit, closure);
}

static const struct afb_daemon_itf_x1 daemon_itf = {
	.event_broadcast = d_event_broadcast,
	.get_event_loop = d_get_event_loop,
	.get_user_bus = d_get_user_bus,
	.get_system_bus = d_get_system_bus,
	.vverbose_v1 = d_vverbose_v1,
	.event_make = d_event_make,
	.rootdir_get_fd = d_rootdir_get_fd,
	.rootdir_open_locale = d_rootdir_open_locale,
	.queue_job = d_queue_job,
	.vverbose_v2 = d_vverbose_v2,
	.unstore_req = d_unstore_req,
	.require_api = d_require_api,
	.add_alias = d_add_alias,
	.new_api = d_new_api,
};

/* ---- the service table: calls of the binding's api, v2-shaped callbacks ---- */

struct scall {
	struct api_v3 *api;	/* one reference */
	void (*callback)(void *closure, int status, struct json_object *result);
	void *closure;
	int status;
	struct json_object *result;
};

static void scall_call(void *closure)
{
	struct scall *c = closure;

	c->callback(c->closure, c->status, c->result);
}

static void scall_reply(void *closure, int status, struct json_object *envelope)
{
	struct scall *c = closure;

	if (hook_wants(HOOK_SERVICE, HOOK_SVC_CALL_RESULT))
		hook_service_call_result(c->api->name, HOOK_SVC_CALL_RESULT, status, envelope);
	c->status = status;
	c->result = envelope;
	if (c->callback)
		api_v3_guard(c->api, "service call callback", NULL, NULL, scall_call, c);
	api_v3_unref(c->api);
	free(c);
}

static void s_call(struct afb_api_x3 *api, const char *apiname, const char *verb, struct json_object *args,
		   void (*callback)(void *, int, struct json_object *), void *closure)
{
	FAULT_DAEMON_SCOPE;
	struct api_v3 *a = api_v3_of(api);
	struct call_from from = { .flags = CALL_API_SESSION | CALL_CATCH_EVENTS, .listener = api_v3_listener(a) };
	struct scall *c = malloc(sizeof *c);
	struct json_object *failure;

	if (hook_wants(HOOK_SERVICE, HOOK_SVC_CALL))
		hook_service_call(api->apiname, HOOK_SVC_CALL, apiname, verb, args);
	if (!c) {
		json_object_put(args);
		failure = call_failure_envelope("failed", "internal error");
		c = &(struct scall){ a, callback, closure, -1, failure };
		if (callback)
			api_v3_guard(a, "service call callback", NULL, NULL, scall_call, c);
		json_object_put(failure);
		return;
	}
	*c = (struct scall){ api_v3_ref(a), callback, closure, 0, NULL };
	call_async_envelope(&from, apiname, verb, args, scall_reply, c);
}

static int s_call_sync(struct afb_api_x3 *api, const char *apiname, const char *verb, struct json_object *args,
		       struct json_object **result)
{
	return ITF.legacy_call_sync(api, apiname, verb, args, result);
}

static const struct afb_service_itf_x1 service_itf = {
	.call = s_call,
	.call_sync = s_call_sync,
};

/* ---- loading ---- */

struct preinit {
	int (*preinit)();
	int rc;
};

static void preinit_call(void *closure)
{
	struct preinit *p = closure;

	p->rc = p->preinit();
}

int api_so_v2_load(struct apiset *set, const char *path, void *handle)
{
	const struct afb_binding_v2 *desc = dlsym(handle, "afbBindingV2");
	struct afb_binding_data_v2 *data = dlsym(handle, "afbBindingV2data");
	struct preinit p = { NULL, 0 };
	struct api_v3 *a;
	int rc;

	if (!desc && !data)
		return 0;
	if (!desc || !data) {
		LOGE("binding %s: incomplete symbol set of binding API v2: %s is missing", path,
		     desc ? "afbBindingV2data" : "afbBindingV2");
		return -EINVAL;
	}
	if (!desc->api || !api_name_is_valid(desc->api)) {
		LOGE("binding %s: invalid api name in afbBindingV2: %s", path, desc->api ? desc->api : "(null)");
		return -EINVAL;
	}
	if (!desc->verbs) {
		LOGE("binding %s: no verb array in afbBindingV2", path);
		return -EINVAL;
	}
	a = api_v3_new(set, desc->api, desc->info, desc->noconcurrency, path, api_so_binding_loop(path), 0);
	if (!a)
		return -errno;
	a->specification = desc->specification;
	a->verbs_v2 = desc->verbs;
	a->init_v2 = (int (*)(void))desc->init;
	a->onevent_v2 = desc->onevent;
	if (desc->onevent && !api_v3_listener(a)) {
		api_v3_unref(a);
		return -ENOMEM;
	}
	/* before any code of the binding runs */
	a->v2data = data;
	data->verbosity = AFB_SYSLOG_LEVEL_TO_VERBOSITY(_afb_verbomask_to_upper_level_(a->x3.logmask));
	data->daemon.itf = &daemon_itf;
	data->daemon.closure = &a->x3;
	data->service.itf = &service_itf;
	data->service.closure = &a->x3;
	rc = api_v3_declare(a);
	if (rc < 0) {
		LOGE("binding %s: can't add api %s: %s", path, desc->api,
		     rc == -EEXIST ? "an api of that name already exists" : strerror(-rc));
		api_v3_unref(a);
		return rc;
	}
	if (desc->preinit) {
		p.preinit = desc->preinit;
		if (api_v3_guard(a, "preinit", NULL, NULL, preinit_call, &p))
			rc = -EFAULT;
		else if (p.rc < 0)
			rc = p.rc;
		if (rc < 0) {
			LOGE("binding %s: the preinit of api %s failed", path, a->name);
			api_v3_undeclare(a);
			api_v3_unref(a);
			return rc;
		}
	}
	api_v3_seal(a);
	LOGN("binding %s: api %s added (binding API v2)", path, a->name);
	api_v3_unref(a);
	return 1;
}
