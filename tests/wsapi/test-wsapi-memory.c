/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Memory taken by bursts is given back (issue 8 item 9, docs/running.md
 * "Memory"):
 *  - 1000 keep-alive HTTP connections, each with a request done, then
 *    closed: the daemon's RSS comes back within 25 % of what it was;
 *  - a proto-ws peer that subscribes to an event and never reads: the
 *    output queued for it is bounded (--proto-ws-max-output), the link is
 *    closed when it is full, and the RSS comes back within 25 %.
 * Under AddressSanitizer RSS means nothing (quarantine, shadow memory):
 * the checks then are the descriptors back to their count and the
 * daemon's own account (every connection closed after a peak of 1000;
 * the link closed for its output), and the output says so.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <json-c/json.h>
#include "pwspeer.h"
#include "wsapi-test.h"

#define BURST 1000

static int asan;

/* RSS once the daemon's memory trim had time to run (300 ms of quiet), in KiB. */
static long settled_rss(pid_t pid, long target)
{
	long rss = wt_rss_kb(pid);

	/* the trim comes after a pause: poll for it, 5 s at most */
	for (int i = 0; i < 50 && rss > target; i++) {
		afbt_msleep(100);
		rss = wt_rss_kb(pid);
	}
	return rss;
}

static void check_back(const char *what, long before, long peak, long after, int fds_before, int fds_after)
{
	afbt_note("%s: RSS %ld KiB before, %ld at the peak, %ld after (%+.1f %%); fds %d -> %d", what, before, peak,
		  after, (after - before) * 100.0 / before, fds_before, fds_after);
	CHECK_EQ(fds_after, fds_before);
	if (asan)
		afbt_note("%s: under AddressSanitizer RSS is not meaningful: not compared (the counts are)", what);
	else if (afbt_streq(getenv("AFB_SANITIZE"), "thread"))
		/* its allocator keeps what was freed (malloc_trim does nothing there) */
		afbt_note("%s: under ThreadSanitizer freed memory is not given back: not compared (the counts are)", what);
	else
		CHECK(after <= before + before / 4);
}

#define ALL_CLOSED "every connection closed, after a peak of"

/*
 * Waits for the n-th line of the daemon saying that every HTTP connection
 * of a burst is closed (-v). MHD closes the socket of the last one just
 * after (the same pass of its cleanup).
 */
static void wait_all_closed(struct afbt_daemon *d, int n)
{
	WT_WAIT_UNTIL(WT_DEADLINE_MS, wt_count(afbt_daemon_log(d), ALL_CLOSED) >= n,
		      "burst %d: the daemon did not close every connection", n);
}

/* The fd count of 'pid' once it is 'target' at most (polled: sockets still closing), or the last one read. */
static int fds_back(pid_t pid, int target)
{
	int fds, ok;

	WT_POLL(ok, WT_DEADLINE_MS, (fds = wt_fd_count(pid)) <= target);
	(void)ok;	/* the caller compares */
	return fds;
}

static int connect_local(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0)
		afbt_fail("connect: %s", strerror(errno));
	return fd;
}

/* One request on the keep-alive connection 'fd', whose reply is read whole. */
static void ping(int fd)
{
	static const char req[] = "GET /api/hello/ping HTTP/1.1\r\nHost: x\r\n\r\n";
	char buf[2048];
	size_t len = 0;
	ssize_t n;

	if (send(fd, req, sizeof req - 1, MSG_NOSIGNAL) != (ssize_t)sizeof req - 1)
		afbt_fail("send: %s", strerror(errno));
	while (!memmem(buf, len, "}}", 2)) {
		n = recv(fd, buf + len, sizeof buf - len, 0);
		if (n <= 0)
			afbt_fail("no reply (%s)", n ? strerror(errno) : "closed");
		len += (size_t)n;
	}
}

static void t_http_burst(void)
{
	struct afbt_daemon *d = afbt_daemon_start("--binding", afbt_binding("hello"), "--http-max-per-address", "0",
						  "-vv", NULL);
	static int fds[BURST];
	long before = 0, peak = 0, after;
	int fds_before = 0, fds_after;

	asan = wt_has_asan(d->pid);
	/* a first burst warms the daemon up (thread arenas, tables...) */
	for (int round = 0; round < 2; round++) {
		if (round) {
			/* the first burst's connections are closed: waited for, then the last socket */
			wait_all_closed(d, 1);
			afbt_msleep(100);
			fds_before = wt_fd_count(d->pid);
			before = wt_rss_kb(d->pid);
		}
		for (int i = 0; i < BURST; i++)
			fds[i] = connect_local(d->port);
		for (int i = 0; i < BURST; i++)
			ping(fds[i]);
		peak = wt_rss_kb(d->pid);
		for (int i = 0; i < BURST; i++)
			close(fds[i]);
	}
	/* the line of the second burst (the first one's is there already): waited for, not slept on */
	wait_all_closed(d, 2);
	fds_after = fds_back(d->pid, fds_before);
	after = settled_rss(d->pid, before + before / 4);
	check_back("1000 keep-alive HTTP connections", before, peak, after, fds_before, fds_after);
	CHECK(afbt_find_line(afbt_daemon_log(d), "after a peak of 10", NULL) != NULL);
	afbt_daemon_stop(d);
}

/* an HTTP client pushing big events while the peer does not read */
struct pusher {
	struct afbt_daemon *d;
	pthread_t thread;
	atomic_int stop;		/* read by the pushing thread */
	int pushes;
	long peak;		/* RSS of the daemon, in KiB */
};

static void *push_loop(void *arg)
{
	struct pusher *p = arg;
	char *data = malloc(64 * 1024 + 32);

	memset(data, 'x', 64 * 1024);
	strcpy(data + 64 * 1024, "\"}");
	while (!p->stop && p->pushes < 2000) {
		struct afbt_resp *r = afbt_post_json(p->d, NULL,
			afbt_fmt("{\"tag\":\"big\",\"data\":\"%s", data), "/api/hello/eventpush");
		long rss = wt_rss_kb(p->d->pid);

		if (rss > p->peak)
			p->peak = rss;
		if (!afbt_streq(afbt_status(r), "success"))
			break;
		p->pushes++;
		/* the peer is gone once nobody listens */
		if (json_object_get_int(afbt_json(r, "response.count")) == 0)
			break;
	}
	free(data);
	return NULL;
}

static void t_proto_ws_not_reading(void)
{
	const char *path = wt_sockpath("hello");
	struct afbt_daemon *d = wt_start("--binding", afbt_binding("hello"), "--ws-server",
					 afbt_fmt("unix:%s", path), "--proto-ws-max-output", "4194304", "-vv", NULL);
	struct pusher pusher = { .d = d };
	struct pwspeer *p;
	struct pws_msg m;
	long before, peak, after;
	int fds_before, fds_after;

	asan = wt_has_asan(d->pid);
	CHECK_STR(afbt_status(wt_get(d, "/api/hello/eventadd?tag=big&name=big")), "success");
	/* warm-up: the pushes of an HTTP client with nobody listening */
	for (int i = 0; i < 20; i++)
		wt_get(d, "/api/hello/eventpush?tag=big&data=1");
	afbt_msleep(500);	/* nothing tells when their 20 connections are closed: a pause */
	fds_before = wt_fd_count(d->pid);
	before = wt_rss_kb(d->pid);

	p = pwspeer_connect(afbt_fmt("unix:%s", path));
	CHECK(p != NULL);
	CHECK_EQ(pwspeer_call(p, 1, "eventsub", "8d2e0a6c-0000-4000-8000-0000000000aa", "{\"tag\":\"big\"}", &m, 5000),
		 'T');
	pws_msg_clear(&m);
	/* from now on the peer reads nothing */
	pthread_create(&pusher.thread, NULL, push_loop, &pusher);
	for (int i = 0; i < 100 && !afbt_find_line(afbt_daemon_log(d), "does not read fast enough", NULL); i++)
		afbt_msleep(100);
	pusher.stop = 1;
	pthread_join(pusher.thread, NULL);
	peak = pusher.peak;
	afbt_note("%d pushes of 64 KiB before the link was closed", pusher.pushes);
	wt_wait_log(d, 5000, "does not read fast enough", NULL);
	/*
	 * bounded while it did not read: 4 MiB of queue, plus what is in
	 * flight (ThreadSanitizer's shadow and history of that memory more
	 * than double it)
	 */
	afbt_note("RSS %ld KiB before, %ld at the peak", before, peak);
	if (!asan)
		CHECK(peak - before < (afbt_streq(getenv("AFB_SANITIZE"), "thread") ? 48 : 16) * 1024);
	pwspeer_close(p);
	/* the pusher's last HTTP connection may still be closing */
	fds_after = fds_back(d->pid, fds_before);
	after = settled_rss(d->pid, before + before / 4);
	check_back("a proto-ws peer that does not read", before, peak, after, fds_before, fds_after);
	CHECK_STR(afbt_status(wt_get(d, "/api/hello/ping")), "success");
	afbt_daemon_stop(d);
}

int main(int argc, char **argv)
{
	struct rlimit rl;

	afbt_init(argc, argv);
	/* 1000 connections need descriptors, here and in the daemons (inherited) */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 4096) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= 4096 ? 4096 : rl.rlim_max;
		if (rl.rlim_cur < 4096)
			rl.rlim_max = rl.rlim_cur = 4096;	/* root may raise the hard limit */
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			afbt_fail("can't raise the open file limit to 4096: %s", strerror(errno));
	}
	afbt_run("http-burst", t_http_burst);
	afbt_run("proto-ws-not-reading", t_proto_ws_not_reading);
	return afbt_done();
}
