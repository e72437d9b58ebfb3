/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A map from non-zero 32-bit ids to pointers, which also hands out ids:
 * the pending calls, subcalls and describes of a link, by the id that
 * the peer echoes. Not thread-safe: each map belongs to one thread (here
 * the main thread).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct idmap_slot {
	uint32_t id;		/* 0: empty */
	void *value;
};

struct idmap {
	struct idmap_slot *slots;	/* owned */
	size_t cap;			/* a power of 2, or 0 */
	size_t count;
	uint32_t last;			/* the last id handed out */
};

void idmap_init(struct idmap *m);
/* Frees the table; the values are not touched. */
void idmap_deinit(struct idmap *m);

/* Stores 'value' under a new id (never 0, not in use). Returns 0 or -ENOMEM. */
int idmap_alloc(struct idmap *m, void *value, uint32_t *id);

/* Stores 'value' (not NULL) under 'id' (not 0). Returns 0, -EEXIST, -EINVAL or -ENOMEM. */
int idmap_put(struct idmap *m, uint32_t id, void *value);

/* The value of 'id', or NULL. */
void *idmap_get(const struct idmap *m, uint32_t id);

/* Removes 'id' and returns its value, or NULL. */
void *idmap_take(struct idmap *m, uint32_t id);

/* Removes any entry and returns its value (NULL when empty); *id may be NULL. */
void *idmap_take_any(struct idmap *m, uint32_t *id);

static inline size_t idmap_count(const struct idmap *m) { return m->count; }
