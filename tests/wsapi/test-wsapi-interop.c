/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The daemon against a binder of 2017, played by the test peer: the
 * peer is the server F of an api that the daemon A imports (on an
 * abstract socket, padded as the 2017 binder pads it), and it checks the
 * bytes A sends and answers as the 2017 binder would.
 *
 *	F: the peer, serving "hello" on unix:@afbt-interop-PID/hello
 *	A: post; imports hello from F; exports post and hello again
 *	O: the peer, a client of A's exports (observes what A forwards)
 */
#include <pthread.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>
#include "pwspeer.h"
#include "wsframe.h"
#include "wsapi-test.h"

static struct afbt_daemon *A;
static int lfd;
static struct pwspeer *F;
static const char *apost, *ahello;

static void accept_f(void)
{
	if (F)
		pwspeer_close(F);
	F = pwspeer_accept(lfd, 5000);
	if (!F)
		afbt_fail("the daemon did not connect");
}

static void start(void)
{
	const char *fname = afbt_fmt("@afbt-interop-%d/hello", (int)getpid());

	lfd = pwspeer_listen(fname);
	CHECK(lfd >= 0);
	apost = wt_sockpath("post");
	ahello = wt_sockpath("hello");
	A = wt_start("--binding", afbt_binding("post"), "--ws-client", afbt_fmt("unix:%s", fname),
		     "--ws-server", afbt_fmt("unix:%s", apost), "--ws-server", afbt_fmt("unix:%s", ahello), NULL);
	accept_f();
}

/* an HTTP call to A in a thread, while the test plays F */
#define http_start(path) wt_http_start(A, (path), NULL)
#define http_end(c) wt_http_end(c)

/* F receives the call of 'c' (its args are dropped) */
static void f_get_call(struct pws_msg *m, const char *verb)
{
	if (pwspeer_expect(F, PWS_SERVER, 'C', m, 5000) != 1)
		afbt_fail("F got no call");
	pws_msg_clear(m);
	CHECK_STR(m->verb, verb);
}

static void f_send(struct pws_buf *b)
{
	CHECK_EQ(pwspeer_send(F, b), 0);
}

static void t_replies(void)
{
	struct wt_http *c = http_start("/api/hello/anything?x=1");
	struct afbt_resp *r;
	struct pws_buf b;
	struct pws_msg m;
	struct json_object *o;

	if (pwspeer_expect(F, PWS_SERVER, 'C', &m, 5000) != 1)
		afbt_fail("F got no call");
	CHECK_STR(m.verb, "anything");
	/* the session of the caller: a uuid made by A */
	CHECK_EQ(strlen(m.uuid), 36);
	CHECK_STR(json_object_get_string(json_object_object_get(m.json, "x")), "1");
	pws_msg_clear(&m);
	pws_buf_init(&b);
	o = json_tokener_parse("{\"ok\":1}");
	pws_put_reply_success(&b, m.callid, "", o);	/* "" info: none */
	json_object_put(o);
	f_send(&b);
	r = http_end(c);
	CHECK_STR(afbt_status(r), "success");
	CHECK_EQ(json_object_get_int(afbt_json(r, "response.ok")), 1);
	CHECK(afbt_info(r) == NULL);

	c = http_start("/api/hello/other");
	f_get_call(&m, "other");
	pws_put_reply_fail(&b, m.callid, "my-status", "my info");
	f_send(&b);
	r = http_end(c);
	CHECK_STR(afbt_status(r), "my-status");
	CHECK_STR(afbt_info(r), "my info");

	/* replies may come in any order */
	struct wt_http *c1 = http_start("/api/hello/first"), *c2;
	struct pws_msg m1, m2;
	f_get_call(&m1, "first");
	c2 = http_start("/api/hello/second");
	f_get_call(&m2, "second");
	pws_put_reply_fail(&b, m2.callid, "second", "");
	f_send(&b);
	pws_put_reply_fail(&b, m1.callid, "first", "");
	f_send(&b);
	r = http_end(c2);
	CHECK_STR(afbt_status(r), "second");
	CHECK(afbt_info(r) == NULL);
	CHECK_STR(afbt_status(http_end(c1)), "first");
}

/* frames as other peers may send them: masked, fragmented */
static void t_frames_in(void)
{
	struct wt_http *c = http_start("/api/hello/frames");
	struct pws_msg m;
	struct pws_buf b;
	struct afbt_resp *r;
	uint8_t out[256], *msg;
	size_t n = 0, len, half;

	f_get_call(&m, "frames");
	pws_buf_init(&b);
	pws_put_reply_fail(&b, m.callid, "fragmented", "and masked");
	msg = pws_buf_msg(&b);
	len = b.len;
	half = len / 2;
	/* first half: binary, not final, masked with 1 2 3 4 */
	out[n++] = 0x02;
	out[n++] = (uint8_t)(0x80 | half);
	memcpy(out + n, "\x01\x02\x03\x04", 4);
	n += 4;
	for (size_t i = 0; i < half; i++)
		out[n++] = msg[i] ^ (uint8_t)(1 + i % 4);
	/* a ping in between */
	out[n++] = 0x89;
	out[n++] = 0x00;
	/* second half: continuation, final, unmasked */
	out[n++] = 0x80;
	out[n++] = (uint8_t)(len - half);
	memcpy(out + n, msg + half, len - half);
	n += len - half;
	pws_buf_clear(&b);
	CHECK_EQ(pwspeer_send_raw(F, out, n), 0);
	r = http_end(c);
	CHECK_STR(afbt_status(r), "fragmented");
	CHECK_STR(afbt_info(r), "and masked");
}

/* Reads raw frames from 'fd' until a final one; returns the largest payload seen. */
static size_t max_frame(int fd, size_t *total)
{
	uint8_t h[14];
	size_t maxlen = 0, len;
	int fin;

	*total = 0;
	do {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		if (poll(&pfd, 1, 5000) <= 0 || read(fd, h, 2) != 2)
			afbt_fail("no frame");
		fin = h[0] & 0x80;
		len = h[1] & 0x7f;
		CHECK((h[1] & 0x80) == 0);	/* never masked */
		if (len == 126) {
			CHECK_EQ(read(fd, h + 2, 2), 2);
			len = (size_t)h[2] << 8 | h[3];
		} else if (len == 127) {
			CHECK_EQ(read(fd, h + 2, 8), 8);
			len = 0;
			for (int i = 0; i < 8; i++)
				len = len << 8 | h[2 + i];
		}
		/* control frames (the pong of an earlier ping) are not the message */
		if ((h[0] & 0x0f) < WSF_CLOSE) {
			if (len > maxlen)
				maxlen = len;
			*total += len;
		} else {
			fin = 0;
		}
		for (size_t got = 0; got < len;) {
			uint8_t buf[65536];
			ssize_t r = read(fd, buf, len - got < sizeof buf ? len - got : sizeof buf);
			if (r <= 0)
				afbt_fail("short frame");
			got += (size_t)r;
		}
	} while (!fin);
	return maxlen;
}

/* what A sends: unmasked frames of 65000 bytes at most (the 2017 receiver's limit) */
static void t_frames_out(void)
{
	size_t n = 200000, total, maxlen;
	char *body = afbt_keep(malloc(n + 32), free), *p;
	struct wt_http *c;

	p = body + sprintf(body, "{\"d\":\"");
	memset(p, 'z', n);
	strcpy(p + n, "\"}");
	c = wt_http_start(A, "/api/hello/big", body);
	maxlen = max_frame(pwspeer_fd(F), &total);
	CHECK(maxlen <= WSF_FRAGMENT_SIZE);
	CHECK(total > n);
	afbt_note("a call of %zu bytes came in frames of %zu bytes at most", total, maxlen);
	/* the call was read raw: F leaves, the call fails, A connects again later */
	pwspeer_close(F);
	F = NULL;
	CHECK_STR(afbt_status(http_end(c)), "disconnected");
}

/* subcalls asked by F run in A, in the calling request (B, then R) */
static void t_subcalls(void)
{
	struct wt_http *c;
	struct pws_buf b;
	struct pws_msg m, r;
	struct json_object *args = json_tokener_parse("{\"\":\"[3]\"}");
	uint32_t callid;

	c = http_start("/api/hello/withsub");
	if (!F)
		accept_f();
	f_get_call(&m, "withsub");
	callid = m.callid;
	pws_buf_init(&b);
	pws_put_subcall(&b, 5, callid, "post", "json", args);
	f_send(&b);
	CHECK_EQ(pwspeer_expect(F, PWS_SERVER, 'R', &r, 5000), 1);
	CHECK_EQ(r.subcallid, 5);
	CHECK_EQ(r.iserror, 0);
	CHECK_STR(json_object_get_string(json_object_object_get(json_object_object_get(r.json, "request"), "status")),
		  "success");
	CHECK_EQ(json_object_get_int(json_object_object_get(json_object_object_get(r.json, "response"), "length")), 3);
	pws_msg_clear(&r);

	/* an unknown api: an error with its envelope */
	pws_put_subcall(&b, 6, callid, "nosuchapi", "x", NULL);
	f_send(&b);
	CHECK_EQ(pwspeer_expect(F, PWS_SERVER, 'R', &r, 5000), 1);
	CHECK_EQ(r.subcallid, 6);
	CHECK_EQ(r.iserror, 1);
	CHECK_STR(json_object_get_string(json_object_object_get(json_object_object_get(r.json, "request"), "status")),
		  "unknown-api");
	pws_msg_clear(&r);

	/* an unknown call: refused at once */
	pws_put_subcall(&b, 7, callid + 1000, "post", "json", args);
	f_send(&b);
	CHECK_EQ(pwspeer_expect(F, PWS_SERVER, 'R', &r, 5000), 1);
	CHECK_EQ(r.subcallid, 7);
	CHECK_EQ(r.iserror, 1);
	CHECK(r.json == NULL);

	pws_put_reply_success(&b, callid, NULL, NULL);
	f_send(&b);
	CHECK_STR(afbt_status(http_end(c)), "success");
	json_object_put(args);
}

/* events of F: replicated, pushed, removed; odd ones dropped without harm */
static void t_events(void)
{
	struct wt_http *c = http_start("/api/hello/sub");
	struct json_object *d = json_object_new_int(5);
	struct pws_buf b;
	struct pws_msg m;

	f_get_call(&m, "sub");
	pws_buf_init(&b);
	pws_put_event_add(&b, 7, "hello/ev"); f_send(&b);
	pws_put_subscribe(&b, m.callid, 7, "hello/ev"); f_send(&b);
	pws_put_subscribe(&b, m.callid, 8, "hello/unknown"); f_send(&b);
	pws_put_subscribe(&b, m.callid + 1000, 7, "hello/ev"); f_send(&b);
	pws_put_reply_success(&b, m.callid, NULL, NULL); f_send(&b);
	CHECK_STR(afbt_status(http_end(c)), "success");
	pws_put_event_push(&b, 7, "hello/ev", d); f_send(&b);
	pws_put_event_push(&b, 9, "hello/nope", d); f_send(&b);
	pws_put_event_remove(&b, 7, "hello/ev"); f_send(&b);
	pws_put_event_remove(&b, 7, "hello/ev"); f_send(&b);
	json_object_put(d);
	wt_wait_log(A, 3000, "removal of an unknown event", "hello/ev");
	/* the link is still up */
	c = http_start("/api/hello/after");
	f_get_call(&m, "after");
	pws_put_reply_success(&b, m.callid, NULL, NULL); f_send(&b);
	CHECK_STR(afbt_status(http_end(c)), "success");
}

/* broadcasts of F: forwarded by A with one hop less, once, never without trailer */
static void t_broadcasts(void)
{
	static const uint8_t u1[16] = "uuid-number-one!", u2[16] = "uuid-number-two!";
	struct pwspeer *o = pwspeer_connect(afbt_fmt("unix:%s", apost));
	struct json_object *d = json_object_new_string("v");
	struct pws_buf b;
	struct pws_msg m;

	CHECK(o != NULL);
	/* A knows O before F broadcasts: it replied to O (post/json, without a body: bad-request) */
	CHECK_EQ(pwspeer_call(o, 1, "json", "interop-o", NULL, &m, 5000), 'F');
	CHECK_STR(m.status, "bad-request");
	pws_msg_clear(&m);
	pws_buf_init(&b);
	pws_put_broadcast(&b, "hello/g1", d, u1, 3); f_send(&b);
	CHECK_EQ(pwspeer_expect(o, PWS_CLIENT, '*', &m, 5000), 1);
	CHECK_STR(m.event, "hello/g1");
	CHECK_EQ(m.has_guard, 1);
	CHECK(!memcmp(m.guard_uuid, u1, 16));
	CHECK_EQ(m.hop, 2);
	pws_msg_clear(&m);
	/* seen: dropped */
	pws_put_broadcast(&b, "hello/g1", d, u1, 3); f_send(&b);
	/* no hop left: not forwarded */
	pws_put_broadcast(&b, "hello/g2", d, u2, 0); f_send(&b);
	/* 2017 format: not forwarded */
	pws_put_broadcast(&b, "hello/g3", d, NULL, 0); f_send(&b);
	CHECK_EQ(pwspeer_expect(o, PWS_CLIENT, '*', &m, 400), 0);
	json_object_put(d);
	pwspeer_close(o);
}

/* describe of the imported api, asked by O through A's re-export, answered by F */
static void t_describe(void)
{
	struct pwspeer *o = pwspeer_connect(afbt_fmt("unix:%s", ahello));
	struct json_object *desc = json_tokener_parse("{\"openapi\":\"3.0.0\",\"info\":{\"title\":\"fake\"}}");
	struct pws_buf b;
	struct pws_msg m;

	CHECK(o != NULL);
	pws_buf_init(&b);
	pws_put_describe(&b, 1234);
	CHECK_EQ(pwspeer_send(o, &b), 0);
	CHECK_EQ(pwspeer_expect(F, PWS_SERVER, 'D', &m, 5000), 1);
	pws_put_description(&b, m.descid + 99, NULL);	/* unknown: ignored */
	f_send(&b);
	pws_put_description(&b, m.descid, desc);
	f_send(&b);
	CHECK_EQ(pwspeer_expect(o, PWS_CLIENT, 'd', &m, 5000), 1);
	CHECK_EQ(m.descid, 1234);
	CHECK_STR(json_object_get_string(json_object_object_get(json_object_object_get(m.json, "info"), "title")),
		  "fake");
	pws_msg_clear(&m);
	json_object_put(desc);
	pwspeer_close(o);
}

/* F speaks nonsense: A closes the link, fails the pending call, and comes back */
static void t_bad_server(void)
{
	static const uint8_t bad[] = { 0x82, 0x03, 'Q', 'Q', 'Q' };
	struct wt_http *c = http_start("/api/hello/pending");
	struct pws_msg m;
	struct pws_buf b;

	f_get_call(&m, "pending");
	CHECK_EQ(pwspeer_send_raw(F, bad, sizeof bad), 0);
	CHECK_STR(afbt_status(http_end(c)), "disconnected");
	CHECK_EQ(pwspeer_recv(F, PWS_SERVER, &m, 3000), -1);
	CHECK_EQ(pwspeer_last_close(F), WSF_CLOSE_POLICY);
	wt_wait_log(A, 2000, "invalid message", "unknown message code");

	c = http_start("/api/hello/again");
	accept_f();
	f_get_call(&m, "again");
	pws_buf_init(&b);
	pws_put_reply_success(&b, m.callid, NULL, NULL);
	f_send(&b);
	CHECK_STR(afbt_status(http_end(c)), "success");
}

static void stop(void)
{
	afbt_daemon_stop(A);
	pwspeer_close(F);
	close(lfd);
}

int main(int argc, char **argv)
{
	afbt_init(argc, argv);
	afbt_run("start", start);
	afbt_run("replies", t_replies);
	afbt_run("frames-in", t_frames_in);
	afbt_run("frames-out", t_frames_out);
	afbt_run("subcalls", t_subcalls);
	afbt_run("events", t_events);
	afbt_run("broadcasts", t_broadcasts);
	afbt_run("describe", t_describe);
	afbt_run("bad-server", t_bad_server);
	afbt_run("stop", stop);
	return afbt_done();
}
