/* SPDX-License-Identifier: Apache-2.0 */
/*
 * --ws-server: see api-ws-server.h.
 *
 * Threading. A link (struct slink) is driven by the main thread: its
 * socket, sessions and pending subcalls are touched there only. Requests
 * run on workers; their replies, and the event callbacks of the link's
 * listener (which run on any thread), encode their message where they run
 * and post it to the main thread, which writes it. Posts keep their order,
 * so the 'S' of a request goes before its reply.
 *
 * Lifetime. A link is reference counted: the server's list, each request,
 * each posted message hold one. The listener's callbacks use the link
 * without a reference of their own: slink_end closes the listener
 * (evt_listener_close waits for the callbacks in flight) before the
 * server's list lets the link go.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <json-c/json.h>
#include "apiset.h"
#include "evt.h"
#include "jobs.h"
#include "mainloop.h"
#include "peer.h"
#include "session.h"
#include "verbose.h"
#include "xreq.h"
#include "api-ws-server.h"
#include "bcast-guard.h"
#include "idmap.h"
#include "lsessions.h"
#include "proto-ws.h"
#include "wsaddr.h"
#include "wsframe.h"
#include "wslink.h"

/* quotas of one link */
#define MAX_SESSIONS 1024
#define MAX_PENDING 4096
/* after a failed accept (out of fds), no new connection for this long */
#define ACCEPT_PAUSE_US 200000

struct ws_server {
	struct ws_server *next;
	struct wsaddr *addr;
	struct apiset *set;
	int fd;
	int created;			/* the socket file is ours to remove */
	sd_event_source *source;
	sd_event_source *pause;		/* accepting again after EMFILE */
	struct slink *links;
	char where[160];
};

struct slink {
	atomic_int refcount;
	atomic_int pending;		/* requests not yet destroyed */
	atomic_uint bcast_mark;		/* see bcast_guard_origin */
	int trusted;
	char who[96];
	struct peer *client;		/* one reference: the core's peer object */
	char *api;			/* the exported api name (owned) */
	struct ws_server *server;	/* main thread; NULL once detached */
	struct slink *prev, *next;	/* in server->links */
	struct wslink *wl;		/* main thread; NULL once ended */
	struct lsessions *sessions;	/* main thread */
	struct idmap subcalls;		/* main thread: pending 'B' */
	/* orders subscriptions against the end of the link */
	pthread_mutex_t lock;
	int ended;			/* under lock */
	struct evt_listener *listener;	/* under lock once the link serves */
};

/* a request received from a link */
struct sreq {
	struct xreq xreq;
	struct slink *link;		/* one reference */
	uint32_t callid;
	char names[];			/* api NUL verb NUL */
};

static struct ws_server *servers;

/* ------------------------------------------------------------ links */

static struct slink *slink_ref(struct slink *l)
{
	atomic_fetch_add(&l->refcount, 1);
	return l;
}

static void slink_unref(struct slink *l)
{
	if (atomic_fetch_sub(&l->refcount, 1) != 1)
		return;
	idmap_deinit(&l->subcalls);
	lsessions_free(l->sessions);
	peer_unref(l->client);
	pthread_mutex_destroy(&l->lock);
	free(l->api);
	free(l);
}

/* ------------------------------------------------------------ output */

static struct wslink *owner_link(void *owner)
{
	return ((struct slink *)owner)->wl;
}

static void owner_unref(void *owner)
{
	slink_unref(owner);
}

static const char *owner_api(void *owner)
{
	return ((struct slink *)owner)->api;
}

static const struct wslink_owner_itf owner_itf = {
	.link = owner_link,
	.unref = owner_unref,
	.api = owner_api,
};

/* Any thread: sends the message in 'buf' (taken) on 'l' from the main thread. */
static void post_send(struct slink *l, struct pws_buf *buf)
{
	wslink_post(&owner_itf, slink_ref(l), buf);
}

/* ------------------------------------------------------------ listener */

/* the link is alive while its listener is open (see Lifetime above) */
static void on_evt_push(void *closure, const char *event, int eventid, struct json_object *object)
{
	struct slink *l = closure;
	struct pws_buf b;

	pws_buf_init(&b);
	pws_put_event_push(&b, (uint32_t)eventid, event, object);
	post_send(l, &b);
}

static void on_evt_broadcast(void *closure, const char *event, struct json_object *object)
{
	struct slink *l = closure;
	struct bcast_origin origin;
	struct pws_buf b;

	if (bcast_guard_origin(event, object, &l->bcast_mark, &origin)) {
		pws_buf_init(&b);
		pws_put_broadcast(&b, event, object, origin.uuid, (uint8_t)(origin.hop - 1));
		post_send(l, &b);
	}
}

static void on_evt_add(void *closure, const char *event, int eventid)
{
	struct slink *l = closure;
	struct pws_buf b;

	pws_buf_init(&b);
	pws_put_event_add(&b, (uint32_t)eventid, event);
	post_send(l, &b);
}

static void on_evt_remove(void *closure, const char *event, int eventid)
{
	struct slink *l = closure;
	struct pws_buf b;

	pws_buf_init(&b);
	pws_put_event_remove(&b, (uint32_t)eventid, event);
	post_send(l, &b);
}

static const struct evt_listener_itf listener_itf = {
	.push = on_evt_push,
	.broadcast = on_evt_broadcast,
	.add = on_evt_add,
	.remove = on_evt_remove,
};

/* ------------------------------------------------------------ requests */

/* The reply, of 'object' (borrowed) or of the plain JSON 'text' (xreq_reply_text). */
static void sreq_send_reply(struct xreq *x, const char *status, const char *info, struct json_object *object,
			    const char *text, size_t len)
{
	struct sreq *r = (struct sreq *)x;
	struct pws_buf b;

	pws_buf_init(&b);
	if (status)
		pws_put_reply_fail(&b, r->callid, status, info);
	else if (text)
		pws_put_reply_success_text(&b, r->callid, info, text, len);
	else
		pws_put_reply_success(&b, r->callid, info, object);
	if (b.error) {
		/* the caller waits for an answer: a failure it gets (the error is logged) */
		post_send(r->link, &b);
		pws_put_reply_fail(&b, r->callid, "failed", b.error == -E2BIG ? "reply too big to be sent"
									      : "can't encode the reply");
	}
	post_send(r->link, &b);
}

static void sreq_reply(struct xreq *x, const char *status, const char *info, struct json_object *object)
{
	sreq_send_reply(x, status, info, object, NULL, 0);
	json_object_put(object);
}

static int sreq_reply_text(struct xreq *x, const char *info, const char *text, size_t len)
{
	sreq_send_reply(x, NULL, info, NULL, text, len);
	return 0;
}

static void sreq_destroy(struct xreq *x)
{
	struct sreq *r = (struct sreq *)x;

	atomic_fetch_sub(&r->link->pending, 1);
	slink_unref(r->link);
	free(r);
}

static int sreq_subscribe(struct xreq *x, struct evt *evt)
{
	struct sreq *r = (struct sreq *)x;
	struct slink *l = r->link;
	struct pws_buf b;
	int rc;

	pthread_mutex_lock(&l->lock);
	rc = l->ended ? -ENOTCONN : evt_subscribe(l->listener, evt);
	if (rc == 0) {
		/* '+' was posted by evt_subscribe when it is the first one */
		pws_buf_init(&b);
		pws_put_subscribe(&b, r->callid, (uint32_t)evt_id(evt), evt_fullname(evt));
		post_send(l, &b);
	}
	pthread_mutex_unlock(&l->lock);
	return rc;
}

static int sreq_unsubscribe(struct xreq *x, struct evt *evt)
{
	struct sreq *r = (struct sreq *)x;
	struct slink *l = r->link;
	struct pws_buf b;
	int rc = -ENOTCONN;

	pthread_mutex_lock(&l->lock);
	if (!l->ended) {
		/* 'U' goes before the '-' that evt_unsubscribe may post */
		pws_buf_init(&b);
		pws_put_unsubscribe(&b, r->callid, (uint32_t)evt_id(evt), evt_fullname(evt));
		post_send(l, &b);
		rc = evt_unsubscribe(l->listener, evt);
	}
	pthread_mutex_unlock(&l->lock);
	return rc;
}

#ifdef XREQ_HAS_SUBCALL_HOOK
static void sreq_subcall(struct xreq *x, const char *api, const char *verb, struct json_object *args,
			 void (*callback)(void *closure, int status, struct json_object *envelope), void *closure);
#endif

static const struct xreq_itf sreq_itf = {
	.reply = sreq_reply,
	.reply_text = sreq_reply_text,
	.destroy = sreq_destroy,
	.subscribe = sreq_subscribe,
	.unsubscribe = sreq_unsubscribe,
#ifdef XREQ_HAS_SUBCALL_HOOK
	.subcall = sreq_subcall,
#endif
};

static void send_fail(struct slink *l, uint32_t callid, const char *status, const char *info)
{
	struct pws_buf b;

	pws_buf_init(&b);
	pws_put_reply_fail(&b, callid, status, info);
	post_send(l, &b);
}

/* 'C': a call, made in the link's session of the uuid given */
static void on_call(struct slink *l, struct pws_msg *m)
{
	size_t la = strlen(l->api), lv = strlen(m->verb);
	struct session *session;
	struct sreq *r;

	if (m->bad_utf8) {
		send_fail(l, m->callid, "bad-request", "invalid UTF-8 in the call");
		return;
	}
	if (atomic_load(&l->pending) >= MAX_PENDING) {
		send_fail(l, m->callid, "cancelled", "too many pending calls on this link");
		return;
	}
	session = lsessions_get(l->sessions, m->uuid);
	r = session ? malloc(sizeof *r + la + lv + 2) : NULL;
	if (!r) {
		session_unref(session);
		send_fail(l, m->callid, "internal-error", NULL);
		return;
	}
	memcpy(r->names, l->api, la + 1);
	memcpy(r->names + la + 1, m->verb, lv + 1);
	r->link = slink_ref(l);
	r->callid = m->callid;
	xreq_init(&r->xreq, &sreq_itf, l->client, session, r->names, r->names + la + 1, m->json);
	m->json = NULL;
	session_unref(session);
	/* the documented trust rule: see docs/proto-ws.md */
	if (l->trusted)
		xreq_set(&r->xreq, XREQ_VALIDATED);
	atomic_fetch_add(&l->pending, 1);
	xreq_process(&r->xreq, l->server->set);
}

/* ------------------------------------------------------------ describe */

struct describe_job {
	struct slink *link;	/* one reference */
	struct api *api;
	uint32_t descid;
};

static void describe_run(int signum, void *arg)
{
	struct describe_job *j = arg;
	struct json_object *desc = NULL;
	struct pws_buf b;

	if (!signum && j->api && j->api->itf->describe)
		desc = j->api->itf->describe(j->api->closure);
	pws_buf_init(&b);
	pws_put_description(&b, j->descid, desc);
	json_object_put(desc);
	post_send(j->link, &b);
	slink_unref(j->link);
	api_unref(j->api);
	free(j);
}

/* 'D': described by a worker (a describe may be slow or remote) */
static void on_describe(struct slink *l, struct pws_msg *m)
{
	struct describe_job *j = malloc(sizeof *j);
	struct pws_buf b;

	if (j) {
		j->link = slink_ref(l);
		j->api = apiset_lookup(l->server->set, l->api);
		j->descid = m->descid;
		if (jobs_queue(NULL, 0, describe_run, j) == 0)
			return;
		slink_unref(l);
		api_unref(j->api);
		free(j);
	}
	pws_buf_init(&b);
	pws_put_description(&b, m->descid, NULL);
	post_send(l, &b);
}

/* ------------------------------------------------------------ subcalls */

/* a subcall of a request, made by the client's binder ('B', then 'R') */
struct ssub {
	struct slink *link;		/* one reference */
	void (*callback)(void *closure, int status, struct json_object *envelope);
	void *closure;
	struct pws_buf buf;
	int status;
	struct json_object *result;
	struct mainloop_item post;	/* sent from the main thread */
};

static struct json_object *failure_envelope(const char *status, const char *info)
{
	struct json_object *env = json_object_new_object();
	struct json_object *req = json_object_new_object();

	json_object_object_add(env, "jtype", json_object_new_string("afb-reply"));
	json_object_object_add(req, "status", json_object_new_string(status));
	json_object_object_add(req, "info", json_object_new_string(info));
	json_object_object_add(env, "request", req);
	return env;
}

static void ssub_run(int signum, void *arg)
{
	struct ssub *s = arg;

	s->callback(s->closure, s->status, s->result);
	json_object_put(s->result);
	pws_buf_clear(&s->buf);
	slink_unref(s->link);
	free(s);
}

/* The callback runs on a worker: it is binding code. 'result' is taken. */
static void ssub_finish(struct ssub *s, int status, struct json_object *result)
{
	s->status = status;
	s->result = result;
	if (jobs_queue(NULL, 0, ssub_run, s) < 0)
		ssub_run(0, s);
}

/* 'R' */
static void on_subcall_reply(struct slink *l, struct pws_msg *m)
{
	struct ssub *s = idmap_take(&l->subcalls, m->subcallid);

	if (!s) {
		LOGW_LIMITED("proto-ws: api %s: %s replied to an unknown subcall %u", l->api, l->who, m->subcallid);
		return;
	}
	/* status 0 or -1, as every subcall callback gets */
	ssub_finish(s, m->iserror ? -1 : 0, m->json);
	m->json = NULL;
}

#ifdef XREQ_HAS_SUBCALL_HOOK
static void ssub_start(struct mainloop_item *item)
{
	struct ssub *s = (struct ssub *)((char *)item - offsetof(struct ssub, post));
	struct slink *l = s->link;
	uint32_t id;

	if (!l->wl || idmap_alloc(&l->subcalls, s, &id) < 0) {
		ssub_finish(s, -1, failure_envelope("disconnected", "the link of the calling binder is gone"));
		return;
	}
	pws_buf_patch_u32(&s->buf, PWS_ID_OFFSET, id);
	if (wslink_send(l->wl, &s->buf) < 0 && idmap_take(&l->subcalls, id))
		ssub_finish(s, -1, failure_envelope("disconnected", "the link of the calling binder is gone"));
}

/* A subcall of a verb serving a link runs on the calling binder. */
static void sreq_subcall(struct xreq *x, const char *api, const char *verb, struct json_object *args,
			 void (*callback)(void *closure, int status, struct json_object *envelope), void *closure)
{
	struct sreq *r = (struct sreq *)x;
	struct ssub *s = calloc(1, sizeof *s);
	struct json_object *env;

	if (!s) {
		json_object_put(args);
		env = failure_envelope("failed", "internal error");
		callback(closure, -1, env);
		json_object_put(env);
		return;
	}
	s->link = slink_ref(r->link);
	s->callback = callback;
	s->closure = closure;
	pws_buf_init(&s->buf);
	pws_put_subcall(&s->buf, 0, r->callid, api, verb, args);
	json_object_put(args);
	/* the verb may wait for the reply (subcall_sync): mainloop.h says how the loop wakes */
	if (s->buf.error) {
		ssub_finish(s, -1, failure_envelope("failed", "internal error"));
		return;
	}
	s->post.run = ssub_start;
	mainloop_post_item(&s->post);
}
#endif

/* ------------------------------------------------------------ links */

static void on_message(void *closure, uint8_t *data, size_t size)
{
	struct slink *l = closure;
	const char *reason;
	struct pws_msg m;

	if (pws_decode(data, size, PWS_SERVER, &m, &reason) < 0) {
		LOGW_LIMITED("proto-ws: api %s: invalid message from %s (%s): link closed", l->api, l->who, reason);
		wslink_close(l->wl, WSF_CLOSE_POLICY, reason);
		return;
	}
	if (m.repaired)
		LOGW_LIMITED("proto-ws: api %s: invalid UTF-8 from %s in a %s, replaced by U+FFFD", l->api, l->who,
		     pws_code_name(m.code));
	switch (m.code) {
	case PWS_CALL:
		on_call(l, &m);
		break;
	case PWS_SUBCALL_REPLY:
		on_subcall_reply(l, &m);
		break;
	case PWS_DESCRIBE:
		on_describe(l, &m);
		break;
	}
	pws_msg_clear(&m);
}

/* Ends 'l' (main thread): everything of the link goes, but what running requests hold. */
static void slink_end(struct slink *l)
{
	struct evt_listener *listener;
	struct ws_server *server = l->server;
	struct ssub *s;

	pthread_mutex_lock(&l->lock);
	l->ended = 1;
	listener = l->listener;
	l->listener = NULL;
	pthread_mutex_unlock(&l->lock);
	/* no callback uses the link after this */
	evt_listener_close(listener);
	evt_listener_unref(listener);
	while ((s = idmap_take_any(&l->subcalls, NULL)) != NULL)
		ssub_finish(s, -1, failure_envelope("disconnected", "the link of the calling binder is gone"));
	wslink_free(l->wl);
	l->wl = NULL;
	lsessions_free(l->sessions);
	l->sessions = NULL;
	if (server) {
		if (l->prev)
			l->prev->next = l->next;
		else
			server->links = l->next;
		if (l->next)
			l->next->prev = l->prev;
		l->server = NULL;
	}
	slink_unref(l);
}

static void on_hangup(void *closure, const char *reason)
{
	struct slink *l = closure;

	LOGI("proto-ws: api %s: link of %s ended: %s", l->api, l->who, reason);
	slink_end(l);
}

static const struct wslink_itf slink_itf = {
	.on_message = on_message,
	.on_hangup = on_hangup,
};

static void slink_new(struct ws_server *server, int fd)
{
	struct slink *l = calloc(1, sizeof *l);
	int rc;

	if (!l || !(l->api = strdup(server->addr->api)) || !(l->sessions = lsessions_new(MAX_SESSIONS))
	    || !(l->client = peer_new_socket(PEER_PROTO_WS, fd))) {
		LOGE("proto-ws: api %s: out of memory, connection refused", server->addr->api);
		if (l) {
			lsessions_free(l->sessions);
			free(l->api);
			free(l);
		}
		close(fd);
		return;
	}
	atomic_init(&l->refcount, 1);
	atomic_init(&l->pending, 0);
	atomic_init(&l->bcast_mark, 0);
	pthread_mutex_init(&l->lock, NULL);
	idmap_init(&l->subcalls);
	l->server = server;
	l->trusted = wsaddr_peer_trusted(fd, l->who, sizeof l->who);

	l->listener = evt_listener_new(&listener_itf, l);
	if (l->listener) {
		rc = wslink_new(&l->wl, fd, 0, PWS_MAX_MESSAGE, &slink_itf, l);	/* takes fd, even on failure */
	} else {
		close(fd);
		rc = -ENOMEM;
	}
	l->next = server->links;
	if (l->next)
		l->next->prev = l;
	server->links = l;
	if (rc < 0) {
		LOGE("proto-ws: api %s: can't serve %s: %s", l->api, l->who, strerror(-rc));
		slink_end(l);
		return;
	}
	/*
	 * Its calls wait in the socket while the workers are behind. The
	 * subcall replies behind them wait too: the verbs waiting for them
	 * do so in jobs_wait, which runs queued jobs meanwhile, so the
	 * backlog goes down and the link is read again.
	 */
	wslink_set_throttle(l->wl, 1);
	LOGI("proto-ws: api %s: %s connected (%s)", l->api, l->who, l->trusted ? "trusted" : "not trusted");
}

/* ------------------------------------------------------------ servers */

static int on_resume(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct ws_server *server = userdata;

	server->pause = sd_event_source_unref(server->pause);
	sd_event_source_set_enabled(server->source, SD_EVENT_ON);
	return 0;
}

static int on_accept(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	struct ws_server *server = userdata;
	uint64_t now;
	int cfd;

	for (;;) {
		cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd >= 0) {
			slink_new(server, cfd);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EAGAIN)
			break;
		/*
		 * EMFILE and the like: the connection waits in the backlog,
		 * and the socket stays readable; rather than spinning, accept
		 * again a little later.
		 */
		LOGE("proto-ws: api %s: accept failed: %m", server->addr->api);
		if (!server->pause && sd_event_now(mainloop_event(), CLOCK_MONOTONIC, &now) >= 0
		    && sd_event_add_time(mainloop_event(), &server->pause, CLOCK_MONOTONIC,
					 now + ACCEPT_PAUSE_US, 0, on_resume, server) >= 0)
			sd_event_source_set_enabled(src, SD_EVENT_OFF);
		break;
	}
	return 0;
}

static void server_free(struct ws_server *server)
{
	while (server->links)
		slink_end(server->links);
	if (server->pause)
		sd_event_source_disable_unref(server->pause);
	if (server->source)
		sd_event_source_disable_unref(server->source);
	if (server->fd >= 0)
		close(server->fd);
	if (server->created)
		unlink(server->addr->path);
	wsaddr_free(server->addr);
	free(server);
}

int ws_server_add(struct apiset *set, const char *uri)
{
	struct ws_server *server = calloc(1, sizeof *server);
	struct api *api;
	int rc;

	if (!server)
		return -ENOMEM;
	server->fd = -1;
	server->set = set;
	rc = wsaddr_parse(uri, &server->addr);
	if (rc < 0) {
		free(server);
		return rc;
	}
	/* an api that a binding creates while serving is served once it exists */
	api = apiset_lookup(set, server->addr->api);
	if (!api)
		LOGW("proto-ws: api %s (%s) does not exist yet: its calls fail with unknown-api until it is created",
		     server->addr->api, uri);
	api_unref(api);
	rc = server->fd = wsaddr_listen(server->addr, server->where, sizeof server->where);
	if (rc < 0) {
		LOGE("proto-ws: can't listen on %s: %s", uri, strerror(-rc));
		goto error;
	}
	server->created = server->addr->kind == WSADDR_UNIX;
	rc = sd_event_add_io(mainloop_event(), &server->source, server->fd, EPOLLIN, on_accept, server);
	if (rc < 0) {
		LOGE("proto-ws: can't watch %s: %s", uri, strerror(-rc));
		goto error;
	}
	server->next = servers;
	servers = server;
	LOGN("proto-ws: serving api %s on %s", server->addr->api, server->where);
	return 0;
error:
	server_free(server);
	return rc;
}

int ws_servers_busy(void)
{
	struct ws_server *s;
	struct slink *l;

	for (s = servers; s; s = s->next)
		for (l = s->links; l; l = l->next)
			if (l->wl && wslink_pending_output(l->wl) > 0)
				return 1;
	return 0;
}

void ws_servers_free(void)
{
	struct ws_server *server;

	/* subcalls queued for the links are failed while the links are there */
	mainloop_drain();
	while ((server = servers) != NULL) {
		servers = server->next;
		server_free(server);
	}
}
