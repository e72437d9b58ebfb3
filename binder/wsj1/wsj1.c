/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The x-afb-ws-json1 server: the upgrade hook, the open connections and
 * the deferred work source.
 *
 * Deferred work: writing and resumed reading go through two sd-event
 * defer sources instead of running where they are asked for, so that the
 * replies delivered together are written with one sendmsg per connection,
 * and so that no I/O happens inside the callbacks of the input decoder.
 * Writing goes before any input of the next loop round (the replies of
 * a busy server do not wait behind a round of reads); resumed reading
 * takes its turn among the connections' io sources.
 *
 * Keep-alive: a timer looks at every connection each second (see
 * wsj1_conn_keepalive): a silent peer is pinged, then closed; a peer quiet
 * for a second gets its input buffer freed (wsmsg_rx_trim).
 *
 * Memory: closes are told to memtrim (core/memtrim.h), which gives the
 * freed heap back to the system, so that the daemon's memory comes back
 * down after a burst of clients.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "wsj1.h"
#include "wsj1-internal.h"
#include "cowork.h"
#include "hsrv.h"
#include "jobs.h"
#include "mainloop.h"
#include "memtrim.h"
#include "verbose.h"

#define DEFAULT_MAX_MESSAGE (1u << 20)
/* granularity of pings and idle timeouts */
#define KEEPALIVE_TICK_US 1000000

/* Takes the list of 'kind' (connections scheduled meanwhile go to the next round); *tail: its end. */
static struct wsj1_conn *take(struct wsj1 *ws, int kind, struct wsj1_conn ***tail)
{
	struct wsj1_conn *list = ws->work_list[kind];

	*tail = ws->work_tail[kind];
	ws->work_list[kind] = NULL;
	ws->work_tail[kind] = &ws->work_list[kind];
	return list;
}

/* Puts 'list' (taken, still marked in_work, ending at *tail) back in front of what was scheduled meanwhile. */
static void put_back(struct wsj1 *ws, struct wsj1_conn *list, struct wsj1_conn **tail, int kind)
{
	*tail = ws->work_list[kind];
	if (!ws->work_list[kind])
		ws->work_tail[kind] = tail;
	ws->work_list[kind] = list;
	mainloop_soon(&ws->work);
}

/*
 * The flushes of a turn. When events were queued for many connections
 * (one event to many subscribers), their first writes are shared with
 * the cowork helper (core/cowork.h): the kernel's side of each write
 * costs more than the rest of the flush, and the loop would use one CPU
 * for all of them. Not for replies: many connections to reply to mean a
 * busy daemon, whose other CPUs are taken (by its workers, its clients),
 * and sharing then cost more than it gained (WebSocket at 1,000
 * connections: -9 % calls/s in A/B runs). The flushes then end in order,
 * on this thread.
 */
static void flush_list(struct wsj1 *ws, struct wsj1_conn *list)
{
	struct wsj1_conn *conn;
	size_t n;
	unsigned events = ws->events_queued;

	ws->events_queued = 0;
	if (events >= WSJ1_COWORK_MIN) {
		for (n = 0, conn = list; conn; conn = conn->work_next[WSJ1_WORK_FLUSH]) {
			if (!wsj1_conn_presend_ok(conn))
				continue;
			if (n == ws->batch_cap) {
				void **more = realloc(ws->batch, 2 * (n + 64) * sizeof *more);
				if (!more)
					break;	/* the others are written alone */
				ws->batch = more;
				ws->batch_cap = 2 * (n + 64);
			}
			ws->batch[n++] = conn;
		}
		cowork_run(wsj1_conn_presend, ws->batch, n, WSJ1_COWORK_MIN);
	}
	while ((conn = list) != NULL) {
		list = conn->work_next[WSJ1_WORK_FLUSH];
		conn->in_work &= ~(1u << WSJ1_WORK_FLUSH);
		if (conn->state != WSJ1_DEAD)
			wsj1_conn_flush(conn);
		else
			conn->presend = WSJ1_NOT_SENT;	/* released meanwhile: what was written is moot */
		wsj1_conn_unref(conn);
	}
}

static void run_list(struct wsj1 *ws, int kind)
{
	struct wsj1_conn *conn, *list, **tail;

	/* reading while the workers are behind would only queue refusals: later (O(1) meanwhile) */
	if (kind == WSJ1_WORK_PUMP && ws->work_list[kind] && !ws->stopping && jobs_backlogged()) {
		mainloop_soon(&ws->work);
		return;
	}
	list = take(ws, kind, &tail);
	if (kind == WSJ1_WORK_FLUSH) {
		flush_list(ws, list);
		return;
	}
	while ((conn = list) != NULL) {
		if (kind == WSJ1_WORK_PUMP && !ws->stopping && jobs_backlogged()) {
			put_back(ws, list, tail, kind);
			return;
		}
		list = conn->work_next[kind];
		conn->in_work &= ~(1u << kind);
		if (conn->state != WSJ1_DEAD)
			wsj1_conn_pump(conn);
		wsj1_conn_unref(conn);
	}
}

/*
 * Soon work of the loop (mainloop.h), once per turn at most: it runs
 * beside the turn's source, so a pump re-armed while the workers are
 * behind can't keep the loop from the other clients.
 */
static void on_work(struct mainloop_soon *work)
{
	struct wsj1 *ws = (struct wsj1 *)((char *)work - offsetof(struct wsj1, work));

	run_list(ws, WSJ1_WORK_FLUSH);
	run_list(ws, WSJ1_WORK_PUMP);
}

void wsj1_schedule(struct wsj1_conn *conn, int flush, int pump)
{
	struct wsj1 *ws = conn->server;
	int kind;

	if (!ws)
		return;
	for (kind = 0; kind < 2; kind++) {
		if (!(kind == WSJ1_WORK_FLUSH ? flush : pump) || conn->in_work & (1u << kind))
			continue;
		/* in order: the connection waiting the longest goes first */
		conn->in_work |= 1u << kind;
		conn->work_next[kind] = NULL;
		*ws->work_tail[kind] = wsj1_conn_ref(conn);
		ws->work_tail[kind] = &conn->work_next[kind];
		mainloop_soon(&ws->work);
	}
}

void wsj1_note_close(struct wsj1 *ws)
{
	/* a connection's buffers and session went away: the heap may shrink */
	memtrim_note(0);
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
	ws->work_tail[WSJ1_WORK_FLUSH] = &ws->work_list[WSJ1_WORK_FLUSH];
	ws->work_tail[WSJ1_WORK_PUMP] = &ws->work_list[WSJ1_WORK_PUMP];
	ws->ping_us = (uint64_t)(options->ping_interval > 0 ? options->ping_interval : 0) * 1000000;
	ws->idle_us = (uint64_t)(options->idle_timeout > 0 ? options->idle_timeout : 0) * 1000000;
	if (json1_parser_init(&ws->parser) < 0)
		goto error;
	mainloop_soon_init(&ws->work, on_work);
	/* always: it also frees the input buffers of connections gone quiet */
	rc = sd_event_add_time_relative(mainloop_event(), &ws->keepalive, CLOCK_MONOTONIC, KEEPALIVE_TICK_US,
					KEEPALIVE_TICK_US / 10, on_keepalive, ws);
	if (rc >= 0 && ws->keepalive)
		rc = sd_event_source_set_enabled(ws->keepalive, SD_EVENT_ON);
	if (rc < 0)
		goto error;
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

int wsj1_busy(const struct wsj1 *ws)
{
	const struct wsj1_conn *c;

	for (c = ws ? ws->conns : NULL; c; c = c->next)
		if (c->out_head || atomic_load(&((struct wsj1_conn *)c)->inflight) > 0)
			return 1;
	return 0;
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
	ws->stopping = 1;
	run_list(ws, WSJ1_WORK_FLUSH);
	run_list(ws, WSJ1_WORK_PUMP);
	wsj1_pending_purge(ws, 1);
	mainloop_soon_cancel(&ws->work);
	sd_event_source_disable_unref(ws->keepalive);
	json1_parser_release(&ws->parser);
	free(ws->batch);
	free(ws);
}

unsigned wsj1_count(const struct wsj1 *ws)
{
	return ws ? ws->count : 0;
}
