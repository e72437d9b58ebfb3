/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ws-bench: the load generator of scripts/bench ws, scale, events and mem.
 *
 *   ws-bench [-c CONNS] [-k INFLIGHT] [-d SECONDS] [-t THREADS] URL API VERB [ARGS]
 *	CONNS connections keep INFLIGHT calls each in flight for SECONDS
 *	(after a 1 s warm-up); prints "calls/s <n> errors <n> p99_us <n> total <n>
 *	p50_us <n> p90_us <n> max_us <n>" (total: every reply received,
 *	warm-up included; the latencies are those of the measured period)
 *   ws-bench --events CONNS [-t THREADS] [-r ROUNDS] URL
 *	CONNS connections subscribe to one event of hello (eventadd, eventsub);
 *	then, ROUNDS times (default 30, after 3 more of warm-up), the first
 *	one pushes it (hello/eventpush) and the time from the push's sending
 *	to the reception of the event by the last connection is measured;
 *	prints "events CONNS median_us <n> p90_us <n> max_us <n>"
 *   ws-bench --idle CONNS URL
 *	opens CONNS connections, prints "open CONNS", waits for a line (or
 *	the end) on stdin, closes them all with close frames, waits for the
 *	server's ends and prints "closed"
 *
 * Frames are masked with a fresh random key each, as a client must.
 * Each thread drives its connections with epoll; replies are counted by
 * their code ([3 or [4), not parsed further.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "wsclient.h"
#include "wsmsg.h"

struct conn {
	int fd;
	struct wsmsg_rx rx;
	char *extra;
	size_t extra_len, extra_off;
	unsigned inflight;
	uint64_t next_id;
	uint64_t *sent_at;		/* ns, by id modulo 'inflight' slots */
	struct thread *th;
	int closed;
};

struct thread {
	pthread_t tid;
	int ep;
	struct conn *conns;
	int count;
	uint64_t calls, errors;
	uint64_t total;			/* replies, warm-up included */
	uint64_t *lat;			/* latency samples (us) of the measured period */
	size_t nlat, caplat;
};

static const char *api, *verb, *args = "null";
static unsigned inflight = 1;
static atomic_int measuring, stopping;

/* --events: the round pushed, the connections that got it, when the last did */
static int events_mode;
static atomic_int ev_round, ev_count, ev_target, ev_replies, ev_errors;
static _Atomic uint64_t ev_done_at;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "ws-bench: %s\n", what);
	exit(1);
}

/* Blocking-ish write of a whole frame (the socket buffers are large enough). */
static void send_all(struct conn *c, const uint8_t *data, size_t len)
{
	ssize_t n;

	while (len) {
		n = send(c->fd, data, len, MSG_NOSIGNAL);
		if (n > 0) {
			data += n;
			len -= (size_t)n;
		} else if (n < 0 && errno != EINTR && errno != EAGAIN) {
			c->closed = 1;
			return;
		}
	}
}

static void send_call(struct conn *c)
{
	char text[512];
	uint8_t *frame;
	size_t size;
	int len;

	len = snprintf(text, sizeof text, "[2,\"%llu\",\"%s/%s\",%s]", (unsigned long long)c->next_id, api, verb, args);
	if (len < 0 || (size_t)len >= sizeof text)
		die("call too long");
	frame = wsclient_frame(WSMSG_TEXT, text, (size_t)len, &size);
	if (!frame)
		die("out of memory");
	c->sent_at[c->next_id % inflight] = now_ns();
	c->next_id++;
	send_all(c, frame, size);
	free(frame);
}

static int on_message(void *closure, unsigned opcode, const char *data, size_t len)
{
	struct conn *c = closure;
	struct thread *th = c->th;
	unsigned long long id;
	uint64_t lat;

	if (events_mode) {
		const char *r;
		int round;

		if (len > 3 && !strncmp(data, "[5,", 3)) {
			r = memmem(data, len, "\"r\":", 4);
			if (r && sscanf(r + 4, "%d", &round) == 1 && round == atomic_load(&ev_round)
			    && atomic_fetch_add(&ev_count, 1) + 1 == atomic_load(&ev_target))
				atomic_store(&ev_done_at, now_ns());
		} else if (len > 3 && data[0] == '[' && (data[1] == '3' || data[1] == '4')) {
			if (data[1] == '4')
				atomic_fetch_add(&ev_errors, 1);
			atomic_fetch_add(&ev_replies, 1);
		}
		return 0;
	}
	if (len > 3 && data[0] == '[' && data[2] == ',' && (data[1] == '3' || data[1] == '4')) {
		th->total++;
		if (atomic_load(&measuring)) {
			th->calls++;
			th->errors += data[1] == '4';
			if (sscanf(data + 3, "\"%llu\"", &id) == 1) {
				lat = (now_ns() - c->sent_at[id % inflight]) / 1000;
				if (th->nlat == th->caplat) {
					th->caplat = th->caplat ? th->caplat * 2 : 65536;
					th->lat = realloc(th->lat, th->caplat * sizeof *th->lat);
					if (!th->lat)
						die("out of memory");
				}
				th->lat[th->nlat++] = lat;
			}
		}
		if (!atomic_load(&stopping))
			send_call(c);
	}
	return 0;
}

static ssize_t on_read(void *closure, void *buf, size_t size)
{
	struct conn *c = closure;
	size_t n;
	ssize_t r;

	if (c->extra) {
		n = c->extra_len - c->extra_off < size ? c->extra_len - c->extra_off : size;
		memcpy(buf, c->extra + c->extra_off, n);
		c->extra_off += n;
		if (c->extra_off == c->extra_len) {
			free(c->extra);
			c->extra = NULL;
		}
		return (ssize_t)n;
	}
	r = recv(c->fd, buf, size, MSG_DONTWAIT);
	if (r > 0)
		return r;
	return r < 0 && (errno == EAGAIN || errno == EINTR) ? 0 : -1;
}

static void on_ping(void *closure, const void *data, size_t len)
{
	struct conn *c = closure;
	size_t size;
	uint8_t *frame = wsclient_frame(WSMSG_PONG, data, len, &size);

	if (frame)
		send_all(c, frame, size);
	free(frame);
}

static void on_close(void *closure, unsigned code, const char *reason, size_t len)
{
	((struct conn *)closure)->closed = 1;
}

static void on_error(void *closure, unsigned code, const char *why)
{
	fprintf(stderr, "ws-bench: protocol error: %s\n", why);
	((struct conn *)closure)->closed = 1;
}

static const struct wsmsg_rx_itf rx_itf = {
	.read = on_read,
	.message = on_message,
	.ping = on_ping,
	.close = on_close,
	.error = on_error,
};

static void open_conn(struct conn *c, struct thread *th, const struct wsurl *url)
{
	char error[256];
	int status;
	struct epoll_event ev = { .events = EPOLLIN };

	memset(c, 0, sizeof *c);
	c->th = th;
	c->fd = wsclient_connect(url, "x-afb-ws-json1", 10000, &status, &c->extra, &c->extra_len, error, sizeof error);
	if (c->fd < 0)
		die(error);
	c->sent_at = calloc(inflight, sizeof *c->sent_at);
	if (!c->sent_at)
		die("out of memory");
	wsmsg_rx_init(&c->rx, &rx_itf, c, 1 << 24);
	ev.data.ptr = c;
	if (th->ep >= 0 && epoll_ctl(th->ep, EPOLL_CTL_ADD, c->fd, &ev) < 0)
		die("epoll_ctl");
}

static void close_conn(struct conn *c)
{
	uint8_t payload[2] = { 0x03, 0xe8 }, *frame;
	size_t size;

	frame = wsclient_frame(WSMSG_CLOSE, payload, 2, &size);
	if (frame && !c->closed)
		send_all(c, frame, size);
	free(frame);
}

static void *run_thread(void *arg)
{
	struct thread *th = arg;
	struct epoll_event evs[64];
	struct conn *c;
	int i, n, rc;

	for (i = 0; i < th->count && !events_mode; i++)
		for (unsigned k = 0; k < inflight; k++)
			send_call(&th->conns[i]);
	/* bytes that came with the handshakes */
	for (i = 0; i < th->count; i++)
		if (th->conns[i].extra)
			wsmsg_rx_pump(&th->conns[i].rx, 100000);
	while (!atomic_load(&stopping)) {
		n = epoll_wait(th->ep, evs, 64, 100);
		for (i = 0; i < n; i++) {
			c = evs[i].data.ptr;
			rc = wsmsg_rx_pump(&c->rx, 100000);
			if (rc < 0 || c->closed) {
				epoll_ctl(th->ep, EPOLL_CTL_DEL, c->fd, NULL);
				c->closed = 1;
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

/* Waits for the server's end of every connection (close frame or EOF). */
static void wait_ends(struct conn *conns, int count)
{
	struct thread th = { .ep = epoll_create1(0) };
	struct epoll_event ev, evs[64];
	int i, n, left = count;
	uint64_t deadline = now_ns() + 10000000000ull;

	for (i = 0; i < count; i++) {
		conns[i].th = &th;
		ev.events = EPOLLIN;
		ev.data.ptr = &conns[i];
		if (conns[i].closed || epoll_ctl(th.ep, EPOLL_CTL_ADD, conns[i].fd, &ev) < 0)
			left--;
	}
	while (left > 0 && now_ns() < deadline) {
		n = epoll_wait(th.ep, evs, 64, 100);
		for (i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;
			int rc = wsmsg_rx_pump(&c->rx, 100000);

			if (rc < 0 || c->closed) {
				epoll_ctl(th.ep, EPOLL_CTL_DEL, c->fd, NULL);
				c->closed = 1;
				left--;
			}
		}
	}
	close(th.ep);
}

static void free_conns(struct conn *conns, int count)
{
	int i;

	for (i = 0; i < count; i++) {
		close(conns[i].fd);
		wsmsg_rx_deinit(&conns[i].rx);
		free(conns[i].sent_at);
		free(conns[i].extra);
	}
	free(conns);
}

static void send_text(struct conn *c, const char *text)
{
	size_t size;
	uint8_t *frame = wsclient_frame(WSMSG_TEXT, text, strlen(text), &size);

	if (!frame)
		die("out of memory");
	send_all(c, frame, size);
	free(frame);
}

/* Waits until 'counter' reaches 'value' (or 60 s pass: fatal). */
static void wait_count(atomic_int *counter, int value, const char *what)
{
	uint64_t deadline = now_ns() + 60000000000ull;

	while (atomic_load(counter) < value) {
		if (now_ns() > deadline) {
			fprintf(stderr, "ws-bench: %s: %d of %d\n", what, atomic_load(counter), value);
			exit(1);
		}
		usleep(200);
	}
}

static int events_mode_run(const struct wsurl *url, int count, int nthreads, int rounds)
{
	struct thread *threads = calloc((size_t)nthreads, sizeof *threads);
	struct conn **all = calloc((size_t)count, sizeof *all);
	uint64_t *lat = calloc((size_t)rounds, sizeof *lat), t0;
	char text[256];
	int t, i, n = 0, r;

	if (!threads || !all || !lat)
		die("out of memory");
	events_mode = 1;
	for (t = 0; t < nthreads; t++) {
		threads[t].ep = epoll_create1(0);
		threads[t].count = count / nthreads + (t < count % nthreads);
		threads[t].conns = calloc((size_t)threads[t].count, sizeof(struct conn));
		if (!threads[t].conns)
			die("out of memory");
		for (i = 0; i < threads[t].count; i++) {
			open_conn(&threads[t].conns[i], &threads[t], url);
			all[n++] = &threads[t].conns[i];
		}
	}
	for (t = 0; t < nthreads; t++)
		pthread_create(&threads[t].tid, NULL, run_thread, &threads[t]);
	send_text(all[0], "[2,\"a\",\"hello/eventadd\",{\"tag\":\"bench\",\"name\":\"bench\"}]");
	wait_count(&ev_replies, 1, "eventadd");
	atomic_store(&ev_errors, 0);	/* the event may exist already (an earlier run) */
	for (i = 0; i < count; i++)
		send_text(all[i], "[2,\"s\",\"hello/eventsub\",{\"tag\":\"bench\"}]");
	wait_count(&ev_replies, 1 + count, "eventsub");
	if (atomic_load(&ev_errors))
		die("subscriptions failed");
	atomic_store(&ev_target, count);
	for (r = -3; r < rounds; r++) {
		atomic_store(&ev_count, 0);
		atomic_store(&ev_done_at, 0);
		atomic_store(&ev_round, r + 1000);
		snprintf(text, sizeof text, "[2,\"p\",\"hello/eventpush\",{\"tag\":\"bench\",\"data\":{\"r\":%d}}]",
			 r + 1000);
		t0 = now_ns();
		send_text(all[0], text);
		wait_count(&ev_count, count, "events received");
		/* the last receiver writes the time just after counting */
		while (!atomic_load(&ev_done_at))
			usleep(10);
		if (r >= 0)
			lat[r] = (atomic_load(&ev_done_at) - t0) / 1000;
		/* the push's reply, and a pause: rounds do not overlap */
		usleep(20000);
	}
	atomic_store(&stopping, 1);
	for (t = 0; t < nthreads; t++)
		pthread_join(threads[t].tid, NULL);
	qsort(lat, (size_t)rounds, sizeof *lat, cmp);
	printf("events %d median_us %llu p90_us %llu max_us %llu\n", count, (unsigned long long)lat[rounds / 2],
	       (unsigned long long)lat[rounds * 9 / 10], (unsigned long long)lat[rounds - 1]);
	fflush(stdout);
	for (t = 0; t < nthreads; t++)
		free_conns(threads[t].conns, threads[t].count);
	free(threads);
	free(all);
	free(lat);
	return 0;
}

static int idle_mode(const struct wsurl *url, int count)
{
	struct conn *conns = calloc((size_t)count, sizeof *conns);
	struct thread th = { .ep = -1 };
	char line[64];
	int i;

	if (!conns)
		die("out of memory");
	for (i = 0; i < count; i++)
		open_conn(&conns[i], &th, url);
	printf("open %d\n", count);
	fflush(stdout);
	if (!fgets(line, sizeof line, stdin))
		line[0] = 0;
	atomic_store(&stopping, 1);
	for (i = 0; i < count; i++)
		close_conn(&conns[i]);
	wait_ends(conns, count);
	free_conns(conns, count);
	printf("closed\n");
	return 0;
}

int main(int argc, char **argv)
{
	struct wsurl url;
	struct thread *threads;
	struct rlimit rl;
	int opt, nconn = 1, nthreads = 1, idle = 0, events = 0, rounds = 30, duration = 5, i, t;
	uint64_t calls = 0, errors = 0, total = 0, start, elapsed, *all, n = 0, p50 = 0, p90 = 0, p99 = 0, max = 0;

	static const struct option longopts[] = {
		{ "idle", required_argument, NULL, 'i' },
		{ "events", required_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 }
	};
	while ((opt = getopt_long(argc, argv, "c:k:d:t:i:e:r:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': nconn = atoi(optarg); break;
		case 'k': inflight = (unsigned)atoi(optarg); break;
		case 'd': duration = atoi(optarg); break;
		case 't': nthreads = atoi(optarg); break;
		case 'i': idle = atoi(optarg); break;
		case 'e': events = atoi(optarg); break;
		case 'r': rounds = atoi(optarg); break;
		default: die("bad option");
		}
	}
	if (optind >= argc || wsurl_parse(argv[optind], &url) < 0)
		die("usage: ws-bench [-c CONNS] [-k INFLIGHT] [-d SECONDS] [-t THREADS] URL API VERB [ARGS] | --idle N URL"
		    " | --events N [-t THREADS] [-r ROUNDS] URL");
	/* many connections need many descriptors */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (idle)
		return idle_mode(&url, idle);
	if (events)
		return events_mode_run(&url, events, nthreads < 1 ? 1 : nthreads > events ? events : nthreads,
				       rounds < 1 ? 1 : rounds);
	if (argc - optind < 3)
		die("API and VERB are needed");
	api = argv[optind + 1];
	verb = argv[optind + 2];
	if (argc - optind > 3)
		args = argv[optind + 3];
	if (nthreads < 1 || nconn < nthreads || inflight < 1)
		die("bad counts");

	threads = calloc((size_t)nthreads, sizeof *threads);
	if (!threads)
		die("out of memory");
	for (t = 0; t < nthreads; t++) {
		threads[t].ep = epoll_create1(0);
		threads[t].count = nconn / nthreads + (t < nconn % nthreads);
		threads[t].conns = calloc((size_t)threads[t].count, sizeof(struct conn));
		if (!threads[t].conns)
			die("out of memory");
		for (i = 0; i < threads[t].count; i++)
			open_conn(&threads[t].conns[i], &threads[t], &url);
	}
	for (t = 0; t < nthreads; t++)
		pthread_create(&threads[t].tid, NULL, run_thread, &threads[t]);
	sleep(1);	/* warm-up */
	atomic_store(&measuring, 1);
	start = now_ns();
	sleep((unsigned)duration);
	atomic_store(&measuring, 0);
	elapsed = now_ns() - start;
	atomic_store(&stopping, 1);
	for (t = 0; t < nthreads; t++) {
		pthread_join(threads[t].tid, NULL);
		calls += threads[t].calls;
		errors += threads[t].errors;
		total += threads[t].total;
		n += threads[t].nlat;
	}
	all = malloc((n ? n : 1) * sizeof *all);
	n = 0;
	for (t = 0; t < nthreads; t++) {
		if (all && threads[t].nlat)
			memcpy(all + n, threads[t].lat, threads[t].nlat * sizeof *all);
		n += threads[t].nlat;
		free(threads[t].lat);
	}
	if (all && n) {
		qsort(all, n, sizeof *all, cmp);
		p50 = all[n / 2];
		p90 = all[n * 90 / 100];
		p99 = all[n * 99 / 100];
		max = all[n - 1];
	}
	free(all);
	printf("calls/s %.0f errors %llu p99_us %llu total %llu p50_us %llu p90_us %llu max_us %llu\n",
	       (double)calls * 1e9 / (double)elapsed, (unsigned long long)errors, (unsigned long long)p99,
	       (unsigned long long)total, (unsigned long long)p50, (unsigned long long)p90, (unsigned long long)max);
	for (t = 0; t < nthreads; t++) {
		for (i = 0; i < threads[t].count; i++)
			close_conn(&threads[t].conns[i]);
		wait_ends(threads[t].conns, threads[t].count);
		free_conns(threads[t].conns, threads[t].count);
		close(threads[t].ep);
	}
	free(threads);
	wsurl_clear(&url);
	return 0;
}
