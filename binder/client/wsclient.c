/* SPDX-License-Identifier: Apache-2.0 */
/*
 * WebSocket client plumbing. See wsclient.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "wsclient.h"
#include "wskey.h"
#include "wsmsg.h"

#define MAX_RESPONSE_HEAD 16384

void wsurl_clear(struct wsurl *url)
{
	free(url->host);
	free(url->port);
	free(url->target);
	memset(url, 0, sizeof *url);
}

int wsurl_parse(const char *text, struct wsurl *url)
{
	const char *p, *host, *end;
	size_t hlen;

	memset(url, 0, sizeof *url);
	if (!strncasecmp(text, "wss://", 6)) {
		url->tls = 1;
		p = host = text + 6;
	} else if (!strncasecmp(text, "ws://", 5)) {
		p = host = text + 5;
	} else {
		return -EINVAL;
	}
	if (*p == '[') {
		end = strchr(p, ']');
		if (!end)
			return -EINVAL;
		host = p + 1;
		hlen = (size_t)(end - host);
		p = end + 1;
	} else {
		hlen = strcspn(p, ":/?");
		p += hlen;
	}
	if (!hlen)
		return -EINVAL;
	url->host = strndup(host, hlen);
	if (*p == ':') {
		p++;
		url->port = strndup(p, strcspn(p, "/?"));
		p += strcspn(p, "/?");
	} else {
		url->port = strdup(url->tls ? "443" : "80");
	}
	if (*p == '/')
		url->target = strdup(p);
	else if (asprintf(&url->target, "/%s", p) < 0)
		url->target = NULL;
	if (!url->host || !url->port || !url->target || !*url->port || (*p && *p != '/' && *p != '?')) {
		wsurl_clear(url);
		return -EINVAL;
	}
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for 'events' on 'fd' until 'deadline'. 0, or -ETIMEDOUT. */
static int wait_fd(int fd, short events, long long deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	long long left;
	int rc;

	for (;;) {
		left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		rc = poll(&pfd, 1, (int)left);
		if (rc > 0)
			return 0;
		if (rc < 0 && errno != EINTR)
			return -errno;
	}
}

static int connect_to(const struct wsurl *url, long long deadline, char *error, size_t size)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai, *it;
	socklen_t len;
	int fd = -1, rc, err = ECONNREFUSED, one = 1;

	rc = getaddrinfo(url->host, url->port, &hints, &ai);
	if (rc) {
		snprintf(error, size, "can't resolve %s:%s: %s", url->host, url->port, gai_strerror(rc));
		return -EHOSTUNREACH;
	}
	for (it = ai; it; it = it->ai_next) {
		fd = socket(it->ai_family, it->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, it->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		if (connect(fd, it->ai_addr, it->ai_addrlen) == 0 ||
		    (errno == EINPROGRESS && wait_fd(fd, POLLOUT, deadline) == 0)) {
			len = sizeof err;
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0)
				break;
		} else {
			err = errno == EINPROGRESS ? ETIMEDOUT : errno;
		}
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	if (fd < 0) {
		snprintf(error, size, "can't connect to %s:%s: %s", url->host, url->port, strerror(err));
		return -err;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

/* The value of header 'name' in the response head 'head', copied into 'buf', or NULL. */
static const char *find_header(const char *head, const char *name, char *buf, size_t size)
{
	size_t nlen = strlen(name), vlen;
	const char *line = strstr(head, "\r\n"), *v;

	while (line && line[2] && line[2] != '\r') {
		line += 2;
		if (!strncasecmp(line, name, nlen) && line[nlen] == ':') {
			v = line + nlen + 1;
			v += strspn(v, " \t");
			vlen = strcspn(v, "\r");
			while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
				vlen--;
			if (vlen >= size)
				vlen = size - 1;
			memcpy(buf, v, vlen);
			buf[vlen] = 0;
			return buf;
		}
		line = strstr(line, "\r\n");
	}
	return NULL;
}

/* ---- TLS ---- */

struct wsclient_tls {
	gnutls_session_t session;
	gnutls_certificate_credentials_t creds;
};

void wsclient_tls_free(struct wsclient_tls *tls)
{
	if (!tls)
		return;
	if (tls->session) {
		gnutls_bye(tls->session, GNUTLS_SHUT_WR);
		gnutls_deinit(tls->session);
	}
	if (tls->creds)
		gnutls_certificate_free_credentials(tls->creds);
	free(tls);
}

/* GnuTLS's "would block" as errno EAGAIN, its other errors as EPROTO (or EPIPE) */
static ssize_t tls_result(ssize_t n)
{
	if (n >= 0)
		return n;
	if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
		errno = EAGAIN;
	else if (n == GNUTLS_E_PREMATURE_TERMINATION || n == GNUTLS_E_PUSH_ERROR || n == GNUTLS_E_PULL_ERROR)
		errno = EPIPE;
	else
		errno = EPROTO;
	return -1;
}

ssize_t wsclient_send(int fd, struct wsclient_tls *tls, const void *data, size_t len)
{
	if (!tls)
		return send(fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	return tls_result(gnutls_record_send(tls->session, data, len));
}

ssize_t wsclient_recv(int fd, struct wsclient_tls *tls, void *buf, size_t size)
{
	if (!tls)
		return recv(fd, buf, size, MSG_DONTWAIT);
	return tls_result(gnutls_record_recv(tls->session, buf, size));
}

/* Waits until 'tls' (or the plain 'fd') can go on in the direction GnuTLS wants. */
static int wait_io(int fd, struct wsclient_tls *tls, short plain_events, long long deadline)
{
	short events = plain_events;

	if (tls)
		events = gnutls_record_get_direction(tls->session) ? POLLOUT : POLLIN;
	return wait_fd(fd, events, deadline);
}

/* 1 when 'host' is a numeric IPv4 or IPv6 address */
static int is_ip(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

static int tls_start(int fd, const struct wsurl *url, const struct wsclient_tls_options *options,
		     long long deadline, struct wsclient_tls **out, char *error, size_t size)
{
	struct wsclient_tls *tls = calloc(1, sizeof *tls);
	gnutls_datum_t text = { NULL, 0 };
	unsigned status;
	int rc;

	if (!tls)
		return -ENOMEM;
	rc = gnutls_certificate_allocate_credentials(&tls->creds);
	if (rc >= 0 && !options->insecure) {
		rc = options->cafile ? gnutls_certificate_set_x509_trust_file(tls->creds, options->cafile, GNUTLS_X509_FMT_PEM)
				     : gnutls_certificate_set_x509_system_trust(tls->creds);
		if (rc == 0 && options->cafile)
			rc = GNUTLS_E_FILE_ERROR;
		if (rc < 0) {
			snprintf(error, size, "can't load the trusted certificates %s: %s",
				 options->cafile ? options->cafile : "of the system", gnutls_strerror(rc));
			wsclient_tls_free(tls);
			return -EINVAL;
		}
	}
	if (rc >= 0)
		rc = gnutls_init(&tls->session, GNUTLS_CLIENT | GNUTLS_NONBLOCK);
	if (rc >= 0)
		rc = gnutls_set_default_priority(tls->session);
	if (rc >= 0)
		rc = gnutls_credentials_set(tls->session, GNUTLS_CRD_CERTIFICATE, tls->creds);
	/* SNI is for names only */
	if (rc >= 0 && !is_ip(url->host))
		rc = gnutls_server_name_set(tls->session, GNUTLS_NAME_DNS, url->host, strlen(url->host));
	if (rc < 0) {
		snprintf(error, size, "can't set up TLS: %s", gnutls_strerror(rc));
		wsclient_tls_free(tls);
		return -EPROTO;
	}
	/* the chain and the name (or IP address) of the certificate */
	if (!options->insecure)
		gnutls_session_set_verify_cert(tls->session, url->host, 0);
	gnutls_transport_set_int(tls->session, fd);
	do {
		rc = gnutls_handshake(tls->session);
		if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) {
			if (wait_io(fd, tls, POLLIN, deadline) < 0) {
				snprintf(error, size, "TLS handshake with %s:%s: timed out", url->host, url->port);
				wsclient_tls_free(tls);
				return -ETIMEDOUT;
			}
		} else if (rc < 0 && gnutls_error_is_fatal(rc)) {
			break;
		}
	} while (rc < 0);
	if (rc < 0) {
		if (rc == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) {
			status = gnutls_session_get_verify_cert_status(tls->session);
			gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &text, 0);
			snprintf(error, size, "the certificate of %s is refused: %s(%s, or --insecure)", url->host,
				 text.data ? (char *)text.data : "?",
				 status & GNUTLS_CERT_UNEXPECTED_OWNER ? "use the name the certificate was made for"
								       : "give its CA with --cacert FILE");
			gnutls_free(text.data);
		} else {
			snprintf(error, size, "TLS handshake with %s:%s failed: %s%s", url->host, url->port,
				 gnutls_strerror(rc),
				 rc == GNUTLS_E_UNEXPECTED_PACKET_LENGTH || rc == GNUTLS_E_UNSUPPORTED_VERSION_PACKET
					 || rc == GNUTLS_E_UNEXPECTED_PACKET || rc == GNUTLS_E_PREMATURE_TERMINATION
					 ? " (does the server speak TLS? use ws:// for plain HTTP)" : "");
		}
		wsclient_tls_free(tls);
		return -EPROTO;
	}
	*out = tls;
	return 0;
}

/* ---- plain ---- */

static int send_all(int fd, struct wsclient_tls *tls, const char *data, size_t len, long long deadline)
{
	ssize_t n;
	int rc;

	while (len) {
		n = wsclient_send(fd, tls, data, len);
		if (n > 0) {
			data += n;
			len -= (size_t)n;
		} else if (n < 0 && errno == EAGAIN) {
			rc = wait_io(fd, tls, POLLOUT, deadline);
			if (rc < 0)
				return rc;
		} else if (n < 0 && errno != EINTR) {
			return -errno;
		}
	}
	return 0;
}

static int handshake(int fd, struct wsclient_tls *tls, const struct wsurl *url, const char *protocol,
		     long long deadline, int *http_status, char **extra, size_t *extra_len, char *error, size_t size)
{
	char key[WSKEY_KEY_LEN + 1], accept[WSKEY_ACCEPT_LEN + 1], value[128], *req = NULL, *head, *end;
	size_t got = 0;
	ssize_t n;
	int rc, status, hostv6 = strchr(url->host, ':') != NULL;

	rc = wskey_random(key);
	if (rc < 0 || asprintf(&req,
			 "GET %s HTTP/1.1\r\nHost: %s%s%s:%s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
			 "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: %s\r\n\r\n",
			 url->target, hostv6 ? "[" : "", url->host, hostv6 ? "]" : "", url->port, key, protocol) < 0) {
		snprintf(error, size, "out of memory");
		return -ENOMEM;
	}
	rc = send_all(fd, tls, req, strlen(req), deadline);
	free(req);
	if (rc < 0) {
		snprintf(error, size, "can't send the handshake: %s", strerror(-rc));
		return rc;
	}
	head = malloc(MAX_RESPONSE_HEAD + 1);
	if (!head)
		return -ENOMEM;
	/* the head ends with an empty line; what follows is WebSocket data */
	for (;;) {
		head[got] = 0;
		end = strstr(head, "\r\n\r\n");
		if (end)
			break;
		if (got == MAX_RESPONSE_HEAD) {
			rc = -EPROTO;
			snprintf(error, size, "response head too long");
			goto out;
		}
		n = wsclient_recv(fd, tls, head + got, MAX_RESPONSE_HEAD - got);
		if (n > 0) {
			got += (size_t)n;
		} else if (n < 0 && errno == EAGAIN) {
			rc = wait_io(fd, tls, POLLIN, deadline);
			if (rc < 0) {
				snprintf(error, size, "no handshake response: %s", strerror(-rc));
				goto out;
			}
		} else if (n == 0 || errno != EINTR) {
			rc = n == 0 ? -ECONNRESET : -errno;
			snprintf(error, size, "connection lost during the handshake: %s%s", strerror(-rc),
				 tls ? "" : " (if the server uses TLS, --https, use wss://)");
			goto out;
		}
	}
	rc = -EPROTO;
	if (sscanf(head, "HTTP/1.1 %d", &status) != 1) {
		snprintf(error, size, "not an HTTP response");
		goto out;
	}
	if (status != 101) {
		*http_status = status;
		rc = -ECONNREFUSED;
		if (status == 401)
			snprintf(error, size, "handshake refused: %.*s: the token is missing or wrong "
				 "(add ?token=TOKEN to the URL)", (int)strcspn(head, "\r"), head);
		else
			snprintf(error, size, "handshake refused: %.*s: no x-afb-ws-json1 WebSocket at %.*s "
				 "(afb-daemon serves it at its --rootapi, by default /api: %s://%s%s%s:%s/api?token=TOKEN)",
				 (int)strcspn(head, "\r"), head, (int)strcspn(url->target, "?"), url->target,
				 url->tls ? "wss" : "ws", hostv6 ? "[" : "", url->host, hostv6 ? "]" : "", url->port);
		goto out;
	}
	wskey_accept(key, accept);
	if (!find_header(head, "Sec-WebSocket-Accept", value, sizeof value) || strcmp(value, accept)) {
		snprintf(error, size, "bad Sec-WebSocket-Accept");
		goto out;
	}
	if (find_header(head, "Sec-WebSocket-Protocol", value, sizeof value) && strcasecmp(value, protocol)) {
		snprintf(error, size, "the server chose the subprotocol %s", value);
		goto out;
	}
	end += 4;
	*extra_len = got - (size_t)(end - head);
	*extra = NULL;
	if (*extra_len) {
		*extra = malloc(*extra_len);
		if (!*extra) {
			rc = -ENOMEM;
			goto out;
		}
		memcpy(*extra, end, *extra_len);
	}
	rc = 0;
out:
	free(head);
	return rc;
}

int wsclient_connect_tls(const struct wsurl *url, const struct wsclient_tls_options *options, const char *protocol,
			 int timeout_ms, int *http_status, char **extra, size_t *extra_len,
			 struct wsclient_tls **tls, char *error, size_t error_size)
{
	static const struct wsclient_tls_options defaults = { NULL, 0 };
	long long deadline = now_ms() + timeout_ms;
	int fd, rc = 0;

	*http_status = 0;
	*extra = NULL;
	*extra_len = 0;
	*tls = NULL;
	fd = connect_to(url, deadline, error, error_size);
	if (fd < 0)
		return fd;
	if (url->tls)
		rc = tls_start(fd, url, options ? options : &defaults, deadline, tls, error, error_size);
	if (rc >= 0)
		rc = handshake(fd, *tls, url, protocol, deadline, http_status, extra, extra_len, error, error_size);
	if (rc < 0) {
		wsclient_tls_free(*tls);
		*tls = NULL;
		close(fd);
		return rc;
	}
	return fd;
}

int wsclient_connect(const struct wsurl *url, const char *protocol, int timeout_ms, int *http_status,
		     char **extra, size_t *extra_len, char *error, size_t error_size)
{
	struct wsclient_tls *tls;
	int fd;

	if (url->tls) {
		snprintf(error, error_size, "wss:// is not supported here");
		return -EPROTONOSUPPORT;
	}
	fd = wsclient_connect_tls(url, NULL, protocol, timeout_ms, http_status, extra, extra_len, &tls, error,
				  error_size);
	return fd;
}

uint8_t *wsclient_frame(unsigned opcode, const void *payload, size_t len, size_t *size)
{
	uint8_t mask[4], hdr[WSMSG_HEADER_MAX], *frame;
	size_t hlen;

	arc4random_buf(mask, sizeof mask);
	hlen = wsmsg_header(hdr, opcode, len, mask);
	frame = malloc(hlen + len);
	if (!frame)
		return NULL;
	memcpy(frame, hdr, hlen);
	if (len)
		memcpy(frame + hlen, payload, len);
	wsmsg_mask(frame + hlen, len, mask, 0);
	*size = hlen + len;
	return frame;
}
