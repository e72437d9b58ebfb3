/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Requests of binding API v2 and v3 (the interface table and the objects).
 *
 * A v3 verb receives 'struct afb_req_x2 *', the daemon's request object;
 * it begins with the public fields below, which the inline functions of
 * the binding read directly. A v2 verb receives the pair
 * 'struct afb_req_x1' by value, whose closure is that same object. Both
 * use one table of 31 slots; slot order is the ABI: never reorder, only
 * append. Slots 0-19 keep the 2017 signatures; 20-30 came with v3.
 *
 * Ownership: objects given to reply, subcall and push are consumed;
 * 'json' returns an object borrowed from the request; objects given to
 * callbacks are borrowed; results of the *sync slots, get_client_info and
 * get_application_id belong to the caller.
 */
#pragma once

#include <stdarg.h>
#include "afb-arg.h"
#include "afb-event-x2-itf.h"

struct json_object;
struct afb_api_x3;
struct afb_req_x2;
struct afb_req_x2_itf;

/* The v2 request, passed by value. */
struct afb_req_x1 {
	const struct afb_req_x2_itf *itf;	/* NULL: not a valid request */
	struct afb_req_x2 *closure;
};

/* The v3 request object (40 bytes of public header). */
struct afb_req_x2 {
	const struct afb_req_x2_itf *itf;
	struct afb_api_x3 *api;		/* the api serving the request */
	void *vcbdata;			/* the 'vcbdata' of the verb */
	const char *called_api;		/* the api name as the caller wrote it (maybe an alias) */
	const char *called_verb;	/* the verb name as the caller wrote it */
};

/* Flags of the v3 subcalls (they combine). */
enum afb_req_x2_subcall_flags {
	/* events the callee subscribes to go to the calling api's handlers */
	afb_req_x2_subcall_catch_events = 1,
	/* events the callee subscribes to go to the client of the request */
	afb_req_x2_subcall_pass_events = 2,
	/* the callee sees the credentials of the request's client */
	afb_req_x2_subcall_on_behalf = 4,
	/* the callee runs in the calling api's session, not the request's */
	afb_req_x2_subcall_api_session = 8
};

struct afb_req_x2_itf {
	/* 0 */ struct json_object *(*json)(struct afb_req_x2 *req);
	/* 1 */ struct afb_arg (*get)(struct afb_req_x2 *req, const char *name);
	/* 2 */ void (*legacy_success)(struct afb_req_x2 *req, struct json_object *obj, const char *info);
	/* 3 */ void (*legacy_fail)(struct afb_req_x2 *req, const char *status, const char *info);
	/* 4 */ void (*legacy_vsuccess)(struct afb_req_x2 *req, struct json_object *obj, const char *fmt, va_list args);
	/* 5 */ void (*legacy_vfail)(struct afb_req_x2 *req, const char *status, const char *fmt, va_list args);
	/* 6 */ void *(*legacy_context_get)(struct afb_req_x2 *req);
	/* 7 */ void (*legacy_context_set)(struct afb_req_x2 *req, void *value, void (*free_value)(void*));
	/* 8 */ struct afb_req_x2 *(*addref)(struct afb_req_x2 *req);
	/* 9 */ void (*unref)(struct afb_req_x2 *req);
	/* 10 */ void (*session_close)(struct afb_req_x2 *req);
	/* 11: 0 on success, -1 on failure */
	/* 11 */ int (*session_set_LOA)(struct afb_req_x2 *req, unsigned level);
	/* 12 */ int (*legacy_subscribe_event_x1)(struct afb_req_x2 *req, struct afb_event_x1 event);
	/* 13 */ int (*legacy_unsubscribe_event_x1)(struct afb_req_x2 *req, struct afb_event_x1 event);
	/* 14 */ void (*legacy_subcall)(struct afb_req_x2 *req, const char *api, const char *verb,
			struct json_object *args,
			void (*callback)(void *closure, int status, struct json_object *result),
			void *closure);
	/* 15 */ int (*legacy_subcallsync)(struct afb_req_x2 *req, const char *api, const char *verb,
			struct json_object *args, struct json_object **result);
	/* 16 */ void (*vverbose)(struct afb_req_x2 *req, int level, const char *file, int line,
			const char *func, const char *fmt, va_list args);
	/* 17 */ struct afb_req_x2 *(*legacy_store_req)(struct afb_req_x2 *req);
	/* 18 */ void (*legacy_subcall_req)(struct afb_req_x2 *req, const char *api, const char *verb,
			struct json_object *args,
			void (*callback)(void *closure, int status, struct json_object *result,
					 struct afb_req_x1 req),
			void *closure);
	/* 19 */ int (*has_permission)(struct afb_req_x2 *req, const char *permission);
	/* 20 */ char *(*get_application_id)(struct afb_req_x2 *req);
	/* 21 */ void *(*context_make)(struct afb_req_x2 *req, int replace,
			void *(*create_value)(void *creation_closure), void (*free_value)(void*),
			void *creation_closure);
	/* 22 */ int (*subscribe_event_x2)(struct afb_req_x2 *req, struct afb_event_x2 *event);
	/* 23 */ int (*unsubscribe_event_x2)(struct afb_req_x2 *req, struct afb_event_x2 *event);
	/* 24 */ void (*legacy_subcall_request)(struct afb_req_x2 *req, const char *api, const char *verb,
			struct json_object *args,
			void (*callback)(void *closure, int status, struct json_object *result,
					 struct afb_req_x2 *req),
			void *closure);
	/* 25 */ int (*get_uid)(struct afb_req_x2 *req);
	/* 26 */ void (*reply)(struct afb_req_x2 *req, struct json_object *obj, const char *error,
			const char *info);
	/* 27 */ void (*vreply)(struct afb_req_x2 *req, struct json_object *obj, const char *error,
			const char *fmt, va_list args);
	/* 28 */ struct json_object *(*get_client_info)(struct afb_req_x2 *req);
	/* 29 */ void (*subcall)(struct afb_req_x2 *req, const char *api, const char *verb,
			struct json_object *args, int flags,
			void (*callback)(void *closure, struct json_object *object, const char *error,
					 const char *info, struct afb_req_x2 *req),
			void *closure);
	/* 30 */ int (*subcallsync)(struct afb_req_x2 *req, const char *api, const char *verb,
			struct json_object *args, int flags, struct json_object **object,
			char **error, char **info);
};
