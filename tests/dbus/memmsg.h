/* SPDX-License-Identifier: Apache-2.0 */
/*
 * memmsg: sd-bus messages built and read in memory, for the unit tests of
 * the typed mapping: an sd-bus connection that only starts (on a socket
 * pair nobody answers) makes messages, sealed to be read back.
 */
#pragma once

#include <systemd/sd-bus.h>

/* Makes the connection (once); fails the program when it can't. */
void memmsg_init(void);
/* Releases it. */
void memmsg_done(void);
/* A new empty signal message, kept until exit. */
sd_bus_message *memmsg_new(void);
/* Seals 'm' and rewinds it for reading (a failed check otherwise). */
void memmsg_ready(sd_bus_message *m);
