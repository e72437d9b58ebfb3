/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The CPU time limit of loading bindings (cpulimit.h): a watchdog thread
 * sleeping on a condition variable for the CPU time left (wall-clock time
 * passes at least as fast as the thread's CPU time), then reading the
 * watched thread's CPU clock again.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cpulimit.h"
#include "verbose.h"

static int limit = 60;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond;
static pthread_t watchdog;
static int armed;
static clockid_t clock_of_thread;
static struct timespec start;
static const char *what_binding, *what_code;

void cpulimit_set(int seconds)
{
	limit = seconds < 0 ? 0 : seconds;
}

static double elapsed(const struct timespec *from, const struct timespec *to)
{
	return (double)(to->tv_sec - from->tv_sec) + (double)(to->tv_nsec - from->tv_nsec) / 1e9;
}

static void *watch(void *arg)
{
	struct timespec now, until;
	double used, left;

	(void)arg;
	pthread_mutex_lock(&lock);
	while (armed) {
		if (clock_gettime(clock_of_thread, &now) < 0)
			break;	/* the thread is gone: nothing to watch */
		used = elapsed(&start, &now);
		if (used >= limit) {
			LOGE("binding %s: its %s used more than %d s of CPU time (--load-timeout): the daemon gives up",
			     what_binding, what_code, limit);
			_exit(1);
		}
		left = limit - used;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += (time_t)left;
		until.tv_nsec += (long)((left - (double)(time_t)left) * 1e9) + 10000000;	/* + 10 ms */
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec += until.tv_nsec / 1000000000;
			until.tv_nsec %= 1000000000;
		}
		pthread_cond_timedwait(&cond, &lock, &until);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

static void init_cond(void)
{
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&cond, &attr);
	pthread_condattr_destroy(&attr);
}

int cpulimit_begin(const char *binding, const char *what)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	int rc;

	if (!limit)
		return 0;
	pthread_once(&once, init_cond);
	rc = pthread_getcpuclockid(pthread_self(), &clock_of_thread);
	if (rc == 0 && clock_gettime(clock_of_thread, &start) < 0)
		rc = errno;
	if (rc == 0) {
		what_binding = binding;
		what_code = what;
		armed = 1;
		rc = pthread_create(&watchdog, NULL, watch, NULL);
		if (rc)
			armed = 0;
	}
	if (rc)
		LOGW("binding %s: no CPU time limit for its %s: %s", binding, what, strerror(rc));
	return -rc;
}

void cpulimit_end(void)
{
	pthread_mutex_lock(&lock);
	if (!armed) {
		pthread_mutex_unlock(&lock);
		return;
	}
	armed = 0;
	pthread_cond_signal(&cond);
	pthread_mutex_unlock(&lock);
	pthread_join(watchdog, NULL);
}
