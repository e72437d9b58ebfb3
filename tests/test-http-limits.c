/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Connection limits of the HTTP server (issue 8 item 2, binder/http/hconn.c):
 *  - slowloris: 1100 sockets from 127.0.0.2 trickling header lines; a
 *    client from 127.0.0.1 is served within 1 s (default options: the
 *    per-address limit refuses most of them at once);
 *  - with a small total limit, a new client evicts the connection that
 *    waited longest for its request; what is left is cut at the header
 *    deadline (408);
 *  - when every connection is busy (WebSockets count), 503 at once;
 *  - the per-address limit gives 503 too.
 * This process raises its own open file limit (the daemons inherit it).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "afbtest.h"

#define ATTACKERS 1100

/* ---- raw sockets from a chosen address ---- */

static int connect_from(const char *from, int port)
{
	struct sockaddr_in src = { .sin_family = AF_INET }, dst = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	inet_pton(AF_INET, from, &src.sin_addr);
	inet_pton(AF_INET, "127.0.0.1", &dst.sin_addr);
	dst.sin_port = htons((uint16_t)port);
	if (bind(fd, (struct sockaddr *)&src, sizeof src) < 0
	    || connect(fd, (struct sockaddr *)&dst, sizeof dst) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* 1 when the daemon closed 'fd' (end, reset), 0 when it is still open. Reads what came. */
static int closed_by_peer(int fd, char *got, size_t size)
{
	char buf[512];
	ssize_t n;
	size_t len = 0;

	for (;;) {
		n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
		if (n > 0) {
			if (got && len + 1 < size) {
				size_t m = (size_t)n < size - 1 - len ? (size_t)n : size - 1 - len;
				memcpy(got + len, buf, m);
				len += m;
				got[len] = 0;
			}
			continue;
		}
		if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
			return 1;
		return 0;
	}
}

struct herd {
	int fds[ATTACKERS];
	int count;
	atomic_int stop;		/* read by the trickling thread */
	pthread_t thread;
};

/* Sends one more header line on every socket still open, every 200 ms. */
static void *trickle(void *arg)
{
	struct herd *h = arg;

	while (!h->stop) {
		/* errors are sockets closed by the daemon: counted by the checks */
		for (int i = 0; i < h->count; i++)
			send(h->fds[i], "X-a: b\r\n", 8, MSG_NOSIGNAL | MSG_DONTWAIT);
		afbt_msleep(200);
	}
	return NULL;
}

static void herd_start(struct herd *h, int port, int n)
{
	h->count = 0;
	h->stop = 0;
	for (int i = 0; i < n; i++) {
		int fd = connect_from("127.0.0.2", port);
		if (fd < 0)
			afbt_fail("connection %d from 127.0.0.2: %s", i, strerror(errno));
		/* the request line at once, then the headers trickle */
		send(fd, "GET /api/hello/ping HTTP/1.1\r\nHost: x\r\n", 39, MSG_NOSIGNAL);
		h->fds[h->count++] = fd;
	}
	pthread_create(&h->thread, NULL, trickle, h);
}

/* Count of the herd's sockets closed by the daemon; *with_503 of them answered 503. */
static int herd_closed(struct herd *h, int *with_503)
{
	char got[512];
	int n = 0;

	*with_503 = 0;
	for (int i = 0; i < h->count; i++) {
		got[0] = 0;
		if (closed_by_peer(h->fds[i], got, sizeof got)) {
			n++;
			*with_503 += !strncmp(got, "HTTP/1.1 503", 12);
		}
	}
	return n;
}

static void herd_stop(struct herd *h)
{
	h->stop = 1;
	pthread_join(h->thread, NULL);
	for (int i = 0; i < h->count; i++)
		close(h->fds[i]);
	h->count = 0;
}

/* ---- checks ---- */

static void t_slowloris(void)
{
	static struct herd h;
	struct afbt_daemon *d = afbt_daemon_start("--binding", afbt_binding("hello"), NULL);
	struct afbt_resp *r;
	double t0;
	int closed, with_503;

	herd_start(&h, d->port, ATTACKERS);
	afbt_msleep(300);
	t0 = afbt_now();
	r = afbt_get(d, NULL, "/api/hello/ping");
	CHECK_REPLY(r, 200, "success");
	afbt_note("served in %.3f s beside %d trickling sockets", afbt_now() - t0, ATTACKERS);
	CHECK(afbt_now() - t0 < 1.0 * afbt_slowness());
	/* 128 (the default per address) are kept; the others were refused at once, with a 503 */
	closed = herd_closed(&h, &with_503);
	afbt_note("%d closed, %d of them with a 503", closed, with_503);
	CHECK_EQ(closed, ATTACKERS - 128);
	CHECK(with_503 > 0);
	/* and served again, many times */
	for (int i = 0; i < 20; i++)
		CHECK_REPLY(afbt_get(d, NULL, "/api/hello/ping"), 200, "success");
	CHECK(afbt_daemon_wait_log(d, 2000, "refused (503)", "--http-max-per-address") != NULL);
	herd_stop(&h);
	afbt_daemon_stop(d);
}

/* with a total limit below the herd: eviction of the oldest waiting, then the deadline */
static void t_evict_and_deadline(void)
{
	static struct herd h;
	struct afbt_daemon *d = afbt_daemon_start("--binding", afbt_binding("hello"), "--http-max-connections", "50",
						  "--http-max-per-address", "0", "--http-header-timeout", "3", NULL);
	double t0;
	int closed, with_503;

	herd_start(&h, d->port, 300);
	/* the herd evicts itself (after 1 s each) or is refused */
	afbt_msleep(1500);
	t0 = afbt_now();
	CHECK_REPLY(afbt_get(d, NULL, "/api/hello/ping"), 200, "success");
	afbt_note("served in %.3f s beside 300 trickling sockets, 50 connections at most", afbt_now() - t0);
	CHECK(afbt_now() - t0 < 1.0);
	/* past the header deadline, none of the herd is left */
	afbt_msleep(3500);
	closed = herd_closed(&h, &with_503);
	afbt_note("%d closed, %d with a 503", closed, with_503);
	CHECK_EQ(closed, 300);
	herd_stop(&h);
	afbt_daemon_stop(d);
}

/* a lone slow client gets 408 at the deadline; a quick one on the same daemon is fine */
static void t_header_timeout(void)
{
	struct afbt_daemon *d = afbt_daemon_start("--binding", afbt_binding("hello"), "--http-header-timeout", "1",
						  NULL);
	int fd = connect_from("127.0.0.1", d->port);
	char got[512] = "";
	double t0 = afbt_now();

	CHECK(fd >= 0);
	send(fd, "GET /api/hello/ping HTTP/1.1\r\nHost: x\r\n", 39, MSG_NOSIGNAL);
	while (!closed_by_peer(fd, got, sizeof got) && afbt_now() - t0 < 5)
		afbt_msleep(50);
	afbt_note("closed after %.2f s: %.40s", afbt_now() - t0, got);
	CHECK(afbt_now() - t0 >= 0.9 && afbt_now() - t0 < 3);
	CHECK(!strncmp(got, "HTTP/1.1 408", 12));
	close(fd);
	CHECK_REPLY(afbt_get(d, NULL, "/api/hello/ping"), 200, "success");
	afbt_daemon_stop(d);
}

/* a WebSocket handshake on a raw socket: 1 when upgraded */
static int ws_open(int port, int *pfd)
{
	static const char req[] = "GET /api HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
				  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
				  "x-afb-token: t\r\n\r\n";
	char got[512] = "";
	double t0 = afbt_now();
	int fd = connect_from("127.0.0.1", port);

	*pfd = fd;
	if (fd < 0)
		return 0;
	send(fd, req, sizeof req - 1, MSG_NOSIGNAL);
	while (!strstr(got, "\r\n\r\n") && afbt_now() - t0 < 5) {
		if (closed_by_peer(fd, got, sizeof got))
			break;
		afbt_msleep(10);
	}
	return !strncmp(got, "HTTP/1.1 101", 12);
}

/* every connection busy (WebSockets count): 503 at once, served again once one leaves */
static void t_busy(void)
{
	struct afbt_daemon *d = afbt_daemon_start("--binding", afbt_binding("hello"), "--token", "t",
						  "--http-max-connections", "3", NULL);
	const char *reply;
	int ws[3];

	for (int i = 0; i < 3; i++)
		CHECK(ws_open(d->port, &ws[i]));
	reply = afbt_raw(d, "GET /api/hello/ping HTTP/1.1\r\nHost: x\r\n\r\n", 41, 0, 2000);
	CHECK_EQ(afbt_raw_code(reply), 503);
	CHECK_CONTAINS(reply, "too many connections");
	CHECK_CONTAINS(reply, "Retry-After: 1");
	close(ws[0]);
	/* the daemon sees the close in its own time (a slow build may take a while): then it admits */
	for (double end = afbt_now() + 10; ; afbt_msleep(50)) {
		struct afbt_resp *r = afbt_get(d, NULL, "/api/hello/ping?token=t");

		if (r->code != 503 || afbt_now() > end) {
			CHECK_REPLY(r, 200, "success");
			break;
		}
	}
	close(ws[1]);
	close(ws[2]);
	afbt_daemon_stop(d);
}

/* A ping on a new connection from 'from': the status line of the reply ("" when none came). */
static const char *ping_from(const char *from, int port)
{
	static char got[512];
	int c = connect_from(from, port);
	double t0 = afbt_now();

	got[0] = 0;
	if (c < 0)
		return got;
	send(c, "GET /api/hello/ping HTTP/1.1\r\nHost: x\r\n\r\n", 41, MSG_NOSIGNAL);
	while (!strstr(got, "pong") && afbt_now() - t0 < 3) {
		if (closed_by_peer(c, got, sizeof got))
			break;
		afbt_msleep(20);
	}
	close(c);
	return got;
}

static void t_per_address(void)
{
	struct afbt_daemon *d = afbt_daemon_start("--binding", afbt_binding("hello"), "--http-max-per-address", "2",
						  NULL);
	/* 127.0.0.4: the harness' own HTTP client keeps connections from 127.0.0.1 */
	int a = connect_from("127.0.0.4", d->port), b = connect_from("127.0.0.4", d->port);

	CHECK(a >= 0 && b >= 0);
	afbt_msleep(200);
	CHECK(!strncmp(ping_from("127.0.0.4", d->port), "HTTP/1.1 503", 12));
	/* another address is not concerned */
	CHECK(!strncmp(ping_from("127.0.0.3", d->port), "HTTP/1.1 200", 12));
	/* a connection that leaves makes room */
	close(a);
	{
		const char *status;
		double end = afbt_now() + 10;

		/* once the daemon saw the close (in its own time) */
		while (!strncmp(status = ping_from("127.0.0.4", d->port), "HTTP/1.1 503", 12) && afbt_now() < end)
			afbt_msleep(50);
		CHECK(!strncmp(status, "HTTP/1.1 200", 12));
	}
	close(b);
	afbt_daemon_stop(d);
}

int main(int argc, char **argv)
{
	afbt_init(argc, argv);
	afbt_raise_nofile(4096);
	afbt_run("slowloris", t_slowloris);
	afbt_run("evict-and-deadline", t_evict_and_deadline);
	afbt_run("header-timeout", t_header_timeout);
	afbt_run("busy", t_busy);
	afbt_run("per-address", t_per_address);
	return afbt_done();
}
