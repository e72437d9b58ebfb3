/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dbust: what the D-Bus tests share, on top of the afbtest harness.
 *
 *  - private buses: dbus-daemon started by the test (never the machine's
 *    buses), killed at exit and when the test dies;
 *  - GDBus clients (GLib: independent of the daemon's sd-bus), each a
 *    private connection, so that a test can have several peers;
 *  - the external tools busctl, dbus-send and gdbus.
 *
 * Every value returned belongs to the harness (freed at exit), like afbtest's.
 */
#pragma once

#include <gio/gio.h>
#include "afbtest.h"

struct dbust_bus {
	char *address;
	pid_t pid;
};

/*
 * Starts a private bus. 'config': a dbus-daemon configuration file, NULL
 * for the standard session one. 'system': exported as
 * DBUS_SYSTEM_BUS_ADDRESS (else DBUS_SESSION_BUS_ADDRESS), so that the
 * daemons and tools started afterwards use it.
 */
struct dbust_bus *dbust_bus_start(const char *config, int system);

/* A configuration file (in a temp dir) of a session bus that accepts every uid: <allow user="*"/>. */
const char *dbust_open_session_config(void);

/* A new client connection to 'bus' (a peer of its own). */
GDBusConnection *dbust_connect(struct dbust_bus *bus);
void dbust_disconnect(GDBusConnection *conn);
const char *dbust_unique(GDBusConnection *conn);

/* Waits until 'name' has an owner on the bus of 'conn'; fails after 'timeout_ms'. */
void dbust_wait_name(GDBusConnection *conn, const char *name, long timeout_ms);
int dbust_has_owner(GDBusConnection *conn, const char *name);

/* The result of a call. */
struct dbust_reply {
	int ok;			/* 1: method return */
	const char *response;	/* response_json */
	const char *info;
	const char *error;	/* the D-Bus error name */
	const char *message;	/* its message, remote prefix stripped */
	struct json_object *json;	/* response parsed */
};

/* org.afb.Api1.Call of 'api' (bus name and object from the naming rule). */
struct dbust_reply *dbust_call(GDBusConnection *conn, const char *api, const char *verb, const char *args);
/* The per-api method 'member' of 'api'. */
struct dbust_reply *dbust_call_verb(GDBusConnection *conn, const char *api, const char *member, const char *args);
/* Any method; 'params' is consumed; returns the reply tuple or NULL with *error set (owned). */
GVariant *dbust_call_raw(GDBusConnection *conn, const char *dest, const char *path, const char *itf,
			 const char *member, GVariant *params, const char **error, const char **message);

#define CHECK_OK(r) do { struct dbust_reply *r_ = (r); \
	if (!r_->ok) afbt_fail("failed: %s: %s: %s", #r, r_->error, r_->message); } while (0)
#define CHECK_ERROR(r, name) do { struct dbust_reply *r_ = (r); \
	if (r_->ok) afbt_fail("failed: %s: success %s while %s was expected", #r, r_->response, name); \
	CHECK_STR(r_->error, name); } while (0)

/* Events received by a connection (org.afb.Api1.Event signals). */
struct dbust_events;
struct dbust_events *dbust_events_watch(GDBusConnection *conn);
/*
 * Runs the loop until an event 'name' arrives (1) or 'timeout_ms' passes (0). *data gets its data_json,
 * *path the object that sent it (each may be NULL).
 */
int dbust_events_wait(struct dbust_events *ev, const char *name, long timeout_ms, const char **data,
		      const char **path);
/* Runs the loop 'ms' and returns the count of events received so far. */
int dbust_events_count(struct dbust_events *ev, long ms);
void dbust_events_clear(struct dbust_events *ev);

/* Runs the default main context for 'ms'. */
void dbust_pump(long ms);

/*
 * Fails unless the interface 'got' (served) has the methods, arguments
 * (names and types), signals and properties of 'want' (a file), and no
 * other.
 */
void dbust_compare_interface(GDBusInterfaceInfo *want, GDBusInterfaceInfo *got);

/* Runs a command (argv, NULL-terminated) and returns its stdout; *status gets the wait status. */
const char *dbust_run(int *status, const char *arg, ...) __attribute__((sentinel));
const char *dbust_runv(int *status, const char *const *argv);

/* "$AFB_DBUS_SOURCE_ROOT/<rel>" */
const char *dbust_source(const char *rel);
