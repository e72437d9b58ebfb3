#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "jobs.h"
#include "verbose.h"

struct job {
	struct job *next;
	const void *group;
	void (*callback)(int signum, void *arg);
	void *arg;
	time_t deadline;	/* 0: none */
};

/* groups currently running, to serialize jobs of one group */
struct busy_group {
	struct busy_group *next;
	const void *group;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work_cond = PTHREAD_COND_INITIALIZER;	/* idle workers */
static pthread_cond_t wait_cond = PTHREAD_COND_INITIALIZER;	/* threads in jobs_wait */
static struct job *head, **tail = &head;
static struct busy_group *busy;
static pthread_t *threads;
static int nthreads, pending, max_pending, waiters, stopping;

static int group_is_busy(const void *group)
{
	struct busy_group *b;

	for (b = busy; b; b = b->next)
		if (b->group == group)
			return 1;
	return 0;
}

/* Unlinks the first runnable job. Lock held. */
static struct job *pick_job(void)
{
	struct job **prev, *job;

	for (prev = &head; (job = *prev) != NULL; prev = &job->next) {
		if (job->group && group_is_busy(job->group))
			continue;
		*prev = job->next;
		if (tail == &job->next)
			tail = prev;
		pending--;
		return job;
	}
	return NULL;
}

/* Runs 'job' with the lock released. Lock held on entry and exit. */
static void run_job(struct job *job)
{
	struct busy_group mark = { .group = job->group };
	struct busy_group **b;
	int signum = 0;

	if (job->group) {
		mark.next = busy;
		busy = &mark;
	}
	if (job->deadline && time(NULL) > job->deadline)
		signum = SIGALRM;
	pthread_mutex_unlock(&lock);
	job->callback(signum, job->arg);
	free(job);
	pthread_mutex_lock(&lock);
	if (mark.group) {
		for (b = &busy; *b != &mark; b = &(*b)->next);
		*b = mark.next;
		/* jobs of this group may now run */
		if (head)
			pthread_cond_signal(&work_cond);
		if (waiters)
			pthread_cond_broadcast(&wait_cond);
	}
}

static void *worker_main(void *arg)
{
	struct job *job;

	pthread_mutex_lock(&lock);
	while (!stopping) {
		job = pick_job();
		if (job)
			run_job(job);
		else
			pthread_cond_wait(&work_cond, &lock);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

int jobs_start(int count, int maxpending)
{
	int i, rc;

	if (threads)
		return -EALREADY;
	if (count < 1 || maxpending < 1)
		return -EINVAL;
	threads = calloc((size_t)count, sizeof *threads);
	if (!threads)
		return -ENOMEM;
	max_pending = maxpending;
	stopping = 0;
	for (i = 0; i < count; i++) {
		rc = pthread_create(&threads[i], NULL, worker_main, NULL);
		if (rc) {
			LOGE("jobs: can't create thread: %s", strerror(rc));
			break;
		}
	}
	nthreads = i;
	return nthreads ? 0 : -rc;
}

void jobs_stop(void)
{
	struct job *job;
	int i;

	pthread_mutex_lock(&lock);
	stopping = 1;
	pthread_cond_broadcast(&work_cond);
	pthread_cond_broadcast(&wait_cond);
	pthread_mutex_unlock(&lock);
	for (i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	free(threads);
	threads = NULL;
	nthreads = 0;

	/* what never ran is told so, that its owner releases it */
	pthread_mutex_lock(&lock);
	while ((job = head) != NULL) {
		head = job->next;
		pending--;
		pthread_mutex_unlock(&lock);
		job->callback(SIGTERM, job->arg);
		free(job);
		pthread_mutex_lock(&lock);
	}
	tail = &head;
	pthread_mutex_unlock(&lock);
}

int jobs_queue(const void *group, int timeout, void (*callback)(int signum, void *arg), void *arg)
{
	struct job *job;

	job = malloc(sizeof *job);
	if (!job)
		return -ENOMEM;
	job->next = NULL;
	job->group = group;
	job->callback = callback;
	job->arg = arg;
	job->deadline = timeout > 0 ? time(NULL) + timeout : 0;

	pthread_mutex_lock(&lock);
	if (pending >= max_pending || stopping) {
		pthread_mutex_unlock(&lock);
		free(job);
		return -EBUSY;
	}
	*tail = job;
	tail = &job->next;
	pending++;
	pthread_cond_signal(&work_cond);
	if (waiters)
		pthread_cond_broadcast(&wait_cond);
	pthread_mutex_unlock(&lock);
	return 0;
}

void jobs_wait(int (*done)(void *closure), void *closure)
{
	struct job *job;

	pthread_mutex_lock(&lock);
	while (!done(closure)) {
		/*
		 * Helping instead of sleeping: the job we wait for may be
		 * queued behind us, and every worker may be waiting too.
		 */
		job = pick_job();
		if (job) {
			run_job(job);
		} else {
			waiters++;
			pthread_cond_wait(&wait_cond, &lock);
			waiters--;
		}
	}
	pthread_mutex_unlock(&lock);
}

void jobs_wakeup(void)
{
	pthread_mutex_lock(&lock);
	if (waiters)
		pthread_cond_broadcast(&wait_cond);
	pthread_mutex_unlock(&lock);
}
