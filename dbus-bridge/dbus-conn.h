/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The daemon's connections to the buses: at most one to the user bus and
 * one to the system bus, opened on first use, attached to the daemon's
 * sd-event loop, shared by every exported and imported api of that bus.
 *
 * The bus is driven by the loop here rather than by sd_bus_attach_event:
 * one turn of the loop reads and dispatches up to DBUS_CONN_BATCH
 * messages (sd-bus's own attachment handles one a turn, so that 64 calls
 * in flight cost 64 turns of the loop, an epoll_wait each).
 *
 * Threading: the sd_bus and everything reached from it are used on the
 * main thread only. Other threads hand work over with mainloop_post; a
 * posted function checks dbus_conn_is_open first, because the connection
 * may have been closed meanwhile (daemon stopping).
 */
#pragma once

#include <stdatomic.h>
#include <systemd/sd-bus.h>

struct dbus_export;
struct dbus_import;
struct dbus_peer;
struct evt_listener;

struct dbus_conn {
	int system;			/* 1: system bus, 0: user bus */
	sd_bus *bus;			/* main thread; NULL when not open */
	atomic_int open;		/* readable from any thread */
	const char *unique;		/* our unique name, owned by 'bus' */
	sd_bus_slot *manager;		/* the ObjectManager on /org/afb */
	struct evt_listener *broadcaster; /* emits the broadcasts of exported apis */
	struct dbus_export *exports;	/* exported apis, list of dbus-export.c */
	struct dbus_export *removed;	/* exports removed while being described (dbus-export.c) */
	struct dbus_import *imports;	/* imported apis, list of dbus-import.c */
	struct dbus_peer *peers;	/* peers calling us, list of dbus-peer.c */
	sd_event_source *io, *timer;	/* the bus in the loop (dbus-conn.c) */
	int lone;			/* turns left taking one message (dbus-conn.c) */
};

/*
 * Opens (once) the connection to the system (1) or user (0) bus. The user
 * bus is $DBUS_SESSION_BUS_ADDRESS or $XDG_RUNTIME_DIR/bus, the system bus
 * $DBUS_SYSTEM_BUS_ADDRESS or the standard socket. Main thread.
 * Returns 0 or -errno.
 */
int dbus_conn_get(int system, struct dbus_conn **out);

/* The connection when open, else NULL. Any thread. */
struct dbus_conn *dbus_conn_if_open(int system);

static inline int dbus_conn_is_open(struct dbus_conn *conn)
{
	return conn && atomic_load(&conn->open);
}

/* "system" or "user", for messages. */
const char *dbus_conn_kind(const struct dbus_conn *conn);

/*
 * Closes the connections: flushes what was queued and releases the bus.
 * Exports, imports and peers must be released first. Main thread.
 */
void dbus_conn_close_all(void);
