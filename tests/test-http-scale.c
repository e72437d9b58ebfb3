/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HTTP at scale (issue 9): 1,000 keep-alive connections making calls at
 * the same time are all served, each reply on its own connection, nothing
 * lost; the connections' descriptors come back after they close; while
 * 256 keep-alive connections keep the daemon busy, a new connection is
 * accepted and answered at once (it waited 1 to 3 s for its accept: an
 * sd-event defer source re-armed at every turn went before the listening
 * socket), and so is a call on a WebSocket (the worst of 20 waited 0.3 to
 * 2 s: the defer source, MHD's kick, went before the WebSocket too) and
 * a call replied from another thread (through the loop's wake-up).
 * Behaviour only: the speed is measured by scripts/bench scale.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "afbtest.h"

#define CONNS 1000
#define TOKEN "scale-token"	/* the initial token (a WebSocket needs it) */
#define CALLS 5

struct conn {
	int fd;
	int index;
	int probe;		/* ECHO, TIMER or WS: see beside_busy */
	int sent, done, errors;
	char buf[4096];
	size_t len;
};

static struct afbt_daemon *daemon_;
static const char *uuid;

static int fd_count(void)
{
	char path[64], buf[32];
	int n = 0, i;

	for (i = 0; i < 4 * CONNS + 256; i++) {
		snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)daemon_->pid, i);
		if (readlink(path, buf, sizeof buf) > 0)
			n++;
	}
	return n;
}

static int connect_to(int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof sin) < 0)
		afbt_fail("connect: %s", strerror(errno));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

enum { ECHO, TIMER, WS };

/* A masked text frame (RFC 6455) of 'text' (< 126 bytes) in 'out'; returns its size. */
static int ws_frame(char *out, const char *text)
{
	static const unsigned char mask[4] = { 0x12, 0x34, 0x56, 0x78 };
	int i, n = (int)strlen(text);

	out[0] = (char)0x81;
	out[1] = (char)(0x80 | n);
	memcpy(out + 2, mask, 4);
	for (i = 0; i < n; i++)
		out[6 + i] = (char)(text[i] ^ mask[i % 4]);
	return 6 + n;
}

static void send_call(struct conn *c)
{
	char req[512];
	int n = c->probe == WS ? ws_frame(req, "[2,\"1\",\"hello/ping\",null]")
		: c->probe == TIMER ? snprintf(req, sizeof req,
				    "GET /api/hello/timer?ms=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n%s%s%s\r\n",
				    uuid ? "x-afb-uuid: " : "", uuid ? uuid : "", uuid ? "\r\n" : "")
			 : snprintf(req, sizeof req,
				    "GET /api/hello/echo?c=%d&k=%d HTTP/1.1\r\nHost: 127.0.0.1\r\n%s%s%s\r\n",
				    c->index, c->sent, uuid ? "x-afb-uuid: " : "", uuid ? uuid : "", uuid ? "\r\n" : "");

	if (send(c->fd, req, (size_t)n, MSG_NOSIGNAL) != n)
		afbt_fail("send on connection %d: %s", c->index, strerror(errno));
	c->sent++;
}

/* One whole WebSocket message (a reply to hello/ping) in c->buf: checks it and removes it. */
static int take_ws_message(struct conn *c)
{
	const unsigned char *b = (const unsigned char *)c->buf;
	size_t head = 2, len;

	if (c->len < 2)
		return 0;
	len = b[1] & 0x7f;
	if (len == 126) {
		if (c->len < 4)
			return 0;
		len = (size_t)b[2] << 8 | b[3];
		head = 4;
	}
	if (c->len < head + len)
		return 0;
	if (b[0] != 0x81 || (b[1] & 0x80) || len == 127 || !memmem(c->buf + head, len, "\"pong\"", 6))
		c->errors++;
	c->done++;
	memmove(c->buf, c->buf + head + len, c->len - head - len);
	c->len -= head + len;
	return 1;
}

/* One whole response in c->buf: checks it and removes it. 1 when one was there. */
static int take_response(struct conn *c)
{
	char *end = memmem(c->buf, c->len, "\r\n\r\n", 4), *cl, expected[64];
	size_t head, body;

	if (c->probe == WS)
		return take_ws_message(c);
	if (!end)
		return 0;
	head = (size_t)(end - c->buf) + 4;
	cl = memmem(c->buf, head, "Content-Length: ", 16);
	if (!cl)
		cl = memmem(c->buf, head, "content-length: ", 16);
	if (!cl) {
		c->errors++;
		return 0;
	}
	body = strtoul(cl + 16, NULL, 10);
	if (c->len < head + body)
		return 0;
	if (c->probe == TIMER)
		snprintf(expected, sizeof expected, "\"timer expired\"");
	else
		snprintf(expected, sizeof expected, "{\"c\":\"%d\",\"k\":\"%d\"}", c->index, c->done);
	if (strncmp(c->buf, "HTTP/1.1 200", 12) || !memmem(c->buf + head, body, expected, strlen(expected)))
		c->errors++;
	c->done++;
	memmove(c->buf, c->buf + head + body, c->len - head - body);
	c->len -= head + body;
	return 1;
}

/* Connects 'c' (number 'index') and watches it with 'ep'. */
static void open_conn(int ep, struct conn *c, int index)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };

	c->index = index;
	c->fd = connect_to(daemon_->port);
	epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
}

/* Upgrades the connection 'c' to x-afb-ws-json1 (before it is watched). */
static void upgrade(struct conn *c)
{
	static const char req[] = "GET /api?token=" TOKEN " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
				  "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
				  "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: x-afb-ws-json1\r\n\r\n";
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	double end = afbt_now() + 10;
	char *head_end = NULL;
	ssize_t r;

	if (send(c->fd, req, sizeof req - 1, MSG_NOSIGNAL) != (ssize_t)sizeof req - 1)
		afbt_fail("send of the upgrade: %s", strerror(errno));
	while (!head_end && afbt_now() < end && poll(&pfd, 1, 100) >= 0) {
		r = recv(c->fd, c->buf + c->len, sizeof c->buf - c->len - 1, 0);
		if (r == 0 || (r < 0 && errno != EAGAIN))
			afbt_fail("upgrade: connection closed");
		if (r > 0)
			c->len += (size_t)r;
		head_end = memmem(c->buf, c->len, "\r\n\r\n", 4);
	}
	if (!head_end || strncmp(c->buf, "HTTP/1.1 101", 12))
		afbt_fail("upgrade refused: %.*s", (int)c->len, c->buf);
	c->len -= (size_t)(head_end + 4 - c->buf);
	memmove(c->buf, head_end + 4, c->len);
}

/* Reads what arrived on 'c': 0 when nothing did. A closed connection fails the test. */
static int receive(struct conn *c)
{
	ssize_t r = recv(c->fd, c->buf + c->len, sizeof c->buf - c->len, 0);

	if (r <= 0) {
		if (r < 0 && errno == EAGAIN)
			return 0;
		afbt_fail("connection %d closed after %d replies", c->index, c->done);
	}
	c->len += (size_t)r;
	return 1;
}

static void t_keepalive(void)
{
	struct conn *conns = calloc(CONNS, sizeof *conns), *c;
	struct epoll_event evs[256];
	int ep = epoll_create1(EPOLL_CLOEXEC), i, n, k, left = CONNS, errors = 0, done = 0, open_fds;
	double end;

	for (i = 0; i < CONNS; i++)
		open_conn(ep, &conns[i], i);
	/* every connection has a call in flight at once */
	for (i = 0; i < CONNS; i++)
		send_call(&conns[i]);
	end = afbt_now() + 60;
	while (left > 0 && afbt_now() < end) {
		n = epoll_wait(ep, evs, 256, 100);
		for (k = 0; k < n; k++) {
			c = evs[k].data.ptr;
			if (!receive(c))
				continue;
			while (take_response(c)) {
				if (c->sent < CALLS)
					send_call(c);
				else
					left--;
			}
		}
	}
	/* checked once everything is closed, so that a failure leaves nothing open */
	open_fds = fd_count();
	for (i = 0; i < CONNS; i++) {
		errors += conns[i].errors;
		done += conns[i].done;
		close(conns[i].fd);
	}
	close(ep);
	free(conns);
	afbt_note("%d replies of %d, %d errors, %d descriptors open", done, CONNS * CALLS, errors, open_fds);
	CHECK_INT(open_fds, >=, CONNS);
	CHECK_EQ(errors, 0);
	CHECK_EQ(done, CONNS * CALLS);
}

#define BUSY 256
#define NEWCOMERS 10

/*
 * While BUSY keep-alive connections call hello/echo back to back, one call
 * every 200 ms on each of 'count' other connections: each must be
 * answered within 'limit' seconds. 'fresh': each of them connects just
 * before its call (else they are all connected before the load starts).
 * 'probe': what they call: hello/echo (ECHO), hello/timer, replied from
 * a thread of its own (TIMER), or hello/ping on a WebSocket (WS).
 */
static void beside_busy(int fresh, int probe, double limit, int count)
{
	struct conn *conns = calloc(BUSY + count, sizeof *conns), *c;
	struct epoll_event evs[256];
	int ep = epoll_create1(EPOLL_CLOEXEC), i, n, k, started = 0, answered = 0, errors = 0;
	double *start = calloc((size_t)count, sizeof *start), worst = 0, next, end;

	for (i = BUSY; i < BUSY + count; i++) {
		conns[i].probe = probe;
		if (fresh)
			continue;
		open_conn(ep, &conns[i], i);
		if (probe == WS)
			upgrade(&conns[i]);
	}
	for (i = 0; i < BUSY; i++) {
		open_conn(ep, &conns[i], i);
		send_call(&conns[i]);
	}
	next = afbt_now() + 0.5;
	end = afbt_now() + 60;
	while (answered < count && afbt_now() < end) {
		if (started < count && afbt_now() >= next) {
			/* one call every 200 ms, beside the busy connections */
			c = &conns[BUSY + started];
			if (fresh)
				open_conn(ep, c, BUSY + started);
			start[started++] = afbt_now();
			send_call(c);
			next = afbt_now() + 0.2;
		}
		n = epoll_wait(ep, evs, 256, 10);
		for (k = 0; k < n; k++) {
			c = evs[k].data.ptr;
			if (!receive(c))
				continue;
			while (take_response(c)) {
				if (c->index < BUSY) {
					send_call(c);
				} else {
					if (afbt_now() - start[c->index - BUSY] > worst)
						worst = afbt_now() - start[c->index - BUSY];
					answered++;
				}
			}
		}
	}
	for (i = 0; i < BUSY + count; i++) {
		errors += conns[i].errors;
		if (i < BUSY + started || !fresh)
			close(conns[i].fd);
	}
	close(ep);
	free(conns);
	free(start);
	afbt_note("%d calls answered of %d, the slowest in %.3f s", answered, count, worst);
	CHECK_EQ(errors, 0);
	CHECK_EQ(answered, count);
	CHECK(worst < limit * afbt_slowness());
}

static void t_newcomers(void)
{
	beside_busy(1, ECHO, 1.0, NEWCOMERS);
}

static void t_websocket(void)
{
	beside_busy(0, WS, 0.5, 2 * NEWCOMERS);
}

/* replied from another thread: the reply is posted to the loop, which an eventfd wakes */
static void t_thread_replies(void)
{
	beside_busy(0, TIMER, 1.0, NEWCOMERS);
}

static void t_released(void)
{
	double end = afbt_now() + 10;
	int n;

	while ((n = fd_count()) > 64 && afbt_now() < end)
		afbt_msleep(50);
	CHECK_INT(n, <=, 64);
}

static void t_stop(void)
{
	afbt_daemon_stop(daemon_);
}

int main(int argc, char **argv)
{
	struct afbt_resp *resp;

	afbt_init(argc, argv);
	afbt_raise_nofile(CONNS + 256);
	daemon_ = afbt_daemon_start("--binding", afbt_binding("hello"), "--http-max-per-address", "0", "--token", TOKEN,
				     NULL);
	/* one session for every call, when the daemon makes one for hello/ping */
	resp = afbt_get(daemon_, NULL, "/api/hello/ping");
	CHECK_REPLY(resp, 200, "success");
	uuid = afbt_jstr(resp, "request.uuid");
	afbt_run("keepalive", t_keepalive);
	afbt_run("newcomers", t_newcomers);
	afbt_run("websocket", t_websocket);
	afbt_run("thread-replies", t_thread_replies);
	afbt_run("released", t_released);
	afbt_run("stop", t_stop);
	return afbt_done();
}
