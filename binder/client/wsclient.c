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
	if (strncasecmp(text, "ws://", 5))
		return -EINVAL;
	p = host = text + 5;
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
		url->port = strdup("80");
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

static int send_all(int fd, const char *data, size_t len, long long deadline)
{
	ssize_t n;
	int rc;

	while (len) {
		n = send(fd, data, len, MSG_NOSIGNAL);
		if (n > 0) {
			data += n;
			len -= (size_t)n;
		} else if (n < 0 && errno == EAGAIN) {
			rc = wait_fd(fd, POLLOUT, deadline);
			if (rc < 0)
				return rc;
		} else if (n < 0 && errno != EINTR) {
			return -errno;
		}
	}
	return 0;
}

static int handshake(int fd, const struct wsurl *url, const char *protocol, long long deadline, int *http_status,
		     char **extra, size_t *extra_len, char *error, size_t size)
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
	rc = send_all(fd, req, strlen(req), deadline);
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
		n = recv(fd, head + got, MAX_RESPONSE_HEAD - got, 0);
		if (n > 0) {
			got += (size_t)n;
		} else if (n < 0 && errno == EAGAIN) {
			rc = wait_fd(fd, POLLIN, deadline);
			if (rc < 0) {
				snprintf(error, size, "no handshake response: %s", strerror(-rc));
				goto out;
			}
		} else if (n == 0 || errno != EINTR) {
			rc = n == 0 ? -ECONNRESET : -errno;
			snprintf(error, size, "connection lost during the handshake: %s", strerror(-rc));
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
		snprintf(error, size, "handshake refused: %.*s", (int)strcspn(head, "\r"), head);
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

int wsclient_connect(const struct wsurl *url, const char *protocol, int timeout_ms, int *http_status,
		     char **extra, size_t *extra_len, char *error, size_t error_size)
{
	long long deadline = now_ms() + timeout_ms;
	int fd, rc;

	*http_status = 0;
	*extra = NULL;
	*extra_len = 0;
	fd = connect_to(url, deadline, error, error_size);
	if (fd < 0)
		return fd;
	rc = handshake(fd, url, protocol, deadline, http_status, extra, extra_len, error, error_size);
	if (rc < 0) {
		close(fd);
		return rc;
	}
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
