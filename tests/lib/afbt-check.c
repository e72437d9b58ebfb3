/* SPDX-License-Identifier: Apache-2.0 */
/*
 * afbtest: named checks, failures, kept memory and small utilities.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "afbtest.h"
#include "afbt-internal.h"

/* ------------------------------------------------------------ kept memory */

struct kept {
	struct kept *next;
	void *ptr;
	void (*freefn)(void *);
};

static struct kept *kept_list;
static pthread_mutex_t kept_lock = PTHREAD_MUTEX_INITIALIZER;

void *afbt_keep(void *ptr, void (*freefn)(void *))
{
	struct kept *k;

	if (!ptr)
		return NULL;
	k = malloc(sizeof *k);
	if (!k) {
		fprintf(stderr, "afbtest: out of memory\n");
		abort();
	}
	k->ptr = ptr;
	k->freefn = freefn;
	pthread_mutex_lock(&kept_lock);
	k->next = kept_list;
	kept_list = k;
	pthread_mutex_unlock(&kept_lock);
	return ptr;
}

static void kept_free_all(void)
{
	struct kept *k;

	pthread_mutex_lock(&kept_lock);
	while ((k = kept_list)) {
		kept_list = k->next;
		k->freefn(k->ptr);
		free(k);
	}
	pthread_mutex_unlock(&kept_lock);
}

void *afbt_xmalloc(size_t size)
{
	void *p = calloc(1, size ? size : 1);

	if (!p) {
		fprintf(stderr, "afbtest: out of memory\n");
		abort();
	}
	return p;
}

char *afbt_strdup(const char *s)
{
	return s ? afbt_keep(strdup(s), free) : NULL;
}

char *afbt_vfmt(const char *fmt, va_list ap)
{
	char *s = NULL;

	if (vasprintf(&s, fmt, ap) < 0) {
		fprintf(stderr, "afbtest: out of memory\n");
		abort();
	}
	return afbt_keep(s, free);
}

char *afbt_fmt(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = afbt_vfmt(fmt, ap);
	va_end(ap);
	return s;
}

/* ----------------------------------------------------------------- checks */

static int in_check;
static jmp_buf check_jmp;
static pthread_t check_thread;		/* the thread running the checks */
static atomic_int thread_failed;	/* a failure in another thread */
static const char *check_name;
static int n_pass, n_fail;
static const char *filter;

void afbt_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("# ", stdout);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	fflush(stdout);
	va_end(ap);
}

void afbt_fail_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	va_start(ap, fmt);
	fprintf(stderr, "%s:%d: [%s] ", file, line, check_name ? check_name : "setup");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	fflush(stderr);
	if (!pthread_equal(pthread_self(), check_thread)) {
		/* a thread of the check: the check fails when it ends */
		if (in_check)
			atomic_store(&thread_failed, 1);
		pthread_exit(NULL);
	}
	if (in_check)
		longjmp(check_jmp, 1);
	printf("not ok - setup failed\n");
	exit(1);
}

int afbt_streq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static void cleanup(void)
{
	afbt_daemons_kill();
	afbt_tempdirs_remove();
	kept_free_all();
	curl_global_cleanup();
}

void afbt_init(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (curl_global_init(CURL_GLOBAL_ALL) != CURLE_OK) {
		fprintf(stderr, "afbtest: curl_global_init failed\n");
		exit(1);
	}
	check_thread = pthread_self();
	atexit(cleanup);
	afbt_signals_init();
	filter = argc > 1 ? argv[1] : getenv("AFBT_ONLY");
}

void afbt_run(const char *name, void (*check)(void))
{
	double t0;

	if (filter && *filter && !strstr(name, filter) && strcmp(name, "stop"))
		return;
	check_name = name;
	t0 = afbt_now();
	check_thread = pthread_self();
	atomic_store(&thread_failed, 0);
	in_check = 1;
	if (setjmp(check_jmp) == 0) {
		check();
		if (atomic_load(&thread_failed))
			longjmp(check_jmp, 1);
		in_check = 0;
		n_pass++;
		printf("ok - %s (%.2fs)\n", name, afbt_now() - t0);
	} else {
		in_check = 0;
		n_fail++;
		afbt_daemons_report();
		printf("not ok - %s (%.2fs)\n", name, afbt_now() - t0);
	}
	check_name = NULL;
}

int afbt_done(void)
{
	printf("# %d passed, %d failed\n", n_pass, n_fail);
	if (n_pass + n_fail == 0) {
		printf("# no check ran\n");
		return 1;
	}
	return n_fail ? 1 : 0;
}

/* -------------------------------------------------------------- utilities */

double afbt_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double afbt_slowness(void)
{
	const char *s = getenv("AFB_SANITIZE");

	if (!s || !*s || !strcmp(s, "none"))
		return 1;
	return strcmp(s, "thread") ? 3 : 8;
}

void afbt_raise_nofile(int need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		afbt_fail("getrlimit: %s", strerror(errno));
	/* root may raise the hard limit */
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < (rlim_t)need)
		rl.rlim_max = (rlim_t)need;
	/* the whole hard limit: the daemons started inherit it, and size their limits from it */
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		afbt_fail("this test needs %d file descriptors and can't raise the open file limit: %s", need,
			  strerror(errno));
}

void afbt_msleep(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int mkdirs(const char *path)
{
	char buf[PATH_MAX];
	char *p;

	if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
		return -1;
	for (p = buf + 1; *p; p++) {
		if (*p == '/') {
			*p = 0;
			if (mkdir(buf, 0755) < 0 && errno != EEXIST)
				return -1;
			*p = '/';
		}
	}
	return 0;
}

void afbt_write_file(const char *path, const void *data, size_t size)
{
	FILE *f;

	if (mkdirs(path) < 0)
		afbt_fail("can't create the parents of %s: %m", path);
	f = fopen(path, "w");
	if (!f)
		afbt_fail("can't create %s: %m", path);
	if (size && fwrite(data, size, 1, f) != 1) {
		fclose(f);
		afbt_fail("can't write %s: %m", path);
	}
	if (fclose(f))
		afbt_fail("can't write %s: %m", path);
}

char *afbt_read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f)
		return NULL;
	do {
		if (cap - len < 4096) {
			cap = cap ? 2 * cap : 8192;
			buf = realloc(buf, cap + 1);
			if (!buf)
				abort();
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n);
	fclose(f);
	buf[len] = 0;
	if (size)
		*size = len;
	return afbt_keep(buf, free);
}

int afbt_file_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

int afbt_dir_count(const char *path)
{
	DIR *dir = opendir(path);
	struct dirent *e;
	int n = 0;

	if (!dir)
		return -1;
	while ((e = readdir(dir)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(dir);
	return n;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	remove(path);
	return 0;
}

void afbt_rmtree(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

#define MAX_TEMPDIRS 64
static char *tempdirs[MAX_TEMPDIRS];
static int n_tempdirs;

char *afbt_mkdtemp(void)
{
	const char *tmp = getenv("TMPDIR");
	char *dir;

	dir = afbt_fmt("%s/afbt-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		afbt_fail("mkdtemp(%s): %m", dir);
	if (n_tempdirs < MAX_TEMPDIRS)
		tempdirs[n_tempdirs++] = dir;
	return dir;
}

const char *afbt_tempdir(void)
{
	return afbt_mkdtemp();
}

void afbt_tempdirs_remove(void)
{
	while (n_tempdirs)
		afbt_rmtree(tempdirs[--n_tempdirs]);
}

unsigned long long afbt_fnv1a64(const void *data, size_t size)
{
	const unsigned char *p = data;
	unsigned long long h = 0xcbf29ce484222325ULL;

	while (size--) {
		h ^= *p++;
		h *= 0x100000001b3ULL;
	}
	return h;
}
