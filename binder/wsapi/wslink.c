/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A proto-ws connection on the main loop: see wslink.h.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include "ioset.h"
#include "jobs.h"
#include "mainloop.h"
#include "memtrim.h"
#include "proto-ws.h"
#include "verbose.h"
#include "wsframe.h"
#include "wslink.h"

#define READ_CHUNK (64 * 1024)
/* reads of READ_CHUNK per turn of the loop, so that one peer can't hog it */
#define READ_BUDGET 4
/*
 * A throttled link looks at the workers again after this (µs). Not a
 * deferred source: one enabled at every turn keeps sd-event from polling
 * (sd_event_prepare dispatches what is pending first), so no other
 * connection was read or accepted until the backlog was gone (the pings of
 * wsapi-fairness waited 300 to 600 ms behind a proto-ws flood).
 */
#define THROTTLE_RETRY_US 1000
/*
 * The socket is polled edge-triggered: a level-triggered source of a busy
 * peer is reported by every epoll_wait until read, and the loop serves one
 * source per round, so with N busy links each message cost a poll of N
 * sockets. An edge is kept ('in_ready') until a read drains the socket (a
 * short read, or EAGAIN); a read stopped by READ_BUDGET goes on from the
 * deferred work source.
 */
#define IO_EVENTS (EPOLLIN | EPOLLRDHUP | EPOLLET)
#define MAX_IOV 64

/* a peer that does not read does not make us buffer without end (wslink_set_max_output) */
static size_t max_output = WSLINK_DEFAULT_MAX_OUTPUT;

void wslink_set_max_output(size_t bytes)
{
	max_output = bytes ? bytes : WSLINK_DEFAULT_MAX_OUTPUT;
}

struct chunk {
	struct chunk *next;
	uint8_t *mem;		/* owned */
	uint8_t *ptr;		/* next byte to write */
	size_t len;		/* bytes left */
};

struct wslink {
	int fd;
	int connecting;
	int connected;		/* the connection was established */
	int closed;		/* hung up: fd closed, on_hangup called */
	int busy;		/* depth of callbacks running from this file */
	int freed;		/* wslink_free asked while busy */
	int pumping;		/* driven by wslink_pump: it flushes */
	int in_ready;		/* an input edge not drained yet */
	int in_end;		/* the peer's end or an error was reported: read to the end */
	int read_later;		/* the deferred work reads too */
	int throttled;		/* its messages are requests: held while the workers are behind */
	struct ioset_fd io;	/* in the daemon's set of connections (core/ioset.h) */
	struct mainloop_soon flusher;	/* writes what a loop turn queued, reads left by the budget */
	int flusher_on;			/* the flusher may be armed (not after close_io) */
	sd_event_source *retry;		/* time: a throttled link reads again (THROTTLE_RETRY_US) */
	struct wsreader reader;
	struct chunk *head, **tail;
	size_t queued;
	const struct wslink_itf *itf;
	void *closure;
};

/* Closes the socket and drops the output; the reader stays for the callbacks. */
static void close_io(struct wslink *l)
{
	struct chunk *c;

	/* also from the thread that drives the link before the loop runs (see wslink_pump) */
	ioset_remove(&l->io);
	/* a thread other than the loop's drives a link only before the loop runs (wslink_pump) */
	mainloop_soon_cancel(&l->flusher);
	l->flusher_on = 0;
	/* only throttled links (served by the loop's thread) have one */
	if (l->retry)
		l->retry = sd_event_source_disable_unref(l->retry);
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	while ((c = l->head) != NULL) {
		l->head = c->next;
		free(c->mem);
		free(c);
	}
	l->tail = &l->head;
	/* what its queue and buffers took goes back once a burst is over */
	memtrim_note(l->queued);
	l->queued = 0;
}

static void destroy(struct wslink *l)
{
	close_io(l);
	wsreader_deinit(&l->reader);
}

void wslink_free(struct wslink *l)
{
	if (!l)
		return;
	if (l->busy) {
		/* finished by the outermost callback frame */
		l->freed = 1;
		return;
	}
	destroy(l);
	free(l);
}

/* Ends a callback frame; returns 0 when the link was freed meanwhile. */
static int leave(struct wslink *l)
{
	if (--l->busy == 0 && l->freed) {
		destroy(l);
		free(l);
		return 0;
	}
	return 1;
}

static void hangup(struct wslink *l, const char *reason)
{
	if (l->closed)
		return;
	l->closed = 1;
	close_io(l);
	l->busy++;
	l->itf->on_hangup(l->closure, reason);
	leave(l);
}

void wslink_set_throttle(struct wslink *l, int on)
{
	l->throttled = on != 0;
}

int wslink_was_connected(const struct wslink *l)
{
	return l->connected;
}

int wslink_is_open(const struct wslink *l)
{
	return !l->closed;
}

size_t wslink_pending_output(const struct wslink *l)
{
	return l->queued;
}

/* An edge-triggered source is re-armed by sd-event at every call (a system call): only changes go. */
static void want_output(struct wslink *l, int on)
{
	uint32_t events = IO_EVENTS | (on ? EPOLLOUT : 0);

	if (l->io.fd >= 0 && events != l->io.events)
		ioset_modify(&l->io, events);
}

/* Writes what the socket takes. Returns 0, or -errno after a hangup. */
static int flush(struct wslink *l)
{
	struct iovec iov[MAX_IOV];
	struct chunk *c;
	ssize_t n;
	size_t done;
	int i;

	while (l->head && !l->connecting) {
		for (i = 0, c = l->head; c && i < MAX_IOV; c = c->next, i++) {
			iov[i].iov_base = c->ptr;
			iov[i].iov_len = c->len;
		}
		n = writev(l->fd, iov, i);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			hangup(l, errno == EPIPE || errno == ECONNRESET ? "peer closed the connection" : "write error");
			return -ENOTCONN;
		}
		done = (size_t)n;
		l->queued -= done;
		while (done) {
			c = l->head;
			if (done < c->len) {
				/* a partial write: resumed from here */
				c->ptr += done;
				c->len -= done;
				break;
			}
			done -= c->len;
			l->head = c->next;
			free(c->mem);
			free(c);
		}
		if (!l->head)
			l->tail = &l->head;
	}
	want_output(l, l->head != NULL || l->connecting);
	return 0;
}

/* Queues 'len' bytes at 'ptr' inside 'mem' (taken). */
static int enqueue(struct wslink *l, uint8_t *mem, uint8_t *ptr, size_t len)
{
	struct chunk *c;

	if (l->closed) {
		free(mem);
		return -ENOTCONN;
	}
	/* one message always fits: a queue can hold any message the protocol allows */
	if (l->queued && l->queued + len > max_output) {
		free(mem);
		LOGW("proto-ws: the peer does not read fast enough: %zu bytes are waiting, the link is closed",
		     l->queued);
		hangup(l, "output overflow");
		return -ENOTCONN;
	}
	c = malloc(sizeof *c);
	if (!c) {
		free(mem);
		return -ENOMEM;
	}
	c->next = NULL;
	c->mem = mem;
	c->ptr = ptr;
	c->len = len;
	*l->tail = c;
	l->tail = &c->next;
	/*
	 * Written on the next loop turn, without a system call to get there:
	 * the messages queued by one turn (and by the jobs it ran) share one
	 * writev.
	 */
	if (l->queued == 0 && !l->pumping && !l->connecting && l->flusher_on)
		mainloop_soon(&l->flusher);
	l->queued += len;
	return 0;
}

static int send_frame(struct wslink *l, int opcode, const void *data, size_t len)
{
	uint8_t *mem = malloc(WSF_HEADER_MAX + len);
	size_t h;

	if (!mem)
		return -ENOMEM;
	h = wsframe_header(mem, 1, opcode, len);
	if (len)
		memcpy(mem + h, data, len);
	return enqueue(l, mem, mem, h + len);
}

int wslink_send(struct wslink *l, struct pws_buf *msg)
{
	uint8_t hdr[WSF_HEADER_MAX], *mem, *out;
	size_t h, outlen;
	int rc;

	if (msg->error) {
		rc = msg->error;
		pws_buf_clear(msg);
		return rc;
	}
	if (l->closed) {
		pws_buf_clear(msg);
		return -ENOTCONN;
	}
	mem = msg->data;
	if (msg->len <= WSF_FRAGMENT_SIZE) {
		/* one frame: its header goes in the headroom, no copy */
		h = wsframe_header(hdr, 1, WSF_BINARY, msg->len);
		memcpy(mem + PWS_HEADROOM - h, hdr, h);
		rc = enqueue(l, mem, mem + PWS_HEADROOM - h, h + msg->len);
	} else {
		rc = wsframe_fragment(pws_buf_msg(msg), msg->len, WSF_BINARY, &out, &outlen);
		free(mem);
		if (rc == 0)
			rc = enqueue(l, out, out, outlen);
	}
	pws_buf_init(msg);
	return rc;
}

/* What wslink_post keeps in the headroom of a message, before the room of the frame header. */
struct posted {
	struct mainloop_item item;
	const struct wslink_owner_itf *itf;
	void *owner;
	size_t len;
};

_Static_assert(sizeof(struct posted) + WSF_HEADER_MAX <= PWS_HEADROOM, "PWS_HEADROOM too small for wslink_post");

static void run_posted(struct mainloop_item *item)
{
	struct posted *p = (struct posted *)item;
	const struct wslink_owner_itf *itf = p->itf;
	void *owner = p->owner;
	struct pws_buf msg = { .data = (uint8_t *)p, .len = p->len, .cap = PWS_HEADROOM + p->len, .error = 0 };
	struct wslink *l = itf->link(owner);
	int rc;

	if (!l) {
		pws_buf_clear(&msg);
	} else {
		rc = wslink_send(l, &msg);
		if (rc < 0 && rc != -ENOTCONN)
			LOGE("proto-ws: api %s: can't send a message: %s", itf->api(owner), strerror(-rc));
	}
	itf->unref(owner);
}

int wslink_post(const struct wslink_owner_itf *itf, void *owner, struct pws_buf *msg)
{
	struct posted *p;
	int rc = msg->error;

	if (rc < 0 || !msg->data) {
		rc = rc < 0 ? rc : -EINVAL;
		LOGE("proto-ws: api %s: can't encode a message: %s", itf->api(owner), strerror(-rc));
		pws_buf_clear(msg);
		itf->unref(owner);
		return rc;
	}
	p = (struct posted *)msg->data;
	p->item.run = run_posted;
	p->itf = itf;
	p->owner = owner;
	p->len = msg->len;
	pws_buf_init(msg);
	mainloop_post_item(&p->item);
	return 0;
}

void wslink_close(struct wslink *l, int code, const char *reason)
{
	uint8_t payload[2] = { (uint8_t)(code >> 8), (uint8_t)code };

	if (l->closed)
		return;
	if (!l->connecting && send_frame(l, WSF_CLOSE, payload, 2) == 0 && flush(l) < 0)
		return;	/* hung up while writing */
	if (!l->closed)
		shutdown(l->fd, SHUT_RDWR);
	hangup(l, reason);
}

/* Handles one item; returns 0 to go on, -1 when the link closed. */
static int dispatch(struct wslink *l, struct wsframe_item *it)
{
	uint8_t payload[2];

	switch (it->opcode) {
	case WSF_BINARY:
		l->itf->on_message(l->closure, it->data, it->len);
		break;
	case WSF_TEXT:
		wslink_close(l, WSF_CLOSE_UNSUPPORTED, "text frame on a binary link");
		break;
	case WSF_PING:
		/* the payload is echoed, as RFC 6455 says */
		send_frame(l, WSF_PONG, it->data, it->len);
		break;
	case WSF_PONG:
		break;
	case WSF_CLOSE:
		if (it->len >= 2) {
			payload[0] = it->data[0];
			payload[1] = it->data[1];
			send_frame(l, WSF_CLOSE, payload, 2);
		} else {
			send_frame(l, WSF_CLOSE, NULL, 0);
		}
		flush(l);
		hangup(l, "closed by the peer");
		break;
	}
	return l->closed || l->freed ? -1 : 0;
}

/* Later, from the deferred work: the socket was not drained, or messages wait in the reader. */
static void read_later(struct wslink *l)
{
	l->read_later = 1;
	if (l->flusher_on)
		mainloop_soon(&l->flusher);
}

static void flush_work(struct wslink *l);

/* The deferred work's reading and writing, a millisecond later. */
static int on_retry(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct wslink *l = userdata;

	l->read_later = 1;
	flush_work(l);
	return 0;
}

/* Later, when the workers may have caught up (a timer: see THROTTLE_RETRY_US). */
static void retry_later(struct wslink *l)
{
	int rc;

	if (l->retry) {
		rc = sd_event_source_set_time_relative(l->retry, THROTTLE_RETRY_US);
		if (rc >= 0)
			rc = sd_event_source_set_enabled(l->retry, SD_EVENT_ONESHOT);
	} else
		rc = sd_event_add_time_relative(mainloop_event(), &l->retry, CLOCK_MONOTONIC, THROTTLE_RETRY_US,
						1, on_retry, l);
	if (rc < 0)
		read_later(l);	/* no timer: spin rather than stall */
}

/*
 * Dispatches the messages read, then reads (READ_BUDGET reads at most).
 * A throttled link (wslink_set_throttle: its messages are requests) stops
 * while the workers are behind (jobs_backlogged): its messages wait, in
 * the reader and in the socket, and the peer with them.
 */
static void on_readable(struct wslink *l)
{
	struct wsframe_item it;
	uint8_t *p;
	size_t avail;
	ssize_t n;
	int rc, budget = READ_BUDGET;

	for (;;) {
		for (;;) {
			if (l->throttled && jobs_backlogged()) {
				retry_later(l);
				return;
			}
			rc = wsreader_next(&l->reader, &it);
			if (rc <= 0)
				break;
			if (dispatch(l, &it) < 0)
				return;
		}
		if (rc < 0) {
			LOGW_LIMITED("proto-ws: protocol error: %s", l->reader.reason);
			wslink_close(l, l->reader.close_code, l->reader.reason);
			return;
		}
		if (!l->in_ready)
			return;
		if (!budget--) {
			/* not drained: no new edge will come, go on next turn */
			read_later(l);
			return;
		}
		if (wsreader_reserve(&l->reader, READ_CHUNK, &p, &avail) < 0) {
			wslink_close(l, WSF_CLOSE_TOO_BIG, "out of memory");
			return;
		}
		n = read(l->fd, p, avail);
		if (n == 0) {
			hangup(l, "peer closed the connection");
			return;
		}
		if (n < 0) {
			if (errno == EAGAIN)
				l->in_ready = 0;
			else if (errno != EINTR)
				hangup(l, errno == ECONNRESET ? "peer closed the connection" : "read error");
			if (l->closed)
				return;
			continue;
		}
		/* a short read drained the socket, unless its end is to be read too */
		if ((size_t)n < avail && !l->in_end)
			l->in_ready = 0;
		wsreader_commit(&l->reader, (size_t)n);
	}
}

static void on_connected(struct wslink *l)
{
	int err = 0;
	socklen_t len = sizeof err;

	if (getsockopt(l->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err) {
		hangup(l, "connection failed");
		return;
	}
	l->connecting = 0;
	l->connected = 1;
}

static void process(struct wslink *l, uint32_t revents)
{
	l->busy++;
	if (l->connecting && (revents & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
		on_connected(l);
	if (revents & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
		l->in_ready = 1;
		if (revents & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			l->in_end = 1;
	}
	if (!l->closed && !l->freed && !l->connecting)
		on_readable(l);
	if (!l->closed && !l->freed && !l->connecting)
		flush(l);
	leave(l);
}

static void on_io(struct ioset_fd *item, uint32_t revents)
{
	process((struct wslink *)((char *)item - offsetof(struct wslink, io)), revents);
}

/* The link's soon work (mainloop.h: beside the loop's sources, never before them all). */
static void on_flush(struct mainloop_soon *soon)
{
	flush_work((struct wslink *)((char *)soon - offsetof(struct wslink, flusher)));
}

static void flush_work(struct wslink *l)
{
	l->busy++;
	if (l->read_later && !l->closed && !l->connecting) {
		l->read_later = 0;
		on_readable(l);
	}
	if (!l->closed && !l->freed && !l->connecting)
		flush(l);
	leave(l);
}

int wslink_new(struct wslink **out, int fd, int connecting, size_t max_message,
	       const struct wslink_itf *itf, void *closure)
{
	struct wslink *l = calloc(1, sizeof *l);
	int rc;

	if (!l) {
		close(fd);
		return -ENOMEM;
	}
	l->fd = fd;
	l->connecting = connecting;
	l->connected = !connecting;
	l->tail = &l->head;
	l->itf = itf;
	l->closure = closure;
	wsreader_init(&l->reader, max_message);
	/* what arrived before the socket was added made no edge */
	l->in_ready = !connecting;
	rc = ioset_add(&l->io, fd, IO_EVENTS | (connecting ? EPOLLOUT : 0), on_io);
	mainloop_soon_init(&l->flusher, on_flush);
	l->flusher_on = rc >= 0;
	if (rc < 0) {
		destroy(l);
		free(l);
		return rc;
	}
	*out = l;
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int wslink_pump(struct wslink *l, int timeout_ms, int (*done)(void *closure), void *closure)
{
	long long end = now_ms() + timeout_ms, left;
	struct pollfd pfd;
	int rc = 0;

	if (l->busy)
		return -EBUSY;
	/* the link stays allocated while pumping, even if its owner frees it */
	l->busy++;
	l->pumping++;
	while (!done(closure)) {
		if (l->closed || l->freed) {
			rc = -ENOTCONN;
			break;
		}
		left = end - now_ms();
		if (left <= 0) {
			rc = -ETIMEDOUT;
			break;
		}
		pfd.fd = l->fd;
		pfd.events = POLLIN | POLLRDHUP | (l->head || l->connecting ? POLLOUT : 0);
		pfd.revents = 0;
		if (poll(&pfd, 1, (int)left) > 0)
			process(l, (uint32_t)pfd.revents);
	}
	l->pumping--;
	if (!l->closed && !l->freed)
		want_output(l, l->head != NULL);
	leave(l);
	return rc;
}
