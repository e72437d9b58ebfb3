/* SPDX-License-Identifier: Apache-2.0 */
/*
 * binder/core/cowork: every item of a batch runs exactly once, whatever
 * its size; small batches and batches below 'min_split' run on the
 * caller alone; on a machine of two CPUs or more, the helper takes items
 * of a large batch, at the same time as the caller (both seen running
 * at once), and what an item wrote is seen by the caller after the run;
 * batches asked from two threads at once both complete (one of them
 * alone); after cowork_stop, batches run on the caller alone.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cowork.h"
#include "unit.h"

struct item {
	atomic_int runs;
	pthread_t thread;
	int value;
	int slow;
};

static atomic_int running, max_running;

static void run_item(void *arg)
{
	struct item *it = arg;
	int now = atomic_fetch_add(&running, 1) + 1, seen = atomic_load(&max_running);

	while (now > seen && !atomic_compare_exchange_weak(&max_running, &seen, now));
	atomic_fetch_add(&it->runs, 1);
	it->thread = pthread_self();
	it->value = 2 * it->value + 1;
	if (it->slow) {
		struct timespec ts = { 0, 200000 };	/* 200 us, as a write to a socket could take */
		nanosleep(&ts, NULL);
	}
	atomic_fetch_sub(&running, 1);
}

/* Runs a batch of 'n' items; returns how many the helper ran, checks each ran once. */
static size_t batch(size_t n, size_t min_split, int slow)
{
	struct item *items = calloc(n + 1, sizeof *items);
	void **ptrs = calloc(n + 1, sizeof *ptrs);
	size_t i, helped, mine = 0;

	CHECK(items && ptrs);

	for (i = 0; i < n; i++) {
		atomic_store(&items[i].runs, 0);
		items[i].value = (int)i;
		items[i].slow = slow;
		ptrs[i] = &items[i];
	}
	helped = cowork_run(run_item, ptrs, n, min_split);
	for (i = 0; i < n; i++) {
		CHECK_INT(atomic_load(&items[i].runs), 1);
		CHECK_INT(items[i].value, 2 * (int)i + 1);
		if (pthread_equal(items[i].thread, pthread_self()))
			mine++;
	}
	/* the helper's count is right: the items not run here */
	CHECK_INT(helped, n - mine);
	free(items);
	free(ptrs);
	return helped;
}

static void *concurrent(void *arg)
{
	(void)arg;
	batch(1000, 64, 0);
	return NULL;
}

int main(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t sizes[] = { 0, 1, 2, 63, 64, 65, 1000, 2000 };
	size_t i, helped = 0;
	pthread_t t;
	int k;

	for (i = 0; i < sizeof sizes / sizeof *sizes; i++)
		batch(sizes[i], 64, 0);
	/* below min_split: the caller alone */
	CHECK_INT(batch(63, 64, 1), 0);
	CHECK_INT(batch(1, 1, 1), 0);
	/* a large batch of slow items: the helper takes part, beside the caller */
	atomic_store(&max_running, 0);
	for (k = 0; k < 5 && !helped; k++)
		helped = batch(200, 64, 1);
	if (cpus >= 2) {
		CHECK(helped > 0);
		CHECK(helped < 200);
		CHECK_INT(atomic_load(&max_running), 2);
	} else {
		CHECK_INT(helped, 0);
	}
	/* two callers at once: both batches complete */
	CHECK_INT(pthread_create(&t, NULL, concurrent, NULL), 0);
	for (k = 0; k < 20; k++) {
		batch(1000, 64, 0);
		batch(100, 64, 0);
	}
	pthread_join(t, NULL);
	/* stopped: alone from now on */
	cowork_stop();
	CHECK_INT(batch(200, 64, 1), 0);
	UNIT_END();
}
