/* SPDX-License-Identifier: Apache-2.0 */
/*
 * UTF-8 over proto-ws (binder/core/utf8.h, docs/proto-ws.md):
 *  - what the daemon sends is valid UTF-8 even when a binding built bad
 *    strings (test binding badtext): replies, failures, events;
 *  - a call whose strings are not UTF-8 is refused with F "bad-request";
 *  - replies and events coming from a peer (a 2017 binder, played by the
 *    test peer) with bad strings are repaired (U+FFFD) before they reach
 *    HTTP clients; a subcall with bad strings is refused.
 *
 *	S: badtext, hello; exports both (--ws-server)
 *	I: imports badtext from S, and hello from the peer F
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>
#include "pwspeer.h"
#include "utf8.h"
#include "wsframe.h"
#include "wsapi-test.h"

#define FFFD "\xef\xbf\xbd"

static struct afbt_daemon *S, *I;
static const char *sbad, *shello, *fname;
static int lfd;
static struct pwspeer *F;

/* ---- raw messages, with any bytes in their strings ---- */

struct raw {
	uint8_t data[512];
	size_t len;
};

static void raw_u8(struct raw *r, uint8_t v)
{
	r->data[r->len++] = v;
}

static void raw_u32(struct raw *r, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		raw_u8(r, (uint8_t)(v >> (8 * i)));
}

static void raw_str(struct raw *r, const char *s)
{
	size_t n = strlen(s) + 1;

	raw_u32(r, (uint32_t)n);
	memcpy(r->data + r->len, s, n);
	r->len += n;
}

static void raw_send(struct pwspeer *p, const struct raw *r)
{
	uint8_t out[WSF_HEADER_MAX + sizeof r->data];
	size_t h = wsframe_header(out, 1, WSF_BINARY, r->len);

	memcpy(out + h, r->data, r->len);
	CHECK_EQ(pwspeer_send_raw(p, out, h + r->len), 0);
}

/* ---- HTTP calls in a thread, while the test plays F ---- */

#define http_start(path) wt_http_start(I, (path), NULL)
#define http_end(c) wt_http_end(c)

static void check_body_repaired(struct afbt_resp *r)
{
	CHECK(r->body != NULL);
	CHECK(utf8_valid(r->body, r->size));
	CHECK_CONTAINS(r->body, FFFD);
}

/* ---- checks ---- */

static void t_start(void)
{
	sbad = wt_sockpath("badtext");
	shello = wt_sockpath("hello");
	fname = afbt_fmt("@afbt-utf8-%d/hello", (int)getpid());
	lfd = pwspeer_listen(fname);
	CHECK(lfd >= 0);
	S = wt_start("--binding", afbt_test_binding("badtext"), "--binding", afbt_binding("hello"),
		     "--ws-server", afbt_fmt("unix:%s", sbad), "--ws-server", afbt_fmt("unix:%s", shello), NULL);
	I = wt_start("--ws-client", afbt_fmt("unix:%s", sbad), "--ws-client", afbt_fmt("unix:%s", fname), NULL);
}

/* S's encoder repairs what badtext built: I gets (and relays) valid text */
static void t_replies_sent(void)
{
	struct afbt_resp *r = wt_get(I, "/api/badtext/reply");

	CHECK_REPLY(r, 200, "success");
	check_body_repaired(r);
	CHECK_STR(afbt_jstr(r, "response.text"), "a" FFFD FFFD "b");
	CHECK_STR(afbt_info(r), "i" FFFD);
	r = wt_get(I, "/api/badtext/fail");
	CHECK_EQ(r->code, 500);
	check_body_repaired(r);
	CHECK_STR(afbt_status(r), "bad" FFFD "status");
	wt_wait_log(S, 5000, "invalid UTF-8", "U+FFFD");
}

/* the bytes of S's messages, read by the peer: nothing needed a repair */
static void t_events_sent(void)
{
	struct pwspeer *p = pwspeer_connect(afbt_fmt("unix:%s", sbad));
	struct pws_msg m;
	int found = 0;

	CHECK(p != NULL);
	CHECK_EQ(pwspeer_call(p, 1, "subscribe", "8d2e0a6c-0000-4000-8000-000000000001", "{}", &m, 5000), 'T');
	pws_msg_clear(&m);
	CHECK_EQ(pwspeer_call(p, 2, "push", "8d2e0a6c-0000-4000-8000-000000000001", "{}", &m, 5000), 'T');
	CHECK_EQ(m.repaired, 0);
	pws_msg_clear(&m);
	while (pwspeer_pop_other(p, &m) == 1) {
		CHECK_EQ(m.repaired, 0);
		if (m.code == PWS_EVENT_PUSH) {
			found = 1;
			CHECK_STR(m.event, "badtext/ev" FFFD);
			CHECK_STR(json_object_get_string(json_object_object_get(m.json, "data")), FFFD FFFD);
		}
		pws_msg_clear(&m);
	}
	CHECK(found);
	pwspeer_close(p);
}

/* a call whose args or verb are not UTF-8: F bad-request, the link goes on */
static void t_bad_call_refused(void)
{
	struct pwspeer *p = pwspeer_connect(afbt_fmt("unix:%s", shello));
	struct raw r = { .len = 0 };
	struct pws_msg m;

	CHECK(p != NULL);
	raw_u8(&r, PWS_CALL);
	raw_u32(&r, 7);
	raw_str(&r, "echo");
	raw_str(&r, "8d2e0a6c-0000-4000-8000-000000000002");
	raw_str(&r, "{\"x\":\"\xff\xfe\"}");
	raw_send(p, &r);
	CHECK_EQ(pwspeer_expect(p, PWS_CLIENT, PWS_REPLY_FAIL, &m, 5000), 1);
	CHECK_EQ(m.callid, 7);
	CHECK_STR(m.status, "bad-request");
	CHECK_CONTAINS(m.info, "UTF-8");
	pws_msg_clear(&m);
	r.len = 0;
	raw_u8(&r, PWS_CALL);
	raw_u32(&r, 8);
	raw_str(&r, "ec\xc3ho");
	raw_str(&r, "8d2e0a6c-0000-4000-8000-000000000002");
	raw_str(&r, "{}");
	raw_send(p, &r);
	CHECK_EQ(pwspeer_expect(p, PWS_CLIENT, PWS_REPLY_FAIL, &m, 5000), 1);
	CHECK_EQ(m.callid, 8);
	CHECK_STR(m.status, "bad-request");
	pws_msg_clear(&m);
	/* still served */
	CHECK_EQ(pwspeer_call(p, 9, "ping", "8d2e0a6c-0000-4000-8000-000000000002", "{}", &m, 5000), 'T');
	pws_msg_clear(&m);
	pwspeer_close(p);
}

/* F (a 2017 binder) replies with bad bytes: I repairs them */
static void t_bad_replies_repaired(void)
{
	struct wt_http *c;
	struct afbt_resp *resp;
	struct raw r = { .len = 0 };
	struct pws_msg m;

	F = pwspeer_accept(lfd, 5000);
	if (!F)
		afbt_fail("I did not connect to F");
	c = http_start("/api/hello/anything");
	CHECK_EQ(pwspeer_expect(F, PWS_SERVER, PWS_CALL, &m, 5000), 1);
	pws_msg_clear(&m);
	raw_u8(&r, PWS_REPLY_SUCCESS);
	raw_u32(&r, m.callid);
	raw_str(&r, "info\xff");
	raw_str(&r, "{\"v\":\"\xc3\"}");
	raw_send(F, &r);
	resp = http_end(c);
	CHECK_REPLY(resp, 200, "success");
	check_body_repaired(resp);
	CHECK_STR(afbt_jstr(resp, "response.v"), FFFD);
	CHECK_STR(afbt_info(resp), "info" FFFD);

	c = http_start("/api/hello/other");
	CHECK_EQ(pwspeer_expect(F, PWS_SERVER, PWS_CALL, &m, 5000), 1);
	pws_msg_clear(&m);
	r.len = 0;
	raw_u8(&r, PWS_REPLY_FAIL);
	raw_u32(&r, m.callid);
	raw_str(&r, "st\xfe");
	raw_str(&r, "in\xed\xa0\x80");
	raw_send(F, &r);
	resp = http_end(c);
	check_body_repaired(resp);
	CHECK_STR(afbt_status(resp), "st" FFFD);
	CHECK_STR(afbt_info(resp), "in" FFFD FFFD FFFD);
	wt_wait_log(I, 5000, "invalid UTF-8 from", "reply");
}

/* F makes a subcall with bad bytes: refused with an error envelope */
static void t_bad_subcall_refused(void)
{
	struct wt_http *c = http_start("/api/hello/withsub");
	struct raw r = { .len = 0 };
	struct pws_msg m, rep;
	struct pws_buf b;

	CHECK_EQ(pwspeer_expect(F, PWS_SERVER, PWS_CALL, &m, 5000), 1);
	pws_msg_clear(&m);
	raw_u8(&r, PWS_SUBCALL);
	raw_u32(&r, 77);
	raw_u32(&r, m.callid);
	raw_str(&r, "hello");
	raw_str(&r, "ping");
	raw_str(&r, "{\"a\":\"\xff\"}");
	raw_send(F, &r);
	CHECK_EQ(pwspeer_expect(F, PWS_SERVER, PWS_SUBCALL_REPLY, &rep, 5000), 1);
	CHECK_EQ(rep.subcallid, 77);
	CHECK_EQ(rep.iserror, 1);
	CHECK_STR(json_object_get_string(json_object_object_get(json_object_object_get(rep.json, "request"),
								     "status")), "bad-request");
	pws_msg_clear(&rep);
	pws_buf_init(&b);
	pws_put_reply_fail(&b, m.callid, "done", NULL);
	CHECK_EQ(pwspeer_send(F, &b), 0);
	CHECK_STR(afbt_status(http_end(c)), "done");
}

static void t_stop(void)
{
	pwspeer_close(F);
	afbt_daemon_stop(I);
	afbt_daemon_stop(S);
}

int main(int argc, char **argv)
{
	afbt_init(argc, argv);
	afbt_run("start", t_start);
	afbt_run("replies-sent", t_replies_sent);
	afbt_run("events-sent", t_events_sent);
	afbt_run("bad-call-refused", t_bad_call_refused);
	afbt_run("bad-replies-repaired", t_bad_replies_repaired);
	afbt_run("bad-subcall-refused", t_bad_subcall_refused);
	afbt_run("stop", t_stop);
	return afbt_done();
}
