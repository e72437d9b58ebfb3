/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SIGTERM with requests pending (issue 8, item 5), over HTTP and proto-ws
 * (tests/ws/test-ws-shutdown.py and tests/dbus/test-dbus-shutdown.c do
 * WebSocket and D-Bus): a request whose reply comes within the grace gets
 * it, one whose reply would come later gets "cancelled" (HTTP 503 with the
 * envelope, a proto-ws failure), a request made during the grace is
 * refused with "cancelled", and the daemon exits with status 0.
 *
 * The verb hello/timer replies from a thread after 'ms' milliseconds: a
 * request pending while its verb has returned.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <json-c/json.h>
#include "pwspeer.h"
#include "wsapi-test.h"

struct http_call {
	struct afbt_daemon *d;
	const char *path;
	pthread_t thread;
	struct afbt_resp *resp;
};

static void *http_call(void *arg)
{
	struct http_call *c = arg;
	struct afbt_req req = { .path = c->path, .timeout_ms = 30000 };

	c->resp = afbt_http(c->d, &req);
	return NULL;
}

/* threads of the process: each pending hello/timer has one */
static int threads(struct afbt_daemon *d)
{
	return wt_thread_count(d->pid);
}

/* waits until 'n' more threads than 'base' run: the timers' verbs have returned, their requests pend */
static void wait_threads(struct afbt_daemon *d, int base, int n)
{
	for (double end = afbt_now() + 10; afbt_now() < end; afbt_msleep(10))
		if (threads(d) >= base + n)
			return;
	afbt_fail("the %d timers did not start", n);
}

static void sigterm(struct afbt_daemon *d)
{
	CHECK_EQ(kill(d->pid, SIGTERM), 0);
	wt_wait_log(d, 5000, "received: stopping", NULL);
}

/* the daemon exits by itself with status 0 and a log without sanitizer report */
static void check_exit(struct afbt_daemon *d, double within)
{
	double end = afbt_now() + within;
	const char *log;

	while (afbt_daemon_alive(d) && afbt_now() < end)
		afbt_msleep(20);
	CHECK(!afbt_daemon_alive(d));
	log = afbt_daemon_log(d);
	if (!WIFEXITED(d->status) || WEXITSTATUS(d->status) != 0 || afbt_find_line(log, "Sanitizer", NULL)) {
		afbt_daemon_dump_log(d);
		afbt_fail("afb-daemon did not exit cleanly (wait status 0x%x)", d->status);
	}
}

static void t_http_and_proto_ws(void)
{
	const char *sock = wt_sockpath("hello");
	struct afbt_daemon *d = wt_start("--binding", afbt_binding("hello"), "--shutdown-grace", "2",
					 "--ws-server", afbt_fmt("unix:%s", sock), NULL);
	struct http_call soon = { d, "/api/hello/timer?ms=400" }, late = { d, "/api/hello/timer?ms=60000" };
	struct pwspeer *p = pwspeer_connect(afbt_fmt("unix:%s", sock));
	struct pws_buf b;
	struct pws_msg m;
	int got_soon = 0, got_late = 0, rc, base;
	double t0;

	CHECK(p != NULL);
	base = threads(d);
	/* proto-ws: two calls, not waited for */
	for (int i = 1; i <= 2; i++) {
		struct json_object *args = json_tokener_parse(i == 1 ? "{\"ms\":400}" : "{\"ms\":60000}");

		pws_buf_init(&b);
		pws_put_call(&b, (uint32_t)i, "timer", "8d2e0a6c-0000-4000-8000-000000000001", args);
		json_object_put(args);
		CHECK_EQ(pwspeer_send(p, &b), 0);
	}
	/* HTTP: the same */
	CHECK_EQ(pthread_create(&soon.thread, NULL, http_call, &soon), 0);
	CHECK_EQ(pthread_create(&late.thread, NULL, http_call, &late), 0);
	/* the four are pending (the timers' verbs have returned) */
	wait_threads(d, base, 4);
	t0 = afbt_now();
	sigterm(d);
	CHECK(afbt_daemon_wait_log(d, 2000, "4 request(s) pending", NULL) != NULL);

	/* a new request meanwhile is refused */
	{
		struct afbt_resp *r = wt_get(d, "/api/hello/ping");

		CHECK_EQ(r->code, 503);
		CHECK_STR(afbt_status(r), "cancelled");
	}

	/* proto-ws: the reply within the grace, then the failure */
	while (!(got_soon && got_late) && (rc = pwspeer_recv(p, PWS_CLIENT, &m, 10000)) > 0) {
		if (m.code == 'T' && m.callid == 1) {
			got_soon = 1;
			CHECK_EQ(json_object_get_int(json_object_object_get(m.json, "ms")), 400);
		} else if (m.code == 'F' && m.callid == 2) {
			got_late = 1;
			CHECK_STR(m.status, "cancelled");
			afbt_note("proto-ws failure: %s / %s", m.status, m.info ? m.info : "");
		}
		pws_msg_clear(&m);
	}
	CHECK(got_soon);
	CHECK(got_late);

	pthread_join(soon.thread, NULL);
	pthread_join(late.thread, NULL);
	CHECK_REPLY(soon.resp, 200, "success");
	CHECK_REPLY(late.resp, 503, "cancelled");
	CHECK_CONTAINS(afbt_info(late.resp), "stopping");
	/* after about the grace, not later */
	CHECK(late.resp->seconds < 10);
	afbt_note("late reply after %.2f s", afbt_now() - t0);
	CHECK(afbt_find_line(afbt_daemon_log(d), "2 request(s) not replied within the shutdown grace", NULL));
	check_exit(d, 10);
	pwspeer_close(p);
}

/* nothing pending: SIGTERM ends the daemon at once, not after the grace */
static void t_idle(void)
{
	struct afbt_daemon *d = afbt_daemon_start("--binding", afbt_binding("hello"), "--shutdown-grace", "30", NULL);
	double t0;

	CHECK_REPLY(afbt_get(d, NULL, "/api/hello/ping"), 200, "success");
	t0 = afbt_now();
	sigterm(d);
	check_exit(d, 10);
	CHECK(afbt_now() - t0 < 5);
}

/* a second signal ends the grace */
static void t_second_signal(void)
{
	struct afbt_daemon *d = afbt_daemon_start("--binding", afbt_binding("hello"), "--shutdown-grace", "30", NULL);
	struct http_call late = { d, "/api/hello/timer?ms=60000" };
	int base = threads(d);
	double t0;

	CHECK_EQ(pthread_create(&late.thread, NULL, http_call, &late), 0);
	wait_threads(d, base, 1);
	sigterm(d);
	t0 = afbt_now();
	CHECK_EQ(kill(d->pid, SIGTERM), 0);
	check_exit(d, 10);
	CHECK(afbt_now() - t0 < 5);
	pthread_join(late.thread, NULL);
}

int main(int argc, char **argv)
{
	afbt_init(argc, argv);
	afbt_run("http-and-proto-ws", t_http_and_proto_ws);
	afbt_run("idle", t_idle);
	afbt_run("second-signal", t_second_signal);
	return afbt_done();
}
