/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Broadcast loop protection: see bcast-guard.h.
 *
 * The core's broadcast (evt_broadcast_name) has no room for an origin, so
 * the origin travels beside it, in thread-local storage: the callbacks of
 * the listeners run on the broadcasting thread, with the very name and
 * object pointers given to evt_broadcast_name.
 *  - A broadcast coming from a link is made by bcast_guard_rebroadcast,
 *    which publishes its origin for the duration of the call.
 *  - Any other broadcast is local: the first link listener called for it
 *    makes a new uuid, which the following link listeners reuse. A
 *    listener called twice for what looks like the same broadcast (same
 *    thread, name and object pointers: the object may be a new one at a
 *    recycled address) knows that a new broadcast began.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/random.h>
#include <json-c/json.h>
#include "bcast-guard.h"
#include "evt.h"

#define SEEN_MAX 64

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static uint8_t seen[SEEN_MAX][PWS_UUID_SIZE];
static int seen_count, seen_next;
static atomic_uint serials;

/* the broadcast from a link being delivered on this thread, if any */
static __thread const char *in_name;
static __thread const struct json_object *in_object;
static __thread const struct bcast_origin *in_origin;
static __thread int in_active;

/* the last local broadcast seen by a link listener on this thread */
static __thread const char *local_name;
static __thread const struct json_object *local_object;
static __thread unsigned local_serial;
static __thread struct bcast_origin local_origin;

static void remember(const uint8_t *uuid)
{
	memcpy(seen[seen_next], uuid, PWS_UUID_SIZE);
	seen_next = (seen_next + 1) % SEEN_MAX;
	if (seen_count < SEEN_MAX)
		seen_count++;
}

int bcast_guard_seen(const uint8_t *uuid)
{
	int i, found = 0;

	if (!uuid)
		return 0;
	pthread_mutex_lock(&lock);
	for (i = 0; i < seen_count && !found; i++)
		found = !memcmp(seen[i], uuid, PWS_UUID_SIZE);
	if (!found)
		remember(uuid);
	pthread_mutex_unlock(&lock);
	return found;
}

int bcast_guard_rebroadcast(const char *name, struct json_object *data, const struct bcast_origin *origin)
{
	static const struct bcast_origin none = { .hop = 0 };
	const char *sname = in_name;
	const struct json_object *sobject = in_object;
	const struct bcast_origin *sorigin = in_origin;
	int sactive = in_active, rc;

	in_name = name;
	in_object = data;
	in_origin = origin ? origin : &none;
	in_active = 1;
	rc = evt_broadcast_name(name, data);
	/* restored: a listener may have broadcast from within */
	in_name = sname;
	in_object = sobject;
	in_origin = sorigin;
	in_active = sactive;
	return rc;
}

static void new_uuid(uint8_t *uuid)
{
	size_t got = 0;
	ssize_t n;

	while (got < PWS_UUID_SIZE) {
		n = getrandom(uuid + got, PWS_UUID_SIZE - got, 0);
		if (n > 0)
			got += (size_t)n;
		else if (errno != EINTR)
			break;
	}
}

int bcast_guard_origin(const char *name, const struct json_object *object, atomic_uint *mark,
		       struct bcast_origin *origin)
{
	unsigned serial;

	if (in_active && name == in_name && object == in_object) {
		*origin = *in_origin;
		return origin->hop > 0;
	}
	if (!local_serial || name != local_name || object != local_object
	    || atomic_load(mark) == local_serial) {
		/* a new local broadcast */
		do
			serial = atomic_fetch_add(&serials, 1) + 1;
		while (!serial);
		local_serial = serial;
		local_name = name;
		local_object = object;
		new_uuid(local_origin.uuid);
		local_origin.hop = BCAST_HOP_INITIAL;
		/* when it comes back through another binder, it is dropped */
		bcast_guard_seen(local_origin.uuid);
	}
	atomic_store(mark, local_serial);
	*origin = local_origin;
	return 1;
}
