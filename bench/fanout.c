/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fanout: the baseline of scripts/bench events. What the machine itself
 * takes to write one small message to each of N loopback TCP connections
 * and have all of them read, with no binder in between.
 *
 *   fanout -c CONNS [-t THREADS] [-w WRITERS] [-r ROUNDS] [-s BYTES]
 *
 * One thread (or WRITERS threads, each a share of the sockets) writes BYTES (default 29: the size of the frame of the
 * event of ws-bench --events, [5,"hello/bench",{"r":1000}] and its header) to each of CONNS accepted sockets in turn (TCP_NODELAY,
 * as afb-daemon's); THREADS readers (default 2, as ws-bench --events)
 * wait on epoll sets sharing the other ends. A round lasts from before
 * the first write to the last reception. Prints, as ws-bench --events:
 *   "fanout CONNS median_us <n> p90_us <n> max_us <n>"
 * The readers only count bytes, so this is a lower bound for any server
 * and any WebSocket client on the machine. With -w 2, the writes are
 * shared by two threads: the floor of a server writing from both CPUs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct reader {
	pthread_t tid;
	int ep;
};

static int msg_size = 29;
static atomic_long received;	/* bytes received in the round */
static long round_bytes;
static atomic_ullong done_at;	/* when the last byte of the round arrived */
static sem_t round_done;

/* the writers: a share of the sockets each, all started at once per round */
struct writer {
	pthread_t tid;
	int *fds, count;
};
static pthread_barrier_t round_start;
static const char *msg;

static void write_share(const struct writer *w)
{
	int i;

	for (i = 0; i < w->count; i++)
		if (send(w->fds[i], msg, (size_t)msg_size, MSG_NOSIGNAL | MSG_DONTWAIT) != msg_size) {
			fprintf(stderr, "fanout: send: %s\n", strerror(errno));
			exit(1);
		}
}

static void *write_loop(void *arg)
{
	for (;;) {
		pthread_barrier_wait(&round_start);
		write_share(arg);
	}
	return NULL;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "fanout: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void *read_loop(void *arg)
{
	struct reader *r = arg;
	struct epoll_event evs[64];
	char buf[4096];
	int i, n;
	ssize_t got;

	for (;;) {
		n = epoll_wait(r->ep, evs, 64, -1);
		for (i = 0; i < n; i++) {
			while ((got = read(evs[i].data.fd, buf, sizeof buf)) > 0)
				if (atomic_fetch_add(&received, got) + got == round_bytes) {
					atomic_store(&done_at, now_ns());
					sem_post(&round_done);
				}
		}
	}
	return NULL;
}

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int conns = 1000, nreaders = 2, nwriters = 1, rounds = 30, opt, i, r, lfd, one = 1, *out, in;
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof addr;
	struct reader *readers;
	struct writer *writers;
	uint64_t *lat, t0;
	char *text;

	while ((opt = getopt(argc, argv, "c:t:w:r:s:")) != -1) {
		switch (opt) {
		case 'c': conns = atoi(optarg); break;
		case 't': nreaders = atoi(optarg); break;
		case 'w': nwriters = atoi(optarg); break;
		case 'r': rounds = atoi(optarg); break;
		case 's': msg_size = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: fanout -c CONNS [-t THREADS] [-w WRITERS] [-r ROUNDS] [-s BYTES]\n");
			return 2;
		}
	}
	if (conns < 1 || nreaders < 1 || nwriters < 1 || rounds < 1 || msg_size < 1 || msg_size > 4096) {
		fprintf(stderr, "fanout: bad arguments\n");
		return 2;
	}
	if (nwriters > conns)
		nwriters = conns;	/* one socket each at most */
	out = calloc((size_t)conns, sizeof *out);
	readers = calloc((size_t)nreaders, sizeof *readers);
	writers = calloc((size_t)nwriters, sizeof *writers);
	lat = calloc((size_t)rounds, sizeof *lat);
	text = malloc((size_t)msg_size);
	if (!out || !readers || !writers || !lat || !text)
		die("calloc");
	memset(text, 'x', (size_t)msg_size);
	msg = text;
	round_bytes = (long)conns * msg_size;
	sem_init(&round_done, 0, 0);

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(lfd, 4096) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&addr, &alen) < 0)
		die("listen");
	for (r = 0; r < nreaders; r++)
		if ((readers[r].ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
			die("epoll_create1");
	for (i = 0; i < conns; i++) {
		struct epoll_event ev = { .events = EPOLLIN };

		in = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (in < 0)
			die("socket (raise ulimit -n)");
		if (connect(in, (struct sockaddr *)&addr, sizeof addr) < 0 && errno != EINPROGRESS)
			die("connect");
		out[i] = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (out[i] < 0)
			die("accept");
		setsockopt(out[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		ev.data.fd = in;
		if (epoll_ctl(readers[i % nreaders].ep, EPOLL_CTL_ADD, in, &ev) < 0)
			die("epoll_ctl");
	}
	for (r = 0; r < nreaders; r++)
		pthread_create(&readers[r].tid, NULL, read_loop, &readers[r]);
	/* writer 0 is this thread */
	pthread_barrier_init(&round_start, NULL, (unsigned)nwriters);
	for (r = 0; r < nwriters; r++) {
		writers[r].fds = out + (long)conns * r / nwriters;
		writers[r].count = (int)((long)conns * (r + 1) / nwriters - (long)conns * r / nwriters);
		if (r)
			pthread_create(&writers[r].tid, NULL, write_loop, &writers[r]);
	}

	for (r = -3; r < rounds; r++) {
		atomic_store(&received, 0);
		t0 = now_ns();
		pthread_barrier_wait(&round_start);
		write_share(&writers[0]);
		while (sem_wait(&round_done) < 0 && errno == EINTR)
			;
		if (r >= 0)
			lat[r] = (atomic_load(&done_at) - t0) / 1000;
		usleep(20000);	/* as ws-bench --events between rounds */
	}
	qsort(lat, (size_t)rounds, sizeof *lat, cmp);
	printf("fanout %d median_us %llu p90_us %llu max_us %llu\n", conns, (unsigned long long)lat[rounds / 2],
	       (unsigned long long)lat[rounds * 9 / 10], (unsigned long long)lat[rounds - 1]);
	return 0;
}
