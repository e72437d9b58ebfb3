/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the daemon offers to the bindings of every version (binding-host.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <systemd/sd-bus.h>
#include "binding-host.h"
#include "fault.h"
#include "jobs.h"
#include "mainloop.h"
#include "subloop.h"
#include "verbose.h"

static int rootdir_fd = AT_FDCWD;

void host_set_rootdir(int dirfd)
{
	rootdir_fd = dirfd;
}

int host_rootdir_fd(void)
{
	return rootdir_fd;
}

/* ---- files below the root directory ---- */

/* a relative path that stays below its root */
static int path_is_safe(const char *path)
{
	const char *p = path;

	if (!path || !*path || *path == '/')
		return 0;
	while (*p) {
		if (p[0] == '.' && p[1] == '.' && (p[2] == '/' || !p[2]))
			return 0;
		p = strchr(p, '/');
		if (!p)
			break;
		p++;
	}
	return 1;
}

static int open_in_locale(const char *tag, size_t len, const char *filename, int flags)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof path, "locales/%.*s/%s", (int)len, tag, filename) >= (int)sizeof path)
		return -1;
	return openat(rootdir_fd, path, flags | O_CLOEXEC);
}

int host_rootdir_open_locale(const char *filename, int flags, const char *locale)
{
	const char *tag, *end, *dash;
	size_t len;
	int fd;

	if (!path_is_safe(filename)) {
		errno = EINVAL;
		return -1;
	}
	for (tag = locale; tag && *tag; tag = *end ? end + 1 : end) {
		tag += strspn(tag, " ");
		end = tag + strcspn(tag, ",");
		len = (size_t)(end - tag);
		while (len && tag[len - 1] == ' ')
			len--;
		if (!len || memchr(tag, '/', len) || memchr(tag, '.', len))
			continue;
		/* "fr-FR" falls back to "fr" */
		for (;;) {
			fd = open_in_locale(tag, len, filename, flags);
			if (fd >= 0)
				return fd;
			dash = memrchr(tag, '-', len);
			if (!dash)
				break;
			len = (size_t)(dash - tag);
		}
	}
	return openat(rootdir_fd, filename, flags | O_CLOEXEC);
}

/* ---- the buses shared by the bindings, and their loop: their callbacks are binding code ---- */

static const struct fault_site bus_site = { "(a binding using the shared D-Bus connections)", "?" };
static struct subloop *bus_loop;

void host_prepare(void)
{
	if (!bus_loop && mainloop_event() && subloop_new(&bus_loop, &bus_site) < 0)
		LOGW("no guarded loop for the D-Bus connections of the bindings");
}

struct sd_bus *host_bus(int user)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static sd_bus *buses[2];
	static int tried[2];
	sd_bus *bus;
	int rc;

	user = !!user;
	pthread_mutex_lock(&lock);
	if (!tried[user]) {
		tried[user] = 1;
		rc = user ? sd_bus_open_user(&bus) : sd_bus_open_system(&bus);
		if (rc < 0) {
			LOGW("can't open the %s bus: %s", user ? "user" : "system", strerror(-rc));
		} else if ((rc = sd_bus_attach_event(bus, bus_loop ? subloop_event(bus_loop) : mainloop_event(), 0)) < 0) {
			LOGW("can't attach the %s bus: %s", user ? "user" : "system", strerror(-rc));
			sd_bus_unref(bus);
		} else {
			buses[user] = bus;
		}
	}
	bus = buses[user];
	pthread_mutex_unlock(&lock);
	return bus;
}

/* ---- jobs queued by bindings: run under the fault guard ---- */

struct bjob {
	const struct fault_site *site;
	void (*callback)(int signum, void *arg);
	void *arg;
	int signum;
};

static void bjob_call(void *closure)
{
	struct bjob *j = closure;

	j->callback(j->signum, j->arg);
}

static void bjob_run(int signum, void *closure)
{
	struct bjob *j = closure;
	int sig;

	j->signum = signum;
	sig = fault_guard(j->site, "job", NULL, NULL, bjob_call, j);
	if (sig) {
		/* as documented since v1: the callback is told its crash */
		j->signum = sig;
		fault_guard(j->site, "job (called again with the signal)", NULL, NULL, bjob_call, j);
	}
	free(j);
}

int host_queue_job(const struct fault_site *site, const void *group, int timeout,
		   void (*callback)(int signum, void *arg), void *arg)
{
	struct bjob *j = malloc(sizeof *j);
	int rc;

	if (!j)
		return -ENOMEM;
	j->site = site;
	j->callback = callback;
	j->arg = arg;
	rc = jobs_queue(group, timeout, bjob_run, j);
	if (rc < 0)
		free(j);
	return rc;
}

void host_cleanup(void)
{
	subloop_free(bus_loop);
	bus_loop = NULL;
}
