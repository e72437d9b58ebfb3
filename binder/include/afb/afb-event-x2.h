/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The event functions of binding API v3 (struct afb_event_x2 *, the type
 * afb_event_t). Included by afb-binding.h when AFB_BINDING_VERSION is 3,
 * which also names them without the "_x2".
 */
#pragma once

#include "afb-event-x2-itf.h"

static inline int afb_event_x2_is_valid(struct afb_event_x2 *event)
{
	return event != 0;
}

/* To every listener; 'object' consumed. >= 0, or -1 on error. */
static inline int afb_event_x2_broadcast(struct afb_event_x2 *event, struct json_object *object)
{
	return event->itf->broadcast(event, object);
}

/* To the subscribers only; 'object' consumed. The count reached (>= 0), or -1 on error. */
static inline int afb_event_x2_push(struct afb_event_x2 *event, struct json_object *object)
{
	return event->itf->push(event, object);
}

/* The name without its "<api>/" prefix. */
static inline const char *afb_event_x2_name(struct afb_event_x2 *event)
{
	return event->itf->name(event);
}

/* Drops one reference; the last one ends the subscriptions of the event. */
static inline void afb_event_x2_unref(struct afb_event_x2 *event)
{
	event->itf->unref(event);
}

static inline struct afb_event_x2 *afb_event_x2_addref(struct afb_event_x2 *event)
{
	return event->itf->addref(event);
}
