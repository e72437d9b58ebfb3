/* SPDX-License-Identifier: Apache-2.0 */
/*
 * afb-proto-ws: the binder-to-binder messages, encoded and decoded.
 *
 * This is the wire format of the 2017 AGL binder (commit 159c895), byte
 * for byte; docs/proto-ws.md describes every message. A message is one
 * binary WebSocket message: a code byte, then fields:
 *	u32	little-endian 32-bit integer
 *	str	u32 length N, then N bytes of which the last is the only NUL
 *	json	a str holding JSON text ("null" for no object)
 *
 * Pure code: no I/O, no threads (the encoder counts its UTF-8 repairs,
 * binder/core/utf8.h). The decoder is strict: a truncated field, an empty
 * or badly terminated string, a code that the receiving side does not
 * expect or bytes left after the last field make the whole message
 * invalid (the link is then closed by its owner).
 *
 * UTF-8: every string sent is valid UTF-8 (a binding's bad string is
 * repaired with U+FFFD, see utf8_str). A received call ('C', 'B') whose
 * strings are not valid UTF-8 is decoded with 'bad_utf8' set: the
 * receiver refuses it with a failure. In replies, events and
 * descriptions, such strings are repaired (U+FFFD) and 'repaired' set:
 * they come from the peer's bindings, which must not break our clients.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct json_object;

/* message codes; client to server */
#define PWS_CALL		'C'	/* callid, verb, session uuid, args */
#define PWS_SUBCALL_REPLY	'R'	/* subcallid, iserror (u8), result */
#define PWS_DESCRIBE		'D'	/* descid */
/* server to client */
#define PWS_REPLY_SUCCESS	'T'	/* callid, info, response */
#define PWS_REPLY_FAIL		'F'	/* callid, status, info */
#define PWS_SUBCALL		'B'	/* subcallid, callid, api, verb, args */
#define PWS_SUBSCRIBE		'S'	/* callid, eventid, event name */
#define PWS_UNSUBSCRIBE		'U'	/* callid, eventid, event name */
#define PWS_EVENT_ADD		'+'	/* eventid, event name */
#define PWS_EVENT_REMOVE	'-'	/* eventid, event name */
#define PWS_EVENT_PUSH		'!'	/* eventid, event name, data */
#define PWS_BROADCAST		'*'	/* event name, data [, uuid (16 bytes), hop (u8)] */
#define PWS_DESCRIPTION		'd'	/* descid, description */

/* the side that decodes a message: it accepts the codes sent to it */
enum pws_role {
	PWS_SERVER,	/* decodes C R D */
	PWS_CLIENT,	/* decodes T F B S U + - ! * d */
};

/*
 * Room left before the message in a pws_buf, so that the transport can
 * prepend its frame header without copying (RFC 6455: 14 bytes at most),
 * and hand the message to its loop without allocating (wslink_post keeps
 * its post there).
 */
#define PWS_HEADROOM 64

/*
 * The biggest message accepted (a whole message, whatever its frames):
 * large enough for replies of several MiB, small enough to bound the
 * memory one peer can make us hold.
 */
#define PWS_MAX_MESSAGE (32u * 1024 * 1024)

/* bytes of the broadcast loop guard appended to '*' (uuid + hop) */
#define PWS_UUID_SIZE 16

/*
 * A message being encoded. The bytes are data[PWS_HEADROOM .. +len).
 * Errors are sticky: once an append fails, 'error' holds -ENOMEM or
 * -E2BIG (beyond PWS_MAX_MESSAGE, which the peer would refuse) and the
 * message must not be sent.
 */
struct pws_buf {
	uint8_t *data;		/* owned, malloc'ed */
	size_t len;		/* length of the message */
	size_t cap;		/* allocated size, headroom included */
	int error;
};

void pws_buf_init(struct pws_buf *b);
/* Releases the bytes and reinitializes 'b'. */
void pws_buf_clear(struct pws_buf *b);
/* The message bytes. */
static inline uint8_t *pws_buf_msg(struct pws_buf *b) { return b->data + PWS_HEADROOM; }
/* Rewrites the u32 at 'offset' of the message (ids allocated after encoding). */
void pws_buf_patch_u32(struct pws_buf *b, size_t offset, uint32_t value);

/* offset of the first id (callid, subcallid, descid) in every message that has one */
#define PWS_ID_OFFSET 1

/*
 * Encoders. Each one appends one whole message to an empty 'b' and
 * returns 0 or b->error. Strings may not be NULL unless said so; json
 * objects are borrowed and may be NULL (encoded "null"), except the args
 * of pws_put_call: NULL (no arguments) is encoded "{}".
 */
int pws_put_call(struct pws_buf *b, uint32_t callid, const char *verb, const char *uuid,
		 struct json_object *args);
int pws_put_subcall_reply(struct pws_buf *b, uint32_t subcallid, int iserror, struct json_object *result);
int pws_put_describe(struct pws_buf *b, uint32_t descid);
/* info NULL is sent as "" */
int pws_put_reply_success(struct pws_buf *b, uint32_t callid, const char *info, struct json_object *response);
/* the same, the response being the plain JSON 'text' of 'len' bytes, a NUL after it (xreq_reply_text) */
int pws_put_reply_success_text(struct pws_buf *b, uint32_t callid, const char *info, const char *text, size_t len);
int pws_put_reply_fail(struct pws_buf *b, uint32_t callid, const char *status, const char *info);
int pws_put_subcall(struct pws_buf *b, uint32_t subcallid, uint32_t callid, const char *api,
		    const char *verb, struct json_object *args);
int pws_put_subscribe(struct pws_buf *b, uint32_t callid, uint32_t eventid, const char *event);
int pws_put_unsubscribe(struct pws_buf *b, uint32_t callid, uint32_t eventid, const char *event);
int pws_put_event_add(struct pws_buf *b, uint32_t eventid, const char *event);
int pws_put_event_remove(struct pws_buf *b, uint32_t eventid, const char *event);
int pws_put_event_push(struct pws_buf *b, uint32_t eventid, const char *event, struct json_object *data);
/*
 * 'uuid' NULL: the 2017 layout (name, data). Otherwise the loop guard of
 * the 2019 binders follows: 16 bytes of uuid and the hop count. A 2017
 * receiver ignores these trailing bytes.
 */
int pws_put_broadcast(struct pws_buf *b, const char *event, struct json_object *data,
		      const uint8_t *uuid, uint8_t hop);
int pws_put_description(struct pws_buf *b, uint32_t descid, struct json_object *description);

/*
 * A decoded message. Strings point into the decoded bytes (valid as long
 * as they are); 'json' is owned by the message (pws_msg_clear releases it).
 * Fields not carried by a message are 0 / NULL.
 */
struct pws_msg {
	int code;
	uint32_t callid;	/* C T F B S U */
	uint32_t subcallid;	/* R B */
	uint32_t descid;	/* D d */
	uint32_t eventid;	/* S U + - ! */
	const char *verb;	/* C B */
	const char *uuid;	/* C: the caller's session uuid */
	const char *api;	/* B */
	const char *status;	/* F */
	const char *info;	/* T F: NULL when sent as "" */
	const char *event;	/* S U + - ! * */
	int iserror;		/* R */
	int has_guard;		/* *: uuid and hop present */
	uint8_t guard_uuid[PWS_UUID_SIZE];
	uint8_t hop;
	/*
	 * C args, R result, T response, B args, ! and * data, d description.
	 * Text that is not JSON becomes a JSON string; "null" gives NULL, and
	 * so do the C args "{}" (no arguments: the request makes its empty
	 * object if its verb asks, xreq_args).
	 */
	struct json_object *json;
	/*
	 * T decoded with PWS_REPLY_TEXT: the response when it is plain JSON
	 * (jscan.h, not null), in the message's data, NUL-terminated; 'json'
	 * is then NULL.
	 */
	const char *text;
	size_t text_len;
	/* a call or subcall with text that is not UTF-8: refuse it ('json' is NULL) */
	int bad_utf8;
	/* count of strings repaired (U+FFFD) in another message */
	int repaired;
	char *owned[3];		/* repaired strings, released by pws_msg_clear */
};

/*
 * Decodes the 'size' bytes of 'data' as a message sent to 'role'.
 * Returns 0, or -EBADMSG with *reason (a static string) telling why; on
 * error nothing needs to be released.
 */
int pws_decode(const void *data, size_t size, enum pws_role role, struct pws_msg *msg, const char **reason);

/* The same with flags: PWS_REPLY_TEXT keeps a plain response as its text (see 'text'). */
#define PWS_REPLY_TEXT 1u
int pws_decode_ex(const void *data, size_t size, enum pws_role role, unsigned flags, struct pws_msg *msg,
		  const char **reason);

/* Releases the json and the repaired strings of 'msg'. */
void pws_msg_clear(struct pws_msg *msg);

/* The name of a message code, for logs ("call", "reply-success", ..., "unknown"). */
const char *pws_code_name(int code);
