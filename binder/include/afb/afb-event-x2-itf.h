/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Events of binding API v2 and v3 (the interface table and the objects).
 *
 * v3 bindings hold 'struct afb_event_x2 *' (the daemon's event object,
 * which begins with the table pointer); v2 bindings hold the pair
 * 'struct afb_event_x1' by value, whose closure is that same object.
 * Slot order is the ABI: never reorder, only append.
 */
#pragma once

struct json_object;
struct afb_event_x2;

struct afb_event_x2_itf {
	/* 0: sends 'obj' (consumed) to every listener; >= 0, or -1 on error */
	int (*broadcast)(struct afb_event_x2 *event, struct json_object *obj);
	/* 1: sends 'obj' (consumed) to the subscribers; >= 0 (count reached), or -1 on error */
	int (*push)(struct afb_event_x2 *event, struct json_object *obj);
	/* 2: drops one reference (v2 name: drop); the last one ends every subscription */
	void (*unref)(struct afb_event_x2 *event);
	/* 3: the name without its "<api>/" prefix */
	const char *(*name)(struct afb_event_x2 *event);
	/* 4: adds a reference */
	struct afb_event_x2 *(*addref)(struct afb_event_x2 *event);
};

struct afb_event_x2 {
	const struct afb_event_x2_itf *itf;
};

struct afb_event_x1 {
	const struct afb_event_x2_itf *itf;	/* NULL: not a valid event */
	struct afb_event_x2 *closure;
};
