/* SPDX-License-Identifier: Apache-2.0 */
#include <sys/socket.h>
#include <unistd.h>
#include "afbtest.h"
#include "memmsg.h"

static sd_bus *bus;
static int peer_fd = -1;

static void put_message(void *p)
{
	sd_bus_message_unref(p);
}

void memmsg_init(void)
{
	int sv[2];

	if (bus)
		return;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 || sd_bus_new(&bus) < 0
	    || sd_bus_set_fd(bus, sv[0], sv[0]) < 0 || sd_bus_start(bus) < 0)
		afbt_fail("can't make an sd-bus object");
	peer_fd = sv[1];
}

void memmsg_done(void)
{
	/* not flushed: nobody will ever answer the authentication */
	bus = sd_bus_close_unref(bus);
	if (peer_fd >= 0)
		close(peer_fd);
	peer_fd = -1;
}

sd_bus_message *memmsg_new(void)
{
	sd_bus_message *m = NULL;

	if (sd_bus_message_new_signal(bus, &m, "/t", "t.T", "V") < 0)
		afbt_fail("can't make a message");
	return afbt_keep(m, put_message);
}

void memmsg_ready(sd_bus_message *m)
{
	static uint64_t cookie;

	CHECK_EQ(sd_bus_message_seal(m, ++cookie, 0), 0);
	CHECK(sd_bus_message_rewind(m, 1) >= 0);
}
