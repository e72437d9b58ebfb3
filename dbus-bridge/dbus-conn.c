/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <string.h>
#include "dbus-conn.h"
#include "dbus-event.h"
#include "dbus-name.h"
#include "evt.h"
#include "mainloop.h"
#include "verbose.h"

/*
 * Messages a turn of the loop dispatches at most: enough to take the
 * calls a client keeps in flight at once, few enough that the other
 * sources of the loop (WebSocket, HTTP, replies) keep their turn.
 */
#define DBUS_CONN_BATCH 32
#define DBUS_CONN_LONE_TURNS 3

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

/*
 * Dispatches what the bus has, up to DBUS_CONN_BATCH messages. After a
 * turn that found a message alone (one call in flight), the next
 * DBUS_CONN_LONE_TURNS turns take one message without looking for a
 * second: that look, a read ending in EAGAIN, came before the reply.
 */
static void process(struct dbus_conn *conn)
{
	int i, rc = 1, max = conn->lone ? 1 : DBUS_CONN_BATCH;

	for (i = 0; i < max && rc > 0; i++) {
		rc = sd_bus_process(conn->bus, NULL);
		/* a lost connection is handled by sd-bus itself (pending calls fail, state closed) */
		if (rc < 0)
			LOGW_LIMITED("D-Bus: processing of the %s bus failed: %s", dbus_conn_kind(conn), strerror(-rc));
	}
	if (conn->lone)
		conn->lone--;
	else if (i == 2 && rc == 0)
		conn->lone = DBUS_CONN_LONE_TURNS;
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	process(userdata);
	return 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	process(userdata);
	return 0;
}

/*
 * Before each wait of the loop: what the bus waits for (input, output
 * when its queue is not empty) and when it must be processed anyway (a
 * message already read, a call's timeout).
 */
static int on_prepare(sd_event_source *s, void *userdata)
{
	struct dbus_conn *conn = userdata;
	uint64_t until = 0;
	int events, rc;

	events = sd_bus_get_events(conn->bus);
	if (events >= 0)
		sd_event_source_set_io_events(conn->io, (uint32_t)events);
	rc = sd_bus_get_timeout(conn->bus, &until);
	if (rc > 0)
		sd_event_source_set_time(conn->timer, until);
	sd_event_source_set_enabled(conn->timer, rc > 0 ? SD_EVENT_ON : SD_EVENT_OFF);
	return 0;
}

static int attach(struct dbus_conn *conn)
{
	int rc, fd = sd_bus_get_fd(conn->bus);

	if (fd < 0)
		return fd;
	rc = sd_event_add_io(mainloop_event(), &conn->io, fd, EPOLLIN, on_io, conn);
	if (rc >= 0)
		rc = sd_event_source_set_prepare(conn->io, on_prepare);
	if (rc >= 0)
		rc = sd_event_add_time(mainloop_event(), &conn->timer, CLOCK_MONOTONIC, 0, 0, on_timer, conn);
	if (rc >= 0)
		rc = sd_event_source_set_enabled(conn->timer, SD_EVENT_OFF);
	return rc;
}

static void detach(struct dbus_conn *conn)
{
	conn->io = sd_event_source_disable_unref(conn->io);
	conn->timer = sd_event_source_disable_unref(conn->timer);
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
	conn->bus = bus;
	rc = sd_bus_get_unique_name(bus, &conn->unique);
	if (rc >= 0)
		rc = attach(conn);
	if (rc >= 0)
		rc = sd_bus_add_object_manager(bus, &conn->manager, DBUS_NAME_ROOT_PATH);
	if (rc < 0) {
		LOGE("D-Bus: can't set up the %s bus: %s", system ? "system" : "user", strerror(-rc));
		detach(conn);
		conn->manager = sd_bus_slot_unref(conn->manager);
		conn->bus = sd_bus_flush_close_unref(bus);
		return rc;
	}
	conn->broadcaster = dbus_event_broadcaster_new(conn);
	if (!conn->broadcaster) {
		detach(conn);
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
		detach(conn);
		/* messages still referenced (late replies) keep the object alive, closed */
		conn->bus = sd_bus_flush_close_unref(conn->bus);
		conn->unique = NULL;
	}
}
