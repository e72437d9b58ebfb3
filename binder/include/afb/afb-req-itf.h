/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Requests of binding API v1.  A verb receives a 'struct afb_req' by
 * value; it must reply exactly once (afb_req_success* or afb_req_fail*).
 * A verb that replies after it returns must afb_req_addref() before
 * returning and afb_req_unref() after replying.
 *
 * Binary compatibility both ways with the 2017 binder: the inline
 * functions below use only the 20 slots of the 2017 table, so a binding
 * compiled with this header also runs there; slots this daemon adds
 * come after them and are for the daemon's own use.
 */
#pragma once

#include <stdarg.h>
#include <stdlib.h>
#include "afb-arg.h"
#include "afb-event-itf.h"

struct json_object;
struct afb_stored_req;


struct afb_req;

struct afb_req_itf {
	/* ABI order: do not change, only append */
	struct json_object *(*json)(void *closure);
	struct afb_arg (*get)(void *closure, const char *name);
	void (*success)(void *closure, struct json_object *obj, const char *info);
	void (*fail)(void *closure, const char *status, const char *info);
	void (*vsuccess)(void *closure, struct json_object *obj, const char *fmt, va_list args);
	void (*vfail)(void *closure, const char *status, const char *fmt, va_list args);
	void *(*context_get)(void *closure);
	void (*context_set)(void *closure, void *value, void (*free_value)(void*));
	void (*addref)(void *closure);
	void (*unref)(void *closure);
	void (*session_close)(void *closure);
	int (*session_set_LOA)(void *closure, unsigned level);
	int (*subscribe)(void *closure, struct afb_event event);
	int (*unsubscribe)(void *closure, struct afb_event event);
	void (*subcall)(void *closure, const char *api, const char *verb, struct json_object *args,
			void (*callback)(void *closure, int status, struct json_object *result), void *cb_closure);
	int (*subcallsync)(void *closure, const char *api, const char *verb, struct json_object *args,
			struct json_object **result);
	void (*vverbose)(void *closure, int level, const char *file, int line, const char *func,
			const char *fmt, va_list args);
	struct afb_stored_req *(*store)(void *closure);
	void (*subcall_req)(void *closure, const char *api, const char *verb, struct json_object *args,
			void (*callback)(void *closure, int status, struct json_object *result, struct afb_req req),
			void *cb_closure);
	int (*has_permission)(void *closure, const char *permission);
	/*
	 * Appended by this daemon (slot 20): atomic get-or-create of the
	 * context. Absent from the 2017 table: the inline functions never
	 * call it (bindings compiled with an earlier header of this daemon did).
	 */
	void *(*context_make)(void *closure, void *(*create)(void *closure), void (*free_value)(void*),
			void *create_closure);
};

struct afb_req {
	const struct afb_req_itf *itf;	/* the interfacing functions */
	void *closure;			/* the closure for functions */
};

static inline int afb_req_is_valid(struct afb_req req)
{
	return req.itf != 0;
}

/*
 * Gets the argument 'name'.  The special name "" holds the raw body of an
 * HTTP POST whose Content-Type is application/json.
 */
static inline struct afb_arg afb_req_get(struct afb_req req, const char *name)
{
	return req.itf->get(req.closure, name);
}

/* Shortcut for afb_req_get(req, name).value */
static inline const char *afb_req_value(struct afb_req req, const char *name)
{
	return afb_req_get(req, name).value;
}

/* Shortcut for afb_req_get(req, name).path */
static inline const char *afb_req_path(struct afb_req req, const char *name)
{
	return afb_req_get(req, name).path;
}

/* The arguments as one object, borrowed from the request: do not put it. */
static inline struct json_object *afb_req_json(struct afb_req req)
{
	return req.itf->json(req.closure);
}

/* Replies success with 'obj' (consumed, may be NULL) and 'info' (copied, may be NULL). */
static inline void afb_req_success(struct afb_req req, struct json_object *obj, const char *info)
{
	req.itf->success(req.closure, obj, info);
}

static inline void afb_req_success_v(struct afb_req req, struct json_object *obj, const char *info, va_list args)
{
	req.itf->vsuccess(req.closure, obj, info, args);
}

static inline void afb_req_success_f(struct afb_req req, struct json_object *obj, const char *info, ...)
	__attribute__((format(printf, 3, 4)));
static inline void afb_req_success_f(struct afb_req req, struct json_object *obj, const char *info, ...)
{
	va_list args;
	va_start(args, info);
	afb_req_success_v(req, obj, info, args);
	va_end(args);
}

/* Replies a failure of 'status' (never "success") with 'info' (may be NULL). */
static inline void afb_req_fail(struct afb_req req, const char *status, const char *info)
{
	req.itf->fail(req.closure, status, info);
}

static inline void afb_req_fail_v(struct afb_req req, const char *status, const char *info, va_list args)
{
	req.itf->vfail(req.closure, status, info, args);
}

static inline void afb_req_fail_f(struct afb_req req, const char *status, const char *info, ...)
	__attribute__((format(printf, 3, 4)));
static inline void afb_req_fail_f(struct afb_req req, const char *status, const char *info, ...)
{
	va_list args;
	va_start(args, info);
	afb_req_fail_v(req, status, info, args);
	va_end(args);
}

/* The context of the binding for the session of 'req', or NULL. */
static inline void *afb_req_context_get(struct afb_req req)
{
	return req.itf->context_get(req.closure);
}

/*
 * Stores 'context' for the session of 'req'. 'free_context' is called on
 * the previous value when it is replaced and when the session ends.
 */
static inline void afb_req_context_set(struct afb_req req, void *context, void (*free_context)(void*))
{
	req.itf->context_set(req.closure, context, free_context);
}

/*
 * Gets the context, creating it with 'create_context' and storing it when
 * there is none (the 2017 composition of context_get and context_set).
 * It is not atomic: two requests of one session running at once may both
 * create a context, the second replacing (and freeing) the first. A
 * binding whose requests of one session may run at once creates its
 * context under its own lock, or uses binding API v3 (afb_req_context).
 */
static inline void *afb_req_context(struct afb_req req, void *(*create_context)(), void (*free_context)(void*))
{
	void *result = req.itf->context_get(req.closure);

	if (!result) {
		result = create_context();
		req.itf->context_set(req.closure, result, free_context);
	}
	return result;
}

/* Shortcut for afb_req_context_set(req, NULL, NULL) */
static inline void afb_req_context_clear(struct afb_req req)
{
	afb_req_context_set(req, 0, 0);
}

static inline void afb_req_addref(struct afb_req req)
{
	req.itf->addref(req.closure);
}

static inline void afb_req_unref(struct afb_req req)
{
	req.itf->unref(req.closure);
}

/*
 * Closes the session of the binding: when the request ends, the LOA of
 * this api is reset to 0 and its context is freed.
 */
static inline void afb_req_session_close(struct afb_req req)
{
	req.itf->session_close(req.closure);
}

/* Sets the LOA (0..7) of this api for the session. Returns 1 if done, 0 if refused. */
static inline int afb_req_session_set_LOA(struct afb_req req, unsigned level)
{
	return req.itf->session_set_LOA(req.closure, level);
}

/* Subscribes the client of 'req' to 'event'. Returns 0 or -1 (no listener). */
static inline int afb_req_subscribe(struct afb_req req, struct afb_event event)
{
	return req.itf->subscribe(req.closure, event);
}

static inline int afb_req_unsubscribe(struct afb_req req, struct afb_event event)
{
	return req.itf->unsubscribe(req.closure, event);
}

/*
 * Calls api/verb in the session of 'req'. 'args' is consumed. 'callback'
 * gets status 0 on success or -1 on failure, and the reply envelope
 * (borrowed) as result.
 */
static inline void afb_req_subcall(struct afb_req req, const char *api, const char *verb, struct json_object *args,
		void (*callback)(void *closure, int iserror, struct json_object *result), void *closure)
{
	req.itf->subcall(req.closure, api, verb, args, callback, closure);
}

/* Same as afb_req_subcall, the callback also receiving 'req' (kept alive until then). */
static inline void afb_req_subcall_req(struct afb_req req, const char *api, const char *verb, struct json_object *args,
		void (*callback)(void *closure, int iserror, struct json_object *result, struct afb_req req), void *closure)
{
	req.itf->subcall_req(req.closure, api, verb, args, callback, closure);
}

/*
 * Synchronous subcall. 'args' is consumed. Returns 0 on success, -1 on
 * failure; '*result' receives the reply envelope, owned by the caller.
 */
static inline int afb_req_subcall_sync(struct afb_req req, const char *api, const char *verb, struct json_object *args,
		struct json_object **result)
{
	return req.itf->subcallsync(req.closure, api, verb, args, result);
}

static inline void afb_req_verbose(struct afb_req req, int level, const char *file, int line, const char *func,
		const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static inline void afb_req_verbose(struct afb_req req, int level, const char *file, int line, const char *func,
		const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	req.itf->vverbose(req.closure, level, file, line, func, fmt, args);
	va_end(args);
}

/* 1 when the client of 'req' has 'permission', 0 otherwise. */
static inline int afb_req_has_permission(struct afb_req req, const char *permission)
{
	return req.itf->has_permission(req.closure, permission);
}

/*
 * Keeps 'req' for later: adds a reference and returns a copy to give to
 * afb_req_unstore, which frees the copy and keeps the reference (unref
 * after the reply).
 */
static inline struct afb_stored_req *afb_req_store(struct afb_req req)
{
	return req.itf->store(req.closure);
}

static inline struct afb_req afb_req_unstore(struct afb_stored_req *sreq)
{
	struct afb_req req = *(struct afb_req *)sreq;
	free(sreq);
	return req;
}

#define afb_req_store_v1 afb_req_store
#define afb_req_unstore_v1 afb_req_unstore
