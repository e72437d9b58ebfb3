/* SPDX-License-Identifier: Apache-2.0 */
/*
 * binder/core/subloop: a binding's nested loop whose work is always
 * pending (a defer source of the binding that re-arms itself at each of
 * its runs) runs once per turn of the daemon's loop and does not keep
 * the daemon's own sources waiting: an input of the daemon's loop is
 * served at once. (The nested loop's pending work used to be run by a
 * defer source of the daemon's loop, re-enabled at every turn: it went
 * before every other source, and the input waited as long as the
 * binding's work went on.)
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>
#include "fault.h"
#include "jobs.h"
#include "mainloop.h"
#include "subloop.h"
#include "unit.h"

static const struct fault_site site = { "test-subloop", "test" };
static atomic_int spins, spins_at_input, stop, input_served;

/* the binding's work: never done */
static int on_spin(sd_event_source *s, void *userdata)
{
	atomic_fetch_add(&spins, 1);
	if (!atomic_load(&stop))
		sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
	return 0;
}

/* an input of the daemon's loop */
static int on_input(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	char c;

	if (read(fd, &c, 1) == 1) {
		atomic_store(&spins_at_input, atomic_load(&spins));
		atomic_store(&input_served, 1);
	}
	return 0;
}

static struct subloop *sl;
static sd_event_source *spin;
static atomic_int setup_rc = 1;

/* as a binding's init does: before the loop runs (subloop.h) */
static void setup(void)
{
	int rc = sd_event_add_defer(subloop_event(sl), &spin, on_spin, NULL);

	atomic_store(&setup_rc, rc < 0 ? rc : 0);
}

static void stop_loop(void *arg)
{
	mainloop_exit(0);
}

static void *loop_thread(void *arg)
{
	mainloop_run();
	return NULL;
}

int main(void)
{
	sd_event_source *input = NULL;
	pthread_t th;
	int64_t start;
	int fds[2];

	CHECK_INT(mainloop_init(), 0);
	CHECK_INT(subloop_new(&sl, &site), 0);
	CHECK_INT(pipe(fds), 0);
	CHECK(sd_event_add_io(mainloop_event(), &input, fds[0], EPOLLIN, on_input, NULL) >= 0);
	setup();
	CHECK_INT(atomic_load(&setup_rc), 0);
	CHECK_INT(jobs_start(2, 100), 0);
	pthread_create(&th, NULL, loop_thread, NULL);

	start = unit_now_ms();
	UNIT_WAIT(atomic_load(&spins) >= 1000, 5000);
	CHECK(atomic_load(&spins) >= 1000);

	/* served at once, while the binding's work goes on */
	start = unit_now_ms();
	CHECK_INT(write(fds[1], "x", 1), 1);
	UNIT_WAIT(atomic_load(&input_served), 5000);
	CHECK(atomic_load(&input_served));
	CHECK(unit_now_ms() - start < 1000);
	CHECK(atomic_load(&spins_at_input) >= 1000);

	atomic_store(&stop, 1);
	mainloop_post(stop_loop, NULL);
	pthread_join(th, NULL);
	sd_event_source_disable_unref(input);
	close(fds[0]);
	close(fds[1]);
	sd_event_source_disable_unref(spin);
	subloop_free(sl);
	jobs_stop(0);
	mainloop_cleanup();
	UNIT_END();
}
