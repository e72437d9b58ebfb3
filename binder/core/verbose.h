/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Logging to stderr with the syslog prefixes of the binding document
 * ("<3> ERROR" ... "<7> DEBUG").  Thread-safe: one write(2) per message.
 */
#pragma once

#include <stdarg.h>
#include <stdatomic.h>

/* 0: errors, 1: + warnings and notices (default), 2: + info, 3: + debug */
extern int verbosity;

/* True when a message of syslog 'level' (3..7) passes 'vlevel' (a verbosity). */
static inline int verbose_wants(int vlevel, int level)
{
	return level <= 3 || (level <= 5 ? vlevel >= 1 : level == 6 ? vlevel >= 2 : vlevel >= 3);
}

/*
 * Optional observer of every message written (the "global" trace hooks,
 * set by hook.c): called before the message is written, on its thread.
 */
extern void (*verbose_observer)(int level, const char *file, int line, const char *func, const char *fmt,
				va_list args);

/* 'prefix' (may be NULL) is written between brackets before the message. */
void verbose_v(int level, const char *prefix, const char *file, int line, const char *func,
	       const char *fmt, va_list args);
void verbose(int level, const char *prefix, const char *file, int line, const char *func,
	     const char *fmt, ...) __attribute__((format(printf, 6, 7)));

#define LOG_AT(level, ...) \
	do { if (verbose_wants(verbosity, level)) verbose(level, 0, __FILE__, __LINE__, __func__, __VA_ARGS__); } while (0)

/*
 * Rate limit per call site, for the messages a client can cause (a peer
 * leaving with calls pending, a flood of bad requests or connections): a
 * client must not flood the log. Such a site writes at most
 * VERBOSE_SITE_BURST messages a second (LOGW_LIMITED, LOGI_LIMITED...);
 * when messages were suppressed, the next one written is preceded by one
 * line "N more messages suppressed (file:line ...)". One mechanism for
 * every such site: each macro expansion has its own counters. The other
 * sites (the daemon's own events, startup) are not limited.
 */
#define VERBOSE_SITE_BURST 10

struct verbose_site {
	atomic_llong second;	/* the current second (monotonic) */
	atomic_int count;	/* messages in it */
	atomic_int suppressed;	/* not written since the last report */
};

/* 1 when a message of 'site' may be written now (then reports what was suppressed), else 0. */
int verbose_site_pass(struct verbose_site *site, int level, const char *file, int line);

#define LOG_LIMITED(level, ...) \
	do { \
		static struct verbose_site site_; \
		if (verbose_wants(verbosity, level) && verbose_site_pass(&site_, level, __FILE__, __LINE__)) \
			verbose(level, 0, __FILE__, __LINE__, __func__, __VA_ARGS__); \
	} while (0)

#define LOGE_LIMITED(...) LOG_LIMITED(3, __VA_ARGS__)
#define LOGW_LIMITED(...) LOG_LIMITED(4, __VA_ARGS__)
#define LOGI_LIMITED(...) LOG_LIMITED(6, __VA_ARGS__)

#define LOGE(...) LOG_AT(3, __VA_ARGS__)
#define LOGW(...) LOG_AT(4, __VA_ARGS__)
#define LOGN(...) LOG_AT(5, __VA_ARGS__)
#define LOGI(...) LOG_AT(6, __VA_ARGS__)
#define LOGD(...) LOG_AT(7, __VA_ARGS__)
