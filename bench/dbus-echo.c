/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dbus-echo: the ceiling of scripts/bench dbus. A minimal sd-bus service
 * with the same object, interface and reply as afb-daemon's export of
 * hello/ping: org.afb.Api1.Call(ss) -> ("{\"ping\":\"pong\"}", "Ping Binder
 * Daemon"), replied at once in the handler (no request, no thread).
 *
 *   dbus-echo [BUSNAME]     (default org.afb.api.echo, on the user bus)
 */
#include <stdio.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

static int on_call(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	const char *verb, *args;
	int rc = sd_bus_message_read(m, "ss", &verb, &args);

	if (rc < 0)
		return rc;
	return sd_bus_reply_method_return(m, "ss", "{\"ping\":\"pong\"}", "Ping Binder Daemon");
}

static const sd_bus_vtable vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD("Call", "ss", "ss", on_call, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_VTABLE_END
};

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "org.afb.api.echo";
	char path[256];
	sd_event *loop = NULL;
	sd_bus *bus = NULL;
	int rc;

	snprintf(path, sizeof path, "/org/afb/api/%s", strrchr(name, '.') + 1);
	rc = sd_event_default(&loop);
	if (rc >= 0)
		rc = sd_bus_open_user(&bus);
	if (rc >= 0)
		rc = sd_bus_attach_event(bus, loop, 0);
	if (rc >= 0)
		rc = sd_bus_add_object_vtable(bus, NULL, path, "org.afb.Api1", vtable, NULL);
	if (rc >= 0)
		rc = sd_bus_request_name(bus, name, 0);
	if (rc < 0) {
		fprintf(stderr, "dbus-echo: %s\n", strerror(-rc));
		return 1;
	}
	printf("dbus-echo: serving %s %s\n", name, path);
	fflush(stdout);
	rc = sd_event_loop(loop);
	sd_bus_flush_close_unref(bus);
	sd_event_unref(loop);
	return rc < 0;
}
