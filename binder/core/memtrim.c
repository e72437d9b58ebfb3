/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Heap policy and trimming. See memtrim.h.
 */
#include <malloc.h>
#include <stdatomic.h>
#include <systemd/sd-event.h>

#include "mainloop.h"
#include "memtrim.h"
#include "verbose.h"

/* blocks below this size come from the heaps, not from mmap */
#define MMAP_THRESHOLD (32 << 20)

static sd_event_source *timer;
static atomic_ulong trims;
/* free bytes the heaps kept after the last trim (pieces of pages, fragments) */
static size_t kept_free;

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
	 * thread, say) stayed resident. The workers' small allocations do
	 * not contend for the arena: they come from their tcache. Measured:
	 * a proto-ws peer cut at 4 MiB left +60 % of RSS with the thread
	 * arenas, nothing with one; hello/pingJson over HTTP (wrk, 16
	 * connections) is within 1 % either way.
	 */
	if (!mallopt(M_ARENA_MAX, 1))
		LOGW("memtrim: can't limit the heap arenas: memory may stay after bursts");
}

void memtrim_now(void)
{
	malloc_trim(0);
	kept_free = mallinfo2().fordblks;
	atomic_fetch_add(&trims, 1);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	/* fordblks: free bytes inside the heaps; what a trim can't give back stays counted */
	size_t free_bytes = mallinfo2().fordblks;

	if (free_bytes >= kept_free + MEMTRIM_MIN_FREE) {
		memtrim_now();
		LOGD("memtrim: heap trimmed (%zu bytes were free, %zu kept)", free_bytes, kept_free);
	}
	return 0;
}

void memtrim_note(size_t bytes)
{
	int enabled = SD_EVENT_OFF;

	if (!timer) {
		if (sd_event_add_time_relative(mainloop_event(), &timer, CLOCK_MONOTONIC, MEMTRIM_PERIOD_MS * 1000ULL,
					       MEMTRIM_PERIOD_MS * 100ULL, on_timer, NULL) < 0) {
			timer = NULL;
			return;
		}
		sd_event_source_set_enabled(timer, SD_EVENT_ONESHOT);
		return;
	}
	/* armed once: notes that come meanwhile are handled by that trim */
	sd_event_source_get_enabled(timer, &enabled);
	if (enabled == SD_EVENT_OFF) {
		sd_event_source_set_time_relative(timer, MEMTRIM_PERIOD_MS * 1000ULL);
		sd_event_source_set_enabled(timer, SD_EVENT_ONESHOT);
	}
}

unsigned long memtrim_count(void)
{
	return atomic_load(&trims);
}

void memtrim_cleanup(void)
{
	timer = sd_event_source_disable_unref(timer);
}
