/* SPDX-License-Identifier: Apache-2.0 */
/*
 * proto-ws addresses and sockets: see wsaddr.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include "apiset.h"
#include "verbose.h"
#include "wsaddr.h"

#define BACKLOG 128

void wsaddr_free(struct wsaddr *a)
{
	if (!a)
		return;
	free(a->uri);
	free(a->api);
	free(a->path);
	free(a->host);
	free(a->port);
	free(a);
}

static int invalid(const char *uri, const char *why)
{
	LOGE("proto-ws: invalid address '%s': %s", uri, why);
	return -EINVAL;
}

/* host:port/api or [v6]:port/api, 'spec' without the optional tcp: */
static int parse_tcp(struct wsaddr *a, const char *uri, const char *spec)
{
	const char *slash = strrchr(spec, '/'), *colon, *hend;

	if (!slash)
		return invalid(uri, "expected host:port/api");
	if (spec[0] == '[') {
		hend = memchr(spec, ']', (size_t)(slash - spec));
		if (!hend || hend[1] != ':')
			return invalid(uri, "expected [address]:port/api");
		a->host = strndup(spec + 1, (size_t)(hend - spec - 1));
		colon = hend + 1;
	} else {
		colon = memrchr(spec, ':', (size_t)(slash - spec));
		if (!colon)
			return invalid(uri, "expected host:port/api");
		a->host = strndup(spec, (size_t)(colon - spec));
	}
	a->port = strndup(colon + 1, (size_t)(slash - colon - 1));
	if (!a->host || !a->port)
		return -ENOMEM;
	if (!*a->host || !*a->port)
		return invalid(uri, "empty host or port");
	a->kind = WSADDR_TCP;
	return 0;
}

int wsaddr_parse(const char *uri, struct wsaddr **out)
{
	struct wsaddr *a = calloc(1, sizeof *a);
	const char *api, *p;
	int rc;

	if (!a || !(a->uri = strdup(uri))) {
		free(a);
		return -ENOMEM;
	}
	/* the api is what follows the last '/' or ':' */
	for (api = p = uri; *p; p++)
		if (*p == '/' || *p == ':')
			api = p + 1;
	if (!api_name_is_valid(api)) {
		rc = invalid(uri, "it does not end with a valid api name");
		goto error;
	}
	a->api = strdup(api);
	rc = -ENOMEM;
	if (!a->api)
		goto error;
	if (!strncmp(uri, "unix:", 5)) {
		p = uri + 5;
		a->kind = *p == '@' ? WSADDR_ABSTRACT : WSADDR_UNIX;
		if (*p == '@')
			p++;
		/* sun_path keeps a NUL after a path, or the leading NUL of a name */
		if (!*p || strlen(p) >= sizeof ((struct sockaddr_un *)0)->sun_path) {
			rc = invalid(uri, "empty or too long socket name");
			goto error;
		}
		if (!(a->path = strdup(p)))
			goto error;
	} else if (!strncmp(uri, "sd:", 3)) {
		a->kind = WSADDR_SYSTEMD;
		if (!(a->path = strdup(uri + 3)))
			goto error;
	} else {
		rc = parse_tcp(a, uri, strncmp(uri, "tcp:", 4) ? uri : uri + 4);
		if (rc < 0)
			goto error;
	}
	*out = a;
	return 0;
error:
	wsaddr_free(a);
	return rc;
}

static socklen_t unix_sockaddr(const struct wsaddr *a, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof *sun);
	sun->sun_family = AF_UNIX;
	if (a->kind == WSADDR_ABSTRACT) {
		/* full length, NUL padded: the 2017 binder's convention */
		memcpy(sun->sun_path + 1, a->path, strlen(a->path));
		return (socklen_t)sizeof *sun;
	}
	memcpy(sun->sun_path, a->path, strlen(a->path));
	return (socklen_t)sizeof *sun;
}

static int set_flags(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		return -errno;
	return 0;
}

static int systemd_fd(const struct wsaddr *a)
{
	char **names = NULL;
	int n, i, rc, fd = -ENOENT;

	n = sd_listen_fds_with_names(0, &names);
	for (i = 0; i < n; i++) {
		if (fd < 0 && names && names[i] && !strcmp(names[i], a->path))
			fd = SD_LISTEN_FDS_START + i;
		if (names)
			free(names[i]);
	}
	free(names);
	if (fd < 0) {
		LOGE("proto-ws: no socket named '%s' was passed by systemd", a->path);
		return fd;
	}
	rc = set_flags(fd);
	return rc < 0 ? rc : fd;
}

static void describe_inet(const struct sockaddr *sa, char *where, unsigned size)
{
	char host[INET6_ADDRSTRLEN] = "?";
	int port = 0;

	if (sa->sa_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, host, sizeof host);
		port = ntohs(((const struct sockaddr_in *)sa)->sin_port);
		snprintf(where, size, "tcp %s:%d", host, port);
	} else if (sa->sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, host, sizeof host);
		port = ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
		snprintf(where, size, "tcp [%s]:%d", host, port);
	}
}

static int resolve(const struct wsaddr *a, int passive, struct addrinfo **res)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	int rc;

	hints.ai_flags = passive ? AI_PASSIVE : AI_ADDRCONFIG;
	rc = getaddrinfo(a->host, a->port, &hints, res);
	if (rc) {
		LOGE("proto-ws: can't resolve %s port %s: %s", a->host, a->port, gai_strerror(rc));
		return -EHOSTUNREACH;
	}
	return 0;
}

static int listen_tcp(const struct wsaddr *a, char *where, unsigned size)
{
	struct addrinfo *res, *ai;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof ss;
	int fd = -EADDRNOTAVAIL, one = 1, rc;

	rc = resolve(a, 1, &res);
	if (rc < 0)
		return rc;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			fd = -errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (ai->ai_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, BACKLOG) == 0)
			break;
		rc = -errno;
		close(fd);
		fd = rc;
	}
	freeaddrinfo(res);
	if (fd >= 0 && where && getsockname(fd, (struct sockaddr *)&ss, &sslen) == 0)
		describe_inet((struct sockaddr *)&ss, where, size);
	return fd;
}

int wsaddr_listen(const struct wsaddr *a, char *where, unsigned size)
{
	struct sockaddr_un sun;
	socklen_t len;
	int fd, rc;

	if (where && size)
		snprintf(where, size, "%s", a->uri);
	switch (a->kind) {
	case WSADDR_SYSTEMD:
		return systemd_fd(a);
	case WSADDR_TCP:
		return listen_tcp(a, where, size);
	default:
		break;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (a->kind == WSADDR_UNIX)
		unlink(a->path);
	len = unix_sockaddr(a, &sun);
	if (bind(fd, (struct sockaddr *)&sun, len) < 0 || listen(fd, BACKLOG) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

static int connect_tcp(const struct wsaddr *a, int *pending)
{
	struct addrinfo *res, *ai;
	int fd = -EHOSTUNREACH, one = 1, rc;

	rc = resolve(a, 0, &res);
	if (rc < 0)
		return rc;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			fd = -errno;
			continue;
		}
		/* small messages go out at once */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			*pending = 0;
			break;
		}
		if (errno == EINPROGRESS) {
			*pending = 1;
			break;
		}
		rc = -errno;
		close(fd);
		fd = rc;
	}
	freeaddrinfo(res);
	return fd;
}

int wsaddr_connect(const struct wsaddr *a, int *pending)
{
	struct sockaddr_un sun;
	socklen_t len;
	int fd, rc;

	*pending = 0;
	switch (a->kind) {
	case WSADDR_SYSTEMD:
		return -EINVAL;
	case WSADDR_TCP:
		return connect_tcp(a, pending);
	default:
		break;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	len = unix_sockaddr(a, &sun);
	if (connect(fd, (struct sockaddr *)&sun, len) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

int wsaddr_peer_trusted(int fd, char *who, unsigned size)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	struct ucred cred;
	socklen_t clen = sizeof cred;

	snprintf(who, size, "unknown peer");
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return 0;
	if (ss.ss_family != AF_UNIX) {
		len = sizeof ss;
		if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0)
			describe_inet((struct sockaddr *)&ss, who, size);
		return 0;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0)
		return 0;
	snprintf(who, size, "unix pid %d uid %u", (int)cred.pid, (unsigned)cred.uid);
	return cred.uid == 0 || cred.uid == geteuid();
}
