/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The x-afb-ws-json1 messages: JSON arrays in text frames.
 *
 *   [2, id, "api/verb", args]            call (client to server)
 *   [2, id, "api/verb", args, "token"]   call presenting a token
 *   [3, id, envelope]                    success reply (server to client)
 *   [4, id, envelope]                    failure reply
 *   [3|4, id, envelope, "token"]         reply after a token renewal
 *   [5, "api/event", event-envelope]     event
 *
 * Messages are parsed with json-c (not by hand as in 2017): any JSON
 * whitespace is accepted and strings are unescaped; ids may be strings
 * or numbers and are echoed as received; everything we emit is written
 * by jbuf (json-c's text, valid UTF-8). Pure code: no I/O, no state.
 */
#pragma once

#include <stddef.h>

struct json_object;
struct json_tokener;

enum {
	JSON1_CALL = 2,
	JSON1_REPLY_OK = 3,
	JSON1_REPLY_ERROR = 4,
	JSON1_EVENT = 5,
};

/* A parsed message. Pointers are borrowed from 'root'. */
struct json1_msg {
	int code;
	struct json_object *root;	/* owned: released by json1_msg_clear */
	struct json_object *id;		/* string or number */
	const char *api;		/* "api/verb": api_len bytes, then '/' */
	size_t api_len;
	const char *verb;		/* NUL-terminated, not empty */
	struct json_object *args;	/* may be NULL (JSON null) */
	const char *token;		/* NULL: none presented */
};

/*
 * Parses a message of the server's side: a call, or an event (accepted
 * and meant to be ignored). 'tok' is a tokener of the caller, reset here;
 * its depth limits the nesting. Returns 0, or -EINVAL with *why set to a
 * static explanation (msg is then cleared).
 */
int json1_parse(struct json_tokener *tok, const char *text, size_t len, struct json1_msg *msg,
		const char **why);

/*
 * Parses a message of the client's side (afb-client): a reply or an
 * event. For a reply, 'id' and 'args' (the envelope) are set and 'token'
 * is the renewed token if any; for an event, 'api' is the whole event
 * name (NUL-terminated) and 'args' the event envelope.
 */
int json1_parse_incoming(struct json_tokener *tok, const char *text, size_t len, struct json1_msg *msg,
			 const char **why);

void json1_msg_clear(struct json1_msg *msg);

/*
 * Replies and events are written as text, straight into the frame that is
 * sent (jbuf.h): a reply is json1_reply_begin, the envelope
 * (xreq_envelope_text), then json1_reply_end.
 */
struct jbuf;
/* Writes "[code,id," ('id' borrowed). */
void json1_reply_begin(struct jbuf *b, int code, struct json_object *id);
/* Writes ",token]" or "]" ('token' NULL: none). */
void json1_reply_end(struct jbuf *b, const char *token);
/*
 * Writes [5,event,{"event":event,"data":data,"jtype":"afb-event"}]:
 * 'data' (may be NULL: no "data") is borrowed.
 */
void json1_event_text(struct jbuf *b, const char *event, struct json_object *data);

/*
 * [2, id, "api/verb", args] or with a token: 'args' is consumed, 'id'
 * is a string. NULL when out of memory.
 */
struct json_object *json1_call(const char *id, const char *api, const char *verb, struct json_object *args,
			       const char *token);
