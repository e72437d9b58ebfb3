/* SPDX-License-Identifier: Apache-2.0 */
/*
 * binder/core/ioset: many sockets as one loop source; the ready ones are
 * served in one dispatch (up to IOSET_BATCH), the rest in the next ones;
 * an item removed by another's callback gets no event after.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include "ioset.h"
#include "mainloop.h"
#include "unit.h"

#define N (IOSET_BATCH * 3)

struct pair {
	struct ioset_fd io;
	int fds[2];
	int calls, removed;
	struct pair *victim;	/* removed by this one's callback */
};

static struct pair pairs[N];

static void on_ready(struct ioset_fd *item, uint32_t revents)
{
	struct pair *p = (struct pair *)item;
	char buf[16];

	CHECK(!p->removed);
	p->calls++;
	/* edge-triggered: drain */
	while (read(p->fds[0], buf, sizeof buf) > 0);
	if (p->victim && !p->victim->removed) {
		ioset_remove(&p->victim->io);
		p->victim->removed = 1;
	}
}

int main(void)
{
	int i, rounds, served;

	CHECK_INT(mainloop_init(), 0);
	CHECK_INT(ioset_init(), 0);
	for (i = 0; i < N; i++) {
		CHECK_INT(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, pairs[i].fds), 0);
		CHECK_INT(ioset_add(&pairs[i].io, pairs[i].fds[0], EPOLLIN | EPOLLET, on_ready), 0);
	}
	/* every one ready: served in N / IOSET_BATCH dispatches, each once */
	for (i = 0; i < N; i++)
		CHECK_INT(write(pairs[i].fds[1], "x", 1), 1);
	for (rounds = 0; rounds < 20; rounds++) {
		sd_event_run(mainloop_event(), 0);
		for (i = served = 0; i < N; i++)
			served += pairs[i].calls;
		if (served == N)
			break;
	}
	CHECK_INT(served, N);
	CHECK(rounds + 1 >= N / IOSET_BATCH);
	for (i = 0; i < N; i++)
		CHECK_INT(pairs[i].calls, 1);

	/* edge-triggered: nothing new, no call */
	sd_event_run(mainloop_event(), 0);
	for (i = served = 0; i < N; i++)
		served += pairs[i].calls;
	CHECK_INT(served, N);

	/* removals from a callback: the victims get no event, even if ready in the same batch */
	for (i = 0; i < N; i += 2)
		pairs[i].victim = &pairs[i + 1];
	for (i = 0; i < N; i++)
		CHECK_INT(write(pairs[i].fds[1], "y", 1), 1);
	for (rounds = 0; rounds < 20; rounds++)
		sd_event_run(mainloop_event(), 0);
	for (i = 0; i < N; i += 2) {
		CHECK_INT(pairs[i].calls, 2);
		CHECK(pairs[i + 1].removed);
		CHECK(pairs[i + 1].calls <= 2);
	}
	for (i = 0; i < N; i++) {
		if (!pairs[i].removed)
			ioset_remove(&pairs[i].io);
		close(pairs[i].fds[0]);
		close(pairs[i].fds[1]);
	}
	ioset_cleanup();
	mainloop_cleanup();
	UNIT_END();
}
