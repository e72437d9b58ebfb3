/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pwspeer: a blocking afb-proto-ws peer for the tests, client or server,
 * written on the daemon's codec (binder/wsapi/proto-ws.c, wsframe.c). It
 * plays the 2017 AGL binder: it sends messages exactly as given, and it
 * can send raw bytes (garbage, truncated frames).
 *
 * Memory: a received message's strings stay valid until the next receive
 * on the same peer (until the peer is closed for messages returned by
 * pwspeer_pop_other); its json is the caller's (pws_msg_clear).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include "proto-ws.h"

struct pwspeer;

/* Connects to "unix:/path", "unix:@name" or "tcp:host:port" (no api part). NULL on failure. */
struct pwspeer *pwspeer_connect(const char *where);

/* A listening unix socket at 'path' ('@' first: abstract, padded). Returns the fd or -1. */
int pwspeer_listen(const char *path);
/* Accepts one connection within 'timeout_ms'. NULL on timeout. */
struct pwspeer *pwspeer_accept(int lfd, int timeout_ms);

void pwspeer_close(struct pwspeer *p);

/* The socket (raw reads in tests). */
int pwspeer_fd(struct pwspeer *p);

/* Sends the message of 'b' (cleared) as one frame; 0 or -1. */
int pwspeer_send(struct pwspeer *p, struct pws_buf *b);
/* Sends raw bytes; 0 or -1. */
int pwspeer_send_raw(struct pwspeer *p, const void *data, size_t size);

/*
 * Receives the next binary message within 'timeout_ms' (0: only what has
 * arrived, without waiting) and decodes it as
 * sent to 'role'. Returns 1 (message), 0 (timeout), -1 (connection closed
 * or error; *closecode gets a received close code when not NULL), -2 (a
 * message that does not decode).
 */
int pwspeer_recv(struct pwspeer *p, enum pws_role role, struct pws_msg *msg, int timeout_ms);
int pwspeer_last_close(struct pwspeer *p);	/* close code received, 0 if none */

/* Receives until a message of 'code' comes; others are counted in *skipped (may be NULL). */
int pwspeer_expect(struct pwspeer *p, enum pws_role role, int code, struct pws_msg *msg, int timeout_ms);

/*
 * Client helpers. Sends C(callid, verb, uuid, args as JSON text) and
 * waits for its T or F, other messages being kept aside for
 * pwspeer_pop_event. Returns 'T' or 'F' (msg filled) or -1.
 */
int pwspeer_call(struct pwspeer *p, uint32_t callid, const char *verb, const char *uuid,
		 const char *args, struct pws_msg *reply, int timeout_ms);

/*
 * The messages other than replies received by pwspeer_call, in order:
 * returns 1 with *msg (its json is the caller's), 0 when none is kept.
 */
int pwspeer_pop_other(struct pwspeer *p, struct pws_msg *msg);
/* Drops the kept messages. */
void pwspeer_drop_others(struct pwspeer *p);

/* The JSON text of 'obj' (kept until the peer is closed). */
const char *pwspeer_json(struct pwspeer *p, struct json_object *obj);
