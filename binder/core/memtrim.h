/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Giving memory back to the system after a burst.
 *
 * glibc keeps freed heap memory (in the main heap and in the per-thread
 * arenas of the workers) for later allocations: after a burst of clients,
 * the daemon's RSS would stay at its peak. Whatever frees something big
 * (a connection, a link, a large queue) calls memtrim_note(); once no
 * note came for MEMTRIM_QUIET_MS, malloc_trim(0) gives the free pages of
 * every arena back (madvise). A steady flow of notes delays the trim
 * until a pause: trimming in the middle of a burst would only make the
 * next allocations slower.
 *
 * Main thread (the loop's): notes from elsewhere are ignored.
 */
#pragma once

#define MEMTRIM_QUIET_MS 300

/* Something big was freed. */
void memtrim_note(void);

/* Count of trims done (tests, monitoring). */
unsigned memtrim_count(void);

/* Releases the timer (at exit). */
void memtrim_cleanup(void);
