/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals of the x-afb-ws-json1 server, shared by its files:
 *   wsj1.c      the server: upgrade hook, connection list, deferred work
 *   upgrade.c   the opening handshake (HTTP side)
 *   conn.c      one connection: input, output, closing
 *   call.c      a call from a connection: the xreq and its hooks
 *   listen.c    the event listener of a connection
 *
 * Threading: the server and the connections' I/O belong to the main
 * thread. Request hooks and event callbacks run on any thread: they only
 * serialize messages and hand them to the main thread with
 * mainloop_post, holding a reference on the connection.
 *
 * Lifetime of a connection: one reference while open (dropped by
 * wsj1_conn_release), one per pending call, one per message posted to
 * the main thread, one while in the server's work list. After release,
 * 'closed' is set: hooks drop what they would have sent.
 */
#pragma once

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "ioset.h"
#include "json1.h"
#include "mainloop.h"
#include "wsmsg.h"

struct apiset;
struct evt;
struct evt_listener;
struct hsrv;
struct hsrv_slot;
struct json_object;
struct json_tokener;
struct peer;
struct session;
struct MHD_Connection;
struct MHD_UpgradeResponseHandle;
struct sockaddr;
struct wsj1_conn;
struct wsj1_pending;

/* Calls in flight on one connection before its input pauses. */
#define WSJ1_MAX_INFLIGHT 128
/* Output waiting for a slow reader before its input pauses. */
#define WSJ1_MAX_BACKLOG (4u << 20)
/* Output waiting (events keep coming while input is paused) before the connection is dropped. */
#define WSJ1_MAX_OUTPUT (16u << 20)
/* Output beyond which the connection tells producers that can wait to wait (evt_congested). */
#define WSJ1_CONGESTED_BACKLOG (WSJ1_MAX_BACKLOG / 8)
/* Subscriptions of one connection. */
#define WSJ1_MAX_SUBSCRIPTIONS 4096
/* Chunks of frames decoded per wake-up, so that one client can't hog the loop. */
#define WSJ1_PUMP_BUDGET 256
/* A connection that received nothing for that long gets its input buffer freed. */
#define WSJ1_TRIM_AFTER_US 1000000
/* A message whose release is told to memtrim (core/memtrim.h). */
#define WSJ1_LARGE_OUT (64u << 10)
/* The io source of a connection: edge-triggered (conn.c), EPOLLOUT added while blocked. */
#define WSJ1_IO_EVENTS (EPOLLIN | EPOLLRDHUP | EPOLLET)
/* Seconds to wait for the peer's end after our close frame. */
#define WSJ1_LINGER_SECONDS 2

struct wsj1 {
	struct hsrv *hsrv;			/* borrowed */
	struct apiset *apiset;			/* borrowed */
	size_t max_message;
	uint64_t ping_us;			/* ping a connection silent for so long (0: never) */
	uint64_t idle_us;			/* close one silent, or not reading, for so long (0: never) */
	sd_event_source *keepalive;		/* checks the connections every second */
	struct json1_parser parser;		/* main thread: parses every input */
	struct mainloop_soon work;		/* the flushes, then the resumed input */
	struct wsj1_conn *work_list[2];		/* connections with deferred work, in order */
	struct wsj1_conn **work_tail[2];
	int stopping;				/* wsj1_free: the lists are emptied at once */
	struct wsj1_conn *conns;		/* open connections */
	unsigned count;
	struct wsj1_pending *pending;		/* handshakes answered, not yet upgraded */
	void **batch;				/* flush_list: the connections of cowork_run */
	size_t batch_cap;
	unsigned events_queued;			/* events queued since the last flush_list */
};

/* fewer events are written by the loop alone (waking the helper costs ~10-20 us) */
#define WSJ1_COWORK_MIN 64

/* A message to send, frame header included. */
/*
 * A message to send. Its frame is its data[], or, for a message sharing
 * the frame of another (one event to many subscribers), the data[] of
 * 'shared', of which it holds a reference.
 */
struct wsj1_out {
	struct wsj1_out *next;
	struct mainloop_item post;	/* while posted to the main thread */
	struct wsj1_conn *conn;		/* while posted: one reference */
	unsigned is_reply: 1;
	size_t start, end;		/* bytes of the frame left to write */
	struct wsj1_out *shared;	/* NULL: the frame is data[] */
	atomic_int refcount;		/* 1, plus the messages sharing this frame */
	uint8_t data[];			/* WSMSG_HEADER_MAX bytes of room, then the payload */
};

enum wsj1_state {
	WSJ1_OPEN,		/* messages flow */
	WSJ1_DRAINING,		/* a close frame is queued: flush, then end */
	WSJ1_LINGER,		/* flushed, write side shut: wait for the peer's end */
	WSJ1_DEAD,		/* released */
};

struct wsj1_conn {
	atomic_int refcount;
	atomic_int closed;		/* released: hooks drop their messages */
	atomic_int uuid_unsent;		/* the session was created: tell its uuid once */
	atomic_int inflight;		/* calls not replied yet */

	/* main thread only */
	struct wsj1 *server;		/* NULL once released */
	struct wsj1_conn *prev, *next;	/* in server->conns */
	struct wsj1_conn *work_next[2];	/* in server->work_list[kind] */
	unsigned in_work: 2;		/* 1 << kind: in work_list[kind] */
	unsigned input_paused: 1;	/* not read: too many calls or too much output */
	unsigned in_ready: 1;		/* an input edge not drained yet (edge-triggered source) */
	unsigned in_end: 1;		/* the peer's end or an error was reported: read to the end */
	unsigned out_blocked: 1;	/* the socket is full: EPOLLOUT on */
	unsigned linger_after_flush: 1;	/* we failed the connection: wait for the peer's end */
	unsigned overflow: 1;		/* more than WSJ1_MAX_OUTPUT waits: drop it at the next flush */
	enum wsj1_state state;
	int fd;				/* owned */
	struct MHD_UpgradeResponseHandle *urh;	/* TLS: MHD relays the socket, closed at release */
	struct ioset_fd io;		/* in the daemon's set of connections (core/ioset.h) */
	sd_event_source *timer;		/* linger timeout */
	struct session *session;	/* one reference until released */
	struct hsrv_slot *slot;		/* counted in the HTTP limits until released */
	uint64_t last_rx;		/* when bytes last came from the peer */
	uint64_t last_tx;		/* when output last moved (or was empty) */
	uint64_t last_ping;		/* when we last pinged */
	struct wsmsg_rx rx;
	char *extra;			/* bytes read by MHD after the handshake */
	size_t extra_len, extra_off;
	struct wsj1_out *out_head, **out_tail;
	size_t out_bytes;
	/*
	 * A first write of a batch of flushes made beside the loop
	 * (wsj1_conn_presend, on either thread of cowork.h), not yet taken
	 * into account by wsj1_conn_flush; WSJ1_NOT_SENT: none.
	 */
	ssize_t presend;
	struct peer *client;		/* one reference: who is connected */

	/* subscriptions vs release (listen.c) */
	pthread_mutex_t lock;
	struct evt_listener *listener;	/* one reference until released */
	int subscriptions;
};

/* ---- wsj1.c ---- */

/* The kinds of deferred work */
enum { WSJ1_WORK_FLUSH, WSJ1_WORK_PUMP };

/* Asks for flush and/or pump of 'conn' by the server's soon work (mainloop_soon), in order. */
void wsj1_schedule(struct wsj1_conn *conn, int flush, int pump);

/* A connection was released: the heap may shrink (memtrim.h). */
void wsj1_note_close(struct wsj1 *ws);

/* ---- upgrade.c ---- */

/* The hsrv upgrade hook (see hsrv.h). */
int wsj1_upgrade_request(void *closure, struct MHD_Connection *con, const char *url, const char *method,
			 const char *version);
/* Sets (or clears with NULL) the server of MHD's upgrade callbacks. */
void wsj1_upgrade_set_server(struct wsj1 *ws);
/* TLS: ends the relay of an upgraded connection (its socket is closed). */
void wsj1_upgrade_close(struct wsj1 *ws, struct MHD_UpgradeResponseHandle *urh);
/* Drops the handshakes that never upgraded (all of them when 'all'). */
void wsj1_pending_purge(struct wsj1 *ws, int all);

/* ---- conn.c ---- */

/*
 * A new connection on the upgraded socket 'fd'; takes 'fd', 'session'
 * (one reference) and 'slot' (its place in the HTTP connection limits,
 * may be NULL; released even on failure), and copies 'extra' (bytes
 * already read). 'peer' is the client's address (NULL: asked to 'fd').
 * With TLS, 'fd' is MHD's end of the relay to the TLS connection and
 * 'urh' (taken on success) is closed at release; plain connections give
 * NULL. On failure, the caller keeps 'fd', 'session' and 'urh'.
 * Returns 0 or -errno.
 */
int wsj1_conn_new(struct wsj1 *ws, int fd, struct session *session, int created, const char *extra,
		  size_t extra_len, struct hsrv_slot *slot, struct MHD_UpgradeResponseHandle *urh,
		  const struct sockaddr *peer);

struct wsj1_conn *wsj1_conn_ref(struct wsj1_conn *conn);
/* Any thread: frees the memory at the last reference. */
void wsj1_conn_unref(struct wsj1_conn *conn);

/* Main thread: ends the connection at once, closing the socket. */
void wsj1_conn_release(struct wsj1_conn *conn);

/* Main thread: server stopping: sends close 1001 if possible and releases. */
void wsj1_conn_goodbye(struct wsj1_conn *conn);

/* Main thread: sends close 'code' (with 'reason' logged and sent), then ends. */
void wsj1_conn_fail(struct wsj1_conn *conn, unsigned code, const char *reason);

/*
 * Main thread: the keep-alive check of the server's timer, at 'now': pings
 * a connection silent for ping_us, closes one silent for idle_us (1001),
 * drops one whose output did not move for idle_us. May release 'conn'.
 */
void wsj1_conn_keepalive(struct wsj1_conn *conn, uint64_t now);

/* Main thread: deferred work (see wsj1_schedule). */
void wsj1_conn_flush(struct wsj1_conn *conn);

/*
 * Flushes of many connections share their first writes with a helper
 * thread (core/cowork.h): wsj1_conn_presend_ok tells (main thread) that
 * the connection has something to write on its own socket (not a TLS
 * relay), wsj1_conn_presend makes that first write (either thread: only
 * the socket and the queue, read), and wsj1_conn_flush then takes it
 * into account.
 */
#define WSJ1_NOT_SENT ((ssize_t)1 << 62)
int wsj1_conn_presend_ok(struct wsj1_conn *conn);
void wsj1_conn_presend(void *conn);
void wsj1_conn_pump(struct wsj1_conn *conn);

/*
 * Any thread: a text message is written into 'b' between wsj1_out_begin
 * ('hint': its expected size) and wsj1_out_end, which makes it a frame
 * ready to be posted, without a copy; NULL when out of memory.
 */
struct jbuf;
int wsj1_out_begin(struct jbuf *b, size_t hint);
struct wsj1_out *wsj1_out_end(struct jbuf *b);

/*
 * Any thread: a message whose frame is the one of 'frame' (a message made
 * by wsj1_out_end, not posted, not itself shared): the same text sent to
 * many connections is written once. NULL without memory.
 */
struct wsj1_out *wsj1_out_share(struct wsj1_out *frame);

/* Any thread: frees a message not posted (its shared frame with its last reference). */
void wsj1_out_free(struct wsj1_out *out);

/*
 * Any thread: sends 'out' (consumed) on 'conn' from the main thread,
 * unless the connection is closed by then. 'is_reply' resumes input
 * paused by too many calls.
 */
void wsj1_conn_post(struct wsj1_conn *conn, struct wsj1_out *out, int is_reply);

/* ---- call.c ---- */

/* Main thread: dispatches the call 'msg' (its arguments are taken from it). 0 or -ENOMEM. */
int wsj1_call_dispatch(struct wsj1_conn *conn, struct json1_msg *msg);

/* ---- listen.c ---- */

/* Creates the listener of 'conn'. 0 or -ENOMEM. */
int wsj1_listen_start(struct wsj1_conn *conn);
/* Drops the subscriptions and the listener; later subscriptions fail. */
void wsj1_listen_stop(struct wsj1_conn *conn);
int wsj1_listen_subscribe(struct wsj1_conn *conn, struct evt *evt);
int wsj1_listen_unsubscribe(struct wsj1_conn *conn, struct evt *evt);
