/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sessions (issue 8, items 4 and 8): no session for requests that do not
 * need one; anonymous clients never log a user out, and their sessions
 * are bounded per address and in all; per-session locking (a slow or
 * re-entrant context create function stalls no one); a RENEW subcall
 * racing a session close (run under ThreadSanitizer in build-tsan).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "afbtest.h"

#define TOKEN "sessions-token"

static struct afbt_daemon *D;

/* a reply that made no session: no uuid told, no cookie set */
static void check_no_session(struct afbt_resp *r)
{
	CHECK(r->code != 0);
	CHECK(afbt_jstr(r, "request.uuid") == NULL);
	CHECK(afbt_header(r, "Set-Cookie") == NULL);
}

static void t_no_session_needed(void)
{
	struct afbt_resp *r;

	check_no_session(afbt_get(D, NULL, "/api/nope/verb"));			/* unknown api */
	check_no_session(afbt_get(D, NULL, "/api/hello/nope"));			/* unknown verb */
	check_no_session(afbt_get(D, NULL, "/api/flags/check"));		/* refused: no token */
	check_no_session(afbt_get(D, NULL, "/api/flags/check?token=wrong"));	/* refused: wrong token */
	check_no_session(afbt_get(D, NULL, "/api/hello/ping"));			/* no session state */
	check_no_session(afbt_get(D, NULL, "/api/flags/check?token=" TOKEN));	/* a valid token, no state */
	check_no_session(afbt_get(D, NULL, "/api/flags/ctxget"));		/* reading state makes none */
	/* the first use of session state makes it, and says so */
	r = afbt_get(D, NULL, "/api/hello/contextset?value=1");
	CHECK_REPLY(r, 200, "success");
	CHECK(afbt_jstr(r, "request.uuid") != NULL);
	CHECK_CONTAINS(afbt_header(r, "Set-Cookie"), afbt_jstr(r, "request.uuid"));
	/* a renewed token needs a session: made by RENEW */
	r = afbt_get(D, NULL, "/api/flags/renew?token=" TOKEN);
	CHECK_REPLY(r, 200, "success");
	CHECK(afbt_jstr(r, "request.uuid") != NULL);
	CHECK(afbt_jstr(r, "request.token") != NULL);
}

/* a logged-in user: a session with LOA 1 and a renewed token; returns the token */
static const char *login(struct afbt_daemon *d, struct afbt_client *c)
{
	struct afbt_resp *r = afbt_get(d, c, "/api/auth/login?token=" TOKEN);

	CHECK_REPLY(r, 200, "success");
	CHECK(afbt_jstr(r, "request.token") != NULL);
	return afbt_jstr(r, "request.token");
}

static void check_logged_in(struct afbt_daemon *d, struct afbt_client *c, const char *token)
{
	CHECK_REPLY(afbt_get(d, c, "/api/auth/check?token=%s", token), 200, "success");
}

/* the reproduction of the issue: 250 anonymous requests with the default --session-max (200) */
static void t_issue_repro(void)
{
	struct afbt_client *user = afbt_client_new();
	const char *token = login(D, user);
	int i;

	for (i = 0; i < 250; i++)
		CHECK_EQ(afbt_get(D, NULL, "/api/nope/verb")->code, 404);
	for (i = 0; i < 250; i++)
		CHECK_REPLY(afbt_get(D, NULL, "/api/flags/ctxset?value=%d", i), 200, "success");
	check_logged_in(D, user, token);
}

/*
 * 250 other clients log in (each a logged-in session, with --session-max
 * 50): the store grows past its bound and, as each request releases its
 * session, shrinks back without evicting a logged-in one (it evicted the
 * least recent logged-in session: the user was logged out).
 */
static void t_other_logins(void)
{
	struct afbt_daemon *d = afbt_daemon_start("--token", TOKEN, "--session-max", "50",
						  "--binding", afbt_binding("auth"), NULL);
	struct afbt_client *user = afbt_client_new();
	const char *token = login(d, user);
	int i;

	for (i = 0; i < 250; i++)
		login(d, NULL);
	check_logged_in(d, user, token);
	afbt_daemon_stop(d);
}

static long rss_kib(struct afbt_daemon *d)
{
	char *status = afbt_read_file(afbt_fmt("/proc/%d/status", (int)d->pid), NULL);
	const char *line = status ? afbt_find_line(status, "VmRSS:", NULL) : NULL;

	return line ? atol(line + 6) : -1;
}

/*
 * 10,000 anonymous clients, each making a session (a verb that keeps
 * state), against a logged-in user: the user stays logged in, the
 * anonymous sessions are evicted (the first ones are gone, the last one
 * is alive) and the memory stays flat.
 */
static void flood(struct afbt_daemon *d, int total)
{
	struct afbt_client *user = afbt_client_new();
	const char *token = login(d, user), *first = NULL, *last = NULL;
	long rss_warm = 0, rss_end, limit_kib = afbt_slowness() > 1 ? 24 * 1024 : 4 * 1024;
	struct afbt_resp *r;
	int i;

	for (i = 0; i < total; i++) {
		r = afbt_get(d, NULL, "/api/flags/ctxset?value=anonymous-%d", i);
		CHECK_REPLY(r, 200, "success");
		last = afbt_jstr(r, "request.uuid");
		CHECK(last != NULL);
		if (!first)
			first = last;
		if (i == total / 5)
			rss_warm = rss_kib(d);
	}
	check_logged_in(d, user, token);
	r = afbt_get(d, NULL, "/api/flags/ctxget?uuid=%s", first);
	CHECK_STR(afbt_jstr(r, "response.value"), "null");
	r = afbt_get(d, NULL, "/api/flags/ctxget?uuid=%s", last);
	CHECK_STR(afbt_jstr(r, "response.value"), afbt_fmt("anonymous-%d", total - 1));
	rss_end = rss_kib(d);
	afbt_note("RSS after %d anonymous sessions: %ld KiB, after %d: %ld KiB", total / 5, rss_warm, total, rss_end);
	CHECK(rss_warm > 0 && rss_end > 0);
	CHECK_INT(rss_end - rss_warm, <, limit_kib);
}

/* one address: its anonymous sessions are bounded by --session-max-per-address */
static void t_flood_one_address(void)
{
	struct afbt_daemon *d = afbt_daemon_start("--token", TOKEN, "--session-max-per-address", "8",
						  "--binding", afbt_binding("auth"),
						  "--binding", afbt_test_binding("flags"), NULL);

	flood(d, 10000);
	afbt_daemon_stop(d);
}

/* without the per-address bound: the store's bound evicts anonymous sessions only */
static void t_flood_store(void)
{
	struct afbt_daemon *d = afbt_daemon_start("--token", TOKEN, "--session-max", "50",
						  "--session-max-per-address", "0",
						  "--binding", afbt_binding("auth"),
						  "--binding", afbt_test_binding("flags"), NULL);

	flood(d, 10000);
	afbt_daemon_stop(d);
}

/* ---- per-session locking ---- */

struct slow {
	struct afbt_client *client;
	struct afbt_resp *resp;
};

static void *slow_call(void *arg)
{
	struct slow *s = arg;

	s->resp = afbt_get(D, s->client, "/api/sess/slowmake?ms=1500");
	return NULL;
}

/*
 * A create function that sleeps 1.5 s and calls the daemon about its own
 * request meanwhile: it does not deadlock, and other sessions are served
 * meanwhile (under 0.5 s; 1 s under sanitizers).
 */
static void t_slow_create(void)
{
	struct afbt_client *other = afbt_client_new();
	struct slow s = { afbt_client_new(), NULL };
	double limit = afbt_slowness() > 1 ? 1.0 : 0.5, t0;
	struct afbt_resp *r;
	pthread_t thread;

	/* both clients get their session first */
	CHECK_REPLY(afbt_get(D, s.client, "/api/sess/set"), 200, "success");
	CHECK_REPLY(afbt_get(D, other, "/api/sess/set?value=x"), 200, "success");
	CHECK_REPLY(afbt_get(D, s.client, "/api/hello/contextset?value=y"), 200, "success");
	t0 = afbt_now();
	CHECK_EQ(pthread_create(&thread, NULL, slow_call, &s), 0);
	afbt_msleep(200);
	/* another session, and the same session for another api, meanwhile */
	r = afbt_get(D, other, "/api/sess/get");
	CHECK_REPLY(r, 200, "success");
	CHECK_STR(afbt_jstr(r, "response.value"), "x");
	CHECK(r->seconds < limit);
	r = afbt_get(D, other, "/api/sess/set?value=z");
	CHECK_REPLY(r, 200, "success");
	CHECK(r->seconds < limit);
	r = afbt_get(D, s.client, "/api/hello/contextget");
	CHECK_REPLY(r, 200, "success");
	CHECK(r->seconds < limit);
	CHECK(afbt_now() - t0 < 1.5);
	pthread_join(thread, NULL);
	CHECK_REPLY(s.resp, 200, "success");
	CHECK_STR(afbt_jstr(s.resp, "response.value"), "made");
	/* asked from inside the create function, the same context is not made twice */
	CHECK(afbt_json(s.resp, "response.inner") == NULL);
	r = afbt_get(D, s.client, "/api/sess/get");
	CHECK_STR(afbt_jstr(r, "response.value"), "made");
}

/*
 * An asynchronous RENEW subcall racing a session close, many times (each
 * in a session of its own: the renewed token is not told, see below).
 */
static void t_renew_close_race(void)
{
	struct afbt_client *c;
	struct afbt_resp *r;
	int i;

	for (i = 0; i < 100; i++) {
		c = afbt_client_new();
		CHECK_REPLY(afbt_get(D, c, "/api/sess/set?value=v"), 200, "success");
		r = afbt_get(D, c, "/api/sess/renewclose?token=" TOKEN);
		CHECK_REPLY(r, 200, "success");
		CHECK_EQ(json_object_get_int(afbt_json(r, "response")), 0);
		/* the close is never lost: the renewed token is not told, the context is closed */
		CHECK(afbt_jstr(r, "request.token") == NULL);
		r = afbt_get(D, c, "/api/sess/get");
		CHECK(afbt_json(r, "response.value") == NULL);
	}
}

static void t_stop(void)
{
	afbt_daemon_stop(D);
}

int main(int argc, char **argv)
{
	const char *asan = getenv("ASAN_OPTIONS");

	afbt_init(argc, argv);
	/* AddressSanitizer keeps freed memory aside (quarantine): RSS would only tell that */
	setenv("ASAN_OPTIONS", afbt_fmt("%s%squarantine_size_mb=0:thread_local_quarantine_size_kb=0",
					asan ? asan : "", asan && *asan ? ":" : ""), 1);
	D = afbt_daemon_start("--token", TOKEN, "--binding", afbt_binding("hello"), "--binding", afbt_binding("auth"),
			      "--binding", afbt_test_binding("flags"), "--binding", afbt_test_binding("sess"), NULL);
	afbt_run("no-session-needed", t_no_session_needed);
	afbt_run("issue-repro", t_issue_repro);
	afbt_run("slow-create", t_slow_create);
	afbt_run("renew-close-race", t_renew_close_race);
	afbt_run("stop", t_stop);
	afbt_run("flood-one-address", t_flood_one_address);
	afbt_run("flood-store", t_flood_store);
	afbt_run("other-logins", t_other_logins);
	return afbt_done();
}
