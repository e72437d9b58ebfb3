/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One x-afb-ws-json1 connection: the upgraded socket, driven by an
 * sd-event io source on the main thread.
 *
 * Input: frames are decoded by wsmsg (libwslay's frame codec) and each
 * text message is parsed and dispatched as a call (call.c). The socket
 * is in the daemon's set of connections (core/ioset.h: the ready ones
 * are served in one dispatch) and polled edge-triggered: a level-
 * triggered socket of a busy client is reported by every epoll_wait until
 * it is read, so with N busy connections each message cost a poll of N
 * sockets. An edge is remembered ('in_ready') until a read
 * drains the socket: a read shorter than asked (a stream socket has
 * nothing more), or EAGAIN; a pump stopped by its budget goes on from
 * the deferred work source. Input pauses (nothing read) while
 * WSJ1_MAX_INFLIGHT calls are pending or the output backlog exceeds
 * WSJ1_MAX_BACKLOG, and resumes from the deferred work source, because
 * libwslay may hold decoded bytes and the edge was already reported.
 *
 * Output: messages are serialized straight into their frame (jbuf.h,
 * wsj1_out_begin/end), queued as ready frames and written with sendmsg
 * from the deferred work source, several at once when they pile up.
 * A partial write keeps the rest and waits for EPOLLOUT.
 *
 * Closing:
 *  - the peer's close frame is answered with the same code, the output
 *    flushed, then the connection released;
 *  - a failure (bad frame, malformed message, message too big) sends a
 *    close frame with its code, flushes, shuts the write side and waits
 *    WSJ1_LINGER_SECONDS at most for the peer's end (closing at once
 *    could reset the connection before the peer reads our close frame);
 *  - the end of the stream or a write error releases at once.
 * Releasing drops the subscriptions and the session, and closes the
 * socket (a duplicate of MHD's, see upgrade.c). Calls still pending keep
 * the memory of the connection alive; their replies are dropped.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <json-c/json.h>

#include "wsj1-internal.h"
#include "jbuf.h"
#include "jobs.h"
#include "ioset.h"
#include "json1.h"
#include "hsrv.h"
#include "mainloop.h"
#include "memtrim.h"
#include "peer.h"
#include "session.h"
#include "utf8.h"
#include "verbose.h"

static void update_events(struct wsj1_conn *conn);

static uint64_t now_us(void)
{
	uint64_t now = 0;

	sd_event_now(mainloop_event(), CLOCK_MONOTONIC, &now);
	return now;
}

/* ---- output buffers ---- */

static struct wsj1_out *out_new(unsigned opcode, const void *payload, size_t len)
{
	uint8_t hdr[WSMSG_HEADER_MAX];
	size_t hlen = wsmsg_header(hdr, opcode, len, NULL);
	struct wsj1_out *out = malloc(sizeof *out + WSMSG_HEADER_MAX + len);

	if (!out)
		return NULL;
	out->next = NULL;
	out->conn = NULL;
	out->is_reply = 0;
	out->shared = NULL;
	atomic_init(&out->refcount, 1);
	/* the header goes right before the payload: one contiguous frame */
	out->start = WSMSG_HEADER_MAX - hlen;
	out->end = WSMSG_HEADER_MAX + len;
	memcpy(out->data + out->start, hdr, hlen);
	if (len)
		memcpy(out->data + WSMSG_HEADER_MAX, payload, len);
	return out;
}

/* A jbuf whose headroom becomes the struct wsj1_out and the frame header */
#define OUT_HEAD (offsetof(struct wsj1_out, data) + WSMSG_HEADER_MAX)

int wsj1_out_begin(struct jbuf *b, size_t hint)
{
	return jbuf_init(b, OUT_HEAD, hint);
}

struct wsj1_out *wsj1_out_end(struct jbuf *b)
{
	uint8_t hdr[WSMSG_HEADER_MAX];
	struct wsj1_out *out;
	size_t len, hlen;
	char *mem = jbuf_finish(b, &len);

	if (!mem)
		return NULL;
	/* the text stays where it was written: the frame is built around it */
	len -= OUT_HEAD;
	hlen = wsmsg_header(hdr, WSMSG_TEXT, len, NULL);
	out = (struct wsj1_out *)mem;
	out->next = NULL;
	out->conn = NULL;
	out->is_reply = 0;
	out->shared = NULL;
	atomic_init(&out->refcount, 1);
	out->start = WSMSG_HEADER_MAX - hlen;
	out->end = WSMSG_HEADER_MAX + len;
	memcpy(out->data + out->start, hdr, hlen);
	return out;
}

struct wsj1_out *wsj1_out_share(struct wsj1_out *frame)
{
	struct wsj1_out *out = malloc(sizeof *out);

	if (!out)
		return NULL;
	out->next = NULL;
	out->conn = NULL;
	out->is_reply = 0;
	out->shared = frame;
	atomic_fetch_add_explicit(&frame->refcount, 1, memory_order_relaxed);
	atomic_init(&out->refcount, 1);
	out->start = frame->start;
	out->end = frame->end;
	return out;
}

void wsj1_out_free(struct wsj1_out *out)
{
	struct wsj1_out *frame;

	if (!out)
		return;
	frame = out->shared ? out->shared : out;
	if (out->shared)
		free(out);
	if (atomic_fetch_sub_explicit(&frame->refcount, 1, memory_order_acq_rel) != 1)
		return;
	/* a large frame going away: the heap may shrink (main thread only) */
	if (frame->end > WSJ1_LARGE_OUT && mainloop_is_main())
		memtrim_note(frame->end);
	free(frame);
}

/* The bytes of the frame of 'out'. */
static inline uint8_t *out_frame(struct wsj1_out *out)
{
	return out->shared ? out->shared->data : out->data;
}

static void queue_out(struct wsj1_conn *conn, struct wsj1_out *out)
{
	/* the time output waits is counted from the moment it starts to */
	if (!conn->out_head)
		conn->last_tx = now_us();
	/* a client that does not read: dropped from the flush (not here: maybe inside the decoder) */
	if (conn->out_head && conn->out_bytes + (out->end - out->start) > WSJ1_MAX_OUTPUT) {
		wsj1_out_free(out);
		conn->overflow = 1;
		wsj1_schedule(conn, 1, 0);
		return;
	}
	out->next = NULL;
	*conn->out_tail = out;
	conn->out_tail = &out->next;
	conn->out_bytes += out->end - out->start;
	wsj1_schedule(conn, 1, 0);
}

static void free_outs(struct wsj1_conn *conn)
{
	struct wsj1_out *out;

	while ((out = conn->out_head) != NULL) {
		conn->out_head = out->next;
		wsj1_out_free(out);
	}
	conn->out_tail = &conn->out_head;
	conn->out_bytes = 0;
}

/* Queues a close frame of 'code' (0: without code) and 'reason'. */
static void queue_close(struct wsj1_conn *conn, unsigned code, const char *reason)
{
	uint8_t payload[125];
	size_t len = 0, rlen;
	struct wsj1_out *out;

	if (code) {
		payload[0] = (uint8_t)(code >> 8);
		payload[1] = (uint8_t)code;
		len = 2;
		/* our reasons are short ASCII texts: cutting them keeps valid UTF-8 */
		rlen = reason ? strlen(reason) : 0;
		if (rlen > sizeof payload - 2)
			rlen = sizeof payload - 2;
		if (rlen)
			memcpy(payload + 2, reason, rlen);
		len += rlen;
	}
	out = out_new(WSMSG_CLOSE, payload, len);
	if (out)
		queue_out(conn, out);
	else
		wsj1_schedule(conn, 1, 0);	/* flushing ends the connection anyway */
}

/* ---- life cycle ---- */

struct wsj1_conn *wsj1_conn_ref(struct wsj1_conn *conn)
{
	atomic_fetch_add_explicit(&conn->refcount, 1, memory_order_relaxed);
	return conn;
}

void wsj1_conn_unref(struct wsj1_conn *conn)
{
	if (atomic_fetch_sub_explicit(&conn->refcount, 1, memory_order_acq_rel) != 1)
		return;
	/* everything owned by the main thread went away in wsj1_conn_release */
	peer_unref(conn->client);
	pthread_mutex_destroy(&conn->lock);
	free(conn);
}

void wsj1_conn_release(struct wsj1_conn *conn)
{
	struct wsj1 *ws = conn->server;

	if (conn->state == WSJ1_DEAD)
		return;
	conn->state = WSJ1_DEAD;
	atomic_store(&conn->closed, 1);
	wsj1_listen_stop(conn);
	ioset_remove(&conn->io);
	conn->timer = sd_event_source_disable_unref(conn->timer);
	wsmsg_rx_deinit(&conn->rx);
	free_outs(conn);
	free(conn->extra);
	conn->extra = NULL;
	session_unref(conn->session);
	conn->session = NULL;
	close(conn->fd);
	conn->fd = -1;
	if (conn->urh) {
		/* TLS: MHD ends the TLS connection once it has relayed what we wrote */
		wsj1_upgrade_close(ws, conn->urh);
		conn->urh = NULL;
	}
	/* with TLS, the slot is released when MHD closes the connection */
	hsrv_slot_release(conn->slot);
	conn->slot = NULL;
	if (conn->prev)
		conn->prev->next = conn->next;
	else
		ws->conns = conn->next;
	if (conn->next)
		conn->next->prev = conn->prev;
	ws->count--;
	wsj1_note_close(ws);
	conn->server = NULL;
	LOGD("ws: %s: released", conn->client->address);
	wsj1_conn_unref(conn);
}

static void drain_and_end(struct wsj1_conn *conn, int linger)
{
	conn->state = WSJ1_DRAINING;
	conn->linger_after_flush = linger != 0;
	update_events(conn);
}

void wsj1_conn_fail(struct wsj1_conn *conn, unsigned code, const char *reason)
{
	if (conn->state != WSJ1_OPEN)
		return;
	LOGW_LIMITED("ws: %s: closing with code %u: %s", conn->client->address, code, reason);
	queue_close(conn, code, reason);
	drain_and_end(conn, 1);
}

void wsj1_conn_goodbye(struct wsj1_conn *conn)
{
	wsj1_conn_ref(conn);
	if (conn->state == WSJ1_OPEN) {
		/* one non-blocking try: the server does not wait for slow clients */
		queue_close(conn, WSMSG_CLOSE_GOING_AWAY, "server stopping");
		drain_and_end(conn, 0);
		wsj1_conn_flush(conn);
	}
	wsj1_conn_release(conn);
	wsj1_conn_unref(conn);
}

static int on_linger_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
	wsj1_conn_release(userdata);
	return 0;
}

/* Everything is written after a close frame. */
static void end_drained(struct wsj1_conn *conn)
{
	/* with TLS, MHD's relay can't pass a half close on: linger without it */
	if (!conn->linger_after_flush || (!conn->urh && shutdown(conn->fd, SHUT_WR) < 0)) {
		wsj1_conn_release(conn);
		return;
	}
	conn->state = WSJ1_LINGER;
	if (sd_event_add_time_relative(mainloop_event(), &conn->timer, CLOCK_MONOTONIC,
				       WSJ1_LINGER_SECONDS * 1000000ULL, 0, on_linger_timeout, conn) < 0) {
		wsj1_conn_release(conn);
		return;
	}
	/* the edges of what came meanwhile were reported already */
	wsj1_schedule(conn, 0, 1);
}

/* In LINGER: reads and drops what the peer still sends, until its end. */
static void discard_input(struct wsj1_conn *conn)
{
	char buf[4096];
	ssize_t n;
	int i;

	for (i = 0; i < 16; i++) {
		n = read(conn->fd, buf, sizeof buf);
		if (n > 0 || (n < 0 && errno == EINTR))
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			conn->in_ready = 0;
			return;
		}
		wsj1_conn_release(conn);
		return;
	}
	/* not drained: no new edge will come, go on later */
	wsj1_schedule(conn, 0, 1);
}

/* ---- input control ---- */

/* 1 when the input is read now (else an edge is kept for later). */
static int input_on(const struct wsj1_conn *conn)
{
	return (conn->state == WSJ1_OPEN && !conn->input_paused) || conn->state == WSJ1_LINGER;
}

/*
 * EPOLLOUT only while a write is blocked. An edge-triggered source is
 * re-armed by sd-event at every call (a system call): only changes go.
 */
static void update_events(struct wsj1_conn *conn)
{
	uint32_t events = WSJ1_IO_EVENTS | (conn->out_blocked ? EPOLLOUT : 0);

	if (events != conn->io.events && conn->io.fd >= 0)
		ioset_modify(&conn->io, events);
}

/* Pauses the input when the client has too much pending. 1 when paused. */
static int check_pause(struct wsj1_conn *conn)
{
	if (atomic_load(&conn->inflight) < WSJ1_MAX_INFLIGHT && conn->out_bytes < WSJ1_MAX_BACKLOG)
		return 0;
	if (!conn->input_paused) {
		conn->input_paused = 1;
		update_events(conn);
	}
	return 1;
}

static void maybe_resume(struct wsj1_conn *conn)
{
	if (!conn->input_paused || conn->state != WSJ1_OPEN)
		return;
	if (atomic_load(&conn->inflight) >= WSJ1_MAX_INFLIGHT / 2 || conn->out_bytes >= WSJ1_MAX_BACKLOG / 2)
		return;
	conn->input_paused = 0;
	update_events(conn);
	/* libwslay may hold input that epoll will not report */
	wsj1_schedule(conn, 0, 1);
}

/* ---- output ---- */

/*
 * One sendmsg of what is queued (64 frames at most): the bytes written,
 * or -errno. Touches nothing but the socket and reads only the queue: it
 * may run on the cowork helper (wsj1_conn_presend).
 */
static ssize_t send_queued(struct wsj1_conn *conn)
{
	struct iovec iov[64];
	struct msghdr mh;
	struct wsj1_out *out;
	ssize_t n;
	int count = 0;

	for (out = conn->out_head; out && count < 64; out = out->next) {
		iov[count].iov_base = out_frame(out) + out->start;
		iov[count++].iov_len = out->end - out->start;
	}
	memset(&mh, 0, sizeof mh);
	mh.msg_iov = iov;
	mh.msg_iovlen = (size_t)count;
	n = sendmsg(conn->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
	return n < 0 ? -errno : n;
}

/* Takes 'n' (send_queued) into account: 1 to write more, 0 when the flush ends (blocked, released). */
static int sent(struct wsj1_conn *conn, ssize_t n)
{
	struct wsj1_out *out;
	size_t len;

	if (n < 0) {
		if (n == -EINTR)
			return 1;
		if (n == -EAGAIN || n == -EWOULDBLOCK) {
			conn->out_blocked = 1;
			update_events(conn);
			return 0;
		}
		LOGI("ws: %s: write error: %s", conn->client->address, strerror((int)-n));
		wsj1_conn_release(conn);
		return 0;
	}
	conn->out_bytes -= (size_t)n;
	conn->last_tx = now_us();
	/* partial writes: the rest stays queued */
	while (n > 0) {
		out = conn->out_head;
		len = out->end - out->start;
		if ((size_t)n < len) {
			out->start += (size_t)n;
			break;
		}
		n -= (ssize_t)len;
		conn->out_head = out->next;
		wsj1_out_free(out);
	}
	if (!conn->out_head)
		conn->out_tail = &conn->out_head;
	return 1;
}

int wsj1_conn_presend_ok(struct wsj1_conn *conn)
{
	return conn->state != WSJ1_DEAD && !conn->overflow && conn->out_head && !conn->urh;
}

void wsj1_conn_presend(void *item)
{
	struct wsj1_conn *conn = item;

	conn->presend = send_queued(conn);
}

void wsj1_conn_flush(struct wsj1_conn *conn)
{
	ssize_t first = conn->presend;

	conn->presend = WSJ1_NOT_SENT;
	if (conn->overflow) {
		LOGI("ws: %s: released: more than %u bytes wait for it (it does not read)", conn->client->address,
		     WSJ1_MAX_OUTPUT);
		wsj1_conn_release(conn);
		return;
	}
	if (first != WSJ1_NOT_SENT && !sent(conn, first))
		return;
	while (conn->out_head)
		if (!sent(conn, send_queued(conn)))
			return;
	if (conn->out_blocked) {
		conn->out_blocked = 0;
		update_events(conn);
	}
	if (conn->state == WSJ1_DRAINING)
		end_drained(conn);
	else
		maybe_resume(conn);
}

static void deliver(struct mainloop_item *item)
{
	struct wsj1_out *out = (struct wsj1_out *)((char *)item - offsetof(struct wsj1_out, post));
	struct wsj1_conn *conn = out->conn;
	int is_reply = out->is_reply;

	out->conn = NULL;
	if (conn->state == WSJ1_OPEN) {
		queue_out(conn, out);
		out = NULL;
		if (is_reply)
			maybe_resume(conn);
		else if (conn->server)
			conn->server->events_queued++;	/* flush_list */
	}
	wsj1_out_free(out);
	wsj1_conn_unref(conn);
}

void wsj1_conn_post(struct wsj1_conn *conn, struct wsj1_out *out, int is_reply)
{
	if (!out) {
		LOGE("ws: out of memory: a message to %s is lost", conn->client->address);
		return;
	}
	out->conn = wsj1_conn_ref(conn);
	out->is_reply = is_reply != 0;
	/* the post is part of the message: no allocation */
	out->post.run = deliver;
	mainloop_post_item(&out->post);
}

/* ---- input ---- */

static ssize_t on_read(void *closure, void *buf, size_t size)
{
	struct wsj1_conn *conn = closure;
	size_t n;
	ssize_t r;

	if (conn->extra) {
		n = conn->extra_len - conn->extra_off;
		if (n > size)
			n = size;
		memcpy(buf, conn->extra + conn->extra_off, n);
		conn->extra_off += n;
		if (conn->extra_off == conn->extra_len) {
			free(conn->extra);
			conn->extra = NULL;
		}
		return (ssize_t)n;
	}
	/* drained since the last edge: a read would only say EAGAIN */
	if (!conn->in_ready)
		return 0;
	for (;;) {
		r = read(conn->fd, buf, size);
		if (r > 0) {
			conn->last_rx = now_us();
			/* a short read drained the socket, unless its end is to be read too */
			if ((size_t)r < size && !conn->in_end)
				conn->in_ready = 0;
			return r;
		}
		if (r == 0)
			return -1;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			conn->in_ready = 0;
			return 0;
		}
		LOGI("ws: %s: read error: %m", conn->client->address);
		return -1;
	}
}

static int on_message(void *closure, unsigned opcode, const char *data, size_t len)
{
	struct wsj1_conn *conn = closure;
	struct json1_msg msg;
	const char *why;
	int rc;

	if (opcode != WSMSG_TEXT) {
		wsj1_conn_fail(conn, WSMSG_CLOSE_UNSUPPORTED, "binary message on x-afb-ws-json1");
		return -EPROTO;
	}
	if (json1_parse(&conn->server->parser, data, len, &msg, &why) < 0) {
		wsj1_conn_fail(conn, WSMSG_CLOSE_POLICY, why);
		return -EPROTO;
	}
	rc = msg.code == JSON1_CALL ? wsj1_call_dispatch(conn, &msg) : 0;
	json1_msg_clear(&msg);
	if (rc < 0) {
		wsj1_conn_fail(conn, WSMSG_CLOSE_INTERNAL, "out of memory");
		return -EPROTO;
	}
	return check_pause(conn);
}

static void on_ping(void *closure, const void *data, size_t len)
{
	struct wsj1_conn *conn = closure;
	struct wsj1_out *out = out_new(WSMSG_PONG, data, len);

	if (out)
		queue_out(conn, out);
}

void wsj1_conn_keepalive(struct wsj1_conn *conn, uint64_t now)
{
	struct wsj1 *ws = conn->server;
	struct wsj1_out *out;
	char reason[48];
	uint8_t payload[8];
	int i;

	if (conn->state == WSJ1_DEAD || conn->state == WSJ1_LINGER || !ws)
		return;
	/* quiet for a tick: its input buffer goes, the next message makes it again */
	if (now - conn->last_rx >= WSJ1_TRIM_AFTER_US)
		wsmsg_rx_trim(&conn->rx);
	/* a peer that does not read its messages: no close frame can reach it */
	if (ws->idle_us && conn->out_head && now - conn->last_tx >= ws->idle_us) {
		LOGI("ws: %s: released: it read nothing for %llu s (%zu bytes waiting)", conn->client->address,
		     (unsigned long long)(ws->idle_us / 1000000), conn->out_bytes);
		wsj1_conn_release(conn);
		return;
	}
	if (conn->state != WSJ1_OPEN)
		return;
	/* we do not read it: its silence is ours */
	if (conn->input_paused)
		conn->last_rx = now;
	if (ws->idle_us && now - conn->last_rx >= ws->idle_us) {
		snprintf(reason, sizeof reason, "nothing received for %llu s",
			 (unsigned long long)(ws->idle_us / 1000000));
		wsj1_conn_fail(conn, WSMSG_CLOSE_GOING_AWAY, reason);
		return;
	}
	if (ws->ping_us && now - conn->last_rx >= ws->ping_us && now - conn->last_ping >= ws->ping_us) {
		/* the payload is the time: a pong tells the round trip (logs at debug level) */
		for (i = 0; i < 8; i++)
			payload[i] = (uint8_t)(now >> (56 - 8 * i));
		out = out_new(WSMSG_PING, payload, sizeof payload);
		if (out)
			queue_out(conn, out);
		conn->last_ping = now;
	}
}

static void on_peer_close(void *closure, unsigned code, const char *reason, size_t len)
{
	struct wsj1_conn *conn = closure;

	LOGD("ws: %s: close frame received (%u)", conn->client->address, code);
	/* echo its code; a close without code is answered without code */
	queue_close(conn, code == WSMSG_CLOSE_NO_STATUS ? 0 : code, NULL);
	drain_and_end(conn, 0);
}

static void on_error(void *closure, unsigned code, const char *why)
{
	wsj1_conn_fail(closure, code, why);
}

static const struct wsmsg_rx_itf rx_itf = {
	.read = on_read,
	.message = on_message,
	.ping = on_ping,
	.close = on_peer_close,
	.error = on_error,
};

void wsj1_conn_pump(struct wsj1_conn *conn)
{
	int rc;

	if (conn->state == WSJ1_LINGER) {
		discard_input(conn);
		return;
	}
	if (conn->state != WSJ1_OPEN || conn->input_paused)
		return;
	/* nothing to read nor decoded input held by wsmsg: nothing to do */
	if (!conn->in_ready && !conn->extra && !wsmsg_rx_holds_input(&conn->rx))
		return;
	/*
	 * The workers are behind, or other connections wait for their turn
	 * (in the pump list, in order): the input waits in the socket, and
	 * the client with it, instead of overtaking them. A connection in the
	 * list already (its socket became readable again meanwhile) waits
	 * for its turn there: reading it now would queue its requests while
	 * the workers are behind (they were refused).
	 */
	if (conn->in_work & (1u << WSJ1_WORK_PUMP))
		return;
	if (jobs_backlogged() || conn->server->work_list[WSJ1_WORK_PUMP]) {
		wsj1_schedule(conn, 0, 1);
		return;
	}
	rc = wsmsg_rx_pump(&conn->rx, WSJ1_PUMP_BUDGET);
	switch (rc) {
	case WSMSG_WAIT:
	case WSMSG_CLOSED:	/* answered by on_peer_close */
	case -EPROTO:		/* failed by the callbacks */
		break;
	case WSMSG_PAUSED:
		/* budget used up: go on after the other event sources */
		if (!check_pause(conn))
			wsj1_schedule(conn, 0, 1);
		break;
	case -EPIPE:
		LOGD("ws: %s: end of stream", conn->client->address);
		wsj1_conn_release(conn);
		break;
	default:
		wsj1_conn_fail(conn, WSMSG_CLOSE_INTERNAL, strerror(-rc));
		break;
	}
}

static void on_io(struct ioset_fd *item, uint32_t revents)
{
	struct wsj1_conn *conn = wsj1_conn_ref((struct wsj1_conn *)((char *)item - offsetof(struct wsj1_conn, io)));

	if (revents & EPOLLOUT)
		wsj1_conn_flush(conn);
	if (conn->state != WSJ1_DEAD && revents & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
		/* the edge is kept until a read drains the socket */
		conn->in_ready = 1;
		if (revents & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			conn->in_end = 1;
		if (input_on(conn))
			wsj1_conn_pump(conn);
		else if (revents & (EPOLLHUP | EPOLLERR))
			wsj1_conn_release(conn);	/* not reading: the peer is gone anyway */
	}
	wsj1_conn_unref(conn);
}

/* ---- creation ---- */

int wsj1_conn_new(struct wsj1 *ws, int fd, struct session *session, int created, const char *extra,
		  size_t extra_len, struct hsrv_slot *slot, struct MHD_UpgradeResponseHandle *urh,
		  const struct sockaddr *peer)
{
	struct wsj1_conn *conn = calloc(1, sizeof *conn);
	int rc, one = 1;

	if (!conn) {
		hsrv_slot_release(slot);
		return -ENOMEM;
	}
	atomic_init(&conn->refcount, 1);
	atomic_init(&conn->closed, 0);
	atomic_init(&conn->uuid_unsent, created != 0);
	atomic_init(&conn->inflight, 0);
	pthread_mutex_init(&conn->lock, NULL);
	conn->server = ws;
	conn->fd = fd;
	conn->io.fd = -1;
	conn->out_tail = &conn->out_head;
	conn->presend = WSJ1_NOT_SENT;
	wsmsg_rx_init(&conn->rx, &rx_itf, conn, ws->max_message);
	/* MHD turned Nagle back on at the upgrade: replies are small and must not wait */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

	rc = -ENOMEM;
	/* with TLS, 'fd' is MHD's socket pair: the client is at 'peer', with no credentials */
	conn->client = peer ? peer_new_sockaddr(PEER_WS, peer) : peer_new_socket(PEER_WS, fd);
	if (!conn->client)
		goto error;
	if (extra_len) {
		conn->extra = malloc(extra_len);
		if (!conn->extra)
			goto error;
		memcpy(conn->extra, extra, extra_len);
		conn->extra_len = extra_len;
	}
	rc = ioset_add(&conn->io, fd, WSJ1_IO_EVENTS, on_io);
	if (rc < 0)
		goto error;
	/* what arrived before the source was added made no edge */
	conn->in_ready = 1;
	rc = wsj1_listen_start(conn);
	if (rc < 0)
		goto error;

	conn->session = session;
	conn->urh = urh;
	conn->slot = slot;
	conn->last_rx = conn->last_tx = conn->last_ping = now_us();
	conn->next = ws->conns;
	if (conn->next)
		conn->next->prev = conn;
	ws->conns = conn;
	ws->count++;
	wsj1_schedule(conn, 0, 1);	/* the extra bytes, and what came before the source */
	LOGD("ws: %s: connected", conn->client->address);
	return 0;
error:
	hsrv_slot_release(slot);
	ioset_remove(&conn->io);
	free(conn->extra);
	peer_unref(conn->client);
	pthread_mutex_destroy(&conn->lock);
	free(conn);
	return rc;
}
