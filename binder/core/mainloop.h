/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The daemon's single sd-event loop, run by the main thread, and the way
 * other threads hand work to it.
 */
#pragma once

#include <systemd/sd-event.h>

/* Creates the loop for the calling (main) thread. Returns 0 or -errno. */
int mainloop_init(void);

/* The loop (no reference given). */
sd_event *mainloop_event(void);

/*
 * True on the thread that runs the loop, while it dispatches its events:
 * loop-owned objects (sockets, MHD, sd-bus) may be used there.
 */
int mainloop_is_main(void);

/*
 * One round of the loop on the calling thread (jobs.c only): waits for
 * events when 'block', then dispatches them. Returns 0, or 1 once the loop
 * has finished.
 */
int mainloop_iterate(int block);

/*
 * Runs fn(arg) on the main thread, soon, in posting order. Callable from
 * any thread, the main one included. Returns 0 or -ENOMEM.
 *
 * What the thread dispatching the loop posts runs right after that
 * dispatch, without waking the loop (a reply made on the loop's thread
 * costs no eventfd round). The leader of the loop running a job (jobs.c)
 * lends the loop: what it posts runs right after the job, without waking
 * the loop. A job that
 * posts and then waits for the outcome is safe: jobs_wait ends the
 * lending, and so does a follower taking the loop over from a job that
 * blocks otherwise (the posts then wake the loop).
 */
int mainloop_post(void (*fn)(void *arg), void *arg);

/*
 * The same without allocation: 'item' is embedded in the caller's object
 * and stays valid until item->run(item) is called (on the main thread,
 * once). It must not be posted again before.
 */
struct mainloop_item {
	struct mainloop_item *next;
	void (*run)(struct mainloop_item *item);
};
void mainloop_post_item(struct mainloop_item *item);

/*
 * Work of the loop's thread to run soon: once, in the same turn of the
 * loop as the arming if that turn has not run its soon work yet, else in
 * the next one; in arming order. A turn dispatches one sd-event source,
 * runs what was posted, then the soon work armed before it started:
 * soon work runs beside the sources, never in place of one.
 *
 * Why not an sd-event defer source: a defer source stays pending with
 * the place it got when first enabled, so once enabled again it goes
 * before every other source of its priority. Re-armed at every turn
 * (the WebSocket pump while the workers are behind, MHD's kick under
 * HTTP load), it keeps the other sources waiting: the sockets of the
 * other clients, the replies posted by the workers, the listening socket
 * (a new connection waited 1 to 3 s for its accept under HTTP load).
 *
 * Loop's thread only: the thread dispatching the loop, the leader running
 * the posts of its job, or the main thread before the loop runs. 'soon'
 * is embedded in its owner; mainloop_soon_cancel before freeing it.
 */
struct mainloop_soon {
	void (*run)(struct mainloop_soon *soon);
	struct mainloop_soon *next, **pprev;	/* pprev NULL: not armed */
	unsigned round;
};
void mainloop_soon_init(struct mainloop_soon *soon, void (*run)(struct mainloop_soon *soon));
/* Arms 'soon' (nothing if it is armed already). */
void mainloop_soon(struct mainloop_soon *soon);
/* Disarms 'soon' (nothing if it is not armed). */
void mainloop_soon_cancel(struct mainloop_soon *soon);

/*
 * jobs.c only: the leader runs a job of its own; mainloop_unlend then
 * runs the work that job posted (still_leader) or wakes the new leader.
 */
void mainloop_lend(void);
void mainloop_unlend(int still_leader);
/* jobs.c only: the leader's job is going to wait: its posts must wake the loop */
void mainloop_stop_lending(void);
/* jobs.c only: a follower takes the loop from a leader stuck in a job */
void mainloop_takeover(void);

/*
 * Runs the loop until mainloop_exit; returns the exit code. The loop may
 * be run by any thread of the worker pool (see jobs.c), one at a time.
 */
int mainloop_run(void);
void mainloop_exit(int code);

/* 1 while work posted is waiting for the main thread (the shutdown's flush), else 0. */
int mainloop_has_posts(void);

/* Runs, on the calling thread, the work posted so far (at exit). */
void mainloop_drain(void);

/* Runs what is still posted, then frees the loop. */
void mainloop_cleanup(void);
