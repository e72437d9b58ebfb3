/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The D-Bus bridge: what afb-daemon's main calls.
 *
 *   --dbus-client=[system:|user:]API
 *       imports API from the binder that exports it on that bus;
 *   --dbus-server=[system:|user:]API[?trust=RULE]
 *       exports API ('*': every api of the daemon but those imported from
 *       that same bus) with the trust rule RULE (dbus-trust.h).
 * The default bus is the user bus. Exports follow the apiset while serving
 * (apiset_watch): apis created later are exported by these rules, deleted
 * ones leave the bus, changed ones are described again. The contract is
 * docs/dbus.md.
 */
#pragma once

#include <stddef.h>

struct apiset;

/* Largest args_json accepted by exports (the daemon's --max-body). */
void dbus_bridge_set_max_args(size_t max);

/*
 * Adds the import of 'spec' to 'set'. Main thread, after the bindings are
 * loaded (a local api of the same name is an error). Returns 0 or -errno,
 * after logging why.
 */
int dbus_bridge_import(struct apiset *set, const char *spec);

/*
 * Exports what 'spec' names from 'set'. Main thread, after the apis
 * started. Returns 0 or -errno, after logging why.
 */
int dbus_bridge_export(struct apiset *set, const char *spec);

/*
 * Detaches everything from the buses and closes them: imported calls in
 * progress fail with "cancelled", peers leave. Main thread, after the
 * workers stopped, before the apiset is freed. Idempotent.
 */
void dbus_bridge_stop(void);

/* Main thread, shutdown: 1 while a bus connection has messages not written yet, else 0. */
int dbus_bridge_busy(void);
