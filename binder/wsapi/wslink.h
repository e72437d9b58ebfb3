/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A proto-ws connection: a socket driven by the main loop that carries
 * whole binary messages in RFC 6455 frames (no HTTP handshake).
 *
 * Threading: MAIN THREAD ONLY (but wslink_pump and wslink_post). Other
 * threads hand their messages to the main thread with wslink_post.
 *
 * Writes never block: what the socket does not take is queued and resumed
 * when it becomes writable (partial writes included). Reads are bounded by
 * the size of a whole message (max_message), not of a frame.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct wslink;
struct pws_buf;

struct wslink_itf {
	/*
	 * One binary message. 'data' is valid during the call only. The
	 * callee may call wslink_close or wslink_free on the link.
	 */
	void (*on_message)(void *closure, uint8_t *data, size_t size);
	/*
	 * The link ended: peer gone, I/O or protocol error, wslink_close.
	 * Called once, after the socket was closed; 'reason' is a static or
	 * short-lived string. The callee may free the link.
	 */
	void (*on_hangup)(void *closure, const char *reason);
};

/*
 * Wraps the connected (or connecting, when 'connecting') socket 'fd',
 * whose ownership passes to the link even on error. Returns 0 or -errno.
 */
int wslink_new(struct wslink **out, int fd, int connecting, size_t max_message,
	       const struct wslink_itf *itf, void *closure);

/*
 * Frees the link and closes its socket without calling on_hangup (pending
 * output is dropped). Safe from within the link's callbacks.
 */
void wslink_free(struct wslink *link);

/*
 * A link whose messages are requests (the server side of --ws-server):
 * while the workers are behind (jobs_backlogged), its messages are left
 * unread, so that the peer waits instead of getting refusals. Never for
 * a link that carries replies: a job may be waiting for one.
 */
void wslink_set_throttle(struct wslink *link, int on);

/* 1 once the connection was established (even if it ended since). */
int wslink_was_connected(const struct wslink *link);

/* 1 until the link hung up. */
int wslink_is_open(const struct wslink *link);

/*
 * Queues the message held by 'msg' (its bytes are taken, 'msg' is left
 * empty). Returns 0, -ENOTCONN when the link hung up, or msg->error.
 */
int wslink_send(struct wslink *link, struct pws_buf *msg);

/*
 * The one path of the messages that other threads encode (replies,
 * events, calls, subcalls): the owner of a link (the api stub of
 * --ws-client, a link of --ws-server) as that path sees it.
 */
struct wslink_owner_itf {
	/* Main thread: the owner's link now, NULL once it ended (the message is dropped). */
	struct wslink *(*link)(void *owner);
	/* Any thread: drops the reference given to wslink_post. */
	void (*unref)(void *owner);
	/* The api of the owner, for the logs. */
	const char *(*api)(void *owner);
};

/*
 * Any thread: sends the message of 'msg' (its bytes are taken, 'msg' is
 * left empty) from the main thread on itf->link(owner), without copying
 * nor allocating, then calls itf->unref(owner): the caller gives one
 * reference of 'owner'. A message that could not be encoded (msg->error)
 * is logged and dropped (itf->unref is called at once). Returns 0 or
 * msg->error. See mainloop_post for when the loop wakes.
 */
int wslink_post(const struct wslink_owner_itf *itf, void *owner, struct pws_buf *msg);

/*
 * Sends a close frame with 'code' (best effort), closes the socket and
 * calls on_hangup with 'reason'. Nothing happens when already closed.
 */
void wslink_close(struct wslink *link, int code, const char *reason);

/*
 * Processes the link's I/O on the calling thread for at most 'timeout_ms'
 * or until done(closure) is true: for synchronous waits of the main
 * thread, which can't return to the loop, and for waits of other threads
 * before the loop runs (the caller then ensures that no other thread uses
 * the link). Returns 0 (done), -ETIMEDOUT, -ENOTCONN (hung up) or -EBUSY
 * (called from the link's own callbacks).
 */
int wslink_pump(struct wslink *link, int timeout_ms, int (*done)(void *closure), void *closure);

/*
 * The output queue of a link is bounded: a message that would take it
 * beyond 'bytes' (while it already holds something: any single message
 * fits) hangs the link up ("output overflow"), as a peer that does not
 * read would otherwise make us buffer without end. Process-wide, set at
 * start (0: the default).
 */
#define WSLINK_DEFAULT_MAX_OUTPUT (8u << 20)
void wslink_set_max_output(size_t bytes);

/* Bytes queued and not yet written (tests, monitoring). */
size_t wslink_pending_output(const struct wslink *link);
