/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The addresses of --ws-client and --ws-server, and their sockets.
 *
 *	unix:/path/api		AF_UNIX socket file /path/api
 *	unix:@name/api		abstract AF_UNIX socket "name/api"
 *	sd:api			socket passed by systemd (LISTEN_FDNAMES), server only
 *	host:port/api		TCP (IPv4 or IPv6, names resolved)
 *	[v6addr]:port/api	TCP over IPv6 (an optional "tcp:" prefix is accepted)
 *
 * The api is the text after the last '/' or ':'. Abstract sockets use the
 * full sizeof(struct sockaddr_un) as address length, the name padded with
 * NULs, as the 2017 binder does, so that both meet. Sockets are
 * non-blocking and close-on-exec.
 */
#pragma once

enum wsaddr_kind {
	WSADDR_UNIX,
	WSADDR_ABSTRACT,
	WSADDR_SYSTEMD,
	WSADDR_TCP,
};

struct wsaddr {
	enum wsaddr_kind kind;
	char *uri;	/* the text given */
	char *api;	/* the api name */
	char *path;	/* UNIX: the path; ABSTRACT: the name without '@'; SYSTEMD: the fd name */
	char *host;	/* TCP */
	char *port;	/* TCP */
};

/* Parses 'uri' into a new *out. Returns 0, -EINVAL (with a log) or -ENOMEM. */
int wsaddr_parse(const char *uri, struct wsaddr **out);
void wsaddr_free(struct wsaddr *addr);

/*
 * A listening socket for 'addr' (an existing socket file is replaced).
 * Returns the fd or -errno. 'where' (size 'size', may be NULL) gets a
 * printable form of the bound address, with the real port for TCP port 0.
 */
int wsaddr_listen(const struct wsaddr *addr, char *where, unsigned size);

/*
 * Starts connecting to 'addr'. Returns the fd or -errno; *pending is 1
 * when the connection is still in progress (writable when done).
 */
int wsaddr_connect(const struct wsaddr *addr, int *pending);

/*
 * Whether the peer of the connected socket 'fd' is trusted: a unix
 * socket peer running as root or as our effective user. 'who' (size
 * 'size') gets a printable peer description.
 */
int wsaddr_peer_trusted(int fd, char *who, unsigned size);
