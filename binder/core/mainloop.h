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

/* True on the thread that runs the loop. */
int mainloop_is_main(void);

/*
 * Runs fn(arg) on the main thread, soon, in posting order. Callable from
 * any thread, the main one included. Returns 0 or -ENOMEM.
 */
int mainloop_post(void (*fn)(void *arg), void *arg);

/* Runs the loop until mainloop_exit; returns the exit code. */
int mainloop_run(void);
void mainloop_exit(int code);

/* Runs, on the calling thread, the work posted so far (at exit). */
void mainloop_drain(void);

/* Runs what is still posted, then frees the loop. */
void mainloop_cleanup(void);
