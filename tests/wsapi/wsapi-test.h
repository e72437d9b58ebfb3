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

/* Counts the occurrences of 'needle' in 'hay'. */
int wt_count(const char *hay, const char *needle);

/* A unique path in a new temp dir for a socket. */
const char *wt_sockpath(const char *name);
