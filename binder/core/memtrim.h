/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The daemon's heap: large blocks reused while busy, given back when calm.
 *
 * glibc maps each block above its mmap threshold (128 KiB at first) and
 * unmaps it when freed, and gives the top of a heap back to the system as
 * soon as it is freed: an 850 KB reply then cost faulting in 200 fresh
 * pages at every call (most of its time). memtrim_init() keeps blocks up
 * to 32 MiB in the heaps and stops the automatic trimming; instead, the
 * transports tell memtrim_note() when memory was released (a connection
 * closed, a large message sent) and, once calm (MEMTRIM_PERIOD_MS after
 * the last note, or MEMTRIM_MAX_DELAY_MS after the first one of a burst
 * that lasts), when the heaps hold more than MEMTRIM_MIN_FREE bytes free,
 * malloc_trim gives the free pages back (from every arena, the middle of
 * heaps included). So the memory taken by a burst comes back after it,
 * and a busy daemon keeps what it reuses. There is
 * one arena (M_ARENA_MAX 1): the free top of a thread's arena is beyond
 * malloc_trim's reach (see memtrim.c).
 */
#pragma once

#include <stddef.h>

#define MEMTRIM_PERIOD_MS 500
#define MEMTRIM_MAX_DELAY_MS 5000
#define MEMTRIM_MIN_FREE (256u << 10)

/* Sets glibc's heap up (before the threads start). */
void memtrim_init(void);

/*
 * glibc's per-thread caches (tcache) keep up to 7 freed blocks of each
 * size for each thread, spread over the heap: after a burst they pin the
 * pages around them and malloc_trim can give back little (scripts/bench
 * mem, after a burst of 1,000 HTTP connections: +82 % of the daemon's
 * memory with 7 blocks, +22 % with 2, +11 % with 1, +3 % with none).
 * Without any, every malloc and free goes through the arena's lock and
 * bins: the daemon's CPU per D-Bus call was 8-13 % higher than with one
 * block (bench/dbus, 1 and 64 calls in flight, interleaved). One block
 * per size keeps most of the gain (a call frees what the next one takes)
 * and most of the memory. The count is a tunable read before main:
 * called first thing in main, this runs the program again, once, with
 * glibc.malloc.tcache_count=1 added to GLIBC_TUNABLES, unless the
 * environment sets tcache_count already (the user's choice is kept) or
 * the allocator is a sanitizer's. Returns when nothing was done.
 */
void memtrim_tune(char **argv);

/*
 * Main thread (the loop's): 'bytes' were freed (an estimate; 0 when not
 * known): a trim is considered within MEMTRIM_PERIOD_MS.
 */
void memtrim_note(size_t bytes);

/* Trims now (tests, shutdown). */
void memtrim_now(void);

/* Count of trims made (tests, monitoring). */
unsigned long memtrim_count(void);

/* Frees the timer (at exit). */
void memtrim_cleanup(void);
