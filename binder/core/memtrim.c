/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Heap policy and trimming. See memtrim.h.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <stdatomic.h>
#include <systemd/sd-event.h>

#include "mainloop.h"
#include "memtrim.h"
#include "verbose.h"

/* blocks below this size come from the heaps, not from mmap */
#define MMAP_THRESHOLD (32 << 20)

static sd_event_source *timer;
static atomic_ulong trims;
/* free bytes the heaps kept after the last trim (pieces of pages, fragments: logs) */
static size_t kept_free;
/* the first note since the last trim (0: none) */
static uint64_t burst_start;

void memtrim_init(void)
{
	/* setting them turns glibc's dynamic thresholds off */
	if (!mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) || !mallopt(M_TRIM_THRESHOLD, MMAP_THRESHOLD * 2))
		LOGW("memtrim: can't set the heap thresholds: large replies will be slower");
	/*
	 * One arena: malloc_trim gives back the free pages inside every
	 * arena, but the free top of a thread's arena only when a free()
	 * there finds it above M_TRIM_THRESHOLD, which is now far away: a
	 * burst served by the workers (events serialized by the pushing
	 * thread, say) stayed resident. The workers' small allocations
	 * mostly come from their tcache (memtrim.h), not the arena. Measured:
	 * a proto-ws peer cut at 4 MiB left +60 % of RSS with the thread
	 * arenas, nothing with one; hello/pingJson over HTTP (wrk, 16
	 * connections) is within 1 % either way.
	 */
	if (!mallopt(M_ARENA_MAX, 1))
		LOGW("memtrim: can't limit the heap arenas: memory may stay after bursts");
}

#define TCACHE_TUNABLE "glibc.malloc.tcache_count"

void memtrim_tune(char **argv)
{
	const char *tunables = getenv("GLIBC_TUNABLES");
	char *value, *self;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	/* their allocator is not glibc's */
	return;
#endif
	if (tunables && strstr(tunables, TCACHE_TUNABLE))
		return;
	if (asprintf(&value, "%s%s" TCACHE_TUNABLE "=1", tunables ? tunables : "", tunables && *tunables ? ":" : "") < 0)
		return;
	/*
	 * Run again by its own path, not by /proc/self/exe: the kernel names
	 * a process after the file it runs, and "exe" in ps, top, pkill and
	 * the journal's _COMM would hide the daemon.
	 */
	self = realpath("/proc/self/exe", NULL);
	if (self && setenv("GLIBC_TUNABLES", value, 1) == 0)
		execv(self, argv);
	/* not run again: the default caches stay, nothing else changes */
	free(self);
	free(value);
	if (tunables)
		setenv("GLIBC_TUNABLES", tunables, 1);
	else
		unsetenv("GLIBC_TUNABLES");
}

void memtrim_now(void)
{
	malloc_trim(0);
	kept_free = mallinfo2().fordblks;
	atomic_fetch_add(&trims, 1);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	/* fordblks: free bytes inside the heaps (what a trim can't give back stays counted) */
	size_t free_bytes = mallinfo2().fordblks;

	burst_start = 0;
	if (free_bytes >= MEMTRIM_MIN_FREE) {
		memtrim_now();
		LOGD("memtrim: heap trimmed (%zu bytes were free, %zu kept)", free_bytes, kept_free);
	}
	return 0;
}

void memtrim_note(size_t bytes)
{
	uint64_t now = 0, when;

	sd_event_now(mainloop_event(), CLOCK_MONOTONIC, &now);
	/*
	 * When calm: MEMTRIM_PERIOD_MS after the last note (a burst is over),
	 * or MEMTRIM_MAX_DELAY_MS after the first note of a burst that lasts.
	 */
	if (!burst_start)
		burst_start = now;
	when = now + MEMTRIM_PERIOD_MS * 1000ULL;
	if (when > burst_start + MEMTRIM_MAX_DELAY_MS * 1000ULL)
		when = burst_start + MEMTRIM_MAX_DELAY_MS * 1000ULL;
	if (!timer && sd_event_add_time(mainloop_event(), &timer, CLOCK_MONOTONIC, when,
					MEMTRIM_PERIOD_MS * 100ULL, on_timer, NULL) < 0) {
		timer = NULL;
		return;
	}
	sd_event_source_set_time(timer, when);
	sd_event_source_set_enabled(timer, SD_EVENT_ONESHOT);
}

unsigned long memtrim_count(void)
{
	return atomic_load(&trims);
}

void memtrim_cleanup(void)
{
	timer = sd_event_source_disable_unref(timer);
}
