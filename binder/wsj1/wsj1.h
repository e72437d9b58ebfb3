/*
 * The WebSocket server of subprotocol x-afb-ws-json1, at <rootapi>.
 *
 * Browsers and afb-client call verbs and receive events over it; see
 * docs/websocket.md for the protocol, the limits and the behaviour.
 * Main thread only.
 */
#pragma once

struct afb_config;
struct apiset;
struct hsrv;
struct wsj1;

/*
 * Installs the upgrade handler on 'hsrv'. Everything given is borrowed
 * and must outlive the server. Returns 0 or -errno; *out is set on success.
 */
int wsj1_new(struct wsj1 **out, struct hsrv *hsrv, const struct afb_config *config, struct apiset *apiset);

/*
 * Closes every connection (close 1001, going away), uninstalls the
 * handler and frees the server; before hsrv_free. Requests still pending
 * complete later and their replies are dropped. Accepts NULL.
 */
void wsj1_free(struct wsj1 *ws);

/* Count of open connections (tests, monitoring). */
unsigned wsj1_count(const struct wsj1 *ws);
