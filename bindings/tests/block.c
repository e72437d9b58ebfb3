/* SPDX-License-Identifier: Apache-2.0 */
/*
 * block: test binding that holds worker threads, for the tests of the
 * worker pool, of the queue limits and of --apitimeout.
 *
 *  - wait: blocks its worker thread until release is called, or until
 *    arg ms milliseconds passed (default 30000, 0: no limit) when it fails
 *    with "timeout"; replies {"waited":<ms>} when released;
 *  - release: releases every blocked wait, replies {"released":<count>};
 *  - waiting: replies {"waiting":<count of blocked waits>};
 *  - slow: blocks its worker arg ms milliseconds (default 2000), replies {"ms":ms};
 *  - late: returns at once but replies {"ms":ms} from another thread after
 *    arg ms milliseconds (default 2000). When the daemon already replied
 *    "timeout", that late reply must be refused safely.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include <json-c/json.h>
#include <afb/afb-binding.h>

static const struct afb_binding_interface *afbitf;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond;		/* on CLOCK_MONOTONIC, see afbBindingV1Register */
static unsigned long generation;	/* incremented by release */
static int waiting;			/* count of blocked waits */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* reads arg ms (0..3600000, default 'dflt'); -1 after replying a failure */
static int arg_ms(struct afb_req req, long dflt, long *ms)
{
	const char *text = afb_req_value(req, "ms");
	char *end;
	long v;

	if (text == NULL) {
		*ms = dflt;
		return 0;
	}
	errno = 0;
	v = strtol(text, &end, 10);
	if (errno != 0 || end == text || *end != 0 || v < 0 || v > 3600000) {
		afb_req_fail(req, "invalid-request", "argument 'ms' must be an integer in 0..3600000");
		return -1;
	}
	*ms = v;
	return 0;
}

static struct json_object *int_object(const char *key, int64_t value)
{
	struct json_object *obj = json_object_new_object();

	json_object_object_add(obj, key, json_object_new_int64(value));
	return obj;
}

static void wait(struct afb_req req)
{
	struct timespec deadline;
	unsigned long gen;
	int64_t start = now_ms();
	long ms;
	int rc = 0;

	if (arg_ms(req, 30000, &ms) < 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += ms / 1000;
	deadline.tv_nsec += (ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}

	pthread_mutex_lock(&lock);
	gen = generation;
	waiting++;
	while (gen == generation && rc != ETIMEDOUT)
		rc = ms == 0 ? pthread_cond_wait(&cond, &lock) : pthread_cond_timedwait(&cond, &lock, &deadline);
	waiting--;
	pthread_mutex_unlock(&lock);

	if (gen == generation)
		afb_req_fail_f(req, "timeout", "not released within %ld ms", ms);
	else
		afb_req_success(req, int_object("waited", now_ms() - start), NULL);
}

static void release(struct afb_req req)
{
	int count;

	pthread_mutex_lock(&lock);
	count = waiting;
	generation++;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	afb_req_success(req, int_object("released", count), NULL);
}

static void waiting_verb(struct afb_req req)
{
	int count;

	pthread_mutex_lock(&lock);
	count = waiting;
	pthread_mutex_unlock(&lock);
	afb_req_success(req, int_object("waiting", count), NULL);
}

static void slow(struct afb_req req)
{
	long ms;

	if (arg_ms(req, 2000, &ms) < 0)
		return;
	sleep_ms(ms);
	afb_req_success(req, int_object("ms", ms), NULL);
}

struct late {
	struct afb_req req;
	long ms;
};

static void *late_thread(void *arg)
{
	struct late *late = arg;

	sleep_ms(late->ms);
	afb_req_success(late->req, int_object("ms", late->ms), "late reply");
	afb_req_unref(late->req);
	free(late);
	return NULL;
}

static void late(struct afb_req req)
{
	struct late *late;
	pthread_attr_t attr;
	pthread_t tid;
	long ms;
	int rc;

	if (arg_ms(req, 2000, &ms) < 0)
		return;
	late = malloc(sizeof *late);
	if (late == NULL) {
		afb_req_fail(req, "failed", "out of memory");
		return;
	}
	late->req = req;
	late->ms = ms;
	afb_req_addref(req);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&tid, &attr, late_thread, late);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		afb_req_fail(req, "failed", "can't start a thread");
		afb_req_unref(req);
		free(late);
	}
}

static const struct afb_verb_desc_v1 binding_methods[] = {
	{ .name = "wait",    .session = AFB_SESSION_NONE, .callback = wait,         .info = "Blocks until release (arg ms: limit)" },
	{ .name = "release", .session = AFB_SESSION_NONE, .callback = release,      .info = "Releases the blocked waits" },
	{ .name = "waiting", .session = AFB_SESSION_NONE, .callback = waiting_verb, .info = "Count of blocked waits" },
	{ .name = "slow",    .session = AFB_SESSION_NONE, .callback = slow,         .info = "Blocks arg ms (default 2000) then replies" },
	{ .name = "late",    .session = AFB_SESSION_NONE, .callback = late,         .info = "Replies from a thread after arg ms (default 2000)" },
	{ .name = NULL }
};

static const struct afb_binding binding_description = {
	.type = AFB_BINDING_VERSION_1,
	.v1 = {
		.prefix = "block",
		.info = "Test binding blocking worker threads",
		.methods = binding_methods
	}
};

const struct afb_binding *afbBindingV1Register(const struct afb_binding_interface *itf)
{
	pthread_condattr_t attr;

	afbitf = itf;
	if (pthread_condattr_init(&attr) != 0)
		return NULL;
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (pthread_cond_init(&cond, &attr) != 0) {
		pthread_condattr_destroy(&attr);
		return NULL;
	}
	pthread_condattr_destroy(&attr);
	return &binding_description;
}
