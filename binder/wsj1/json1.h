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
 * A call's envelope is scanned by hand when it has the plain shape every
 * client sends (ids that are integers or strings of printable ASCII,
 * "api/verb" and token strings without escapes): only its arguments
 * are parsed by json-c, and nothing is made for an argument that is
 * null. Parsing the whole array with json-c made an array, an integer
 * and two strings per call, about a fifth of the daemon's instructions
 * for a call without arguments. Any other text is parsed whole by
 * json-c (json1_parse_full), which accepts any JSON whitespace,
 * unescapes strings and gives the precise error. Both give the same
 * message for the same text (tests/fuzz/fuzz-json1.c checks it).
 * Everything we emit is written by jbuf (valid UTF-8). Pure code: no
 * I/O, no state.
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

/*
 * A parsed message. Strings are borrowed from the parsed text or from
 * 'root': valid until json1_msg_clear, which releases what is owned.
 */
struct json1_msg {
	int code;
	struct json_object *root;	/* owned, may be NULL (scanned by hand) */
	struct json_object *id;		/* json1_parse_incoming: string or number */
	const char *id_text;		/* json1_parse: the id as JSON text, to echo */
	size_t id_len;
	char *id_owned;			/* owned: id_text when written by us */
	const char *api;		/* api_len bytes, not empty */
	size_t api_len;
	const char *verb;		/* verb_len bytes, not empty, no NUL inside */
	size_t verb_len;
	struct json_object *args;	/* owned, may be NULL (JSON null) */
	const char *token;		/* token_len bytes; NULL: none presented */
	size_t token_len;
};

/*
 * The strict tokeners of a server: 'whole' parses a message, 'args' the
 * arguments of a call alone, one level less deep so that they nest as
 * deep in both cases (JSON_TOKENER_DEFAULT_DEPTH for the whole message).
 * Main thread (they keep state between calls). 0 or -ENOMEM.
 */
struct json1_parser {
	struct json_tokener *whole;
	struct json_tokener *args;
};
int json1_parser_init(struct json1_parser *p);
void json1_parser_release(struct json1_parser *p);

/*
 * Parses a message of the server's side: a call, or an event (accepted
 * and meant to be ignored). Returns 0, or -EINVAL with *why set to a
 * static explanation (msg is then cleared). The api and the verb are
 * what precedes and what follows the first '/' of "api/verb"; the verb
 * and the token have no NUL inside.
 */
int json1_parse(struct json1_parser *p, const char *text, size_t len, struct json1_msg *msg, const char **why);

/* The same, always by json-c on the whole text: the reference of tests. */
int json1_parse_full(struct json1_parser *p, const char *text, size_t len, struct json1_msg *msg,
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
/* Writes "[code,id,": 'id' is JSON text (json1_msg.id_text). */
void json1_reply_begin(struct jbuf *b, int code, const char *id, size_t id_len);
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
