/* SPDX-License-Identifier: Apache-2.0 */
/*
 * --ws-client: imports the api of another binder over afb-proto-ws
 * (docs/proto-ws.md). The api is added to the apiset under the name that
 * ends the address; callers can't tell it from a local one.
 *
 * The connection is made at once and again, after it broke, on the next
 * call (no sooner than a back-off delay after a failed attempt). When it
 * breaks, its pending calls fail at once with status "disconnected" and
 * the events replicated through it are dropped.
 *
 * Threading: ws_client_add and ws_clients_free on the main thread.
 */
#pragma once

struct apiset;

/*
 * Adds to 'set' the api named by 'uri' (see wsaddr.h), served remotely.
 * A first connection that fails is not an error (it is logged and retried
 * on the next call). Returns 0 or -errno (logged).
 */
int ws_client_add(struct apiset *set, const char *uri);

/* Ends every connection; pending calls fail (at exit, after the workers stopped). */
void ws_clients_free(void);

/*
 * Main thread, right before the loop runs: from now on the loop drives the
 * links (returns once a link driven by a thread at startup is released).
 */
void ws_clients_loop_starts(void);
