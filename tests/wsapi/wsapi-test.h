/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers of the proto-ws integration tests (on top of tests/lib/afbtest.h).
 */
#pragma once

#include <sys/types.h>
#include "afbtest.h"

struct json_object;

/* Starts a daemon (afbt_daemon_start) and waits for its proto-ws servers to listen. */
struct afbt_daemon *wt_start(const char *arg, ...) __attribute__((sentinel));

/* The TCP port on which 'd' serves 'api' (read from its log), or fails. */
int wt_port_of(struct afbt_daemon *d, const char *api);

/* GET <path> on 'd' with a new client (NULL: none). */
struct afbt_resp *wt_get(struct afbt_daemon *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Kills 'd' with SIGKILL (a crash) and reaps it. */
void wt_kill(struct afbt_daemon *d);

/* Open fds and resident memory (KiB) of a process. */
int wt_fd_count(pid_t pid);
long wt_rss_kb(pid_t pid);
/* Whether the process runs with AddressSanitizer (memory figures are then meaningless). */
int wt_has_asan(pid_t pid);

/* Polls until 'd's log has a line with 'a' and 'b' (NULL: any), or fails after 'ms'. */
void wt_wait_log(struct afbt_daemon *d, long ms, const char *a, const char *b);

/* The events recorded by the 'service' test binding on 'd' (service/events): a JSON array text. */
const char *wt_service_events(struct afbt_daemon *d);

/*
 * An HTTP call made in a thread while the test plays a peer: a GET of
 * 'path' on 'd', or a POST of the JSON 'body' (borrowed until the end);
 * wt_http_end joins it and gives its response.
 */
struct wt_http;
struct wt_http *wt_http_start(struct afbt_daemon *d, const char *path, const char *body);
struct afbt_resp *wt_http_end(struct wt_http *call);

/*
 * How long the tests wait for what must come (ms): far more than it takes,
 * even for a sanitized daemon on a loaded machine; past it, the check fails.
 */
#define WT_DEADLINE_MS 10000

/*
 * Polls until 'cond' holds (at growing intervals, 1 to 20 ms), for 'ms'
 * milliseconds at most: 'ok' (an int variable) gets 1 when it held, 0 when
 * it still did not after the deadline ('cond' is evaluated once more then).
 */
#define WT_POLL(ok, ms, cond) \
	do { \
		double wt_end_ = afbt_now() + (ms) / 1000.0; \
		long wt_nap_ = 1; \
		for (;;) { \
			int wt_late_ = afbt_now() >= wt_end_; \
			if (cond) { \
				(ok) = 1; \
				break; \
			} \
			if (wt_late_) { \
				(ok) = 0; \
				break; \
			} \
			afbt_msleep(wt_nap_); \
			wt_nap_ = wt_nap_ < 10 ? wt_nap_ * 2 : 20; \
		} \
	} while (0)

/* The same, failing the check with the printf-like message on the deadline. */
#define WT_WAIT_UNTIL(ms, cond, ...) \
	do { \
		int wt_ok_; \
		WT_POLL(wt_ok_, ms, cond); \
		if (!wt_ok_) \
			afbt_fail(__VA_ARGS__); \
	} while (0)

/*
 * Reads the events recorded by 'service' on 'd' (reading clears them)
 * until 'needle' occurs 'n' times in 'seen' (NULL: "") followed by what
 * was read; fails after 'ms'. Returns 'seen' followed by what was read
 * (JSON arrays one after the other), for counting.
 */
const char *wt_service_events_until(struct afbt_daemon *d, const char *seen, const char *needle, int n, long ms);

/* Threads of a process (/proc/PID/status), -1 if unknown. */
int wt_thread_count(pid_t pid);

/* Counts the occurrences of 'needle' in 'hay'. */
int wt_count(const char *hay, const char *needle);

/* A unique path in a new temp dir for a socket. */
const char *wt_sockpath(const char *name);
