/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Strings as sd-bus sends them.
 *
 * A D-Bus string ('s', also object paths and signatures) is UTF-8 without
 * U+0000. sd-bus is stricter than the D-Bus specification: it also
 * refuses the Unicode noncharacters (U+FDD0..U+FDEF and U+xFFFE, U+xFFFF
 * of every plane), which are valid UTF-8 and valid in JSON. A string that
 * sd-bus refuses can't be sent: the reply or signal carrying it would be
 * lost. So every string the bridge sends goes through these functions:
 *  - JSON texts keep their value: noncharacters are written as \u escapes
 *    (JSON allows escaping any character), invalid UTF-8 is repaired
 *    (U+FFFD, as on every output of the daemon, core/utf8.h);
 *  - plain texts (info, error messages, names) have their invalid UTF-8 and
 *    noncharacters replaced by U+FFFD;
 *  - the typed mapping carries strings that are not D-Bus strings as byte
 *    arrays (dbus-typed.h), checked with dbus_text_kind.
 * Thread-safe.
 */
#pragma once

#include <stddef.h>

struct json_object;

enum dbus_text_kind {
	DBUS_TEXT_STRING,	/* sd-bus sends it as 's' */
	DBUS_TEXT_UNICODE,	/* valid UTF-8, but holds U+0000 or a noncharacter */
	DBUS_TEXT_INVALID,	/* not UTF-8 */
};

enum dbus_text_kind dbus_text_kind(const char *s, size_t len);

/*
 * 's' (NUL-terminated) when sd-bus sends it, with *tofree set to NULL;
 * else a copy with U+FFFD for invalid UTF-8 and noncharacters, also set in
 * *tofree. Never NULL: "?" without memory. 'what' names the text in the
 * warning logged for invalid UTF-8.
 */
const char *dbus_text_plain(const char *s, const char *what, char **tofree);

/*
 * The JSON text of 'obj' (NULL: "null"), compact, that sd-bus sends, with
 * the same value: *tofree as above. NULL without memory.
 */
const char *dbus_text_json(struct json_object *obj, char **tofree);

/*
 * For a JSON text of 'len' bytes already valid UTF-8 (jbuf.h writes them):
 * 0 when sd-bus sends it as it is; 1 with *copy, a malloc'ed copy (NUL-
 * terminated) whose noncharacters are escaped; -ENOMEM.
 */
int dbus_text_json_escape(const char *text, size_t len, char **copy);
