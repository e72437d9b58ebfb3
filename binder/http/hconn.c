/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Admission of HTTP connections: see hconn.h and docs/http.md ("Limits").
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "hconn.h"
#include "hsrv-internal.h"
#include "mainloop.h"
#include "memtrim.h"
#include "peer.h"
#include "verbose.h"

/* connections accepted per wake-up of the listening socket */
#define ACCEPT_BATCH 64
/* a connection always has this long to send its request before it can be evicted */
#define EVICT_MIN_AGE_US 1000000ull
/* after EMFILE/ENFILE, accepting resumes after this */
#define PAUSE_US 100000ull
/* a return to no connection after this many at once is logged (info) */
#define PEAK_LOG 64
/* fds kept for everything but HTTP when the connection limit is computed */
#define FD_RESERVE_MIN 64u

enum { HEADER, IDLE, NONE };

struct haddr {
	struct haddr *next;
	unsigned count;
	uint8_t family;			/* 4, 6, or 0 (other) */
	uint8_t bytes[16];
};

struct hconn {
	struct hconn *prev, *next;	/* in a waiting list */
	int list;			/* HEADER, IDLE or NONE */
	uint64_t since;			/* start of the wait */
	struct hsrv *hsrv;
	struct haddr *addr;
	int fd;				/* MHD's socket (not owned) */
	struct peer *peer;		/* the client peer of the HTTP requests (one reference) */
	unsigned mhd: 1;		/* MHD has the connection */
	unsigned kept: 1;		/* an upgraded connection holds this slot */
	unsigned killed: 1;		/* shut down by us */
	unsigned relayed: 1;		/* upgraded, relayed by MHD through TLS (hgate.relays) */
	unsigned given_back: 1;		/* of them, released by its user (hgate.given_back) */
};

char hconn_too_many_args_marker;

static uint64_t now_us(void)
{
	uint64_t now = 0;

	sd_event_now(mainloop_event(), CLOCK_MONOTONIC, &now);
	return now;
}

/* ---- addresses ---- */

/* The key of an address: IPv4-mapped IPv6 addresses are IPv4 (dual-stack sockets). */
static void addr_key(const struct sockaddr *sa, uint8_t *family, uint8_t bytes[16])
{
	const struct in6_addr *a6;

	memset(bytes, 0, 16);
	*family = 0;
	if (sa->sa_family == AF_INET) {
		*family = 4;
		memcpy(bytes, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		a6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		if (IN6_IS_ADDR_V4MAPPED(a6)) {
			*family = 4;
			memcpy(bytes, a6->s6_addr + 12, 4);
		} else {
			*family = 6;
			memcpy(bytes, a6->s6_addr, 16);
		}
	}
}

static unsigned addr_hash(uint8_t family, const uint8_t bytes[16])
{
	uint32_t h = 2166136261u ^ family;
	int i;

	for (i = 0; i < 16; i++)
		h = (h ^ bytes[i]) * 16777619u;
	return h;
}

static int grow_table(struct hgate *g)
{
	unsigned n = g->nbuckets ? g->nbuckets * 2 : 64, i;
	struct haddr **b = calloc(n, sizeof *b), *a;

	if (!b)
		return -ENOMEM;
	for (i = 0; i < g->nbuckets; i++) {
		while ((a = g->buckets[i]) != NULL) {
			g->buckets[i] = a->next;
			a->next = b[addr_hash(a->family, a->bytes) & (n - 1)];
			b[addr_hash(a->family, a->bytes) & (n - 1)] = a;
		}
	}
	free(g->buckets);
	g->buckets = b;
	g->nbuckets = n;
	return 0;
}

/* The entry of the address of 'sa' (created with count 0), or NULL. */
static struct haddr *addr_get(struct hgate *g, const struct sockaddr *sa)
{
	uint8_t family, bytes[16];
	struct haddr *a, **slot;

	addr_key(sa, &family, bytes);
	if ((g->naddrs >= g->nbuckets) && grow_table(g) < 0 && !g->nbuckets)
		return NULL;
	slot = &g->buckets[addr_hash(family, bytes) & (g->nbuckets - 1)];
	for (a = *slot; a; a = a->next)
		if (a->family == family && !memcmp(a->bytes, bytes, 16))
			return a;
	a = calloc(1, sizeof *a);
	if (!a)
		return NULL;
	a->family = family;
	memcpy(a->bytes, bytes, 16);
	a->next = *slot;
	*slot = a;
	g->naddrs++;
	return a;
}

/* Forgets 'a' when nothing counts on it any more. */
static void addr_put(struct hgate *g, struct haddr *a)
{
	struct haddr **p;

	if (a->count)
		return;
	for (p = &g->buckets[addr_hash(a->family, a->bytes) & (g->nbuckets - 1)]; *p; p = &(*p)->next) {
		if (*p == a) {
			*p = a->next;
			g->naddrs--;
			free(a);
			return;
		}
	}
}

/* ---- waiting lists and deadlines ---- */

static uint64_t deadline_of(struct hgate *g, struct hconn *c)
{
	uint64_t t = c->list == HEADER ? g->header_us : g->idle_us;

	return t ? c->since + t : UINT64_MAX;
}

static void rearm(struct hgate *g)
{
	uint64_t when = UINT64_MAX, t;
	int i;

	for (i = 0; i < 2; i++) {
		if (g->head[i]) {
			t = deadline_of(g, g->head[i]);
			if (t < when)
				when = t;
		}
	}
	if (!g->deadline)
		return;
	if (when == UINT64_MAX) {
		sd_event_source_set_enabled(g->deadline, SD_EVENT_OFF);
		return;
	}
	sd_event_source_set_time(g->deadline, when);
	sd_event_source_set_enabled(g->deadline, SD_EVENT_ONESHOT);
}

static void wait_remove(struct hgate *g, struct hconn *c)
{
	int l = c->list, was_head;

	if (l == NONE)
		return;
	was_head = g->head[l] == c;
	if (c->prev)
		c->prev->next = c->next;
	else
		g->head[l] = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		g->tail[l] = c->prev;
	c->prev = c->next = NULL;
	c->list = NONE;
	if (was_head)
		rearm(g);
}

/* Appends 'c' to list 'l' (every entry of a list has the same timeout: the list is in deadline order). */
static void wait_add(struct hgate *g, struct hconn *c, int l, uint64_t since)
{
	wait_remove(g, c);
	c->list = l;
	c->since = since;
	c->next = NULL;
	c->prev = g->tail[l];
	if (c->prev)
		c->prev->next = c;
	else
		g->head[l] = c;
	g->tail[l] = c;
	if (g->head[l] == c)
		rearm(g);
}

/* ---- shutting down, refusing ---- */

/* Best effort, plain HTTP only: over TLS the bytes would break the stream. */
static void say(struct hsrv *hsrv, int fd, const char *text)
{
	if (!hsrv->options.https && send(fd, text, strlen(text), MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		return;
}

static const char answer_408[] =
	"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Type: text/plain\r\n"
	"Content-Length: 37\r\n\r\nthe request headers came too slowly\r\n";
static const char answer_503[] =
	"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Type: text/plain\r\n"
	"Retry-After: 1\r\nContent-Length: 22\r\n\r\ntoo many connections\r\n";

/* Shuts 'c' down: MHD sees the end of the stream and closes it. */
static void kill_conn(struct hgate *g, struct hconn *c, int timed_out)
{
	wait_remove(g, c);
	if (c->killed)
		return;
	c->killed = 1;
	g->dying++;
	if (timed_out)
		say(c->hsrv, c->fd, answer_408);
	shutdown(c->fd, SHUT_RDWR);
}

/* Refuses the new connection 'fd' (closed). */
static void refuse(struct hsrv *hsrv, int fd, const char *why, const struct haddr *a)
{
	struct hgate *g = &hsrv->gate;
	char text[INET6_ADDRSTRLEN] = "?";

	say(hsrv, fd, answer_503);
	shutdown(fd, SHUT_WR);
	close(fd);
	/* one line per power of two: a flood must not flood the log */
	g->refused++;
	if (!(g->refused & (g->refused - 1))) {
		if (a && a->family)
			inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->bytes, text, sizeof text);
		LOGW_LIMITED("http: connection from %s refused (503): %s; %u refused so far", text, why, g->refused);
	}
}

/* Frees the room of one waiting connection, if one waited long enough. 1 when done. */
static int evict_one(struct hgate *g)
{
	uint64_t now = now_us();
	struct hconn *c;
	int l;

	for (l = HEADER; l <= IDLE; l++) {
		c = g->head[l];
		if (c && c->since + EVICT_MIN_AGE_US <= now) {
			kill_conn(g, c, 0);
			g->evicted++;
			return 1;
		}
	}
	return 0;
}

static void release(struct hgate *g, struct hconn *c)
{
	wait_remove(g, c);
	if (c->killed)
		g->dying--;
	c->addr->count--;
	addr_put(g, c->addr);
	g->total--;
	free(c);
	/* its pool was unmapped by MHD; what requests left in the heap goes back after the burst */
	memtrim_note(0);
	if (!g->total && g->peak >= PEAK_LOG) {
		LOGI("http: every connection closed, after a peak of %u", g->peak);
		g->peak = 0;
	}
}

/* ---- accepting ---- */

static void admit(struct hsrv *hsrv, int fd, const struct sockaddr *sa, socklen_t salen)
{
	struct hgate *g = &hsrv->gate;
	struct haddr *a = addr_get(g, sa);
	struct hconn *c;

	if (!a) {
		refuse(hsrv, fd, "out of memory", NULL);
		return;
	}
	if (g->max_per_address && a->count >= g->max_per_address) {
		refuse(hsrv, fd, "too many connections from this address (--http-max-per-address)", a);
		addr_put(g, a);
		return;
	}
	if (g->total - g->dying >= g->max_connections && !evict_one(g)) {
		refuse(hsrv, fd, "too many connections (--http-max-connections)", a);
		addr_put(g, a);
		return;
	}
	c = calloc(1, sizeof *c);
	if (!c) {
		refuse(hsrv, fd, "out of memory", a);
		addr_put(g, a);
		return;
	}
	c->hsrv = hsrv;
	c->addr = a;
	c->fd = fd;
	c->list = NONE;
	a->count++;
	g->total++;
	if (g->total > g->peak)
		g->peak = g->total;
	wait_add(g, c, HEADER, now_us());
	/* MHD tells us about the connection (hconn_on_notify) from within this call */
	g->adding = c;
	g->adding_started = 0;
	if (MHD_add_connection(hsrv->daemon, fd, sa, salen) != MHD_YES) {
		/* MHD closed the socket; it tells the end of what it started */
		LOGW("http: libmicrohttpd refused a connection: %m");
		if (!g->adding_started)
			release(g, c);
	}
	g->adding = NULL;
}

static int on_pause_end(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct hgate *g = &((struct hsrv *)userdata)->gate;

	sd_event_source_set_enabled(g->listen, SD_EVENT_ON);
	return 0;
}

/* No fd left: stop accepting for a while (the pending connections stay in the backlog). */
static void pause_accept(struct hsrv *hsrv)
{
	struct hgate *g = &hsrv->gate;

	LOGW("http: no file descriptor left to accept connections (%m): accepting again in %llu ms; "
	     "lower --http-max-connections or raise the open file limit", PAUSE_US / 1000);
	sd_event_source_set_enabled(g->listen, SD_EVENT_OFF);
	if (g->pause || sd_event_add_time_relative(mainloop_event(), &g->pause, CLOCK_MONOTONIC, PAUSE_US, 0,
						   on_pause_end, hsrv) >= 0) {
		sd_event_source_set_time_relative(g->pause, PAUSE_US);
		sd_event_source_set_enabled(g->pause, SD_EVENT_ONESHOT);
	} else {
		sd_event_source_set_enabled(g->listen, SD_EVENT_ON);
	}
}

static int on_listen(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct hsrv *hsrv = userdata;
	struct sockaddr_storage ss;
	socklen_t len;
	int i, cfd;

	for (i = 0; i < ACCEPT_BATCH; i++) {
		len = sizeof ss;
		cfd = accept4(fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
				pause_accept(hsrv);
			/* EAGAIN, or an error of that one connection (ECONNABORTED...): go on later */
			break;
		}
		admit(hsrv, cfd, (struct sockaddr *)&ss, len);
	}
	/* the new connections may have bytes already, and evicted ones must be closed */
	hsrv_kick(hsrv);
	return 0;
}

static int on_deadline(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct hsrv *hsrv = userdata;
	struct hgate *g = &hsrv->gate;
	uint64_t now = now_us();
	struct hconn *c;
	int l, n = 0;

	for (l = HEADER; l <= IDLE; l++) {
		while ((c = g->head[l]) != NULL && deadline_of(g, c) <= now) {
			kill_conn(g, c, l == HEADER);
			g->expired++;
			n++;
		}
	}
	if (n) {
		LOGD("http: %d connection(s) closed: no request within the deadline", n);
		hsrv_kick(hsrv);
	}
	rearm(g);
	return 0;
}

/* ---- MHD's notifications ---- */

static struct hconn *of_con(struct MHD_Connection *con)
{
	const union MHD_ConnectionInfo *info = MHD_get_connection_info(con, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return info ? info->socket_context : NULL;
}

void hconn_on_notify(void *cls, struct MHD_Connection *con, void **socket_context,
		     enum MHD_ConnectionNotificationCode code)
{
	struct hsrv *hsrv = cls;
	struct hgate *g = &hsrv->gate;
	struct hconn *c;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		c = g->adding;
		if (c) {
			c->mhd = 1;
			c->peer = peer_new_socket(PEER_HTTP, c->fd);
		}
		g->adding_started = 1;
		*socket_context = c;
		return;
	}
	c = *socket_context;
	*socket_context = NULL;
	if (!c)
		return;
	c->mhd = 0;
	if (c->relayed) {
		c->relayed = 0;
		g->relays--;
	}
	if (c->given_back) {
		c->given_back = 0;
		g->given_back--;
	}
	peer_unref(c->peer);
	c->peer = NULL;
	if (c->kept)
		wait_remove(g, c);
	else
		release(g, c);
}

void *hconn_on_uri(void *cls, const char *uri, struct MHD_Connection *con)
{
	struct hsrv *hsrv = cls;
	struct hgate *g = &hsrv->gate;
	struct hconn *c = of_con(con);
	char *query = strchr(uri, '?');
	unsigned n = 1;
	const char *p;

	/* a keep-alive connection's next request: its headers are timed from now */
	if (c && c->list == IDLE)
		wait_add(g, c, HEADER, now_us());
	if (!query)
		return NULL;
	for (p = query + 1; *p; p++)
		if (*p == '&')
			n++;
	if (n <= g->max_args)
		return NULL;
	/*
	 * libmicrohttpd parses the query right after this callback, in the
	 * connection's own buffer, where 'uri' points: ending the query here
	 * leaves nothing to parse, and the access handler answers 414.
	 */
	query[1] = 0;
	return HCONN_TOO_MANY_ARGS;
}

void hconn_request_started(struct hsrv *hsrv, struct MHD_Connection *con)
{
	struct hconn *c = of_con(con);

	if (c)
		wait_remove(&hsrv->gate, c);
}

void hconn_request_completed(struct hsrv *hsrv, struct MHD_Connection *con)
{
	struct hconn *c = of_con(con);

	if (c && !c->killed && !c->kept && !hsrv->stopping)
		wait_add(&hsrv->gate, c, IDLE, now_us());
}

struct peer *hsrv_peer(struct MHD_Connection *con)
{
	struct hconn *c = of_con(con);

	return c ? c->peer : NULL;
}

/* ---- slots of upgraded connections (hsrv.h) ---- */

struct hsrv_slot *hsrv_slot_keep(struct hsrv *hsrv, struct MHD_Connection *con)
{
	struct hconn *c = of_con(con);

	if (!c)
		return NULL;
	wait_remove(&hsrv->gate, c);
	c->kept = 1;
	if (hsrv_is_tls(hsrv) && !c->relayed) {
		c->relayed = 1;
		hsrv->gate.relays++;
	}
	return (struct hsrv_slot *)c;
}

void hsrv_slot_release(struct hsrv_slot *slot)
{
	struct hconn *c = (struct hconn *)slot;

	if (!c)
		return;
	c->kept = 0;
	if (!c->mhd) {
		release(&c->hsrv->gate, c);
	} else if (c->relayed && !c->given_back) {
		/* MHD still relays it (TLS): hsrv.c runs MHD until MHD closes it */
		c->given_back = 1;
		c->hsrv->gate.given_back++;
	}
}

/* ---- setup ---- */

void hconn_set_limits(struct hsrv *hsrv)
{
	const struct hsrv_options *o = &hsrv->options;
	struct hgate *g = &hsrv->gate;
	struct rlimit rl;
	unsigned nofile = 1024, most;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		nofile = rl.rlim_cur > 0x7fffffff ? 0x7fffffff : (unsigned)rl.rlim_cur;
	/* room for the rest: bindings, links, buses, uploads, the loop */
	most = nofile > 2 * FD_RESERVE_MIN ? nofile - FD_RESERVE_MIN : nofile / 2;
	g->max_connections = o->max_connections ? o->max_connections : nofile - nofile / 4;
	if (g->max_connections > most) {
		if (o->max_connections)
			LOGW("http: --http-max-connections %u lowered to %u: the open file limit is %u",
			     o->max_connections, most, nofile);
		g->max_connections = most;
	}
	if (!g->max_connections)
		g->max_connections = 1;
	g->max_per_address = o->max_per_address;
	g->header_us = (uint64_t)(o->header_timeout > 0 ? o->header_timeout : 0) * 1000000;
	g->idle_us = (uint64_t)(o->http_timeout > 0 ? o->http_timeout : 0) * 1000000;
	g->max_args = HSRV_MAX_ARGS;
}

/* Resolves 'interface' (numeric or a name) with 'port'. */
static int make_address(const char *interface, int port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct addrinfo hints = { .ai_flags = AI_PASSIVE, .ai_socktype = SOCK_STREAM }, *ai;
	int rc;

	rc = getaddrinfo(interface, NULL, &hints, &ai);
	if (rc) {
		LOGE("http: bad interface %s: %s", interface, gai_strerror(rc));
		return -EINVAL;
	}
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
	else
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
	return 0;
}

/* A listening socket bound to 'ss'; 'dual': IPv6 socket taking IPv4 too. */
static int open_listen(const struct sockaddr_storage *ss, socklen_t len, int dual)
{
	int fd, one = 1, zero = 0, rc;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (ss->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, dual ? &zero : &one, sizeof one);
	if (bind(fd, (const struct sockaddr *)ss, len) < 0 || listen(fd, SOMAXCONN) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

static int open_socket(struct hsrv *hsrv)
{
	const struct hsrv_options *o = &hsrv->options;
	struct sockaddr_storage ss;
	socklen_t len;
	int rc, flags;

	if (o->listen_fd >= 0) {
		/* socket activation: the socket is taken as it is, but non-blocking */
		flags = fcntl(o->listen_fd, F_GETFL);
		if (flags < 0 || fcntl(o->listen_fd, F_SETFL, flags | O_NONBLOCK) < 0)
			return -errno;
		fcntl(o->listen_fd, F_SETFD, FD_CLOEXEC);
		return o->listen_fd;
	}
	if (o->interface) {
		rc = make_address(o->interface, o->port, &ss, &len);
		return rc < 0 ? rc : open_listen(&ss, len, 0);
	}
	/* every address: IPv6 and IPv4 on one socket, IPv4 alone without IPv6 */
	memset(&ss, 0, sizeof ss);
	((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
	((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_any;
	((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)o->port);
	rc = open_listen(&ss, sizeof(struct sockaddr_in6), 1);
	if (rc == -EAFNOSUPPORT || rc == -EADDRNOTAVAIL) {
		memset(&ss, 0, sizeof ss);
		((struct sockaddr_in *)&ss)->sin_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(INADDR_ANY);
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)o->port);
		rc = open_listen(&ss, sizeof(struct sockaddr_in), 0);
	}
	return rc;
}

int hconn_listen(struct hsrv *hsrv)
{
	const struct hsrv_options *o = &hsrv->options;
	struct hgate *g = &hsrv->gate;
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	int rc;

	rc = open_socket(hsrv);
	if (rc < 0) {
		if (o->listen_fd >= 0)
			LOGE("http: can't serve on the socket passed by systemd: %s", strerror(-rc));
		else
			LOGE("http: can't listen on %s port %d: %s%s", o->interface ? o->interface : "*", o->port,
			     strerror(-rc),
			     rc == -EADDRINUSE ? " (another program uses it: choose another --port, or 0 for any free one)" : "");
		return rc;
	}
	g->fd = rc;
	if (getsockname(g->fd, (struct sockaddr *)&ss, &len) < 0)
		return -errno;
	hsrv->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						    : ((struct sockaddr_in *)&ss)->sin_port);
	rc = sd_event_add_io(mainloop_event(), &g->listen, g->fd, EPOLLIN, on_listen, hsrv);
	if (rc >= 0)
		rc = sd_event_add_time(mainloop_event(), &g->deadline, CLOCK_MONOTONIC, UINT64_MAX, 100000,
				       on_deadline, hsrv);
	/*
	 * Before the other sources: a new connection is accepted, and the
	 * header deadlines enforced, whatever the load of the established
	 * connections. (When MHD's kick was a defer source, re-armed at every
	 * turn under load, a new connection waited 1 to 3 s for its accept.)
	 */
	if (rc >= 0)
		rc = sd_event_source_set_priority(g->listen, SD_EVENT_PRIORITY_IMPORTANT);
	if (rc >= 0)
		rc = sd_event_source_set_priority(g->deadline, SD_EVENT_PRIORITY_IMPORTANT);
	if (rc < 0)
		return rc;
	sd_event_source_set_enabled(g->deadline, SD_EVENT_OFF);
	LOGI("http: at most %u connections, %u per address, request headers within %d s",
	     g->max_connections, g->max_per_address, o->header_timeout);
	return 0;
}

void hconn_stop(struct hsrv *hsrv)
{
	struct hgate *g = &hsrv->gate;
	struct haddr *a;
	unsigned i;

	g->listen = sd_event_source_disable_unref(g->listen);
	g->pause = sd_event_source_disable_unref(g->pause);
	g->deadline = sd_event_source_disable_unref(g->deadline);
	if (g->fd >= 0)
		close(g->fd);
	g->fd = -1;
	/* MHD closed its connections; upgraded ones were released before (wsj1_free) */
	if (g->total)
		LOGW("http: %u connection slots still held at stop", g->total);
	for (i = 0; i < g->nbuckets; i++) {
		while ((a = g->buckets[i]) != NULL) {
			g->buckets[i] = a->next;
			free(a);
		}
	}
	free(g->buckets);
	g->buckets = NULL;
	g->nbuckets = g->naddrs = 0;
}
