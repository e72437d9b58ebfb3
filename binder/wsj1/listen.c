/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The event listener of an x-afb-ws-json1 connection.
 *
 * The core calls a listener's callbacks on the pushing thread, from a
 * snapshot taken under its lock: a callback may still come after
 * evt_listener_unsubscribe_all and the last evt_listener_unref. So the
 * closure given to the core is not the connection's address but its
 * number, looked up here in a registry, under a lock, which gives a
 * reference only while the connection is open. A number is never
 * reused, so a late event can't reach another connection that got the
 * same address.
 *
 * Subscriptions come from verbs on any thread; 'conn->lock' orders them
 * with the release, after which they fail with -ECONNRESET.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <json-c/json.h>

#include "wsj1-internal.h"
#include "evt.h"
#include "jbuf.h"
#include "json1.h"
#include "peer.h"
#include "verbose.h"

/* ---- registry: number -> open connection ---- */

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct wsj1_conn **reg_buckets;
static size_t reg_size;		/* power of 2, or 0 */
static size_t reg_count;
static uint64_t reg_next_id = 1;

static size_t slot(uint64_t id, size_t size)
{
	return (size_t)(id * 0x9e3779b97f4a7c15ULL >> 17) & (size - 1);
}

/* Lock held. 0 or -ENOMEM (the table stays usable). */
static int reg_grow(void)
{
	size_t size = reg_size ? reg_size * 2 : 64, i;
	struct wsj1_conn **b = calloc(size, sizeof *b), *c;

	if (!b)
		return reg_size ? 0 : -ENOMEM;	/* longer chains, still correct */
	for (i = 0; i < reg_size; i++) {
		while ((c = reg_buckets[i]) != NULL) {
			reg_buckets[i] = c->reg_next;
			c->reg_next = b[slot(c->id, size)];
			b[slot(c->id, size)] = c;
		}
	}
	free(reg_buckets);
	reg_buckets = b;
	reg_size = size;
	return 0;
}

static int reg_add(struct wsj1_conn *conn)
{
	size_t i;

	pthread_mutex_lock(&reg_lock);
	if (reg_count >= reg_size && reg_grow() < 0) {
		pthread_mutex_unlock(&reg_lock);
		return -ENOMEM;
	}
	conn->id = reg_next_id++;
	i = slot(conn->id, reg_size);
	conn->reg_next = reg_buckets[i];
	reg_buckets[i] = conn;
	reg_count++;
	pthread_mutex_unlock(&reg_lock);
	return 0;
}

static void reg_remove(struct wsj1_conn *conn)
{
	struct wsj1_conn **p;

	pthread_mutex_lock(&reg_lock);
	for (p = reg_size ? &reg_buckets[slot(conn->id, reg_size)] : NULL; p && *p; p = &(*p)->reg_next) {
		if (*p == conn) {
			*p = conn->reg_next;
			reg_count--;
			break;
		}
	}
	if (!reg_count) {
		/* the last connection is gone: give the table back */
		free(reg_buckets);
		reg_buckets = NULL;
		reg_size = 0;
	}
	pthread_mutex_unlock(&reg_lock);
}

/* A reference to the open connection numbered 'id', or NULL. */
static struct wsj1_conn *reg_get(uint64_t id)
{
	struct wsj1_conn *c = NULL;

	pthread_mutex_lock(&reg_lock);
	if (reg_size)
		for (c = reg_buckets[slot(id, reg_size)]; c && c->id != id; c = c->reg_next);
	if (c)
		wsj1_conn_ref(c);
	pthread_mutex_unlock(&reg_lock);
	return c;
}

/* ---- listener callbacks (any thread) ---- */

static void send_event(void *closure, const char *event, struct json_object *object)
{
	struct wsj1_conn *conn = reg_get((uint64_t)(uintptr_t)closure);
	struct jbuf b;

	if (!conn)
		return;
	if (!atomic_load(&conn->closed)) {
		wsj1_out_begin(&b, 128);
		json1_event_text(&b, event, object);
		wsj1_conn_post(conn, wsj1_out_end(&b), 0);
	}
	wsj1_conn_unref(conn);
}

static void on_push(void *closure, const char *event, int eventid, struct json_object *object)
{
	send_event(closure, event, object);
}

static void on_broadcast(void *closure, const char *event, struct json_object *object)
{
	send_event(closure, event, object);
}

/* main thread (evt.h): out_bytes is the connection's output not yet written */
static int on_congested(void *closure)
{
	struct wsj1_conn *conn = reg_get((uint64_t)(uintptr_t)closure);
	int congested;

	if (!conn)
		return 0;
	congested = conn->out_bytes >= WSJ1_CONGESTED_BACKLOG;
	wsj1_conn_unref(conn);
	return congested;
}

static const struct evt_listener_itf listener_itf = {
	.push = on_push,
	.broadcast = on_broadcast,
	.congested = on_congested,
};

/* ---- connection side ---- */

int wsj1_listen_start(struct wsj1_conn *conn)
{
	if (reg_add(conn) < 0)
		return -ENOMEM;
	conn->listener = evt_listener_new(&listener_itf, (void *)(uintptr_t)conn->id);
	if (!conn->listener) {
		reg_remove(conn);
		return -ENOMEM;
	}
	return 0;
}

void wsj1_listen_stop(struct wsj1_conn *conn)
{
	struct evt_listener *listener;

	reg_remove(conn);
	pthread_mutex_lock(&conn->lock);
	listener = conn->listener;
	conn->listener = NULL;
	pthread_mutex_unlock(&conn->lock);
	if (listener) {
		evt_listener_unsubscribe_all(listener);
		evt_listener_unref(listener);
	}
}

int wsj1_listen_subscribe(struct wsj1_conn *conn, struct evt *evt)
{
	int rc;

	pthread_mutex_lock(&conn->lock);
	if (!conn->listener)
		rc = -ECONNRESET;
	else if (conn->subscriptions >= WSJ1_MAX_SUBSCRIPTIONS)
		rc = -ENOSPC;
	else
		rc = evt_subscribe(conn->listener, evt);
	if (rc == 0)
		conn->subscriptions++;
	pthread_mutex_unlock(&conn->lock);
	if (rc == -ENOSPC)
		LOGW("ws: %s: too many subscriptions (%d)", conn->client->address, WSJ1_MAX_SUBSCRIPTIONS);
	return rc;
}

int wsj1_listen_unsubscribe(struct wsj1_conn *conn, struct evt *evt)
{
	int rc;

	pthread_mutex_lock(&conn->lock);
	rc = conn->listener ? evt_unsubscribe(conn->listener, evt) : -ECONNRESET;
	if (rc == 0 && conn->subscriptions > 0)
		conn->subscriptions--;
	pthread_mutex_unlock(&conn->lock);
	return rc;
}
