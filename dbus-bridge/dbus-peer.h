/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The peers that call exported apis: one per unique bus name.
 *
 * A peer gets, on its first call: its credentials from the bus (once: a
 * unique name is one connection, whose uid never changes), its own
 * session, two event listeners (pushes become signals addressed to it:
 * org.afb.Api1.Event for the subscriptions of JSON calls, typed signals
 * for those of typed calls), and a bus track. When it leaves the bus, its subscriptions are
 * dropped at once and its sessions are released.
 *
 * Binder peers (org.afb.Link1 callers) name sub-sessions, one per session
 * of their own clients, so that those clients never share a context; they
 * are bounded by DBUS_PEER_MAX_SESSIONS and released with the peer.
 *
 * Threading: dbus_peer_get, dbus_peer_session, dbus_peer_end_session and
 * dbus_peer_release_all on the main thread; references, subscriptions and
 * the pending count from any thread.
 */
#pragma once

#include <stdatomic.h>
#include "dbus-trust.h"

#define DBUS_PEER_MAX_PENDING	1024	/* requests in progress per peer */
#define DBUS_PEER_MAX_SESSIONS	1024	/* Link1 sessions per peer */
#define DBUS_PEER_KEY_MAX	64	/* length of a Link1 session key */

struct dbus_conn;
struct dbus_peer;
struct evt;
struct peer;
struct session;
typedef struct sd_bus_message sd_bus_message;

/* The peer that sent 'm', created on its first message. Borrowed. Returns 0 or -errno. */
int dbus_peer_get(struct dbus_conn *conn, sd_bus_message *m, struct dbus_peer **out);

struct dbus_peer *dbus_peer_ref(struct dbus_peer *peer);
void dbus_peer_unref(struct dbus_peer *peer);

const char *dbus_peer_name(const struct dbus_peer *peer);
/* The core's peer object of 'peer' (borrowed: valid while 'peer' is). */
struct peer *dbus_peer_client(const struct dbus_peer *peer);
const struct dbus_creds *dbus_peer_creds(const struct dbus_peer *peer);

/*
 * Asks the bus (once) the groups of the peer, for trust rules with groups.
 * Main thread; a synchronous round trip to the bus daemon.
 */
void dbus_peer_query_groups(struct dbus_peer *peer);

/*
 * The session of 'key' ("" or NULL: the peer's own), created when absent.
 * Borrowed. Returns 0, -ENOSPC (too many sessions), -EINVAL (bad key), -ENOMEM.
 */
int dbus_peer_session(struct dbus_peer *peer, const char *key, struct session **out);

/* Releases the session of 'key' (a no-op when unknown). */
void dbus_peer_end_session(struct dbus_peer *peer, const char *key);

/* Counts a request in progress: 0, or -EBUSY beyond DBUS_PEER_MAX_PENDING. */
int dbus_peer_pending_add(struct dbus_peer *peer);
void dbus_peer_pending_done(struct dbus_peer *peer);

/*
 * (Un)subscribes the peer, for events as JSON (typed = 0) or typed signals.
 * Returns 0, -ENOENT (the peer left) or the error of evt.
 */
int dbus_peer_subscribe(struct dbus_peer *peer, struct evt *evt, int typed);
int dbus_peer_unsubscribe(struct dbus_peer *peer, struct evt *evt, int typed);

/* The daemon stops: every peer of 'conn' leaves. */
void dbus_peer_release_all(struct dbus_conn *conn);

/* Count of live peers (tests). */
int dbus_peer_count(void);
