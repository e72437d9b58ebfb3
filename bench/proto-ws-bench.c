/* SPDX-License-Identifier: Apache-2.0 */
/*
 * proto-ws-bench: calls/s of a verb over afb-proto-ws, with a number of
 * calls kept in flight on one connection (scripts/bench proto-ws).
 *
 *	proto-ws-bench ADDRESS VERB INFLIGHT SECONDS
 *	proto-ws-bench --links N ADDRESS VERB SECONDS
 *	  N links from this one process (epoll), one call in flight on each:
 *	  the daemon's cost per call as links are added, without N client
 *	  processes competing for the CPUs (as ws-bench does for WebSocket)
 *	proto-ws-bench --stall ADDRESS COUNT SIZE
 *	  a peer that does not read: sends COUNT calls of echo with SIZE
 *	  bytes of argument, prints "sent", waits for a line on stdin (or its
 *	  end), closes and prints "closed" (scripts/bench mem)
 *	ADDRESS: unix:/path, unix:@name or tcp:host:port (no api part)
 *
 * Prints "<calls/s> <failures>" on stdout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <json-c/json.h>
#include "pwspeer.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int send_call(struct pwspeer *p, uint32_t id, const char *verb)
{
	struct pws_buf b;

	pws_buf_init(&b);
	pws_put_call(&b, id, verb, "bench-session", NULL);
	return pwspeer_send(p, &b);
}

static int stall(const char *address, int count, size_t size)
{
	struct pwspeer *p = pwspeer_connect(address);
	struct json_object *args;
	struct pws_buf b;
	char line[64], *pad = malloc(size + 1);
	int i;

	if (!p || !pad) {
		fprintf(stderr, "proto-ws-bench: can't connect to %s\n", address);
		return 1;
	}
	memset(pad, 'p', size);
	pad[size] = 0;
	args = json_object_new_object();
	json_object_object_add(args, "pad", json_object_new_string(pad));
	for (i = 0; i < count; i++) {
		pws_buf_init(&b);
		pws_put_call(&b, (uint32_t)i + 1, "echo", "bench-session", args);
		/* the daemon may close the link when its output for us is full: stop then */
		if (pwspeer_send(p, &b) < 0)
			break;
	}
	printf("sent %d\n", i);
	fflush(stdout);
	if (!fgets(line, sizeof line, stdin))
		line[0] = 0;
	pwspeer_close(p);
	json_object_put(args);
	free(pad);
	printf("closed\n");
	return 0;
}

/* One reply on 'p' (and any already buffered): counted, and the next call sent. */
static int links_drain(struct pwspeer *p, const char *verb, uint32_t *id, long *done, long *failed, int send)
{
	struct pws_msg m;
	int rc;

	while ((rc = pwspeer_recv(p, PWS_CLIENT, &m, 0)) > 0) {
		if (m.code == 'T' || m.code == 'F') {
			++*done;
			*failed += m.code == 'F';
			if (send)
				send_call(p, ++*id, verb);
		}
		pws_msg_clear(&m);
	}
	return rc < 0 ? -1 : 0;
}

static int links(int n, const char *address, const char *verb, double seconds)
{
	struct pwspeer **peers = calloc((size_t)n, sizeof *peers);
	struct epoll_event ev = { .events = EPOLLIN }, evs[64];
	long done = 0, failed = 0;
	double start, end, t;
	uint32_t id = 0;
	int ep = epoll_create1(0), i, k;

	if (!peers || ep < 0)
		return 1;
	for (i = 0; i < n; i++) {
		peers[i] = pwspeer_connect(address);
		if (!peers[i]) {
			fprintf(stderr, "proto-ws-bench: can't connect to %s (link %d)\n", address, i);
			return 1;
		}
		ev.data.ptr = peers[i];
		epoll_ctl(ep, EPOLL_CTL_ADD, pwspeer_fd(peers[i]), &ev);
	}
	start = t = now();
	end = start + seconds;
	for (i = 0; i < n; i++)
		send_call(peers[i], ++id, verb);
	while (t < end) {
		k = epoll_wait(ep, evs, 64, 5000);
		if (k <= 0) {
			fprintf(stderr, "proto-ws-bench: no reply for 5 s\n");
			return 1;
		}
		t = now();
		for (i = 0; i < k; i++)
			if (links_drain(evs[i].data.ptr, verb, &id, &done, &failed, t < end) < 0) {
				fprintf(stderr, "proto-ws-bench: connection lost\n");
				return 1;
			}
	}
	printf("%.0f %ld\n", done / (t - start), failed);
	for (i = 0; i < n; i++)
		pwspeer_close(peers[i]);
	free(peers);
	return 0;
}

int main(int argc, char **argv)
{
	struct pwspeer *p;
	struct pws_msg m;
	long done = 0, failed = 0;
	double start, end, t;
	uint32_t id = 0;
	int inflight, i, rc;

	if (argc == 6 && !strcmp(argv[1], "--links"))
		return links(atoi(argv[2]), argv[3], argv[4], atof(argv[5]));
	if (argc == 5 && !strcmp(argv[1], "--stall"))
		return stall(argv[2], atoi(argv[3]), (size_t)atol(argv[4]));
	if (argc != 5) {
		fprintf(stderr, "usage: %s ADDRESS VERB INFLIGHT SECONDS | --links N ADDRESS VERB SECONDS"
				" | --stall ADDRESS COUNT SIZE\n", argv[0]);
		return 2;
	}
	inflight = atoi(argv[3]);
	p = pwspeer_connect(argv[1]);
	if (!p || inflight < 1) {
		fprintf(stderr, "proto-ws-bench: can't connect to %s\n", argv[1]);
		return 1;
	}
	start = now();
	end = start + atof(argv[4]);
	for (i = 0; i < inflight; i++)
		send_call(p, ++id, argv[2]);
	for (;;) {
		rc = pwspeer_recv(p, PWS_CLIENT, &m, 5000);
		if (rc <= 0) {
			fprintf(stderr, "proto-ws-bench: connection lost\n");
			return 1;
		}
		if (m.code != 'T' && m.code != 'F') {
			pws_msg_clear(&m);
			continue;
		}
		done++;
		failed += m.code == 'F';
		pws_msg_clear(&m);
		t = now();
		if (t >= end)
			break;
		send_call(p, ++id, argv[2]);
	}
	printf("%.0f %ld\n", done / (t - start), failed);
	pwspeer_close(p);
	return 0;
}
