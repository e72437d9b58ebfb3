/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A batch of independent items shared with a helper thread.
 *
 * Writing one event to thousands of sockets costs the kernel's side of
 * each write (TCP, the receiver's wake-up) far more than the daemon's
 * own code, and the loop thread alone uses one CPU for it. cowork_run
 * lets a second thread take items of the batch: both take the next item
 * not taken yet (an atomic index, so a thread that the system delays
 * takes fewer), and it returns when every item is done.
 *
 * The helper is one thread made at the first batch that needs it (none
 * on a machine with one CPU, nor for batches smaller than 'min_split':
 * waking it costs more than small batches gain), blocked between
 * batches. Batches are run one at a time: a caller arriving while
 * another batch runs does its items alone.
 *
 * Contract of 'fn': it may run on either thread, at the same time as for
 * other items; it must touch only what belongs to its item (no sd-event,
 * no lists shared between items, nothing that takes the loop's locks).
 * What the caller wrote before cowork_run is seen by 'fn', and what 'fn'
 * wrote is seen by the caller after it (the mutex orders them).
 */
#pragma once

#include <stddef.h>

/*
 * Runs fn(items[i]) for i in [0, n), on the calling thread and, when the
 * batch has at least 'min_split' items, on the helper too. Returns how
 * many items the helper ran (0: all were run by the caller).
 */
size_t cowork_run(void (*fn)(void *item), void *const *items, size_t n, size_t min_split);

/* Stops and joins the helper (at exit; cowork_run works again after, alone). */
void cowork_stop(void);
