/* SPDX-License-Identifier: Apache-2.0 */
/*
 * UTF-8 over HTTP (binder/core/utf8.h, docs/http.md): every input that is
 * not valid UTF-8 is refused with 400 (path, query names and values, JSON
 * bodies, urlencoded and multipart fields, field and file names), and a
 * binding's bad strings (test binding badtext) are repaired with U+FFFD
 * in the reply, which is always valid UTF-8. The checker here is the
 * daemon's own (unit-tested in tests/unit/test-utf8.c).
 */
#include <string.h>
#include <json-c/json.h>

#include "afbtest.h"
#include "utf8.h"

static struct afbt_daemon *D;

#define GET(...) afbt_get(D, NULL, __VA_ARGS__)
#define FFFD "\xef\xbf\xbd"

static void check_refused(struct afbt_resp *r, const char *what)
{
	CHECK_REPLY(r, 400, "bad-request");
	CHECK_CONTAINS(afbt_info(r), "invalid UTF-8");
	CHECK_CONTAINS(afbt_info(r), what);
}

static void t_url(void)
{
	check_refused(GET("/api/hello/ping?x=%%ff"), "URL");
	check_refused(GET("/api/hello/ping?%%ff%%fe=1"), "URL");
	check_refused(GET("/api/hello/ping?x=%%c0%%af"), "URL");		/* overlong '/' */
	check_refused(GET("/api/hello/ping?x=%%ed%%a0%%80"), "URL");	/* surrogate */
	check_refused(GET("/api/hello%%ff/ping"), "URL");
	check_refused(GET("/api/hello/ping%%fe"), "URL");
	/* valid UTF-8 goes through, unchanged */
	CHECK_STR(afbt_jstr(GET("/api/hello/echo?x=caf%%c3%%a9"), "response.x"), "caf\xc3\xa9");
}

static void t_json_body(void)
{
	struct afbt_resp *r;

	/* the case: it would have been broadcast to every WebSocket */
	check_refused(afbt_post_json(D, NULL, "{\"name\":\"x\",\"data\":\"\xff\xfe\"}", "/api/hello/broadcast"),
		      "JSON body");
	check_refused(afbt_post_json(D, NULL, "{\"k\xc3\":1}", "/api/hello/echo"), "JSON body");
	/* escapes are fine: a lone surrogate becomes U+FFFD */
	r = afbt_post_json(D, NULL, "{\"a\":\"\\ud800\",\"b\":\"\\u00e9\"}", "/api/hello/echo");
	CHECK_REPLY(r, 200, "success");
	CHECK_STR(afbt_jstr(r, "response.a"), FFFD);
	CHECK_STR(afbt_jstr(r, "response.b"), "\xc3\xa9");
}

static void t_forms(void)
{
	struct afbt_resp *r;

	r = afbt_http(D, &(struct afbt_req){ .path = "/api/hello/echo", .body = "a=%ff",
					     .content_type = "application/x-www-form-urlencoded" });
	check_refused(r, "form");
	r = afbt_http(D, &(struct afbt_req){ .path = "/api/hello/echo", .body = "a=\xc3",
					     .content_type = "application/x-www-form-urlencoded" });
	check_refused(r, "form");
	r = afbt_http(D, &(struct afbt_req){ .path = "/api/hello/echo", .body = "a=%c3%a9",
					     .content_type = "application/x-www-form-urlencoded" });
	CHECK_REPLY(r, 200, "success");
	CHECK_STR(afbt_jstr(r, "response.a"), "\xc3\xa9");

	r = afbt_http(D, &(struct afbt_req){ .path = "/api/hello/echo",
		.parts = (struct afbt_part[]){ { .name = "t", .value = "bad\xff" } }, .nparts = 1 });
	check_refused(r, "form field");
	r = afbt_http(D, &(struct afbt_req){ .path = "/api/hello/echo",
		.parts = (struct afbt_part[]){ { .name = "t\xfe", .value = "ok" } }, .nparts = 1 });
	check_refused(r, "name");
	r = afbt_http(D, &(struct afbt_req){ .path = "/api/hello/echo",
		.parts = (struct afbt_part[]){ { .name = "f", .filename = "x\xff.bin", .data = "z", .size = 1 } },
		.nparts = 1 });
	check_refused(r, "file name");
	/* the content of a file is not text: any byte is fine */
	r = afbt_http(D, &(struct afbt_req){ .path = "/api/hello/echo",
		.parts = (struct afbt_part[]){ { .name = "f", .filename = "x.bin", .data = "\xff\xfe", .size = 2 },
					       { .name = "t", .value = "\xc3\xa9" } },
		.nparts = 2 });
	CHECK_REPLY(r, 200, "success");
	CHECK_STR(afbt_jstr(r, "response.t"), "\xc3\xa9");
	/* no file is left behind (removed once the request is released) */
	{
		double end = afbt_now() + 3;
		while (afbt_dir_count(D->workdir) != 0 && afbt_now() < end)
			afbt_msleep(20);
	}
	CHECK_EQ(afbt_dir_count(D->workdir), 0);
}

static void check_body_valid(struct afbt_resp *r)
{
	CHECK(r->body != NULL);
	CHECK(utf8_valid(r->body, r->size));
	CHECK_CONTAINS(r->body, FFFD);
}

static void t_repaired_reply(void)
{
	struct afbt_resp *r = GET("/api/badtext/reply");

	CHECK_REPLY(r, 200, "success");
	check_body_valid(r);
	CHECK_STR(afbt_jstr(r, "response.text"), "a" FFFD FFFD "b");
	CHECK_STR(afbt_jstr(r, "response.k" FFFD), FFFD FFFD FFFD);
	CHECK_STR(afbt_info(r), "i" FFFD);
	CHECK(afbt_daemon_wait_log(D, 5000, "invalid UTF-8", "U+FFFD") != NULL);
}

static void t_repaired_failure(void)
{
	struct afbt_resp *r = GET("/api/badtext/fail");

	CHECK_EQ(r->code, 500);
	check_body_valid(r);
	CHECK_STR(afbt_status(r), "bad" FFFD "status");
	CHECK_STR(afbt_info(r), "why" FFFD);
}

static void t_still_serving(void)
{
	CHECK_REPLY(GET("/api/hello/ping"), 200, "success");
	afbt_daemon_stop(D);
}

int main(int argc, char **argv)
{
	afbt_init(argc, argv);
	D = afbt_daemon_start("--binding", afbt_binding("hello"), "--binding", afbt_test_binding("badtext"),
			      "--token", "", NULL);
	afbt_run("url", t_url);
	afbt_run("json-body", t_json_body);
	afbt_run("forms", t_forms);
	afbt_run("repaired-reply", t_repaired_reply);
	afbt_run("repaired-failure", t_repaired_failure);
	afbt_run("still-serving", t_still_serving);
	return afbt_done();
}
