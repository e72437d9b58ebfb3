/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The request functions of binding API v2 (struct afb_req_x1, by value).
 * Included by afb-binding.h when AFB_BINDING_VERSION is 2, which also
 * names them without the "_x1" (afb_req_success, afb_req_json...).
 */
#pragma once

#include <stdarg.h>
#include "afb-req-x2-itf.h"

static inline int afb_req_x1_is_valid(struct afb_req_x1 req)
{
	return req.itf != 0;
}

/* The argument 'name' (all fields NULL when absent). */
static inline struct afb_arg afb_req_x1_get(struct afb_req_x1 req, const char *name)
{
	return req.itf->get(req.closure, name);
}

static inline const char *afb_req_x1_value(struct afb_req_x1 req, const char *name)
{
	return afb_req_x1_get(req, name).value;
}

static inline const char *afb_req_x1_path(struct afb_req_x1 req, const char *name)
{
	return afb_req_x1_get(req, name).path;
}

/* The arguments as one object, borrowed from the request. */
static inline struct json_object *afb_req_x1_json(struct afb_req_x1 req)
{
	return req.itf->json(req.closure);
}

/* Replies once: 'error' NULL is a success; 'obj' is consumed; 'info' copied. */
static inline void afb_req_x1_reply(struct afb_req_x1 req, struct json_object *obj, const char *error,
				    const char *info)
{
	req.itf->reply(req.closure, obj, error, info);
}

static inline void afb_req_x1_reply_v(struct afb_req_x1 req, struct json_object *obj, const char *error,
				      const char *info, va_list args)
{
	req.itf->vreply(req.closure, obj, error, info, args);
}

static inline void afb_req_x1_reply_f(struct afb_req_x1 req, struct json_object *obj, const char *error,
				      const char *info, ...) __attribute__((format(printf, 4, 5)));
static inline void afb_req_x1_reply_f(struct afb_req_x1 req, struct json_object *obj, const char *error,
				      const char *info, ...)
{
	va_list args;
	va_start(args, info);
	afb_req_x1_reply_v(req, obj, error, info, args);
	va_end(args);
}

/*
 * The context of the api in the session of the request: one value per
 * (session, api), freed with its 'free_value' when replaced, cleared or
 * when the session ends. context_make is atomic: with 'replace' 0 it
 * returns the stored value, or stores create_value(closure) (or 'closure'
 * when create_value is NULL) and returns it.
 */
static inline void *afb_req_x1_context_make(struct afb_req_x1 req, int replace,
					    void *(*create_value)(void *closure), void (*free_value)(void*),
					    void *closure)
{
	return req.itf->context_make(req.closure, replace, create_value, free_value, closure);
}

static inline void *afb_req_x1_context_get(struct afb_req_x1 req)
{
	return afb_req_x1_context_make(req, 0, 0, 0, 0);
}

static inline void afb_req_x1_context_set(struct afb_req_x1 req, void *context, void (*free_context)(void*))
{
	afb_req_x1_context_make(req, 1, 0, free_context, context);
}

static inline void *afb_req_x1__context_create_(void *create_context)
{
	return ((void *(*)(void))create_context)();
}

/* Gets the context, creating it with create_context() when there is none. */
static inline void *afb_req_x1_context(struct afb_req_x1 req, void *(*create_context)(), void (*free_context)(void*))
{
	return afb_req_x1_context_make(req, 0, afb_req_x1__context_create_, free_context, (void*)create_context);
}

static inline void afb_req_x1_context_clear(struct afb_req_x1 req)
{
	afb_req_x1_context_make(req, 1, 0, 0, 0);
}

/* A verb replying after it returned keeps the request with addref, then unrefs after the reply. */
static inline void afb_req_x1_addref(struct afb_req_x1 req)
{
	req.itf->addref(req.closure);
}

static inline void afb_req_x1_unref(struct afb_req_x1 req)
{
	req.itf->unref(req.closure);
}

/* At the end of the request, the LOA of the api is reset to 0 and its context freed. */
static inline void afb_req_x1_session_close(struct afb_req_x1 req)
{
	req.itf->session_close(req.closure);
}

/* Sets the LOA (0..7) of the api for the session (valid token needed). 1 if done, 0 if refused. */
static inline int afb_req_x1_session_set_LOA(struct afb_req_x1 req, unsigned level)
{
	return 1 + req.itf->session_set_LOA(req.closure, level);
}

/* Subscribes the client of the request to 'event'. 0, or -1 (no listener, replied...). */
static inline int afb_req_x1_subscribe(struct afb_req_x1 req, struct afb_event_x1 event)
{
	return req.itf->legacy_subscribe_event_x1(req.closure, event);
}

static inline int afb_req_x1_unsubscribe(struct afb_req_x1 req, struct afb_event_x1 event)
{
	return req.itf->legacy_unsubscribe_event_x1(req.closure, event);
}

/*
 * Calls api/verb in the session and on behalf of the client of 'req';
 * 'args' is consumed. 'callback' gets status 0 or -1 and the reply
 * envelope {"jtype":"afb-reply","request":{"status","info"},"response"},
 * borrowed.
 */
static inline void afb_req_x1_subcall(struct afb_req_x1 req, const char *api, const char *verb,
				      struct json_object *args,
				      void (*callback)(void *closure, int iserror, struct json_object *result),
				      void *closure)
{
	req.itf->legacy_subcall(req.closure, api, verb, args, callback, closure);
}

/* The same; the callback also gets 'req', kept alive until then. */
static inline void afb_req_x1_subcall_req(struct afb_req_x1 req, const char *api, const char *verb,
					  struct json_object *args,
					  void (*callback)(void *closure, int iserror, struct json_object *result,
							   struct afb_req_x1 req),
					  void *closure)
{
	req.itf->legacy_subcall_req(req.closure, api, verb, args, callback, closure);
}

/* Synchronous: 0 or -1; *result gets the envelope, owned by the caller. */
static inline int afb_req_x1_subcall_sync(struct afb_req_x1 req, const char *api, const char *verb,
					  struct json_object *args, struct json_object **result)
{
	return req.itf->legacy_subcallsync(req.closure, api, verb, args, result);
}

static inline void afb_req_x1_verbose(struct afb_req_x1 req, int level, const char *file, int line,
				      const char *func, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static inline void afb_req_x1_verbose(struct afb_req_x1 req, int level, const char *file, int line,
				      const char *func, const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	req.itf->vverbose(req.closure, level, file, line, func, fmt, args);
	va_end(args);
}

/* Keeps the request (one reference) as a handle for afb_daemon_unstore_req. */
static inline struct afb_req_x2 *afb_req_x1_store_v2(struct afb_req_x1 req)
{
	return req.itf->legacy_store_req(req.closure);
}

/* 1 when the client of the request has 'permission', else 0. */
static inline int afb_req_x1_has_permission(struct afb_req_x1 req, const char *permission)
{
	return req.itf->has_permission(req.closure, permission);
}

/* The application id of the client (malloc'ed, free it) or NULL. */
static inline char *afb_req_x1_get_application_id(struct afb_req_x1 req)
{
	return req.itf->get_application_id(req.closure);
}

/* The uid of the client, or -1 when unknown. */
static inline int afb_req_x1_get_uid(struct afb_req_x1 req)
{
	return req.itf->get_uid(req.closure);
}

/* A new object (owned by the caller): uid, gid, pid, user, label, id, uuid, LOA. */
static inline struct json_object *afb_req_x1_get_client_info(struct afb_req_x1 req)
{
	return req.itf->get_client_info(req.closure);
}
