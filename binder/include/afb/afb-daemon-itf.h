/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The daemon interface given to a binding (afb_binding_interface.daemon).
 * Calls made with it act in the name of the binding's api.
 */
#pragma once

#include <stdarg.h>
#include "afb-event-itf.h"
#include "afb-req-itf.h"

struct json_object;
struct sd_event;
struct sd_bus;

struct afb_daemon_itf {
	/* ABI order: do not change, only append */
	int (*event_broadcast)(void *closure, const char *name, struct json_object *object);
	struct sd_event *(*get_event_loop)(void *closure);
	struct sd_bus *(*get_user_bus)(void *closure);
	struct sd_bus *(*get_system_bus)(void *closure);
	void (*vverbose_v1)(void *closure, int level, const char *file, int line, const char *fmt, va_list args);
	struct afb_event (*event_make)(void *closure, const char *name);
	int (*rootdir_get_fd)(void *closure);
	int (*rootdir_open_locale)(void *closure, const char *filename, int flags, const char *locale);
	int (*queue_job)(void *closure, void (*callback)(int signum, void *arg), void *argument, void *group, int timeout);
	void (*vverbose_v2)(void *closure, int level, const char *file, int line, const char *func,
			const char *fmt, va_list args);
	struct afb_req (*unstore_req)(void *closure, struct afb_stored_req *sreq);
	int (*require_api)(void *closure, const char *name, int initialized);
	int (*rename_api)(void *closure, const char *name);
};

struct afb_daemon {
	const struct afb_daemon_itf *itf;
	void *closure;
};

/*
 * Broadcasts the event "<api>/<name>" with 'object' (consumed, may be NULL).
 * Returns the count of listeners reached; 0 before afbBindingV1ServiceInit.
 */
static inline int afb_daemon_broadcast_event(struct afb_daemon daemon, const char *name, struct json_object *object)
{
	return daemon.itf->event_broadcast(daemon.closure, name, object);
}

/* Makes the event "<api>/<name>"; invalid when called from afbBindingV1Register. */
static inline struct afb_event afb_daemon_make_event(struct afb_daemon daemon, const char *name)
{
	return daemon.itf->event_make(daemon.closure, name);
}

/*
 * The sd-event loop of the daemon. It runs on the main thread while verbs
 * run on worker threads: add sources to it only from afbBindingV1ServiceInit
 * or from callbacks of that loop.
 */
static inline struct sd_event *afb_daemon_get_event_loop(struct afb_daemon daemon)
{
	return daemon.itf->get_event_loop(daemon.closure);
}

/* The user (session) bus, or NULL when there is none. */
static inline struct sd_bus *afb_daemon_get_user_bus(struct afb_daemon daemon)
{
	return daemon.itf->get_user_bus(daemon.closure);
}

/* The system bus, or NULL when there is none. */
static inline struct sd_bus *afb_daemon_get_system_bus(struct afb_daemon daemon)
{
	return daemon.itf->get_system_bus(daemon.closure);
}

/* A file descriptor on the directory of --rootdir. */
static inline int afb_daemon_rootdir_get_fd(struct afb_daemon daemon)
{
	return daemon.itf->rootdir_get_fd(daemon.closure);
}

/*
 * Opens 'filename' below the root directory, searching first the folders
 * locales/<tag>/ for the tags of 'locale' (e.g. "fr-FR,en").
 */
static inline int afb_daemon_rootdir_open_locale(struct afb_daemon daemon, const char *filename, int flags,
		const char *locale)
{
	return daemon.itf->rootdir_open_locale(daemon.closure, filename, flags, locale);
}

/*
 * Runs callback(0, argument) on a worker thread. Jobs sharing a non-NULL
 * 'group' run one after the other. When 'timeout' (seconds, wall clock,
 * 0 for none) expires first, callback(SIGALRM, argument) is called instead
 * of waiting further; when the callback faults (SIGSEGV...), it is called
 * again with that signal number. Returns 0 or a negative value.
 */
static inline int afb_daemon_queue_job(struct afb_daemon daemon, void (*callback)(int signum, void *arg),
		void *argument, void *group, int timeout)
{
	return daemon.itf->queue_job(daemon.closure, callback, argument, group, timeout);
}

/* Only during afbBindingV1ServiceInit: makes sure the api 'name' exists (and is started). */
static inline int afb_daemon_require_api(struct afb_daemon daemon, const char *name, int initialized)
{
	return daemon.itf->require_api(daemon.closure, name, initialized);
}

/* Only during afbBindingV1Register: renames the api of the binding. */
static inline int afb_daemon_rename_api(struct afb_daemon daemon, const char *name)
{
	return daemon.itf->rename_api(daemon.closure, name);
}

static inline void afb_daemon_verbose(struct afb_daemon daemon, int level, const char *file, int line,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static inline void afb_daemon_verbose(struct afb_daemon daemon, int level, const char *file, int line,
		const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	daemon.itf->vverbose_v1(daemon.closure, level, file, line, fmt, args);
	va_end(args);
}

static inline void afb_daemon_verbose2(struct afb_daemon daemon, int level, const char *file, int line,
		const char *func, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static inline void afb_daemon_verbose2(struct afb_daemon daemon, int level, const char *file, int line,
		const char *func, const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	daemon.itf->vverbose_v2(daemon.closure, level, file, line, func, fmt, args);
	va_end(args);
}

/*
 * The event sender of the binding document: its push is a broadcast of
 * "<api>/<name>" (the document's "unattended events").
 */
struct afb_event_sender {
	const struct afb_daemon_itf *itf;
	void *closure;
};

static inline struct afb_event_sender afb_daemon_get_event_sender(struct afb_daemon daemon)
{
	struct afb_event_sender sender = { daemon.itf, daemon.closure };
	return sender;
}

/* Consumes 'object'. Returns the count of listeners reached. */
static inline int afb_event_sender_push(struct afb_event_sender sender, const char *name, struct json_object *object)
{
	return sender.itf->event_broadcast(sender.closure, name, object);
}

#define afb_daemon_broadcast_event_v1 afb_daemon_broadcast_event
#define afb_daemon_make_event_v1 afb_daemon_make_event
#define afb_daemon_get_event_loop_v1 afb_daemon_get_event_loop
#define afb_daemon_get_user_bus_v1 afb_daemon_get_user_bus
#define afb_daemon_get_system_bus_v1 afb_daemon_get_system_bus
#define afb_daemon_rootdir_get_fd_v1 afb_daemon_rootdir_get_fd
#define afb_daemon_rootdir_open_locale_v1 afb_daemon_rootdir_open_locale
#define afb_daemon_queue_job_v1 afb_daemon_queue_job
#define afb_daemon_require_api_v1 afb_daemon_require_api
#define afb_daemon_rename_api_v1 afb_daemon_rename_api
#define afb_daemon_verbose_v1 afb_daemon_verbose
#define afb_daemon_verbose2_v1 afb_daemon_verbose2
