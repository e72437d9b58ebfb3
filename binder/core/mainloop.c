/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include "mainloop.h"
#include <string.h>
#include "jobs.h"
#include "verbose.h"

struct post {
	struct post *next;
	void (*fn)(void *arg);
	void *arg;
};

static sd_event *loop;
static __thread int dispatching;
static __thread int lending;	/* the leader runs a job: it drains the posts after it */
static int wake_fd = -1;
static sd_event_source *wake_source;
static pthread_mutex_t post_lock = PTHREAD_MUTEX_INITIALIZER;
static struct post *post_head, **post_tail = &post_head;

static struct post *take_posts(void)
{
	struct post *list;

	pthread_mutex_lock(&post_lock);
	list = post_head;
	post_head = NULL;
	post_tail = &post_head;
	pthread_mutex_unlock(&post_lock);
	return list;
}

static void run_posts(void)
{
	struct post *p;

	while ((p = take_posts()) != NULL) {
		while (p) {
			struct post *next = p->next;
			p->fn(p->arg);
			free(p);
			p = next;
		}
	}
}

static int on_wake(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	uint64_t count;

	if (read(fd, &count, sizeof count) < 0 && errno != EAGAIN)
		LOGE("mainloop: read of eventfd failed: %m");
	run_posts();
	return 0;
}

int mainloop_init(void)
{
	int rc;

	if (loop)
		return 0;
	rc = sd_event_new(&loop);
	if (rc < 0)
		return rc;
	wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (wake_fd < 0)
		return -errno;
	rc = sd_event_add_io(loop, &wake_source, wake_fd, EPOLLIN, on_wake, NULL);
	if (rc < 0)
		return rc;
	/* posted work (replies) goes before new input is read */
	sd_event_source_set_priority(wake_source, SD_EVENT_PRIORITY_IMPORTANT);
	return 0;
}

sd_event *mainloop_event(void)
{
	return loop;
}

int mainloop_is_main(void)
{
	return dispatching;
}

int mainloop_iterate(int block)
{
	int rc;

	rc = sd_event_prepare(loop);
	if (rc == 0)
		rc = sd_event_wait(loop, block ? (uint64_t)-1 : 0);
	if (rc > 0) {
		dispatching = 1;
		rc = sd_event_dispatch(loop);
		dispatching = 0;
	}
	if (rc < 0 && rc != -EINTR) {
		LOGE("mainloop: %s", strerror(-rc));
		sd_event_exit(loop, 1);
	}
	return sd_event_get_state(loop) == SD_EVENT_FINISHED;
}

int mainloop_post(void (*fn)(void *arg), void *arg)
{
	static const uint64_t one = 1;
	struct post *p = malloc(sizeof *p);
	int was_empty;

	if (!p)
		return -ENOMEM;
	p->next = NULL;
	p->fn = fn;
	p->arg = arg;
	pthread_mutex_lock(&post_lock);
	was_empty = post_head == NULL;
	*post_tail = p;
	post_tail = &p->next;
	pthread_mutex_unlock(&post_lock);
	/* a non-empty queue already has a pending wake-up */
	if (was_empty && !lending && write(wake_fd, &one, sizeof one) < 0)
		LOGE("mainloop: write of eventfd failed: %m");
	return 0;
}

void mainloop_lend(void)
{
	lending = 1;
}

/* Posts made without a wake-up must now wake the loop. */
void mainloop_stop_lending(void)
{
	static const uint64_t one = 1;
	int pending;

	if (!lending)
		return;
	lending = 0;
	pthread_mutex_lock(&post_lock);
	pending = post_head != NULL;
	pthread_mutex_unlock(&post_lock);
	if (pending && write(wake_fd, &one, sizeof one) < 0)
		LOGE("mainloop: write of eventfd failed: %m");
}

void mainloop_unlend(int still_leader)
{
	if (still_leader) {
		lending = 0;
		mainloop_drain();
	} else {
		mainloop_stop_lending();
	}
}

int mainloop_run(void)
{
	int code = 0;

	jobs_run_loop();
	if (sd_event_get_exit_code(loop, &code) < 0)
		code = 1;
	return code;
}

void mainloop_exit(int code)
{
	if (loop)
		sd_event_exit(loop, code);
}

void mainloop_drain(void)
{
	/* the eventfd is left alone: a wake-up written meanwhile only costs an empty round */
	dispatching = 1;
	run_posts();
	dispatching = 0;
}

void mainloop_cleanup(void)
{
	if (wake_fd >= 0)
		mainloop_drain();
	wake_source = sd_event_source_unref(wake_source);
	if (wake_fd >= 0)
		close(wake_fd);
	wake_fd = -1;
	loop = sd_event_unref(loop);
}
