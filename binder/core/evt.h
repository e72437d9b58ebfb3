/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Events and their listeners.
 *
 * An event is named "<api>/<name>". A listener is one client-side peer
 * (a WebSocket connection, a proto-ws link, a D-Bus peer, a service):
 * pushes reach the listeners subscribed to the event, broadcasts reach
 * every listener. Thread-safe.
 *
 * Listener callbacks run on the pushing thread with 'object' borrowed
 * (it may be NULL): a listener that needs it later serializes or copies it.
 *
 * Lifetime: a listener's closure is used by its callbacks until
 * evt_listener_close returns; from then on no callback of it runs, so its
 * owner may free the closure. Owners need no registry of their own to
 * tell whether a late callback still finds them alive.
 */
#pragma once

struct json_object;
struct evt;
struct evt_listener;

struct evt_listener_itf {
	void (*push)(void *closure, const char *event, int eventid, struct json_object *object);
	void (*broadcast)(void *closure, const char *event, struct json_object *object);
	/* optional: first subscription to / last unsubscription from an event */
	void (*add)(void *closure, const char *event, int eventid);
	void (*remove)(void *closure, const char *event, int eventid);
	/* optional: the listener is freed (no callback comes after): release 'closure' */
	void (*destroy)(void *closure);
	/*
	 * Optional, main thread: true while the listener's client is behind
	 * in reading what was sent to it (see evt_congested).
	 */
	int (*congested)(void *closure);
	/*
	 * Optional: called once on the pushing thread after the push or
	 * broadcast callbacks of one delivery, when some listener of this
	 * interface got one. Listeners that share work between the listeners
	 * of a delivery (one WebSocket frame written for 1,000 subscribers,
	 * see evt_delivery) release it there.
	 */
	void (*delivered)(void);
};

/*
 * In push and broadcast callbacks: a number that every callback of one
 * delivery (one evt_push or broadcast) sees, and no other delivery.
 */
unsigned long evt_delivery(void);

/* Creates an event named 'fullname' (copied). NULL on allocation failure. */
struct evt *evt_new(const char *fullname);
/* The same, for an event that the event hooks never see (the monitor's traces). */
struct evt *evt_new_untraced(const char *fullname);
struct evt *evt_ref(struct evt *evt);
void evt_unref(struct evt *evt);

/* Unsubscribes every listener (calling their 'remove') and drops one reference. */
void evt_drop(struct evt *evt);

const char *evt_fullname(const struct evt *evt);
/* The part after "<api>/". */
const char *evt_name(const struct evt *evt);
int evt_id(const struct evt *evt);

/* 'object' is consumed; returns the count of listeners reached. */
int evt_push(struct evt *evt, struct json_object *object);
int evt_broadcast(struct evt *evt, struct json_object *object);
int evt_broadcast_name(const char *fullname, struct json_object *object);

/*
 * Main thread: true when a listener subscribed to 'evt' is congested.
 * A producer that can wait (the monitor's traces) pushes only when false,
 * so that a slow client does not make the daemon buffer without bound.
 */
int evt_congested(struct evt *evt);

struct evt_listener *evt_listener_new(const struct evt_listener_itf *itf, void *closure);
struct evt_listener *evt_listener_ref(struct evt_listener *listener);
/*
 * Subscriptions hold references on their listener. When its peer leaves,
 * its owner calls evt_listener_close, then drops its reference.
 */
void evt_listener_unref(struct evt_listener *listener);

/*
 * Closes 'listener': no callback of it starts any more, its subscriptions
 * are dropped (without its 'remove' callbacks), and the callbacks running
 * on other threads are waited for. After it returns, the closure is never
 * used again. A callback of the listener may call it (it does not wait
 * for itself). Any thread; must not be called with a lock held that a
 * callback of the listener takes. Accepts NULL; a second call does
 * nothing. Subscribing a closed listener fails with -ECONNRESET.
 */
void evt_listener_close(struct evt_listener *listener);

/*
 * Subscriptions are counted: a listener subscribed twice must unsubscribe
 * twice. Returns 0 or -errno.
 */
int evt_subscribe(struct evt_listener *listener, struct evt *evt);
int evt_unsubscribe(struct evt_listener *listener, struct evt *evt);
/* Drops all the subscriptions of 'listener' at once (its peer left). */
void evt_listener_unsubscribe_all(struct evt_listener *listener);

/* Count of live listeners (tests, monitoring). */
int evt_listener_count(void);
