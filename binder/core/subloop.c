/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Nested sd-event loops: see subloop.h.
 *
 * The nesting follows sd-event's state machine: before the daemon's loop
 * polls, the prepare callback of our io source arms the nested loop
 * (sd_event_prepare: timers are programmed, pending defer sources are
 * found); when the nested epoll fd becomes readable, or when the prepare
 * found work already pending, the nested loop is waited for without
 * blocking and dispatched, under the fault guard.
 *
 * Work found pending by the prepare runs as soon work of the daemon's
 * loop (mainloop.h), not from a defer source: a binding's defer source
 * that re-arms itself keeps its nested loop always pending, and a defer
 * source of the daemon's loop enabled at every turn would go before all
 * the daemon's other sources (test unit-subloop). As soon work, it runs
 * once per turn, beside the source that turn dispatched.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "fault.h"
#include "mainloop.h"
#include "subloop.h"
#include "verbose.h"

struct subloop {
	sd_event *event;		/* the nested loop */
	sd_event_source *io;		/* its epoll fd, in the daemon's loop */
	struct mainloop_soon soon;	/* work found pending by the prepare */
	const struct fault_site *site;
	int dead;			/* a callback faulted: never dispatched again */
	int rc;
};

static void dispatch_call(void *closure)
{
	struct subloop *sl = closure;

	sl->rc = sd_event_dispatch(sl->event);
}

/* Runs what is pending, if anything. */
static void run(struct subloop *sl)
{
	int rc, state;

	if (sl->dead)
		return;
	state = sd_event_get_state(sl->event);
	if (state == SD_EVENT_ARMED) {
		rc = sd_event_wait(sl->event, 0);
		if (rc < 0) {
			LOGE("the event loop of binding %s failed: %s", sl->site->binding, strerror(-rc));
			return;
		}
		state = sd_event_get_state(sl->event);
	}
	if (state != SD_EVENT_PENDING)
		return;
	if (fault_guard(sl->site, "event loop callback", NULL, NULL, dispatch_call, sl)) {
		/* sd-event was left inside its dispatch: this loop can't run again */
		sl->dead = 1;
		sd_event_source_set_enabled(sl->io, SD_EVENT_OFF);
		mainloop_soon_cancel(&sl->soon);
		LOGE("binding %s: its event loop sources are stopped after the fault", sl->site->binding);
	}
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	run(userdata);
	return 0;
}

static void on_soon(struct mainloop_soon *soon)
{
	run((struct subloop *)((char *)soon - offsetof(struct subloop, soon)));
}

/* Before the daemon's loop polls: arms the nested one. */
static int on_prepare(sd_event_source *s, void *userdata)
{
	struct subloop *sl = userdata;
	int rc;

	/*
	 * Armed earlier and not woken yet: nothing changed since (sources
	 * are added by callbacks of this loop, which run after a dispatch,
	 * or before the first prepare): its fd wakes us when due.
	 */
	if (sl->dead || sd_event_get_state(sl->event) != SD_EVENT_INITIAL)
		return 0;
	rc = sd_event_prepare(sl->event);
	/* the daemon's loop does not block while soon work is armed */
	if (rc > 0)
		mainloop_soon(&sl->soon);
	return 0;
}

int subloop_new(struct subloop **out, const struct fault_site *site)
{
	struct subloop *sl = calloc(1, sizeof *sl);
	int rc;

	*out = NULL;
	if (!sl)
		return -ENOMEM;
	sl->site = site;
	mainloop_soon_init(&sl->soon, on_soon);
	rc = sd_event_new(&sl->event);
	if (rc >= 0)
		rc = sd_event_add_io(mainloop_event(), &sl->io, sd_event_get_fd(sl->event), EPOLLIN, on_io, sl);
	if (rc >= 0)
		rc = sd_event_source_set_prepare(sl->io, on_prepare);
	if (rc < 0) {
		subloop_free(sl);
		return rc;
	}
	*out = sl;
	return 0;
}

sd_event *subloop_event(struct subloop *sl)
{
	return sl->event;
}

void subloop_free(struct subloop *sl)
{
	if (!sl)
		return;
	sd_event_source_disable_unref(sl->io);
	mainloop_soon_cancel(&sl->soon);
	sd_event_unref(sl->event);
	free(sl);
}
