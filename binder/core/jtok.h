/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JSON tokeners kept per thread.
 *
 * json_tokener_parse() makes and frees a tokener at each call (several
 * allocations). The parsers of what the daemon receives (proto-ws
 * messages, D-Bus arguments and replies) take one kept by their thread
 * instead, reset before each use, freed when the thread ends.
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

/* json_tokener_parse(text) with the thread's tokener (default depth). */
struct json_object *jtok_parse(const char *text);
