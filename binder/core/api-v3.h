/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The apis of binding API v3 (and of v2 bindings, which the daemon runs
 * as v3 apis carrying a v2 verb array): the object a binding holds as
 * afb_api_t, its verbs, its life (PreInit, Init, Run), its events.
 *
 * Life: api_v3_new makes one (state PreInit, unsealed); api_v3_declare
 * adds it to an apiset (then clients reach it); the binding sets it up
 * (verbs, init, event handlers, classes, required apis) until it is
 * sealed; its start (at the daemon's start, or at its first request when
 * made while serving) starts what it requires, then runs its init (state
 * Init), then it serves (Run). afb_api_delete_api (unsealed apis only)
 * removes it from the set; requests in flight finish.
 *
 * Threading: verbs and event handlers change under the api's own lock;
 * lookups take it shared; no binding code runs under it. The daemon calls
 * binding code (verbs, init, preinit, event handlers, callbacks) through
 * fault_guard with the api's site.
 */
#pragma once

#include <pthread.h>
#include <stdatomic.h>
#include "afb/afb-api-x3-itf.h"
#include "afb/afb-binding-v2.h"
#include "afb/afb-binding-v3.h"
#include "fault.h"

struct api;
struct apiset;
struct evt_listener;
struct subloop;
struct xreq;

enum api_v3_state { API_V3_PREINIT, API_V3_INIT, API_V3_RUN };

struct api_v3 {
	struct afb_api_x3 x3;		/* the public header: first */
	struct fault_site site;		/* binding path and api name; the api's context key */
	atomic_int refcount;
	struct apiset *set;		/* where it is (or will be) declared */
	struct api *api;		/* its entry while declared (borrowed: the entry holds us) */
	char *name;
	char *info;
	char *path;			/* the binding's file (settings' "binding-path"), shared by its apis */
	const char *specification;	/* OpenAPI text of a descriptor, or NULL */
	int noconcurrency;
	int making;			/* in its preinit, not declared yet (api_v3_new_api) */
	struct name_list *aliases;	/* its aliases asked while making */
	atomic_int state;		/* enum api_v3_state */
	atomic_int sealed;
	struct subloop *loop;		/* the binding's event loop (borrowed from its creator) */
	struct afb_binding_data_v2 *v2data;	/* a v2 binding: its afbBindingV2data */

	pthread_rwlock_t lock;		/* what follows, changed while unsealed or by handlers */
	const struct afb_verb_v3 *verbs_v3;
	const struct afb_verb_v2 *verbs_v2;
	struct dynverb *dynverbs;	/* added verbs, in order */
	struct handler *handlers;	/* event handlers by pattern */
	int (*oninit)(struct afb_api_x3 *api);
	int (*init_v2)(void);
	void (*onevent)(struct afb_api_x3 *api, const char *event, struct json_object *object);
	void (*onevent_v2)(const char *event, struct json_object *object);
	struct evt_listener *listener;	/* made by the first handler or call */
	struct evlink *evlink;		/* the listener's closure (api-v3-events.c) */
	struct name_list *req_apis;	/* apis to start before it */
	struct name_list *req_classes;	/* classes whose providers start before it */
	struct json_object *settings;	/* cached */
};

/*
 * A new api named 'name' (copied, validated unless 'anonymous': the root
 * of an entry-only binding is named after its file), in PreInit, unsealed,
 * with the daemon's log mask. 'creator' (may be NULL) gives its binding
 * path and loop. NULL on error (errno).
 */
struct api_v3 *api_v3_new(struct apiset *set, const char *name, const char *info, int noconcurrency,
			  const char *path, struct subloop *loop, int anonymous);

struct api_v3 *api_v3_ref(struct api_v3 *a);
void api_v3_unref(struct api_v3 *a);

/* The api object of a binding's afb_api_t. */
static inline struct api_v3 *api_v3_of(struct afb_api_x3 *x3)
{
	return (struct api_v3 *)x3;
}

/* Adds it to its set, with the aliases asked in the making. 0, -EEXIST (name taken), -EINVAL, -ENOMEM. */
int api_v3_declare(struct api_v3 *a);

/* An api in the making (a dynamic api in its preinit) is not declared yet. */
void api_v3_set_making(struct api_v3 *a, int making);
int api_v3_in_making(struct api_v3 *a);
/* Records an alias of an api in the making, added when it is declared. 0 or -errno. */
int api_v3_defer_alias(struct api_v3 *a, const char *alias);
/* Removes it from its set (its entry's reference goes). */
void api_v3_undeclare(struct api_v3 *a);

/* Runs binding code 'fn(arg)' of this api under the fault guard; returns the signal or 0. */
int api_v3_guard(struct api_v3 *a, const char *what, const char *name, struct xreq *xreq,
		 void (*fn)(void *), void *arg);

/* Set-up (unsealed, or PreInit for init): 0 or -1 with errno (EPERM sealed, EINVAL...). */
int api_v3_set_verbs_v2(struct api_v3 *a, const struct afb_verb_v2 *verbs);
int api_v3_set_verbs_v3(struct api_v3 *a, const struct afb_verb_v3 *verbs);
int api_v3_add_verb(struct api_v3 *a, const char *verb, const char *info, void (*callback)(struct afb_req_x2 *),
		    void *vcbdata, const struct afb_auth *auth, uint32_t session, int glob);
int api_v3_del_verb(struct api_v3 *a, const char *verb, void **vcbdata);
int api_v3_on_init(struct api_v3 *a, int (*oninit)(struct afb_api_x3 *));
int api_v3_on_event(struct api_v3 *a, void (*onevent)(struct afb_api_x3 *, const char *, struct json_object *));
int api_v3_handler_add(struct api_v3 *a, const char *pattern,
		       void (*callback)(void *, const char *, struct json_object *, struct afb_api_x3 *),
		       void *closure);
int api_v3_handler_del(struct api_v3 *a, const char *pattern, void **closure);
/* 'names' space-separated; 'initialized' as afb_api_require_api. */
int api_v3_require_api(struct api_v3 *a, const char *names, int initialized);
int api_v3_class_provide(struct api_v3 *a, const char *names);
int api_v3_class_require(struct api_v3 *a, const char *names);
void api_v3_seal(struct api_v3 *a);

/*
 * afb_api_new_api: makes and declares the api 'apiname' from 'creator'
 * (its set, binding path and loop), then runs preinit(closure, api).
 * NULL (errno) when the name is invalid or taken, or preinit fails.
 */
struct afb_api_x3 *api_v3_new_api(struct api_v3 *creator, const char *apiname, const char *info, int noconcurrency,
				  int (*preinit)(void *, struct afb_api_x3 *), void *closure);

/* Its listener (made on first use), for the events its calls catch. NULL on ENOMEM. */
struct evt_listener *api_v3_listener(struct api_v3 *a);

/* The log mask a new api gets, from the daemon's verbosity. */
int api_v3_default_logmask(void);
/* Sets the log mask of the v2/v3 api 'name' (and the verbosity of a v2 binding). 0 or -ENOENT. */
int api_v3_set_logmask(struct apiset *set, const char *name, int logmask);

/* Logs "[<kind> <name>] text" at syslog 'level' when 'logmask' wants it ('fmt' may be NULL). */
void api_v3_vlog(int logmask, int level, const char *kind, const char *name, const char *file, int line,
		 const char *func, const char *fmt, va_list args);

/* The api table of v3 (api-v3-itf.c). */
extern const struct afb_api_x3_itf api_v3_itf;
