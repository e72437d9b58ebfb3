/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The api table of binding API v3 (afb-api-x3-itf.h, 29 slots). Every
 * slot is daemon code called by binding code (FAULT_DAEMON_SCOPE); the
 * binding's callbacks it calls back run under the api's fault guard.
 */
#define AFB_BINDING_VERSION 0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <json-c/json.h>
#include "afb/afb-binding.h"
#include "api-v3.h"
#include "apiset.h"
#include "binding-host.h"
#include "calls.h"
#include "evt.h"
#include "evt-x2.h"
#include "fault.h"
#include "hook.h"
#include "mainloop.h"
#include "settings.h"
#include "subloop.h"
#include "verbose.h"

#define A(x3) api_v3_of(x3)

/* a daemon hook point without data, for the api 'api' */
#define DAEMON_HOOK(api, flag) \
	do { if (hook_wants(HOOK_DAEMON, flag)) hook_daemon((api)->apiname, flag, NULL); } while (0)

/* 0 on success, else -1 with errno (-rc) */
static int status(int rc)
{
	if (rc >= 0)
		return 0;
	errno = -rc;
	return -1;
}

static void a_vverbose(struct afb_api_x3 *api, int level, const char *file, int line, const char *func,
		       const char *fmt, va_list args)
{
	FAULT_DAEMON_SCOPE;
	va_list copy;

	if (hook_wants(HOOK_DAEMON, HOOK_DAEMON_VVERBOSE)) {
		va_copy(copy, args);
		hook_daemon_vverbose(api->apiname, level, file, line, func, fmt, copy);
		va_end(copy);
	}
	api_v3_vlog(api->logmask, level, "API", api->apiname, file, line, func, fmt, args);
}

static struct sd_event *a_get_event_loop(struct afb_api_x3 *api)
{
	FAULT_DAEMON_SCOPE;
	DAEMON_HOOK(api, HOOK_DAEMON_GET_EVENT_LOOP);
	/* the binding's callbacks on it run under the fault guard */
	return A(api)->loop ? subloop_event(A(api)->loop) : mainloop_event();
}

static struct sd_bus *a_get_user_bus(struct afb_api_x3 *api)
{
	FAULT_DAEMON_SCOPE;
	DAEMON_HOOK(api, HOOK_DAEMON_GET_USER_BUS);
	return host_bus(1);
}

static struct sd_bus *a_get_system_bus(struct afb_api_x3 *api)
{
	FAULT_DAEMON_SCOPE;
	DAEMON_HOOK(api, HOOK_DAEMON_GET_SYSTEM_BUS);
	return host_bus(0);
}

static int a_rootdir_get_fd(struct afb_api_x3 *api)
{
	FAULT_DAEMON_SCOPE;
	int fd = host_rootdir_fd();

	if (hook_wants(HOOK_DAEMON, HOOK_DAEMON_ROOTDIR_GET_FD))
		hook_daemon_rootdir_get_fd(api->apiname, fd == AT_FDCWD ? -1 : fd, EBADF);
	return fd;
}

static int a_rootdir_open_locale(struct afb_api_x3 *api, const char *filename, int flags, const char *locale)
{
	FAULT_DAEMON_SCOPE;
	int fd = host_rootdir_open_locale(filename, flags, locale), error = errno;

	if (hook_wants(HOOK_DAEMON, HOOK_DAEMON_ROOTDIR_OPEN_LOCALE)) {
		hook_daemon_rootdir_open_locale(api->apiname, filename, flags, locale, fd, error);
		errno = error;
	}
	return fd;
}

static int a_queue_job(struct afb_api_x3 *api, void (*callback)(int signum, void *arg), void *argument,
		       void *group, int timeout)
{
	FAULT_DAEMON_SCOPE;
	int rc = status(host_queue_job(&A(api)->site, group, timeout, callback, argument)), error = errno;

	if (hook_wants(HOOK_DAEMON, HOOK_DAEMON_QUEUE_JOB)) {
		hook_daemon_queue_job(api->apiname, rc);
		errno = error;
	}
	return rc;
}

static int a_require_api(struct afb_api_x3 *api, const char *name, int initialized)
{
	FAULT_DAEMON_SCOPE;
	int rc, error;

	if (hook_wants(HOOK_DAEMON, HOOK_DAEMON_REQUIRE_API))
		hook_daemon_require_api(api->apiname, HOOK_DAEMON_REQUIRE_API, name, initialized, 0);
	rc = api_v3_require_api(A(api), name, initialized);
	if (hook_wants(HOOK_DAEMON, HOOK_DAEMON_REQUIRE_API_RESULT)) {
		error = errno;
		hook_daemon_require_api(api->apiname, HOOK_DAEMON_REQUIRE_API_RESULT, name, initialized, rc);
		errno = error;
	}
	return rc;
}

static int a_add_alias(struct afb_api_x3 *api, const char *name, const char *as_name)
{
	FAULT_DAEMON_SCOPE;
	struct api_v3 *a = A(api);
	int rc;

	/* an api in the making (its preinit) gets its own aliases once it is declared */
	if ((!name || !strcasecmp(name, a->name)) && api_v3_in_making(a))
		return status(api_v3_defer_alias(a, as_name));
	rc = apiset_add_alias(a->set, name ? name : a->name, as_name);
	if (rc < 0)
		LOGE("api %s: can't add the alias %s of %s: %s", a->name, as_name ? as_name : "(null)",
		     name ? name : a->name, rc == -EEXIST ? "the name is taken" : rc == -ENOENT ? "no such api"
		     : rc == -EINVAL ? "invalid name" : strerror(-rc));
	return status(rc);
}

/* "<api>/<name>", or NULL (and errno) */
static char *event_name(struct api_v3 *a, const char *name, const char *what)
{
	char *full;

	if (atomic_load(&a->state) == API_V3_PREINIT) {
		LOGE("api %s: can't %s event %s before it starts (preinit)", a->name, what, name ? name : "(null)");
		errno = EINVAL;
		return NULL;
	}
	if (!name || asprintf(&full, "%s/%s", a->name, name) < 0) {
		errno = name ? ENOMEM : EINVAL;
		return NULL;
	}
	return full;
}

static int a_event_broadcast(struct afb_api_x3 *api, const char *name, struct json_object *object)
{
	FAULT_DAEMON_SCOPE;
	char *full = event_name(A(api), name, "broadcast");
	struct json_object *keep = NULL;
	int rc, after;

	if (!full) {
		json_object_put(object);
		return errno == EINVAL && name ? 0 : -1;	/* in preinit: 0, as the AGL binders */
	}
	if (hook_wants(HOOK_DAEMON, HOOK_DAEMON_EVENT_BROADCAST_BEFORE))
		hook_daemon_event_broadcast(api->apiname, HOOK_DAEMON_EVENT_BROADCAST_BEFORE, name, object, 0);
	/* the hook after wants the data the broadcast consumes */
	after = hook_wants(HOOK_DAEMON, HOOK_DAEMON_EVENT_BROADCAST_AFTER);
	if (after)
		keep = json_object_get(object);
	rc = evt_broadcast_name(full, object);
	free(full);
	if (after) {
		hook_daemon_event_broadcast(api->apiname, HOOK_DAEMON_EVENT_BROADCAST_AFTER, name, keep, rc);
		json_object_put(keep);
	}
	return rc;
}

static struct afb_event_x2 *a_event_make(struct afb_api_x3 *api, const char *name)
{
	FAULT_DAEMON_SCOPE;
	char *full = event_name(A(api), name, "make");
	struct afb_event_x2 *event;

	if (!full)
		return NULL;
	event = evt_x2_new(full);
	free(full);
	if (!event)
		errno = ENOMEM;
	else if (hook_wants(HOOK_DAEMON, HOOK_DAEMON_EVENT_MAKE))
		hook_daemon_event_make(api->apiname, name, evt_x2_evt(event));
	return event;
}

/* ---- calls ---- */

/* a call's callback: binding code of the calling api */
struct acall {
	struct api_v3 *api;	/* one reference */
	int legacy;
	void *callback;
	void *closure;
	int status;
	const char *error, *info;
	struct json_object *object;
};

static void acall_call(void *closure)
{
	struct acall *c = closure;

	if (c->legacy)
		((void (*)(void *, int, struct json_object *, struct afb_api_x3 *))c->callback)
			(c->closure, c->status, c->object, &c->api->x3);
	else
		((void (*)(void *, struct json_object *, const char *, const char *, struct afb_api_x3 *))
		 c->callback)(c->closure, c->object, c->error, c->info, &c->api->x3);
}

static void acall_run(struct acall *c)
{
	if (c->callback)
		api_v3_guard(c->api, "call callback", NULL, NULL, acall_call, c);
	api_v3_unref(c->api);
	free(c);
}

static void acall_envelope(void *closure, int status, struct json_object *envelope)
{
	struct acall *c = closure;

	if (hook_wants(HOOK_SERVICE, HOOK_SVC_CALL_RESULT))
		hook_service_call_result(c->api->name, HOOK_SVC_CALL_RESULT, status, envelope);

	c->status = status;
	c->object = envelope;
	acall_run(c);
}

static void acall_reply(void *closure, const char *error, const char *info, struct json_object *object)
{
	struct acall *c = closure;

	if (hook_wants(HOOK_SERVICE, HOOK_SVC_CALL_RESULT))
		hook_service_call_reply(c->api->name, HOOK_SVC_CALL_RESULT, error, info, object);

	c->error = error;
	c->info = info;
	c->object = object;
	acall_run(c);
}

/* an api's calls: in the apis' session, the callee's events caught by its handlers */
static void from_api(struct api_v3 *a, struct call_from *from)
{
	from->caller = NULL;
	from->session = NULL;
	from->flags = CALL_API_SESSION | CALL_CATCH_EVENTS;
	from->listener = api_v3_listener(a);
}

static void api_call(struct api_v3 *a, int legacy, const char *apiname, const char *verb, struct json_object *args,
		     void *callback, void *closure)
{
	struct acall *c = calloc(1, sizeof *c);
	struct json_object *failure;
	struct call_from from;

	if (hook_wants(HOOK_SERVICE, HOOK_SVC_CALL))
		hook_service_call(a->name, HOOK_SVC_CALL, apiname, verb, args);
	if (!c) {
		json_object_put(args);
		c = &(struct acall){ .api = api_v3_ref(a), .legacy = legacy, .callback = callback, .closure = closure,
				     .status = -1, .error = "internal-error", .info = "out of memory" };
		failure = legacy ? call_failure_envelope("failed", "internal error") : NULL;
		c->object = failure;
		if (callback)
			api_v3_guard(a, "call callback", NULL, NULL, acall_call, c);
		json_object_put(failure);
		api_v3_unref(a);
		return;
	}
	c->api = api_v3_ref(a);
	c->legacy = legacy;
	c->callback = callback;
	c->closure = closure;
	from_api(a, &from);
	if (legacy)
		call_async_envelope(&from, apiname, verb, args, acall_envelope, c);
	else
		call_async(&from, apiname, verb, args, acall_reply, c);
}

static void a_legacy_call(struct afb_api_x3 *api, const char *apiname, const char *verb, struct json_object *args,
			  void (*callback)(void *, int, struct json_object *, struct afb_api_x3 *), void *closure)
{
	FAULT_DAEMON_SCOPE;
	api_call(A(api), 1, apiname, verb, args, (void *)callback, closure);
}

static int a_legacy_call_sync(struct afb_api_x3 *api, const char *apiname, const char *verb,
			      struct json_object *args, struct json_object **result)
{
	FAULT_DAEMON_SCOPE;
	struct json_object *envelope;
	struct call_from from;
	int rc;

	if (hook_wants(HOOK_SERVICE, HOOK_SVC_CALLSYNC))
		hook_service_call(api->apiname, HOOK_SVC_CALLSYNC, apiname, verb, args);
	from_api(A(api), &from);
	rc = call_sync_envelope(&from, apiname, verb, args, &envelope);
	if (hook_wants(HOOK_SERVICE, HOOK_SVC_CALLSYNC_RESULT))
		hook_service_call_result(api->apiname, HOOK_SVC_CALLSYNC_RESULT, rc, envelope);
	if (result)
		*result = envelope;
	else
		json_object_put(envelope);
	return rc;
}

static void a_call(struct afb_api_x3 *api, const char *apiname, const char *verb, struct json_object *args,
		   void (*callback)(void *, struct json_object *, const char *, const char *, struct afb_api_x3 *),
		   void *closure)
{
	FAULT_DAEMON_SCOPE;
	api_call(A(api), 0, apiname, verb, args, (void *)callback, closure);
}

static int a_call_sync(struct afb_api_x3 *api, const char *apiname, const char *verb, struct json_object *args,
		       struct json_object **object, char **error, char **info)
{
	FAULT_DAEMON_SCOPE;
	struct json_object *o;
	struct call_from from;
	char *e, *i;
	int rc;

	if (hook_wants(HOOK_SERVICE, HOOK_SVC_CALLSYNC))
		hook_service_call(api->apiname, HOOK_SVC_CALLSYNC, apiname, verb, args);
	from_api(A(api), &from);
	rc = call_sync(&from, apiname, verb, args, &o, &e, &i);
	if (hook_wants(HOOK_SERVICE, HOOK_SVC_CALLSYNC_RESULT))
		hook_service_call_reply(api->apiname, HOOK_SVC_CALLSYNC_RESULT, rc < 0 ? e ? e : "failed" : NULL, i, o);
	call_give(object, o, error, e, info, i);
	return rc;
}

/* ---- dynamic apis ---- */

struct preinit_call {
	int (*preinit)(void *closure, struct afb_api_x3 *api);
	void *closure;
	struct api_v3 *api;
	int rc;
};

static void preinit_call(void *closure)
{
	struct preinit_call *c = closure;

	c->rc = c->preinit(c->closure, &c->api->x3);
}

/*
 * A dynamic api is declared once its preinit made it whole: a client can't
 * reach it (and start it) half made, and the transports publish it at
 * once with its verbs. Its name is checked before, and again when it is
 * declared (another may have taken it meanwhile).
 */
struct afb_api_x3 *api_v3_new_api(struct api_v3 *creator, const char *apiname, const char *info, int noconcurrency,
				  int (*preinit)(void *, struct afb_api_x3 *), void *closure)
{
	struct preinit_call c = { preinit, closure, NULL, 0 };
	struct api *taken;
	struct api_v3 *a;
	int rc;

	a = api_v3_new(creator->set, apiname, info, noconcurrency, creator->path, creator->loop, 0);
	if (!a) {
		LOGE("api %s: can't create the api %s: %s", creator->name, apiname ? apiname : "(null)",
		     errno == EINVAL ? "invalid name" : strerror(errno));
		return NULL;
	}
	taken = apiset_lookup(creator->set, apiname);
	api_unref(taken);
	rc = taken ? -EEXIST : 0;
	if (rc == 0 && preinit) {
		api_v3_set_making(a, 1);
		if (api_v3_guard(a, "preinit", NULL, NULL, preinit_call, (c.api = a, &c)) || c.rc < 0)
			rc = -ECANCELED;
		api_v3_set_making(a, 0);
	}
	if (rc == 0)
		rc = api_v3_declare(a);
	if (rc < 0) {
		LOGE("api %s: can't create the api %s: %s", creator->name, apiname,
		     rc == -EEXIST ? "an api of that name exists"
		     : rc == -ECANCELED ? "its preinit failed" : strerror(-rc));
		api_v3_unref(a);
		errno = -rc;
		return NULL;
	}
	/* the set's entry holds it; a dynamic api stays open until the binding seals it */
	LOGN("api %s created by api %s", a->name, creator->name);
	api_v3_unref(a);
	return &a->x3;
}

static struct afb_api_x3 *a_new_api(struct afb_api_x3 *api, const char *apiname, const char *info,
				    int noconcurrency, int (*preinit)(void *, struct afb_api_x3 *), void *closure)
{
	FAULT_DAEMON_SCOPE;
	return api_v3_new_api(A(api), apiname, info, noconcurrency, preinit, closure);
}

static int a_set_verbs_v2(struct afb_api_x3 *api, const struct afb_verb_v2 *verbs)
{
	FAULT_DAEMON_SCOPE;
	return api_v3_set_verbs_v2(A(api), verbs);
}

static int a_add_verb(struct afb_api_x3 *api, const char *verb, const char *info,
		      void (*callback)(struct afb_req_x2 *), void *vcbdata, const struct afb_auth *auth,
		      uint32_t session, int glob)
{
	FAULT_DAEMON_SCOPE;
	return api_v3_add_verb(A(api), verb, info, callback, vcbdata, auth, session, glob);
}

static int a_del_verb(struct afb_api_x3 *api, const char *verb, void **vcbdata)
{
	FAULT_DAEMON_SCOPE;
	return api_v3_del_verb(A(api), verb, vcbdata);
}

static int a_set_on_event(struct afb_api_x3 *api,
			  void (*onevent)(struct afb_api_x3 *, const char *, struct json_object *))
{
	FAULT_DAEMON_SCOPE;
	return api_v3_on_event(A(api), onevent);
}

static int a_set_on_init(struct afb_api_x3 *api, int (*oninit)(struct afb_api_x3 *))
{
	FAULT_DAEMON_SCOPE;
	return api_v3_on_init(A(api), oninit);
}

static void a_seal(struct afb_api_x3 *api)
{
	FAULT_DAEMON_SCOPE;
	api_v3_seal(A(api));
}

static int a_set_verbs_v3(struct afb_api_x3 *api, const struct afb_verb_v3 *verbs)
{
	FAULT_DAEMON_SCOPE;
	return api_v3_set_verbs_v3(A(api), verbs);
}

static int a_event_handler_add(struct afb_api_x3 *api, const char *pattern,
			       void (*callback)(void *, const char *, struct json_object *, struct afb_api_x3 *),
			       void *closure)
{
	FAULT_DAEMON_SCOPE;
	return api_v3_handler_add(A(api), pattern, callback, closure);
}

static int a_event_handler_del(struct afb_api_x3 *api, const char *pattern, void **closure)
{
	FAULT_DAEMON_SCOPE;
	return api_v3_handler_del(A(api), pattern, closure);
}

static int a_class_provide(struct afb_api_x3 *api, const char *name)
{
	FAULT_DAEMON_SCOPE;
	return api_v3_class_provide(A(api), name);
}

static int a_class_require(struct afb_api_x3 *api, const char *name)
{
	FAULT_DAEMON_SCOPE;
	return api_v3_class_require(A(api), name);
}

static int a_delete_api(struct afb_api_x3 *api)
{
	FAULT_DAEMON_SCOPE;
	struct api_v3 *a = A(api);

	if (atomic_load(&a->sealed)) {
		errno = EPERM;
		return -1;
	}
	LOGN("api %s deleted", a->name);
	api_v3_undeclare(a);
	return 0;
}

static struct json_object *a_settings(struct afb_api_x3 *api)
{
	FAULT_DAEMON_SCOPE;
	struct api_v3 *a = A(api);
	struct json_object *settings;

	pthread_rwlock_rdlock(&a->lock);
	settings = a->settings;
	pthread_rwlock_unlock(&a->lock);
	if (settings)
		return settings;
	settings = settings_for_api(a->name);
	if (!settings)
		return NULL;
	if (a->path)
		json_object_object_add(settings, "binding-path", json_object_new_string(a->path));
	pthread_rwlock_wrlock(&a->lock);
	if (!a->settings)
		a->settings = settings;
	else
		json_object_put(settings);	/* made twice at once: the first one stays */
	settings = a->settings;
	pthread_rwlock_unlock(&a->lock);
	return settings;
}

const struct afb_api_x3_itf api_v3_itf = {
	.vverbose = a_vverbose,
	.get_event_loop = a_get_event_loop,
	.get_user_bus = a_get_user_bus,
	.get_system_bus = a_get_system_bus,
	.rootdir_get_fd = a_rootdir_get_fd,
	.rootdir_open_locale = a_rootdir_open_locale,
	.queue_job = a_queue_job,
	.require_api = a_require_api,
	.add_alias = a_add_alias,
	.event_broadcast = a_event_broadcast,
	.event_make = a_event_make,
	.legacy_call = a_legacy_call,
	.legacy_call_sync = a_legacy_call_sync,
	.api_new_api = a_new_api,
	.api_set_verbs_v2 = a_set_verbs_v2,
	.api_add_verb = a_add_verb,
	.api_del_verb = a_del_verb,
	.api_set_on_event = a_set_on_event,
	.api_set_on_init = a_set_on_init,
	.api_seal = a_seal,
	.api_set_verbs_v3 = a_set_verbs_v3,
	.event_handler_add = a_event_handler_add,
	.event_handler_del = a_event_handler_del,
	.call = a_call,
	.call_sync = a_call_sync,
	.class_provide = a_class_provide,
	.class_require = a_class_require,
	.delete_api = a_delete_api,
	.settings = a_settings,
};
