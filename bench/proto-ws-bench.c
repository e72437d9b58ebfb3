/* SPDX-License-Identifier: Apache-2.0 */
/*
 * proto-ws-bench: calls/s of a verb over afb-proto-ws, with a number of
 * calls kept in flight on one connection (scripts/bench proto-ws).
 *
 *	proto-ws-bench ADDRESS VERB INFLIGHT SECONDS
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

int main(int argc, char **argv)
{
	struct pwspeer *p;
	struct pws_msg m;
	long done = 0, failed = 0;
	double start, end, t;
	uint32_t id = 0;
	int inflight, i, rc;

	if (argc == 5 && !strcmp(argv[1], "--stall"))
		return stall(argv[2], atoi(argv[3]), (size_t)atol(argv[4]));
	if (argc != 5) {
		fprintf(stderr, "usage: %s ADDRESS VERB INFLIGHT SECONDS | --stall ADDRESS COUNT SIZE\n", argv[0]);
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
