/* SPDX-License-Identifier: Apache-2.0 */
/*
 * --ws-server: exports an api of the daemon to other binders over
 * afb-proto-ws (docs/proto-ws.md).
 *
 * Each accepted connection (a link) has its own event listener, its own
 * sessions (by the uuid its client sends) and its own pending requests;
 * all of them go away with the link. Calls of a link are validated (they
 * pass the CHECK and LOA flags of v1 verbs) only when the link is trusted:
 * a unix socket whose peer runs as root or as the daemon's user.
 *
 * Threading: ws_server_add and ws_servers_free on the main thread.
 */
#pragma once

struct apiset;

/*
 * Listens on 'uri' (see wsaddr.h) for the api that 'uri' names, which
 * must be in 'set'. 'set' must outlive the server. Returns 0 or -errno
 * (logged).
 */
int ws_server_add(struct apiset *set, const char *uri);

/* Closes every server and link (at exit, after the workers stopped). */
void ws_servers_free(void);

/* Main thread, shutdown: 1 while a link has output not written yet, else 0. */
int ws_servers_busy(void);
