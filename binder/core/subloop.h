/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A nested sd-event loop whose callbacks run under the fault guard.
 *
 * The daemon's loop (mainloop.h) dispatches the daemon's own sources; a
 * binding that asks for "the event loop" (afb_daemon_get_event_loop) gets
 * a loop of its own, nested in the daemon's: its epoll fd is a source of
 * the daemon's loop, and its dispatch runs under fault_guard() with the
 * binding's name. So a timer or an io callback of a binding that faults
 * is caught like a verb that faults, and the daemon's sources are never
 * dispatched under a guard.
 *
 * After a fault, the nested loop is left in the middle of a dispatch:
 * sd-event cannot go on with it, so its sources stop for good (logged);
 * the daemon and the other bindings go on.
 *
 * Threading: as the daemon's loop: it is run by the thread that leads the
 * daemon's loop; bindings add sources from their init or from callbacks
 * of the loop.
 */
#pragma once

#include <systemd/sd-event.h>

struct fault_site;
struct subloop;

/*
 * A new nested loop, attached to the daemon's loop (mainloop_event()),
 * running its callbacks as code of 'site' (borrowed: it must outlive the
 * subloop). Returns 0 or -errno.
 */
int subloop_new(struct subloop **out, const struct fault_site *site);

/* The sd_event to give to the binding (no reference given). */
sd_event *subloop_event(struct subloop *sl);

/* Detaches and drops the loop (the binding's own references stay valid). Accepts NULL. */
void subloop_free(struct subloop *sl);
