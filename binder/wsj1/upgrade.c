/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The opening handshake of x-afb-ws-json1 (RFC 6455 4.2), on the HTTP
 * server's hook for requests at exactly <rootapi>.
 *
 * A request without "Upgrade: websocket" is declined (static files, 404).
 * Otherwise, in this order:
 *   400  not GET, not HTTP/1.1, no "Connection: upgrade", bad key
 *   426  Sec-WebSocket-Version is not 13 (the reply tells 13)
 *   412  Sec-WebSocket-Protocol lists only unknown subprotocols
 *        (absent: x-afb-ws-json1 is chosen)
 *   401  the session's token was not presented, or is wrong
 *   101  upgraded; the reply names x-afb-ws-json1
 * Protocol errors are checked before the session is looked up, so that a
 * broken handshake creates no session. The session and the token come
 * from the same places as for REST calls (hreq_find_uuid/token: headers,
 * query, cookie); a session made here is sent as a cookie, and its uuid
 * in the first reply on the socket.
 *
 * MHD calls the upgrade callback after sending the 101 reply, within the
 * same or a later MHD_run. The session is kept meanwhile in the server's
 * 'pending' list, keyed by the MHD connection: a connection that dies
 * before its upgrade leaves an entry behind, dropped after a while.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <json-c/json.h>
#include <microhttpd.h>

#include "wsj1-internal.h"
#include "hargs.h"
#include "hreq.h"
#include "hsrv.h"
#include "mainloop.h"
#include "reqlog.h"
#include "session.h"
#include "verbose.h"
#include "wskey.h"

#define SUBPROTOCOL "x-afb-ws-json1"
/* a connection that did not get its 101 reply out within this time is dead */
#define PENDING_LIFE_US (120 * 1000000ULL)

struct wsj1_pending {
	struct wsj1_pending *next;
	struct MHD_Connection *con;
	struct session *session;	/* one reference */
	int created;
	uint64_t since;
};

static uint64_t now_us(void)
{
	uint64_t now = 0;

	sd_event_now(mainloop_event(), CLOCK_MONOTONIC, &now);
	return now;
}

/* ---- pending upgrades ---- */

void wsj1_pending_purge(struct wsj1 *ws, int all)
{
	struct wsj1_pending **p = &ws->pending, *e;
	uint64_t limit = now_us();

	limit = limit > PENDING_LIFE_US ? limit - PENDING_LIFE_US : 0;
	while ((e = *p) != NULL) {
		if (all || e->since < limit) {
			*p = e->next;
			session_unref(e->session);
			free(e);
		} else {
			p = &e->next;
		}
	}
}

/* Takes the entry of 'con', or NULL. */
static struct wsj1_pending *pending_take(struct wsj1 *ws, struct MHD_Connection *con)
{
	struct wsj1_pending **p, *e;

	for (p = &ws->pending; (e = *p) != NULL; p = &e->next) {
		if (e->con == con) {
			*p = e->next;
			return e;
		}
	}
	return NULL;
}

/* ---- MHD's upgrade callback: the 101 reply is sent ---- */

/*
 * The server, for MHD's upgrade callback: a 101 reply queued just before
 * the server stops may be sent by the last MHD_run of hsrv_free, after
 * wsj1_free. There is one server per process.
 */
static struct wsj1 *live_server;

void wsj1_upgrade_set_server(struct wsj1 *ws)
{
	live_server = ws;
}

static void on_upgraded(void *cls, struct MHD_Connection *con, void *con_cls, const char *extra_in,
			size_t extra_in_size, MHD_socket sock, struct MHD_UpgradeResponseHandle *urh)
{
	struct wsj1 *ws = live_server;
	const union MHD_ConnectionInfo *info;
	struct wsj1_pending *e;
	int rc = -ENOENT, fd = -1, tls = ws && hsrv_is_tls(ws->hsrv);

	if (!ws || ws != cls) {
		/* the server is gone: MHD closes the socket */
		MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
		return;
	}
	e = pending_take(ws, con);

	/*
	 * Plain: the connection keeps a duplicate of the socket and MHD
	 * forgets the upgraded connection at once: MHD would otherwise keep
	 * its whole memory pool (32 KiB by default) per WebSocket. MHD
	 * closes its descriptor without shutting the socket down.
	 * TLS: 'sock' is one end of a socket pair that MHD relays through
	 * the TLS session: the connection keeps 'urh' open until its end.
	 */
	if (e) {
		info = MHD_get_connection_info(con, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		fd = fcntl(sock, F_DUPFD_CLOEXEC, 3);
		rc = fd < 0 ? -errno : wsj1_conn_new(ws, fd, e->session, e->created, extra_in, extra_in_size,
						     hsrv_slot_keep(ws->hsrv, con), tls ? urh : NULL,
						     info ? info->client_addr : NULL);
		if (rc >= 0 && tls) {
			free(e);
			return;
		}
	}
	if (rc < 0) {
		LOGE("ws: can't set up an upgraded connection: %s", strerror(-rc));
		if (e)
			session_unref(e->session);
		if (fd >= 0)
			close(fd);
	}
	MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
	/* without an internal thread, MHD does not wake itself up for it */
	hsrv_wake(ws->hsrv);
	free(e);
}

void wsj1_upgrade_close(struct wsj1 *ws, struct MHD_UpgradeResponseHandle *urh)
{
	MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
	hsrv_wake(ws->hsrv);
}

/* ---- handshake checks ---- */

/* 1 when the comma or space separated 'list' has 'token' (ignoring case). */
static int has_token(const char *list, const char *token)
{
	size_t len = strlen(token), n;

	while (list && *list) {
		list += strspn(list, " \t,");
		n = strcspn(list, " \t,");
		if (n == len && !strncasecmp(list, token, len))
			return 1;
		list += n;
	}
	return 0;
}

struct protocols {
	int seen;	/* a Sec-WebSocket-Protocol header was sent */
	int found;	/* and it lists ours */
};

static enum MHD_Result scan_protocols(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct protocols *p = cls;

	if (key && !strcasecmp(key, "Sec-WebSocket-Protocol")) {
		p->seen = 1;
		p->found |= has_token(value, SUBPROTOCOL);
	}
	return MHD_YES;
}

/* Queues a response of 'code' with an optional header, and the cookie of 'session' when not NULL. */
/* The request log tells every handshake refused (reqlog.h), with the client's address. */
static void log_refusal(struct MHD_Connection *con, unsigned code, const char *body)
{
	const union MHD_ConnectionInfo *info = MHD_get_connection_info(con, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = info ? info->client_addr : NULL;
	char addr[INET6_ADDRSTRLEN], client[INET6_ADDRSTRLEN + 10] = "", status[12], why[128];
	size_t n = strcspn(body, "\n");

	if (sa && sa->sa_family == AF_INET && inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, addr, sizeof addr))
		snprintf(client, sizeof client, "%s:%u", addr, ntohs(((const struct sockaddr_in *)sa)->sin_port));
	else if (sa && sa->sa_family == AF_INET6
		 && inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, addr, sizeof addr))
		snprintf(client, sizeof client, "[%s]:%u", addr, ntohs(((const struct sockaddr_in6 *)sa)->sin6_port));
	snprintf(status, sizeof status, "%u", code);
	snprintf(why, sizeof why, "WebSocket handshake refused: %.*s", (int)(n < 100 ? n : 100), body);
	reqlog_refusal("ws", client, status, why);
}

static int queue_status(struct wsj1 *ws, struct MHD_Connection *con, unsigned code, const char *body,
			const char *header, const char *value, struct session *session)
{
	struct MHD_Response *resp;
	enum MHD_Result ret = MHD_NO;

	if (reqlog_enabled())
		log_refusal(con, code, body);

	resp = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return -ENOMEM;
	if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain") == MHD_YES
	    && (!header || MHD_add_response_header(resp, header, value) == MHD_YES)
	    && (!session || hsrv_set_cookie(ws->hsrv, resp, session_uuid(session)) == 0))
		ret = MHD_queue_response(con, code, resp);
	MHD_destroy_response(resp);
	return ret == MHD_YES ? 1 : -EIO;
}

static const char *header(struct MHD_Connection *con, const char *name)
{
	return MHD_lookup_connection_value(con, MHD_HEADER_KIND, name);
}

/* Finds the session and checks the token: a reference, or NULL and a queued error in *rc. */
static struct session *authenticate(struct wsj1 *ws, struct MHD_Connection *con, int *created, int *rc)
{
	struct json_object *args = json_object_new_object();
	struct session *session = NULL;
	const char *uuid, *token;
	int err;

	*created = 0;
	err = args ? hargs_add_query(args, con) : -ENOMEM;
	if (err == -EILSEQ) {
		*rc = queue_status(ws, con, MHD_HTTP_BAD_REQUEST, "Invalid UTF-8 in the query\n", NULL, NULL, NULL);
		goto end;
	}
	if (err < 0) {
		*rc = queue_status(ws, con, MHD_HTTP_INTERNAL_SERVER_ERROR, "Out of memory\n", NULL, NULL, NULL);
		goto end;
	}
	uuid = hreq_find_uuid(con, args, hsrv_cookie_name(ws->hsrv));
	token = hreq_find_token(con, args);
	/* a refused upgrade makes no session: only a valid token gets one */
	session = session_find(uuid);
	if (session ? !session_check_token(session, token) : !session_check_initial_token(token)) {
		*rc = queue_status(ws, con, MHD_HTTP_UNAUTHORIZED, "Invalid or missing token\n",
				   MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer", NULL);
		session_unref(session);
		session = NULL;
		goto end;
	}
	if (!session) {
		/* an authenticated client (rank 2): no per-host bound */
		session = session_create(NULL, 1);
		*created = 1;
		if (!session)
			*rc = queue_status(ws, con, MHD_HTTP_INTERNAL_SERVER_ERROR, "Can't create a session\n",
					   NULL, NULL, NULL);
	}
end:
	json_object_put(args);
	return session;
}

static int queue_upgrade(struct wsj1 *ws, struct MHD_Connection *con, const char *key, struct session *session,
			 int created)
{
	char accept[WSKEY_ACCEPT_LEN + 1];
	struct MHD_Response *resp;
	struct wsj1_pending *e;
	enum MHD_Result ret = MHD_NO;

	e = malloc(sizeof *e);
	resp = e ? MHD_create_response_for_upgrade(on_upgraded, ws) : NULL;
	if (!resp) {
		free(e);
		session_unref(session);
		return queue_status(ws, con, MHD_HTTP_INTERNAL_SERVER_ERROR, "Out of memory\n", NULL, NULL, NULL);
	}
	wskey_accept(key, accept);
	if (MHD_add_response_header(resp, MHD_HTTP_HEADER_UPGRADE, "websocket") == MHD_YES
	    && MHD_add_response_header(resp, "Sec-WebSocket-Accept", accept) == MHD_YES
	    && MHD_add_response_header(resp, "Sec-WebSocket-Protocol", SUBPROTOCOL) == MHD_YES
	    && (!created || hsrv_set_cookie(ws->hsrv, resp, session_uuid(session)) == 0)) {
		/* a stale entry of a dead connection at the same address goes first */
		wsj1_pending_purge(ws, 0);
		free(pending_take(ws, con));
		e->con = con;
		e->session = session;
		e->created = created;
		e->since = now_us();
		e->next = ws->pending;
		ws->pending = e;
		ret = MHD_queue_response(con, MHD_HTTP_SWITCHING_PROTOCOLS, resp);
		if (ret != MHD_YES)
			e = pending_take(ws, con);
		else
			e = NULL;
	}
	MHD_destroy_response(resp);
	if (e) {
		session_unref(session);
		free(e);
	}
	return ret == MHD_YES ? 1 : -EIO;
}

int wsj1_upgrade_request(void *closure, struct MHD_Connection *con, const char *url, const char *method,
			 const char *version)
{
	struct wsj1 *ws = closure;
	struct protocols protocols = { 0, 0 };
	struct session *session;
	const char *key, *wsversion;
	int created, rc;

	if (!has_token(header(con, MHD_HTTP_HEADER_UPGRADE), "websocket"))
		return 0;	/* not for us */
	if (strcmp(method, MHD_HTTP_METHOD_GET))
		return queue_status(ws, con, MHD_HTTP_METHOD_NOT_ALLOWED, "WebSocket handshakes use GET\n",
				    MHD_HTTP_HEADER_ALLOW, "GET", NULL);
	key = header(con, "Sec-WebSocket-Key");
	if (strcmp(version, MHD_HTTP_VERSION_1_1) || !has_token(header(con, MHD_HTTP_HEADER_CONNECTION), "upgrade")
	    || !wskey_valid(key))
		return queue_status(ws, con, MHD_HTTP_BAD_REQUEST, "Bad WebSocket handshake\n", NULL, NULL, NULL);
	wsversion = header(con, "Sec-WebSocket-Version");
	if (!wsversion || strcmp(wsversion, "13"))
		return queue_status(ws, con, MHD_HTTP_UPGRADE_REQUIRED, "WebSocket version 13 only\n",
				    "Sec-WebSocket-Version", "13", NULL);
	MHD_get_connection_values(con, MHD_HEADER_KIND, scan_protocols, &protocols);
	if (protocols.seen && !protocols.found)
		return queue_status(ws, con, MHD_HTTP_PRECONDITION_FAILED, "Subprotocol " SUBPROTOCOL " only\n",
				    "Sec-WebSocket-Protocol", SUBPROTOCOL, NULL);
	session = authenticate(ws, con, &created, &rc);
	if (!session)
		return rc;
	return queue_upgrade(ws, con, key, session, created);
}
