/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The event listener of an x-afb-ws-json1 connection.
 *
 * The core calls a listener's callbacks on the pushing thread; the
 * closure is the connection itself: evt_listener_close, in
 * wsj1_listen_stop, returns once no callback uses it any more, and the
 * connection is alive until then (its open reference).
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

/* ---- listener callbacks (any thread) ---- */

/*
 * The frame of the delivery in progress on this thread (evt_delivery):
 * an event pushed to 1,000 subscribers is written once, and each of them
 * gets a message sharing its frame. Dropped by 'delivered', at the end
 * of the delivery.
 */
static __thread struct wsj1_out *frame;
static __thread unsigned long frame_delivery;

static void on_delivered(void)
{
	wsj1_out_free(frame);
	frame = NULL;
}

static struct wsj1_out *event_frame(const char *event, struct json_object *object)
{
	unsigned long delivery = evt_delivery();
	struct jbuf b;

	if (frame && frame_delivery == delivery)
		return frame;
	on_delivered();
	wsj1_out_begin(&b, 128);
	json1_event_text(&b, event, object);
	frame = wsj1_out_end(&b);
	frame_delivery = delivery;
	return frame;
}

static void send_event(void *closure, const char *event, struct json_object *object)
{
	struct wsj1_conn *conn = closure;
	struct wsj1_out *f;

	if (!atomic_load(&conn->closed)) {
		f = event_frame(event, object);
		wsj1_conn_post(conn, f ? wsj1_out_share(f) : NULL, 0);
	}
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
	struct wsj1_conn *conn = closure;

	return conn->out_bytes >= WSJ1_CONGESTED_BACKLOG;
}

static const struct evt_listener_itf listener_itf = {
	.push = on_push,
	.broadcast = on_broadcast,
	.congested = on_congested,
	.delivered = on_delivered,
};

/* ---- connection side ---- */

int wsj1_listen_start(struct wsj1_conn *conn)
{
	conn->listener = evt_listener_new(&listener_itf, conn);
	return conn->listener ? 0 : -ENOMEM;
}

void wsj1_listen_stop(struct wsj1_conn *conn)
{
	struct evt_listener *listener;

	pthread_mutex_lock(&conn->lock);
	listener = conn->listener;
	conn->listener = NULL;
	pthread_mutex_unlock(&conn->lock);
	/* its callbacks in flight are over when it returns: none uses 'conn' after */
	evt_listener_close(listener);
	evt_listener_unref(listener);
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
		LOGW_LIMITED("ws: %s: too many subscriptions (%d)", conn->client->address, WSJ1_MAX_SUBSCRIPTIONS);
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
