/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hooks for tracing: the list of hooks, the names of the flags, and the
 * dispatch of records (see hook.h). The hook points themselves, which
 * build the records, are in hook-points.c.
 */
#include <errno.h>
#include <fnmatch.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <json-c/json.h>
#include "hook.h"
#include "hook-internal.h"
#include "verbose.h"

atomic_uint hook_active[HOOK_KIND_COUNT];

struct hook {
	struct hook *next;
	enum hook_kind kind;
	unsigned flags;
	const struct hook_itf *itf;
	void *closure;
	char *api, *verb, *session, *pattern;	/* NULL: any */
};

/* readers: the hook points; writers: hook_add and hook_remove */
static pthread_rwlock_t lock = PTHREAD_RWLOCK_INITIALIZER;
static struct hook *hooks[HOOK_KIND_COUNT];
static atomic_uint record_count;
static atomic_uint request_count;

/* set while this thread runs hooks: nested points are skipped */
static __thread int in_hook;

/* ---- names ---- */

struct flag_name {
	const char *name;
	unsigned flags;
};

#define R(f) HOOK_REQ_##f
#define REQ_LIFE (R(BEGIN) | R(END))
#define REQ_ARGS (R(JSON) | R(GET))
#define REQ_RESULT (R(SUCCESS) | R(FAIL))
#define REQ_SESSION (R(SESSION_CLOSE) | R(SESSION_SET_LOA))
#define REQ_EVENT (R(SUBSCRIBE) | R(UNSUBSCRIBE))
#define REQ_SUBCALLS (R(SUBCALL) | R(SUBCALL_RESULT) | R(SUBCALL_REQ) | R(SUBCALL_REQ_RESULT) \
		      | R(SUBCALLSYNC) | R(SUBCALLSYNC_RESULT))
#define REQ_REF (R(ADDREF) | R(UNREF))
#define REQ_CONTEXT (R(CONTEXT_GET) | R(CONTEXT_SET))
#define REQ_STORES (R(STORE) | R(UNSTORE))
#define REQ_COMMON (REQ_LIFE | REQ_ARGS | REQ_RESULT | REQ_SESSION | REQ_EVENT | REQ_SUBCALLS \
		    | R(VVERBOSE) | R(HAS_PERMISSION))
#define REQ_EXTRA (REQ_COMMON | REQ_REF | REQ_CONTEXT | REQ_STORES)

/* sorted by name: actions first are looked up by hook_action_name */
static const struct flag_name request_names[] = {
	{ "addref", R(ADDREF) }, { "all", REQ_EXTRA }, { "args", REQ_ARGS }, { "begin", R(BEGIN) },
	{ "common", REQ_COMMON }, { "context", REQ_CONTEXT }, { "context_get", R(CONTEXT_GET) },
	{ "context_set", R(CONTEXT_SET) }, { "end", R(END) }, { "event", REQ_EVENT },
	{ "extra", REQ_EXTRA }, { "fail", R(FAIL) }, { "get", R(GET) }, { "json", R(JSON) },
	{ "life", REQ_LIFE }, { "ref", REQ_REF }, { "result", REQ_RESULT }, { "session", REQ_SESSION },
	{ "session_close", R(SESSION_CLOSE) }, { "session_set_LOA", R(SESSION_SET_LOA) },
	{ "store", R(STORE) }, { "stores", REQ_STORES }, { "subcall", R(SUBCALL) },
	{ "subcall_req", R(SUBCALL_REQ) }, { "subcall_req_result", R(SUBCALL_REQ_RESULT) },
	{ "subcall_result", R(SUBCALL_RESULT) }, { "subcalls", REQ_SUBCALLS },
	{ "subcallsync", R(SUBCALLSYNC) }, { "subcallsync_result", R(SUBCALLSYNC_RESULT) },
	{ "subscribe", R(SUBSCRIBE) }, { "success", R(SUCCESS) }, { "unref", R(UNREF) },
	{ "unstore", R(UNSTORE) }, { "unsubscribe", R(UNSUBSCRIBE) }, { "vverbose", R(VVERBOSE) },
	{ NULL, 0 }
};
#undef R

#define D(f) HOOK_DAEMON_##f
#define DAEMON_COMMON (D(VVERBOSE) | D(EVENT_MAKE) | D(EVENT_BROADCAST_BEFORE) | D(EVENT_BROADCAST_AFTER) \
		       | D(RENAME_API))
/* as in 2017, "extra" does not include "common" for this kind */
#define DAEMON_EXTRA (D(GET_EVENT_LOOP) | D(GET_USER_BUS) | D(GET_SYSTEM_BUS) | D(ROOTDIR_GET_FD) \
		      | D(ROOTDIR_OPEN_LOCALE) | D(QUEUE_JOB) | D(UNSTORE_REQ) | D(REQUIRE_API) \
		      | D(REQUIRE_API_RESULT))
static const struct flag_name daemon_names[] = {
	{ "all", DAEMON_COMMON | DAEMON_EXTRA }, { "common", DAEMON_COMMON },
	{ "event_broadcast_after", D(EVENT_BROADCAST_AFTER) },
	{ "event_broadcast_before", D(EVENT_BROADCAST_BEFORE) }, { "event_make", D(EVENT_MAKE) },
	{ "extra", DAEMON_EXTRA }, { "get_event_loop", D(GET_EVENT_LOOP) },
	{ "get_system_bus", D(GET_SYSTEM_BUS) }, { "get_user_bus", D(GET_USER_BUS) },
	{ "queue_job", D(QUEUE_JOB) }, { "require_api", D(REQUIRE_API) },
	{ "require_api_result", D(REQUIRE_API_RESULT) }, { "rootdir_get_fd", D(ROOTDIR_GET_FD) },
	{ "rootdir_open_locale", D(ROOTDIR_OPEN_LOCALE) }, { "unstore_req", D(UNSTORE_REQ) },
	{ "vverbose", D(VVERBOSE) },
	{ NULL, 0 }
};
#undef D

static const struct flag_name service_names[] = {
	{ "all", 0xff }, { "call", HOOK_SVC_CALL }, { "call_result", HOOK_SVC_CALL_RESULT },
	{ "callsync", HOOK_SVC_CALLSYNC }, { "callsync_result", HOOK_SVC_CALLSYNC_RESULT },
	{ "on_event_after", HOOK_SVC_ON_EVENT_AFTER }, { "on_event_before", HOOK_SVC_ON_EVENT_BEFORE },
	{ "start_after", HOOK_SVC_START_AFTER }, { "start_before", HOOK_SVC_START_BEFORE },
	{ NULL, 0 }
};

#define EVT_COMMON (HOOK_EVT_PUSH_BEFORE | HOOK_EVT_BROADCAST_BEFORE)
#define EVT_EXTRA (EVT_COMMON | HOOK_EVT_PUSH_AFTER | HOOK_EVT_BROADCAST_AFTER | HOOK_EVT_CREATE \
		   | HOOK_EVT_DROP)
static const struct flag_name event_names[] = {
	{ "all", EVT_EXTRA | HOOK_EVT_NAME }, { "broadcast_after", HOOK_EVT_BROADCAST_AFTER },
	{ "broadcast_before", HOOK_EVT_BROADCAST_BEFORE }, { "common", EVT_COMMON },
	{ "create", HOOK_EVT_CREATE }, { "drop", HOOK_EVT_DROP }, { "extra", EVT_EXTRA },
	{ "name", HOOK_EVT_NAME }, { "push_after", HOOK_EVT_PUSH_AFTER },
	{ "push_before", HOOK_EVT_PUSH_BEFORE },
	{ NULL, 0 }
};

static const struct flag_name global_names[] = {
	{ "all", HOOK_GLOBAL_VVERBOSE }, { "vverbose", HOOK_GLOBAL_VVERBOSE },
	{ NULL, 0 }
};

static const struct flag_name session_names[] = {
	{ "all", HOOK_SESSION_CREATE | HOOK_SESSION_CLOSE | HOOK_SESSION_RENEW },
	{ "close", HOOK_SESSION_CLOSE }, { "common", HOOK_SESSION_CREATE | HOOK_SESSION_CLOSE },
	{ "create", HOOK_SESSION_CREATE }, { "renew", HOOK_SESSION_RENEW },
	{ NULL, 0 }
};

static const struct flag_name *const names_of[HOOK_KIND_COUNT] = {
	request_names, daemon_names, service_names, event_names, global_names, session_names
};

static const char *const kind_names[HOOK_KIND_COUNT] = {
	"request", "daemon", "service", "event", "global", "session"
};

const char *hook_kind_name(enum hook_kind kind)
{
	return (unsigned)kind < HOOK_KIND_COUNT ? kind_names[kind] : NULL;
}

int hook_flags_of_name(enum hook_kind kind, const char *name, unsigned *flags)
{
	const struct flag_name *n;

	if ((unsigned)kind >= HOOK_KIND_COUNT || !name)
		return -ENOENT;
	if (!strcmp(name, "*"))
		name = "all";
	for (n = names_of[kind]; n->name; n++)
		if (!strcmp(n->name, name)) {
			*flags = n->flags;
			return 0;
		}
	return -ENOENT;
}

/* groups have several bits: a single-bit entry is the action's name */
const char *hook_action_name(enum hook_kind kind, unsigned flag)
{
	const struct flag_name *n;

	if ((unsigned)kind >= HOOK_KIND_COUNT)
		return NULL;
	for (n = names_of[kind]; n->name; n++)
		if (n->flags == flag && (kind != HOOK_GLOBAL || strcmp(n->name, "all")))
			return n->name;
	return NULL;
}

/* ---- the list ---- */

/* Lock held for writing. */
static void update_active(enum hook_kind kind)
{
	unsigned flags = 0;
	struct hook *h;

	for (h = hooks[kind]; h; h = h->next)
		flags |= h->flags;
	atomic_store(&hook_active[kind], flags);
	if (kind == HOOK_GLOBAL)
		__atomic_store_n(&verbose_observer, flags ? hook_global_vverbose : NULL, __ATOMIC_RELAXED);
}

static int copy_filter(char **to, const char *from)
{
	if (!from || !strcmp(from, "*")) {
		*to = NULL;
		return 0;
	}
	*to = strdup(from);
	return *to ? 0 : -ENOMEM;
}

static void hook_free(struct hook *h)
{
	free(h->api);
	free(h->verb);
	free(h->session);
	free(h->pattern);
	free(h);
}

struct hook *hook_add(enum hook_kind kind, unsigned flags, const struct hook_filter *filter,
		      const struct hook_itf *itf, void *closure)
{
	struct hook *h;

	if ((unsigned)kind >= HOOK_KIND_COUNT || !itf || !itf->emit) {
		errno = EINVAL;
		return NULL;
	}
	h = calloc(1, sizeof *h);
	if (!h)
		return NULL;
	h->kind = kind;
	h->flags = flags;
	h->itf = itf;
	h->closure = closure;
	if (filter && (copy_filter(&h->api, filter->api) < 0 || copy_filter(&h->verb, filter->verb) < 0
		       || copy_filter(&h->session, filter->session) < 0
		       || (filter->pattern && !(h->pattern = strdup(filter->pattern))))) {
		hook_free(h);
		errno = ENOMEM;
		return NULL;
	}
	pthread_rwlock_wrlock(&lock);
	h->next = hooks[kind];
	hooks[kind] = h;
	update_active(kind);
	pthread_rwlock_unlock(&lock);
	return h;
}

void hook_remove(struct hook *hook)
{
	struct hook **p;

	if (!hook)
		return;
	pthread_rwlock_wrlock(&lock);
	for (p = &hooks[hook->kind]; *p && *p != hook; p = &(*p)->next);
	if (*p)
		*p = hook->next;
	update_active(hook->kind);
	pthread_rwlock_unlock(&lock);
	if (hook->itf->release)
		hook->itf->release(hook->closure);
	hook_free(hook);
}

/* ---- matching and dispatch ---- */

static int match_name(const char *filter, const char *value)
{
	return !filter || (value && !strcasecmp(filter, value));
}

static int matches(const struct hook *h, const struct hook_record *r)
{
	switch (h->kind) {
	case HOOK_REQUEST:
		return match_name(h->api, r->api) && match_name(h->verb, r->verb)
		       && (!h->session || (r->uuid && !strcmp(h->session, r->uuid)));
	case HOOK_DAEMON:
	case HOOK_SERVICE:
		return match_name(h->api, r->api);
	case HOOK_EVENT:
		return !h->pattern || (r->event && !fnmatch(h->pattern, r->event, FNM_CASEFOLD));
	default:
		return 1;
	}
}

int hook_enter(void)
{
	if (in_hook)
		return 0;
	in_hook = 1;
	return 1;
}

void hook_leave(void)
{
	in_hook = 0;
}

unsigned hook_req_flags(const char *api, const char *verb, const char *uuid)
{
	struct hook_record r = { .kind = HOOK_REQUEST, .api = api, .verb = verb, .uuid = uuid };
	unsigned flags = 0;
	struct hook *h;

	pthread_rwlock_rdlock(&lock);
	for (h = hooks[HOOK_REQUEST]; h; h = h->next)
		if (matches(h, &r))
			flags |= h->flags;
	pthread_rwlock_unlock(&lock);
	return flags;
}

unsigned hook_next_request_index(void)
{
	return (atomic_fetch_add(&request_count, 1) + 1) & 0x7fffffff;
}

void hook_dispatch(struct hook_record *r)
{
	struct hook *h;

	r->action = hook_action_name(r->kind, r->flag);
	r->id = (atomic_fetch_add(&record_count, 1) + 1) & 0x7fffffff;
	clock_gettime(CLOCK_MONOTONIC, &r->time);
	pthread_rwlock_rdlock(&lock);
	for (h = hooks[r->kind]; h; h = h->next)
		if ((h->flags & r->flag) && matches(h, r))
			h->itf->emit(h->closure, r);
	pthread_rwlock_unlock(&lock);
}

int64_t hook_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
