/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include "mainloop.h"
#include <string.h>
#include "jobs.h"
#include "verbose.h"

/* what mainloop_post allocates around its function and argument */
struct post {
	struct mainloop_item item;
	void (*fn)(void *arg);
	void *arg;
};

static sd_event *loop;
static __thread int dispatching;
/* the dispatching thread posted: it runs the posts right after its dispatch (no wake-up) */
static __thread int posted_here;
/*
 * The leader running a job lends the loop: its posts need no wake-up, it
 * runs them after the job. 'lender' is the address of that thread's
 * 'self' (NULL: nobody lends), cleared by whoever ends the lending: the
 * leader itself, or a follower taking the loop over (mainloop_takeover)
 * while the job blocks, which then wakes the loop for what was posted.
 */
static __thread char self;
static _Atomic(void *) lender;
static int wake_fd = -1;
static sd_event_source *wake_source;
static pthread_mutex_t post_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mainloop_item *post_head, **post_tail = &post_head;

/* the armed soon work, in arming order; loop's thread only */
static struct mainloop_soon *soon_head, **soon_tail = &soon_head;
/* the turn soon work armed now runs in (see run_soon) */
static unsigned soon_round;

static struct mainloop_item *take_posts(void)
{
	struct mainloop_item *list;

	pthread_mutex_lock(&post_lock);
	list = post_head;
	post_head = NULL;
	post_tail = &post_head;
	pthread_mutex_unlock(&post_lock);
	return list;
}

static void run_posts(void)
{
	struct mainloop_item *it, *next;

	while ((it = take_posts()) != NULL) {
		for (; it; it = next) {
			next = it->next;
			it->run(it);
		}
	}
}

static void wake(void)
{
	static const uint64_t one = 1;

	if (write(wake_fd, &one, sizeof one) < 0)
		LOGE("mainloop: write of eventfd failed: %m");
}

/* A lending that ends: the posts made meanwhile (if any) wake the loop. */
static void end_lending(void *who)
{
	int pending;

	if (!atomic_compare_exchange_strong(&lender, &who, NULL))
		return;		/* ended by someone else */
	pthread_mutex_lock(&post_lock);
	pending = post_head != NULL;
	pthread_mutex_unlock(&post_lock);
	if (pending)
		wake();
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
	/*
	 * Posted work (replies) takes its turn with the inputs: at a higher
	 * priority, a flood of replies (one client's) kept the loop from
	 * reading the other clients (test wsapi-fairness).
	 */
	sd_event_source_set_priority(wake_source, SD_EVENT_PRIORITY_NORMAL);
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

void mainloop_soon_init(struct mainloop_soon *soon, void (*run)(struct mainloop_soon *soon))
{
	soon->run = run;
	soon->next = NULL;
	soon->pprev = NULL;
	soon->round = 0;
}

void mainloop_soon(struct mainloop_soon *soon)
{
	if (soon->pprev)
		return;
	soon->round = soon_round;
	soon->next = NULL;
	soon->pprev = soon_tail;
	*soon_tail = soon;
	soon_tail = &soon->next;
}

void mainloop_soon_cancel(struct mainloop_soon *soon)
{
	if (!soon->pprev)
		return;
	*soon->pprev = soon->next;
	if (soon->next)
		soon->next->pprev = soon->pprev;
	else
		soon_tail = soon->pprev;
	soon->next = NULL;
	soon->pprev = NULL;
}

/*
 * Runs the soon work armed before this call; what it arms again waits for
 * the next turn (work that re-arms itself can't hold the loop).
 */
static void run_soon(void)
{
	struct mainloop_soon *soon;
	unsigned round = soon_round++;

	while ((soon = soon_head) != NULL && soon->round == round) {
		mainloop_soon_cancel(soon);
		soon->run(soon);
	}
}

int mainloop_iterate(int block)
{
	int rc;

	rc = sd_event_prepare(loop);
	/* armed soon work: look for events, but don't wait for them */
	if (rc == 0)
		rc = sd_event_wait(loop, block && !soon_head ? (uint64_t)-1 : 0);
	if (rc >= 0) {
		dispatching = 1;
		if (rc > 0)
			rc = sd_event_dispatch(loop);
		/* posts first: a reply posted by this dispatch arms its transport's soon work */
		if (posted_here) {
			posted_here = 0;
			run_posts();
		}
		if (soon_head && sd_event_get_state(loop) != SD_EVENT_FINISHED) {
			run_soon();
			if (posted_here) {
				posted_here = 0;
				run_posts();
			}
		}
		dispatching = 0;
	}
	if (rc < 0 && rc != -EINTR) {
		LOGE("mainloop: %s", strerror(-rc));
		sd_event_exit(loop, 1);
	}
	return sd_event_get_state(loop) == SD_EVENT_FINISHED;
}

void mainloop_post_item(struct mainloop_item *item)
{
	int was_empty;

	item->next = NULL;
	pthread_mutex_lock(&post_lock);
	was_empty = post_head == NULL;
	*post_tail = item;
	post_tail = &item->next;
	pthread_mutex_unlock(&post_lock);
	/*
	 * A non-empty queue already has a pending wake-up, or a dispatching
	 * thread that runs it; the leader lending the loop runs its posts
	 * after its job; so does the thread dispatching the loop, after its
	 * dispatch (a reply made on the loop's thread costs no eventfd
	 * write, read and turn of the loop). A takeover clears 'lender'
	 * before it looks at the queue: the item queued above is seen.
	 */
	if (dispatching)
		posted_here = 1;
	else if (was_empty && atomic_load(&lender) != &self)
		wake();
}

static void run_post(struct mainloop_item *item)
{
	struct post *p = (struct post *)item;

	p->fn(p->arg);
	free(p);
}

int mainloop_post(void (*fn)(void *arg), void *arg)
{
	struct post *p = malloc(sizeof *p);

	if (!p)
		return -ENOMEM;
	p->item.run = run_post;
	p->fn = fn;
	p->arg = arg;
	mainloop_post_item(&p->item);
	return 0;
}

void mainloop_lend(void)
{
	atomic_store(&lender, &self);
}

void mainloop_stop_lending(void)
{
	end_lending(&self);
}

void mainloop_takeover(void)
{
	void *who = atomic_load(&lender);

	if (who && who != &self)
		end_lending(who);
}

void mainloop_unlend(int still_leader)
{
	void *me = &self;

	if (still_leader) {
		/* the posts of the job run now, here */
		atomic_compare_exchange_strong(&lender, &me, NULL);
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

int mainloop_has_posts(void)
{
	int pending;

	pthread_mutex_lock(&post_lock);
	pending = post_head != NULL;
	pthread_mutex_unlock(&post_lock);
	return pending;
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
	/* the owners of soon work left armed are gone with the loop */
	while (soon_head)
		mainloop_soon_cancel(soon_head);
	wake_source = sd_event_source_unref(wake_source);
	if (wake_fd >= 0)
		close(wake_fd);
	wake_fd = -1;
	loop = sd_event_unref(loop);
}
