/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "peer.h"

static atomic_int live_count;

/* the credentials of every peer whose credentials are not known */
static const struct peer_creds unknown_creds = { .known = 0 };

/* references are counted but never reach 0: the static one is never freed */
static struct peer internal_peer = {
	.refcount = 1,
	.kind = PEER_INTERNAL,
	.creds = &unknown_creds,
	.address = "internal",
	.host = "internal",
};

static size_t name_len(const char *src)
{
	return src ? strnlen(src, PEER_ADDRESS_MAX - 1) : 0;
}

struct peer *peer_new(enum peer_kind kind, const char *address, const char *host)
{
	size_t la, lh;
	struct peer *p;
	char *names;

	if (!address)
		address = "?";
	if (!host)
		host = address;
	la = name_len(address);
	lh = name_len(host);
	p = calloc(1, sizeof *p + la + lh + 2);
	if (!p)
		return NULL;
	atomic_init(&p->refcount, 1);
	atomic_init(&p->requests, 0);
	p->kind = kind;
	p->creds = &unknown_creds;
	names = p->names;
	memcpy(names, address, la);
	names[la] = 0;
	memcpy(names + la + 1, host, lh);
	names[la + 1 + lh] = 0;
	p->address = names;
	p->host = names + la + 1;
	atomic_fetch_add(&live_count, 1);
	return p;
}

/* "ADDR:PORT" or "[ADDR]:PORT" into 'address', "ADDR" into 'host' */
static void format_inet(const struct sockaddr *sa, char *address, size_t asize, char *host, size_t hsize)
{
	unsigned port;

	if (sa->sa_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, host, (socklen_t)hsize);
		port = ntohs(((const struct sockaddr_in *)sa)->sin_port);
		snprintf(address, asize, "%s:%u", host, port);
	} else {
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, host, (socklen_t)hsize);
		port = ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
		snprintf(address, asize, "[%s]:%u", host, port);
	}
}

struct peer *peer_new_sockaddr(enum peer_kind kind, const struct sockaddr *sa)
{
	char host[INET6_ADDRSTRLEN + 16] = "?", address[PEER_ADDRESS_MAX] = "?";

	if (sa && (sa->sa_family == AF_INET || sa->sa_family == AF_INET6))
		format_inet(sa, address, sizeof address, host, sizeof host);
	return peer_new(kind, address, host);
}

struct peer *peer_new_socket(enum peer_kind kind, int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss, clen;
	char host[INET6_ADDRSTRLEN + 16] = "?", address[PEER_ADDRESS_MAX] = "?";
	struct peer_creds creds;
	struct ucred cred;
	struct peer *p;

	memset(&creds, 0, sizeof creds);
	if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0)
		ss.ss_family = AF_UNSPEC;
	switch (ss.ss_family) {
	case AF_INET:
	case AF_INET6:
		return peer_new_sockaddr(kind, (struct sockaddr *)&ss);
	case AF_UNIX:
		clen = sizeof cred;
		strcpy(address, "unix");
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == 0) {
			creds.known = 1;
			creds.uid = cred.uid;
			creds.gid = cred.gid;
			creds.pid = cred.pid;
			/* the security label (SMACK, SELinux, AppArmor) and the groups, when the kernel tells */
			clen = sizeof creds.label - 1;
			if (getsockopt(fd, SOL_SOCKET, SO_PEERSEC, creds.label, &clen) == 0 && clen < sizeof creds.label)
				creds.label[clen] = 0;
			else
				creds.label[0] = 0;
#ifdef SO_PEERGROUPS
			clen = sizeof creds.groups;
			if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, creds.groups, &clen) == 0)
				creds.ngroups = (int)(clen / sizeof *creds.groups);
#endif
			snprintf(address, sizeof address, "unix pid %d uid %u", (int)cred.pid, (unsigned)cred.uid);
			snprintf(host, sizeof host, "unix:uid=%u", (unsigned)cred.uid);
		} else {
			strcpy(host, "unix");
		}
		break;
	default:
		break;
	}
	p = peer_new(kind, address, host);
	if (p && creds.known && peer_set_creds(p, &creds) < 0) {
		peer_unref(p);
		p = NULL;
	}
	return p;
}

struct peer *peer_internal(void)
{
	return &internal_peer;
}

struct peer *peer_ref(struct peer *p)
{
	atomic_fetch_add_explicit(&p->refcount, 1, memory_order_relaxed);
	return p;
}

void peer_unref(struct peer *p)
{
	if (!p || atomic_fetch_sub_explicit(&p->refcount, 1, memory_order_acq_rel) != 1)
		return;
	atomic_fetch_sub(&live_count, 1);
	if (p->creds != &unknown_creds)
		free((void *)p->creds);
	free(p);
}

const char *peer_kind_name(enum peer_kind kind)
{
	switch (kind) {
	case PEER_INTERNAL: return "internal";
	case PEER_HTTP: return "http";
	case PEER_WS: return "ws";
	case PEER_PROTO_WS: return "proto-ws";
	case PEER_DBUS: return "dbus";
	}
	return "?";
}

int peer_set_creds(struct peer *p, const struct peer_creds *creds)
{
	struct peer_creds *copy;

	if (!p || !creds || p == &internal_peer || !memchr(creds->label, 0, sizeof creds->label))
		return -EINVAL;
	copy = malloc(sizeof *copy);
	if (!copy)
		return -ENOMEM;
	*copy = *creds;
	if (p->creds != &unknown_creds)
		free((void *)p->creds);
	p->creds = copy;
	return 0;
}

int peer_live_count(void)
{
	return atomic_load(&live_count);
}
