/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JSON tokeners kept per thread.
 *
 * json_tokener_parse() makes and frees a tokener at each call (several
 * allocations). The parsers of what the daemon receives (proto-ws
 * messages, D-Bus arguments and replies) take one kept by their thread
 * instead, reset before each use, freed when the thread ends.
 *
 * json-c reads numbers with strtod, so each json_tokener_parse_ex call
 * switches the thread to a C LC_NUMERIC and back: it duplicates the
 * thread's locale (an allocation when it is the global one), derives a
 * new one and frees it, about 7 % of the daemon's instructions for a
 * WebSocket call (callgrind). jtok_parse_ex makes the C locale the
 * thread's for the call: glibc then hands its static C locale object
 * around and nothing is allocated. The caller's locale is back after it.
 *
 * json-c 0.16 keeps a high surrogate pending across json_tokener_reset:
 * after a text that ended inside "\ud800", the next text's lone
 * surrogate read as two U+FFFD instead of one. A kept tokener whose last
 * parse failed is therefore replaced, not reset (jtok_renew): what one
 * client sent never changes how the next text is read.
 */
#pragma once

struct json_tokener;
struct json_object;

/*
 * A tokener of the calling thread parsing to at most 'depth' levels,
 * reset: NULL without memory. It belongs to the thread: not to be freed,
 * not to be used after another jtok_get of the same depth.
 */
struct json_tokener *jtok_get(int depth);

/*
 * Makes a kept tokener ready for a new text: reset, or, when its last
 * parse did not succeed, replaced by a new one of 'depth' and 'flags'.
 * 0, or -ENOMEM (the old one is then reset and kept).
 */
int jtok_renew(struct json_tokener **tok, int depth, int flags);

/* json_tokener_parse_ex(tok, text, len), in the C locale (see above). */
struct json_object *jtok_parse_ex(struct json_tokener *tok, const char *text, int len);

/* json_tokener_parse(text) with the thread's tokener (default depth). */
struct json_object *jtok_parse(const char *text);
