/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sessions, tokens and LOA over HTTP: the `flags` test binding and the
 * `auth` sample.
 */
#include <string.h>
#include <json-c/json.h>

#include "afbtest.h"

#define TOKEN "s3cret-token"

static struct afbt_daemon *D;

#define GET(c, ...) afbt_get(D, (c), __VA_ARGS__)

/* the verb name a flags verb replies, checking the reply is a success */
static void check_verb_ok(struct afbt_resp *r, const char *verb)
{
	CHECK_REPLY(r, 200, "success");
	CHECK_STR(afbt_jstr(r, "response.verb"), verb);
}

static void check_denied(struct afbt_resp *r, long code, const char *info)
{
	CHECK_REPLY(r, code, "denied");
	CHECK_STR(afbt_info(r), info);
	CHECK(afbt_json(r, "response") == NULL);
	if (code == 401)
		CHECK_CONTAINS(afbt_header(r, "WWW-Authenticate"), "Bearer");
}

#define BAD_TOKEN "invalid token's identity"
#define BAD_LOA "invalid LOA"

/* A client with a session (made by a verb that keeps state in it): returns its uuid. */
static const char *open_session(struct afbt_client *c)
{
	struct afbt_resp *r = GET(c, "/api/flags/ctxset?value=open");
	const char *uuid;

	CHECK_REPLY(r, 200, "success");
	uuid = afbt_jstr(r, "request.uuid");
	CHECK(uuid != NULL);
	return uuid;
}

static void t_no_token(void)
{
	struct afbt_client *c = afbt_client_new();

	check_denied(GET(c, "/api/flags/check"), 401, BAD_TOKEN);
	check_denied(GET(c, "/api/flags/renew"), 401, BAD_TOKEN);
	check_denied(GET(c, "/api/flags/close"), 401, BAD_TOKEN);
	check_denied(GET(c, "/api/flags/loa_le_0"), 401, BAD_TOKEN);
	check_verb_ok(GET(c, "/api/flags/none"), "none");
}

static void t_check_ok(void)
{
	struct afbt_client *c = afbt_client_new();

	check_verb_ok(GET(c, "/api/flags/check?token=" TOKEN), "check");
	check_verb_ok(afbt_get_h(D, c, (const char *[]){ "x-afb-token: " TOKEN, NULL }, "/api/flags/check"),
		      "check");
	check_verb_ok(GET(NULL, "/api/flags/check?x-afb-token=" TOKEN), "check");
	check_verb_ok(afbt_get_h(D, NULL, (const char *[]){ "Authorization: Bearer " TOKEN, NULL }, "/api/flags/check"),
		      "check");
	check_denied(afbt_get_h(D, NULL, (const char *[]){ "Authorization: Bearer nope", NULL }, "/api/flags/check"),
		     401, BAD_TOKEN);
	/* the header comes first */
	check_denied(afbt_get_h(D, NULL, (const char *[]){ "x-afb-token: nope", NULL }, "/api/flags/check?token=" TOKEN),
		     401, BAD_TOKEN);
}

static void t_wrong_token_harmless(void)
{
	struct afbt_client *c = afbt_client_new();
	const char *uuid = open_session(c);
	struct afbt_resp *r;

	CHECK_EQ(json_object_get_int(afbt_json(GET(c, "/api/flags/setloa?level=1&token=" TOKEN), "response.done")), 1);
	CHECK_REPLY(GET(c, "/api/flags/ctxset?value=keep"), 200, "success");

	/* the client itself and a third party knowing the uuid send a wrong token */
	check_denied(GET(c, "/api/flags/check?token=wrong"), 401, BAD_TOKEN);
	check_denied(GET(c, "/api/flags/close?token=wrong"), 401, BAD_TOKEN);
	check_denied(GET(NULL, "/api/flags/close?uuid=%s&token=wrong", uuid), 401, BAD_TOKEN);
	check_denied(afbt_get_h(D, NULL, (const char *[]){ afbt_fmt("x-afb-uuid: %s", uuid),
				"x-afb-token: " TOKEN "x", NULL }, "/api/flags/loa_ge_1"), 401, BAD_TOKEN);

	/* nothing changed */
	r = GET(c, "/api/flags/ctxget");
	CHECK_REPLY(r, 200, "success");
	CHECK_STR(afbt_jstr(r, "response.value"), "keep");
	check_verb_ok(GET(c, "/api/flags/loa_ge_1?token=" TOKEN), "loa_ge_1");
	check_verb_ok(GET(c, "/api/flags/check?token=" TOKEN), "check");
}

static void t_renew(void)
{
	struct afbt_client *c = afbt_client_new();
	struct afbt_resp *r;
	const char *tok;

	r = GET(c, "/api/flags/renew?token=" TOKEN);
	check_verb_ok(r, "renew");
	tok = afbt_jstr(r, "request.token");
	CHECK(tok != NULL && *tok);
	CHECK_STR_NE(tok, TOKEN);

	check_denied(GET(c, "/api/flags/check?token=" TOKEN), 401, BAD_TOKEN);
	r = GET(c, "/api/flags/check?token=%s", tok);
	check_verb_ok(r, "check");
	CHECK(afbt_jstr(r, "request.token") == NULL);	/* CHECK does not renew */

	/* other sessions keep the initial token */
	check_verb_ok(GET(afbt_client_new(), "/api/flags/check?token=" TOKEN), "check");

	/* renewing again */
	r = GET(c, "/api/flags/renew?token=%s", tok);
	check_verb_ok(r, "renew");
	CHECK_STR_NE(afbt_jstr(r, "request.token"), tok);
	check_denied(GET(c, "/api/flags/check?token=%s", tok), 401, BAD_TOKEN);
	check_verb_ok(GET(c, "/api/flags/check?token=%s", afbt_jstr(r, "request.token")), "check");
}

static void t_loa(void)
{
	struct afbt_client *c = afbt_client_new();
	struct afbt_resp *r;

	/* LOA 0 with a valid token: 403 */
	check_denied(GET(c, "/api/flags/loa_ge_1?token=" TOKEN), 403, BAD_LOA);
	check_verb_ok(GET(c, "/api/flags/loa_le_0?token=" TOKEN), "loa_le_0");
	check_denied(GET(c, "/api/flags/loa_eq_1?token=" TOKEN), 403, BAD_LOA);

	/* setloa needs a token */
	check_denied(GET(c, "/api/flags/setloa?level=1"), 401, BAD_TOKEN);
	r = GET(c, "/api/flags/setloa?level=1&token=" TOKEN);
	CHECK_REPLY(r, 200, "success");
	CHECK_EQ(json_object_get_int(afbt_json(r, "response.done")), 1);

	check_verb_ok(GET(c, "/api/flags/loa_ge_1?token=" TOKEN), "loa_ge_1");
	check_verb_ok(GET(c, "/api/flags/loa_eq_1?token=" TOKEN), "loa_eq_1");
	check_denied(GET(c, "/api/flags/loa_le_0?token=" TOKEN), 403, BAD_LOA);
	check_denied(GET(c, "/api/flags/loa_ge_2?token=" TOKEN), 403, BAD_LOA);
	/* without the token, the LOA does not help */
	check_denied(GET(c, "/api/flags/loa_ge_1"), 401, BAD_TOKEN);

	CHECK_EQ(json_object_get_int(afbt_json(GET(c, "/api/flags/setloa?level=2&token=" TOKEN), "response.done")), 1);
	check_verb_ok(GET(c, "/api/flags/loa_ge_2?token=" TOKEN), "loa_ge_2");
	check_denied(GET(c, "/api/flags/loa_eq_1?token=" TOKEN), 403, BAD_LOA);

	/* levels above 7 are refused */
	r = GET(c, "/api/flags/setloa?level=8&token=" TOKEN);
	CHECK_REPLY(r, 200, "success");
	CHECK_EQ(json_object_get_int(afbt_json(r, "response.done")), 0);
	check_verb_ok(GET(c, "/api/flags/loa_ge_2?token=" TOKEN), "loa_ge_2");

	/* the LOA is per session */
	check_denied(GET(afbt_client_new(), "/api/flags/loa_ge_1?token=" TOKEN), 403, BAD_LOA);
}

static void t_close(void)
{
	struct afbt_client *c = afbt_client_new();
	struct afbt_resp *r;
	const char *uuid = open_session(c);

	CHECK_REPLY(GET(c, "/api/flags/ctxset?value=mine"), 200, "success");
	CHECK_REPLY(GET(c, "/api/hello/contextset?value=other"), 200, "success");
	CHECK_EQ(json_object_get_int(afbt_json(GET(c, "/api/flags/setloa?level=1&token=" TOKEN), "response.done")), 1);

	r = GET(c, "/api/flags/close?token=" TOKEN);
	check_verb_ok(r, "close");

	/* flags: LOA back to 0, context cleared */
	r = GET(c, "/api/flags/ctxget");
	CHECK_REPLY(r, 200, "success");
	CHECK_STR(afbt_jstr(r, "response.value"), "null");
	check_denied(GET(c, "/api/flags/loa_ge_1?token=" TOKEN), 403, BAD_LOA);
	check_verb_ok(GET(c, "/api/flags/loa_le_0?token=" TOKEN), "loa_le_0");

	/* the session and the other api are untouched */
	r = GET(c, "/api/hello/contextget");
	CHECK_REPLY(r, 200, "success");
	CHECK_STR(afbt_jstr(r, "response.value"), "other");
	r = GET(NULL, "/api/flags/check?uuid=%s&token=" TOKEN, uuid);
	check_verb_ok(r, "check");
	CHECK(afbt_jstr(r, "request.uuid") == NULL);
}

static void t_create(void)
{
	struct afbt_client *c = afbt_client_new();
	struct afbt_resp *r;
	const char *tok;

	check_denied(GET(c, "/api/flags/create"), 401, BAD_TOKEN);
	r = GET(c, "/api/flags/create?token=" TOKEN);
	check_verb_ok(r, "create");
	tok = afbt_jstr(r, "request.token");
	CHECK(tok != NULL);
	CHECK_STR_NE(tok, TOKEN);

	CHECK_EQ(json_object_get_int(afbt_json(GET(c, "/api/flags/setloa?level=1&token=%s", tok), "response.done")), 1);
	check_denied(GET(c, "/api/flags/create?token=%s", tok), 403, BAD_LOA);
}

static int is_uuid_like(const char *s)
{
	return s && strlen(s) >= 16;
}

static void t_uuid_server_made(void)
{
	static const char mine[] = "01234567-89ab-cdef-0123-456789abcdef";
	struct afbt_resp *r;

	r = afbt_get_h(D, NULL, (const char *[]){ "x-afb-uuid: " "01234567-89ab-cdef-0123-456789abcdef", NULL },
		       "/api/flags/ctxset?value=1");
	CHECK_REPLY(r, 200, "success");
	CHECK(is_uuid_like(afbt_jstr(r, "request.uuid")));
	CHECK_STR_NE(afbt_jstr(r, "request.uuid"), mine);

	r = GET(NULL, "/api/flags/ctxset?value=1&uuid=%s", mine);
	CHECK_REPLY(r, 200, "success");
	CHECK(is_uuid_like(afbt_jstr(r, "request.uuid")));
	CHECK_STR_NE(afbt_jstr(r, "request.uuid"), mine);

	r = GET(NULL, "/api/flags/ctxset?value=1&uuid=");
	CHECK_REPLY(r, 200, "success");
	CHECK(is_uuid_like(afbt_jstr(r, "request.uuid")));
}

static void t_set_cookie(void)
{
	struct afbt_client *c = afbt_client_new();
	struct afbt_resp *r = GET(c, "/api/flags/ctxset?value=1");
	const char *cookie, *uuid;

	CHECK_REPLY(r, 200, "success");
	uuid = afbt_jstr(r, "request.uuid");
	cookie = afbt_header(r, "Set-Cookie");
	CHECK(cookie != NULL);
	CHECK_CONTAINS(cookie, afbt_fmt("x-afb-uuid-%d=%s", D->port, uuid));
	CHECK_CONTAINS(cookie, "Path=/api");
	CHECK_CONTAINS(cookie, "Max-Age=");
	CHECK_CONTAINS(cookie, "HttpOnly");

	r = GET(c, "/api/flags/none");
	check_verb_ok(r, "none");
	CHECK(afbt_jstr(r, "request.uuid") == NULL);
	CHECK(afbt_header(r, "Set-Cookie") == NULL);
}

static void t_uuid_transports(void)
{
	const char *uuid = open_session(NULL);
	struct afbt_resp *r;

	CHECK_REPLY(GET(NULL, "/api/flags/ctxset?uuid=%s&value=q", uuid), 200, "success");

	r = GET(NULL, "/api/flags/ctxget?uuid=%s", uuid);
	CHECK_REPLY(r, 200, "success");
	CHECK_STR(afbt_jstr(r, "response.value"), "q");

	r = GET(NULL, "/api/flags/ctxget?x-afb-uuid=%s", uuid);
	CHECK_REPLY(r, 200, "success");
	CHECK_STR(afbt_jstr(r, "response.value"), "q");

	r = afbt_get_h(D, NULL, (const char *[]){ afbt_fmt("x-afb-uuid: %s", uuid), NULL }, "/api/flags/ctxget");
	CHECK_REPLY(r, 200, "success");
	CHECK_STR(afbt_jstr(r, "response.value"), "q");

	r = afbt_get_h(D, NULL, (const char *[]){ afbt_fmt("Cookie: x-afb-uuid-%d=%s", D->port, uuid), NULL },
		       "/api/flags/ctxget");
	CHECK_REPLY(r, 200, "success");
	CHECK_STR(afbt_jstr(r, "response.value"), "q");
	CHECK(afbt_jstr(r, "request.uuid") == NULL);
}

static void t_auth(void)
{
	struct afbt_client *c = afbt_client_new();
	struct afbt_resp *r;
	const char *t1, *t2;

	check_denied(GET(c, "/api/auth/check?token=" TOKEN), 403, BAD_LOA);
	check_denied(GET(c, "/api/auth/login"), 401, BAD_TOKEN);

	r = GET(c, "/api/auth/login?token=" TOKEN);
	CHECK_REPLY(r, 200, "success");
	CHECK_EQ(json_object_get_int(afbt_json(r, "response.loa")), 1);
	t1 = afbt_jstr(r, "request.token");
	CHECK(t1 != NULL);
	CHECK_STR_NE(t1, TOKEN);

	check_denied(GET(c, "/api/auth/check?token=" TOKEN), 401, BAD_TOKEN);
	CHECK_REPLY(GET(c, "/api/auth/check?token=%s", t1), 200, "success");
	check_denied(GET(c, "/api/auth/login?token=%s", t1), 403, BAD_LOA);	/* LOA_EQ_0 */

	r = GET(c, "/api/auth/refresh?token=%s", t1);
	CHECK_REPLY(r, 200, "success");
	t2 = afbt_jstr(r, "request.token");
	CHECK(t2 != NULL);
	CHECK_STR_NE(t2, t1);
	check_denied(GET(c, "/api/auth/check?token=%s", t1), 401, BAD_TOKEN);
	CHECK_REPLY(GET(c, "/api/auth/check?token=%s", t2), 200, "success");

	r = GET(c, "/api/auth/logout?token=%s", t2);
	CHECK_REPLY(r, 200, "success");
	CHECK_EQ(json_object_get_int(afbt_json(r, "response.loa")), 0);
	check_denied(GET(c, "/api/auth/check?token=%s", t2), 403, BAD_LOA);
	check_denied(GET(c, "/api/auth/logout?token=%s", t2), 403, BAD_LOA);

	/* a new login works */
	r = GET(c, "/api/auth/login?token=%s", t2);
	CHECK_REPLY(r, 200, "success");
	CHECK_REPLY(GET(c, "/api/auth/check?token=%s", afbt_jstr(r, "request.token")), 200, "success");
}

/* --session-max 5: sessions are evicted (LRU), never refused */
static void t_session_max(void)
{
	struct afbt_daemon *d = afbt_daemon_start("--session-max", "5", "--token", TOKEN,
						  "--binding", afbt_test_binding("flags"), NULL);
	const char *uuids[20];
	struct afbt_resp *r;

	for (int i = 0; i < 20; i++) {
		r = afbt_get(d, NULL, "/api/flags/ctxset?value=v%d", i);
		CHECK_REPLY(r, 200, "success");
		uuids[i] = afbt_jstr(r, "request.uuid");
		CHECK(uuids[i] != NULL);
		for (int j = 0; j < i; j++)
			CHECK_STR_NE(uuids[i], uuids[j]);
	}
	/* the most recent is alive */
	r = afbt_get(d, NULL, "/api/flags/ctxget?uuid=%s", uuids[19]);
	CHECK_REPLY(r, 200, "success");
	CHECK_STR(afbt_jstr(r, "response.value"), "v19");
	CHECK(afbt_jstr(r, "request.uuid") == NULL);
	/* the oldest was evicted: its uuid names nothing (and reading makes no session) */
	r = afbt_get(d, NULL, "/api/flags/ctxget?uuid=%s", uuids[0]);
	CHECK_REPLY(r, 200, "success");
	CHECK_STR(afbt_jstr(r, "response.value"), "null");
	CHECK(afbt_jstr(r, "request.uuid") == NULL);
	CHECK_REPLY(afbt_get(d, NULL, "/api/flags/check?token=" TOKEN), 200, "success");
	afbt_daemon_stop(d);
}

/* --cntxtimeout: a session lives while used, and ends when idle */
static void t_expiry(void)
{
	struct afbt_daemon *d = afbt_daemon_start("--cntxtimeout", "2", "--binding", afbt_test_binding("flags"), NULL);
	struct afbt_resp *r = afbt_get(d, NULL, "/api/flags/ctxset?value=alive");
	const char *uuid = afbt_jstr(r, "request.uuid");
	double end;

	CHECK_REPLY(r, 200, "success");
	CHECK(uuid != NULL);
	CHECK_CONTAINS(afbt_header(r, "Set-Cookie"), "Max-Age=2");
	/* used every 0.5 s for 3 s: kept (expiry is extended on use) */
	for (end = afbt_now() + 3; afbt_now() < end; afbt_msleep(500)) {
		r = afbt_get(d, NULL, "/api/flags/ctxget?uuid=%s", uuid);
		CHECK_REPLY(r, 200, "success");
		CHECK_STR(afbt_jstr(r, "response.value"), "alive");
	}
	/* idle for longer than 2 s: gone (a time to let pass, nothing to poll) */
	afbt_msleep(3200);
	r = afbt_get(d, NULL, "/api/flags/ctxget?uuid=%s", uuid);
	CHECK_REPLY(r, 200, "success");
	CHECK_STR(afbt_jstr(r, "response.value"), "null");
	/* reading a context makes no session */
	CHECK(afbt_jstr(r, "request.uuid") == NULL);
	r = afbt_get(d, NULL, "/api/flags/ctxset?value=again&uuid=%s", uuid);
	CHECK_REPLY(r, 200, "success");
	CHECK(afbt_jstr(r, "request.uuid") != NULL);
	CHECK_STR_NE(afbt_jstr(r, "request.uuid"), uuid);
	afbt_daemon_stop(d);
}

/* --token "": any presented token is accepted, but one is needed */
static void t_empty_token(void)
{
	struct afbt_daemon *d = afbt_daemon_start("--token", "", "--binding", afbt_test_binding("flags"), NULL);

	CHECK_REPLY(afbt_get(d, NULL, "/api/flags/check?token=anything"), 200, "success");
	CHECK_REPLY(afbt_get(d, NULL, "/api/flags/check?token=other"), 200, "success");
	CHECK_REPLY(afbt_get(d, NULL, "/api/flags/check"), 401, "denied");
	afbt_daemon_stop(d);
}

/* without --token, the initial token is random and logged */
static void t_random_token(void)
{
	struct afbt_daemon *d = afbt_daemon_start("--binding", afbt_test_binding("flags"), NULL);
	const char *line = afbt_daemon_wait_log(d, 5000, "initial token", NULL);
	const char *token;

	CHECK(line != NULL);
	token = strrchr(line, ' ');
	CHECK(token != NULL && strlen(token + 1) >= 16);
	token++;
	CHECK_REPLY(afbt_get(d, NULL, "/api/flags/check?token=%s", token), 200, "success");
	CHECK_REPLY(afbt_get(d, NULL, "/api/flags/check?token=" TOKEN), 401, "denied");
	CHECK_REPLY(afbt_get(d, NULL, "/api/flags/check?token="), 401, "denied");
	afbt_daemon_stop(d);
}

static void t_stop(void)
{
	afbt_daemon_stop(D);
}

int main(int argc, char **argv)
{
	afbt_init(argc, argv);
	D = afbt_daemon_start("--token", TOKEN,
			      "--binding", afbt_test_binding("flags"),
			      "--binding", afbt_binding("auth"),
			      "--binding", afbt_binding("hello"), NULL);

	afbt_run("no-token-401", t_no_token);
	afbt_run("check-with-token", t_check_ok);
	afbt_run("wrong-token-harmless", t_wrong_token_harmless);
	afbt_run("renew", t_renew);
	afbt_run("loa", t_loa);
	afbt_run("close", t_close);
	afbt_run("create", t_create);
	afbt_run("uuid-server-made", t_uuid_server_made);
	afbt_run("set-cookie", t_set_cookie);
	afbt_run("uuid-header-cookie-query", t_uuid_transports);
	afbt_run("auth-sample", t_auth);
	afbt_run("session-max-lru", t_session_max);
	afbt_run("cntxtimeout-expiry", t_expiry);
	afbt_run("token-empty", t_empty_token);
	afbt_run("token-random", t_random_token);
	afbt_run("stop", t_stop);
	return afbt_done();
}
