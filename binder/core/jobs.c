/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The worker pool, run as leader/followers.
 *
 * Handing every request from the I/O loop to a worker and its reply back
 * costs two cross-thread wake-ups, which doubled the latency of short
 * verbs. So the thread that holds the sd-event loop (the leader) runs the
 * jobs that its own dispatch queued, right after the dispatch, with no
 * hand-off. While it runs one, the loop is lent: if the job lasts more
 * than TAKEOVER_US, the watchdog has an idle follower take the loop, so a
 * verb that blocks delays other clients by about a millisecond at most.
 * Jobs queued from any other place wake an idle follower as usual.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "fault.h"
#include "jobs.h"
#include "mainloop.h"
#include "verbose.h"

#define TAKEOVER_US 1000
#define WATCH_LINGER_US (2 * TAKEOVER_US)
#define LEADER_BATCH 64

/* groups currently running, to serialize jobs of one group */
struct busy_group {
	struct busy_group *next;
	const void *group;
	struct busy_group *next_here;	/* the groups this thread runs (nested in jobs_wait) */
};

/* the groups whose job the calling thread is running, innermost first */
static __thread struct busy_group *groups_here;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work_cond = PTHREAD_COND_INITIALIZER;	/* idle followers */
static pthread_cond_t wait_cond = PTHREAD_COND_INITIALIZER;	/* threads in jobs_wait */
static pthread_cond_t watch_cond = PTHREAD_COND_INITIALIZER;	/* the watchdog */
static pthread_cond_t end_cond = PTHREAD_COND_INITIALIZER;	/* jobs_run_loop */
static struct jobs_lane default_lane;
static struct jobs_lane *ring;	/* the lane served next; NULL: no job queued */
static struct busy_group *busy;
static pthread_t *threads, watchdog;
static int nthreads, pending, max_pending, max_per_lane, waiters, stopping, watchdog_started;

/*
 * The loop, all under 'lock'. 'stopping', 'leader_in_job',
 * 'leader_job_serial' and 'leader_job_start' are also read by the
 * watchdog without it: they are written with atomic stores.
 */
static int loop_active;		/* mainloop_run is running: someone must lead */
static int loop_finished;
static int has_leader;
static pthread_t leader;
static int leader_in_job;	/* the loop is lent while the leader runs a job */
static unsigned long leader_job_serial;
static int64_t leader_job_start;
static int takeover;		/* a follower should take the loop */
static int watch_sleeping;

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int group_is_busy(const void *group)
{
	struct busy_group *b;

	for (b = busy; b; b = b->next)
		if (b->group == group)
			return 1;
	return 0;
}

/* Lock held: the ring of lanes holding jobs; 'ring' points at the next one served. */
static void ring_insert(struct jobs_lane *lane)
{
	if (!ring) {
		lane->rnext = lane->rprev = lane;
		ring = lane;
	} else {
		/* last of the round */
		lane->rnext = ring;
		lane->rprev = ring->rprev;
		ring->rprev->rnext = lane;
		ring->rprev = lane;
	}
}

static void ring_remove(struct jobs_lane *lane)
{
	if (lane->rnext == lane) {
		ring = NULL;
	} else {
		lane->rprev->rnext = lane->rnext;
		lane->rnext->rprev = lane->rprev;
		if (ring == lane)
			ring = lane->rnext;
	}
	lane->rnext = lane->rprev = NULL;
}

/* Unlinks the job at 'prev' of 'lane'. Lock held. */
static struct jobs_entry *unlink_job(struct jobs_lane *lane, struct jobs_entry **prev)
{
	struct jobs_entry *job = *prev;

	*prev = job->next;
	if (lane->tail == &job->next)
		lane->tail = prev;
	lane->queued--;
	/* atomic stores: jobs_backlogged reads 'pending' without the lock */
	__atomic_store_n(&pending, pending - 1, __ATOMIC_RELAXED);
	if (!lane->head)
		ring_remove(lane);
	return job;
}

/*
 * Unlinks the first runnable job of the next lane that has one, round-robin
 * between lanes. Lock held.
 */
static struct jobs_entry *pick_job(void)
{
	struct jobs_lane *lane = ring, *start = ring;
	struct jobs_entry **prev, *job;

	if (!lane)
		return NULL;
	do {
		for (prev = &lane->head; (job = *prev) != NULL; prev = &job->next) {
			if (job->group && group_is_busy(job->group))
				continue;
			/* this lane was served: the next one is served next */
			ring = lane->rnext;
			return unlink_job(lane, prev);
		}
		lane = lane->rnext;
	} while (lane != start);
	return NULL;
}

/*
 * Calls the callback of 'job' and frees it when jobs.c allocated it (an
 * embedded entry may be freed by its callback: it is not touched after).
 */
static void run_entry(struct jobs_entry *job, int signum)
{
	void (*callback)(int signum, void *arg) = job->callback;
	void *arg = job->arg;

	if (job->allocated)
		free(job);
	callback(signum, arg);
}

/* Runs 'job' with the lock released. Lock held on entry and exit. */
static void run_job(struct jobs_entry *job)
{
	struct busy_group mark = { .group = job->group };
	struct busy_group **b;
	int signum = 0;

	if (job->group) {
		mark.next = busy;
		busy = &mark;
		mark.next_here = groups_here;
		groups_here = &mark;
	}
	if (job->deadline && time(NULL) > job->deadline)
		signum = SIGALRM;
	pthread_mutex_unlock(&lock);
	run_entry(job, signum);
	pthread_mutex_lock(&lock);
	if (mark.group) {
		groups_here = mark.next_here;
		for (b = &busy; *b != &mark; b = &(*b)->next);
		*b = mark.next;
		/* jobs of this group may now run */
		if (ring)
			pthread_cond_signal(&work_cond);
		if (waiters)
			pthread_cond_broadcast(&wait_cond);
	}
}

static int i_lead(void)
{
	return has_leader && pthread_equal(leader, pthread_self());
}

/*
 * Runs the loop until it finishes or another thread takes it over.
 * Lock held on entry and exit.
 */
static void lead(void)
{
	struct jobs_entry *job;
	int rc, block, n;

	has_leader = 1;
	leader = pthread_self();
	takeover = 0;
	__atomic_store_n(&leader_in_job, 0, __ATOMIC_RELAXED);	/* the previous leader's job is no longer ours */
	/* what that job posted (and will post) must wake the loop now */
	mainloop_takeover();
	for (;;) {
		block = ring == NULL;
		pthread_mutex_unlock(&lock);
		rc = mainloop_iterate(block);
		pthread_mutex_lock(&lock);
		if (rc != 0) {
			loop_finished = 1;
			has_leader = 0;
			pthread_cond_broadcast(&end_cond);
			return;
		}
		/*
		 * Every job the dispatch queued, then one loop round: the
		 * replies of a batch leave with one round of the transports.
		 */
		for (n = 0; n < LEADER_BATCH && (job = pick_job()) != NULL; n++) {
			/* the watchdog reads these without the lock: the start before the flag */
			__atomic_store_n(&leader_job_start, now_us(), __ATOMIC_RELAXED);
			__atomic_store_n(&leader_job_serial, leader_job_serial + 1, __ATOMIC_RELAXED);
			__atomic_store_n(&leader_in_job, 1, __ATOMIC_RELEASE);
			if (watch_sleeping)
				pthread_cond_signal(&watch_cond);
			mainloop_lend();
			run_job(job);
			if (!i_lead()) {
				mainloop_unlend(0);
				return;		/* taken over meanwhile: follow */
			}
			__atomic_store_n(&leader_in_job, 0, __ATOMIC_RELAXED);
			takeover = 0;		/* done before anyone took the loop */
			pthread_mutex_unlock(&lock);
			mainloop_unlend(1);
			pthread_mutex_lock(&lock);
		}
	}
}

/* The life of a pool thread. Lock held on entry and exit. */
static void follow(void)
{
	struct jobs_entry *job;

	while (!stopping) {
		/* the loop is free, or lent by a leader stuck in a job */
		if (loop_active && !loop_finished && (!has_leader || (takeover && leader_in_job))) {
			lead();
			continue;
		}
		job = pick_job();
		if (job)
			run_job(job);
		else
			pthread_cond_wait(&work_cond, &lock);
	}
}

static void *worker_main(void *arg)
{
	/* workers run binding code: faults there are caught (fault.h) */
	if (fault_thread_init() < 0)
		LOGW("jobs: no alternate signal stack for a worker: a stack overflow in a verb would end the daemon");
	pthread_mutex_lock(&lock);
	follow();
	pthread_mutex_unlock(&lock);
	fault_thread_exit();
	return NULL;
}

/* Under the lock: the leader's job lasts too long, a follower takes the loop. */
static void check_takeover(void)
{
	if (has_leader && leader_in_job && now_us() - leader_job_start >= TAKEOVER_US && !takeover) {
		takeover = 1;
		pthread_cond_signal(&work_cond);
	}
}

/*
 * Gives the loop to a follower when the leader's job lasts too long. It
 * polls every TAKEOVER_US while jobs run (under load, polling is cheaper
 * than being woken for every job), without the lock: taking it at every
 * poll made the leader wait for it (a futex wait and wake, and a context
 * switch, a poll). It takes the lock to decide a takeover, and sleeps
 * after WATCH_LINGER_US without any job, until the leader starts one
 * (and wakes it). The linger is short: lingering 100 ms made a daemon
 * serving a call a second poll 92 times per call, and one serving 20 a
 * second poll without end (900 wake-ups a second); a job every few
 * milliseconds now costs one wake-up of the watchdog each instead.
 */
static void *watchdog_main(void *arg)
{
	const struct timespec tick = { 0, TAKEOVER_US * 1000L };
	unsigned long serial, seen = 0;
	int64_t now, idle_since = now_us();

	/* its name tells it in top -H, and lets the tests watch it sleep */
	pthread_setname_np(pthread_self(), "afb-watchdog");
	while (!__atomic_load_n(&stopping, __ATOMIC_RELAXED)) {
		now = now_us();
		/*
		 * Jobs ran since the last look: the leader is busy, even when
		 * its jobs are too short to be seen running.
		 */
		serial = __atomic_load_n(&leader_job_serial, __ATOMIC_RELAXED);
		if (serial != seen) {
			seen = serial;
			idle_since = now;
		}
		if (__atomic_load_n(&leader_in_job, __ATOMIC_ACQUIRE)
		    && now - __atomic_load_n(&leader_job_start, __ATOMIC_RELAXED) >= TAKEOVER_US) {
			pthread_mutex_lock(&lock);
			check_takeover();
			pthread_mutex_unlock(&lock);
		}
		if (now - idle_since < WATCH_LINGER_US) {
			nanosleep(&tick, NULL);
			continue;
		}
		pthread_mutex_lock(&lock);
		watch_sleeping = 1;
		while (!stopping && leader_job_serial == seen)
			pthread_cond_wait(&watch_cond, &lock);
		watch_sleeping = 0;
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

int jobs_start(int count, int maxpending)
{
	pthread_condattr_t attr;
	int i, rc = 0;

	if (threads)
		return -EALREADY;
	if (count < 1 || maxpending < 1)
		return -EINVAL;
	threads = calloc((size_t)count, sizeof *threads);
	if (!threads)
		return -ENOMEM;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&watch_cond, &attr);
	pthread_condattr_destroy(&attr);
	max_pending = maxpending;
	__atomic_store_n(&stopping, 0, __ATOMIC_RELAXED);
	for (i = 0; i < count; i++) {
		rc = pthread_create(&threads[i], NULL, worker_main, NULL);
		if (rc) {
			LOGE("jobs: can't create thread: %s", strerror(rc));
			break;
		}
	}
	nthreads = i;
	if (nthreads && (rc = pthread_create(&watchdog, NULL, watchdog_main, NULL)) == 0)
		watchdog_started = 1;
	else if (nthreads) {
		LOGE("jobs: can't create the watchdog: %s", strerror(rc));
		jobs_stop(0);
		return -rc;
	}
	return nthreads ? 0 : -rc;
}

int jobs_run_loop(void)
{
	/*
	 * The calling (main) thread only waits: were it to lead, it could
	 * run a verb that never returns and never get to the shutdown.
	 */
	pthread_mutex_lock(&lock);
	loop_active = 1;
	loop_finished = 0;
	pthread_cond_signal(&work_cond);
	while (!loop_finished && !stopping)
		pthread_cond_wait(&end_cond, &lock);
	loop_active = 0;
	pthread_mutex_unlock(&lock);
	return 0;
}

int jobs_stop(int timeout)
{
	struct timespec deadline;
	struct jobs_entry *job;
	int i;

	pthread_mutex_lock(&lock);
	__atomic_store_n(&stopping, 1, __ATOMIC_RELAXED);
	pthread_cond_broadcast(&work_cond);
	pthread_cond_broadcast(&wait_cond);
	pthread_cond_broadcast(&watch_cond);
	pthread_cond_broadcast(&end_cond);
	pthread_mutex_unlock(&lock);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += timeout;
	for (i = 0; i < nthreads; i++) {
		if (timeout > 0 && pthread_timedjoin_np(threads[i], NULL, &deadline) != 0) {
			LOGW("jobs: a worker is still running a job after %d s", timeout);
			return -ETIMEDOUT;
		}
		if (timeout <= 0)
			pthread_join(threads[i], NULL);
	}
	if (watchdog_started)
		pthread_join(watchdog, NULL);
	watchdog_started = 0;
	free(threads);
	threads = NULL;
	nthreads = 0;

	/* what never ran is told so, that its owner releases it */
	pthread_mutex_lock(&lock);
	while (ring) {
		job = unlink_job(ring, &ring->head);
		pthread_mutex_unlock(&lock);
		run_entry(job, SIGTERM);
		pthread_mutex_lock(&lock);
	}
	pthread_mutex_unlock(&lock);
	return 0;
}

int jobs_backlogged(void)
{
	int n = __atomic_load_n(&pending, __ATOMIC_RELAXED);

	return n > 0 && n >= max_pending / 4;
}

int jobs_set_max_per_lane(int max)
{
	if (max < 0)
		return -EINVAL;
	pthread_mutex_lock(&lock);
	max_per_lane = max;
	pthread_mutex_unlock(&lock);
	return 0;
}

int jobs_queue(const void *group, int timeout, void (*callback)(int signum, void *arg), void *arg)
{
	return jobs_queue_lane(NULL, group, timeout, callback, arg);
}

/* Queues 'job' (filled) in 'lane'. 0, -EBUSY, -EDQUOT (the job is not queued). */
static int enqueue(struct jobs_lane *lane, struct jobs_entry *job)
{
	job->next = NULL;
	if (!lane)
		lane = &default_lane;
	pthread_mutex_lock(&lock);
	if (pending >= max_pending || stopping) {
		pthread_mutex_unlock(&lock);
		return -EBUSY;
	}
	if (lane != &default_lane && max_per_lane && lane->queued >= max_per_lane) {
		pthread_mutex_unlock(&lock);
		return -EDQUOT;
	}
	if (!lane->head) {
		lane->tail = &lane->head;
		ring_insert(lane);
	}
	*lane->tail = job;
	lane->tail = &job->next;
	lane->queued++;
	__atomic_store_n(&pending, pending + 1, __ATOMIC_RELAXED);
	/* the leader runs what its dispatch queues as soon as the dispatch ends */
	if (!mainloop_is_main())
		pthread_cond_signal(&work_cond);
	if (waiters)
		pthread_cond_broadcast(&wait_cond);
	pthread_mutex_unlock(&lock);
	return 0;
}

static void fill(struct jobs_entry *job, const void *group, int timeout, void (*callback)(int signum, void *arg),
		 void *arg, int allocated)
{
	job->group = group;
	job->callback = callback;
	job->arg = arg;
	job->deadline = timeout > 0 ? time(NULL) + timeout : 0;
	job->allocated = allocated;
}

int jobs_queue_lane(struct jobs_lane *lane, const void *group, int timeout,
		    void (*callback)(int signum, void *arg), void *arg)
{
	struct jobs_entry *job = malloc(sizeof *job);
	int rc;

	if (!job)
		return -ENOMEM;
	fill(job, group, timeout, callback, arg, 1);
	rc = enqueue(lane, job);
	if (rc < 0)
		free(job);
	return rc;
}

int jobs_queue_entry(struct jobs_lane *lane, struct jobs_entry *entry, const void *group, int timeout,
		     void (*callback)(int signum, void *arg), void *arg)
{
	fill(entry, group, timeout, callback, arg, 0);
	return enqueue(lane, entry);
}

void jobs_wait(int (*done)(void *closure), void *closure)
{
	struct jobs_entry *job;

	pthread_mutex_lock(&lock);
	if (i_lead() && leader_in_job) {
		/* what we wait for may need the loop: lend it now, not in a millisecond */
		mainloop_stop_lending();
		if (!takeover) {
			takeover = 1;
			pthread_cond_signal(&work_cond);
		}
	}
	while (!done(closure)) {
		/*
		 * Helping instead of sleeping: the job we wait for may be
		 * queued behind us, and every worker may be waiting too.
		 */
		job = pick_job();
		if (job) {
			run_job(job);
		} else {
			waiters++;
			pthread_cond_wait(&wait_cond, &lock);
			waiters--;
		}
	}
	pthread_mutex_unlock(&lock);
}

void jobs_wakeup(void)
{
	pthread_mutex_lock(&lock);
	if (waiters)
		pthread_cond_broadcast(&wait_cond);
	pthread_mutex_unlock(&lock);
}

int jobs_group_runs_here(const void *group)
{
	struct busy_group *b;

	for (b = groups_here; b && group; b = b->next_here)
		if (b->group == group)
			return 1;
	return 0;
}
