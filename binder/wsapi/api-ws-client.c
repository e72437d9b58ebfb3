/* SPDX-License-Identifier: Apache-2.0 */
/*
 * --ws-client: see api-ws-client.h.
 *
 * Threading. A connection (struct clink) is driven by the main thread:
 * its socket, pending calls, describes and event replicas are touched
 * there only. A call arrives on a worker, which encodes it (with a
 * placeholder id) and posts it to the main thread; the main thread picks
 * the id, records the call and writes it. Replies, events and subcall
 * requests are handled on the main thread as they are read.
 *
 * Lifetime. A connection is reference counted: its client holds one while
 * it is the current connection, and so do subcalls made for the server and
 * messages posted for it. When it breaks, everything it carries is
 * answered or dropped at once; what still holds it only finds it ended.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include "apiset.h"
#include "evt.h"
#include "jobs.h"
#include "mainloop.h"
#include "session.h"
#include "verbose.h"
#include "xreq.h"
#include "api-ws-client.h"
#include "bcast-guard.h"
#include "idmap.h"
#include "proto-ws.h"
#include "wsaddr.h"
#include "wsframe.h"
#include "wslink.h"

/* delays between failed connection attempts: doubled from MIN up to MAX */
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 2000
#define DESCRIBE_TIMEOUT_MS 10000
/* calls made on the main thread block it: not for longer than this */
#define MAIN_CALL_TIMEOUT_MS 30000

struct ws_client {
	struct ws_client *next;
	struct wsaddr *addr;
	struct clink *link;		/* the current connection, or NULL */
	long long retry_at;		/* ms: no attempt before */
	int backoff_ms;
	int warned;			/* a failure was logged since the last success */
};

/* an event of the server, replicated here under the same name */
struct replica {
	struct replica *next;
	uint32_t id;			/* the server's id */
	int refs;			/* '+' minus '-' */
	struct evt *evt;
};

struct clink {
	atomic_int refcount;
	struct ws_client *client;	/* NULL once ended */
	struct wslink *wl;		/* NULL once ended */
	struct idmap calls;		/* callid -> struct ccall */
	struct idmap describes;		/* descid -> struct cdesc */
	struct replica *replicas;
};

/* a call waiting for its reply */
struct ccall {
	struct xreq *xreq;		/* one reference */
	struct ws_client *client;
	struct pws_buf buf;		/* the 'C' message until it is sent */
	struct mainloop_item post;	/* sent from the main thread */
};

/* a describe: on the stack of the waiting thread */
struct cdesc {
	struct ws_client *client;
	struct clink *link;		/* one reference while registered */
	uint32_t id;
	sd_event_source *timer;
	struct json_object *result;
	atomic_int done;
};

/* a subcall asked by the server ('B') */
struct csub {
	struct clink *link;		/* one reference */
	uint32_t subcallid;
};

static struct ws_client *clients;

/*
 * Before the main loop runs (at start, while the bindings' inits run), the
 * main thread may be blocked waiting for one of our calls: nothing would
 * read the connection. Until the loop runs, calls and describes drive the
 * connection on their own thread, one at a time (startup_lock held);
 * ws_clients_loop_starts, called by main before it runs the loop, ends this
 * period once such a pump is over (a posted end raced with the loop's own
 * handling of the connection: ThreadSanitizer, a describe of the D-Bus
 * export pumping on a worker while another one led the loop).
 */
static pthread_mutex_t startup_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int loop_running;

void ws_clients_loop_starts(void)
{
	pthread_mutex_lock(&startup_lock);
	atomic_store(&loop_running, 1);
	pthread_mutex_unlock(&startup_lock);
}

/* 1, startup_lock held, when the caller must drive the connection itself */
static int startup_begin(void)
{
	if (atomic_load(&loop_running))
		return 0;
	pthread_mutex_lock(&startup_lock);
	if (!atomic_load(&loop_running))
		return 1;
	pthread_mutex_unlock(&startup_lock);
	return 0;
}

static void startup_end(void)
{
	pthread_mutex_unlock(&startup_lock);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct clink *clink_ref(struct clink *l)
{
	atomic_fetch_add(&l->refcount, 1);
	return l;
}

static void clink_unref(struct clink *l)
{
	if (atomic_fetch_sub(&l->refcount, 1) != 1)
		return;
	idmap_deinit(&l->calls);
	idmap_deinit(&l->describes);
	free(l);
}

/* ------------------------------------------------------------ output */

static struct wslink *owner_link(void *owner)
{
	return ((struct clink *)owner)->wl;
}

static void owner_unref(void *owner)
{
	clink_unref(owner);
}

static const char *owner_api(void *owner)
{
	struct ws_client *client = ((struct clink *)owner)->client;

	return client ? client->addr->api : "(ended)";
}

static const struct wslink_owner_itf owner_itf = {
	.link = owner_link,
	.unref = owner_unref,
	.api = owner_api,
};

/* Any thread: sends the message in 'buf' (taken) on 'l' from the main thread. */
static void post_send(struct clink *l, struct pws_buf *buf)
{
	wslink_post(&owner_itf, clink_ref(l), buf);
}

/* ------------------------------------------------------------ calls */

/* Fails the call 'c' and frees it. */
static void fail_call(struct ccall *c, const char *status, const char *info)
{
	xreq_fail_f(c->xreq, status, "api %s: %s", c->client->addr->api, info);
	xreq_unref(c->xreq);
	pws_buf_clear(&c->buf);
	free(c);
}

/* Replies 'object', or the plain JSON 'text' when there is one (passed on unparsed: xreq_reply_text). */
static void finish_call(struct ccall *c, const char *status, const char *info, struct json_object *object,
			const char *text, size_t len)
{
	if (text)
		xreq_reply_text(c->xreq, info, text, len);
	else
		xreq_reply(c->xreq, status, info, object);
	xreq_unref(c->xreq);
	pws_buf_clear(&c->buf);
	free(c);
}

/* ------------------------------------------------------------ connections */

static struct clink *client_link(struct ws_client *client, int may_connect);
static void desc_complete(struct cdesc *d, struct json_object *result);

static void connect_failed(struct ws_client *client, const char *why)
{
	client->backoff_ms = client->backoff_ms ? client->backoff_ms * 2 : BACKOFF_MIN_MS;
	if (client->backoff_ms > BACKOFF_MAX_MS)
		client->backoff_ms = BACKOFF_MAX_MS;
	client->retry_at = now_ms() + client->backoff_ms;
	if (!client->warned)
		LOGW("proto-ws: api %s: can't connect to %s (%s); trying again on a next call",
		     client->addr->api, client->addr->uri, why);
	client->warned = 1;
}

/* Ends 'l': its calls fail, its describes end, its replicas are dropped. */
static void clink_end(struct clink *l, const char *reason)
{
	struct ws_client *client = l->client;
	struct replica *r;
	struct ccall *c;
	struct cdesc *d;
	size_t ncalls = idmap_count(&l->calls);

	if (!client)
		return;
	l->client = NULL;
	if (client->link == l)
		client->link = NULL;
	if (wslink_was_connected(l->wl)) {
		client->backoff_ms = 0;
		client->retry_at = 0;
		client->warned = 0;
		if (reason)
			LOGW("proto-ws: api %s: connection to %s lost (%s), %zu pending call(s) failed",
			     client->addr->api, client->addr->uri, reason, ncalls);
	} else if (reason) {
		connect_failed(client, reason);
	}
	wslink_free(l->wl);
	l->wl = NULL;
	while ((c = idmap_take_any(&l->calls, NULL)) != NULL)
		fail_call(c, "disconnected", "the connection to the serving binder was lost");
	while ((d = idmap_take_any(&l->describes, NULL)) != NULL)
		desc_complete(d, NULL);
	while ((r = l->replicas) != NULL) {
		l->replicas = r->next;
		evt_drop(r->evt);
		free(r);
	}
	clink_unref(l);
}

static void on_hangup(void *closure, const char *reason)
{
	clink_end(closure, reason);
}

static struct replica *replica_find(struct clink *l, uint32_t id, const char *name)
{
	struct replica *r;

	for (r = l->replicas; r; r = r->next)
		if (r->id == id && !strcmp(evt_fullname(r->evt), name))
			return r;
	return NULL;
}

/* 'T' and 'F' */
static void on_reply(struct clink *l, struct pws_msg *m)
{
	struct ccall *c = idmap_take(&l->calls, m->callid);

	if (!c) {
		LOGW("proto-ws: api %s: reply to an unknown call %u", l->client->addr->api, m->callid);
		return;
	}
	if (m->code == PWS_REPLY_SUCCESS) {
		finish_call(c, NULL, m->info, m->json, m->text, m->text_len);
		m->json = NULL;
	} else {
		finish_call(c, m->status, m->info, NULL, NULL, 0);
	}
}

static void on_subcall_done(void *closure, int status, struct json_object *envelope)
{
	struct csub *s = closure;
	struct pws_buf b;

	pws_buf_init(&b);
	pws_put_subcall_reply(&b, s->subcallid, status < 0, envelope);
	if (b.error) {
		/* the server's verb waits for an answer: a failure it gets (the error is logged) */
		post_send(s->link, &b);
		pws_put_subcall_reply(&b, s->subcallid, 1, NULL);
	}
	post_send(s->link, &b);
	clink_unref(s->link);
	free(s);
}

/* 'B': a subcall of the server's verb, made here in the calling request */
static void on_subcall(struct clink *l, struct pws_msg *m)
{
	struct ccall *c = idmap_get(&l->calls, m->callid);
	struct csub *s = c && !m->bad_utf8 ? malloc(sizeof *s) : NULL;
	struct json_object *env;
	struct pws_buf b;

	if (m->bad_utf8) {
		LOGW("proto-ws: api %s: subcall with invalid UTF-8 refused", l->client->addr->api);
		env = json_tokener_parse("{\"jtype\":\"afb-reply\",\"request\":{\"status\":\"bad-request\","
					 "\"info\":\"invalid UTF-8 in the subcall\"}}");
		pws_buf_init(&b);
		pws_put_subcall_reply(&b, m->subcallid, 1, env);
		json_object_put(env);
		wslink_send(l->wl, &b);
		return;
	}
	if (!s) {
		LOGW("proto-ws: api %s: subcall %s/%s for an unknown call %u refused",
		     l->client->addr->api, m->api, m->verb, m->callid);
		pws_buf_init(&b);
		pws_put_subcall_reply(&b, m->subcallid, 1, NULL);
		wslink_send(l->wl, &b);
		return;
	}
	s->link = clink_ref(l);
	s->subcallid = m->subcallid;
	xreq_subcall(c->xreq, m->api, m->verb, m->json, on_subcall_done, s);
	m->json = NULL;
}

/* 'S' and 'U': the request that made the call subscribes to the replica */
static void on_subscription(struct clink *l, struct pws_msg *m)
{
	struct ccall *c = idmap_get(&l->calls, m->callid);
	struct replica *r = replica_find(l, m->eventid, m->event);

	if (!c || !r) {
		LOGW("proto-ws: api %s: %s of %s for %s ignored", l->client->addr->api, pws_code_name(m->code),
		     m->event, c ? "an unknown event" : "an unknown call");
		return;
	}
	if (m->code == PWS_SUBSCRIBE)
		xreq_subscribe(c->xreq, r->evt);
	else
		xreq_unsubscribe(c->xreq, r->evt);
}

static void on_event_add(struct clink *l, struct pws_msg *m)
{
	struct replica *r = replica_find(l, m->eventid, m->event);

	if (r) {
		r->refs++;
		return;
	}
	r = malloc(sizeof *r);
	if (r && !(r->evt = evt_new(m->event))) {
		free(r);
		r = NULL;
	}
	if (!r) {
		LOGE("proto-ws: api %s: out of memory: event %s not replicated", l->client->addr->api, m->event);
		return;
	}
	r->id = m->eventid;
	r->refs = 1;
	r->next = l->replicas;
	l->replicas = r;
}

static void on_event_remove(struct clink *l, struct pws_msg *m)
{
	struct replica **p = &l->replicas, *r;

	while ((r = *p) && (r->id != m->eventid || strcmp(evt_fullname(r->evt), m->event)))
		p = &r->next;
	if (!r) {
		LOGW("proto-ws: api %s: removal of an unknown event %s", l->client->addr->api, m->event);
		return;
	}
	if (--r->refs > 0)
		return;
	*p = r->next;
	evt_drop(r->evt);
	free(r);
}

static void on_event_push(struct clink *l, struct pws_msg *m)
{
	struct replica *r = replica_find(l, m->eventid, m->event);

	if (!r) {
		LOGD("proto-ws: api %s: push of an unknown event %s dropped", l->client->addr->api, m->event);
		return;
	}
	evt_push(r->evt, m->json);
	m->json = NULL;
}

static void on_broadcast(struct clink *l, struct pws_msg *m)
{
	struct bcast_origin origin;

	if (bcast_guard_seen(m->has_guard ? m->guard_uuid : NULL)) {
		LOGD("proto-ws: broadcast of %s already seen: dropped", m->event);
		return;
	}
	memcpy(origin.uuid, m->guard_uuid, sizeof origin.uuid);
	origin.hop = m->hop;
	bcast_guard_rebroadcast(m->event, m->json, m->has_guard ? &origin : NULL);
	m->json = NULL;
}

/* Completes the describe 'd' (main thread); its waiter may free it at once. */
static void desc_complete(struct cdesc *d, struct json_object *result)
{
	struct clink *l = d->link;

	if (d->timer)
		d->timer = sd_event_source_disable_unref(d->timer);
	d->link = NULL;
	d->result = result;
	atomic_store(&d->done, 1);
	jobs_wakeup();
	if (l)
		clink_unref(l);
}

static void on_description(struct clink *l, struct pws_msg *m)
{
	struct cdesc *d = idmap_take(&l->describes, m->descid);

	if (!d) {
		LOGW("proto-ws: api %s: unexpected description %u", l->client->addr->api, m->descid);
		return;
	}
	desc_complete(d, m->json);
	m->json = NULL;
}

static void on_message(void *closure, uint8_t *data, size_t size)
{
	struct clink *l = closure;
	const char *reason;
	struct pws_msg m;

	/* the responses that can be are passed on as text */
	if (pws_decode_ex(data, size, PWS_CLIENT, PWS_REPLY_TEXT, &m, &reason) < 0) {
		LOGW("proto-ws: api %s: invalid message from %s (%s): connection closed",
		     l->client->addr->api, l->client->addr->uri, reason);
		wslink_close(l->wl, WSF_CLOSE_POLICY, reason);
		return;
	}
	if (m.repaired)
		LOGW("proto-ws: api %s: invalid UTF-8 from %s in a %s, replaced by U+FFFD", l->client->addr->api,
		     l->client->addr->uri, pws_code_name(m.code));
	clink_ref(l);
	switch (m.code) {
	case PWS_REPLY_SUCCESS:
	case PWS_REPLY_FAIL:
		on_reply(l, &m);
		break;
	case PWS_SUBCALL:
		on_subcall(l, &m);
		break;
	case PWS_SUBSCRIBE:
	case PWS_UNSUBSCRIBE:
		on_subscription(l, &m);
		break;
	case PWS_EVENT_ADD:
		on_event_add(l, &m);
		break;
	case PWS_EVENT_REMOVE:
		on_event_remove(l, &m);
		break;
	case PWS_EVENT_PUSH:
		on_event_push(l, &m);
		break;
	case PWS_BROADCAST:
		on_broadcast(l, &m);
		break;
	case PWS_DESCRIPTION:
		on_description(l, &m);
		break;
	}
	pws_msg_clear(&m);
	clink_unref(l);
}

static const struct wslink_itf clink_itf = {
	.on_message = on_message,
	.on_hangup = on_hangup,
};

/*
 * The connection of 'client', made when there is none and 'may_connect':
 * sources are added to the loop only by the thread that dispatches it, or
 * by the main thread before the loop runs.
 */
static struct clink *client_link(struct ws_client *client, int may_connect)
{
	struct clink *l;
	int fd, pending, rc;

	if (client->link)
		return client->link;
	if (!may_connect || now_ms() < client->retry_at)
		return NULL;
	fd = wsaddr_connect(client->addr, &pending);
	if (fd < 0) {
		connect_failed(client, strerror(-fd));
		return NULL;
	}
	l = calloc(1, sizeof *l);
	if (!l) {
		close(fd);
		connect_failed(client, "out of memory");
		return NULL;
	}
	/* the fd is the link's, even on failure */
	rc = wslink_new(&l->wl, fd, pending, PWS_MAX_MESSAGE, &clink_itf, l);
	if (rc < 0) {
		free(l);
		connect_failed(client, strerror(-rc));
		return NULL;
	}
	atomic_init(&l->refcount, 1);
	idmap_init(&l->calls);
	idmap_init(&l->describes);
	l->client = client;
	client->link = l;
	LOGI("proto-ws: api %s: connect%s to %s", client->addr->api, pending ? "ing" : "ed", client->addr->uri);
	return l;
}

/* ------------------------------------------------------------ api */

/*
 * Main thread: sends the call 'c' encoded by a worker. Returns its
 * connection (one reference more) and *id while it waits for its reply,
 * NULL when it was answered already.
 */
static struct clink *call_send(struct ccall *c, uint32_t *id)
{
	struct clink *l = client_link(c->client, mainloop_is_main());
	int rc;

	if (!l) {
		fail_call(c, "disconnected", "no connection to the serving binder");
		return NULL;
	}
	if (idmap_alloc(&l->calls, c, id) < 0) {
		fail_call(c, "failed", "out of memory");
		return NULL;
	}
	pws_buf_patch_u32(&c->buf, PWS_ID_OFFSET, *id);
	/* a send may end the connection, which then answers the call */
	clink_ref(l);
	rc = wslink_send(l->wl, &c->buf);
	if (rc < 0 && (c = idmap_take(&l->calls, *id)) != NULL)
		fail_call(c, "disconnected", "the connection to the serving binder was lost");
	return l;
}

static void call_start(struct mainloop_item *item)
{
	uint32_t id;
	struct clink *l = call_send((struct ccall *)((char *)item - offsetof(struct ccall, post)), &id);

	if (l)
		clink_unref(l);
}

struct main_wait {
	struct clink *link;
	struct ccall *call;
	uint32_t id;
};

static int call_done(void *closure)
{
	struct main_wait *w = closure;

	return idmap_get(&w->link->calls, w->id) != w->call;
}

/*
 * A call whose caller may block the loop: made on the main thread, or
 * before the loop runs (see startup_lock). The connection is driven from
 * here until the reply comes.
 */
static void call_and_wait(struct ccall *c)
{
	struct main_wait w = { .call = c };
	int rc;

	w.link = call_send(c, &w.id);
	if (!w.link)
		return;
	rc = w.link->wl ? wslink_pump(w.link->wl, MAIN_CALL_TIMEOUT_MS, call_done, &w) : 0;
	if (rc < 0 && (c = idmap_take(&w.link->calls, w.id)) != NULL)
		fail_call(c, rc == -ETIMEDOUT ? "timeout" : "failed",
			  rc == -ETIMEDOUT ? "no reply in time to a call of the main thread"
					   : "can't wait for a reply on the main thread here");
	clink_unref(w.link);
}

static void api_call(void *closure, struct xreq *xreq)
{
	struct ws_client *client = closure;
	struct ccall *c = malloc(sizeof *c);

	if (!c) {
		xreq_fail_f(xreq, "failed", "out of memory");
		xreq_unref(xreq);
		return;
	}
	c->xreq = xreq;
	c->client = client;
	pws_buf_init(&c->buf);
	/* the remote api may keep state in the session: one is made if the request has none yet */
	if (!xreq_session(xreq, 1))
		fail_call(c, "failed", "out of memory");
	/* the id is known on the main thread only */
	else if (pws_put_call(&c->buf, 0, xreq->verb, session_uuid(xreq_session(xreq, 0)), xreq_args_peek(xreq)) < 0)
		fail_call(c, "failed", "can't encode the call");
	else if (startup_begin()) {
		call_and_wait(c);
		startup_end();
	} else if (mainloop_is_main()) {
		call_and_wait(c);
	} else {
		c->post.run = call_start;
		mainloop_post_item(&c->post);
	}
}

static int desc_is_done(void *closure)
{
	return atomic_load(&((struct cdesc *)closure)->done);
}

static int desc_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct cdesc *d = userdata;

	if (d->link && idmap_take(&d->link->describes, d->id))
		desc_complete(d, NULL);
	return 0;
}

/* Main thread: registers and sends the describe 'd'; completes it on failure. */
static void desc_start(struct cdesc *d, int with_timer)
{
	struct clink *l = client_link(d->client, mainloop_is_main());
	struct pws_buf b;
	uint64_t now;

	if (!l || idmap_alloc(&l->describes, d, &d->id) < 0) {
		desc_complete(d, NULL);
		return;
	}
	d->link = clink_ref(l);
	if (with_timer) {
		sd_event_now(mainloop_event(), CLOCK_MONOTONIC, &now);
		sd_event_add_time(mainloop_event(), &d->timer, CLOCK_MONOTONIC,
				  now + DESCRIBE_TIMEOUT_MS * 1000ull, 0, desc_timeout, d);
	}
	pws_buf_init(&b);
	pws_put_describe(&b, d->id);
	if (wslink_send(l->wl, &b) < 0 && idmap_take(&l->describes, d->id))
		desc_complete(d, NULL);
}

static void desc_start_posted(void *arg)
{
	desc_start(arg, 1);
}

/*
 * Synchronous, as the api interface wants. A worker waits in jobs_wait;
 * the main thread, which can't go back to its loop, pumps the connection.
 */
static struct json_object *api_describe(void *closure)
{
	struct cdesc d = { .client = closure };
	struct wslink *wl;

	int startup = startup_begin();

	atomic_init(&d.done, 0);
	if (!startup && !mainloop_is_main()) {
		if (mainloop_post(desc_start_posted, &d) < 0)
			return NULL;
		jobs_wait(desc_is_done, &d);
		return d.result;
	}
	desc_start(&d, 0);
	if (!atomic_load(&d.done)) {
		wl = d.link->wl;
		wslink_pump(wl, DESCRIBE_TIMEOUT_MS, desc_is_done, &d);
		if (!atomic_load(&d.done) && d.link && idmap_take(&d.link->describes, d.id))
			desc_complete(&d, NULL);
	}
	if (startup)
		startup_end();
	return d.result;
}

static const struct api_itf client_api_itf = {
	.call = api_call,
	.describe = api_describe,
};

int ws_client_add(struct apiset *set, const char *uri)
{
	struct ws_client *client = calloc(1, sizeof *client);
	int rc;

	if (!client)
		return -ENOMEM;
	rc = wsaddr_parse(uri, &client->addr);
	if (rc < 0) {
		free(client);
		return rc;
	}
	if (client->addr->kind == WSADDR_SYSTEMD) {
		LOGE("proto-ws: can't import %s: sd: addresses are for --ws-server", uri);
		rc = -EINVAL;
	} else {
		rc = apiset_add(set, client->addr->api, client, &client_api_itf);
		if (rc < 0)
			LOGE("proto-ws: can't import api %s: %s", client->addr->api,
			     rc == -EEXIST ? "an api of that name exists" : strerror(-rc));
	}
	if (rc < 0) {
		wsaddr_free(client->addr);
		free(client);
		return rc;
	}
	client->next = clients;
	clients = client;
	LOGN("proto-ws: api %s imported from %s", client->addr->api, uri);
	client_link(client, 1);
	return 0;
}

void ws_clients_free(void)
{
	struct ws_client *client;

	/* what was queued is answered while the clients are there */
	mainloop_drain();
	while ((client = clients) != NULL) {
		clients = client->next;
		if (client->link)
			clink_end(client->link, NULL);
		wsaddr_free(client->addr);
		free(client);
	}
}
