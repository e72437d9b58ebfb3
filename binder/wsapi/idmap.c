/* SPDX-License-Identifier: Apache-2.0 */
/*
 * idmap: open addressing with linear probing and backward-shift removal
 * (no tombstones, so lookups stay short after many removals).
 */
#include <errno.h>
#include <stdlib.h>
#include "idmap.h"

void idmap_init(struct idmap *m)
{
	m->slots = NULL;
	m->cap = 0;
	m->count = 0;
	m->last = 0;
}

void idmap_deinit(struct idmap *m)
{
	free(m->slots);
	idmap_init(m);
}

static size_t home(const struct idmap *m, uint32_t id)
{
	/* an integer mixer: consecutive ids spread over the table */
	id ^= id >> 16;
	id *= 0x45d9f3bu;
	id ^= id >> 16;
	return (size_t)id & (m->cap - 1);
}

static struct idmap_slot *find(const struct idmap *m, uint32_t id)
{
	size_t i;

	if (!m->cap)
		return NULL;
	for (i = home(m, id); m->slots[i].id; i = (i + 1) & (m->cap - 1))
		if (m->slots[i].id == id)
			return &m->slots[i];
	return NULL;
}

static void insert(struct idmap *m, uint32_t id, void *value)
{
	size_t i = home(m, id);

	while (m->slots[i].id)
		i = (i + 1) & (m->cap - 1);
	m->slots[i].id = id;
	m->slots[i].value = value;
	m->count++;
}

/* Keeps the load under 1/2. */
static int reserve(struct idmap *m)
{
	struct idmap_slot *old = m->slots;
	size_t oldcap = m->cap, i, cap;

	if ((m->count + 1) * 2 <= m->cap)
		return 0;
	cap = m->cap ? m->cap * 2 : 16;
	m->slots = calloc(cap, sizeof *m->slots);
	if (!m->slots) {
		m->slots = old;
		return -ENOMEM;
	}
	m->cap = cap;
	m->count = 0;
	for (i = 0; i < oldcap; i++)
		if (old[i].id)
			insert(m, old[i].id, old[i].value);
	free(old);
	return 0;
}

int idmap_put(struct idmap *m, uint32_t id, void *value)
{
	if (!id || !value)
		return -EINVAL;
	if (find(m, id))
		return -EEXIST;
	if (reserve(m) < 0)
		return -ENOMEM;
	insert(m, id, value);
	return 0;
}

int idmap_alloc(struct idmap *m, void *value, uint32_t *id)
{
	uint32_t candidate = m->last;

	if (reserve(m) < 0)
		return -ENOMEM;
	/* at most half of the ids are in use: this ends quickly */
	do
		candidate++;
	while (!candidate || find(m, candidate));
	m->last = candidate;
	insert(m, candidate, value);
	*id = candidate;
	return 0;
}

void *idmap_get(const struct idmap *m, uint32_t id)
{
	struct idmap_slot *s = id ? find(m, id) : NULL;

	return s ? s->value : NULL;
}

/* Empties slot 'i' and moves back the entries that probed past it. */
static void remove_at(struct idmap *m, size_t i)
{
	size_t j = i, h;

	for (;;) {
		m->slots[i].id = 0;
		m->slots[i].value = NULL;
		for (;;) {
			j = (j + 1) & (m->cap - 1);
			if (!m->slots[j].id) {
				m->count--;
				return;
			}
			h = home(m, m->slots[j].id);
			/* 'j' may move to 'i' when its home is not in (i, j] */
			if (i <= j ? (h <= i || h > j) : (h <= i && h > j))
				break;
		}
		m->slots[i] = m->slots[j];
		i = j;
	}
}

void *idmap_take(struct idmap *m, uint32_t id)
{
	struct idmap_slot *s = id ? find(m, id) : NULL;
	void *value;

	if (!s)
		return NULL;
	value = s->value;
	remove_at(m, (size_t)(s - m->slots));
	return value;
}

void *idmap_take_any(struct idmap *m, uint32_t *id)
{
	size_t i;
	void *value;

	if (!m->count)
		return NULL;
	for (i = 0; !m->slots[i].id; i++)
		;
	value = m->slots[i].value;
	if (id)
		*id = m->slots[i].id;
	remove_at(m, i);
	return value;
}
