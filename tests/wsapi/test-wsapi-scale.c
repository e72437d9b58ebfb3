/* SPDX-License-Identifier: Apache-2.0 */
/*
 * proto-ws at scale (issue 9): 256 links to one exported api, each with
 * calls in flight at the same time, are all served and nothing is lost;
 * a daemon importing the api serves 256 WebSocket-free HTTP clients
 * through its one link. Behaviour only: the speed is measured by
 * scripts/bench proto-ws.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include <sys/resource.h>
#include "pwspeer.h"
#include "wsapi-test.h"

#define LINKS 256
#define CALLS 20

static struct afbt_daemon *S;
static char pad[300000];
static const char *sock;

static void t_links(void)
{
	struct pwspeer **peers = calloc(LINKS, sizeof *peers);
	unsigned char *seen = calloc(LINKS * CALLS, 1);
	struct pws_msg m;
	struct pws_buf b;
	struct json_object *v;
	int i, k, rc, got = 0, errors = 0, open_fds;

	for (i = 0; i < LINKS; i++) {
		peers[i] = pwspeer_connect(afbt_fmt("unix:%s", sock));
		if (!peers[i])
			afbt_fail("link %d: can't connect", i);
	}
	/* all the calls in flight at once: ids k * LINKS + i */
	for (k = 0; k < CALLS; k++)
		for (i = 0; i < LINKS; i++) {
			pws_buf_init(&b);
			v = json_object_new_object();
			json_object_object_add(v, "id", json_object_new_int(k * LINKS + i));
			/* some messages longer than the daemon's reads (64 KiB, 4 per loop turn) */
			if (!k && !(i % 16))
				json_object_object_add(v, "pad", json_object_new_string(pad));
			pws_put_call(&b, (uint32_t)(k * LINKS + i), "echo", "scale-session", v);
			json_object_put(v);
			CHECK_EQ(pwspeer_send(peers[i], &b), 0);
		}
	for (i = 0; i < LINKS; i++) {
		for (k = 0; k < CALLS; k++) {
			/* after a loss, the others are not waited for long */
			rc = pwspeer_expect(peers[i], PWS_CLIENT, PWS_REPLY_SUCCESS, &m, errors ? 100 : 30000);
			if (rc != 1) {
				errors++;
				break;
			}
			/* the reply of a call of this link, with its arguments, once */
			if ((m.callid % LINKS) != (uint32_t)i || m.callid >= LINKS * CALLS || seen[m.callid]
			    || !json_object_object_get_ex(m.json, "id", &v)
			    || json_object_get_int(v) != (int)m.callid)
				errors++;
			else
				seen[m.callid] = 1, got++;
			pws_msg_clear(&m);
		}
	}
	/* every link was served: each has its socket in the daemon */
	open_fds = wt_fd_count(S->pid);
	for (i = 0; i < LINKS; i++)
		pwspeer_close(peers[i]);
	free(peers);
	free(seen);
	afbt_note("%d replies of %d, %d errors, %d descriptors open", got, LINKS * CALLS, errors, open_fds);
	CHECK_INT(open_fds, >=, LINKS);
	CHECK_EQ(errors, 0);
	CHECK_EQ(got, LINKS * CALLS);
}

/*
 * A call too big for the link (beyond PWS_MAX_MESSAGE, which the serving
 * binder refuses and closes the link on) fails at once with "failed";
 * the link is not broken for the other calls.
 */
static void t_too_big(void)
{
	struct afbt_daemon *I = wt_start("--ws-client", afbt_fmt("unix:%s", sock), "--max-body", "40000000", NULL);
	size_t n = 33 * 1024 * 1024;
	char *body = malloc(n + 64), *p;
	struct afbt_resp *r;

	afbt_keep(body, free);
	p = body + sprintf(body, "{\"data\":\"");
	memset(p, 'b', n);
	strcpy(p + n, "\"}");
	r = wt_get(I, "/api/hello/ping");
	CHECK_STR(afbt_status(r), "success");
	r = afbt_post_json(I, NULL, body, "/api/hello/echo");
	CHECK_STR(afbt_status(r), "failed");
	CHECK_CONTAINS(afbt_info(r), "encode");
	r = wt_get(I, "/api/hello/ping");
	CHECK_STR(afbt_status(r), "success");
	/* the link of I was never lost */
	CHECK(!afbt_find_line(afbt_daemon_log(I), "disconnected", NULL));
	afbt_daemon_stop(I);
}

static void t_released(void)
{
	double end = afbt_now() + 10;
	int n;

	while ((n = wt_fd_count(S->pid)) > 64 && afbt_now() < end)
		afbt_msleep(50);
	CHECK_INT(n, <=, 64);
}

static void t_stop(void)
{
	afbt_daemon_stop(S);
}

int main(int argc, char **argv)
{
	struct rlimit rl;

	afbt_init(argc, argv);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	memset(pad, 'p', sizeof pad - 1);
	sock = wt_sockpath("hello");
	S = wt_start("--binding", afbt_binding("hello"), "--ws-server", afbt_fmt("unix:%s", sock), NULL);
	afbt_run("links", t_links);
	afbt_run("too-big", t_too_big);
	afbt_run("released", t_released);
	afbt_run("stop", t_stop);
	return afbt_done();
}
