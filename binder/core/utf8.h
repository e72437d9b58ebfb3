/* SPDX-License-Identifier: Apache-2.0 */
/*
 * UTF-8: the one validator of the daemon, and the repair of its output.
 *
 * Valid means well-formed as in RFC 3629 and the Unicode standard (3.9,
 * table 3-7): no overlong forms, no surrogates (U+D800..U+DFFF), nothing
 * above U+10FFFF. U+0000 is valid (JSON texts escape it).
 *
 * The daemon's rule (docs/running.md, "Text encoding"):
 *  - inputs: every text received from a client (HTTP query, bodies and
 *    forms, WebSocket messages, proto-ws strings, D-Bus arguments) is
 *    checked with utf8_valid() and refused when invalid (400, close 1007,
 *    a "bad-request" failure...). json-c turns \u escapes into valid
 *    UTF-8 (lone surrogates become U+FFFD), so a JSON text that is valid
 *    UTF-8 gives strings that are valid UTF-8;
 *  - outputs: every text sent is made valid at serialization with
 *    utf8_json_text() or utf8_str(): a binding (or a remote binder) that
 *    builds a bad string can't break a connection. Each maximal invalid
 *    subpart (Unicode 3.9, "U+FFFD substitution of maximal subparts") is
 *    replaced by U+FFFD, and a warning is logged (the 1st, 2nd, 4th, 8th...
 *    time, so that a faulty binding can't flood the log).
 *
 * Thread-safe; nothing allocates but the repairs.
 */
#pragma once

#include <stddef.h>

struct json_object;

/* 1 when the 'len' bytes of 'text' are valid UTF-8, else 0. */
int utf8_valid(const void *text, size_t len);

/* utf8_valid() of a NUL-terminated string; NULL is valid. */
int utf8_valid_str(const char *s);

/*
 * A copy of the 'len' bytes of 'text' where each maximal invalid subpart is
 * replaced by U+FFFD (EF BF BD), NUL-terminated (malloc'ed; NULL without
 * memory). *outlen (optional) gets its length. Does not log nor count.
 */
char *utf8_repair(const void *text, size_t len, size_t *outlen);

/*
 * The JSON text of 'obj' (json-c 'flags'), valid UTF-8 and valid JSON:
 * NaN and infinities (json-c reads and writes them; JSON has none) are
 * written null. Returns the text
 * of json-c (owned by 'obj', valid until it changes or is released) and
 * sets *tofree to NULL when it was valid; else a repaired copy, also set
 * in *tofree for the caller to free. NULL without memory. *len (optional)
 * gets the length. A NULL 'obj' gives "null".
 */
const char *utf8_json_text(struct json_object *obj, int flags, size_t *len, char **tofree);

/*
 * 's' when it is valid UTF-8 (or NULL), with *tofree set to NULL; else a
 * repaired copy, also set in *tofree. Without memory, a static "?" (the
 * text is lost but nothing invalid is sent). 'what' names the text in the
 * warning ("reply info", "event name"...).
 */
const char *utf8_str(const char *s, const char *what, char **tofree);

/*
 * For writers that repair as they go (jbuf.c): the length of the
 * well-formed sequence at 's' (s < end, *s >= 0x80), or 0 with *bad set to
 * the length of its maximal invalid subpart, which becomes one U+FFFD.
 */
size_t utf8_sequence(const void *s, const void *end, size_t *bad);

/* Counts a repair of 'what' (logged the 1st, 2nd, 4th... time). */
void utf8_note_repair(const char *what);

/* Count of repairs made by utf8_json_text() and utf8_str() (tests, monitoring). */
unsigned long utf8_repair_count(void);
