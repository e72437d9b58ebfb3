/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hooks for tracing: observers of what requests, bindings, events,
 * sessions and the logger do (the 2017 binder's trace points).
 *
 * A *hook* is an observer installed with hook_add: one kind, a set of
 * flags (the actions it wants), filters (api, verb, session uuid, event
 * name pattern) and a callback. The code of the daemon calls a *hook
 * point* at each action; the point builds one record and hands it to
 * every hook of its kind whose flags and filters match.
 *
 * Cost when no one traces: each point is guarded by a test of one
 * relaxed atomic load (the OR of the flags of the hooks of its kind),
 * or, for the actions of a request, of the request's own 'hookflags',
 * computed once when the request is processed (hook_req_start). Nothing
 * is allocated and no lock is taken unless a hook wants the action.
 *
 * Threading: hook points run on any thread; hooks are called on the
 * thread of the point, under a read lock of the hook list, and must not
 * add or remove hooks nor block. A hook point reached from inside a hook
 * (a hook that logs, say) is skipped: no recursion.
 *
 * The flag values and names are those of the 2017 binder's monitor api
 * (docs/web.md, "Trace"), plus the 'session' kind of this daemon.
 */
#pragma once

#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

struct json_object;
struct xreq;
struct evt;
struct session;
struct afb_arg;

enum hook_kind {
	HOOK_REQUEST,	/* "request": the life of requests */
	HOOK_DAEMON,	/* "daemon": afb_daemon_* calls of bindings */
	HOOK_SERVICE,	/* "service": service start, calls, event reception */
	HOOK_EVENT,	/* "event": events made, pushed, broadcast, dropped */
	HOOK_GLOBAL,	/* "global": every log message */
	HOOK_SESSION,	/* "session": sessions made, renewed, ended (this daemon's) */
	HOOK_KIND_COUNT
};

/* request */
#define HOOK_REQ_BEGIN			0x000001
#define HOOK_REQ_END			0x000002
#define HOOK_REQ_JSON			0x000004
#define HOOK_REQ_GET			0x000008
#define HOOK_REQ_SUCCESS		0x000010
#define HOOK_REQ_FAIL			0x000020
#define HOOK_REQ_CONTEXT_GET		0x000040
#define HOOK_REQ_CONTEXT_SET		0x000080
#define HOOK_REQ_ADDREF			0x000100
#define HOOK_REQ_UNREF			0x000200
#define HOOK_REQ_SESSION_CLOSE		0x000400
#define HOOK_REQ_SESSION_SET_LOA	0x000800
#define HOOK_REQ_SUBSCRIBE		0x001000
#define HOOK_REQ_UNSUBSCRIBE		0x002000
#define HOOK_REQ_SUBCALL		0x004000
#define HOOK_REQ_SUBCALL_RESULT		0x008000
#define HOOK_REQ_SUBCALLSYNC		0x010000
#define HOOK_REQ_SUBCALLSYNC_RESULT	0x020000
#define HOOK_REQ_VVERBOSE		0x040000
#define HOOK_REQ_STORE			0x080000
#define HOOK_REQ_UNSTORE		0x100000
#define HOOK_REQ_SUBCALL_REQ		0x200000
#define HOOK_REQ_SUBCALL_REQ_RESULT	0x400000
#define HOOK_REQ_HAS_PERMISSION		0x800000

/* daemon */
#define HOOK_DAEMON_VVERBOSE			0x0001
#define HOOK_DAEMON_EVENT_MAKE			0x0002
#define HOOK_DAEMON_EVENT_BROADCAST_BEFORE	0x0004
#define HOOK_DAEMON_EVENT_BROADCAST_AFTER	0x0008
#define HOOK_DAEMON_GET_EVENT_LOOP		0x0010
#define HOOK_DAEMON_GET_USER_BUS		0x0020
#define HOOK_DAEMON_GET_SYSTEM_BUS		0x0040
#define HOOK_DAEMON_ROOTDIR_GET_FD		0x0080
#define HOOK_DAEMON_ROOTDIR_OPEN_LOCALE		0x0100
#define HOOK_DAEMON_QUEUE_JOB			0x0200
#define HOOK_DAEMON_UNSTORE_REQ			0x0400
#define HOOK_DAEMON_REQUIRE_API			0x0800
#define HOOK_DAEMON_REQUIRE_API_RESULT		0x1000
#define HOOK_DAEMON_RENAME_API			0x2000

/* service */
#define HOOK_SVC_START_BEFORE		0x01
#define HOOK_SVC_START_AFTER		0x02
#define HOOK_SVC_ON_EVENT_BEFORE	0x04
#define HOOK_SVC_ON_EVENT_AFTER		0x08
#define HOOK_SVC_CALL			0x10
#define HOOK_SVC_CALL_RESULT		0x20
#define HOOK_SVC_CALLSYNC		0x40
#define HOOK_SVC_CALLSYNC_RESULT	0x80

/* event */
#define HOOK_EVT_CREATE			0x01
#define HOOK_EVT_PUSH_BEFORE		0x02
#define HOOK_EVT_PUSH_AFTER		0x04
#define HOOK_EVT_BROADCAST_BEFORE	0x08
#define HOOK_EVT_BROADCAST_AFTER	0x10
#define HOOK_EVT_NAME			0x20
#define HOOK_EVT_DROP			0x40

/* global */
#define HOOK_GLOBAL_VVERBOSE		0x01

/* session */
#define HOOK_SESSION_CREATE		0x01
#define HOOK_SESSION_CLOSE		0x02	/* ended: expired, evicted, released */
#define HOOK_SESSION_RENEW		0x04	/* its token was renewed */

/* ---- names of the flags (the trace grammar, --tracereq...) ---- */

/* "request", "daemon", "service", "event", "global", "session"; NULL when out of range. */
const char *hook_kind_name(enum hook_kind kind);

/*
 * The flags of the name 'name' of 'kind' (an action or a group such as
 * "common", "extra", "all"; "*" is "all"), case-sensitive as in 2017.
 * Returns 0 and sets *flags, or -ENOENT.
 */
int hook_flags_of_name(enum hook_kind kind, const char *name, unsigned *flags);

/* The action name of the single flag 'flag' of 'kind', or NULL. */
const char *hook_action_name(enum hook_kind kind, unsigned flag);

/* ---- observers ---- */

/* What one hook point reports. Everything is borrowed for the call. */
struct hook_record {
	enum hook_kind kind;
	unsigned flag;			/* the action */
	const char *action;		/* its name */
	unsigned id;			/* daemon-wide count of records, 31 bits */
	struct timespec time;		/* CLOCK_MONOTONIC */
	struct xreq *xreq;		/* request: the request */
	unsigned index;			/* request: its daemon-wide index */
	const char *api;		/* request, daemon, service: the api */
	const char *verb;		/* request: the verb */
	const char *uuid;		/* request, session: the session's uuid */
	const char *event;		/* event: the full name of the event */
	int eventid;			/* event: its id (0: a broadcast by name) */
	struct json_object *data;	/* details of the action, or NULL */
};

struct hook_itf {
	/* Called for each matching record, on the thread of the hook point. */
	void (*emit)(void *closure, const struct hook_record *record);
	/* Optional: the hook is removed (after its last emit). */
	void (*release)(void *closure);
};

/* Filters: NULL or "*" matches anything; copied by hook_add. */
struct hook_filter {
	const char *api;	/* request, daemon, service: api name, case-insensitive */
	const char *verb;	/* request: verb name, case-insensitive */
	const char *session;	/* request: session uuid */
	const char *pattern;	/* event: fnmatch glob on the full event name, case-insensitive */
};

struct hook;

/*
 * Installs a hook of 'kind' for 'flags'. 'filter' may be NULL. Not from
 * inside a hook. Requests already in progress keep the flags they
 * computed when they started. Returns the hook, or NULL (ENOMEM, EINVAL).
 */
struct hook *hook_add(enum hook_kind kind, unsigned flags, const struct hook_filter *filter,
		      const struct hook_itf *itf, void *closure);

/* Removes 'hook': when this returns, its emit is not running and never runs again. */
void hook_remove(struct hook *hook);

/*
 * The 2017 TRACE object of 'record': {"time","tag","type","id",<type>:
 * descriptor,"data"?}. 'tag' may be NULL (no "tag" key). A new object,
 * or NULL when out of memory.
 */
struct json_object *hook_record_json(const struct hook_record *record, const char *tag);

/* ---- hook points (called by the daemon) ---- */

/* OR of the flags of the hooks of each kind: the guard of every point. */
extern atomic_uint hook_active[HOOK_KIND_COUNT];

static inline int hook_wants(enum hook_kind kind, unsigned flag)
{
	return (atomic_load_explicit(&hook_active[kind], memory_order_relaxed) & flag) != 0;
}

/* Requests: call only when x->hookflags has the flag (HOOK_REQ_ON). */
#define HOOK_REQ_ON(x, FLAG) (((x)->hookflags & HOOK_REQ_##FLAG) != 0)

/* Computes x->hookflags and x->hookindex; emits "begin". Cheap when no request hook exists. */
void hook_req_start_slow(struct xreq *x);
static inline void hook_req_start(struct xreq *x);

void hook_req_end(struct xreq *x);
void hook_req_json(struct xreq *x, struct json_object *args);
void hook_req_get(struct xreq *x, const char *name, const struct afb_arg *arg);
void hook_req_reply(struct xreq *x, const char *status, const char *info, struct json_object *object);
void hook_req_context_get(struct xreq *x, void *value);
void hook_req_context_set(struct xreq *x, void *value, void (*freecb)(void *));
void hook_req_addref(struct xreq *x);
void hook_req_unref(struct xreq *x);
void hook_req_session_close(struct xreq *x);
void hook_req_session_set_loa(struct xreq *x, unsigned level, int result);
void hook_req_subscribe(struct xreq *x, struct evt *evt, int result);
void hook_req_unsubscribe(struct xreq *x, struct evt *evt, int result);
/* flag: HOOK_REQ_SUBCALL, _SUBCALLSYNC or _SUBCALL_REQ */
void hook_req_subcall(struct xreq *x, unsigned flag, const char *api, const char *verb,
		      struct json_object *args);
/* flag: HOOK_REQ_SUBCALL_RESULT, _SUBCALLSYNC_RESULT or _SUBCALL_REQ_RESULT */
void hook_req_subcall_result(struct xreq *x, unsigned flag, int status, struct json_object *result);
/* The same for a reply given as its parts (v3 subcalls): status 0 or -1, the envelope they make. */
void hook_req_subcall_reply(struct xreq *x, unsigned flag, const char *error, const char *info,
			    struct json_object *object);
void hook_req_vverbose(struct xreq *x, int level, const char *file, int line, const char *func,
		       const char *fmt, va_list args);
void hook_req_store(struct xreq *x);
void hook_req_unstore(struct xreq *x);

/* Daemon interface of the binding of 'api': guard with hook_wants(HOOK_DAEMON, flag). */
void hook_daemon(const char *api, unsigned flag, struct json_object *data);	/* data consumed */
void hook_daemon_vverbose(const char *api, int level, const char *file, int line, const char *func,
			  const char *fmt, va_list args);

/* Service of 'api': guard with hook_wants(HOOK_SERVICE, flag). */
void hook_service(const char *api, unsigned flag, struct json_object *data);	/* data consumed */

/*
 * The points of the bindings' interfaces, the same for every binding API
 * (v1 afb_daemon_* and afb_service_*, v2 daemon and service tables, v3
 * afb_api_*): each builds the 2017 "data" of its action (docs/web.md,
 * "Trace"). Guard each with hook_wants(kind, flag); JSON arguments are
 * borrowed (copied when kept).
 */
/* HOOK_DAEMON_EVENT_MAKE: {"name","event","id"} */
void hook_daemon_event_make(const char *api, const char *name, struct evt *evt);
/* HOOK_DAEMON_EVENT_BROADCAST_BEFORE {"name","data"?} and _AFTER (+ "result") */
void hook_daemon_event_broadcast(const char *api, unsigned flag, const char *name, struct json_object *object,
				 int result);
/* HOOK_DAEMON_ROOTDIR_GET_FD: {"result","path"} or {"result","error"} ('error': errno) */
void hook_daemon_rootdir_get_fd(const char *api, int fd, int error);
/* HOOK_DAEMON_ROOTDIR_OPEN_LOCALE: {"file","flags","locale"?} + the same */
void hook_daemon_rootdir_open_locale(const char *api, const char *file, int flags, const char *locale, int fd,
				     int error);
/* HOOK_DAEMON_QUEUE_JOB: {"result"} */
void hook_daemon_queue_job(const char *api, int result);
/* HOOK_DAEMON_REQUIRE_API {"name","initialized"} and _RESULT (+ "result") */
void hook_daemon_require_api(const char *api, unsigned flag, const char *name, int initialized, int result);
/* HOOK_SVC_START_AFTER: {"result"} */
void hook_service_start_after(const char *api, int result);
/* HOOK_SVC_CALL, HOOK_SVC_CALLSYNC: {"api","verb","args"?} */
void hook_service_call(const char *api, unsigned flag, const char *called_api, const char *verb,
		       struct json_object *args);
/* HOOK_SVC_CALL_RESULT, HOOK_SVC_CALLSYNC_RESULT: {"status","result"?}, 'result' an envelope */
void hook_service_call_result(const char *api, unsigned flag, int status, struct json_object *result);
/* The same for a reply given as its parts (v3 calls): status 0 or -1, the envelope they make. */
void hook_service_call_reply(const char *api, unsigned flag, const char *error, const char *info,
			     struct json_object *object);
/* HOOK_SVC_ON_EVENT_BEFORE, _AFTER: {"event","id","data"?} */
void hook_service_on_event(const char *api, unsigned flag, const char *event, int id, struct json_object *object);

/* Events: guard with hook_wants(HOOK_EVENT, flag). 'data' is borrowed, 'result' ignored for *_before. */
void hook_evt(const char *fullname, int id, unsigned flag);
void hook_evt_data(const char *fullname, int id, unsigned flag, struct json_object *data, int result);

/* Global: guard with hook_wants(HOOK_GLOBAL, HOOK_GLOBAL_VVERBOSE). */
void hook_global_vverbose(int level, const char *file, int line, const char *func, const char *fmt,
			  va_list args);

/* Sessions: guard with hook_wants(HOOK_SESSION, flag). */
void hook_session(const char *uuid, unsigned flag);

/* ---- helpers for hook points ---- */

/* Microseconds of CLOCK_MONOTONIC. */
int64_t hook_now_us(void);

/* ---- inline ---- */

#include "xreq.h"

static inline void hook_req_start(struct xreq *x)
{
	if (atomic_load_explicit(&hook_active[HOOK_REQUEST], memory_order_relaxed))
		hook_req_start_slow(x);
	else
		x->hookflags = 0;
}
