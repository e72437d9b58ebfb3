/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The set of apis served by the daemon. An api is a name and an
 * implementation (a local binding or a remote stub): callers cannot tell
 * them apart. Names are compared case-insensitively.
 *
 * Apis are added and renamed before serving starts; lookups are then
 * lock-free from any thread.
 */
#pragma once

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
	/* Optional: the api is being freed. */
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

struct api {
	char *name;
	void *closure;
	const struct api_itf *itf;
	int state;	/* 0: not started, 1: starting, 2: started, -1: failed */
};

struct apiset;

struct apiset *apiset_new(void);
void apiset_free(struct apiset *set);

/*
 * The document's rule: not empty, no byte <= 0x20, none of " # % & ' / ? `
 * and not 0x7f.
 */
int api_name_is_valid(const char *name);

/* Adds 'name' (copied). Returns 0, -EINVAL (bad name), -EEXIST, -ENOMEM. */
int apiset_add(struct apiset *set, const char *name, void *closure, const struct api_itf *itf);

/* Renames an api before serving. Returns 0, -EINVAL, -EEXIST, -ENOENT. */
int apiset_rename(struct apiset *set, const char *oldname, const char *newname);

/* The api of 'name', or NULL. */
struct api *apiset_get(struct apiset *set, const char *name);

/*
 * Starts the api 'name' (and, recursively, the apis it requires).
 * Returns 0 or a negative value.
 */
int apiset_start(struct apiset *set, const char *name);

/*
 * Starts every api, in name order. Stops at the first failure and returns
 * it, except -EFAULT (the binding faulted in its init: its api is marked
 * failed and the others start).
 */
int apiset_start_all(struct apiset *set);

/* A new array of the names. */
struct json_object *apiset_names(struct apiset *set);

int apiset_count(struct apiset *set);
struct api *apiset_at(struct apiset *set, int index);

/* The apiset that the daemon serves. */
extern struct apiset *main_apiset;
