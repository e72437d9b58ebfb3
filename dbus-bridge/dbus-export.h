/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Exported apis: an api of the daemon (local binding or imported stub)
 * served on a bus, under its name or one of its aliases (each name
 * exported is an export of its own: bus name, object, interfaces, all
 * serving the same api; a request through an alias names the alias, as
 * /api/<alias>/<verb> does over HTTP).
 *
 * For a name API the connection owns the bus name org.afb.api.<label> and
 * serves the object /org/afb/api/<label> (labels: dbus-name.h) with:
 *  - org.afb.Api1: Call(s verb, s args_json) -> (s response_json, s info),
 *    Describe() -> (s), properties Name, Info, Verbs, signal Event(s, s);
 *  - org.afb.api.<label>: one method per verb (s args_json) -> (s, s);
 *  - org.afb.Typed1: Call(s verb, v args) -> (v response, s info), signal
 *    Event(s name, v data): the typed mapping (dbus-typed.h);
 *  - org.afb.typed.<label>: one method per verb with typed arguments and
 *    results, a signal per declared event (dbus-schema.h);
 *  - org.afb.Link1: the binder-to-binder extension (docs/dbus.md).
 * The ObjectManager of /org/afb lists every exported api of the connection.
 *
 * The verbs are taken from the api's description, asked on a thread of
 * its own (an imported api may need a round trip to describe itself); the
 * object and the name appear on the bus once it is known.
 */
#pragma once

#include <stddef.h>

struct api;
struct dbus_conn;
struct dbus_export;
struct dbus_schema;
struct dbus_trust;

/*
 * Exports 'api' under 'name' (its name or one of its aliases) on 'conn'
 * with the trust rule 'trust' (borrowed, must outlive the export; NULL:
 * the default rule). Main thread, after the workers started. Returns 0,
 * -EEXIST (that name is already exported on that bus), -ENAMETOOLONG (the
 * bus name would exceed 255 bytes), -ENOMEM.
 */
int dbus_export_add(struct dbus_conn *conn, struct api *api, const char *name, const struct dbus_trust *trust);

/* The export of the name 'name' on 'conn' (case-insensitive), or NULL. Main thread. */
struct dbus_export *dbus_export_find(struct dbus_conn *conn, const char *name);

/*
 * The export that speaks for the api named 'api' (the prefix of its
 * events' names): the one of its own name, else one of an alias of it;
 * NULL when none. Main thread.
 */
struct dbus_export *dbus_export_find_api(struct dbus_conn *conn, const char *api);
const char *dbus_export_path(const struct dbus_export *ex);

/* What its description says (NULL until it is registered). Main thread. */
struct dbus_schema *dbus_export_schema(const struct dbus_export *ex);

/* Its typed per-api interface, NULL when its name would be too long. */
const char *dbus_export_typed_interface(const struct dbus_export *ex);

/*
 * Asks the description of 'api' again for each of its exports on 'conn'
 * (its name and its aliases) and replaces their per-api interfaces (its
 * verbs changed, an imported api whose remote appeared). Main thread.
 */
int dbus_export_refresh(struct dbus_conn *conn, struct api *api);

/* The api of the export. */
struct api *dbus_export_api(const struct dbus_export *ex);

/*
 * Removes the export 'ex' from 'conn' (its api left the apiset): its
 * object and name leave the bus (InterfacesRemoved of the ObjectManager).
 * Main thread.
 */
void dbus_export_remove(struct dbus_conn *conn, struct dbus_export *ex);

/* Largest args_json accepted, in bytes (the daemon's --max-body). */
void dbus_export_set_max_args(size_t max);

/*
 * Waits for the descriptions being asked (on threads of their own) to end:
 * the apis must outlive them. Returns 0, or -ETIMEDOUT after 'timeout_ms'.
 */
int dbus_export_wait_describers(int timeout_ms);

/* Unregisters and frees every export of 'conn'. Main thread, workers stopped. */
void dbus_export_release_all(struct dbus_conn *conn);
