/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "verbose.h"

int verbosity = 1;
void (*verbose_observer)(int level, const char *file, int line, const char *func, const char *fmt,
			 va_list args);

static const char *const prefixes[8] = {
	"<0> EMERGENCY", "<1> ALERT", "<2> CRITICAL", "<3> ERROR",
	"<4> WARNING", "<5> NOTICE", "<6> INFO", "<7> DEBUG"
};

void verbose_v(int level, const char *prefix, const char *file, int line, const char *func,
	       const char *fmt, va_list args)
{
	char buf[4096];
	void (*observer)(int, const char *, int, const char *, const char *, va_list);
	va_list copy;
	int n, m;

	observer = __atomic_load_n(&verbose_observer, __ATOMIC_RELAXED);
	if (observer) {
		va_copy(copy, args);
		observer(level, file, line, func, fmt, copy);
		va_end(copy);
	}
	if (level < 0)
		level = 0;
	else if (level > 7)
		level = 7;
	n = snprintf(buf, sizeof buf, prefix ? "%s: [%s] " : "%s: ", prefixes[level], prefix);
	m = vsnprintf(buf + n, sizeof buf - (size_t)n, fmt, args);
	n = m < 0 ? n : n + m;
	if (n > (int)sizeof buf - 2)
		n = (int)sizeof buf - 2;
	if (file && verbosity >= 3) {
		m = snprintf(buf + n, sizeof buf - (size_t)n, " [%s:%d%s%s]", file, line,
			     func ? ", " : "", func ? func : "");
		n = m < 0 ? n : n + m;
		if (n > (int)sizeof buf - 2)
			n = (int)sizeof buf - 2;
	}
	buf[n++] = '\n';
	/* one write so that lines of concurrent threads never interleave */
	if (write(STDERR_FILENO, buf, (size_t)n) < 0)
		return;
}

void verbose(int level, const char *prefix, const char *file, int line, const char *func,
	     const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	verbose_v(level, prefix, file, line, func, fmt, args);
	va_end(args);
}

int verbose_site_pass(struct verbose_site *site, int level, const char *file, int line)
{
	struct timespec ts;
	long long now, then;
	int suppressed;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (long long)ts.tv_sec;
	then = atomic_load(&site->second);
	/* a new second: one thread wins, resets the count and reports the rest */
	if (then != now && atomic_compare_exchange_strong(&site->second, &then, now)) {
		atomic_store(&site->count, 0);
		suppressed = atomic_exchange(&site->suppressed, 0);
		if (suppressed > 0)
			verbose(level, NULL, NULL, 0, NULL, "%d more messages suppressed (%s:%d writes at most %d a second)",
				suppressed, file, line, VERBOSE_SITE_BURST);
	}
	if (atomic_fetch_add(&site->count, 1) < VERBOSE_SITE_BURST)
		return 1;
	atomic_fetch_add(&site->suppressed, 1);
	return 0;
}
