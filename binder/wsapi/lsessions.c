/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-link sessions: see lsessions.h. A chained hash on the uuid and an
 * LRU list, most recent first.
 */
#include <stdlib.h>
#include <string.h>
#include "lsessions.h"
#include "session.h"

#define BUCKETS 256

struct entry {
	struct entry *hnext;
	struct entry *prev, *next;	/* LRU */
	struct session *session;	/* one reference */
	unsigned hash;
	char uuid[];
};

struct lsessions {
	struct entry *buckets[BUCKETS];
	struct entry *first, *last;
	size_t count, max;
};

static unsigned hash_of(const char *s)
{
	unsigned h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

struct lsessions *lsessions_new(size_t max)
{
	struct lsessions *ls = calloc(1, sizeof *ls);

	if (ls)
		ls->max = max ? max : 1;
	return ls;
}

static void lru_unlink(struct lsessions *ls, struct entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		ls->first = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		ls->last = e->prev;
}

static void lru_front(struct lsessions *ls, struct entry *e)
{
	e->prev = NULL;
	e->next = ls->first;
	if (ls->first)
		ls->first->prev = e;
	else
		ls->last = e;
	ls->first = e;
}

static void forget(struct lsessions *ls, struct entry *e)
{
	struct entry **p = &ls->buckets[e->hash % BUCKETS];

	while (*p != e)
		p = &(*p)->hnext;
	*p = e->hnext;
	lru_unlink(ls, e);
	ls->count--;
	session_unref(e->session);
	free(e);
}

void lsessions_free(struct lsessions *ls)
{
	if (!ls)
		return;
	while (ls->first)
		forget(ls, ls->first);
	free(ls);
}

struct session *lsessions_get(struct lsessions *ls, const char *uuid)
{
	unsigned h = hash_of(uuid);
	struct entry *e;
	size_t len;

	for (e = ls->buckets[h % BUCKETS]; e; e = e->hnext) {
		if (e->hash == h && !strcmp(e->uuid, uuid)) {
			lru_unlink(ls, e);
			lru_front(ls, e);
			return session_ref(e->session);
		}
	}
	len = strlen(uuid);
	e = malloc(sizeof *e + len + 1);
	if (!e)
		return NULL;
	/* no expiry: the entry lives as long as the link or the LRU allows */
	e->session = session_new(0);
	if (!e->session) {
		free(e);
		return NULL;
	}
	if (ls->count >= ls->max)
		forget(ls, ls->last);
	memcpy(e->uuid, uuid, len + 1);
	e->hash = h;
	e->hnext = ls->buckets[h % BUCKETS];
	ls->buckets[h % BUCKETS] = e;
	lru_front(ls, e);
	ls->count++;
	return session_ref(e->session);
}

size_t lsessions_count(const struct lsessions *ls)
{
	return ls->count;
}
