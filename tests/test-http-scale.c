/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HTTP at scale (issue 9): 1,000 keep-alive connections making calls at
 * the same time are all served, each reply on its own connection, nothing
 * lost; the connections' descriptors come back after they close; while
 * 256 keep-alive connections keep the daemon busy, a new connection is
 * accepted and answered at once (it waited 1 to 3 s for its accept: an
 * sd-event defer source re-armed at every turn went before the listening
 * socket).
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
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "afbtest.h"

#define CONNS 1000
#define CALLS 5

struct conn {
	int fd;
	int index;
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

static void send_call(struct conn *c)
{
	char req[512];
	int n = snprintf(req, sizeof req,
			 "GET /api/hello/echo?c=%d&k=%d HTTP/1.1\r\nHost: 127.0.0.1\r\n%s%s%s\r\n",
			 c->index, c->sent, uuid ? "x-afb-uuid: " : "", uuid ? uuid : "", uuid ? "\r\n" : "");

	if (send(c->fd, req, (size_t)n, MSG_NOSIGNAL) != n)
		afbt_fail("send on connection %d: %s", c->index, strerror(errno));
	c->sent++;
}

/* One whole response in c->buf: checks it and removes it. 1 when one was there. */
static int take_response(struct conn *c)
{
	char *end = memmem(c->buf, c->len, "\r\n\r\n", 4), *cl, expected[64];
	size_t head, body;

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

static void t_newcomers(void)
{
	struct conn *conns = calloc(BUSY + NEWCOMERS, sizeof *conns), *c;
	struct epoll_event evs[256];
	int ep = epoll_create1(EPOLL_CLOEXEC), i, n, k, started = 0, answered = 0, errors = 0;
	double start[NEWCOMERS], worst = 0, next, end;

	for (i = 0; i < BUSY; i++) {
		open_conn(ep, &conns[i], i);
		send_call(&conns[i]);
	}
	next = afbt_now() + 0.5;
	end = afbt_now() + 60;
	while (answered < NEWCOMERS && afbt_now() < end) {
		if (started < NEWCOMERS && afbt_now() >= next) {
			/* one call on a new connection, every 200 ms, beside the busy ones */
			c = &conns[BUSY + started];
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
	for (i = 0; i < BUSY + started; i++) {
		errors += conns[i].errors;
		close(conns[i].fd);
	}
	close(ep);
	free(conns);
	afbt_note("%d new connections answered of %d, the slowest in %.3f s", answered, NEWCOMERS, worst);
	CHECK_EQ(errors, 0);
	CHECK_EQ(answered, NEWCOMERS);
	CHECK(worst < 1.0);
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
	daemon_ = afbt_daemon_start("--binding", afbt_binding("hello"), "--http-max-per-address", "0", NULL);
	/* one session for every call, when the daemon makes one for hello/ping */
	resp = afbt_get(daemon_, NULL, "/api/hello/ping");
	CHECK_REPLY(resp, 200, "success");
	uuid = afbt_jstr(resp, "request.uuid");
	afbt_run("keepalive", t_keepalive);
	afbt_run("newcomers", t_newcomers);
	afbt_run("released", t_released);
	afbt_run("stop", t_stop);
	return afbt_done();
}
