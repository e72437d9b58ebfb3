/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The worker pool that runs verbs off the I/O loop.
 *
 * Fair share: the queue is made of lanes, one per client peer (embedded
 * in struct peer) plus one default lane for everything else (jobs that
 * bindings queue, the daemon's own work). Workers take the jobs round-robin
 * between the lanes that hold some, so a client that queues many jobs
 * delays a job of another client by one job per lane at most; and a lane
 * other than the default one holds at most 'max per lane' jobs
 * (jobs_set_max_per_lane), so one client cannot fill the whole queue.
 */
#pragma once

#include <time.h>

/*
 * A job in the queue. jobs_queue and jobs_queue_lane allocate theirs;
 * jobs_queue_entry takes one embedded in the caller's object (no
 * allocation), which must stay valid until its callback is called and
 * must not be queued again before. Fields are for jobs.c.
 */
struct jobs_entry {
	struct jobs_entry *next;
	const void *group;
	void (*callback)(int signum, void *arg);
	void *arg;
	time_t deadline;	/* 0: none */
	int allocated;		/* freed by jobs.c (before its callback runs) */
};

/*
 * A lane: zero-initialised, it is ready (and empty). Its owner keeps it
 * alive while it holds jobs (the jobs of a peer's lane hold references
 * on their requests, which hold the peer).
 */
struct jobs_lane {
	struct jobs_lane *rnext, *rprev;	/* in the ring of lanes that hold jobs */
	struct jobs_entry *head, **tail;
	int queued;
};

/*
 * Starts 'nthreads' workers; at most 'maxpending' jobs wait in the queue.
 * Returns 0 or -errno.
 */
int jobs_start(int nthreads, int maxpending);

/*
 * The calling thread joins the pool, leading the sd-event loop when no one
 * else does, until the loop finishes (mainloop_exit). Used by mainloop_run.
 */
int jobs_run_loop(void);

/*
 * Stops the workers and joins them, waiting at most 'timeout' seconds
 * (0: no limit); then the jobs that never started get callback(SIGTERM).
 * Returns 0, or -ETIMEDOUT when a worker is still running a job: the
 * caller must then not free what that job may use.
 */
int jobs_stop(int timeout);

/*
 * Queues callback(0, arg) on a worker. Jobs of the same non-NULL 'group'
 * run one after the other, in queue order. When 'timeout' > 0 and the job
 * could not start within 'timeout' seconds, callback(SIGALRM, arg) runs
 * instead. Returns 0, or -EBUSY when the queue is full (the callback is
 * not called), -ENOMEM.
 */
int jobs_queue(const void *group, int timeout, void (*callback)(int signum, void *arg), void *arg);

/*
 * The same in 'lane' (NULL: the default lane). Returns 0, -EBUSY when the
 * whole queue is full, -EDQUOT when 'lane' (not the default one) already
 * holds its maximum, -ENOMEM.
 */
int jobs_queue_lane(struct jobs_lane *lane, const void *group, int timeout,
		    void (*callback)(int signum, void *arg), void *arg);

/*
 * The same with the caller's 'entry' (see struct jobs_entry): no
 * allocation, so no -ENOMEM.
 */
int jobs_queue_entry(struct jobs_lane *lane, struct jobs_entry *entry, const void *group, int timeout,
		     void (*callback)(int signum, void *arg), void *arg);

/*
 * True when the queue holds a quarter of its maximum or more: transports
 * then leave their input where it is (in the sockets, read later) rather
 * than queueing requests that would be refused when the queue is full.
 * Any thread; a hint (no lock).
 */
int jobs_backlogged(void);

/* Jobs a lane other than the default one may hold (default: the whole queue). 0 or -EINVAL. */
int jobs_set_max_per_lane(int max);

/*
 * Blocks until done(closure) is true. On a worker, runs queued jobs while
 * waiting so that a worker waiting for a job it queued cannot deadlock.
 * done() is re-evaluated after every jobs_wakeup().
 */
void jobs_wait(int (*done)(void *closure), void *closure);

/*
 * True when the calling thread runs a job of 'group' (maybe waiting in
 * jobs_wait under it): a job of that group it would wait for can never
 * start (a synchronous call to an api serving one request at a time,
 * from that api).
 */
int jobs_group_runs_here(const void *group);

/* Wakes the threads blocked in jobs_wait so they re-evaluate their condition. */
void jobs_wakeup(void);
