/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <string.h>
#include "dbus-conn.h"
#include "dbus-event.h"
#include "dbus-name.h"
#include "evt.h"
#include "mainloop.h"
#include "verbose.h"

/* static: the broadcaster listener's closure points here and must never dangle */
static struct dbus_conn conns[2] = { { .system = 0 }, { .system = 1 } };

const char *dbus_conn_kind(const struct dbus_conn *conn)
{
	return conn->system ? "system" : "user";
}

struct dbus_conn *dbus_conn_if_open(int system)
{
	struct dbus_conn *conn = &conns[!!system];

	return atomic_load(&conn->open) ? conn : NULL;
}

int dbus_conn_get(int system, struct dbus_conn **out)
{
	struct dbus_conn *conn = &conns[!!system];
	sd_bus *bus = NULL;
	int rc;

	*out = NULL;
	if (conn->bus) {
		*out = conn;
		return 0;
	}
	rc = system ? sd_bus_open_system_with_description(&bus, "afb-daemon")
		    : sd_bus_open_user_with_description(&bus, "afb-daemon");
	if (rc < 0) {
		if (system)
			LOGE("D-Bus: can't connect to the system bus: %s (is dbus-daemon running? systemctl status dbus)",
			     strerror(-rc));
		else
			LOGE("D-Bus: can't connect to the user bus: %s: there is no session bus here. Run afb-daemon "
			     "in a login session, or under a bus of its own (dbus-run-session -- afb-daemon ...), or "
			     "set DBUS_SESSION_BUS_ADDRESS; or export on the system bus (--dbus-server=system:API)",
			     strerror(-rc));
		return rc;
	}
	rc = sd_bus_attach_event(bus, mainloop_event(), SD_EVENT_PRIORITY_NORMAL);
	if (rc >= 0)
		rc = sd_bus_get_unique_name(bus, &conn->unique);
	if (rc >= 0)
		rc = sd_bus_add_object_manager(bus, &conn->manager, DBUS_NAME_ROOT_PATH);
	if (rc < 0) {
		LOGE("D-Bus: can't set up the %s bus: %s", system ? "system" : "user", strerror(-rc));
		sd_bus_flush_close_unref(bus);
		return rc;
	}
	conn->bus = bus;
	conn->broadcaster = dbus_event_broadcaster_new(conn);
	if (!conn->broadcaster) {
		conn->manager = sd_bus_slot_unref(conn->manager);
		conn->bus = sd_bus_flush_close_unref(bus);
		return -ENOMEM;
	}
	atomic_store(&conn->open, 1);
	LOGI("D-Bus: connected to the %s bus as %s", dbus_conn_kind(conn), conn->unique);
	*out = conn;
	return 0;
}

void dbus_conn_close_all(void)
{
	struct dbus_conn *conn;
	int i;

	for (i = 0; i < 2; i++) {
		conn = &conns[i];
		if (!conn->bus)
			continue;
		atomic_store(&conn->open, 0);
		evt_listener_close(conn->broadcaster);
		evt_listener_unref(conn->broadcaster);
		conn->broadcaster = NULL;
		conn->manager = sd_bus_slot_unref(conn->manager);
		/* messages still referenced (late replies) keep the object alive, closed */
		conn->bus = sd_bus_flush_close_unref(conn->bus);
		conn->unique = NULL;
	}
}
