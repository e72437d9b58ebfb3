/* SPDX-License-Identifier: Apache-2.0 */
/*
 * malloc_trim after bursts: see memtrim.h.
 */
#include <malloc.h>
#include <systemd/sd-event.h>

#include "mainloop.h"
#include "memtrim.h"
#include "verbose.h"

static sd_event_source *timer;
static unsigned trims;

static int on_quiet(sd_event_source *s, uint64_t usec, void *userdata)
{
	trims++;
	malloc_trim(0);
	LOGD("heap trimmed after a burst (%u trims)", trims);
	return 0;
}

void memtrim_note(void)
{
	sd_event *ev = mainloop_event();

	if (!ev || !mainloop_is_main())
		return;
	if (!timer && sd_event_add_time_relative(ev, &timer, CLOCK_MONOTONIC, MEMTRIM_QUIET_MS * 1000ULL,
						 MEMTRIM_QUIET_MS * 100ULL, on_quiet, NULL) < 0) {
		timer = NULL;
		return;
	}
	/* moved at each note: the trim comes once the burst is over */
	sd_event_source_set_time_relative(timer, MEMTRIM_QUIET_MS * 1000ULL);
	sd_event_source_set_enabled(timer, SD_EVENT_ONESHOT);
}

unsigned memtrim_count(void)
{
	return trims;
}

void memtrim_cleanup(void)
{
	timer = sd_event_source_disable_unref(timer);
}
