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

struct afb_config;
struct apiset;
struct hsrv;
struct MHD_Connection;

/*
 * Starts listening on config->interface / config->port and attaches to
 * mainloop_event(). 'config' and 'apiset' are borrowed: they must outlive
 * the server. Returns 0 or -errno; *out is set only on success.
 */
int hsrv_new(struct hsrv **out, const struct afb_config *config, struct apiset *apiset);

/*
 * Stops listening, closes every connection (pending requests still get
 * their reply from the core, which is then dropped) and frees the server.
 * Accepts NULL.
 */
void hsrv_free(struct hsrv *hsrv);

/* The actual listening port (config->port may be 0: ephemeral). */
int hsrv_port(struct hsrv *hsrv);

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
