/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the daemon offers to the bindings of every version (v1, v2, v3)
 * the same way: its root directory and the files below it, the shared
 * D-Bus connections, and the jobs a binding queues. The interface tables
 * of each version call these.
 *
 * Threading: any thread, after host_set_rootdir (main, before loading).
 */
#pragma once

struct fault_site;
struct sd_bus;

/* The directory of --rootdir (not owned; AT_FDCWD until set). */
void host_set_rootdir(int dirfd);
int host_rootdir_fd(void);

/*
 * Opens 'filename' (relative, never going up with "..") below the root
 * directory, trying first locales/<tag>/filename for each tag of the
 * comma-separated 'locale' ("fr-FR,en": "fr-FR", then "fr", then "en"),
 * then filename itself. Returns the fd, or -1 with errno.
 */
int host_rootdir_open_locale(const char *filename, int flags, const char *locale);

/*
 * The user bus (user != 0) or the system bus, shared by the bindings and
 * attached to a loop of theirs (subloop.h: its callbacks are guarded);
 * NULL when it cannot be opened (logged once). The loop is made on the
 * first call from the main thread before the daemon's loop runs
 * (host_prepare).
 */
struct sd_bus *host_bus(int user);

/* Makes what host_bus needs while on the main thread, before serving. */
void host_prepare(void);

/*
 * Queues callback(0, arg) for a binding (see jobs_queue for 'group' and
 * 'timeout'), run under the fault guard of 'site'; after a fault the
 * callback is called again with the signal, as documented since v1.
 * Returns 0 or a negative errno.
 */
int host_queue_job(const struct fault_site *site, const void *group, int timeout,
		   void (*callback)(int signum, void *arg), void *arg);

/* Releases the loop of the buses (end of main). */
void host_cleanup(void);
