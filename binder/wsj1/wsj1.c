/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The x-afb-ws-json1 server: the upgrade hook, the open connections and
 * the deferred work source.
 *
 * Deferred work: writing and resumed reading go through one sd-event
 * defer source instead of running where they are asked for, so that the
 * replies delivered together are written with one sendmsg per connection,
 * and so that no I/O happens inside the callbacks of the input decoder.
 *
 * Keep-alive: a timer looks at every connection each second (see
 * wsj1_conn_keepalive): a silent peer is pinged, then closed.
 *
 * Memory: each connection released asks core/memtrim for a malloc_trim
 * once the burst of closes is over, so that the daemon's RSS comes back
 * down after a burst of clients.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "wsj1.h"
#include "wsj1-internal.h"
#include "hsrv.h"
#include "mainloop.h"
#include "verbose.h"

#define DEFAULT_MAX_MESSAGE (1u << 20)
/* granularity of pings and idle timeouts */
#define KEEPALIVE_TICK_US 1000000

static int on_work(sd_event_source *s, void *userdata)
{
	struct wsj1 *ws = userdata;
	struct wsj1_conn *list, *conn;
	int flush, pump;

	/* connections scheduled meanwhile go to the next round */
	list = ws->work_list;
	ws->work_list = NULL;
	while ((conn = list) != NULL) {
		list = conn->work_next;
		conn->in_work = 0;
		flush = conn->want_flush;
		pump = conn->want_pump;
		conn->want_flush = conn->want_pump = 0;
		if (flush && conn->state != WSJ1_DEAD)
			wsj1_conn_flush(conn);
		if (pump && conn->state != WSJ1_DEAD)
			wsj1_conn_pump(conn);
		wsj1_conn_unref(conn);
	}
	return 0;
}

void wsj1_schedule(struct wsj1_conn *conn, int flush, int pump)
{
	struct wsj1 *ws = conn->server;

	conn->want_flush |= flush != 0;
	conn->want_pump |= pump != 0;
	if (conn->in_work || !ws)
		return;
	conn->in_work = 1;
	conn->work_next = ws->work_list;
	ws->work_list = wsj1_conn_ref(conn);
	sd_event_source_set_enabled(ws->work, SD_EVENT_ONESHOT);
}

/* Every second while connections are open: pings and idle timeouts. */
static int on_keepalive(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct wsj1 *ws = userdata;
	struct wsj1_conn *conn, *next;
	uint64_t now = 0;

	sd_event_now(mainloop_event(), CLOCK_MONOTONIC, &now);
	for (conn = ws->conns; conn; conn = next) {
		/* the check may release 'conn' (unlinked): keep the next one */
		next = conn->next;
		wsj1_conn_keepalive(conn, now);
	}
	sd_event_source_set_time(s, usec + KEEPALIVE_TICK_US);
	return 0;
}

int wsj1_new(struct wsj1 **out, struct hsrv *hsrv, const struct wsj1_options *options, struct apiset *apiset)
{
	struct wsj1 *ws;
	int rc = -ENOMEM;

	if (!out || !hsrv || !options || !apiset)
		return -EINVAL;
	ws = calloc(1, sizeof *ws);
	if (!ws)
		return -ENOMEM;
	ws->hsrv = hsrv;
	ws->apiset = apiset;
	ws->max_message = options->max_message ? options->max_message : DEFAULT_MAX_MESSAGE;
	ws->ping_us = (uint64_t)(options->ping_interval > 0 ? options->ping_interval : 0) * 1000000;
	ws->idle_us = (uint64_t)(options->idle_timeout > 0 ? options->idle_timeout : 0) * 1000000;
	ws->tok = json_tokener_new();
	if (!ws->tok)
		goto error;
	json_tokener_set_flags(ws->tok, JSON_TOKENER_STRICT);
	rc = sd_event_add_defer(mainloop_event(), &ws->work, on_work, ws);
	if (rc >= 0 && (ws->ping_us || ws->idle_us))
		rc = sd_event_add_time_relative(mainloop_event(), &ws->keepalive, CLOCK_MONOTONIC, KEEPALIVE_TICK_US,
						KEEPALIVE_TICK_US / 10, on_keepalive, ws);
	if (rc >= 0 && ws->keepalive)
		rc = sd_event_source_set_enabled(ws->keepalive, SD_EVENT_ON);
	if (rc < 0)
		goto error;
	sd_event_source_set_enabled(ws->work, SD_EVENT_OFF);
	wsj1_upgrade_set_server(ws);
	hsrv_set_upgrade_handler(hsrv, wsj1_upgrade_request, ws);
	LOGN("ws: x-afb-ws-json1 at %s, messages up to %zu bytes, ping after %d s of silence, closed after %d s",
	     *hsrv_rootapi(hsrv) ? hsrv_rootapi(hsrv) : "/", ws->max_message, options->ping_interval,
	     options->idle_timeout);
	*out = ws;
	return 0;
error:
	wsj1_free(ws);
	return rc;
}

void wsj1_free(struct wsj1 *ws)
{
	struct wsj1_conn *conn;

	if (!ws)
		return;
	if (ws->hsrv)
		hsrv_set_upgrade_handler(ws->hsrv, NULL, NULL);
	wsj1_upgrade_set_server(NULL);
	while ((conn = ws->conns) != NULL)
		wsj1_conn_goodbye(conn);
	/* what was scheduled is for released connections only: drop it */
	on_work(NULL, ws);
	wsj1_pending_purge(ws, 1);
	sd_event_source_disable_unref(ws->work);
	sd_event_source_disable_unref(ws->keepalive);
	if (ws->tok)
		json_tokener_free(ws->tok);
	free(ws);
}

unsigned wsj1_count(const struct wsj1 *ws)
{
	return ws ? ws->count : 0;
}
