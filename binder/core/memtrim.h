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
 * closed, a large message sent) and, at most once per MEMTRIM_PERIOD_MS,
 * when the heaps hold more than MEMTRIM_MIN_FREE bytes free, malloc_trim
 * gives the free pages back (from every arena, the middle of heaps
 * included). So the memory taken by a burst comes back after it. There is
 * one arena (M_ARENA_MAX 1): the free top of a thread's arena is beyond
 * malloc_trim's reach (see memtrim.c).
 */
#pragma once

#include <stddef.h>

#define MEMTRIM_PERIOD_MS 500
#define MEMTRIM_MIN_FREE (256u << 10)

/* Sets glibc's heap up (before the threads start). */
void memtrim_init(void);

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
