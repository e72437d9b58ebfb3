/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A wake-up queue to the loop: see loopq.h.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include "loopq.h"
#include "mainloop.h"
#include "verbose.h"

struct item {
	struct item *next;
	void (*fn)(void *arg);
	void *arg;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct item *head, **tail = &head;
static int efd = -1;
static sd_event_source *source;
static int users;		/* loopq_init minus loopq_exit (main thread) */

static void run_all(void)
{
	struct item *list, *it;

	for (;;) {
		pthread_mutex_lock(&lock);
		list = head;
		head = NULL;
		tail = &head;
		pthread_mutex_unlock(&lock);
		if (!list)
			return;
		while ((it = list) != NULL) {
			list = it->next;
			it->fn(it->arg);
			free(it);
		}
	}
}

static int on_wake(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	uint64_t count;

	if (read(fd, &count, sizeof count) < 0 && errno != EAGAIN)
		LOGE("proto-ws: read of eventfd failed: %m");
	run_all();
	return 0;
}

int loopq_init(void)
{
	int rc;

	if (efd >= 0) {
		users++;
		return 0;
	}
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (efd < 0)
		return -errno;
	rc = sd_event_add_io(mainloop_event(), &source, efd, EPOLLIN, on_wake, NULL);
	if (rc < 0) {
		close(efd);
		efd = -1;
		return rc;
	}
	/* like the core's posts: queued work goes before new input */
	sd_event_source_set_priority(source, SD_EVENT_PRIORITY_IMPORTANT);
	users = 1;
	return 0;
}

void loopq_drain(void)
{
	run_all();
}

void loopq_exit(void)
{
	if (efd < 0 || --users > 0)
		return;
	run_all();
	source = sd_event_source_disable_unref(source);
	close(efd);
	efd = -1;
}

int loopq_push(void (*fn)(void *arg), void *arg)
{
	static const uint64_t one = 1;
	struct item *it = malloc(sizeof *it);
	int was_empty;

	if (!it)
		return -ENOMEM;
	it->next = NULL;
	it->fn = fn;
	it->arg = arg;
	pthread_mutex_lock(&lock);
	if (efd < 0) {
		pthread_mutex_unlock(&lock);
		free(it);
		return -ENOTCONN;
	}
	was_empty = head == NULL;
	*tail = it;
	tail = &it->next;
	pthread_mutex_unlock(&lock);
	/* a non-empty queue already has a pending wake-up */
	if (was_empty && write(efd, &one, sizeof one) < 0)
		LOGE("proto-ws: write of eventfd failed: %m");
	return 0;
}
