/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The client side of a WebSocket: URL, connection, opening handshake and
 * masked frames. Used by afb-client and by the benchmark client.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct wsurl {
	char *host;	/* without brackets for IPv6 */
	char *port;
	char *target;	/* path and query, starts with '/' */
	int tls;	/* wss:// */
};

/*
 * Parses ws://HOST[:PORT][/PATH][?QUERY] (PORT 80 by default) and
 * wss://... (TLS, PORT 443 by default). 0 or -EINVAL/-ENOMEM.
 */
int wsurl_parse(const char *url, struct wsurl *out);
void wsurl_clear(struct wsurl *url);

/* ---- TLS (wss://): GnuTLS ---- */

struct wsclient_tls;

struct wsclient_tls_options {
	const char *cafile;	/* PEM of the trusted CAs (NULL: the system's) */
	int insecure;		/* do not check the server's certificate */
};

/*
 * Connects to 'url' (ws:// or wss://) and makes the opening handshake
 * as wsclient_connect does. For wss://, *tls gets the TLS session
 * (checked against 'options': the certificate chain and the host name),
 * through which every byte must then go (wsclient_send/recv); for ws://,
 * *tls is NULL. On a refused certificate, 'error' says why.
 */
int wsclient_connect_tls(const struct wsurl *url, const struct wsclient_tls_options *options, const char *protocol,
			 int timeout_ms, int *http_status, char **extra, size_t *extra_len,
			 struct wsclient_tls **tls, char *error, size_t error_size);

/*
 * send(MSG_DONTWAIT|MSG_NOSIGNAL) and recv(MSG_DONTWAIT) through 'tls'
 * (plain when NULL): -1 with errno EAGAIN when they would block, 0 from
 * wsclient_recv at the end of the stream. After EAGAIN, wsclient_send
 * must be called again with the same data.
 */
ssize_t wsclient_send(int fd, struct wsclient_tls *tls, const void *data, size_t len);
ssize_t wsclient_recv(int fd, struct wsclient_tls *tls, void *buf, size_t size);

/* Ends the TLS session (close_notify, not waited for) and frees it. Accepts NULL. */
void wsclient_tls_free(struct wsclient_tls *tls);

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
