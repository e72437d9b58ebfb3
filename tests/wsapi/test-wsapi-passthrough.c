/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Replies of an imported api passed on as text (xreq_reply_text,
 * binder/core/jscan.h): I imports "hello" from the test peer F, which
 * replies with chosen texts; HTTP clients of I get:
 *  - a plain JSON response as F wrote it, byte for byte (its spaces and
 *    escapes kept), and of the same value;
 *  - any other response as before, parsed by json-c and written by I: a
 *    lone surrogate becomes U+FFFD, an integer beyond 64 bits is
 *    clamped, a text that is not JSON becomes a string, null gives no
 *    response, json-c's leniencies are read as json-c reads them, nesting
 *    beyond the plain depth is still served;
 *  - with replies traced (--tracereq=all: the hooks get the value), the
 *    response parsed, written by I, and traced;
 *  - a proto-ws client of I's export of hello gets F's response too.
 * The same responses from S (a daemon of ours) reach I's HTTP clients
 * with '/' escaped as S's proto-ws writer escapes it: passed on.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>
#include "jscan.h"
#include "pwspeer.h"
#include "wsapi-test.h"

static struct afbt_daemon *I, *T, *S;
static const char *shello;
static struct pwspeer *F, *FT;
static int lfd, lfdt;

/* 'levels' arrays around 1 */
static const char *nested(int levels)
{
	char *s = afbt_keep(calloc(1, 2 * (size_t)levels + 2), free);

	memset(s, '[', (size_t)levels);
	s[levels] = '1';
	memset(s + levels + 1, ']', (size_t)levels);
	return s;
}

/*
 * The HTTP response of 'd' to a call that 'peer' answers with 'text';
 * unless 'raw', checked as a JSON success (the harness reads JSON 32
 * levels deep, the envelope included).
 */
static struct afbt_resp *reply_with_ex(struct afbt_daemon *d, struct pwspeer *peer, const char *text, int raw)
{
	struct wt_http *c = wt_http_start(d, "/api/hello/any", NULL);
	struct pws_msg m;
	struct pws_buf b;
	struct afbt_resp *r;

	CHECK_EQ(pwspeer_expect(peer, PWS_SERVER, PWS_CALL, &m, 5000), 1);
	pws_msg_clear(&m);
	pws_buf_init(&b);
	/* the text as it is: put_reply_success_text sends its bytes */
	CHECK_EQ(pws_put_reply_success_text(&b, m.callid, "from F", text, strlen(text)), 0);
	CHECK_EQ(pwspeer_send(peer, &b), 0);
	r = wt_http_end(c);
	if (raw) {
		CHECK_EQ(r->code, 200);
		CHECK(r->body != NULL);
	} else {
		CHECK_REPLY(r, 200, "success");
		CHECK_STR(afbt_info(r), "from F");
	}
	return r;
}

#define reply_with(d, peer, text) reply_with_ex((d), (peer), (text), 0)

static void t_start(void)
{
	const char *fname = afbt_fmt("@afbt-pass-%d/hello", (int)getpid());
	const char *tname = afbt_fmt("@afbt-pass-t-%d/hello", (int)getpid());

	shello = wt_sockpath("hello");
	lfd = pwspeer_listen(fname);
	lfdt = pwspeer_listen(tname);
	CHECK(lfd >= 0 && lfdt >= 0);
	I = wt_start("--ws-client", afbt_fmt("unix:%s", fname), "--ws-server",
		     afbt_fmt("unix:@afbt-pass-re-%d/hello", (int)getpid()), NULL);
	T = wt_start("--tracereq=all", "--ws-client", afbt_fmt("unix:%s", tname), NULL);
	F = pwspeer_accept(lfd, 5000);
	FT = pwspeer_accept(lfdt, 5000);
	if (!F || !FT)
		afbt_fail("the importers did not connect to the peer");
	S = wt_start("--binding", afbt_binding("hello"), "--ws-server", afbt_fmt("unix:%s", shello), NULL);
}

static void t_plain_passed_on(void)
{
	static const char *texts[] = {
		"{ \"a\" : \"caf\\u00e9\\/x\" , \"n\" : [ 1.50, -0, 1E+2, 18446744073709551615 ] }",
		"\"\\ud83d\\ude00 tab\\t\"",
		"[]",
		"true",
	};
	struct afbt_resp *r;
	size_t i;

	for (i = 0; i < sizeof texts / sizeof *texts; i++) {
		r = reply_with(I, F, texts[i]);
		CHECK_CONTAINS(r->body, afbt_fmt("{\"response\":%s,\"jtype\":\"afb-reply\"", texts[i]));
	}
	r = reply_with(I, F, texts[0]);
	CHECK_STR(afbt_jstr(r, "response.a"), "caf\xc3\xa9/x");
	CHECK(json_object_get_double(afbt_json(r, "response.n.0")) == 1.5);
	CHECK(json_object_get_uint64(afbt_json(r, "response.n.3")) == UINT64_MAX);
	/* the most a plain text nests */
	r = reply_with(I, F, nested(JSCAN_MAX_DEPTH));
	CHECK_CONTAINS(r->body, afbt_fmt("\"response\":%s,", nested(JSCAN_MAX_DEPTH)));
}

static void t_others_parsed(void)
{
	struct afbt_resp *r;

	r = reply_with(I, F, "\"lone \\ud800\"");
	CHECK_STR(afbt_jstr(r, "response"), "lone \xef\xbf\xbd");
	r = reply_with(I, F, "99999999999999999999");
	CHECK_CONTAINS(r->body, "\"response\":18446744073709551615,");
	r = reply_with(I, F, "not json");
	CHECK_STR(afbt_jstr(r, "response"), "not json");
	r = reply_with(I, F, "null");
	CHECK(afbt_json(r, "response") == NULL);
	CHECK(strstr(r->body, "\"response\"") == NULL);
	/* json-c's leniency (a trailing comma): read by it, written by I */
	r = reply_with(I, F, "{ \"a\" :\t1 , }");
	CHECK_CONTAINS(r->body, "{\"response\":{\"a\":1},");
	/* one level more: not plain, json-c reads it (depth 32), I writes it */
	r = reply_with_ex(I, F, nested(JSCAN_MAX_DEPTH + 1), 1);
	CHECK_CONTAINS(r->body, afbt_fmt("\"response\":%s,", nested(JSCAN_MAX_DEPTH + 1)));
}

/* replies traced: the hook gets the value, the client I's writing of it */
static void t_traced_parsed(void)
{
	struct afbt_resp *r = reply_with(T, FT, "{ \"a\" : \"x\\/y\" }");

	CHECK_CONTAINS(r->body, "{\"response\":{\"a\":\"x/y\"},");
	CHECK_STR(afbt_jstr(r, "response.a"), "x/y");
	wt_wait_log(T, 5000, "\"x/y\"", NULL);
}

/* O, a proto-ws client of I's export of what it imports: its call, in a thread */
struct ocall {
	pthread_t thread;
	struct pwspeer *o;
	struct pws_msg reply;
	int code;
};

static void *ocall_run(void *arg)
{
	struct ocall *c = arg;

	c->code = pwspeer_call(c->o, 1, "any", "8d2e0a6c-0000-4000-8000-0000000000aa", "{}", &c->reply, 10000);
	return NULL;
}

/* I exports hello again over proto-ws: F's text reaches O (sreq reply_text) */
static void t_reexported(void)
{
	struct ocall c = { .o = pwspeer_connect(afbt_fmt("unix:@afbt-pass-re-%d/hello", (int)getpid())) };
	struct json_object *want = json_tokener_parse("{\"a\":\"x/y\",\"n\":[1.5]}");
	const char *text = "{ \"a\" : \"x\\/y\", \"n\" : [1.50] }";
	struct pws_msg m;
	struct pws_buf b;

	CHECK(c.o != NULL);
	CHECK_EQ(pthread_create(&c.thread, NULL, ocall_run, &c), 0);
	CHECK_EQ(pwspeer_expect(F, PWS_SERVER, PWS_CALL, &m, 5000), 1);
	pws_msg_clear(&m);
	pws_buf_init(&b);
	CHECK_EQ(pws_put_reply_success_text(&b, m.callid, "from F", text, strlen(text)), 0);
	CHECK_EQ(pwspeer_send(F, &b), 0);
	pthread_join(c.thread, NULL);
	CHECK_EQ(c.code, PWS_REPLY_SUCCESS);
	CHECK_STR(c.reply.info, "from F");
	CHECK(json_object_equal(c.reply.json, want));
	pws_msg_clear(&c.reply);
	json_object_put(want);
	pwspeer_close(c.o);
}

/* I imports hello from S: S escapes '/', I passes its text on */
static void t_from_our_daemon(void)
{
	struct afbt_daemon *J;
	struct afbt_resp *r;

	J = wt_start("--ws-client", afbt_fmt("unix:%s", shello), NULL);
	r = wt_get(J, "/api/hello/echo?a=%s", afbt_urlencode("x/y"));
	CHECK_REPLY(r, 200, "success");
	CHECK_CONTAINS(r->body, "\"a\":\"x\\/y\"");
	CHECK_STR(afbt_jstr(r, "response.a"), "x/y");
	afbt_daemon_stop(J);
}

static void t_stop(void)
{
	pwspeer_close(F);
	pwspeer_close(FT);
	afbt_daemon_stop(I);
	afbt_daemon_stop(T);
	afbt_daemon_stop(S);
}

int main(int argc, char **argv)
{
	afbt_init(argc, argv);
	afbt_run("start", t_start);
	afbt_run("plain-passed-on", t_plain_passed_on);
	afbt_run("others-parsed", t_others_parsed);
	afbt_run("traced-parsed", t_traced_parsed);
	afbt_run("reexported", t_reexported);
	afbt_run("from-our-daemon", t_from_our_daemon);
	afbt_run("stop", t_stop);
	return afbt_done();
}
