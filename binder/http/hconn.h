/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Admission of HTTP connections: the listening socket is accepted here,
 * not by libmicrohttpd, so that every connection is counted (in total
 * and per client address, WebSocket upgrades included) and a refused one
 * gets a 503 at once, instead of a reset or a wait in the kernel's
 * backlog. Admitted sockets are handed to MHD (MHD_add_connection).
 *
 * A connection is "waiting" while it owes us a request: from its accept,
 * or the end of its previous reply, to the moment its request line and
 * headers are complete (the first call of the access handler):
 *  - the request line and headers must be complete within header_timeout
 *    of the accept, or of the arrival of a keep-alive connection's next
 *    request line; a keep-alive connection waits for that line at most
 *    idle_timeout. Past its deadline a connection is shut down (a 408
 *    first when in the headers, over plain HTTP);
 *  - when max_connections are open, a new connection evicts the one that
 *    has waited longest (at least 1 s), and is refused (503) when none
 *    waits: only connections busy with a request, or WebSockets, can fill
 *    the server.
 * A connection is shut down with shutdown(2): MHD sees the end of the
 * stream, closes it and tells us (MHD_OPTION_NOTIFY_CONNECTION).
 *
 * Main thread only (the thread running the event loop), as all of binder/http.
 */
#pragma once

#include <stdint.h>
#include <microhttpd.h>
#include <systemd/sd-event.h>

struct hsrv;
struct hconn;
struct haddr;

/* The state of admission, in struct hsrv. */
struct hgate {
	int fd;				/* listening socket (owned), or -1 */
	sd_event_source *listen;	/* io on fd */
	sd_event_source *pause;		/* accept paused after EMFILE */
	sd_event_source *deadline;	/* the earliest deadline of the waiting lists */
	unsigned max_connections;	/* connections at once (HTTP + WebSocket) */
	unsigned max_per_address;	/* of them from one address (0: no limit) */
	uint64_t header_us;		/* request line and headers (0: no deadline) */
	uint64_t idle_us;		/* keep-alive wait for a request line (0: none) */
	unsigned max_args;		/* query arguments of one request */
	unsigned total;			/* connections counted */
	unsigned dying;			/* of them, shut down by us, not yet closed by MHD */
	unsigned relays;		/* upgraded ones that MHD relays through TLS (until MHD closes them) */
	unsigned given_back;		/* of them, released by their user */
	unsigned peak;			/* most connections at once since the last time there was none */
	unsigned refused;		/* since start (logs, tests) */
	unsigned evicted;		/* idem */
	unsigned expired;		/* idem: past their deadline */
	struct hconn *adding;		/* being given to MHD_add_connection */
	int adding_started;		/* and MHD notified its start */
	/* waiting connections, oldest first: [0] in their headers, [1] idle keep-alive */
	struct hconn *head[2], *tail[2];
	/* connections per address: a hash table */
	struct haddr **buckets;
	unsigned nbuckets, naddrs;
};

/*
 * Listens on hsrv->options (or takes options.listen_fd) and starts
 * accepting into hsrv->daemon (started with MHD_USE_NO_LISTEN_SOCKET).
 * Sets hsrv->port. Returns 0 or -errno (logged).
 */
int hconn_listen(struct hsrv *hsrv);

/* Stops accepting and releases the gate (after MHD_stop_daemon). */
void hconn_stop(struct hsrv *hsrv);

/* The limits computed from the options (hsrv_new, before hconn_listen). */
void hconn_set_limits(struct hsrv *hsrv);

/* MHD_OPTION_NOTIFY_CONNECTION callback ('cls': the hsrv). */
void hconn_on_notify(void *cls, struct MHD_Connection *con, void **socket_context,
		     enum MHD_ConnectionNotificationCode code);

/*
 * MHD_OPTION_URI_LOG_CALLBACK ('cls': the hsrv): the request line
 * arrived. Returns the first *con_cls of the request: NULL, or
 * HCONN_TOO_MANY_ARGS when its query has more than max_args arguments
 * (they are then not parsed: libmicrohttpd 0.9.75 would run out of
 * connection memory and close the connection without a status).
 */
void *hconn_on_uri(void *cls, const char *uri, struct MHD_Connection *con);
extern char hconn_too_many_args_marker;
#define HCONN_TOO_MANY_ARGS ((void *)&hconn_too_many_args_marker)

/* The request line and headers of the request of 'con' are complete. */
void hconn_request_started(struct hsrv *hsrv, struct MHD_Connection *con);

/* The request of 'con' completed (NOTIFY_COMPLETED): it waits for the next one. */
void hconn_request_completed(struct hsrv *hsrv, struct MHD_Connection *con);
