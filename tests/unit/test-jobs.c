/* SPDX-License-Identifier: Apache-2.0 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
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
	UNIT_END();
}
