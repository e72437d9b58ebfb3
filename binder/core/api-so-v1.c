/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Loader and daemon-side interfaces of binding API v1.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>
#include <json-c/json.h>
#include <systemd/sd-bus.h>
#define AFB_BINDING_VERSION 0
#include "afb/afb-binding.h"
#include "api-so-v1.h"
#include "apiset.h"
#include "auth.h"
#include "binding-host.h"
#include "calls.h"
#include "evt.h"
#include "hook.h"
#include "fault.h"
#include "jobs.h"
#include "mainloop.h"
#include "session.h"
#include "subloop.h"
#include "verbose.h"
#include "xreq.h"

/* the life of a binding: events can be made only once its api is known */
enum state { PREINIT, INIT, RUNNING };

struct api_v1 {
	struct afb_binding_interface_v1 itf;	/* given to the binding: must stay put */
	struct fault_site site;			/* path and apiname: names for the fault guard */
	void *handle;
	char *path;
	char *apiname;
	const struct afb_binding_v1 *desc;
	int (*service_init)(struct afb_service);
	void (*service_event)(const char *, struct json_object *);
	const char *specification;		/* afbBindingV1Specification, or NULL */
	struct evt_listener *listener;		/* for service_event */
	struct subloop *loop;			/* its event loop, nested in the daemon's (subloop.h) */
	enum state state;
};

static struct apiset *loading_set;	/* for require_api and rename_api */

/* ---- events ---- */

static int event_broadcast(void *closure, struct json_object *obj)
{
	FAULT_DAEMON_SCOPE;
	return evt_broadcast(closure, obj);
}

static int event_push(void *closure, struct json_object *obj)
{
	FAULT_DAEMON_SCOPE;
	return evt_push(closure, obj);
}

static void event_drop(void *closure)
{
	FAULT_DAEMON_SCOPE;
	evt_drop(closure);
}

static const char *event_name(void *closure)
{
	FAULT_DAEMON_SCOPE;
	if (hook_wants(HOOK_EVENT, HOOK_EVT_NAME))
		hook_evt(evt_fullname(closure), evt_id(closure), HOOK_EVT_NAME);
	return evt_name(closure);
}

static const struct afb_event_itf event_itf = {
	.broadcast = event_broadcast,
	.push = event_push,
	.drop = event_drop,
	.name = event_name,
};

struct evt *api_so_v1_evt(struct afb_event event)
{
	return event.itf == &event_itf ? event.closure : NULL;
}

struct afb_event api_so_v1_event(struct evt *evt)
{
	struct afb_event event = { evt ? &event_itf : NULL, evt };
	return event;
}

/* ---- the daemon interface ---- */

/* hook_daemon for the api of 'a', when a hook wants 'flag' (data consumed) */
#define DAEMON_HOOK(a, flag, data) \
	do { if (hook_wants(HOOK_DAEMON, flag)) hook_daemon((a)->apiname, flag, data); } while (0)

static char *full_event_name(struct api_v1 *a, const char *name)
{
	char *full;

	if (asprintf(&full, "%s/%s", a->apiname, name ? name : "") < 0)
		return NULL;
	return full;
}

static int daemon_event_broadcast(void *closure, const char *name, struct json_object *object)
{
	FAULT_DAEMON_SCOPE;
	struct api_v1 *a = closure;
	struct json_object *keep;
	char *full;
	int rc, after;

	if (a->state == PREINIT) {
		LOGE("binding %s: can't broadcast event %s before its api is registered", a->path, name);
		json_object_put(object);
		return 0;
	}
	if (hook_wants(HOOK_DAEMON, HOOK_DAEMON_EVENT_BROADCAST_BEFORE))
		hook_daemon_event_broadcast(a->apiname, HOOK_DAEMON_EVENT_BROADCAST_BEFORE, name, object, 0);
	full = full_event_name(a, name);
	if (!full) {
		json_object_put(object);
		return 0;
	}
	/* the hook after wants the data the broadcast consumes */
	after = hook_wants(HOOK_DAEMON, HOOK_DAEMON_EVENT_BROADCAST_AFTER);
	keep = after ? json_object_get(object) : NULL;
	rc = evt_broadcast_name(full, object);
	free(full);
	if (after) {
		hook_daemon_event_broadcast(a->apiname, HOOK_DAEMON_EVENT_BROADCAST_AFTER, name, keep, rc);
		json_object_put(keep);
	}
	return rc;
}

static struct sd_event *daemon_get_event_loop(void *closure)
{
	FAULT_DAEMON_SCOPE;
	struct api_v1 *a = closure;

	DAEMON_HOOK(a, HOOK_DAEMON_GET_EVENT_LOOP, NULL);
	/* the binding's callbacks on it run under the fault guard */
	return a->loop ? subloop_event(a->loop) : mainloop_event();
}

static struct sd_bus *daemon_get_user_bus(void *closure)
{
	FAULT_DAEMON_SCOPE;
	DAEMON_HOOK((struct api_v1 *)closure, HOOK_DAEMON_GET_USER_BUS, NULL);
	return host_bus(1);
}

static struct sd_bus *daemon_get_system_bus(void *closure)
{
	FAULT_DAEMON_SCOPE;
	DAEMON_HOOK((struct api_v1 *)closure, HOOK_DAEMON_GET_SYSTEM_BUS, NULL);
	return host_bus(0);
}

static void daemon_vverbose_v2(void *closure, int level, const char *file, int line, const char *func,
			       const char *fmt, va_list args)
{
	struct api_v1 *a = closure;
	char prefix[128];
	va_list copy;

	if (hook_wants(HOOK_DAEMON, HOOK_DAEMON_VVERBOSE)) {
		va_copy(copy, args);
		hook_daemon_vverbose(a->apiname, level, file, line, func, fmt, copy);
		va_end(copy);
	}
	/* the api's own verbosity (monitor/set), which its macros checked already */
	if (!verbose_wants(a->itf.verbosity, level))
		return;
	snprintf(prefix, sizeof prefix, "API %s", a->apiname ? a->apiname : "?");
	verbose_v(level, prefix, file, line, func, fmt, args);
}

static void daemon_vverbose_v1(void *closure, int level, const char *file, int line,
			       const char *fmt, va_list args)
{
	daemon_vverbose_v2(closure, level, file, line, NULL, fmt, args);
}

static struct afb_event daemon_event_make(void *closure, const char *name)
{
	FAULT_DAEMON_SCOPE;
	struct api_v1 *a = closure;
	struct evt *evt = NULL;
	char *full;

	if (a->state == PREINIT) {
		LOGE("binding %s: can't make event %s before its api is registered", a->path, name);
		return api_so_v1_event(NULL);
	}
	full = full_event_name(a, name);
	if (full) {
		evt = evt_new(full);
		free(full);
	}
	if (evt && hook_wants(HOOK_DAEMON, HOOK_DAEMON_EVENT_MAKE))
		hook_daemon_event_make(a->apiname, name, evt);
	return api_so_v1_event(evt);
}

static int daemon_rootdir_get_fd(void *closure)
{
	FAULT_DAEMON_SCOPE;
	if (hook_wants(HOOK_DAEMON, HOOK_DAEMON_ROOTDIR_GET_FD))
		hook_daemon_rootdir_get_fd(((struct api_v1 *)closure)->apiname,
					   host_rootdir_fd() == AT_FDCWD ? -1 : host_rootdir_fd(), EBADF);
	return host_rootdir_fd();
}

static int daemon_rootdir_open_locale(void *closure, const char *filename, int flags, const char *locale)
{
	FAULT_DAEMON_SCOPE;
	int fd = host_rootdir_open_locale(filename, flags, locale), error = errno;

	if (hook_wants(HOOK_DAEMON, HOOK_DAEMON_ROOTDIR_OPEN_LOCALE)) {
		hook_daemon_rootdir_open_locale(((struct api_v1 *)closure)->apiname, filename, flags, locale, fd,
						error);
		errno = error;
	}
	return fd;
}

static int daemon_queue_job(void *closure, void (*callback)(int signum, void *arg), void *argument,
			    void *group, int timeout)
{
	FAULT_DAEMON_SCOPE;
	struct api_v1 *a = closure;
	int rc = host_queue_job(&a->site, group, timeout, callback, argument) < 0 ? -1 : 0;

	if (hook_wants(HOOK_DAEMON, HOOK_DAEMON_QUEUE_JOB))
		hook_daemon_queue_job(a->apiname, rc);
	return rc;
}

static struct afb_req daemon_unstore_req(void *closure, struct afb_stored_req *sreq)
{
	FAULT_DAEMON_SCOPE;
	struct afb_req req;

	DAEMON_HOOK((struct api_v1 *)closure, HOOK_DAEMON_UNSTORE_REQ, NULL);
	req = afb_req_unstore(sreq);
	if (req.closure && HOOK_REQ_ON((struct xreq *)req.closure, UNSTORE))
		hook_req_unstore(req.closure);
	return req;
}

static int require_api(struct api_v1 *a, const char *name, int initialized);

static int daemon_require_api(void *closure, const char *name, int initialized)
{
	FAULT_DAEMON_SCOPE;
	struct api_v1 *a = closure;
	int rc;

	if (hook_wants(HOOK_DAEMON, HOOK_DAEMON_REQUIRE_API))
		hook_daemon_require_api(a->apiname, HOOK_DAEMON_REQUIRE_API, name, initialized, 0);
	rc = require_api(a, name, initialized);
	if (hook_wants(HOOK_DAEMON, HOOK_DAEMON_REQUIRE_API_RESULT))
		hook_daemon_require_api(a->apiname, HOOK_DAEMON_REQUIRE_API_RESULT, name, initialized, rc);
	return rc;
}

static int require_api(struct api_v1 *a, const char *name, int initialized)
{
	struct api *api;
	int rc;

	if (a->state != INIT) {
		LOGE("binding %s: afb_daemon_require_api(%s) is allowed only during service init", a->path, name);
		return -1;
	}
	api = apiset_lookup(loading_set, name);
	if (!api) {
		LOGE("binding %s: required api %s not found", a->path, name);
		return -1;
	}
	rc = initialized ? api_start(api) : 0;
	api_unref(api);
	return rc < 0 ? -1 : 0;
}

static int daemon_rename_api(void *closure, const char *name)
{
	FAULT_DAEMON_SCOPE;
	struct api_v1 *a = closure;
	char *copy;

	if (a->state != PREINIT) {
		LOGE("binding %s: afb_daemon_rename_api(%s) is allowed only in afbBindingV1Register", a->path, name);
		return -1;
	}
	if (!api_name_is_valid(name)) {
		LOGE("binding %s: can't rename to invalid api name %s", a->path, name);
		return -1;
	}
	copy = strdup(name);
	if (!copy)
		return -1;
	free(a->apiname);
	a->apiname = copy;
	a->site.api = copy;
	return 0;
}

static const struct afb_daemon_itf daemon_itf = {
	.event_broadcast = daemon_event_broadcast,
	.get_event_loop = daemon_get_event_loop,
	.get_user_bus = daemon_get_user_bus,
	.get_system_bus = daemon_get_system_bus,
	.vverbose_v1 = daemon_vverbose_v1,
	.event_make = daemon_event_make,
	.rootdir_get_fd = daemon_rootdir_get_fd,
	.rootdir_open_locale = daemon_rootdir_open_locale,
	.queue_job = daemon_queue_job,
	.vverbose_v2 = daemon_vverbose_v2,
	.unstore_req = daemon_unstore_req,
	.require_api = daemon_require_api,
	.rename_api = daemon_rename_api,
};

/* ---- services ---- */

/* the callback of a service call, binding code: under the fault guard */
struct scall {
	struct api_v1 *api;
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

static void scall_deliver(struct scall *c, int status, struct json_object *result)
{
	c->status = status;
	c->result = result;
	/* a NULL callback: the binding does not want the answer */
	if (c->callback)
		fault_guard(&c->api->site, "service call callback", NULL, NULL, scall_call, c);
}

#define SERVICE_HOOK(a, flag, data) \
	do { if (hook_wants(HOOK_SERVICE, flag)) hook_service((a)->apiname, flag, data); } while (0)

static void scall_reply(void *closure, int status, struct json_object *result)
{
	struct scall *c = closure;

	if (hook_wants(HOOK_SERVICE, HOOK_SVC_CALL_RESULT))
		hook_service_call_result(c->api->apiname, HOOK_SVC_CALL_RESULT, status, result);
	scall_deliver(c, status, result);
	free(c);
}

/* out of memory before the call: the callback is told as for a failed call */
static void scall_reply_failure(struct scall *c)
{
	struct json_object *failure = json_tokener_parse(
		"{\"jtype\":\"afb-reply\",\"request\":{\"status\":\"failed\",\"info\":\"internal error\"}}");

	scall_deliver(c, -1, failure);
	json_object_put(failure);
}

static void service_call(void *closure, const char *api, const char *verb, struct json_object *args,
			 void (*callback)(void *, int, struct json_object *), void *cb_closure)
{
	FAULT_DAEMON_SCOPE;
	struct api_v1 *a = closure;
	struct scall *c = malloc(sizeof *c);

	if (!c) {
		json_object_put(args);
		c = &(struct scall){ .api = a, .callback = callback, .closure = cb_closure };
		scall_reply_failure(c);
		return;
	}
	c->api = a;
	c->callback = callback;
	c->closure = cb_closure;
	if (hook_wants(HOOK_SERVICE, HOOK_SVC_CALL))
		hook_service_call(a->apiname, HOOK_SVC_CALL, api, verb, args);
	xreq_call_in_session(NULL, a->listener, api, verb, args, scall_reply, c);
}

static int service_call_sync(void *closure, const char *api, const char *verb, struct json_object *args,
			     struct json_object **result)
{
	FAULT_DAEMON_SCOPE;
	struct api_v1 *a = closure;
	int rc;

	if (hook_wants(HOOK_SERVICE, HOOK_SVC_CALLSYNC))
		hook_service_call(a->apiname, HOOK_SVC_CALLSYNC, api, verb, args);
	rc = xreq_call_in_session_sync(NULL, a->listener, api, verb, args, result);
	if (hook_wants(HOOK_SERVICE, HOOK_SVC_CALLSYNC_RESULT))
		hook_service_call_result(a->apiname, HOOK_SVC_CALLSYNC_RESULT, rc, *result);
	return rc;
}

static const struct afb_service_itf service_itf = {
	.call = service_call,
	.call_sync = service_call_sync,
};

struct event_call {
	struct api_v1 *api;
	const char *event;
	struct json_object *object;
};

static void event_call(void *closure)
{
	struct event_call *c = closure;

	c->api->service_event(c->event, c->object);
}

static void listener_push(void *closure, const char *event, int eventid, struct json_object *object)
{
	struct event_call c = { closure, event, object };

	if (hook_wants(HOOK_SERVICE, HOOK_SVC_ON_EVENT_BEFORE))
		hook_service_on_event(c.api->apiname, HOOK_SVC_ON_EVENT_BEFORE, event, eventid, object);
	fault_guard(&c.api->site, "event handler", event, NULL, event_call, &c);
	if (hook_wants(HOOK_SERVICE, HOOK_SVC_ON_EVENT_AFTER))
		hook_service_on_event(c.api->apiname, HOOK_SVC_ON_EVENT_AFTER, event, eventid, object);
}

static void listener_broadcast(void *closure, const char *event, struct json_object *object)
{
	listener_push(closure, event, 0, object);
}

static const struct evt_listener_itf listener_itf = {
	.push = listener_push,
	.broadcast = listener_broadcast,
};

/* ---- the api ---- */

static const struct afb_verb_desc_v1 *find_verb(struct api_v1 *a, const char *name)
{
	const struct afb_verb_desc_v1 *v;

	for (v = a->desc->v1.verbs; v->name; v++)
		if (!strcasecmp(v->name, name))
			return v;
	return NULL;
}

struct verb_call {
	const struct afb_verb_desc_v1 *verb;
	struct xreq *xreq;
};

static void verb_call(void *closure)
{
	struct verb_call *c = closure;

	c->verb->callback(xreq_to_req_v1(c->xreq));
}

static void v1_api_call(void *closure, struct xreq *x)
{
	struct api_v1 *a = closure;
	struct verb_call c = { find_verb(a, x->verb), x };

	if (!c.verb) {
		xreq_fail_f(x, "unknown-verb", "verb %s unknown within api %s", x->verb, a->apiname);
	} else {
		x->api_key = &a->site;
		if (xreq_check_session_flags(x, (unsigned)c.verb->session) == 0)
			fault_guard(&a->site, "verb", c.verb->name, x, verb_call, &c);
	}
	xreq_unref(x);
}

static struct json_object *permissions_of(unsigned flags)
{
	struct json_object *list = json_object_new_array(), *result;
	unsigned loa = (flags >> 6) & 7;

	if (flags & AFB_SESSION_CLOSE)
		json_object_array_add(list, json_tokener_parse("{\"session\":\"close\"}"));
	if (flags & (AFB_SESSION_CHECK | AFB_SESSION_CLOSE | AFB_SESSION_RENEW | AFB_SESSION_LOA_EQ))
		json_object_array_add(list, json_tokener_parse("{\"session\":\"check\"}"));
	if (flags & AFB_SESSION_RENEW)
		json_object_array_add(list, json_tokener_parse("{\"token\":\"refresh\"}"));
	if (flags & AFB_SESSION_LOA_EQ) {
		/* the LOA field, not the low bits as the 2017 binder did */
		result = json_object_new_object();
		json_object_object_add(result, (flags & AFB_SESSION_LOA_EQ) == AFB_SESSION_LOA_EQ ? "LOA"
				       : (flags & AFB_SESSION_LOA_GE) ? "LOA>=" : "LOA<=", json_object_new_int((int)loa));
		json_object_array_add(list, result);
	}
	return auth_all_of(list);
}

static struct json_object *v1_api_describe(void *closure)
{
	struct api_v1 *a = closure;
	const struct afb_verb_desc_v1 *v;
	struct json_object *root, *info, *paths, *path, *get, *responses, *ok, *perm;

	/* the binding's own description, when it gives one that parses (as v2's specification) */
	if (a->specification) {
		root = json_tokener_parse(a->specification);
		if (json_object_is_type(root, json_type_object))
			return root;
		json_object_put(root);
	}
	root = json_object_new_object();
	json_object_object_add(root, "openapi", json_object_new_string("3.0.0"));
	info = json_object_new_object();
	json_object_object_add(info, "title", json_object_new_string(a->apiname));
	json_object_object_add(info, "version", json_object_new_string("0.0.0"));
	json_object_object_add(info, "description", json_object_new_string(a->desc->v1.info ? a->desc->v1.info : ""));
	json_object_object_add(root, "info", info);
	paths = json_object_new_object();
	for (v = a->desc->v1.verbs; v->name; v++) {
		char key[256];

		path = json_object_new_object();
		get = json_object_new_object();
		perm = permissions_of((unsigned)v->session);
		if (perm)
			json_object_object_add(get, "x-permissions", perm);
		responses = json_object_new_object();
		ok = json_object_new_object();
		json_object_object_add(ok, "description", json_object_new_string(v->info ? v->info : ""));
		json_object_object_add(responses, "200", ok);
		json_object_object_add(get, "responses", responses);
		json_object_object_add(path, "get", get);
		snprintf(key, sizeof key, "/%s", v->name);
		json_object_object_add(paths, key, path);
	}
	json_object_object_add(root, "paths", paths);
	return root;
}

struct init_call {
	struct api_v1 *api;
	int rc;
};

static void init_call(void *closure)
{
	struct init_call *c = closure;
	struct afb_service service = { &service_itf, c->api };

	c->rc = c->api->service_init(service);
}

static int v1_api_start(void *closure)
{
	struct api_v1 *a = closure;
	struct init_call c = { a, 0 };
	int rc, faulted;

	a->state = INIT;
	if (a->service_event && !a->listener) {
		a->listener = evt_listener_new(&listener_itf, a);
		if (!a->listener)
			return -ENOMEM;
	}
	SERVICE_HOOK(a, HOOK_SVC_START_BEFORE, NULL);
	/* a fault is logged: the api failed, the daemon goes on */
	faulted = a->service_init && fault_guard(&a->site, "init", "afbBindingV1ServiceInit", NULL, init_call, &c);
	rc = faulted ? -EFAULT : c.rc;
	if (hook_wants(HOOK_SERVICE, HOOK_SVC_START_AFTER))
		hook_service_start_after(a->apiname, rc);
	if (faulted)
		return rc;
	if (rc < 0) {
		LOGE("binding %s: afbBindingV1ServiceInit failed (returned %d)", a->path, rc);
		return rc;
	}
	a->state = RUNNING;
	return 0;
}

static void v1_api_destroy(void *closure)
{
	struct api_v1 *a = closure;

	evt_listener_close(a->listener);
	evt_listener_unref(a->listener);
	subloop_free(a->loop);
	/* bindings are not dlclosed: their atexit handlers and threads may still run */
	free(a->apiname);
	free(a->path);
	free(a);
}

/* the binding reads itf.verbosity in its logging macros: a plain int of the v1 ABI */
static int api_get_verbosity(void *closure)
{
	return __atomic_load_n(&((struct api_v1 *)closure)->itf.verbosity, __ATOMIC_RELAXED);
}

static void api_set_verbosity(void *closure, int level)
{
	__atomic_store_n(&((struct api_v1 *)closure)->itf.verbosity, level, __ATOMIC_RELAXED);
}

static const struct api_itf api_itf = {
	.call = v1_api_call,
	.describe = v1_api_describe,
	.start = v1_api_start,
	.destroy = v1_api_destroy,
	.get_verbosity = api_get_verbosity,
	.set_verbosity = api_set_verbosity,
};

/* ---- loading ---- */

static const char *check_desc(struct api_v1 *a, char *buf, size_t size)
{
	const struct afb_binding_v1 *d = a->desc;
	size_t i, n;

	if (!d)
		return "afbBindingV1Register returned NULL";
	if (d->type != AFB_BINDING_VERSION_1)
		return "bad binding version (type is not AFB_BINDING_VERSION_1)";
	if (!d->v1.info || !*d->v1.info)
		return "empty info in the binding description";
	if (!d->v1.verbs)
		return "no verb array in the binding description";
	if (!a->apiname && (!d->v1.prefix || !api_name_is_valid(d->v1.prefix))) {
		if (!d->v1.prefix)
			return "invalid api name: the prefix of the description is NULL";
		/* the name as it is, control characters shown as '?' */
		n = (size_t)snprintf(buf, size, "invalid api name '");
		for (i = 0; d->v1.prefix[i] && n + 2 < size && i < 64; i++)
			buf[n++] = (unsigned char)d->v1.prefix[i] < 0x20 || d->v1.prefix[i] == 0x7f ? '?' : d->v1.prefix[i];
		snprintf(buf + n, size - n, "%s' (the prefix of the description: not empty, no space, control "
			 "character or any of \"#%%&'/?`)", d->v1.prefix[i] ? "..." : "");
		return buf;
	}
	return NULL;
}

struct register_call {
	struct api_v1 *api;
	const struct afb_binding_v1 *(*reg)(const struct afb_binding_interface_v1 *);
};

static void register_call(void *closure)
{
	struct register_call *c = closure;

	c->api->desc = c->reg(&c->api->itf);
}

int api_so_v1_load(struct apiset *set, const char *path, void *handle)
{
	const struct afb_binding_v1 *(*reg)(const struct afb_binding_interface_v1 *);
	char reason[192];
	struct register_call c;
	struct api_v1 *a;
	const char *why;
	int rc;

	reg = (const struct afb_binding_v1 *(*)(const struct afb_binding_interface_v1 *))
		dlsym(handle, "afbBindingV1Register");
	if (!reg)
		return 0;	/* not a v1 binding */
	a = calloc(1, sizeof *a);
	if (!a || !(a->path = strdup(path))) {
		free(a);
		return -ENOMEM;
	}
	a->handle = handle;
	a->state = PREINIT;
	/* made here, on the main thread, before the daemon's loop runs */
	if (mainloop_event()) {
		if (subloop_new(&a->loop, &a->site) < 0)
			LOGW("binding %s: no loop of its own: afb_daemon_get_event_loop gives the daemon's", path);
	}
	a->itf.daemon.itf = &daemon_itf;
	a->itf.daemon.closure = a;
	a->itf.verbosity = verbosity;
	a->itf.mode = AFB_MODE_LOCAL;
	loading_set = set;
	a->site.binding = a->path;
	c.api = a;
	c.reg = reg;
	if (fault_guard(&a->site, "init", "afbBindingV1Register", NULL, register_call, &c)) {
		rc = -EFAULT;
		goto error;
	}
	why = check_desc(a, reason, sizeof reason);
	if (why) {
		LOGE("binding %s: %s", path, why);
		rc = -EINVAL;
		goto error;
	}
	if (!a->apiname && !(a->apiname = strdup(a->desc->v1.prefix))) {
		rc = -ENOMEM;
		goto error;
	}
	a->site.api = a->apiname;
	a->service_init = (int (*)(struct afb_service))dlsym(handle, "afbBindingV1ServiceInit");
	a->service_event = (void (*)(const char *, struct json_object *))dlsym(handle, "afbBindingV1ServiceEvent");
	a->specification = (const char *)dlsym(handle, "afbBindingV1Specification");
	if (a->specification) {
		struct json_object *spec = json_tokener_parse(a->specification);

		if (!json_object_is_type(spec, json_type_object))
			LOGW("binding %s: afbBindingV1Specification is not a JSON object: "
			     "the api is described from its verbs", path);
		json_object_put(spec);
	}
	rc = apiset_add(set, a->apiname, a, &api_itf);
	if (rc < 0) {
		LOGE("binding %s: can't add api %s: %s", path, a->apiname,
		     rc == -EEXIST ? "an api of that name already exists" : strerror(-rc));
		goto error;
	}
	LOGN("binding %s: api %s added (binding API v1)", path, a->apiname);
	return 1;
error:
	/* not dlclosed: the binding may have started threads or registered atexit */
	subloop_free(a->loop);
	free(a->apiname);
	free(a->path);
	free(a);
	return rc;
}

void api_so_v1_cleanup(void)
{
}
