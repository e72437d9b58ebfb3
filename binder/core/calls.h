/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal calls: the requests the daemon's bindings make (subcalls of a
 * request, calls of an api or of a v1 service) and the daemon's own
 * (--call). They are processed exactly as client requests: lookup, lazy
 * start, session and permission checks of the verb, job queue; the
 * caller cannot tell a local api from an imported one.
 *
 * Who the callee sees, from the flags (those of binding API v3):
 *  - a subcall (from->caller set) without CALL_API_SESSION runs in the
 *    caller's session, with its token state and its client's
 *    credentials (peer);
 *  - with CALL_API_SESSION, or without a caller, it runs in from->session
 *    (the apis' common session when NULL), validated, as the daemon
 *    itself; CALL_ON_BEHALF gives it back the caller's client credentials;
 *  - the events it subscribes to go to from->listener with
 *    CALL_CATCH_EVENTS, to the caller's client with CALL_PASS_EVENTS;
 *    without either, subscribing fails.
 * A subcall keeps its caller alive until it is replied. A request from
 * another binder (proto-ws) sends its subcalls back to that binder (the
 * transport's subcall hook) unless they use the api session or catch
 * the events.
 *
 * Replies come on any thread; the callbacks run the binding's code and
 * are the caller's to guard (fault.h).
 */
#pragma once

struct json_object;
struct session;
struct evt_listener;
struct xreq;

#define CALL_CATCH_EVENTS	1
#define CALL_PASS_EVENTS	2
#define CALL_ON_BEHALF		4
#define CALL_API_SESSION	8

struct call_from {
	struct xreq *caller;		/* the request making a subcall, or NULL */
	struct session *session;	/* without caller or with CALL_API_SESSION: NULL is the apis' session */
	struct evt_listener *listener;	/* CALL_CATCH_EVENTS: where the callee's subscriptions go */
	int flags;			/* CALL_* */
};

/* The reply: 'error' NULL on success; 'object' (may be NULL) borrowed for the call. */
typedef void (*call_reply_fn)(void *closure, const char *error, const char *info, struct json_object *object);

/*
 * The reply of v1/v2 calls: status 0 (success) or -1, and the envelope
 * {"response":object,"jtype":"afb-reply","request":{"status","info"}}
 * (borrowed for the call).
 */
typedef void (*call_envelope_fn)(void *closure, int status, struct json_object *envelope);

/* Calls api/verb; 'args' is consumed; 'reply' is called once (maybe before this returns). */
void call_async(const struct call_from *from, const char *api, const char *verb, struct json_object *args,
		call_reply_fn reply, void *closure);
void call_async_envelope(const struct call_from *from, const char *api, const char *verb,
			 struct json_object *args, call_envelope_fn reply, void *closure);

/*
 * Calls api/verb and waits for the reply (other jobs go on meanwhile,
 * see jobs_wait). 'args' is consumed. Returns 0 on success, -1 on error;
 * *object (owned), *error and *info (malloc'ed or NULL) go to the caller,
 * each pointer may be NULL. A call that could only wait for itself (an
 * api serving one request at a time, called synchronously from its own
 * verb) fails at once with "self-locked".
 */
int call_sync(const struct call_from *from, const char *api, const char *verb, struct json_object *args,
	      struct json_object **object, char **error, char **info);
/*
 * Hands the results o, e, i of a call_sync made with pointers of its own
 * to the pointers object, error, info of another caller (each may be
 * NULL: its result is then freed). For who looks at the results before
 * giving them (hooks).
 */
void call_give(struct json_object **object, struct json_object *o, char **error, char *e, char **info, char *i);

/* The same; *envelope (owned, may be NULL) gets the envelope. */
int call_sync_envelope(const struct call_from *from, const char *api, const char *verb,
		       struct json_object *args, struct json_object **envelope);

/* The envelope of a failure that no request replied (a new object). */
struct json_object *call_failure_envelope(const char *error, const char *info);

/* The session of the apis' own calls, shared by all (made on first use; no reference given). */
struct session *call_api_session(void);

/* Drops the apis' session (end of main). */
void calls_cleanup(void);
