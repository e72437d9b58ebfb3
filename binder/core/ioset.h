/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Many sockets on the loop as one event source: the connections of the
 * daemon (WebSocket, proto-ws links) are in one epoll set, itself one
 * sd-event io source; when it is readable, one dispatch serves every
 * connection that is ready (up to IOSET_BATCH at a time).
 *
 * Why: sd-event dispatches one source per loop round, and each round
 * polls its epoll set and keeps its pending sources in a priority queue.
 * With a source per connection and 1,000 busy connections, each message
 * cost a round: a poll, the queue kept for 1,000 pending sources. Here a
 * round serves a batch of ready connections for one poll, whatever their
 * count: the cost of a message does not grow with the connections.
 *
 * The sockets are registered edge-triggered by their users (EPOLLET):
 * they read until EAGAIN or a short read (see wsj1/conn.c, wsapi/wslink.c).
 *
 * Threading: main thread (the loop's), but ioset_remove, which may also be
 * called by the single thread that uses a socket before the loop runs.
 */
#pragma once

#include <stdint.h>

/* ready sockets served by one dispatch (more: the next round) */
#define IOSET_BATCH 128

struct ioset_fd {
	int fd;
	uint32_t events;	/* the current epoll mask */
	/* called with the epoll events of 'fd'; may remove (and free) the item */
	void (*ready)(struct ioset_fd *item, uint32_t revents);
};

/* Makes the set (else made by the first ioset_add): its fd is then there from the start. 0 or -errno. */
int ioset_init(void);

/* Adds 'fd' with 'events' (EPOLLET...). 0 or -errno. */
int ioset_add(struct ioset_fd *item, int fd, uint32_t events, void (*ready)(struct ioset_fd *item, uint32_t revents));

/* Changes the mask (a system call: callers change it only when it changes). 0 or -errno. */
int ioset_modify(struct ioset_fd *item, uint32_t events);

/*
 * Removes the item (before its fd is closed). Safe from any 'ready'
 * callback: events already read for it in the batch are dropped.
 */
void ioset_remove(struct ioset_fd *item);

/* Frees the set (at exit, when every item was removed). */
void ioset_cleanup(void);
