/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Services: a binding exporting afbBindingV1ServiceInit receives a
 * 'struct afb_service' to call apis in its own (shared, validated) session.
 */
#pragma once

struct json_object;

struct afb_service_itf {
	/* ABI order: call, call_sync */
	void (*call)(void *closure, const char *api, const char *verb, struct json_object *args,
		void (*callback)(void *closure, int iserror, struct json_object *result), void *cb_closure);
	int (*call_sync)(void *closure, const char *api, const char *verb, struct json_object *args,
		struct json_object **result);
};

struct afb_service {
	const struct afb_service_itf *itf;
	void *closure;
};

/*
 * Calls api/verb. 'args' is consumed. 'callback' gets status 0 or -1 and
 * the reply envelope (borrowed).
 */
static inline void afb_service_call(struct afb_service service, const char *api, const char *verb,
		struct json_object *args,
		void (*callback)(void *closure, int iserror, struct json_object *result), void *closure)
{
	service.itf->call(service.closure, api, verb, args, callback, closure);
}

/* Synchronous call: returns 0 or -1; '*result' (the envelope) belongs to the caller. */
static inline int afb_service_call_sync(struct afb_service service, const char *api, const char *verb,
		struct json_object *args, struct json_object **result)
{
	return service.itf->call_sync(service.closure, api, verb, args, result);
}

#define afb_service_call_v1 afb_service_call
#define afb_service_call_sync_v1 afb_service_call_sync
