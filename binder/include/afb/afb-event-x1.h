/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The event functions of binding API v2 (struct afb_event_x1, by value).
 * Included by afb-binding.h when AFB_BINDING_VERSION is 2, which also
 * names them without the "_x1".
 */
#pragma once

#include "afb-event-x2-itf.h"

static inline int afb_event_x1_is_valid(struct afb_event_x1 event)
{
	return event.itf != 0;
}

/* The v3 object of a v2 event. */
static inline struct afb_event_x2 *afb_event_x1_to_event_x2(struct afb_event_x1 event)
{
	return event.closure;
}

/* To every listener; 'object' consumed. >= 0, or -1 on error. */
static inline int afb_event_x1_broadcast(struct afb_event_x1 event, struct json_object *object)
{
	return event.itf->broadcast(event.closure, object);
}

/* To the subscribers only; 'object' consumed. The count reached (>= 0), or -1 on error. */
static inline int afb_event_x1_push(struct afb_event_x1 event, struct json_object *object)
{
	return event.itf->push(event.closure, object);
}

/* Drops one reference; the last one ends the subscriptions of the event. */
static inline void afb_event_x1_unref(struct afb_event_x1 event)
{
	event.itf->unref(event.closure);
}

static inline struct afb_event_x1 afb_event_x1_addref(struct afb_event_x1 event)
{
	event.itf->addref(event.closure);
	return event;
}

/* The name without its "<api>/" prefix. */
static inline const char *afb_event_x1_name(struct afb_event_x1 event)
{
	return event.itf->name(event.closure);
}
