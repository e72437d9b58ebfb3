/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Broadcast loop protection across proto-ws links.
 *
 * A broadcast sent on a link carries a uuid and a hop count (the trailer
 * of the 2019 binders, ignored by 2017 ones). A binder re-broadcasts what
 * it receives, unless it saw the uuid recently, and forwards it to its own
 * links with one hop less, not at all when no hop is left. Two binders
 * importing each other's apis thus see each broadcast once.
 *
 * A broadcast received without trailer (a 2017 peer, which would send it
 * back without trailer) is delivered locally but never forwarded.
 *
 * Thread-safe. The origin of a broadcast is found by the listener's
 * callback, which runs on the broadcasting thread (see bcast_guard_origin).
 */
#pragma once

#include <stdatomic.h>
#include <stdint.h>
#include "proto-ws.h"

struct json_object;

#define BCAST_HOP_INITIAL 10

struct bcast_origin {
	uint8_t uuid[PWS_UUID_SIZE];
	uint8_t hop;		/* hops left */
};

/*
 * Receiving side, for a broadcast that came with 'uuid' (NULL: without
 * trailer). Returns 1 when it was seen recently (drop it); otherwise
 * records it and returns 0.
 */
int bcast_guard_seen(const uint8_t *uuid);

/*
 * Broadcasts 'name' with 'data' (consumed) in this binder on behalf of a
 * link; the links' listeners then forward it with 'origin' (NULL: a
 * broadcast without trailer, never forwarded). Returns the count of
 * listeners reached.
 */
int bcast_guard_rebroadcast(const char *name, struct json_object *data, const struct bcast_origin *origin);

/*
 * In a link listener's broadcast callback: sets *origin to the origin of
 * the broadcast being delivered ('name' and 'object' as received by the
 * callback; 'mark' is one atomic per link, initially 0). Returns 1 when
 * it must be forwarded with origin->hop - 1 hops, 0 when not at all.
 */
int bcast_guard_origin(const char *name, const struct json_object *object, atomic_uint *mark,
		       struct bcast_origin *origin);
