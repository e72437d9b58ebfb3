/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "jobs.h"
#include "unit.h"

static atomic_int ran, in_group, max_in_group;
static int group;

static void grouped(int signum, void *arg)
{
	int n = atomic_fetch_add(&in_group, 1) + 1;
	if (n > atomic_load(&max_in_group))
		atomic_store(&max_in_group, n);
	usleep(2000);
	atomic_fetch_sub(&in_group, 1);
	atomic_fetch_add(&ran, 1);
	jobs_wakeup();
}

static int reached(void *closure) { return atomic_load(&ran) >= *(int *)closure; }

/* a job that waits for a job it queued itself: must not deadlock with one worker */
struct nested { atomic_int done; };
static void inner(int signum, void *arg) { atomic_store(&((struct nested *)arg)->done, 1); jobs_wakeup(); }
static int inner_done(void *arg) { return atomic_load(&((struct nested *)arg)->done); }
static void outer(int signum, void *arg)
{
	struct nested n;
	atomic_init(&n.done, 0);
	jobs_queue(NULL, 0, inner, &n);
	jobs_wait(inner_done, &n);
	atomic_fetch_add(&ran, 1);
	jobs_wakeup();
}

/* fair share: lanes are served round-robin and bounded */
static atomic_int gate, order_n;
static int order[64];
static void gated(int signum, void *arg)
{
	while (!atomic_load(&gate))
		usleep(1000);
}
static void record(int signum, void *arg)
{
	int n = atomic_fetch_add(&order_n, 1);
	if (n < 64)
		order[n] = (int)(long)arg;
	atomic_fetch_add(&ran, 1);
	jobs_wakeup();
}

/* an entry embedded in an object that its own callback frees */
struct owned { struct jobs_entry entry; int value; };
static void free_owner(int signum, void *arg)
{
	struct owned *o = arg;

	if (!signum && o->value == 42)
		atomic_fetch_add(&ran, 1);
	free(o);
	jobs_wakeup();
}

static void test_entries(void)
{
	struct jobs_lane lane;
	int i, want;

	memset(&lane, 0, sizeof lane);
	CHECK_INT(jobs_start(2, 100), 0);
	atomic_store(&ran, 0);
	for (i = 0; i < 50; i++) {
		struct owned *o = calloc(1, sizeof *o);
		o->value = 42;
		CHECK_INT(jobs_queue_entry(i % 2 ? &lane : NULL, &o->entry, NULL, 0, free_owner, o), 0);
	}
	want = 50;
	jobs_wait(reached, &want);
	CHECK_INT(atomic_load(&ran), 50);
	jobs_stop(0);
}

static void test_lanes(void)
{
	struct jobs_lane a, b;
	int i, want, pos_b = -1;

	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	CHECK_INT(jobs_start(1, 1000), 0);
	atomic_store(&ran, 0);
	atomic_store(&gate, 0);
	/* the only worker is held: everything below waits in the queue */
	CHECK_INT(jobs_queue_lane(&a, NULL, 0, gated, NULL), 0);
	usleep(20000);
	for (i = 0; i < 30; i++)
		CHECK_INT(jobs_queue_lane(&a, NULL, 0, record, (void *)1L), 0);
	CHECK_INT(jobs_queue_lane(&b, NULL, 0, record, (void *)2L), 0);
	atomic_store(&gate, 1);
	want = 31;
	jobs_wait(reached, &want);
	for (i = 0; i < 31; i++)
		if (order[i] == 2)
			pos_b = i;
	/* b's only job goes right after one job of the flooding lane a */
	CHECK(pos_b >= 0 && pos_b <= 1);

	/* a lane holds at most its quota; the default lane is not bounded by it */
	CHECK_INT(jobs_set_max_per_lane(5), 0);
	atomic_store(&gate, 0);
	atomic_store(&ran, 0);
	CHECK_INT(jobs_queue(NULL, 0, gated, NULL), 0);
	usleep(20000);
	for (i = 0; i < 5; i++)
		CHECK_INT(jobs_queue_lane(&a, NULL, 0, record, (void *)1L), 0);
	CHECK_INT(jobs_queue_lane(&a, NULL, 0, record, (void *)1L), -EDQUOT);
	CHECK_INT(jobs_queue_lane(&b, NULL, 0, record, (void *)2L), 0);
	for (i = 0; i < 10; i++)
		CHECK_INT(jobs_queue(NULL, 0, record, (void *)3L), 0);
	atomic_store(&gate, 1);
	want = 16;
	jobs_wait(reached, &want);
	CHECK_INT(jobs_set_max_per_lane(0), 0);
	jobs_stop(0);
}

int main(void)
{
	int i, want;

	CHECK_INT(jobs_start(1, 100), 0);
	/* nested wait on a single worker */
	atomic_store(&ran, 0);
	jobs_queue(NULL, 0, outer, NULL);
	want = 1;
	jobs_wait(reached, &want);
	CHECK_INT(atomic_load(&ran), 1);
	jobs_stop(0);

	CHECK_INT(jobs_start(3, 20), 0);
	atomic_store(&ran, 0);
	for (i = 0; i < 10; i++)
		CHECK_INT(jobs_queue(&group, 0, grouped, NULL), 0);
	want = 10;
	jobs_wait(reached, &want);
	CHECK_INT(atomic_load(&max_in_group), 1);	/* one group: one at a time */

	/* the queue is bounded */
	atomic_store(&ran, 0);
	{
		int refused = 0, queued = 0;
		for (i = 0; i < 200; i++) {
			if (jobs_queue(&group, 0, grouped, NULL) == 0)
				queued++;
			else
				refused++;
		}
		CHECK(refused > 0);
		want = queued;
		jobs_wait(reached, &want);
	}
	jobs_stop(0);
	test_lanes();
	test_entries();
	UNIT_END();
}
