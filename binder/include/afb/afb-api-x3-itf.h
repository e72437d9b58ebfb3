/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Apis of binding API v3 (the interface table and the object).
 *
 * A v3 binding receives 'struct afb_api_x3 *', the daemon's api object;
 * it begins with the public fields below, read and written directly by
 * the inline functions of the binding. The table has 29 slots; slot order
 * is the ABI: never reorder, only append. Every slot takes the api first.
 */
#pragma once

#include <stdarg.h>
#include <stdint.h>
#include "afb-event-x2-itf.h"
#include "afb-req-x2-itf.h"

struct json_object;
struct sd_event;
struct sd_bus;
struct afb_auth;
struct afb_verb_v2;
struct afb_verb_v3;
struct afb_api_x3_itf;

/* 32 bytes of public header. */
struct afb_api_x3 {
	const struct afb_api_x3_itf *itf;
	const char *apiname;	/* the name of the api */
	void *userdata;		/* free for the binding (afb_api_get/set_userdata) */
	int logmask;		/* bit L set: syslog level L is logged; the daemon may change it */
};

struct afb_api_x3_itf {
	/* 0 */ void (*vverbose)(struct afb_api_x3 *api, int level, const char *file, int line,
			const char *function, const char *fmt, va_list args);
	/* 1 */ struct sd_event *(*get_event_loop)(struct afb_api_x3 *api);
	/* 2 */ struct sd_bus *(*get_user_bus)(struct afb_api_x3 *api);
	/* 3 */ struct sd_bus *(*get_system_bus)(struct afb_api_x3 *api);
	/* 4 */ int (*rootdir_get_fd)(struct afb_api_x3 *api);
	/* 5 */ int (*rootdir_open_locale)(struct afb_api_x3 *api, const char *filename, int flags,
			const char *locale);
	/* 6 */ int (*queue_job)(struct afb_api_x3 *api, void (*callback)(int signum, void *arg),
			void *argument, void *group, int timeout);
	/* 7 */ int (*require_api)(struct afb_api_x3 *api, const char *name, int initialized);
	/* 8 */ int (*add_alias)(struct afb_api_x3 *api, const char *name, const char *as_name);
	/* 9 */ int (*event_broadcast)(struct afb_api_x3 *api, const char *name, struct json_object *object);
	/* 10 */ struct afb_event_x2 *(*event_make)(struct afb_api_x3 *api, const char *name);
	/* 11 */ void (*legacy_call)(struct afb_api_x3 *api, const char *apiname, const char *verb,
			struct json_object *args,
			void (*callback)(void *closure, int status, struct json_object *result,
					 struct afb_api_x3 *api),
			void *closure);
	/* 12 */ int (*legacy_call_sync)(struct afb_api_x3 *api, const char *apiname, const char *verb,
			struct json_object *args, struct json_object **result);
	/* 13 */ struct afb_api_x3 *(*api_new_api)(struct afb_api_x3 *api, const char *apiname,
			const char *info, int noconcurrency,
			int (*preinit)(void *closure, struct afb_api_x3 *api), void *closure);
	/* 14 */ int (*api_set_verbs_v2)(struct afb_api_x3 *api, const struct afb_verb_v2 *verbs);
	/* 15 */ int (*api_add_verb)(struct afb_api_x3 *api, const char *verb, const char *info,
			void (*callback)(struct afb_req_x2 *req), void *vcbdata,
			const struct afb_auth *auth, uint32_t session, int glob);
	/* 16 */ int (*api_del_verb)(struct afb_api_x3 *api, const char *verb, void **vcbdata);
	/* 17 */ int (*api_set_on_event)(struct afb_api_x3 *api,
			void (*onevent)(struct afb_api_x3 *api, const char *event, struct json_object *object));
	/* 18 */ int (*api_set_on_init)(struct afb_api_x3 *api, int (*oninit)(struct afb_api_x3 *api));
	/* 19 */ void (*api_seal)(struct afb_api_x3 *api);
	/* 20 */ int (*api_set_verbs_v3)(struct afb_api_x3 *api, const struct afb_verb_v3 *verbs);
	/* 21 */ int (*event_handler_add)(struct afb_api_x3 *api, const char *pattern,
			void (*callback)(void *closure, const char *event, struct json_object *object,
					 struct afb_api_x3 *api),
			void *closure);
	/* 22 */ int (*event_handler_del)(struct afb_api_x3 *api, const char *pattern, void **closure);
	/* 23 */ void (*call)(struct afb_api_x3 *api, const char *apiname, const char *verb,
			struct json_object *args,
			void (*callback)(void *closure, struct json_object *object, const char *error,
					 const char *info, struct afb_api_x3 *api),
			void *closure);
	/* 24 */ int (*call_sync)(struct afb_api_x3 *api, const char *apiname, const char *verb,
			struct json_object *args, struct json_object **object, char **error, char **info);
	/* 25 */ int (*class_provide)(struct afb_api_x3 *api, const char *name);
	/* 26 */ int (*class_require)(struct afb_api_x3 *api, const char *name);
	/* 27 */ int (*delete_api)(struct afb_api_x3 *api);
	/* 28 */ struct json_object *(*settings)(struct afb_api_x3 *api);
};
