/* SPDX-License-Identifier: Apache-2.0 */
/*
 * heapcount: an LD_PRELOAD library counting the heap operations of a
 * process (scripts/bench calls: heap operations per call).
 *
 *   HEAPCOUNT_OUT=FILE LD_PRELOAD=build/bench/libheapcount.so PROGRAM ...
 *   kill -USR2 PID     # appends "malloc M calloc C realloc R free F memalign A" to FILE
 *
 * The counts are totals since the start: the difference of two lines is
 * what the process did between them. free(NULL) is not counted (it is no
 * heap operation). The allocators are glibc's own (__libc_*), so nothing
 * else changes in the process.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *ptr, size_t size);
extern void __libc_free(void *ptr);
extern void *__libc_memalign(size_t align, size_t size);

static atomic_ulong n_malloc, n_calloc, n_realloc, n_free, n_memalign;
static int out_fd = -1;

void *malloc(size_t size)
{
	atomic_fetch_add_explicit(&n_malloc, 1, memory_order_relaxed);
	return __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
	atomic_fetch_add_explicit(&n_calloc, 1, memory_order_relaxed);
	return __libc_calloc(n, size);
}

void *realloc(void *ptr, size_t size)
{
	atomic_fetch_add_explicit(&n_realloc, 1, memory_order_relaxed);
	return __libc_realloc(ptr, size);
}

void free(void *ptr)
{
	if (ptr)
		atomic_fetch_add_explicit(&n_free, 1, memory_order_relaxed);
	__libc_free(ptr);
}

void *memalign(size_t align, size_t size)
{
	atomic_fetch_add_explicit(&n_memalign, 1, memory_order_relaxed);
	return __libc_memalign(align, size);
}

void *aligned_alloc(size_t align, size_t size)
{
	return memalign(align, size);
}

int posix_memalign(void **ptr, size_t align, size_t size)
{
	void *p = memalign(align, size);

	if (!p)
		return ENOMEM;
	*ptr = p;
	return 0;
}

/* async-signal-safe: formats with no library call */
static char *put_num(char *p, unsigned long v)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *put_str(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	return p;
}

static void on_usr2(int sig)
{
	char line[256], *p = line;
	int saved = errno;

	p = put_str(p, "malloc ");
	p = put_num(p, atomic_load(&n_malloc));
	p = put_str(p, " calloc ");
	p = put_num(p, atomic_load(&n_calloc));
	p = put_str(p, " realloc ");
	p = put_num(p, atomic_load(&n_realloc));
	p = put_str(p, " free ");
	p = put_num(p, atomic_load(&n_free));
	p = put_str(p, " memalign ");
	p = put_num(p, atomic_load(&n_memalign));
	*p++ = '\n';
	if (out_fd >= 0 && write(out_fd, line, (size_t)(p - line)) < 0)
		errno = saved;
	errno = saved;
}

__attribute__((constructor)) static void heapcount_init(void)
{
	struct sigaction sa;
	const char *out = getenv("HEAPCOUNT_OUT");

	if (!out)
		return;
	out_fd = open(out, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr2;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR2, &sa, NULL);
}
