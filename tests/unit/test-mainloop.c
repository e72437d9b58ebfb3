/* SPDX-License-Identifier: Apache-2.0 */
/*
 * binder/core/mainloop: posts run on the loop in order, from any thread,
 * with or without allocation; a job of the loop's leader that posts and
 * then blocks (not in jobs_wait) gets its posts run by the follower that
 * takes the loop over; what the loop's thread posts while it dispatches
 * runs right after that dispatch, before the loop prepares its next wait;
 * a leader's job that blocks, started after the pool was idle long enough
 * for the watchdog to sleep, still gets the loop taken over (an input is
 * served meanwhile, not after the job); soon work runs once per arming,
 * in arming order, in the turn it was armed in, or the next one when armed
 * by soon work; a cancelled one never runs; soon work that re-arms itself
 * at every turn does not keep an input from being served (an sd-event
 * defer source does: it keeps the place it got when first enabled); the
 * jobs' watchdog goes to sleep a few milliseconds after the last job (it
 * lingered 100 ms, waking every millisecond).
 */
#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "jobs.h"
#include "mainloop.h"
#include "unit.h"

/* ---- order ---- */

static int order[100], order_n;
static atomic_int on_main;

static void record(void *arg)
{
	if (mainloop_is_main())
		atomic_fetch_add(&on_main, 1);
	if (order_n < 100)
		order[order_n++] = (int)(intptr_t)arg;
}

struct item {
	struct mainloop_item item;
	int value;
};

static void record_item(struct mainloop_item *it)
{
	record((void *)(intptr_t)((struct item *)it)->value);
}

static atomic_int flag;

static void set_flag(void *arg)
{
	atomic_store(&flag, 1);
}

static int flag_set(void *arg)
{
	return atomic_load(&flag);
}

/* ---- a leader's job that posts, then blocks outside jobs_wait ---- */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int posted_ran, job_saw;

static void posted(void *arg)
{
	pthread_mutex_lock(&lock);
	posted_ran = 1;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
}

static void blocking_job(int signum, void *arg)
{
	struct timespec ts;
	int i;

	/* several posts: the first is seen at takeover, the later ones after it */
	for (i = 0; i < 2; i++) {
		pthread_mutex_lock(&lock);
		posted_ran = 0;
		pthread_mutex_unlock(&lock);
		mainloop_post(posted, NULL);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 5;
		pthread_mutex_lock(&lock);
		while (!posted_ran && pthread_cond_timedwait(&cond, &lock, &ts) == 0);
		job_saw += posted_ran;
		pthread_mutex_unlock(&lock);
	}
	mainloop_post(set_flag, NULL);
}

/* posted from the test thread: on the loop, queues a job the leader runs after this dispatch */
static void start_blocking_job(void *arg)
{
	jobs_queue(NULL, 0, blocking_job, NULL);
}

/* ---- a post made by a dispatch ---- */

static int prepares, prepares_at_post = -1, post_saw = -1;

static int on_prepare(sd_event_source *s, void *userdata)
{
	prepares++;
	return 0;
}

static void after_dispatch(void *arg)
{
	post_saw = prepares;
	set_flag(NULL);
}

static int on_pipe(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	char c;

	if (read(fd, &c, 1) == 1) {
		prepares_at_post = prepares;
		mainloop_post(after_dispatch, NULL);
	}
	return 0;
}

/* ---- a blocking job after an idle time: the input waits for ~1 ms, not for the job ---- */

static atomic_llong served_at, job_end;

static int on_input(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	char c;

	if (read(fd, &c, 1) == 1)
		atomic_store(&served_at, unit_now_ms());
	return 0;
}

static void sleeping_job(int signum, void *arg)
{
	usleep(400000);
	atomic_store(&job_end, unit_now_ms());
}

static void start_sleeping_job(void *arg)
{
	jobs_queue(NULL, 0, sleeping_job, NULL);
}

static void stop_loop(void *arg)
{
	mainloop_exit(0);
}

/* ---- soon work ---- */

static struct mainloop_soon sa, sb, sc, sd, spin;
static char seq_name[16];
static int seq_turn[16], seq_n, seq_once = 1;
static atomic_int spin_runs, spin_stop, spin_at_input = -1;

static void on_seq(struct mainloop_soon *s)
{
	if (seq_n < 16) {
		seq_name[seq_n] = s == &sa ? 'a' : s == &sb ? 'b' : s == &sc ? 'c' : 'd';
		seq_turn[seq_n++] = prepares;
	}
	if (s == &sa && seq_once) {
		seq_once = 0;
		mainloop_soon(&sc);
		mainloop_soon(&sa);
	}
	if (seq_n == 4)
		set_flag(NULL);
}

/* on the loop: what ran since (a fifth run would be a bug) */
static atomic_int seq_final = -1;

static void seq_snapshot(void *arg)
{
	atomic_store(&seq_final, seq_n);
	set_flag(NULL);
}

static void arm_seq(void *arg)
{
	mainloop_soon(&sa);
	mainloop_soon(&sb);
	mainloop_soon(&sd);
	mainloop_soon(&sb);
	mainloop_soon_cancel(&sd);
}

static void on_spin(struct mainloop_soon *s)
{
	atomic_fetch_add(&spin_runs, 1);
	if (!atomic_load(&spin_stop))
		mainloop_soon(s);
}

static void start_spin(void *arg)
{
	mainloop_soon(&spin);
}

static int on_spin_input(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	char c;

	if (read(fd, &c, 1) == 1) {
		atomic_store(&spin_at_input, atomic_load(&spin_runs));
		atomic_store(&spin_stop, 1);
		set_flag(NULL);
	}
	return 0;
}

static void *loop_thread(void *arg)
{
	mainloop_run();
	return NULL;
}

static void wait_flag(void)
{
	UNIT_WAIT(flag_set(NULL), 10000);
}

/* ---- the watchdog at rest ---- */

/* The voluntary context switches of this process's thread named 'name' (-1: none). */
static long thread_switches(const char *name)
{
	char path[64], line[128];
	struct dirent *d;
	long n = -1;
	DIR *dir = opendir("/proc/self/task");
	FILE *f;

	while (dir && n < 0 && (d = readdir(dir)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "/proc/self/task/%.16s/comm", d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(line, sizeof line, f) && strncmp(line, name, strlen(name)) == 0 && line[strlen(name)] == '\n') {
			fclose(f);
			snprintf(path, sizeof path, "/proc/self/task/%.16s/status", d->d_name);
			f = fopen(path, "r");
			while (f && fgets(line, sizeof line, f))
				if (sscanf(line, "voluntary_ctxt_switches: %ld", &n) == 1)
					break;
		}
		if (f)
			fclose(f);
	}
	if (dir)
		closedir(dir);
	return n;
}

static void short_job(int signum, void *arg)
{
	set_flag(NULL);
}

static void start_short_job(void *arg)
{
	jobs_queue(NULL, 0, short_job, NULL);
}

int main(void)
{
	struct item items[10];
	sd_event_source *source = NULL, *input = NULL, *spin_input = NULL;
	pthread_t th;
	int64_t start;
	int i, fds[2], fds2[2], fds3[2];

	CHECK_INT(mainloop_init(), 0);
	CHECK_INT(pipe(fds), 0);
	CHECK(sd_event_add_io(mainloop_event(), &source, fds[0], EPOLLIN, on_pipe, NULL) >= 0);
	CHECK(sd_event_source_set_prepare(source, on_prepare) >= 0);
	CHECK_INT(pipe(fds2), 0);
	CHECK(sd_event_add_io(mainloop_event(), &input, fds2[0], EPOLLIN, on_input, NULL) >= 0);
	CHECK_INT(pipe(fds3), 0);
	CHECK(sd_event_add_io(mainloop_event(), &spin_input, fds3[0], EPOLLIN, on_spin_input, NULL) >= 0);
	mainloop_soon_init(&sa, on_seq);
	mainloop_soon_init(&sb, on_seq);
	mainloop_soon_init(&sc, on_seq);
	mainloop_soon_init(&sd, on_seq);
	mainloop_soon_init(&spin, on_spin);
	CHECK_INT(jobs_start(2, 100), 0);
	pthread_create(&th, NULL, loop_thread, NULL);

	/* in order, allocated and embedded posts mixed */
	for (i = 0; i < 20; i++) {
		if (i % 2) {
			items[i / 2].item.run = record_item;
			items[i / 2].value = i;
			mainloop_post_item(&items[i / 2].item);
		} else {
			CHECK_INT(mainloop_post(record, (void *)(intptr_t)i), 0);
		}
	}
	mainloop_post(set_flag, NULL);
	wait_flag();
	CHECK_INT(order_n, 20);
	for (i = 0; i < 20; i++)
		CHECK_INT(order[i], i);
	CHECK_INT(atomic_load(&on_main), 20);

	/*
	 * The watchdog after a job of the leader: asleep within a few
	 * milliseconds, not waking every millisecond for 100 ms.
	 */
	atomic_store(&flag, 0);
	mainloop_post(start_short_job, NULL);
	wait_flag();
	CHECK(flag_set(NULL));
	usleep(30000);
	{
		long before = thread_switches("afb-watchdog"), after;

		CHECK(before >= 0);
		usleep(100000);
		after = thread_switches("afb-watchdog");
		CHECK(after - before <= 5);	/* 100 with the old linger */
	}

	/* the blocking job: its posts run meanwhile (not 5 s later) */
	atomic_store(&flag, 0);
	start = unit_now_ms();
	mainloop_post(start_blocking_job, NULL);
	wait_flag();
	CHECK(flag_set(NULL));
	CHECK_INT(job_saw, 2);
	CHECK(unit_now_ms() - start < 2000);

	/* posted by a dispatch: run before the loop prepares its next wait (no eventfd round) */
	atomic_store(&flag, 0);
	CHECK_INT(write(fds[1], "x", 1), 1);
	wait_flag();
	CHECK(flag_set(NULL));
	CHECK(prepares_at_post >= 0);
	CHECK_INT(post_saw, prepares_at_post);

	/* soon work: in order, once per arming, re-armed by itself in the next turn; cancelled: never */
	atomic_store(&flag, 0);
	mainloop_post(arm_seq, NULL);
	wait_flag();
	CHECK(flag_set(NULL));
	usleep(20000);
	atomic_store(&flag, 0);
	mainloop_post(seq_snapshot, NULL);
	wait_flag();
	CHECK_INT(atomic_load(&seq_final), 4);
	CHECK(seq_name[0] == 'a' && seq_name[1] == 'b' && seq_name[2] == 'c' && seq_name[3] == 'a');
	CHECK_INT(seq_turn[1], seq_turn[0]);
	CHECK_INT(seq_turn[2], seq_turn[0] + 1);
	CHECK_INT(seq_turn[3], seq_turn[0] + 1);

	/* soon work re-armed at every turn: an input is still served at once */
	atomic_store(&flag, 0);
	mainloop_post(start_spin, NULL);
	start = unit_now_ms();
	UNIT_WAIT(atomic_load(&spin_runs) >= 1000, 5000);
	CHECK(atomic_load(&spin_runs) >= 1000);
	start = unit_now_ms();
	CHECK_INT(write(fds3[1], "x", 1), 1);
	wait_flag();
	CHECK(flag_set(NULL));
	CHECK(unit_now_ms() - start < 1000);
	CHECK(atomic_load(&spin_at_input) >= 1000);

	/* idle long enough for the watchdog to sleep, then a job that blocks */
	usleep(300000);
	mainloop_post(start_sleeping_job, NULL);
	usleep(50000);
	start = unit_now_ms();
	CHECK_INT(write(fds2[1], "x", 1), 1);
	UNIT_WAIT(atomic_load(&job_end), 5000);
	CHECK(atomic_load(&served_at) != 0);
	/* taken over after ~1 ms: served long before the job's end (400 ms after its start) */
	CHECK(atomic_load(&served_at) < atomic_load(&job_end) - 100);

	mainloop_post(stop_loop, NULL);
	pthread_join(th, NULL);
	sd_event_source_disable_unref(spin_input);
	close(fds3[0]);
	close(fds3[1]);
	sd_event_source_disable_unref(input);
	close(fds2[0]);
	close(fds2[1]);
	sd_event_source_disable_unref(source);
	close(fds[0]);
	close(fds[1]);
	jobs_stop(0);
	mainloop_cleanup();
	UNIT_END();
}
