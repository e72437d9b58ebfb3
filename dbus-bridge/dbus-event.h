/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Events on the bus: the signals org.afb.Api1.Event(s name, s data_json),
 * their typed forms, and org.afb.Link1.Subscription(t cookie, s event, b
 * subscribed).
 *
 * Typed: an event that the description of its exported api declares
 * (dbus-schema.h) is the signal NAME of the typed interface
 * org.afb.typed.<label of API>, its data laid out as declared; any other
 * event, or data that does not match its declaration, is the signal
 * org.afb.Typed1.Event(s name, v data); data nested too deeply for D-Bus
 * is sent as org.afb.Api1.Event.
 *
 * An event "API/NAME" is emitted on the object of API
 * (/org/afb/api/<label of API>):
 *  - a push reaches the peers subscribed to it, each by a signal whose
 *    destination is that peer (no one else receives it);
 *  - a broadcast is one signal without destination in each flavour (JSON
 *    and typed), emitted only when API is exported on that bus (so that an
 *    imported api's broadcasts are not sent back to the bus they came
 *    from).
 *
 * The functions below may be called from any thread: they serialize what
 * they need now and emit later on the main thread, in calling order.
 */
#pragma once

#include <stdint.h>

struct dbus_conn;
struct evt_listener;
struct json_object;

/* Emits a push of 'event' with 'data' (borrowed) to 'destination', as JSON or typed. */
void dbus_event_post_push(struct dbus_conn *conn, const char *destination, const char *event,
			  struct json_object *data, int typed);

/*
 * Tells 'destination' that its call 'cookie' to the object 'path'
 * subscribed (on=1) or unsubscribed (on=0) it to 'event' (Link1 callers).
 */
void dbus_event_post_subscription(struct dbus_conn *conn, const char *destination, const char *path,
				  uint64_t cookie, const char *event, int on);

/*
 * The listener of 'conn' that emits broadcasts (it has no push: it never
 * subscribes). Its closure is 'conn', which must outlive it.
 */
struct evt_listener *dbus_event_broadcaster_new(struct dbus_conn *conn);
