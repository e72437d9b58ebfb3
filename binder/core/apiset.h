/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The set of apis served by the daemon. An api is a name and an
 * implementation (a local binding or a remote stub): callers cannot tell
 * them apart. Names are compared case-insensitively; an api may have
 * other names (aliases).
 *
 * Apis are added, aliased and removed at any time, from any thread (v3
 * bindings create and delete apis while serving). Lookups take a shared
 * lock for a binary search and return a reference: an api removed from
 * the set lives on until its last reference is dropped, so a request in
 * flight finishes on it. No binding code runs under the set's lock.
 *
 * Changes are announced to watchers (apiset_watch) on the main loop's
 * thread, in the order they happened: transports that publish the list of
 * apis or their verbs (D-Bus, proto-ws) follow them there.
 */
#pragma once

#include <stdatomic.h>
#include <pthread.h>

struct xreq;
struct json_object;

struct api_itf {
	/*
	 * Processes 'xreq' on a worker thread. The callee owns one reference
	 * of 'xreq' and must reply to it, now or later.
	 */
	void (*call)(void *closure, struct xreq *xreq);
	/* A new description object (OpenAPI), or NULL. */
	struct json_object *(*describe)(void *closure);
	/*
	 * Optional service start. Returns 0 or a negative value; -EFAULT
	 * when the binding faulted (the failure is then not fatal).
	 */
	int (*start)(void *closure);
	/* Optional: the api is being freed (its last reference is gone). */
	void (*destroy)(void *closure);
	/*
	 * Optional: the api's own verbosity, in the levels of verbose.h
	 * (0 error, 1 warning and notice, 2 info, 3 debug; may be out of
	 * that range). Without them, the api follows the global verbosity.
	 * Any thread (monitor/get and monitor/set).
	 */
	int (*get_verbosity)(void *closure);
	void (*set_verbosity)(void *closure, int level);
};

/* api->state */
#define API_NOT_STARTED	0
#define API_STARTING	1
#define API_STARTED	2
#define API_FAILED	(-1)

struct api {
	char *name;			/* the name it was added with (aliases are other names) */
	void *closure;
	const struct api_itf *itf;
	const void *group;		/* job group of its requests: NULL, or itself when one at a time */
	atomic_int state;		/* API_* above */
	atomic_int refcount;
	pthread_t starter;		/* the thread running its start, while API_STARTING */
};

struct apiset;

struct apiset *apiset_new(void);
/* Removes every api (without notifying) and drops the set. */
void apiset_free(struct apiset *set);

/*
 * The document's rule: not empty, no byte <= 0x20, none of " # % & ' / ? `
 * and not 0x7f.
 */
int api_name_is_valid(const char *name);

/* Adds 'name' (copied). Returns 0, -EINVAL (bad name), -EEXIST, -ENOMEM. */
int apiset_add(struct apiset *set, const char *name, void *closure, const struct api_itf *itf);

/*
 * The same; 'noconcurrency' makes its requests run one at a time, and
 * '*result' (when not NULL) receives a new reference of the api.
 */
int apiset_add_api(struct apiset *set, const char *name, void *closure, const struct api_itf *itf,
		   int noconcurrency, struct api **result);

/* Makes 'alias' another name of the api 'name'. Returns 0, -EINVAL, -ENOENT, -EEXIST, -ENOMEM. */
int apiset_add_alias(struct apiset *set, const char *name, const char *alias);

/*
 * Removes the api of 'name' and all its names (announced as removed).
 * Requests already dispatched to it finish. Returns 0 or -ENOENT.
 */
int apiset_remove(struct apiset *set, const char *name);

/* Renames an api before serving. Returns 0, -EINVAL, -EEXIST, -ENOENT. */
int apiset_rename(struct apiset *set, const char *oldname, const char *newname);

/* A new reference of the api of 'name' (or alias), or NULL. */
struct api *apiset_lookup(struct apiset *set, const char *name);

struct api *api_ref(struct api *api);
/* Drops a reference; the last one calls itf->destroy. */
void api_unref(struct api *api);

/*
 * Starts 'api' if it is not started: calls its itf->start once (which may
 * start the apis it requires). Concurrent starts wait for the first; a
 * start that comes back to itself on the same thread is -ELOOP. Returns 0
 * (started), the start's error, or -ECANCELED (an earlier start failed).
 */
int api_start(struct api *api);

/* Starts the api 'name'. Returns as api_start, or -ENOENT. */
int apiset_start(struct apiset *set, const char *name);

/*
 * Starts every api, in name order. Stops at the first failure and returns
 * it, except -EFAULT (the binding faulted in its init: its api is marked
 * failed and the others start).
 */
int apiset_start_all(struct apiset *set);

/* A new array of the names (aliases included). */
struct json_object *apiset_names(struct apiset *set);

/* Count of names (aliases included). */
int apiset_count(struct apiset *set);

/*
 * A NULL-terminated array of references of every api (each once, in name
 * order), for start-up enumerations; free it with apiset_list_free.
 */
struct api **apiset_list(struct apiset *set);
void apiset_list_free(struct api **list);

/* ---- change notifications ---- */

enum apiset_change {
	APISET_ADDED,	/* 'name' now reaches 'api' (a new api, or a new alias of one) */
	APISET_REMOVED,	/* 'name' is gone ('api' was its api) */
	APISET_CHANGED	/* the verbs or the description of 'api' (named 'name') changed */
};

/*
 * Called on the main loop's thread, one change at a time, in the order
 * the changes were made. 'api' is referenced for the duration of the
 * call (take a reference to keep it). A watcher registered after some
 * changes may still receive them: treat ADDED of a known name and
 * REMOVED of an unknown one as no-ops.
 */
typedef void (*apiset_watcher_fn)(void *closure, struct apiset *set, enum apiset_change change,
				  const char *name, struct api *api);

/* Returns 0 or -ENOMEM. Main thread. */
int apiset_watch(struct apiset *set, apiset_watcher_fn fn, void *closure);
void apiset_unwatch(struct apiset *set, apiset_watcher_fn fn, void *closure);

/* Announces APISET_CHANGED for 'api' (which must be in 'set'). Any thread. */
void apiset_changed(struct apiset *set, struct api *api);

/* The apiset that the daemon serves. */
extern struct apiset *main_apiset;
