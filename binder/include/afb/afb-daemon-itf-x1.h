/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The daemon and service tables of binding API v2, reached by a v2
 * binding through its variable afbBindingV2data (filled by the daemon
 * before any binding code runs). The closure of both is the daemon's
 * api object of the binding. Slot order is the ABI: only append.
 *
 * Slot 12 is add_alias, as in the 2021 headers: a 2017-compiled v2 binary
 * calling afb_daemon_rename_api() reaches it with a garbage 'as_name'
 * (see docs/writing-bindings.md, "v2 conventions").
 */
#pragma once

#include <stdarg.h>
#include "afb-event-x2-itf.h"
#include "afb-req-x2-itf.h"

struct json_object;
struct sd_event;
struct sd_bus;
struct afb_api_x3;

struct afb_daemon_itf_x1 {
	/* 0 */ int (*event_broadcast)(struct afb_api_x3 *closure, const char *name, struct json_object *object);
	/* 1 */ struct sd_event *(*get_event_loop)(struct afb_api_x3 *closure);
	/* 2 */ struct sd_bus *(*get_user_bus)(struct afb_api_x3 *closure);
	/* 3 */ struct sd_bus *(*get_system_bus)(struct afb_api_x3 *closure);
	/* 4 */ void (*vverbose_v1)(struct afb_api_x3 *closure, int level, const char *file, int line,
			const char *fmt, va_list args);
	/* 5 */ struct afb_event_x1 (*event_make)(struct afb_api_x3 *closure, const char *name);
	/* 6 */ int (*rootdir_get_fd)(struct afb_api_x3 *closure);
	/* 7 */ int (*rootdir_open_locale)(struct afb_api_x3 *closure, const char *filename, int flags,
			const char *locale);
	/* 8 */ int (*queue_job)(struct afb_api_x3 *closure, void (*callback)(int signum, void *arg),
			void *argument, void *group, int timeout);
	/* 9 */ void (*vverbose_v2)(struct afb_api_x3 *closure, int level, const char *file, int line,
			const char *func, const char *fmt, va_list args);
	/* 10 */ struct afb_req_x1 (*unstore_req)(struct afb_api_x3 *closure, struct afb_req_x2 *sreq);
	/* 11 */ int (*require_api)(struct afb_api_x3 *closure, const char *name, int initialized);
	/* 12 */ int (*add_alias)(struct afb_api_x3 *closure, const char *name, const char *as_name);
	/* 13 */ struct afb_api_x3 *(*new_api)(struct afb_api_x3 *closure, const char *api, const char *info,
			int noconcurrency, int (*preinit)(void *closure, struct afb_api_x3 *api),
			void *preinit_closure);
};

struct afb_daemon_x1 {
	const struct afb_daemon_itf_x1 *itf;
	struct afb_api_x3 *closure;
};

struct afb_service_itf_x1 {
	/* 0 */ void (*call)(struct afb_api_x3 *closure, const char *api, const char *verb,
			struct json_object *args,
			void (*callback)(void *closure, int status, struct json_object *result),
			void *callback_closure);
	/* 1 */ int (*call_sync)(struct afb_api_x3 *closure, const char *api, const char *verb,
			struct json_object *args, struct json_object **result);
};

struct afb_service_x1 {
	const struct afb_service_itf_x1 *itf;
	struct afb_api_x3 *closure;
};
