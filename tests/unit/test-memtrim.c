/* SPDX-License-Identifier: Apache-2.0 */
/*
 * binder/core/memtrim: large blocks come from the heap (no mmap per
 * block), and a note of released memory trims the heap within the period
 * when it holds enough free memory, once.
 */
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "mainloop.h"
#include "memtrim.h"
#include "unit.h"

/* Runs the loop for 'ms' milliseconds. */
static void run_for(int ms)
{
	int64_t end = unit_now_ms() + ms;

	while (unit_now_ms() < end)
		sd_event_run(mainloop_event(), 10000);
}

int main(void)
{
	struct mallinfo2 before, held, after;
	unsigned long trims;
	char *blocks[8];
	int i;

	memtrim_init();
	CHECK_INT(mainloop_init(), 0);
	if (getenv("AFB_SANITIZE") && *getenv("AFB_SANITIZE") && strcmp(getenv("AFB_SANITIZE"), "none")) {
		/* the sanitizer's allocator is not glibc's: only the notes are exercised */
		memtrim_note(1 << 20);
		run_for(MEMTRIM_PERIOD_MS * 2);
		memtrim_cleanup();
		mainloop_cleanup();
		UNIT_END();
	}
	before = mallinfo2();

	/* 8 blocks of 1 MiB: from the heap, not mapped one by one */
	for (i = 0; i < 8; i++) {
		blocks[i] = malloc(1 << 20);
		CHECK(blocks[i] != NULL);
		memset(blocks[i], i, 1 << 20);
	}
	held = mallinfo2();
	CHECK(held.hblkhd - before.hblkhd < (1 << 20));
	for (i = 0; i < 8; i++)
		free(blocks[i]);
	/* freed, kept: the next burst reuses them without page faults */
	CHECK(mallinfo2().fordblks >= 8u << 20);

	/* a note: one trim within the period, not at once */
	trims = memtrim_count();
	memtrim_note(8u << 20);
	memtrim_note(0);
	CHECK_INT(memtrim_count(), trims);
	run_for(MEMTRIM_PERIOD_MS * 3);
	CHECK_INT(memtrim_count(), trims + 1);
	after = mallinfo2();
	/* the free pages went back: what mallinfo2 counts in the heap top is small again */
	CHECK(after.keepcost < (1u << 20));

	/* a burst that goes on: no trim while notes keep coming, one after */
	for (i = 0; i < 8; i++)
		blocks[i] = malloc(1 << 20);
	for (i = 0; i < 8; i++)
		free(blocks[i]);
	trims = memtrim_count();
	for (i = 0; i < 5; i++) {
		memtrim_note(0);
		run_for(MEMTRIM_PERIOD_MS / 3);
	}
	CHECK_INT(memtrim_count(), trims);
	run_for(MEMTRIM_PERIOD_MS * 2);
	CHECK_INT(memtrim_count(), trims + 1);
	trims = memtrim_count();

	/* nothing more to give back: no trim */
	memtrim_note(0);
	run_for(MEMTRIM_PERIOD_MS * 2);
	CHECK_INT(memtrim_count(), trims);

	memtrim_cleanup();
	mainloop_cleanup();
	UNIT_END();
}
