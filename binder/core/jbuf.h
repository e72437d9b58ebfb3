/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The JSON text of what the daemon sends, written once, straight into the
 * buffer that goes to the socket.
 *
 * json-c writes a text into a buffer of the object (json_object_to_json_
 * string), which the transports then checked for UTF-8 and copied into
 * their own buffers (the HTTP response, the WebSocket frame): for a large
 * reply, most of the time of a call. A jbuf is a growable buffer owned by
 * its writer, with 'headroom' bytes left free in front (a frame header is
 * written there once the length is known); the text is appended to it,
 * and the buffer is handed to the transport (jbuf_finish) without a copy.
 *
 * Text written by jbuf_json() is json-c's own text with the flags
 * JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE (the daemon's
 * output format), except that strings and keys that are not valid UTF-8
 * are repaired on the way (each maximal invalid subpart replaced by
 * U+FFFD, counted and logged by utf8.h): the text is always valid UTF-8.
 * Doubles, and nodes that carry json-c user data (json_object_new_double_s,
 * custom serializers), are written by json-c itself.
 *
 * Errors stick: after a failed allocation every write is a no-op and
 * jbuf_finish() returns NULL. Not thread-safe (one writer); the objects
 * written are only read (but doubles, see above).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct json_object;

struct jbuf {
	char *data;		/* malloc'ed */
	size_t len;		/* bytes used, headroom included */
	size_t cap;
	size_t head;		/* the headroom */
	int error;		/* 0 or -ENOMEM */
	int escape_slash;	/* write '/' as "\/" (json-c without NOSLASHESCAPE: proto-ws) */
};

/*
 * Starts an empty text with 'headroom' bytes reserved in front and room
 * for about 'hint' bytes of text. Returns 0 or -ENOMEM (then sticky).
 */
int jbuf_init(struct jbuf *b, size_t headroom, size_t hint);

/* Frees the buffer (after an error, or instead of finishing). */
void jbuf_release(struct jbuf *b);

/*
 * The buffer, headroom included (the text starts at data + headroom),
 * now owned by the caller; *len (optional) gets the whole length. NULL
 * after an error (the buffer is then freed). 'b' is left empty.
 */
char *jbuf_finish(struct jbuf *b, size_t *len);

/* Makes room for 'n' more bytes; returns where they go, or NULL (sticky error). */
char *jbuf_reserve(struct jbuf *b, size_t n);

/* Appends 'len' bytes as they are (the caller vouches for their validity). */
void jbuf_raw(struct jbuf *b, const void *text, size_t len);

/* Appends a string literal as it is. */
#define jbuf_lit(b, lit) jbuf_raw((b), (lit), sizeof(lit) - 1)

/* Appends a character. */
void jbuf_char(struct jbuf *b, char c);

/* Appends the JSON string of 'len' bytes at 's' (quoted, escaped, repaired); 'what' names it in the log. */
void jbuf_string(struct jbuf *b, const char *s, size_t len, const char *what);

/* The same for a NUL-terminated string; NULL gives null. */
void jbuf_cstring(struct jbuf *b, const char *s, const char *what);

/* Appends a decimal integer. */
void jbuf_int(struct jbuf *b, int64_t value);

/*
 * Appends the JSON text of 'obj' (NULL gives null); 'obj' is borrowed.
 * Room for a large array or object is reserved first, from its size
 * estimated on a sample of its nodes, so that its text is not copied
 * while the buffer grows.
 */
void jbuf_json(struct jbuf *b, struct json_object *obj);

/* The text written so far (after the headroom), and its length; NULL after an error. */
static inline const char *jbuf_text(const struct jbuf *b, size_t *len)
{
	*len = b->error ? 0 : b->len - b->head;
	return b->error ? NULL : b->data + b->head;
}
