/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Is a JSON text plain enough to be passed on as it is?
 *
 * An api imported from another binder (proto-ws, D-Bus) gets its replies
 * as JSON text, which most clients want as JSON text again (WebSocket,
 * HTTP, D-Bus, proto-ws). Parsing it into json-c objects only to write
 * it back cost the importing daemon about a fifth of its instructions
 * per call. A text that jscan_plain accepts is handed on unchanged
 * (xreq_reply_text); any other is parsed as before.
 *
 * Plain means RFC 8259 JSON that json-c reads to the same value that the
 * text gives any JSON reader:
 *  - one value, with optional whitespace (space, tab, CR, LF) around and
 *    between tokens, nothing else after it;
 *  - arrays and objects nested at most JSCAN_MAX_DEPTH levels (json-c
 *    parses two more with its default depth of 32);
 *  - strings of valid UTF-8 without control characters; escapes of
 *    RFC 8259 only, a \u surrogate only as a high one followed by a low
 *    one (json-c makes a lone one U+FFFD);
 *  - integers that json-c reads without clamping them (int64 when
 *    negative, uint64 when not); exponents of at most 3 digits.
 * Duplicate keys are allowed: every reader, json-c too, keeps the last
 * value, at the place of the first.
 *
 * Thread-safety: none needed (no state).
 */
#pragma once

#include <stddef.h>

#define JSCAN_MAX_DEPTH 30

enum jscan_kind {
	JSCAN_NOT_PLAIN = 0,	/* parse it (it may still be JSON) */
	JSCAN_VALUE = 1,	/* plain, and not the literal null */
	JSCAN_NULL = 2,		/* plain: null */
};

/* What the 'len' bytes of 'text' are (see above). */
enum jscan_kind jscan_plain(const char *text, size_t len);
