/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Work handed to the sd-event loop by threads that may then block waiting
 * for its outcome.
 *
 * mainloop_post does not wake the loop when the poster is the loop's
 * leader running a job (the leader runs such posts after the job): a job
 * that posts the sending of a call and then waits for the reply (a
 * synchronous subcall or describe) would wait forever. This queue always
 * wakes the loop, at the cost of one eventfd write.
 *
 * Threading: loopq_push from any thread; the functions run on the thread
 * dispatching the loop (mainloop_is_main() true). loopq_init and
 * loopq_exit on the main thread, before the loop runs and after it ended.
 */
#pragma once

/* Takes a use of the queue, made at the first. Returns 0 or -errno. */
int loopq_init(void);

/* Runs what is queued, on the calling thread (at exit). */
void loopq_drain(void);

/* Drops a use; the last one runs what is still queued and frees the queue. */
void loopq_exit(void);

/* Runs fn(arg) on the loop, soon, in pushing order. Returns 0 or -errno. */
int loopq_push(void (*fn)(void *arg), void *arg);
