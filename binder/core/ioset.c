/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One epoll set for the connections, one sd-event source for it. See ioset.h.
 */
#include <errno.h>
#include <stdatomic.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <systemd/sd-event.h>

#include "ioset.h"
#include "mainloop.h"
#include "verbose.h"

static int epfd = -1;
static sd_event_source *source;
static atomic_int count;

/* the batch being served (main thread): removed items are cleared from it */
static struct epoll_event *batch;
static int batch_count;

static int on_ready(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct epoll_event evs[IOSET_BATCH];
	struct ioset_fd *item;
	int i, n;

	n = epoll_wait(epfd, evs, IOSET_BATCH, 0);
	if (n < 0) {
		if (errno != EINTR)
			LOGE("ioset: epoll_wait failed: %m");
		return 0;
	}
	batch = evs;
	batch_count = n;
	for (i = 0; i < n; i++) {
		item = evs[i].data.ptr;
		if (item)
			item->ready(item, evs[i].events);
	}
	batch = NULL;
	batch_count = 0;
	/* still readable when more are ready: the next round serves them, after the other sources */
	return 0;
}

int ioset_init(void)
{
	int rc;

	if (epfd >= 0)
		return 0;
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		return -errno;
	rc = sd_event_add_io(mainloop_event(), &source, epfd, EPOLLIN, on_ready, NULL);
	if (rc < 0) {
		close(epfd);
		epfd = -1;
		return rc;
	}
	return 0;
}

int ioset_add(struct ioset_fd *item, int fd, uint32_t events, void (*ready)(struct ioset_fd *item, uint32_t revents))
{
	struct epoll_event ev = { .events = events, .data.ptr = item };
	int rc = ioset_init();

	item->fd = -1;
	if (rc < 0)
		return rc;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	item->fd = fd;
	item->events = events;
	item->ready = ready;
	atomic_fetch_add(&count, 1);
	return 0;
}

int ioset_modify(struct ioset_fd *item, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = item };

	if (epoll_ctl(epfd, EPOLL_CTL_MOD, item->fd, &ev) < 0)
		return -errno;
	item->events = events;
	return 0;
}

void ioset_remove(struct ioset_fd *item)
{
	int i;

	if (epfd < 0 || item->fd < 0)
		return;
	if (epoll_ctl(epfd, EPOLL_CTL_DEL, item->fd, NULL) < 0)
		LOGW("ioset: can't remove fd %d: %m", item->fd);
	else
		atomic_fetch_sub(&count, 1);
	item->fd = -1;
	/* its events later in the batch must not reach it (it may be freed) */
	for (i = 0; i < batch_count; i++)
		if (batch[i].data.ptr == item)
			batch[i].data.ptr = NULL;
}

void ioset_cleanup(void)
{
	if (atomic_load(&count))
		LOGW("ioset: %d sockets still registered at exit", atomic_load(&count));
	source = sd_event_source_disable_unref(source);
	if (epfd >= 0)
		close(epfd);
	epfd = -1;
	atomic_store(&count, 0);
}
