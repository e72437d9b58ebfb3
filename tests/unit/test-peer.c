/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the client peer (core/peer.h) and its use by requests. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <json-c/json.h>
#include "peer.h"
#include "session.h"
#include "xreq.h"
#include "unit.h"

static void nop_reply(struct xreq *x, const char *status, const char *info, struct json_object *o)
{
	json_object_put(o);
}

static int destroyed;
static void nop_destroy(struct xreq *x) { destroyed++; }

static const struct xreq_itf itf = { .reply = nop_reply, .destroy = nop_destroy };

static void test_new(void)
{
	struct peer *p = peer_new(PEER_DBUS, ":1.42", NULL);
	struct peer_creds c;
	char longname[300];

	CHECK(p != NULL);
	CHECK_INT(peer_live_count(), 1);
	CHECK_STR(p->address, ":1.42");
	CHECK_STR(p->host, ":1.42");
	CHECK_STR(peer_kind_name(p->kind), "dbus");
	CHECK_INT(p->creds->known, 0);
	memset(&c, 0, sizeof c);
	c.known = 1;
	c.uid = 1234;
	strcpy(c.label, "unconfined");
	CHECK_INT(peer_set_creds(p, &c), 0);
	CHECK_INT(p->creds->uid, 1234);
	CHECK_STR(p->creds->label, "unconfined");
	CHECK(peer_set_creds(peer_internal(), &c) < 0);
	peer_unref(p);
	CHECK_INT(peer_live_count(), 0);

	/* long addresses are truncated, never overflow */
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = 0;
	p = peer_new(PEER_HTTP, longname, "h");
	CHECK_INT((long long)strlen(p->address), PEER_ADDRESS_MAX - 1);
	CHECK_STR(p->host, "h");
	peer_unref(p);
	peer_unref(NULL);
	CHECK_STR(peer_kind_name(PEER_PROTO_WS), "proto-ws");
	CHECK_STR(peer_internal()->address, "internal");
}

static void test_sockets(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof sin;
	int sv[2], lfd, cfd, afd;
	struct peer *p;
	char want[64];

	/* unix: credentials of the other end, host by uid */
	CHECK_INT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	p = peer_new_socket(PEER_PROTO_WS, sv[0]);
	CHECK(p != NULL);
	CHECK_INT(p->creds->known, 1);
	CHECK_INT(p->creds->uid, getuid());
	CHECK_INT(p->creds->pid, getpid());
	snprintf(want, sizeof want, "unix:uid=%u", (unsigned)getuid());
	CHECK_STR(p->host, want);
	peer_unref(p);
	close(sv[0]);
	close(sv[1]);

	/* TCP: address and port, host without the port, no credentials */
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(bind(lfd, (struct sockaddr *)&sin, sizeof sin) == 0 && listen(lfd, 1) == 0);
	getsockname(lfd, (struct sockaddr *)&sin, &len);
	cfd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_INT(connect(cfd, (struct sockaddr *)&sin, sizeof sin), 0);
	afd = accept(lfd, NULL, NULL);
	len = sizeof sin;
	getsockname(cfd, (struct sockaddr *)&sin, &len);
	p = peer_new_socket(PEER_HTTP, afd);
	snprintf(want, sizeof want, "127.0.0.1:%u", (unsigned)ntohs(sin.sin_port));
	CHECK_STR(p->address, want);
	CHECK_STR(p->host, "127.0.0.1");
	CHECK_INT(p->creds->known, 0);
	peer_unref(p);
	close(afd);
	close(cfd);
	close(lfd);
}

/* a request holds its peer and is counted in it */
static void test_xreq(void)
{
	struct peer *p = peer_new(PEER_WS, "1.2.3.4:5", "1.2.3.4");
	struct session *s = session_new(0);
	struct xreq x;

	xreq_init(&x, &itf, p, s, "api", "verb", NULL);
	CHECK(x.peer == p);
	CHECK_INT(atomic_load(&p->requests), 1);
	peer_unref(p);			/* the request keeps it alive */
	CHECK_INT(peer_live_count(), 1);
	xreq_reply(&x, NULL, NULL, NULL);
	xreq_unref(&x);
	CHECK_INT(destroyed, 1);
	CHECK_INT(peer_live_count(), 0);

	/* no peer: the internal one */
	xreq_init(&x, &itf, NULL, s, "api", "verb", NULL);
	CHECK(x.peer == peer_internal());
	xreq_reply(&x, NULL, NULL, NULL);
	xreq_unref(&x);
	session_unref(s);
}

int main(void)
{
	session_init(10, 0, 60, NULL);
	test_new();
	test_sockets();
	test_xreq();
	UNIT_END();
}
