/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Events of binding API v2 and v3 (evt-x2.h).
 */
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <json-c/json.h>
#include "evt.h"
#include "evt-x2.h"
#include "fault.h"
#include "hook.h"

struct evt_x2 {
	struct afb_event_x2 x2;	/* the public header: first */
	atomic_int refcount;
	struct evt *evt;	/* one reference */
};

static const struct afb_event_x2_itf evt_x2_itf;

static struct evt_x2 *of(struct afb_event_x2 *event)
{
	return (struct evt_x2 *)((char *)event - offsetof(struct evt_x2, x2));
}

static int x2_broadcast(struct afb_event_x2 *event, struct json_object *obj)
{
	FAULT_DAEMON_SCOPE;
	return evt_broadcast(of(event)->evt, obj);
}

static int x2_push(struct afb_event_x2 *event, struct json_object *obj)
{
	FAULT_DAEMON_SCOPE;
	return evt_push(of(event)->evt, obj);
}

static void x2_unref(struct afb_event_x2 *event)
{
	FAULT_DAEMON_SCOPE;
	struct evt_x2 *e = of(event);

	if (atomic_fetch_sub(&e->refcount, 1) == 1) {
		/* the subscriptions end with the binding's last reference */
		evt_drop(e->evt);
		free(e);
	}
}

static const char *x2_name(struct afb_event_x2 *event)
{
	FAULT_DAEMON_SCOPE;
	struct evt *evt = of(event)->evt;

	if (hook_wants(HOOK_EVENT, HOOK_EVT_NAME))
		hook_evt(evt_fullname(evt), evt_id(evt), HOOK_EVT_NAME);
	return evt_name(evt);
}

static struct afb_event_x2 *x2_addref(struct afb_event_x2 *event)
{
	FAULT_DAEMON_SCOPE;
	atomic_fetch_add(&of(event)->refcount, 1);
	return event;
}

static const struct afb_event_x2_itf evt_x2_itf = {
	.broadcast = x2_broadcast,
	.push = x2_push,
	.unref = x2_unref,
	.name = x2_name,
	.addref = x2_addref,
};

struct afb_event_x2 *evt_x2_new(const char *fullname)
{
	struct evt_x2 *e = malloc(sizeof *e);

	if (!e)
		return NULL;
	e->evt = evt_new(fullname);
	if (!e->evt) {
		free(e);
		return NULL;
	}
	e->x2.itf = &evt_x2_itf;
	atomic_init(&e->refcount, 1);
	return &e->x2;
}

struct evt *evt_x2_evt(struct afb_event_x2 *event)
{
	return event && event->itf == &evt_x2_itf ? of(event)->evt : NULL;
}

struct afb_event_x1 evt_x2_to_x1(struct afb_event_x2 *event)
{
	struct afb_event_x1 x1 = { event ? &evt_x2_itf : NULL, event };

	return x1;
}

struct afb_event_x2 *evt_x2_from_x1(struct afb_event_x1 event)
{
	return event.itf == &evt_x2_itf ? event.closure : NULL;
}
