/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The shared batches of cowork.h: one helper thread, one batch at a
 * time. A batch is published under the mutex with a new serial; the
 * helper joins it only while it is open, and the caller closes it and
 * waits for the helper to leave before returning (the items may be on
 * its stack).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <unistd.h>

#include "cowork.h"

enum helper_state { NONE, RUNNING, FAILED };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;	/* a batch opened, or stop */
static pthread_cond_t left = PTHREAD_COND_INITIALIZER;	/* the helper left the batch */
static pthread_t helper;
static enum helper_state state = NONE;	/* under lock */
static int stopping;			/* under lock */
static int busy;			/* under lock: a batch is running */

/* the current batch: written under lock before it opens, read by both threads while open */
static struct {
	void (*fn)(void *item);
	void *const *items;
	size_t n;
	atomic_size_t next;	/* the next item to take */
	uint64_t serial;	/* under lock */
	int open;		/* under lock */
	int helper_in;		/* under lock: the helper runs items of it */
	size_t helper_done;	/* written by the helper while in, read after it left */
} batch;

/* Runs the items of the batch not taken yet; how many this thread ran. */
static size_t take_items(void)
{
	size_t i, count = 0;

	while ((i = atomic_fetch_add(&batch.next, 1)) < batch.n) {
		batch.fn(batch.items[i]);
		count++;
	}
	return count;
}

static void *helper_main(void *arg)
{
	uint64_t seen = 0;

	(void)arg;
	pthread_mutex_lock(&lock);
	for (;;) {
		while (!stopping && !(batch.open && batch.serial != seen))
			pthread_cond_wait(&wake, &lock);
		if (stopping)
			break;
		seen = batch.serial;
		batch.helper_in = 1;
		pthread_mutex_unlock(&lock);
		batch.helper_done = take_items();
		pthread_mutex_lock(&lock);
		batch.helper_in = 0;
		pthread_cond_signal(&left);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

/* Under lock: whether the helper can take part (made at first need). */
static int helper_ready(void)
{
	if (state == NONE) {
		if (sysconf(_SC_NPROCESSORS_ONLN) < 2 || pthread_create(&helper, NULL, helper_main, NULL) != 0) {
			state = FAILED;
			return 0;
		}
		state = RUNNING;
	}
	return state == RUNNING && !stopping;
}

size_t cowork_run(void (*fn)(void *item), void *const *items, size_t n, size_t min_split)
{
	size_t i, helped;

	pthread_mutex_lock(&lock);
	if (n < min_split || n < 2 || busy || !helper_ready()) {
		pthread_mutex_unlock(&lock);
		for (i = 0; i < n; i++)
			fn(items[i]);
		return 0;
	}
	busy = 1;
	batch.fn = fn;
	batch.items = items;
	batch.n = n;
	atomic_store(&batch.next, 0);
	batch.helper_done = 0;
	batch.serial++;
	batch.open = 1;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);

	take_items();

	pthread_mutex_lock(&lock);
	/* a helper waking from now on finds the batch closed */
	batch.open = 0;
	while (batch.helper_in)
		pthread_cond_wait(&left, &lock);
	helped = batch.helper_done;
	batch.helper_done = 0;
	busy = 0;
	pthread_mutex_unlock(&lock);
	return helped;
}

void cowork_stop(void)
{
	int joined;

	pthread_mutex_lock(&lock);
	stopping = 1;
	joined = state == RUNNING;
	pthread_cond_broadcast(&wake);
	pthread_mutex_unlock(&lock);
	if (joined)
		pthread_join(helper, NULL);
	pthread_mutex_lock(&lock);
	state = FAILED;	/* alone from now on */
	stopping = 0;
	pthread_mutex_unlock(&lock);
}
