/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Imported apis: an api exported over D-Bus by another binder, made local.
 *
 * The stub is an api of the daemon's apiset: its calls go to the remote
 * object with org.afb.Link1.Call, carrying an opaque key per local session
 * (so that the local clients never share a remote session or context) and
 * the local request's "validated" flag (which the remote honours only when
 * it trusts this daemon). A remote failure org.afb.Error.<status> comes
 * back with the same status and info; a bus failure gives the status
 * "unavailable" (nobody owns the name, the peer left), or "failed".
 *
 * Events: Link1.Subscription signals subscribe the local request that made
 * the call to a local event of the same name; Api1.Event signals addressed
 * to us are pushed to it; Api1.Event broadcasts on the api's object are
 * broadcast locally. Signals are accepted only from the current owner of
 * the bus name.
 *
 * Its description is the one the remote gave when it was last seen (asked
 * when the owner of the name changes), NULL before: describing never waits
 * for the bus. A new description is announced as a change of the api
 * (apiset_changed), that the exports of the api follow.
 */
#pragma once

struct api;
struct apiset;
struct dbus_conn;

/*
 * Adds to 'set' the api 'name' imported from org.afb.api.<label> on 'conn'.
 * Main thread. Returns 0 or -errno (-EEXIST: an api of that name exists).
 */
int dbus_import_add(struct dbus_conn *conn, struct apiset *set, const char *name);

/* True when 'api' is imported from 'conn' (so it is not exported back there). */
int dbus_import_is_from(const struct api *api, const struct dbus_conn *conn);

/*
 * The daemon stops: fails the calls in progress with "cancelled", drops the
 * local events and detaches every import of 'conn' from the bus. The stubs
 * stay in the apiset (freed with it) and fail later calls. Main thread.
 */
void dbus_import_release_all(struct dbus_conn *conn);
