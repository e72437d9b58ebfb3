/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "evt.h"
#include "hook.h"

/*
 * A subscription: one (event, listener) pair, counted. In both lists with
 * the address of the pointer to it: unlinked in O(1), so that 10,000
 * subscribers leaving cost 10,000 steps, not 10,000^2 / 2.
 */
struct watch {
	struct evt *evt;
	struct evt_listener *listener;
	struct watch *next_of_evt, **pprev_of_evt;
	struct watch *next_of_listener, **pprev_of_listener;
	int count;
};

struct evt {
	atomic_int refcount;
	int id;
	int dropped;
	int traced;		/* seen by the event hooks (hook.h) */
	struct watch *watches;
	const char *name;	/* points into fullname, after "<api>/" */
	char fullname[];
};

struct evt_listener {
	const struct evt_listener_itf *itf;
	void *closure;
	atomic_int refcount;
	atomic_int closed;		/* evt_listener_close: no callback starts any more */
	atomic_int inflight;		/* callbacks running now */
	struct watch *watches;
	struct evt_listener *prev, *next;	/* all listeners, for broadcasts */
};

/* guards every list above; callbacks are called without it */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* deliveries (evt_delivery): the last number given, and the one of this thread */
static atomic_ulong deliveries;
static __thread unsigned long delivery;

unsigned long evt_delivery(void)
{
	return delivery;
}

/*
 * The interfaces that took part in a delivery, for their 'delivered'.
 * More than a few kinds of listeners is not expected: beyond, every
 * interface of the snapshot is told (what they do is idempotent).
 */
#define MAX_KINDS 8
struct kinds {
	int count, overflow;
	const struct evt_listener_itf *items[MAX_KINDS];
};

static void kinds_add(struct kinds *k, const struct evt_listener_itf *itf)
{
	int i;

	if (!itf->delivered)
		return;
	for (i = 0; i < k->count; i++)
		if (k->items[i] == itf)
			return;
	if (k->count < MAX_KINDS)
		k->items[k->count++] = itf;
	else
		k->overflow = 1;
}

/* evt_listener_close waits there for the callbacks in flight */
static pthread_mutex_t close_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t close_cond = PTHREAD_COND_INITIALIZER;

/* the callbacks running on this thread, innermost first (a callback may close its own listener) */
struct running {
	struct running *up;
	struct evt_listener *listener;
};
static __thread struct running *running;

/*
 * Brackets a callback of 'l': 0 when the listener is closed (the callback
 * must not run). The closer sets 'closed' then reads 'inflight'; a caller
 * raises 'inflight' then reads 'closed' (both sequentially consistent):
 * one of them sees the other.
 */
static int enter(struct evt_listener *l, struct running *r)
{
	atomic_fetch_add(&l->inflight, 1);
	if (atomic_load(&l->closed)) {
		atomic_fetch_sub(&l->inflight, 1);
		pthread_mutex_lock(&close_lock);
		pthread_cond_broadcast(&close_cond);
		pthread_mutex_unlock(&close_lock);
		return 0;
	}
	r->listener = l;
	r->up = running;
	running = r;
	return 1;
}

static void leave(struct evt_listener *l, struct running *r)
{
	running = r->up;
	atomic_fetch_sub(&l->inflight, 1);
	/* a closer may wait for this one (rare: only then the lock is taken) */
	if (atomic_load(&l->closed)) {
		pthread_mutex_lock(&close_lock);
		pthread_cond_broadcast(&close_cond);
		pthread_mutex_unlock(&close_lock);
	}
}

/* how many callbacks of 'l' this thread is inside of */
static int running_here(struct evt_listener *l)
{
	struct running *r;
	int n = 0;

	for (r = running; r; r = r->up)
		n += r->listener == l;
	return n;
}
static struct evt_listener *listeners;
static int listener_count;
static int next_id = 1;

static struct evt *make(const char *fullname, int traced)
{
	size_t len = strlen(fullname);
	struct evt *evt = malloc(sizeof *evt + len + 1);
	const char *slash;

	if (!evt)
		return NULL;
	memcpy(evt->fullname, fullname, len + 1);
	slash = strchr(evt->fullname, '/');
	evt->name = slash ? slash + 1 : evt->fullname;
	atomic_init(&evt->refcount, 1);
	evt->dropped = 0;
	evt->watches = NULL;
	pthread_mutex_lock(&lock);
	evt->id = next_id++;
	if (next_id > 0x7fffffff)
		next_id = 1;
	pthread_mutex_unlock(&lock);
	evt->traced = traced;
	if (traced && hook_wants(HOOK_EVENT, HOOK_EVT_CREATE))
		hook_evt(evt->fullname, evt->id, HOOK_EVT_CREATE);
	return evt;
}

struct evt *evt_new(const char *fullname)
{
	return make(fullname, 1);
}

struct evt *evt_new_untraced(const char *fullname)
{
	return make(fullname, 0);
}

struct evt *evt_ref(struct evt *evt)
{
	atomic_fetch_add(&evt->refcount, 1);
	return evt;
}

void evt_unref(struct evt *evt)
{
	if (evt && atomic_fetch_sub(&evt->refcount, 1) == 1)
		free(evt);
}

const char *evt_fullname(const struct evt *evt)
{
	return evt->fullname;
}

const char *evt_name(const struct evt *evt)
{
	return evt->name;
}

int evt_id(const struct evt *evt)
{
	return evt->id;
}

/* Unlinks 'w' from its listener's list. Lock held. */
static void unlink_from_listener(struct watch *w)
{
	*w->pprev_of_listener = w->next_of_listener;
	if (w->next_of_listener)
		w->next_of_listener->pprev_of_listener = w->pprev_of_listener;
}

static void unlink_from_evt(struct watch *w)
{
	*w->pprev_of_evt = w->next_of_evt;
	if (w->next_of_evt)
		w->next_of_evt->pprev_of_evt = w->pprev_of_evt;
}

void evt_drop(struct evt *evt)
{
	struct running r;
	struct watch *w;
	struct evt_listener *l;

	if (evt->traced && hook_wants(HOOK_EVENT, HOOK_EVT_DROP))
		hook_evt(evt->fullname, evt->id, HOOK_EVT_DROP);
	pthread_mutex_lock(&lock);
	evt->dropped = 1;
	while ((w = evt->watches) != NULL) {
		unlink_from_evt(w);
		unlink_from_listener(w);
		l = w->listener;
		pthread_mutex_unlock(&lock);
		if (l->itf->remove && enter(l, &r)) {
			l->itf->remove(l->closure, evt->fullname, evt->id);
			leave(l, &r);
		}
		evt_listener_unref(l);
		evt_unref(evt);
		free(w);
		pthread_mutex_lock(&lock);
	}
	pthread_mutex_unlock(&lock);
	evt_unref(evt);
}

/* A snapshot of listeners, referenced, so callbacks run without the lock. */
struct targets {
	int count;
	struct evt_listener **items;
	struct evt_listener *local[16];
};

static int targets_add(struct targets *t, struct evt_listener *l, int *cap)
{
	struct evt_listener **n;

	if (t->count == *cap) {
		n = malloc(sizeof *n * (size_t)*cap * 2);
		if (!n)
			return -ENOMEM;
		memcpy(n, t->items, sizeof *n * (size_t)t->count);
		if (t->items != t->local)
			free(t->items);
		t->items = n;
		*cap *= 2;
	}
	atomic_fetch_add(&l->refcount, 1);
	t->items[t->count++] = l;
	return 0;
}

static void targets_release(struct targets *t)
{
	int i;

	for (i = 0; i < t->count; i++)
		evt_listener_unref(t->items[i]);
	if (t->items != t->local)
		free(t->items);
}

/* The end of a delivery: the 'delivered' of the interfaces that took part. */
static void delivered(struct kinds *k, struct targets *t)
{
	const struct evt_listener_itf *itf;
	int i, j;

	for (i = 0; i < k->count; i++)
		k->items[i]->delivered();
	if (!k->overflow)
		return;
	for (i = 0; i < t->count; i++) {
		itf = t->items[i]->itf;
		for (j = 0; j < i && t->items[j]->itf != itf; j++);
		if (j == i && itf->delivered)
			itf->delivered();
	}
}

int evt_push(struct evt *evt, struct json_object *object)
{
	struct targets t = { .count = 0, .items = t.local };
	struct kinds k = { .count = 0, .overflow = 0 };
	unsigned long saved;
	struct running r;
	int cap = 16, i;
	struct watch *w;

	if (evt->traced && hook_wants(HOOK_EVENT, HOOK_EVT_PUSH_BEFORE))
		hook_evt_data(evt->fullname, evt->id, HOOK_EVT_PUSH_BEFORE, object, 0);

	pthread_mutex_lock(&lock);
	for (w = evt->watches; w; w = w->next_of_evt)
		if (targets_add(&t, w->listener, &cap) < 0)
			break;
	pthread_mutex_unlock(&lock);
	saved = delivery;
	delivery = atomic_fetch_add(&deliveries, 1) + 1;
	for (i = 0; i < t.count; i++)
		if (enter(t.items[i], &r)) {
			t.items[i]->itf->push(t.items[i]->closure, evt->fullname, evt->id, object);
			leave(t.items[i], &r);
			kinds_add(&k, t.items[i]->itf);
		}
	delivered(&k, &t);
	delivery = saved;
	targets_release(&t);
	if (evt->traced && hook_wants(HOOK_EVENT, HOOK_EVT_PUSH_AFTER))
		hook_evt_data(evt->fullname, evt->id, HOOK_EVT_PUSH_AFTER, object, i);
	json_object_put(object);
	return i;
}

/* 'id' 0: a broadcast by name, without event object */
static int broadcast(const char *fullname, int id, int traced, struct json_object *object)
{
	struct targets t = { .count = 0, .items = t.local };
	struct kinds k = { .count = 0, .overflow = 0 };
	unsigned long saved;
	struct running r;
	int cap = 16, i;
	struct evt_listener *l;

	if (traced && hook_wants(HOOK_EVENT, HOOK_EVT_BROADCAST_BEFORE))
		hook_evt_data(fullname, id, HOOK_EVT_BROADCAST_BEFORE, object, 0);

	pthread_mutex_lock(&lock);
	for (l = listeners; l; l = l->next)
		if (l->itf->broadcast && targets_add(&t, l, &cap) < 0)
			break;
	pthread_mutex_unlock(&lock);
	saved = delivery;
	delivery = atomic_fetch_add(&deliveries, 1) + 1;
	for (i = 0; i < t.count; i++)
		if (enter(t.items[i], &r)) {
			t.items[i]->itf->broadcast(t.items[i]->closure, fullname, object);
			leave(t.items[i], &r);
			kinds_add(&k, t.items[i]->itf);
		}
	delivered(&k, &t);
	delivery = saved;
	targets_release(&t);
	if (traced && hook_wants(HOOK_EVENT, HOOK_EVT_BROADCAST_AFTER))
		hook_evt_data(fullname, id, HOOK_EVT_BROADCAST_AFTER, object, i);
	json_object_put(object);
	return i;
}

int evt_congested(struct evt *evt)
{
	struct targets t = { .count = 0, .items = t.local };
	int cap = 16, i, congested = 0;
	struct running r;
	struct watch *w;

	pthread_mutex_lock(&lock);
	for (w = evt->watches; w; w = w->next_of_evt)
		if (w->listener->itf->congested && targets_add(&t, w->listener, &cap) < 0)
			break;
	pthread_mutex_unlock(&lock);
	for (i = 0; i < t.count && !congested; i++)
		if (enter(t.items[i], &r)) {
			congested = t.items[i]->itf->congested(t.items[i]->closure);
			leave(t.items[i], &r);
		}
	targets_release(&t);
	return congested;
}

int evt_broadcast_name(const char *fullname, struct json_object *object)
{
	return broadcast(fullname, 0, 1, object);
}

int evt_broadcast(struct evt *evt, struct json_object *object)
{
	return broadcast(evt->fullname, evt->id, evt->traced, object);
}

struct evt_listener *evt_listener_new(const struct evt_listener_itf *itf, void *closure)
{
	struct evt_listener *l = calloc(1, sizeof *l);

	if (!l)
		return NULL;
	l->itf = itf;
	l->closure = closure;
	atomic_init(&l->refcount, 1);
	pthread_mutex_lock(&lock);
	l->next = listeners;
	if (listeners)
		listeners->prev = l;
	listeners = l;
	listener_count++;
	pthread_mutex_unlock(&lock);
	return l;
}

struct evt_listener *evt_listener_ref(struct evt_listener *l)
{
	atomic_fetch_add(&l->refcount, 1);
	return l;
}

void evt_listener_unref(struct evt_listener *l)
{
	if (!l || atomic_fetch_sub(&l->refcount, 1) != 1)
		return;
	/* watches hold references: none is left here */
	pthread_mutex_lock(&lock);
	if (l->prev)
		l->prev->next = l->next;
	else
		listeners = l->next;
	if (l->next)
		l->next->prev = l->prev;
	listener_count--;
	pthread_mutex_unlock(&lock);
	if (l->itf->destroy)
		l->itf->destroy(l->closure);
	free(l);
}

static struct watch *find_watch(struct evt_listener *l, struct evt *evt)
{
	struct watch *w;

	for (w = l->watches; w; w = w->next_of_listener)
		if (w->evt == evt)
			return w;
	return NULL;
}

int evt_subscribe(struct evt_listener *l, struct evt *evt)
{
	struct running r;
	struct watch *w;

	pthread_mutex_lock(&lock);
	if (atomic_load(&l->closed)) {
		pthread_mutex_unlock(&lock);
		return -ECONNRESET;
	}
	if (evt->dropped) {
		pthread_mutex_unlock(&lock);
		return -ENOENT;
	}
	w = find_watch(l, evt);
	if (w) {
		w->count++;
		pthread_mutex_unlock(&lock);
		return 0;
	}
	w = calloc(1, sizeof *w);
	if (!w) {
		pthread_mutex_unlock(&lock);
		return -ENOMEM;
	}
	w->evt = evt_ref(evt);
	w->listener = evt_listener_ref(l);
	w->count = 1;
	w->next_of_evt = evt->watches;
	if (w->next_of_evt)
		w->next_of_evt->pprev_of_evt = &w->next_of_evt;
	w->pprev_of_evt = &evt->watches;
	evt->watches = w;
	w->next_of_listener = l->watches;
	if (w->next_of_listener)
		w->next_of_listener->pprev_of_listener = &w->next_of_listener;
	w->pprev_of_listener = &l->watches;
	l->watches = w;
	pthread_mutex_unlock(&lock);
	if (l->itf->add && enter(l, &r)) {
		l->itf->add(l->closure, evt->fullname, evt->id);
		leave(l, &r);
	}
	return 0;
}

/* Frees 'w', already unlinked; without the lock. */
static void watch_free(struct watch *w)
{
	struct evt_listener *l = w->listener;
	struct running r;

	if (l->itf->remove && enter(l, &r)) {
		l->itf->remove(l->closure, w->evt->fullname, w->evt->id);
		leave(l, &r);
	}
	evt_unref(w->evt);
	evt_listener_unref(l);
	free(w);
}

int evt_unsubscribe(struct evt_listener *l, struct evt *evt)
{
	struct watch *w;

	pthread_mutex_lock(&lock);
	w = find_watch(l, evt);
	if (!w) {
		pthread_mutex_unlock(&lock);
		return -ENOENT;
	}
	if (--w->count > 0) {
		pthread_mutex_unlock(&lock);
		return 0;
	}
	unlink_from_listener(w);
	unlink_from_evt(w);
	pthread_mutex_unlock(&lock);
	watch_free(w);
	return 0;
}

void evt_listener_unsubscribe_all(struct evt_listener *l)
{
	struct watch *w;

	pthread_mutex_lock(&lock);
	while ((w = l->watches) != NULL) {
		unlink_from_listener(w);
		unlink_from_evt(w);
		pthread_mutex_unlock(&lock);
		watch_free(w);
		pthread_mutex_lock(&lock);
	}
	pthread_mutex_unlock(&lock);
}

void evt_listener_close(struct evt_listener *l)
{
	int own;

	if (!l || atomic_exchange(&l->closed, 1))
		return;
	/* under the list lock: a subscription made from now on is refused */
	pthread_mutex_lock(&lock);
	pthread_mutex_unlock(&lock);
	evt_listener_unsubscribe_all(l);
	own = running_here(l);
	pthread_mutex_lock(&close_lock);
	while (atomic_load(&l->inflight) > own)
		pthread_cond_wait(&close_cond, &close_lock);
	pthread_mutex_unlock(&close_lock);
}

int evt_listener_count(void)
{
	int n;

	pthread_mutex_lock(&lock);
	n = listener_count;
	pthread_mutex_unlock(&lock);
	return n;
}
