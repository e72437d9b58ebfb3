/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Events of binding API v1: an event is created by afb_daemon_make_event
 * and named "<api>/<name>".
 */
#pragma once

struct json_object;

struct afb_event_itf {
	/* ABI order: broadcast, push, drop, name */
	int (*broadcast)(void *closure, struct json_object *obj);
	int (*push)(void *closure, struct json_object *obj);
	void (*drop)(void *closure);
	const char *(*name)(void *closure);
};

struct afb_event {
	const struct afb_event_itf *itf;
	void *closure;
};

/* True when 'event' is a valid event (afb_daemon_make_event can fail). */
static inline int afb_event_is_valid(struct afb_event event)
{
	return event.itf != 0;
}

/*
 * Sends 'object' to every listener, subscribed or not.
 * Consumes 'object'.  Returns the count of listeners reached.
 */
static inline int afb_event_broadcast(struct afb_event event, struct json_object *object)
{
	return event.itf->broadcast(event.closure, object);
}

/*
 * Sends 'object' to the listeners subscribed to 'event' only.
 * Consumes 'object'.  Returns the count of listeners reached.
 */
static inline int afb_event_push(struct afb_event event, struct json_object *object)
{
	return event.itf->push(event.closure, object);
}

/* Destroys 'event'; it must not be used afterwards. */
static inline void afb_event_drop(struct afb_event event)
{
	event.itf->drop(event.closure);
}

/* The name of 'event' without its "<api>/" prefix. */
static inline const char *afb_event_name(struct afb_event event)
{
	return event.itf->name(event.closure);
}
