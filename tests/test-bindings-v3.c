/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Binding API v2 and v3 in the daemon, over HTTP: loading (every refusal
 * names the file and the reason; the start order of classes and required
 * apis; entry-only and "dynapi" bindings), and v1, v2 and v3 bindings
 * loaded side by side, calling each other in every direction. The
 * checklist of behaviours is driven over every transport by
 * tests/v3/test-v3-checklist.py.
 */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <json-c/json.h>

#include "afbtest.h"

#define RUN_TIMEOUT 20

/* the daemon with 'args' must exit with status 1 and an ERROR line naming 'file' and 'reason' */
static void check_refused(const char *file, const char *reason, const char *const *args)
{
	const char *log, *line;
	int status = afbt_daemon_runv(RUN_TIMEOUT, 1, &log, args);

	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 1)
		afbt_fail("expected exit status 1 (status %d); log:\n%s", status, log);
	line = afbt_find_line(log, "ERROR", file);
	if (!line || !strcasestr(line, reason))
		afbt_fail("no ERROR line naming %s and \"%s\"; log:\n%s", file, reason, log);
	afbt_note("%s", line);
	if (strstr(log, "Sanitizer") || strstr(log, "runtime error:"))
		afbt_fail("sanitizer report:\n%s", log);
}

static void refused(const char *name, const char *reason)
{
	const char *path = afbt_test_binding(name);

	check_refused(path, reason, (const char *[]){ "--binding", path, NULL });
}

static void t_noroot(void)        { refused("v3-noroot", "afbBindingV3root is missing"); }
static void t_clash(void)         { refused("v3-clash", "clash"); }
static void t_badname(void)       { refused("v3-badname", "invalid api name"); }
static void t_preinitfail(void)   { refused("v3-preinitfail", "pre-init"); }
static void t_initfail(void)      { refused("v3-initfail", "init failed"); }
static void t_v2_incomplete(void) { refused("v2-incomplete", "afbBindingV2data is missing"); }

/* a pre-init spinning on the CPU stops the daemon after --load-timeout seconds of CPU time */
static void t_spin(void)
{
	const char *path = afbt_test_binding("v3-spin");

	check_refused(path, "used more than 1 s of CPU time",
		      (const char *[]){ "--load-timeout", "1", "--binding", path, NULL });
}

/* only CPU time counts: a pre-init sleeping longer than the limit loads */
static void t_sleepy(void)
{
	struct afbt_daemon *d = afbt_daemon_start("--load-timeout", "1", "--binding",
						  afbt_test_binding("v3-sleepy"), NULL);
	struct afbt_resp *r = afbt_get(d, NULL, "/api/sleepy/ping");

	CHECK_REPLY(r, 200, "success");
	CHECK_STR(afbt_jstr(r, "response"), "sleepy");
	afbt_daemon_stop(d);
}

/* a v3 binding and a v1 one of the same api name: the second is refused */
static void t_duplicate(void)
{
	const char *path = afbt_binding("hello3");

	check_refused(path, "exists", (const char *[]){ "--binding", path, "--binding", path, NULL });
}

/* starts follow classes and required apis, not names; preinits run at load, in creation order */
static void t_order(void)
{
	struct afbt_daemon *d = afbt_daemon_start("--binding", afbt_test_binding("v3-order"), NULL);
	struct afbt_resp *r = afbt_get(d, NULL, "/api/order/list");

	CHECK_REPLY(r, 200, "success");
	CHECK_STR(afbt_jstr(r, "response"), "preinit:order-a preinit:order-m preinit:order-y preinit:order-z "
		  "preinit:order init:order init:order-z init:order-y init:order-m init:order-a");
	/* the root of an entry-only binding is never an api, and made no event before it starts */
	CHECK(afbt_daemon_wait_log(d, 1000, "can't make event never", "preinit") != NULL);
	afbt_daemon_stop(d);
}

/* afbBindingVdyn (2018) is loaded as a v3 entry */
static void t_vdyn(void)
{
	struct afbt_daemon *d = afbt_daemon_start("--binding", afbt_test_binding("v3-vdyn"), NULL);
	struct afbt_resp *r = afbt_get(d, NULL, "/api/vdyn/ping");

	CHECK_REPLY(r, 200, "success");
	CHECK_STR(afbt_jstr(r, "response"), "vdyn");
	afbt_daemon_stop(d);
}

/* ---- side by side ---- */

static struct afbt_daemon *all;

static struct afbt_resp *get(const char *fmt, const char *a, const char *b)
{
	return afbt_get(all, NULL, fmt, afbt_urlencode(a), afbt_urlencode(b));
}

static void t_side_by_side(void)
{
	struct afbt_resp *r;

	all = afbt_daemon_start("--binding", afbt_binding("hello"), "--binding", afbt_binding("hello2"),
				"--binding", afbt_binding("hello3"), NULL);
	CHECK(afbt_daemon_wait_log(all, 1000, "api hello added (binding API v1)", NULL) != NULL);
	CHECK(afbt_daemon_wait_log(all, 1000, "api hello2 added (binding API v2)", NULL) != NULL);
	CHECK(afbt_daemon_wait_log(all, 1000, "api hello3 added (binding API v3)", NULL) != NULL);

	/* v3 -> v1, v2: the new call (bare object) and the legacy ones (envelopes) */
	r = afbt_get(all, NULL, "/api/hello3/callsync?api=hello&verb=ping");
	CHECK_REPLY(r, 200, "success");
	CHECK_STR(afbt_jstr(r, "response.ping"), "pong");
	r = afbt_get(all, NULL, "/api/hello3/call?api=hello2&verb=ping");
	CHECK_REPLY(r, 200, "success");
	CHECK(json_object_is_type(afbt_json(r, "response"), json_type_int));
	r = afbt_get(all, NULL, "/api/hello3/subcall?api=hello&verb=pingfail");
	CHECK_REPLY(r, 500, "failed");
	r = afbt_get(all, NULL, "/api/hello3/subcallsync-legacy?api=hello2&verb=echo&args=%s",
		     afbt_urlencode("{\"x\":1}"));
	CHECK_REPLY(r, 200, "success");
	CHECK_STR(afbt_jstr(r, "response.jtype"), "afb-reply");
	CHECK_STR(afbt_jstr(r, "response.request.status"), "success");
	CHECK_STR(afbt_jstr(r, "response.response.x"), "1");

	/* v2 -> v1, v3 (envelopes) */
	r = afbt_get(all, NULL, "/api/hello2/subcall?api=hello3&verb=ping");
	CHECK_REPLY(r, 200, "success");
	CHECK(afbt_jstr(r, "response.response.pong") != NULL);
	r = afbt_get(all, NULL, "/api/hello2/callsync?api=hello&verb=ping");
	CHECK_REPLY(r, 200, "success");
	CHECK_STR(afbt_jstr(r, "response.response.ping"), "pong");
	r = afbt_get(all, NULL, "/api/hello2/call?api=hello3&verb=fail");
	CHECK_REPLY(r, 500, "failed");
	CHECK_CONTAINS(afbt_info(r), "this verb always fails");
	r = afbt_get(all, NULL, "/api/hello2/subcallreq?api=hello3&verb=nothing");
	CHECK_REPLY(r, 200, "success");

	/* v1 -> v2, v3 */
	r = get("/api/hello/callsync?api=%s&verb=%s", "hello3", "ping");
	CHECK_REPLY(r, 200, "success");
	r = get("/api/hello/call?api=%s&verb=%s", "hello2", "echo");
	CHECK_REPLY(r, 200, "success");
	r = get("/api/hello/callreq?api=%s&verb=%s", "hello3", "fail");
	CHECK_REPLY(r, 500, "failed");

	/* a chain through the three versions: v3 -> v2 -> v1 */
	r = afbt_get(all, NULL, "/api/hello3/callsync?api=hello2&verb=callsync&args=%s",
		     afbt_urlencode("{\"api\":\"hello\",\"verb\":\"ping\"}"));
	CHECK_REPLY(r, 200, "success");
	CHECK_STR(afbt_jstr(r, "response.response.ping"), "pong");

	/* a v2 binding makes a v3 api; a v3 binding makes one too; both reached like any other */
	CHECK_REPLY(afbt_get(all, NULL, "/api/hello2/newapi?name=made-by-v2"), 200, "success");
	r = afbt_get(all, NULL, "/api/made-by-v2/ping");
	CHECK_REPLY(r, 200, "success");
	CHECK_STR(afbt_jstr(r, "response"), "dynamic");
	CHECK_REPLY(afbt_get(all, NULL, "/api/hello3/api?action=create&api=made-by-v3"), 200, "success");
	r = afbt_get(all, NULL, "/api/hello/callsync?api=made-by-v3&verb=hi");
	CHECK_REPLY(r, 200, "success");

	/* their aliases */
	CHECK_REPLY(afbt_get(all, NULL, "/api/hello2-alias/ping"), 200, "success");
	r = afbt_get(all, NULL, "/api/hello3-alias/echo");
	CHECK_REPLY(r, 200, "success");
	CHECK_STR(afbt_jstr(r, "response.api"), "hello3-alias");
	CHECK_STR(afbt_jstr(r, "response.served-by"), "hello3");
	afbt_daemon_stop(all);
}

/* the events api/events recorded, gathered until 'count' names are in or 5 s passed */
static const char *gather(const char *api, const char *const *names, int count)
{
	char *seen = afbt_strdup("");
	int i, found = 0;

	for (int t = 0; t < 250 && found < count; t++) {
		struct afbt_resp *r = afbt_get(all, NULL, "/api/%s/events", api);
		const char *list = afbt_jstr(r, "response");

		if (list && strcmp(list, "[ ]") && strcmp(list, "[]"))
			seen = afbt_fmt("%s%s", seen, list);
		/* json-c writes "\/" */
		for (char *p = seen, *q = seen;; p++)
			if (*p != '\\' && !(*q++ = *p))
				break;
		for (i = found = 0; i < count; i++)
			found += strstr(seen, names[i]) != NULL;
		if (found < count)
			afbt_msleep(20);
	}
	return seen;
}

/* events broadcast by each version reach the others' handlers */
static void t_events_between(void)
{
	static const char *const names[] = { "hello3/from3", "hello2/from2", "hello/from1" };
	const char *seen;

	all = afbt_daemon_start("--binding", afbt_binding("hello"), "--binding", afbt_binding("hello2"),
				"--binding", afbt_binding("hello3"), NULL);
	CHECK_REPLY(afbt_get(all, NULL, "/api/hello3/broadcast?name=from3&data=3"), 200, "success");
	CHECK_REPLY(afbt_get(all, NULL, "/api/hello2/broadcast?name=from2&data=2"), 200, "success");
	CHECK_REPLY(afbt_get(all, NULL, "/api/hello/broadcast?name=from1&data=1"), 200, "success");
	seen = gather("hello2", names, 3);
	for (int i = 0; i < 3; i++)
		CHECK_CONTAINS(seen, names[i]);
	seen = gather("hello3", names, 3);
	for (int i = 0; i < 3; i++)
		CHECK_CONTAINS(seen, names[i]);
	afbt_daemon_stop(all);
}

static const char *level_of(struct afbt_daemon *d, const char *api)
{
	struct afbt_resp *r = afbt_post_json(d, NULL, afbt_fmt("{\"verbosity\":[\"%s\"]}", api), "/api/monitor/get");

	CHECK_REPLY(r, 200, "success");
	return afbt_jstr(r, afbt_fmt("response.verbosity.%s", api));
}

/* per-api verbosity: monitor/set changes the log mask of one v3 api (and the verbosity of a v2 one) */
static void t_api_verbosity(void)
{
	struct afbt_daemon *d = afbt_daemon_start("--binding", afbt_binding("hello2"), "--binding",
						  afbt_binding("hello3"), NULL);
	struct afbt_resp *r;
	int mask;

	CHECK_STR(level_of(d, "hello3"), "warning");
	r = afbt_get(d, NULL, "/api/hello3/verbose?message=quiet-one");
	CHECK_REPLY(r, 200, "success");
	mask = json_object_get_int(afbt_json(r, "response"));
	CHECK(!(mask & 0x80));
	CHECK(afbt_daemon_wait_log(d, 2000, "verbose: quiet-one", NULL) != NULL);
	CHECK(afbt_find_line(afbt_daemon_log(d), "debug: quiet-one", NULL) == NULL);

	CHECK_REPLY(afbt_post_json(d, NULL, "{\"verbosity\":{\"hello3\":\"debug\",\"hello2\":\"error\"}}",
				   "/api/monitor/set"), 200, "success");
	CHECK_STR(level_of(d, "hello3"), "debug");
	CHECK_STR(level_of(d, "hello2"), "error");
	r = afbt_get(d, NULL, "/api/hello3/verbose?message=loud-one");
	CHECK_REPLY(r, 200, "success");
	mask = json_object_get_int(afbt_json(r, "response"));
	CHECK(mask & 0x80);
	CHECK(afbt_daemon_wait_log(d, 2000, "debug: loud-one", NULL) != NULL);
	/* hello2 now logs errors only: its NOTICE is dropped, its verbosity reads 0 */
	r = afbt_get(d, NULL, "/api/hello2/verbose?message=muted-two");
	CHECK_REPLY(r, 200, "success");
	CHECK(json_object_get_int(afbt_json(r, "response")) == 0);
	afbt_msleep(200);
	CHECK(afbt_find_line(afbt_daemon_log(d), "muted-two", NULL) == NULL);
	afbt_daemon_stop(d);
}

int main(int argc, char **argv)
{
	afbt_init(argc, argv);
	afbt_run("refused-noroot", t_noroot);
	afbt_run("refused-clash", t_clash);
	afbt_run("refused-badname", t_badname);
	afbt_run("refused-preinitfail", t_preinitfail);
	afbt_run("refused-initfail", t_initfail);
	afbt_run("refused-v2-incomplete", t_v2_incomplete);
	afbt_run("refused-duplicate", t_duplicate);
	afbt_run("load-timeout-spin", t_spin);
	afbt_run("load-timeout-sleepy", t_sleepy);
	afbt_run("start-order", t_order);
	afbt_run("vdyn", t_vdyn);
	afbt_run("side-by-side", t_side_by_side);
	afbt_run("events-between", t_events_between);
	afbt_run("api-verbosity", t_api_verbosity);
	return afbt_done();
}
