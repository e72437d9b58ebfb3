/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals of the HTTP server shared by hsrv.c, hreq.c and files.c.
 * Not for use outside binder/http. Event loop only (see hsrv.c).
 */
#pragma once

#include <stddef.h>
#include <microhttpd.h>
#include <systemd/sd-event.h>

#include "hsrv.h"
#include "mainloop.h"
#include "hconn.h"

/*
 * Memory of one connection (MHD's pool): the request line and headers
 * take at most about half of it, the parsed headers and query arguments
 * (about 32 bytes each) the rest. Above 32 KiB MHD maps pools with mmap:
 * they go back to the system as soon as the connection closes.
 */
#define HSRV_POOL_SIZE (40 * 1024)
#define HSRV_POOL_INCREMENT 4096
/* while a closed TLS relay waits for MHD to close it: the longest wait between two MHD_run (hsrv.c) */
#define HSRV_RELAY_POLL_MS 20
/* MHD_run of one kick at most, while TLS relays are open (MHD 0.9.75 relays 4 bytes per run, hsrv.c); else 2 */
#define HSRV_RELAY_RUNS 8
/* query arguments of one request: more would exhaust the pool (414 beyond) */
#define HSRV_MAX_ARGS 400

struct files_root;
struct hreq;
struct peer;

struct hsrv {
	struct MHD_Daemon *daemon;
	sd_event_source *io;		/* MHD's epoll fd */
	sd_event_source *timer;		/* MHD_get_timeout */
	struct mainloop_soon kick;	/* runs MHD once more soon (soon work) */
	struct hsrv_options options;	/* a copy; the strings are borrowed */
	struct apiset *apiset;		/* borrowed */
	char *rootapi;			/* "/api": leading '/', no trailing '/' ("" for "/") */
	size_t rootapi_len;
	char *cookie_path;		/* rootapi, or "/" when rootapi is "" */
	char cookie_name[32];		/* "x-afb-uuid-<port>" */
	int port;
	int running;			/* inside MHD_run: no re-entrance */
	int stopping;			/* hsrv_free in progress: close resumed connections */
	struct files_root *roothttp;	/* relaxed: missing files fall through */
	struct files_root *aliases;	/* strict, linked through files_root_next */
	const char *assets[3];		/* built-in files served: "/afb", "/monitoring" (assets.h) */
	hsrv_upgrade_handler_t upgrade;
	void *upgrade_closure;
	char *tls_cert, *tls_key;	/* PEM texts given to MHD (https) */
	struct hreq *suspended;		/* requests waiting for their reply (shutdown) */
	unsigned requests;		/* api requests begun and not completed by MHD (hsrv_busy) */
	struct hgate gate;		/* admission of connections (hconn.c) */
};

/* Runs MHD now (or soon, when called from inside MHD). */
void hsrv_run_now(struct hsrv *hsrv);

/* Asks for MHD_run soon: in this turn of the loop, or the next one (soon work, mainloop.h). */
void hsrv_kick(struct hsrv *hsrv);

/*
 * Queues a response of 'code' with the text 'body' (NULL: empty, else
 * copied) and an optional extra header. Returns MHD_YES or MHD_NO.
 */
enum MHD_Result hsrv_queue_simple(struct MHD_Connection *con, unsigned code, const char *body,
				  const char *header, const char *value);

/*
 * Queues the refusal of a request before it reaches anything: under the
 * rootapi, the JSON envelope of docs/http.md (status "bad-request",
 * 'info'); elsewhere 'info' as text/plain. 'url' may be NULL.
 */
enum MHD_Result hsrv_queue_refusal(struct hsrv *hsrv, struct MHD_Connection *con, const char *url, unsigned code,
				   const char *info);

/*
 * Case-insensitive prefix match of a URL path on a full segment: 'url'
 * starts with 'prefix' ("" matches everything) and goes on with '/' or
 * ends. Returns the tail (starting at '/' or empty), or NULL.
 */
const char *hsrv_match_prefix(const char *url, const char *prefix, size_t prefix_len);

/* The client peer of 'con' (borrowed; NULL if it could not be made). */
struct peer *hsrv_peer(struct MHD_Connection *con);
