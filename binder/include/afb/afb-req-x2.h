/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The request functions of binding API v3 (struct afb_req_x2 *, the
 * type afb_req_t). Included by afb-binding.h when AFB_BINDING_VERSION is
 * 3, which also names them without the "_x2" (afb_req_reply...).
 */
#pragma once

#include <stdarg.h>
#include "afb-verbosity.h"
#include "afb-req-x2-itf.h"
#include "afb-api-x3-itf.h"

static inline int afb_req_x2_is_valid(struct afb_req_x2 *req)
{
	return req != 0;
}

/* The api serving the request. */
static inline struct afb_api_x3 *afb_req_x2_get_api(struct afb_req_x2 *req)
{
	return req->api;
}

/* The 'vcbdata' of the verb (afb_verb_v3.vcbdata or afb_api_add_verb). */
static inline void *afb_req_x2_get_vcbdata(struct afb_req_x2 *req)
{
	return req->vcbdata;
}

/* The api and verb names as the caller wrote them (an alias, a name matching a glob verb). */
static inline const char *afb_req_x2_get_called_api(struct afb_req_x2 *req)
{
	return req->called_api;
}

static inline const char *afb_req_x2_get_called_verb(struct afb_req_x2 *req)
{
	return req->called_verb;
}

/* True when messages of syslog 'level' are logged for the api of the request. */
static inline int afb_req_x2_wants_log_level(struct afb_req_x2 *req, int level)
{
	return AFB_SYSLOG_MASK_WANT(req->api->logmask, level);
}

/* The argument 'name' (all fields NULL when absent). */
static inline struct afb_arg afb_req_x2_get(struct afb_req_x2 *req, const char *name)
{
	return req->itf->get(req, name);
}

static inline const char *afb_req_x2_value(struct afb_req_x2 *req, const char *name)
{
	return afb_req_x2_get(req, name).value;
}

static inline const char *afb_req_x2_path(struct afb_req_x2 *req, const char *name)
{
	return afb_req_x2_get(req, name).path;
}

/* The arguments as one object, borrowed from the request. */
static inline struct json_object *afb_req_x2_json(struct afb_req_x2 *req)
{
	return req->itf->json(req);
}

/*
 * Replies once: 'error' NULL is a success, else the error status. 'obj'
 * (may be NULL) is consumed, 'info' (may be NULL) is copied. A second
 * reply is refused and logged.
 */
static inline void afb_req_x2_reply(struct afb_req_x2 *req, struct json_object *obj, const char *error,
				    const char *info)
{
	req->itf->reply(req, obj, error, info);
}

static inline void afb_req_x2_reply_v(struct afb_req_x2 *req, struct json_object *obj, const char *error,
				      const char *info, va_list args)
{
	req->itf->vreply(req, obj, error, info, args);
}

static inline void afb_req_x2_reply_f(struct afb_req_x2 *req, struct json_object *obj, const char *error,
				      const char *info, ...) __attribute__((format(printf, 4, 5)));
static inline void afb_req_x2_reply_f(struct afb_req_x2 *req, struct json_object *obj, const char *error,
				      const char *info, ...)
{
	va_list args;
	va_start(args, info);
	afb_req_x2_reply_v(req, obj, error, info, args);
	va_end(args);
}

/*
 * The context of the api in the session of the request (one value per
 * session and api), atomically:
 *  - nothing stored: stores create_value(closure) (or 'closure' when
 *    create_value is NULL) with 'free_value', and returns it;
 *  - a value stored, 'replace' 0: returns it;
 *  - a value stored, 'replace' 1: stores the new value as above (the old
 *    one is freed with its free function when different) and returns it;
 *    a NULL value with a NULL free_value removes the entry.
 */
static inline void *afb_req_x2_context(struct afb_req_x2 *req, int replace,
				       void *(*create_value)(void *closure), void (*free_value)(void*),
				       void *closure)
{
	return req->itf->context_make(req, replace, create_value, free_value, closure);
}

static inline void *afb_req_x2_context_get(struct afb_req_x2 *req)
{
	return afb_req_x2_context(req, 0, 0, 0, 0);
}

static inline void afb_req_x2_context_set(struct afb_req_x2 *req, void *context, void (*free_context)(void*))
{
	afb_req_x2_context(req, 1, 0, free_context, context);
}

static inline void afb_req_x2_context_clear(struct afb_req_x2 *req)
{
	afb_req_x2_context(req, 1, 0, 0, 0);
}

/* A verb replying after it returned keeps the request with addref, then unrefs after the reply. */
static inline struct afb_req_x2 *afb_req_x2_addref(struct afb_req_x2 *req)
{
	return req->itf->addref(req);
}

static inline void afb_req_x2_unref(struct afb_req_x2 *req)
{
	req->itf->unref(req);
}

/* At the end of the request, the LOA of the api is reset to 0 and its context freed. */
static inline void afb_req_x2_session_close(struct afb_req_x2 *req)
{
	req->itf->session_close(req);
}

/* Sets the LOA (0..7) of the api for the session (valid token needed). 0, or -1 if refused. */
static inline int afb_req_x2_session_set_LOA(struct afb_req_x2 *req, unsigned level)
{
	return req->itf->session_set_LOA(req, level);
}

/* Subscribes the requester to 'event'. 0, or -1 (no listener, already replied...). */
static inline int afb_req_x2_subscribe(struct afb_req_x2 *req, struct afb_event_x2 *event)
{
	return req->itf->subscribe_event_x2(req, event);
}

static inline int afb_req_x2_unsubscribe(struct afb_req_x2 *req, struct afb_event_x2 *event)
{
	return req->itf->unsubscribe_event_x2(req, event);
}

/*
 * The subcalls of v2 (on behalf of the client, its events passed to it):
 * the callback gets status 0 or -1 and the reply envelope, borrowed.
 */
static inline void afb_req_x2_subcall_legacy(struct afb_req_x2 *req, const char *api, const char *verb,
					     struct json_object *args,
					     void (*callback)(void *closure, int iserror, struct json_object *result,
							      struct afb_req_x2 *req),
					     void *closure)
{
	req->itf->legacy_subcall_request(req, api, verb, args, callback, closure);
}

static inline void afb_req_x2_subcall_req(struct afb_req_x2 *req, const char *api, const char *verb,
					  struct json_object *args,
					  void (*callback)(void *closure, int iserror, struct json_object *result,
							   struct afb_req_x2 *req),
					  void *closure)
{
	req->itf->legacy_subcall_request(req, api, verb, args, callback, closure);
}

static inline int afb_req_x2_subcall_sync_legacy(struct afb_req_x2 *req, const char *api, const char *verb,
						 struct json_object *args, struct json_object **result)
{
	return req->itf->legacy_subcallsync(req, api, verb, args, result);
}

static inline void afb_req_x2_vverbose(struct afb_req_x2 *req, int level, const char *file, int line,
				       const char *func, const char *fmt, va_list args)
{
	req->itf->vverbose(req, level, file, line, func, fmt, args);
}

static inline void afb_req_x2_verbose(struct afb_req_x2 *req, int level, const char *file, int line,
				      const char *func, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static inline void afb_req_x2_verbose(struct afb_req_x2 *req, int level, const char *file, int line,
				      const char *func, const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	afb_req_x2_vverbose(req, level, file, line, func, fmt, args);
	va_end(args);
}

/* 1 when the client of the request has 'permission', else 0. */
static inline int afb_req_x2_has_permission(struct afb_req_x2 *req, const char *permission)
{
	return req->itf->has_permission(req, permission);
}

/* The application id of the client (malloc'ed, free it) or NULL. */
static inline char *afb_req_x2_get_application_id(struct afb_req_x2 *req)
{
	return req->itf->get_application_id(req);
}

/* The uid of the client, or -1 when unknown. */
static inline int afb_req_x2_get_uid(struct afb_req_x2 *req)
{
	return req->itf->get_uid(req);
}

/* A new object (owned by the caller): uid, gid, pid, user, label, id, uuid, LOA. */
static inline struct json_object *afb_req_x2_get_client_info(struct afb_req_x2 *req)
{
	return req->itf->get_client_info(req);
}

/*
 * Calls api/verb as a child of 'req' ('args' consumed), with the
 * afb_req_subcall_* 'flags'. The callback gets the reply: 'object'
 * borrowed, 'error' NULL on success, and 'req', kept alive until then.
 */
static inline void afb_req_x2_subcall(struct afb_req_x2 *req, const char *api, const char *verb,
				      struct json_object *args, int flags,
				      void (*callback)(void *closure, struct json_object *object, const char *error,
						       const char *info, struct afb_req_x2 *req),
				      void *closure)
{
	req->itf->subcall(req, api, verb, args, flags, callback, closure);
}

/*
 * Synchronous: 0 on success, -1 on error. *object (owned), *error and
 * *info (malloc'ed, or NULL) are for the caller; each pointer may be NULL.
 */
static inline int afb_req_x2_subcall_sync(struct afb_req_x2 *req, const char *api, const char *verb,
					  struct json_object *args, int flags, struct json_object **object,
					  char **error, char **info)
{
	return req->itf->subcallsync(req, api, verb, args, flags, object, error, info);
}
