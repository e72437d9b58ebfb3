/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every verb of the hello sample over HTTP REST.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <json-c/json.h>

#include "afbtest.h"

#define TOKEN "hello-token"

static struct afbt_daemon *D;

#define GET(...) afbt_get(D, NULL, __VA_ARGS__)

static void check_json_type(const struct afbt_resp *r)
{
	const char *ct = afbt_header(r, "Content-Type");

	CHECK(ct != NULL);
	CHECK(!strncmp(ct, "application/json", 16));
}

static void t_ping(void)
{
	struct afbt_resp *r = GET("/api/hello/ping");

	CHECK_REPLY(r, 200, "success");
	check_json_type(r);
	CHECK_STR(afbt_header(r, "Cache-Control"), "no-cache");
	CHECK_STR(afbt_jstr(r, "response.ping"), "pong");
	CHECK_STR(afbt_info(r), "Ping Binder Daemon");
	CHECK_STR(afbt_jstr(r, "jtype"), "afb-reply");
	/* json-c plain format: no spaces, '/' not escaped */
	r = GET("/api/hello/echo?p=a/b");
	CHECK_CONTAINS(r->body, "{\"p\":\"a/b\"}");
}

static void t_reqid(void)
{
	struct afbt_resp *r = GET("/api/hello/ping?reqid=42");

	CHECK_REPLY(r, 200, "success");
	CHECK_STR(afbt_jstr(r, "request.reqid"), "42");
	r = GET("/api/hello/pingfail?x-afb-reqid=abc");
	CHECK_REPLY(r, 500, "failed");
	CHECK_STR(afbt_jstr(r, "request.reqid"), "abc");
	CHECK(afbt_jstr(GET("/api/hello/ping"), "request.reqid") == NULL);
}

/* HEAD runs the verb and sends the headers only */
static void t_head(void)
{
	static const char req[] = "HEAD /api/hello/ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	const char *reply = afbt_raw(D, req, sizeof req - 1, 0, 5000);
	const char *end = strstr(reply, "\r\n\r\n");

	CHECK_EQ(afbt_raw_code(reply), 200);
	CHECK(strcasestr(reply, "\r\nContent-Type: application/json") != NULL);
	CHECK(end != NULL);
	CHECK_STR(end + 4, "");
}

/* two requests on one connection */
static void t_keep_alive(void)
{
	static const char req[] = "GET /api/hello/ping HTTP/1.1\r\nHost: x\r\n\r\n"
				  "GET /api/hello/pingfail HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	const char *reply = afbt_raw(D, req, sizeof req - 1, 0, 5000);
	const char *second;

	CHECK_EQ(afbt_raw_code(reply), 200);
	CHECK_CONTAINS(reply, "\"pong\"");
	second = strstr(reply + 1, "HTTP/1.1 ");
	CHECK(second != NULL);
	CHECK_EQ(afbt_raw_code(second), 500);
}

static void t_ping_case(void)
{
	struct afbt_resp *r = GET("/api/HELLO/PiNg");

	CHECK_REPLY(r, 200, "success");
	CHECK_STR(afbt_jstr(r, "response.ping"), "pong");
	r = GET("/api/Hello/pInGnUlL");
	CHECK_REPLY(r, 200, "success");
}

static void t_ping_post(void)
{
	struct afbt_resp *r = afbt_http(D, &(struct afbt_req){ .method = "POST", .path = "/api/hello/ping" });

	CHECK_REPLY(r, 200, "success");
	CHECK_STR(afbt_jstr(r, "response.ping"), "pong");
}

static void t_pingfail(void)
{
	struct afbt_resp *r = GET("/api/hello/pingfail");

	CHECK_REPLY(r, 500, "failed");
	check_json_type(r);
	CHECK_STR(afbt_info(r), "Ping Binder Daemon fails");
	CHECK(afbt_json(r, "response") == NULL);
}

static void t_pingnull(void)
{
	struct afbt_resp *r = GET("/api/hello/pingnull");

	CHECK_REPLY(r, 200, "success");
	CHECK(afbt_json(r, "response") == NULL);
	CHECK_CONTAINS(afbt_info(r), "NULL");
}

/* status of hello/fail -> HTTP code */
static void t_status_mapping(void)
{
	static const struct { const char *status; long code; } map[] = {
		{ "failed", 500 }, { "bad-request", 400 }, { "unknown-api", 404 },
		{ "unknown-verb", 404 }, { "denied", 401 }, { "cancelled", 503 },
		{ "timeout", 504 }, { "invalid-request", 500 }, { "error", 500 },
	};

	for (size_t i = 0; i < sizeof map / sizeof *map; i++) {
		struct afbt_resp *r = GET("/api/hello/fail?status=%s&info=because", map[i].status);
		afbt_note("status %s -> HTTP %ld", map[i].status, r->code);
		CHECK_REPLY(r, map[i].code, map[i].status);
		CHECK_STR(afbt_info(r), "because");
	}
}

/* denied is 403 when the request presented a valid token */
static void t_denied_with_token(void)
{
	struct afbt_resp *r = GET("/api/hello/fail?status=denied&token=" TOKEN);

	CHECK_REPLY(r, 403, "denied");
	r = afbt_get_h(D, NULL, (const char *[]){ "x-afb-token: " TOKEN, NULL }, "/api/hello/fail?status=denied");
	CHECK_REPLY(r, 403, "denied");
	r = afbt_get_h(D, NULL, (const char *[]){ "Authorization: Bearer " TOKEN, NULL }, "/api/hello/fail?status=denied");
	CHECK_REPLY(r, 403, "denied");
	r = GET("/api/hello/fail?status=denied&token=wrong");
	CHECK_REPLY(r, 401, "denied");
	CHECK_CONTAINS(afbt_header(r, "WWW-Authenticate"), "Bearer");
}

static void t_fail_default(void)
{
	struct afbt_resp *r = GET("/api/hello/fail");

	CHECK_REPLY(r, 500, "failed");
}

static void t_echo_args(void)
{
	struct afbt_resp *r = GET("/api/hello/echo?a=1&b=two%%20words&a=3&c&d=");

	CHECK_REPLY(r, 200, "success");
	CHECK_STR(afbt_jstr(r, "response.b"), "two words");
	CHECK(json_object_is_type(afbt_json(r, "response.a"), json_type_array));
	CHECK_STR(afbt_jstr(r, "response.a"), "[\"1\",\"3\"]");
	CHECK_STR(afbt_jstr(r, "response.c"), "null");	/* present, JSON null */
	CHECK_STR(afbt_jstr(r, "response.d"), "");
	CHECK(afbt_jstr(r, "response.e") == NULL);
}

static void t_pingjson(void)
{
	struct afbt_resp *r = GET("/api/hello/pingJson?x=%s", afbt_urlencode("{\"y\":[1,2]}"));

	CHECK_REPLY(r, 200, "success");
	CHECK_STR(afbt_info(r), "Ping Binder Daemon JSON");
	/* query values are strings: no type inference */
	CHECK_STR(afbt_jstr(r, "response.x"), "{\"y\":[1,2]}");
	r = afbt_post_json(D, NULL, "{\"n\":1,\"s\":\"t\",\"l\":[true,null]}", "/api/hello/pingjson");
	CHECK_REPLY(r, 200, "success");
	CHECK(json_object_is_type(afbt_json(r, "response.n"), json_type_int));
	CHECK_STR(afbt_jstr(r, "response.s"), "t");
	CHECK_STR(afbt_jstr(r, "response.l"), "[true,null]");
}

/* an object body is merged into the args (replacing query args); "" is the raw text */
static void t_json_body_merge(void)
{
	static const char body[] = "{\"k\":\"body\",\"n\":2}";
	struct afbt_resp *r = afbt_post_json(D, NULL, body, "/api/hello/echo?k=query&q=1");
	struct json_object *raw;

	CHECK_REPLY(r, 200, "success");
	CHECK_STR(afbt_jstr(r, "response.k"), "body");
	CHECK_STR(afbt_jstr(r, "response.q"), "1");
	CHECK_EQ(json_object_get_int(afbt_json(r, "response.n")), 2);
	CHECK(json_object_object_get_ex(afbt_json(r, "response"), "", &raw));
	CHECK_STR(json_object_get_string(raw), body);

	/* a non-object body is only in "" */
	r = afbt_post_json(D, NULL, "[1,2]", "/api/hello/echo?q=1");
	CHECK_REPLY(r, 200, "success");
	CHECK(json_object_object_get_ex(afbt_json(r, "response"), "", &raw));
	CHECK_STR(json_object_get_string(raw), "[1,2]");
	CHECK_STR(afbt_jstr(r, "response.q"), "1");

	/* the body of a GET is ignored */
	r = afbt_http(D, &(struct afbt_req){ .method = "GET", .path = "/api/hello/echo?q=1", .body = body,
					     .content_type = "application/json" });
	CHECK_REPLY(r, 200, "success");
	CHECK(afbt_json(r, "response.k") == NULL);
	CHECK_STR(afbt_jstr(r, "response.q"), "1");
}

/* --rootapi moves the api calls and the cookie path */
static void t_rootapi(void)
{
	struct afbt_daemon *d = afbt_daemon_start("--rootapi", "/rest/v1", "--binding", afbt_binding("hello"), NULL);
	/* a verb that keeps session state: its session is made, and told by cookie */
	struct afbt_resp *r = afbt_get(d, NULL, "/rest/v1/hello/contextset?value=1");

	CHECK_REPLY(r, 200, "success");
	CHECK_CONTAINS(afbt_header(r, "Set-Cookie"), "Path=/rest/v1");
	CHECK_REPLY(afbt_get(d, NULL, "/REST/V1/hello/ping"), 200, "success");
	CHECK_EQ(afbt_get(d, NULL, "/api/hello/ping")->code, 404);
	CHECK_EQ(afbt_get(d, NULL, "/rest/v1x/hello/ping")->code, 404);
	afbt_daemon_stop(d);
}

static void t_timer(void)
{
	struct afbt_resp *r = GET("/api/hello/timer?ms=300");

	CHECK_REPLY(r, 200, "success");
	CHECK_STR(afbt_info(r), "timer expired");
	CHECK_INT(json_object_get_int(afbt_json(r, "response.elapsed")), >=, 300);
	CHECK(r->seconds >= 0.29);
	r = GET("/api/hello/timer?ms=nope");
	CHECK_REPLY(r, 500, "invalid-request");
}

static void t_store(void)
{
	struct afbt_resp *r = GET("/api/hello/store");

	CHECK_REPLY(r, 200, "success");
	CHECK_STR(afbt_info(r), "replied from a stored request");
}

struct sleeper {
	pthread_t tid;
	atomic_int done;
	struct afbt_resp *resp;
	double end;		/* client time of the reply */
};

static void *sleeper_run(void *arg)
{
	struct sleeper *s = arg;

	s->resp = afbt_get(D, NULL, "/api/hello/sleep?ms=1500");
	s->end = afbt_now();
	atomic_store(&s->done, 1);
	return NULL;
}

/*
 * Verbs run on workers: while two blocking verbs sleep 1.5 s, pings sent
 * meanwhile are answered at once. Pings are sent every 50 ms until the
 * sleeps end; afterwards, the start of each sleep is known from its reply
 * ("elapsed"), which tells the pings that were surely sent meanwhile.
 */
static void t_sleep_concurrent(void)
{
	static struct sleeper s[2];	/* static: threads may outlive a failed check */
	double sent[100], took[100], t0 = afbt_now(), latest_start, earliest_end;
	int n = 0, meanwhile = 0;

	for (int i = 0; i < 2; i++) {
		atomic_store(&s[i].done, 0);
		CHECK_EQ(pthread_create(&s[i].tid, NULL, sleeper_run, &s[i]), 0);
	}
	while (!(atomic_load(&s[0].done) && atomic_load(&s[1].done)) && n < 100) {
		struct afbt_resp *ping;

		sent[n] = afbt_now();
		ping = GET("/api/hello/ping");
		took[n++] = ping->seconds;
		if (ping->code != 200) {
			for (int i = 0; i < 2; i++)
				pthread_join(s[i].tid, NULL);
			CHECK_REPLY(ping, 200, "success");
		}
		afbt_msleep(50);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(s[i].tid, NULL);
	for (int i = 0; i < 2; i++) {
		CHECK_REPLY(s[i].resp, 200, "success");
		CHECK(s[i].resp->seconds >= 1.49);
	}
	/* concurrent, not one after the other */
	CHECK(afbt_now() - t0 < 2.9);

	latest_start = 0;
	earliest_end = s[0].end;
	for (int i = 0; i < 2; i++) {
		double start = s[i].end - json_object_get_int(afbt_json(s[i].resp, "response.elapsed")) / 1000.0;
		if (start > latest_start)
			latest_start = start;
		if (s[i].end < earliest_end)
			earliest_end = s[i].end;
	}
	for (int i = 0; i < n; i++) {
		if (sent[i] >= latest_start && sent[i] + took[i] < earliest_end - 0.1) {
			meanwhile++;
			if (took[i] >= 0.5)
				afbt_fail("a ping sent during the sleeps took %.3f s", took[i]);
		}
	}
	afbt_note("%d pings, %d of them during the two sleeps", n, meanwhile);
	CHECK(meanwhile >= 1);
}

static void t_noreply(void)
{
	struct afbt_resp *r = GET("/api/hello/noreply");

	CHECK_REPLY(r, 500, "error");
	CHECK_STR(afbt_info(r), "no reply");
}

static void t_doublereply(void)
{
	struct afbt_resp *r = GET("/api/hello/doublereply");

	CHECK_REPLY(r, 200, "success");
	CHECK_STR(afbt_info(r), "first reply");
	CHECK_EQ(json_object_get_int(afbt_json(r, "response.reply")), 1);
	CHECK(afbt_daemon_wait_log(D, 5000, "doublereply", "refused") != NULL);
}

static void t_events(void)
{
	struct afbt_resp *r;

	CHECK_REPLY(GET("/api/hello/eventadd?tag=t1&name=ev1"), 200, "success");
	CHECK_REPLY(GET("/api/hello/eventadd?tag=t1&name=ev1"), 500, "failed");	/* tag exists */
	/* plain HTTP has no event listener: subscribing fails */
	r = GET("/api/hello/eventsub?tag=t1");
	CHECK_REPLY(r, 500, "failed");
	CHECK_CONTAINS(afbt_info(r), "subscribe");
	r = GET("/api/hello/eventpush?tag=t1&data=%s", afbt_urlencode("{\"a\":1}"));
	CHECK_REPLY(r, 200, "success");
	CHECK_EQ(json_object_get_int(afbt_json(r, "response.count")), 0);
	CHECK_REPLY(GET("/api/hello/eventunsub?tag=t1"), 500, "failed");
	CHECK_REPLY(GET("/api/hello/eventdel?tag=t1"), 200, "success");
	CHECK_REPLY(GET("/api/hello/eventdel?tag=t1"), 500, "failed");
	CHECK_REPLY(GET("/api/hello/eventpush?tag=t1"), 500, "failed");
	CHECK_REPLY(GET("/api/hello/eventadd"), 500, "invalid-request");
}

static void t_broadcast(void)
{
	struct afbt_resp *r = GET("/api/hello/broadcast?name=news&data=42");

	CHECK_REPLY(r, 200, "success");
	CHECK(json_object_is_type(afbt_json(r, "response.count"), json_type_int));
	CHECK_EQ(json_object_get_int(afbt_json(r, "response.count")), 0);
	r = GET("/api/hello/eventsender?name=news&data=42");
	CHECK_REPLY(r, 200, "success");
	CHECK_EQ(json_object_get_int(afbt_json(r, "response.count")), 0);
}

static void check_subcall_ok(const char *verb)
{
	struct afbt_resp *r = GET("/api/hello/%s?api=hello&verb=ping", verb);

	CHECK_REPLY(r, 200, "success");
	CHECK_EQ(json_object_get_int(afbt_json(r, "response.status")), 0);
	CHECK_STR(afbt_jstr(r, "response.result.jtype"), "afb-reply");
	CHECK_STR(afbt_jstr(r, "response.result.request.status"), "success");
	CHECK_STR(afbt_jstr(r, "response.result.response.ping"), "pong");
}

static void check_subcall_fail(const char *verb)
{
	struct afbt_resp *r = GET("/api/hello/%s?api=nosuchapi&verb=ping", verb);

	CHECK_REPLY(r, 500, "failed");
	CHECK_STR(afbt_info(r), "unknown-api");
	r = GET("/api/hello/%s?api=hello&verb=nosuchverb", verb);
	CHECK_REPLY(r, 500, "failed");
	CHECK_STR(afbt_info(r), "unknown-verb");
	r = GET("/api/hello/%s?api=hello&verb=pingfail", verb);
	CHECK_REPLY(r, 500, "failed");
	CHECK_STR(afbt_info(r), "failed");
}

static void t_call(void)
{
	check_subcall_ok("call");
	check_subcall_fail("call");
}

static void t_callsync(void)
{
	check_subcall_ok("callsync");
	check_subcall_fail("callsync");
}

static void t_callreq(void)
{
	check_subcall_ok("callreq");
	check_subcall_fail("callreq");
}

/* a subcall of a subcall, with arguments */
static void t_call_nested(void)
{
	const char *inner = afbt_urlencode("{\"api\":\"hello\",\"verb\":\"echo\",\"args\":{\"k\":\"v\"}}");
	struct afbt_resp *r = GET("/api/hello/call?api=hello&verb=callsync&args=%s", inner);

	CHECK_REPLY(r, 200, "success");
	CHECK_STR(afbt_jstr(r, "response.result.response.result.response.k"), "v");
}

static void t_context_session(void)
{
	struct afbt_client *a = afbt_client_new(), *b = afbt_client_new();
	struct afbt_resp *r;
	const char *uuid;

	r = afbt_get(D, a, "/api/hello/contextset?value=abc");
	CHECK_REPLY(r, 200, "success");
	uuid = afbt_jstr(r, "request.uuid");
	CHECK(uuid != NULL && strlen(uuid) > 0);
	CHECK(afbt_header(r, "Set-Cookie") != NULL);

	/* the same session through the cookie */
	r = afbt_get(D, a, "/api/hello/contextget");
	CHECK_REPLY(r, 200, "success");
	CHECK_STR(afbt_jstr(r, "response.value"), "abc");
	CHECK(afbt_jstr(r, "request.uuid") == NULL);	/* not created by this request */

	/* the same session through the header */
	r = afbt_get_h(D, NULL, (const char *[]){ afbt_fmt("x-afb-uuid: %s", uuid), NULL }, "/api/hello/contextget");
	CHECK_REPLY(r, 200, "success");
	CHECK_STR(afbt_jstr(r, "response.value"), "abc");

	/* and through the query */
	r = GET("/api/hello/contextget?uuid=%s", uuid);
	CHECK_REPLY(r, 200, "success");
	CHECK_STR(afbt_jstr(r, "response.value"), "abc");

	/* another session does not see it */
	r = afbt_get(D, b, "/api/hello/contextget");
	CHECK_REPLY(r, 200, "success");
	CHECK(afbt_json(r, "response") == NULL);
	CHECK_STR_NE(afbt_jstr(r, "request.uuid"), uuid);
	r = GET("/api/hello/contextget");
	CHECK_REPLY(r, 200, "success");
	CHECK(afbt_json(r, "response") == NULL);

	/* clearing */
	CHECK_REPLY(afbt_get(D, a, "/api/hello/contextset"), 200, "success");
	r = afbt_get(D, a, "/api/hello/contextget");
	CHECK_REPLY(r, 200, "success");
	CHECK(afbt_json(r, "response") == NULL);
}

static void t_contextmake(void)
{
	struct afbt_client *c = afbt_client_new(), *o = afbt_client_new();
	struct afbt_resp *r1, *r2, *r3;

	r1 = afbt_get(D, c, "/api/hello/contextmake");
	CHECK_REPLY(r1, 200, "success");
	CHECK_CONTAINS(afbt_jstr(r1, "response.value"), "made-");
	r2 = afbt_get(D, c, "/api/hello/contextmake");
	CHECK_REPLY(r2, 200, "success");
	CHECK_STR(afbt_jstr(r2, "response.value"), afbt_jstr(r1, "response.value"));
	CHECK_EQ(json_object_get_int(afbt_json(r2, "response.creations")),
		 json_object_get_int(afbt_json(r1, "response.creations")));
	r3 = afbt_get(D, o, "/api/hello/contextmake");
	CHECK_REPLY(r3, 200, "success");
	CHECK_STR_NE(afbt_jstr(r3, "response.value"), afbt_jstr(r1, "response.value"));
}

static void t_verbose_hasperm(void)
{
	struct afbt_resp *r = GET("/api/hello/verbose?message=xyzzy");

	CHECK_REPLY(r, 200, "success");
	CHECK(afbt_daemon_wait_log(D, 5000, "ERROR", "verbose error: xyzzy") != NULL);
	r = GET("/api/hello/hasperm?perm=urn:test");
	CHECK_REPLY(r, 200, "success");
	CHECK_STR(afbt_jstr(r, "response.permission"), "urn:test");
	CHECK(json_object_is_type(afbt_json(r, "response.granted"), json_type_boolean));
}

/* the core keeps serving after all of this */
static void t_still_alive(void)
{
	CHECK(afbt_daemon_alive(D));
	CHECK_REPLY(GET("/api/hello/ping"), 200, "success");
}

static void t_stop(void)
{
	afbt_daemon_stop(D);
}

int main(int argc, char **argv)
{
	afbt_init(argc, argv);
	D = afbt_daemon_start("--jobs", "4", "--token", TOKEN, "--binding", afbt_binding("hello"), NULL);

	afbt_run("ping", t_ping);
	afbt_run("ping-case-insensitive", t_ping_case);
	afbt_run("ping-post", t_ping_post);
	afbt_run("reqid", t_reqid);
	afbt_run("head", t_head);
	afbt_run("keep-alive", t_keep_alive);
	afbt_run("pingfail", t_pingfail);
	afbt_run("pingnull", t_pingnull);
	afbt_run("status-mapping", t_status_mapping);
	afbt_run("denied-with-token", t_denied_with_token);
	afbt_run("fail-default", t_fail_default);
	afbt_run("echo-query-args", t_echo_args);
	afbt_run("pingjson", t_pingjson);
	afbt_run("json-body-merge", t_json_body_merge);
	afbt_run("timer-async", t_timer);
	afbt_run("store", t_store);
	afbt_run("sleep-concurrent", t_sleep_concurrent);
	afbt_run("noreply", t_noreply);
	afbt_run("doublereply", t_doublereply);
	afbt_run("events", t_events);
	afbt_run("broadcast", t_broadcast);
	afbt_run("call", t_call);
	afbt_run("callsync", t_callsync);
	afbt_run("callreq", t_callreq);
	afbt_run("call-nested", t_call_nested);
	afbt_run("context-per-session", t_context_session);
	afbt_run("contextmake", t_contextmake);
	afbt_run("verbose-hasperm", t_verbose_hasperm);
	afbt_run("rootapi", t_rootapi);
	afbt_run("still-alive", t_still_alive);
	afbt_run("stop", t_stop);
	return afbt_done();
}
