/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The HTTP server: libmicrohttpd driven by the daemon's sd-event loop.
 *
 * It serves REST api calls under <rootapi>/<api>/<verb>, static files from
 * --roothttp and --alias, and (later) the WebSocket upgrade at <rootapi>.
 * Everything here runs on the main thread except the request reply hook,
 * which only hands work back to the main thread (see hreq.c). "Main
 * thread" in binder/http means whichever thread runs the event loop at
 * the time (mainloop_is_main()): the loop is never run by two at once.
 * The behaviour is documented in docs/http.md.
 */
#pragma once

#include <stddef.h>

struct apiset;
struct hsrv;
struct MHD_Connection;
struct MHD_Response;

/* The options of the HTTP server (main fills them from its configuration). */
struct hsrv_options {
	const char *interface;		/* address to listen on (NULL: every address) */
	int port;			/* 0: any free one */
	int listen_fd;			/* >= 0: an already listening socket to use (socket
					   activation), instead of interface/port; taken */
	const char *rootapi;		/* URL prefix of the apis (NULL: "/api") */
	const char *roothttp;		/* static files under / (NULL: none) */
	const char *rootdir;		/* base of relative roothttp/alias paths (NULL: ".") */
	const char *const *aliases;	/* NULL-terminated "/prefix:directory" (NULL: none) */
	int cache_eol;			/* max-age of static files, seconds */
	const char *uploaddir;		/* temporary files of uploads (NULL: ".") */
	size_t max_body;		/* largest body other than uploads */
	size_t max_upload;		/* largest multipart upload */
	int http_timeout;		/* idle connections closed after, seconds (0: never) */
	unsigned max_connections;	/* HTTP and WebSocket connections at once (0: 3/4 of the
					   open file limit); lowered to stay below that limit */
	unsigned max_per_address;	/* of them from one client address (0: no limit) */
	int header_timeout;		/* seconds to send a request line and headers (0: none) */
	int session_timeout;		/* Max-Age of the session cookie, seconds */
	int https;			/* TLS (HTTPS and wss) instead of plain HTTP */
	const char *https_cert;		/* PEM file of the certificate chain (with https) */
	const char *https_key;		/* PEM file of the private key (with https) */
	int no_web_client;		/* do not serve /afb/ (AFB.js, afb.mjs: docs/web.md) */
	int monitoring;			/* serve /monitoring/ (monitoring page, api explorer) */
};

/*
 * Starts listening as 'options' say and attaches to mainloop_event().
 * 'options' is copied, but the strings it points to and 'apiset' are
 * borrowed: they must outlive the server. Returns 0 or -errno (with a
 * message logged); *out is set only on success.
 */
int hsrv_new(struct hsrv **out, const struct hsrv_options *options, struct apiset *apiset);

/*
 * Stops listening, closes every connection (pending requests still get
 * their reply from the core, which is then dropped) and frees the server.
 * Accepts NULL.
 */
void hsrv_free(struct hsrv *hsrv);

/* The actual listening port (options->port may be 0: ephemeral). */
int hsrv_port(struct hsrv *hsrv);

/*
 * ws: an upgraded connection goes on counting against the connection
 * limits (total, per address) until it releases its slot. Call from the
 * upgrade callback, with the MHD connection being upgraded; NULL when it
 * is not counted (no harm). Main thread.
 */
struct hsrv_slot;
struct hsrv_slot *hsrv_slot_keep(struct hsrv *hsrv, struct MHD_Connection *con);
/*
 * Releases the slot (NULL accepted); before hsrv_free. With TLS, after
 * MHD_upgrade_action(CLOSE): the slot then lasts until MHD closes the
 * connection, and hsrv runs MHD until it does (hsrv.c).
 */
void hsrv_slot_release(struct hsrv_slot *slot);

/* Counters of the admission of connections (tests, monitoring). */
struct hsrv_counts {
	unsigned open;		/* connections counted now */
	unsigned refused;	/* 503 at accept, since start */
	unsigned evicted;	/* waiting ones closed to admit a new one */
	unsigned expired;	/* closed for not sending a request in time */
	unsigned max_connections;	/* the limits in effect */
	unsigned max_per_address;
};
void hsrv_get_counts(const struct hsrv *hsrv, struct hsrv_counts *counts);

/*
 * Main thread, shutdown: 1 while an api request has not been completed
 * (its response not fully sent), else 0. Accepts NULL.
 */
int hsrv_busy(const struct hsrv *hsrv);

/* 1 when the server speaks TLS (HTTPS and wss). */
int hsrv_is_tls(const struct hsrv *hsrv);

/* The canonical api prefix: "/api" (one leading '/', no trailing one; "" for "/"). */
const char *hsrv_rootapi(const struct hsrv *hsrv);

/*
 * The session cookie, written the same way by REST and WebSocket: its
 * name ("x-afb-uuid-<port>"), and the header that sets it for the
 * session 'uuid' (Path the rootapi, Max-Age the session timeout,
 * HttpOnly, Secure with TLS). hsrv_set_cookie returns 0 or -ENOMEM.
 */
const char *hsrv_cookie_name(const struct hsrv *hsrv);
int hsrv_set_cookie(const struct hsrv *hsrv, struct MHD_Response *response, const char *uuid);

/*
 * Hook for the WebSocket upgrade (issue 3): called on the first call of the
 * access handler for a request whose path is exactly <rootapi> (ignoring
 * case), any method. 'url' is the decoded path, 'version' the HTTP version.
 * The handler returns 1 when it queued a response (the upgrade or an error),
 * 0 to decline (the request then goes on to the static files and 404), or a
 * negative -errno (the connection is closed).
 */
typedef int (*hsrv_upgrade_handler_t)(void *closure, struct MHD_Connection *connection,
				      const char *url, const char *method, const char *version);

/* Sets (or clears with NULL) the upgrade handler. 'closure' is borrowed. */
void hsrv_set_upgrade_handler(struct hsrv *hsrv, hsrv_upgrade_handler_t handler, void *closure);

/*
 * ws: asks for one MHD_run soon. Needed after MHD_upgrade_action(CLOSE):
 * without an internal thread, MHD does not wake itself up to close the
 * socket, which would stay open until the connection timeout.
 */
void hsrv_wake(struct hsrv *hsrv);	/* ws */
