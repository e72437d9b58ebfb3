/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Errors and bad input over HTTP: unknown apis and verbs, methods,
 * malformed bodies and requests, tokens, --apitimeout, clients that leave.
 * After each, the daemon must keep serving; at the end it must exit 0
 * (under the sanitizers: no leak, no error).
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "afbtest.h"

#define TOKEN "errors-token"
#define MAX_BODY 10000

static struct afbt_daemon *D;

#define GET(...) afbt_get(D, NULL, __VA_ARGS__)

static void check_healthy(void)
{
	CHECK(afbt_daemon_alive(D));
	CHECK_REPLY(GET("/api/hello/ping"), 200, "success");
}

static void t_unknown_api(void)
{
	struct afbt_resp *r = GET("/api/nosuchapi/ping");

	CHECK_REPLY(r, 404, "unknown-api");
	CHECK_CONTAINS(afbt_info(r), "nosuchapi");
	CHECK_REPLY(GET("/api/nosuchapi/ping?token=" TOKEN), 404, "unknown-api");
}

static void t_unknown_verb(void)
{
	struct afbt_resp *r = GET("/api/hello/nosuchverb");

	CHECK_REPLY(r, 404, "unknown-verb");
	CHECK_CONTAINS(afbt_info(r), "nosuchverb");
}

static void t_missing_verb(void)
{
	/* no verb: not an api call; nothing serves it */
	CHECK_EQ(GET("/api/hello")->code, 404);
	CHECK_EQ(GET("/api/hello/")->code, 404);
	CHECK_EQ(GET("/nothing-here")->code, 404);
}

static void t_methods(void)
{
	static const char *const methods[] = { "PUT", "DELETE", "PATCH", "OPTIONS", NULL };

	for (int i = 0; methods[i]; i++) {
		struct afbt_resp *r = afbt_http(D, &(struct afbt_req){ .method = methods[i], .path = "/api/hello/ping" });
		afbt_note("%s -> %ld", methods[i], r->code);
		CHECK_EQ(r->code, 405);
		CHECK_CONTAINS(afbt_header(r, "Allow"), "GET");
		CHECK_CONTAINS(afbt_header(r, "Allow"), "POST");
	}
	check_healthy();
}

/* 'depth' nested arrays (kept until exit) */
static const char *nested(int depth)
{
	char *s = afbt_keep(malloc((size_t)depth * 2 + 1), free);

	memset(s, '[', (size_t)depth);
	memset(s + depth, ']', (size_t)depth);
	s[depth * 2] = 0;
	return s;
}

static void t_bad_json(void)
{
	struct afbt_resp *r = afbt_post_json(D, NULL, "{\"a\": [1, 2", "/api/hello/echo");

	CHECK_REPLY(r, 400, "bad-request");
	CHECK_CONTAINS(afbt_info(r), "invalid JSON body");
	r = afbt_post_json(D, NULL, "\xff\xfe{}", "/api/hello/echo");
	CHECK_REPLY(r, 400, "bad-request");
	/* nesting: up to 32 levels */
	CHECK_REPLY(afbt_post_json(D, NULL, nested(30), "/api/hello/echo"), 200, "success");
	r = afbt_post_json(D, NULL, nested(2048), "/api/hello/echo");
	afbt_note("deep JSON: %s", afbt_describe(r));
	CHECK_REPLY(r, 400, "bad-request");
	check_healthy();
}

static void t_oversized_body(void)
{
	char body[MAX_BODY * 3];
	struct afbt_resp *r;

	memset(body, ' ', sizeof body - 1);
	body[sizeof body - 1] = 0;
	body[0] = '{';
	body[sizeof body - 2] = '}';
	r = afbt_post_json(D, NULL, body, "/api/hello/echo");
	CHECK_REPLY(r, 413, "bad-request");
	/* urlencoded too */
	memset(body, 'a', sizeof body - 1);
	body[0] = 'k';
	body[1] = '=';
	r = afbt_http(D, &(struct afbt_req){ .path = "/api/hello/echo", .body = body,
					     .content_type = "application/x-www-form-urlencoded" });
	CHECK_REPLY(r, 413, "bad-request");
	/* and the ignored body of a GET */
	r = afbt_http(D, &(struct afbt_req){ .method = "GET", .path = "/api/hello/echo", .body = body,
					     .content_type = "application/x-www-form-urlencoded" });
	CHECK_REPLY(r, 413, "bad-request");
	check_healthy();
}

/* POST of a raw body with the 'declared' Content-Length (0: its length) */
static const char *raw_post(const char *ctype, const char *body, size_t declared, long timeout_ms)
{
	const char *req = afbt_fmt("POST /api/hello/echo HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
				   "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n%s",
				   ctype, declared ? declared : strlen(body), body);

	return afbt_raw(D, req, strlen(req), 0, timeout_ms);
}

static void t_truncated_multipart(void)
{
	const char *reply;

	/* the closing boundary is missing */
	reply = raw_post("multipart/form-data; boundary=XyZ",
			 "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue-of-a", 0, 5000);
	afbt_note("truncated multipart: %.40s", reply);
	CHECK_EQ(afbt_raw_code(reply), 400);
	/* no boundary at all */
	reply = raw_post("multipart/form-data", "--XyZ\r\n\r\n", 0, 5000);
	CHECK_EQ(afbt_raw_code(reply), 400);
	/* a part whose headers never end */
	reply = raw_post("multipart/form-data; boundary=XyZ",
			 "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n", 0, 5000);
	CHECK_EQ(afbt_raw_code(reply), 400);
	check_healthy();
}

/* a body without any delimiter is not a multipart body (RFC 2046 5.1.1) */
static void t_garbage_multipart(void)
{
	const char *reply = raw_post("multipart/form-data; boundary=XyZ", "not a multipart body at all", 0, 5000);

	afbt_note("garbage multipart: %.40s", reply);
	CHECK_EQ(afbt_raw_code(reply), 400);
	check_healthy();
}

static void t_body_cut(void)
{
	/* the client promises more bytes than it sends, and leaves */
	const char *reply = raw_post("application/json", "{\"a\":\"0123456789", MAX_BODY / 2, 100);
	double end;

	CHECK_STR(reply, "");	/* no reply before the end of the body */
	check_healthy();
	raw_post("multipart/form-data; boundary=XyZ",
		 "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"f.bin\"\r\n\r\nabc", 1000, 100);
	check_healthy();
	/* the temporary file of the upload is removed */
	end = afbt_now() + 3;
	while (afbt_dir_count(D->workdir) != 0 && afbt_now() < end)
		afbt_msleep(20);
	CHECK_EQ(afbt_dir_count(D->workdir), 0);
}

static void t_malformed_requests(void)
{
	static const char *const reqs[] = {
		"GARBAGE\r\n\r\n",
		"GET\r\n\r\n",
		"GET /api/hello/ping HTTP/9.9\r\nHost: x\r\n\r\n",
		"GET /api/hello/ping HTTP/1.1\r\nBad Header Line\r\n\r\n",
		"GET /api/hello/ping HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
		"\r\n\r\n\r\n",
		NULL
	};

	for (int i = 0; reqs[i]; i++) {
		const char *reply = afbt_raw(D, reqs[i], strlen(reqs[i]), 1, 2000);
		int code = afbt_raw_code(reply);
		afbt_note("request %d -> %d", i, code);
		CHECK(code == 0 || (code >= 400 && code < 600));
	}
	check_healthy();
}

static void t_huge_request(void)
{
	const char *req, *reply;

	req = afbt_fmt("GET /api/hello/echo?a=%0*d HTTP/1.1\r\nHost: x\r\n\r\n", 100000, 0);
	reply = afbt_raw(D, req, strlen(req), 1, 5000);
	afbt_note("huge URL -> %d", afbt_raw_code(reply));
	CHECK_EQ(afbt_raw_code(reply), 414);
	req = afbt_fmt("GET /api/hello/ping HTTP/1.1\r\nHost: x\r\nX-Big: %0*d\r\n\r\n", 100000, 0);
	reply = afbt_raw(D, req, strlen(req), 1, 5000);
	afbt_note("huge header -> %d", afbt_raw_code(reply));
	CHECK_EQ(afbt_raw_code(reply), 431);
	check_healthy();
}

static void t_bad_token(void)
{
	struct afbt_resp *r = GET("/api/flags/check?token=not-the-token");

	CHECK_REPLY(r, 401, "denied");
	CHECK_REPLY(GET("/api/flags/check"), 401, "denied");
	CHECK_REPLY(GET("/api/flags/check?token=" TOKEN), 200, "success");
}

static void t_apitimeout(void)
{
	struct afbt_resp *r = GET("/api/block/slow?ms=3000");
	double t0;

	CHECK_REPLY(r, 504, "timeout");
	afbt_note("timeout after %.2f s", r->seconds);
	CHECK(r->seconds >= 0.9 && r->seconds < 2.9);
	/* the worker is still busy, the others serve */
	t0 = afbt_now();
	check_healthy();
	/* well before the blocked worker is free again (2 s from now) */
	CHECK(afbt_now() - t0 < (afbt_slowness() > 1 ? 1.5 : 0.5));
}

static void t_late_reply(void)
{
	struct afbt_resp *r = GET("/api/block/late?ms=1500");

	CHECK_REPLY(r, 504, "timeout");
	/* the late reply comes and is refused */
	CHECK(afbt_daemon_wait_log(D, 5000, "verb late", "refused") != NULL);
	check_healthy();
}

static int waiting_count(void)
{
	struct afbt_resp *r = GET("/api/block/waiting");

	CHECK_REPLY(r, 200, "success");
	return json_object_get_int(afbt_json(r, "response.waiting"));
}

static void t_client_leaves(void)
{
	struct afbt_resp *r;
	double end;

	r = afbt_http(D, &(struct afbt_req){ .path = "/api/block/wait?ms=0", .timeout_ms = 500 });
	CHECK_EQ(r->code, 0);	/* the client gave up */
	end = afbt_now() + 5;
	while (waiting_count() < 1 && afbt_now() < end)
		afbt_msleep(20);
	CHECK_EQ(waiting_count(), 1);
	r = GET("/api/block/release");
	CHECK_REPLY(r, 200, "success");
	CHECK_EQ(json_object_get_int(afbt_json(r, "response.released")), 1);
	end = afbt_now() + 5;
	while (waiting_count() > 0 && afbt_now() < end)
		afbt_msleep(20);
	CHECK_EQ(waiting_count(), 0);
	check_healthy();
}

/* --http-timeout: idle connections are closed, waiting ones are not */
static void t_http_timeout(void)
{
	struct afbt_daemon *d = afbt_daemon_start("--http-timeout", "1", "--binding", afbt_binding("hello"),
						  "--binding", afbt_test_binding("block"), NULL);
	double t0 = afbt_now();
	const char *reply = afbt_raw(d, "", 0, 0, 6000);
	struct afbt_resp *r;

	afbt_note("idle connection closed after %.2f s", afbt_now() - t0);
	CHECK_STR(reply, "");
	CHECK(afbt_now() - t0 < 4);
	r = afbt_get(d, NULL, "/api/block/slow?ms=2500");
	CHECK_REPLY(r, 200, "success");
	afbt_daemon_stop(d);
}

struct pending {
	pthread_t tid;
	struct afbt_daemon *d;
	struct afbt_resp *resp;
};

static void *pending_run(void *arg)
{
	struct pending *p = arg;

	p->resp = afbt_get(p->d, NULL, "/api/block/wait?ms=2000");
	return NULL;
}

/* stopping with a request running: a clean exit within 5 s, a proper reply or a close */
static void t_stop_pending(void)
{
	static struct pending p;	/* static: the thread may outlive a failed check */
	struct afbt_daemon *d = afbt_daemon_start("--binding", afbt_test_binding("block"), NULL);
	double end = afbt_now() + 5;
	int waiting = 0;

	p.d = d;
	CHECK_EQ(pthread_create(&p.tid, NULL, pending_run, &p), 0);
	while (waiting < 1 && afbt_now() < end) {
		struct afbt_resp *r = afbt_get(d, NULL, "/api/block/waiting");
		waiting = json_object_get_int(afbt_json(r, "response.waiting"));
		if (waiting < 1)
			afbt_msleep(20);
	}
	if (waiting != 1) {
		pthread_join(p.tid, NULL);
		afbt_fail("the wait did not start");
	}
	afbt_daemon_stop(d);
	pthread_join(p.tid, NULL);
	afbt_note("pending request: %s", afbt_describe(p.resp));
	/* a verb that runs is not interrupted: it gives its own reply (here "timeout"
	 * after 2 s), unless the daemon cancels it or closes the connection */
	if (p.resp->code == 503)
		CHECK_REPLY(p.resp, 503, "cancelled");
	else if (p.resp->code)
		CHECK_REPLY(p.resp, 504, "timeout");
}

static void t_sigint(void)
{
	struct afbt_daemon *d = afbt_daemon_start("--binding", afbt_binding("hello"), NULL);

	CHECK_REPLY(afbt_get(d, NULL, "/api/hello/ping"), 200, "success");
	afbt_daemon_stop_sig(d, SIGINT);
}

static void t_stop(void)
{
	check_healthy();
	afbt_daemon_stop(D);
}

int main(int argc, char **argv)
{
	afbt_init(argc, argv);
	D = afbt_daemon_start("--apitimeout", "1", "--jobs", "4", "--max-body", afbt_fmt("%d", MAX_BODY),
			      "--token", TOKEN,
			      "--binding", afbt_binding("hello"),
			      "--binding", afbt_test_binding("flags"),
			      "--binding", afbt_test_binding("block"), NULL);

	afbt_run("unknown-api-404", t_unknown_api);
	afbt_run("unknown-verb-404", t_unknown_verb);
	afbt_run("missing-verb-404", t_missing_verb);
	afbt_run("methods-405", t_methods);
	afbt_run("bad-json-400", t_bad_json);
	afbt_run("oversized-body-413", t_oversized_body);
	afbt_run("truncated-multipart-400", t_truncated_multipart);
	afbt_run("multipart-garbage-400", t_garbage_multipart);
	afbt_run("body-cut", t_body_cut);
	afbt_run("malformed-requests", t_malformed_requests);
	afbt_run("huge-request-414-431", t_huge_request);
	afbt_run("bad-token-401", t_bad_token);
	afbt_run("apitimeout-504", t_apitimeout);
	afbt_run("late-reply-dropped", t_late_reply);
	afbt_run("client-leaves", t_client_leaves);
	afbt_run("http-timeout", t_http_timeout);
	afbt_run("stop-with-pending", t_stop_pending);
	afbt_run("sigint", t_sigint);
	afbt_run("stop", t_stop);
	return afbt_done();
}
