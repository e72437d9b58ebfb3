/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The api functions of binding API v3 (struct afb_api_x3 *, the type
 * afb_api_t). Included by afb-binding.h when AFB_BINDING_VERSION is 3,
 * which also names them without the "_x3".
 */
#pragma once

#include <stdarg.h>
#include <stdint.h>
#include "afb-verbosity.h"
#include "afb-api-x3-itf.h"

static inline const char *afb_api_x3_name(struct afb_api_x3 *api)
{
	return api->apiname;
}

static inline void *afb_api_x3_get_userdata(struct afb_api_x3 *api)
{
	return api->userdata;
}

static inline void afb_api_x3_set_userdata(struct afb_api_x3 *api, void *value)
{
	api->userdata = value;
}

/* True when messages of syslog 'level' are logged for 'api'. */
static inline int afb_api_x3_wants_log_level(struct afb_api_x3 *api, int level)
{
	return AFB_SYSLOG_MASK_WANT(api->logmask, level);
}

/* Logs "[API <name>] message" at syslog 'level'. 'fmt' may be NULL. */
static inline void afb_api_x3_vverbose(struct afb_api_x3 *api, int level, const char *file, int line,
				       const char *func, const char *fmt, va_list args)
{
	api->itf->vverbose(api, level, file, line, func, fmt, args);
}

static inline void afb_api_x3_verbose(struct afb_api_x3 *api, int level, const char *file, int line,
				      const char *func, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static inline void afb_api_x3_verbose(struct afb_api_x3 *api, int level, const char *file, int line,
				      const char *func, const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	api->itf->vverbose(api, level, file, line, func, fmt, args);
	va_end(args);
}

/* The sd-event loop of the daemon. */
static inline struct sd_event *afb_api_x3_get_event_loop(struct afb_api_x3 *api)
{
	return api->itf->get_event_loop(api);
}

/* The user bus and the system bus (NULL when not available). */
static inline struct sd_bus *afb_api_x3_get_user_bus(struct afb_api_x3 *api)
{
	return api->itf->get_user_bus(api);
}

static inline struct sd_bus *afb_api_x3_get_system_bus(struct afb_api_x3 *api)
{
	return api->itf->get_system_bus(api);
}

/* A file descriptor of the root directory of the daemon (--rootdir). */
static inline int afb_api_x3_rootdir_get_fd(struct afb_api_x3 *api)
{
	return api->itf->rootdir_get_fd(api);
}

/* Opens 'filename' below the root directory, trying locales/<tag>/ first for each tag of 'locale'. */
static inline int afb_api_x3_rootdir_open_locale(struct afb_api_x3 *api, const char *filename, int flags,
						 const char *locale)
{
	return api->itf->rootdir_open_locale(api, filename, flags, locale);
}

/*
 * Runs callback(0, argument) on a worker; jobs of one non-NULL 'group'
 * run one after the other; if it could not start within 'timeout'
 * seconds (0: no limit), callback(SIGALRM, argument) runs instead. 0 or -1.
 */
static inline int afb_api_x3_queue_job(struct afb_api_x3 *api, void (*callback)(int signum, void *arg),
				       void *argument, void *group, int timeout)
{
	return api->itf->queue_job(api, callback, argument, group, timeout);
}

/*
 * 'name' is a space-separated list of apis. Before the api starts
 * (preinit) with 'initialized' 0: they are started before it. Later: 0
 * when each exists (and, with 'initialized', is started, starting it
 * now if needed), else -1.
 */
static inline int afb_api_x3_require_api(struct afb_api_x3 *api, const char *name, int initialized)
{
	return api->itf->require_api(api, name, initialized);
}

/* Declares 'as_name' as another name of the api 'name' (NULL: this api). 0 or -1. */
static inline int afb_api_x3_add_alias(struct afb_api_x3 *api, const char *name, const char *as_name)
{
	return api->itf->add_alias(api, name, as_name);
}

/* Broadcasts "<api>/<name>" with 'object' (consumed). >= 0, or -1 on error (preinit). */
static inline int afb_api_x3_broadcast_event(struct afb_api_x3 *api, const char *name, struct json_object *object)
{
	return api->itf->event_broadcast(api, name, object);
}

/* Makes the event "<api>/<name>", or NULL (errno EINVAL during preinit). */
static inline struct afb_event_x2 *afb_api_x3_make_event_x2(struct afb_api_x3 *api, const char *name)
{
	return api->itf->event_make(api, name);
}

/*
 * The calls of v2: the callback gets status 0 or -1 and the reply
 * envelope {"jtype":"afb-reply","request":{...},"response":...}, borrowed.
 */
static inline void afb_api_x3_call_legacy(struct afb_api_x3 *api, const char *apiname, const char *verb,
					  struct json_object *args,
					  void (*callback)(void *closure, int status, struct json_object *result,
							   struct afb_api_x3 *api),
					  void *closure)
{
	api->itf->legacy_call(api, apiname, verb, args, callback, closure);
}

static inline int afb_api_x3_call_sync_legacy(struct afb_api_x3 *api, const char *apiname, const char *verb,
					      struct json_object *args, struct json_object **result)
{
	return api->itf->legacy_call_sync(api, apiname, verb, args, result);
}

/*
 * Creates the api 'apiname' at once (NULL, errno EEXIST: the name is
 * taken), then calls preinit(closure, newapi) where it typically sets its
 * verbs, init and event handlers; preinit < 0 deletes it and NULL is
 * returned. The new api stays open to verb changes until afb_api_seal.
 */
static inline struct afb_api_x3 *afb_api_x3_new_api(struct afb_api_x3 *api, const char *apiname, const char *info,
						    int noconcurrency,
						    int (*preinit)(void *closure, struct afb_api_x3 *api),
						    void *closure)
{
	return api->itf->api_new_api(api, apiname, info, noconcurrency, preinit, closure);
}

/* Replaces the static verb array (kept, not copied). Unsealed apis only. 0 or -1. */
static inline int afb_api_x3_set_verbs_v2(struct afb_api_x3 *api, const struct afb_verb_v2 *verbs)
{
	return api->itf->api_set_verbs_v2(api, verbs);
}

static inline int afb_api_x3_set_verbs_v3(struct afb_api_x3 *api, const struct afb_verb_v3 *verbs)
{
	return api->itf->api_set_verbs_v3(api, verbs);
}

/* Adds a verb ('verb' and 'info' copied; 'glob': the name is a '*' pattern). Unsealed apis only. 0 or -1. */
static inline int afb_api_x3_add_verb(struct afb_api_x3 *api, const char *verb, const char *info,
				      void (*callback)(struct afb_req_x2 *req), void *vcbdata,
				      const struct afb_auth *auth, uint32_t session, int glob)
{
	return api->itf->api_add_verb(api, verb, info, callback, vcbdata, auth, session, glob);
}

/* Removes a verb added by afb_api_add_verb; *vcbdata gets its vcbdata. Unsealed apis only. 0 or -1. */
static inline int afb_api_x3_del_verb(struct afb_api_x3 *api, const char *verb, void **vcbdata)
{
	return api->itf->api_del_verb(api, verb, vcbdata);
}

/* The handler of the events no pattern handler takes. 0 or -1. */
static inline int afb_api_x3_on_event(struct afb_api_x3 *api,
				      void (*onevent)(struct afb_api_x3 *api, const char *event,
						      struct json_object *object))
{
	return api->itf->api_set_on_event(api, onevent);
}

/* The function called when the api starts (preinit only). 0 or -1. */
static inline int afb_api_x3_on_init(struct afb_api_x3 *api, int (*oninit)(struct afb_api_x3 *api))
{
	return api->itf->api_set_on_init(api, oninit);
}

/* No more verb changes, no deletion. */
static inline void afb_api_x3_seal(struct afb_api_x3 *api)
{
	api->itf->api_seal(api);
}

/*
 * Events whose full name ("api/event") matches 'pattern' ('*' matches
 * any run of characters; case ignored) go to callback(closure, event,
 * object, api): an exact pattern first, else the closest one. 0 or -1.
 */
static inline int afb_api_x3_event_handler_add(struct afb_api_x3 *api, const char *pattern,
					       void (*callback)(void *closure, const char *event,
								struct json_object *object, struct afb_api_x3 *api),
					       void *closure)
{
	return api->itf->event_handler_add(api, pattern, callback, closure);
}

static inline int afb_api_x3_event_handler_del(struct afb_api_x3 *api, const char *pattern, void **closure)
{
	return api->itf->event_handler_del(api, pattern, closure);
}

/*
 * Calls apiname/verb in the session of the apis ('args' consumed). The
 * callback gets 'object' (borrowed), 'error' (NULL on success) and
 * 'info'. Events the callee subscribes to reach this api's handlers.
 */
static inline void afb_api_x3_call(struct afb_api_x3 *api, const char *apiname, const char *verb,
				   struct json_object *args,
				   void (*callback)(void *closure, struct json_object *object, const char *error,
						    const char *info, struct afb_api_x3 *api),
				   void *closure)
{
	api->itf->call(api, apiname, verb, args, callback, closure);
}

/*
 * Synchronous: 0 on success, -1 on error. *object (owned), *error and
 * *info (malloc'ed, or NULL) are for the caller; each pointer may be NULL.
 */
static inline int afb_api_x3_call_sync(struct afb_api_x3 *api, const char *apiname, const char *verb,
				       struct json_object *args, struct json_object **object,
				       char **error, char **info)
{
	return api->itf->call_sync(api, apiname, verb, args, object, error, info);
}

/* Space-separated classes: apis requiring one start after the apis providing it. 0 or -1. */
static inline int afb_api_x3_provide_class(struct afb_api_x3 *api, const char *name)
{
	return api->itf->class_provide(api, name);
}

static inline int afb_api_x3_require_class(struct afb_api_x3 *api, const char *name)
{
	return api->itf->class_require(api, name);
}

/* Deletes an unsealed api. 0 or -1. */
static inline int afb_api_x3_delete_api(struct afb_api_x3 *api)
{
	return api->itf->delete_api(api);
}

/* The settings of the api (--set API/KEY:VALUE, --config), borrowed; "binding-path" included. */
static inline struct json_object *afb_api_x3_settings(struct afb_api_x3 *api)
{
	return api->itf->settings(api);
}
