/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The client peer: who a request comes from.
 *
 * One object per client connection (HTTP connection, WebSocket
 * connection), per link (proto-ws) and per bus peer (D-Bus unique name),
 * made by its transport; one shared object for the daemon's own calls
 * (services, --call). Every request (struct xreq) holds one reference on
 * the peer that made it; a subcall shares the peer of its caller.
 *
 * A peer carries:
 *  - its transport kind and a printable address, for logs and traces;
 *  - its 'host': the part of the address that names the client machine
 *    or local user, the key of per-address limits (many connections of
 *    one client share it);
 *  - its credentials, with a flag saying whether they are known (unix
 *    sockets: SO_PEERCRED; D-Bus: the bus; TCP: never);
 *  - its accounting: requests alive, and its lane of the job queue (the
 *    fair share, see jobs.h).
 *
 * Threading: kind, address, host and credentials are written by the
 * transport before the peer makes its first request and are read-only
 * afterwards, so any thread may read them without locking. References and
 * the accounting are atomic.
 */
#pragma once

#include <stdatomic.h>
#include <sys/types.h>
#include "jobs.h"

enum peer_kind {
	PEER_INTERNAL,		/* the daemon itself: services, --call */
	PEER_HTTP,		/* one HTTP connection */
	PEER_WS,		/* one x-afb-ws-json1 WebSocket connection */
	PEER_PROTO_WS,		/* one afb-proto-ws link (the server side) */
	PEER_DBUS,		/* one D-Bus peer (unique name) */
};

#define PEER_ADDRESS_MAX 96
#define PEER_LABEL_MAX 256
#define PEER_GROUPS_MAX 32

struct peer_creds {
	int known;		/* 0: the fields below mean nothing */
	uid_t uid;
	gid_t gid;
	pid_t pid;		/* 0 when unknown even if 'known' */
	char label[PEER_LABEL_MAX];	/* security label, "" when none */
	int ngroups;		/* supplementary groups known (unix sockets, D-Bus) */
	gid_t groups[PEER_GROUPS_MAX];
};

/*
 * Memory: a peer is made for each connection, so it is small: the
 * credentials (400 bytes with the label and groups) are kept only when
 * known ('creds' points to a shared "unknown" otherwise), and the address
 * and host take their length only (strings after the struct).
 */
struct peer {
	atomic_int refcount;
	atomic_int requests;	/* requests alive (xreq_init .. destroy) */
	enum peer_kind kind;
	const struct peer_creds *creds;	/* never NULL: creds->known says whether they are known */
	struct jobs_lane lane;	/* its queued jobs (jobs.c) */
	const char *address;	/* printable: "127.0.0.1:4242", "[::1]:80", "unix", ":1.42" */
	const char *host;	/* "127.0.0.1", "::1", "unix:uid=1000", ":1.42" */
	char names[];		/* address and host, NUL-terminated */
};

/*
 * A new peer of 'kind' at 'address' (printable, truncated to
 * PEER_ADDRESS_MAX - 1 bytes); 'host' NULL means the same as 'address'.
 * One reference. Returns NULL on allocation failure.
 */
struct peer *peer_new(enum peer_kind kind, const char *address, const char *host);

/*
 * A new peer for the connected socket 'fd': the address comes from
 * getpeername ("ADDR:PORT", host "ADDR"; "unix", host "unix:uid=U" with
 * the credentials of SO_PEERCRED for unix sockets). NULL on allocation
 * failure.
 */
struct peer *peer_new_socket(enum peer_kind kind, int fd);

/*
 * A new peer at the IPv4 or IPv6 address 'sa' ("ADDR:PORT", host "ADDR"),
 * without credentials: a connection that reaches the daemon through a
 * relay (TLS by libmicrohttpd). Another family gives the address "?".
 * NULL on allocation failure.
 */
struct sockaddr;
struct peer *peer_new_sockaddr(enum peer_kind kind, const struct sockaddr *sa);

/* The shared peer of the daemon's own calls (never freed; references are counted anyway). */
struct peer *peer_internal(void);

struct peer *peer_ref(struct peer *peer);
/* Accepts NULL. */
void peer_unref(struct peer *peer);

/* "internal", "http", "ws", "proto-ws", "dbus" */
const char *peer_kind_name(enum peer_kind kind);

/*
 * Sets the credentials (copied). Only before the peer makes its first
 * request (see Threading above). Returns 0, -EINVAL or -ENOMEM.
 */
int peer_set_creds(struct peer *peer, const struct peer_creds *creds);

/* Count of live peers, the internal one excluded (tests, monitoring). */
int peer_live_count(void);
