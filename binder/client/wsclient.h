/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The client side of a WebSocket: URL, connection, opening handshake and
 * masked frames. Used by afb-client and by the benchmark client.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct wsurl {
	char *host;	/* without brackets for IPv6 */
	char *port;
	char *target;	/* path and query, starts with '/' */
};

/* Parses ws://HOST[:PORT][/PATH][?QUERY] (PORT 80 by default). 0 or -EINVAL/-ENOMEM. */
int wsurl_parse(const char *url, struct wsurl *out);
void wsurl_clear(struct wsurl *url);

/*
 * Connects to 'url' and makes the opening handshake offering 'protocol',
 * with a random key, checking the server's accept key. Returns the socket
 * (non-blocking) or -errno. '*http_status' gets the status of a refusal
 * (0 when the failure is elsewhere), 'error' a message. Bytes received
 * after the handshake go to *extra (malloc'ed, may be NULL) and *extra_len.
 */
int wsclient_connect(const struct wsurl *url, const char *protocol, int timeout_ms, int *http_status,
		     char **extra, size_t *extra_len, char *error, size_t error_size);

/*
 * A final frame of 'opcode' with 'len' bytes of 'payload', masked with a
 * random key as clients must. Returns a malloc'ed buffer of *size bytes,
 * or NULL.
 */
uint8_t *wsclient_frame(unsigned opcode, const void *payload, size_t len, size_t *size);
