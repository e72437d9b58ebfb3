/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The WebSocket server of subprotocol x-afb-ws-json1, at <rootapi>.
 *
 * Browsers and afb-client call verbs and receive events over it; see
 * docs/websocket.md for the protocol, the limits and the behaviour.
 * Main thread only.
 */
#pragma once

#include <stddef.h>

struct apiset;
struct hsrv;
struct wsj1;

/* The options of the WebSocket server (main fills them from its configuration). */
struct wsj1_options {
	size_t max_message;	/* largest message, all its frames together (0: 1 MiB) */
	int ping_interval;	/* seconds of silence of a peer before a ping (0: no ping) */
	int idle_timeout;	/* seconds of silence (or of not reading) before the close (0: never) */
};

/*
 * Installs the upgrade handler on 'hsrv' (the session cookie and the
 * rootapi are the server's). 'options' is copied; 'hsrv' and 'apiset'
 * are borrowed and must outlive the server. Returns 0 or -errno; *out is
 * set on success.
 */
int wsj1_new(struct wsj1 **out, struct hsrv *hsrv, const struct wsj1_options *options, struct apiset *apiset);

/*
 * Closes every connection (close 1001, going away), uninstalls the
 * handler and frees the server; before hsrv_free. Requests still pending
 * complete later and their replies are dropped. Accepts NULL.
 */
void wsj1_free(struct wsj1 *ws);

/*
 * Main thread, shutdown: 1 while a connection has calls not replied or
 * output not written yet, else 0. Accepts NULL.
 */
int wsj1_busy(const struct wsj1 *ws);

/* Count of open connections (tests, monitoring). */
unsigned wsj1_count(const struct wsj1 *ws);
