/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The daemon and service functions of binding API v2. They read the
 * binding's variable afbBindingV2data at each call (the daemon fills it
 * before calling any function of the binding). Included by afb-binding.h
 * when AFB_BINDING_VERSION is 2, after the declaration of that variable
 * under the name _AFB_V2_DATA_.
 */
#pragma once

#include <stdarg.h>
#include "afb-daemon-itf-x1.h"

#define afb_get_verbosity_v2()	(_AFB_V2_DATA_.verbosity)
#define afb_get_daemon_v2()	(_AFB_V2_DATA_.daemon)
#define afb_get_service_v2()	(_AFB_V2_DATA_.service)

/* Broadcasts "<api>/<name>" with 'object' (consumed). >= 0, or -1 on error. */
static inline int afb_daemon_broadcast_event_v2(const char *name, struct json_object *object)
{
	return _AFB_V2_DATA_.daemon.itf->event_broadcast(_AFB_V2_DATA_.daemon.closure, name, object);
}

/* The sd-event loop of the daemon. */
static inline struct sd_event *afb_daemon_get_event_loop_v2(void)
{
	return _AFB_V2_DATA_.daemon.itf->get_event_loop(_AFB_V2_DATA_.daemon.closure);
}

static inline struct sd_bus *afb_daemon_get_user_bus_v2(void)
{
	return _AFB_V2_DATA_.daemon.itf->get_user_bus(_AFB_V2_DATA_.daemon.closure);
}

static inline struct sd_bus *afb_daemon_get_system_bus_v2(void)
{
	return _AFB_V2_DATA_.daemon.itf->get_system_bus(_AFB_V2_DATA_.daemon.closure);
}

/* Makes the event "<api>/<name>" (invalid during preinit). */
static inline struct afb_event_x1 afb_daemon_make_event_v2(const char *name)
{
	return _AFB_V2_DATA_.daemon.itf->event_make(_AFB_V2_DATA_.daemon.closure, name);
}

static inline void afb_daemon_verbose_v2(int level, const char *file, int line, const char *func,
					 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static inline void afb_daemon_verbose_v2(int level, const char *file, int line, const char *func,
					 const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	_AFB_V2_DATA_.daemon.itf->vverbose_v2(_AFB_V2_DATA_.daemon.closure, level, file, line, func, fmt, args);
	va_end(args);
}

static inline int afb_daemon_rootdir_get_fd_v2(void)
{
	return _AFB_V2_DATA_.daemon.itf->rootdir_get_fd(_AFB_V2_DATA_.daemon.closure);
}

/* Opens 'filename' below the root directory, trying locales/<tag>/ first for each tag of 'locale'. */
static inline int afb_daemon_rootdir_open_locale_v2(const char *filename, int flags, const char *locale)
{
	return _AFB_V2_DATA_.daemon.itf->rootdir_open_locale(_AFB_V2_DATA_.daemon.closure, filename, flags, locale);
}

/* Runs callback(0, argument) on a worker; same non-NULL 'group': one after the other. */
static inline int afb_daemon_queue_job_v2(void (*callback)(int signum, void *arg), void *argument, void *group,
					  int timeout)
{
	return _AFB_V2_DATA_.daemon.itf->queue_job(_AFB_V2_DATA_.daemon.closure, callback, argument, group, timeout);
}

/* The request kept by afb_req_store (the reference stays: unref after the reply). */
static inline struct afb_req_x1 afb_daemon_unstore_req_v2(struct afb_req_x2 *sreq)
{
	return _AFB_V2_DATA_.daemon.itf->unstore_req(_AFB_V2_DATA_.daemon.closure, sreq);
}

/* 0 when each api of the space-separated 'name' exists (and is started if 'initialized'), else -1. */
static inline int afb_daemon_require_api_v2(const char *name, int initialized)
{
	return _AFB_V2_DATA_.daemon.itf->require_api(_AFB_V2_DATA_.daemon.closure, name, initialized);
}

/* Declares 'as_name' as another name of the api 'name' (NULL: this binding's api). 0 or -1. */
static inline int afb_daemon_add_alias_v2(const char *name, const char *as_name)
{
	return _AFB_V2_DATA_.daemon.itf->add_alias(_AFB_V2_DATA_.daemon.closure, name, as_name);
}

/* Creates the v3 api 'api' (see afb_api_new_api). 0 or -1. */
static inline int afb_daemon_new_api_v2(const char *api, const char *info, int noconcurrency,
					int (*preinit)(void*, struct afb_api_x3 *), void *closure)
{
	return -!_AFB_V2_DATA_.daemon.itf->new_api(_AFB_V2_DATA_.daemon.closure, api, info, noconcurrency,
						   preinit, closure);
}

/*
 * Calls api/verb in the session of the binding ('args' consumed). The
 * callback gets status 0 or -1 and the reply envelope, borrowed. Events
 * the callee subscribes to reach the binding's onevent.
 */
static inline void afb_service_call_v2(const char *api, const char *verb, struct json_object *args,
				       void (*callback)(void *closure, int iserror, struct json_object *result),
				       void *closure)
{
	_AFB_V2_DATA_.service.itf->call(_AFB_V2_DATA_.service.closure, api, verb, args, callback, closure);
}

/* Synchronous: 0 or -1; *result gets the envelope, owned by the caller. */
static inline int afb_service_call_sync_v2(const char *api, const char *verb, struct json_object *args,
					   struct json_object **result)
{
	return _AFB_V2_DATA_.service.itf->call_sync(_AFB_V2_DATA_.service.closure, api, verb, args, result);
}

/* the 2017 helpers: true when messages of that level are produced */
static inline int afb_verbose_error(void)	{ return afb_get_verbosity_v2() >= AFB_VERBOSITY_LEVEL_ERROR; }
static inline int afb_verbose_warning(void)	{ return afb_get_verbosity_v2() >= AFB_VERBOSITY_LEVEL_WARNING; }
static inline int afb_verbose_notice(void)	{ return afb_get_verbosity_v2() >= AFB_VERBOSITY_LEVEL_NOTICE; }
static inline int afb_verbose_info(void)	{ return afb_get_verbosity_v2() >= AFB_VERBOSITY_LEVEL_INFO; }
static inline int afb_verbose_debug(void)	{ return afb_get_verbosity_v2() >= AFB_VERBOSITY_LEVEL_DEBUG; }
