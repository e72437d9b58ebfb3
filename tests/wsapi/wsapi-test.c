/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers of the proto-ws integration tests: see wsapi-test.h.
 */
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <json-c/json.h>
#include "wsapi-test.h"

struct afbt_daemon *wt_start(const char *arg, ...)
{
	const char *args[64];
	struct afbt_daemon *d;
	int n = 0, servers = 0;
	va_list ap;

	va_start(ap, arg);
	for (const char *a = arg; a && n < 63; a = va_arg(ap, const char *)) {
		args[n++] = a;
		if (!strncmp(a, "--ws-server", 11))
			servers++;
	}
	va_end(ap);
	args[n] = NULL;
	d = afbt_daemon_startv(args);
	/* the servers start after HTTP */
	for (int i = 0; i < 200; i++) {
		if (wt_count(afbt_daemon_log(d), "proto-ws: serving api") >= servers)
			return d;
		afbt_msleep(10);
	}
	afbt_daemon_dump_log(d);
	afbt_fail("the proto-ws servers did not start");
}

int wt_port_of(struct afbt_daemon *d, const char *api)
{
	const char *line = afbt_find_line(afbt_daemon_log(d), afbt_fmt("proto-ws: serving api %s on tcp", api), NULL);
	const char *colon;

	if (!line)
		afbt_fail("no TCP server of %s in the log", api);
	/* "... on tcp 127.0.0.1:PORT" or "... on tcp [::1]:PORT" */
	colon = strrchr(afbt_strdup(strtok(afbt_strdup(line), "\n")), ':');
	if (!colon)
		afbt_fail("no port in '%s'", line);
	return atoi(colon + 1);
}

struct afbt_resp *wt_get(struct afbt_daemon *d, const char *fmt, ...)
{
	char *path;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&path, fmt, ap) < 0)
		afbt_fail("out of memory");
	va_end(ap);
	afbt_keep(path, free);
	return afbt_http(d, &(struct afbt_req){ .path = path });
}

void wt_kill(struct afbt_daemon *d)
{
	if (!d->pid)
		return;
	kill(d->pid, SIGKILL);
	while (afbt_daemon_alive(d))
		afbt_msleep(5);
}

int wt_fd_count(pid_t pid)
{
	DIR *dir = opendir(afbt_fmt("/proc/%d/fd", (int)pid));
	struct dirent *e;
	int n = 0;

	if (!dir)
		afbt_fail("can't read the fds of %d", (int)pid);
	while ((e = readdir(dir)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(dir);
	return n;
}

long wt_rss_kb(pid_t pid)
{
	char *status = afbt_read_file(afbt_fmt("/proc/%d/status", (int)pid), NULL);
	const char *p = status ? strstr(status, "VmRSS:") : NULL;

	if (!p)
		afbt_fail("no VmRSS for %d", (int)pid);
	return atol(p + 6);
}

int wt_has_asan(pid_t pid)
{
	char *maps = afbt_read_file(afbt_fmt("/proc/%d/maps", (int)pid), NULL);

	return maps && (strstr(maps, "libasan") || strstr(maps, "libclang_rt.asan"));
}

void wt_wait_log(struct afbt_daemon *d, long ms, const char *a, const char *b)
{
	if (!afbt_daemon_wait_log(d, ms, a, b)) {
		afbt_daemon_dump_log(d);
		afbt_fail("no line with '%s' and '%s' in the log", a, b ? b : "");
	}
}

const char *wt_service_events(struct afbt_daemon *d)
{
	struct afbt_resp *r = wt_get(d, "/api/service/events");

	if (!afbt_streq(afbt_status(r), "success"))
		afbt_fail("service/events: %s", afbt_describe(r));
	return afbt_strdup(json_object_to_json_string_ext(afbt_json(r, "response"),
							 JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* 'all' followed by the events recorded since the last read */
static const char *append_events(struct afbt_daemon *d, const char **all)
{
	const char *got = wt_service_events(d);

	if (strcmp(got, "[]"))
		*all = afbt_fmt("%s%s", *all, got);
	return *all;
}

const char *wt_service_events_until(struct afbt_daemon *d, const char *seen, const char *needle, int n, long ms)
{
	const char *all = seen ? seen : "";

	WT_WAIT_UNTIL(ms, wt_count(append_events(d, &all), needle) >= n, "%d '%s' event(s) expected within %ld ms, got: %s",
		      n, needle, ms, all);
	return all;
}

int wt_thread_count(pid_t pid)
{
	char *status = afbt_read_file(afbt_fmt("/proc/%d/status", (int)pid), NULL);
	const char *line = status ? afbt_find_line(status, "Threads:", NULL) : NULL;

	return line ? atoi(line + 8) : -1;
}

int wt_count(const char *hay, const char *needle)
{
	int n = 0;
	size_t len = strlen(needle);

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += len)
		n++;
	return n;
}

const char *wt_sockpath(const char *name)
{
	return afbt_fmt("%s/%s", afbt_tempdir(), name);
}

struct wt_http {
	pthread_t thread;
	struct afbt_daemon *d;
	const char *path;
	const char *body;
	struct afbt_resp *resp;
};

static void *http_thread(void *arg)
{
	struct wt_http *c = arg;

	c->resp = c->body ? afbt_post_json(c->d, NULL, c->body, "%s", c->path) : wt_get(c->d, "%s", c->path);
	return NULL;
}

struct wt_http *wt_http_start(struct afbt_daemon *d, const char *path, const char *body)
{
	struct wt_http *c = afbt_keep(calloc(1, sizeof *c), free);

	c->d = d;
	c->path = path;
	c->body = body;
	pthread_create(&c->thread, NULL, http_thread, c);
	return c;
}

struct afbt_resp *wt_http_end(struct wt_http *c)
{
	pthread_join(c->thread, NULL);
	return c->resp;
}
