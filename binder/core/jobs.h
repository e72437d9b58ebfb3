/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The worker pool that runs verbs off the I/O loop.
 */
#pragma once

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
 * Blocks until done(closure) is true. On a worker, runs queued jobs while
 * waiting so that a worker waiting for a job it queued cannot deadlock.
 * done() is re-evaluated after every jobs_wakeup().
 */
void jobs_wait(int (*done)(void *closure), void *closure);

/* Wakes the threads blocked in jobs_wait so they re-evaluate their condition. */
void jobs_wakeup(void);
