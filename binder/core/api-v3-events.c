/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The events of v3 apis (and v2 bindings): the api's listener, its
 * handlers by pattern, and the delivery of each event as a job of the
 * api, under the fault guard.
 *
 * An api has a listener once it set onevent, added a handler, or made a
 * call whose callee subscribed (catch_events). The listener receives every
 * broadcast and the pushes of the events it is subscribed to; each one
 * becomes a job (a copy of the data: the pusher's object is borrowed and
 * json-c counts references without atomics), queued in the api's group
 * when it serves one request at a time, else in a group of its own so
 * that its events arrive in order.
 *
 * Delivery: a handler whose pattern has no '*' and equals the full name
 * (ignoring case) wins; else the matching pattern with the most literal
 * characters; else onevent (v3 onevent(api, event, object), v2
 * onevent(event, object)); else nothing.
 */
#define AFB_BINDING_VERSION 0
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <json-c/json.h>
#include "afb/afb-binding.h"
#include "api-v3.h"
#include "api-v3-internal.h"
#include "apiset.h"
#include "evt.h"
#include "hook.h"
#include "jobs.h"
#include "starmatch.h"
#include "verbose.h"

struct handler {
	struct handler *next;
	void (*callback)(void *closure, const char *event, struct json_object *object, struct afb_api_x3 *api);
	void *closure;
	int literal;		/* count of non-'*' characters: the score of a pattern */
	char pattern[];
};

/* What the listener's closure is: it may outlive the api (callbacks in flight). */
struct evlink {
	pthread_mutex_t lock;
	struct api_v3 *api;	/* NULL once the api ended */
};

/* ---- matching ---- */

/* The handler for 'event'. Lock held. */
static struct handler *handler_for(struct api_v3 *a, const char *event)
{
	struct handler *h, *best = NULL;

	for (h = a->handlers; h; h = h->next)
		if (!strchr(h->pattern, '*') && !strcasecmp(h->pattern, event))
			return h;
	for (h = a->handlers; h; h = h->next)
		if ((!best || h->literal > best->literal) && starmatch_casefold(h->pattern, event))
			best = h;
	return best;
}

/* ---- delivery ---- */

struct evjob {
	struct api_v3 *api;	/* one reference */
	int eventid;		/* 0 for a broadcast */
	struct json_object *object;
	struct handler handler;	/* a copy of the one chosen (callback, closure) */
	char event[];
};

static void evjob_call(void *closure)
{
	struct evjob *j = closure;
	struct api_v3 *a = j->api;

	if (j->handler.callback)
		j->handler.callback(j->handler.closure, j->event, j->object, &a->x3);
	else if (a->onevent)
		a->onevent(&a->x3, j->event, j->object);
	else if (a->onevent_v2)
		a->onevent_v2(j->event, j->object);
}

static void evjob_run(int signum, void *closure)
{
	struct evjob *j = closure;
	struct handler *h;

	if (!signum) {
		/* the handler is chosen now: handlers may change until the event is delivered */
		pthread_rwlock_rdlock(&j->api->lock);
		h = handler_for(j->api, j->event);
		if (h) {
			j->handler.callback = h->callback;
			j->handler.closure = h->closure;
		}
		pthread_rwlock_unlock(&j->api->lock);
		if (h || j->api->onevent || j->api->onevent_v2) {
			if (hook_wants(HOOK_SERVICE, HOOK_SVC_ON_EVENT_BEFORE))
				hook_service_on_event(j->api->name, HOOK_SVC_ON_EVENT_BEFORE, j->event, j->eventid,
						      j->object);
			api_v3_guard(j->api, "event handler", j->event, NULL, evjob_call, j);
			if (hook_wants(HOOK_SERVICE, HOOK_SVC_ON_EVENT_AFTER))
				hook_service_on_event(j->api->name, HOOK_SVC_ON_EVENT_AFTER, j->event, j->eventid,
						      j->object);
		}
	}
	json_object_put(j->object);
	api_v3_unref(j->api);
	free(j);
}

/* A copy of 'object' that the job owns alone (NULL stays NULL). */
static struct json_object *copy_json(struct json_object *object)
{
	struct json_object *copy = NULL;

	if (object && json_object_deep_copy(object, &copy, NULL) < 0)
		copy = NULL;
	return copy;
}

static void deliver(void *closure, const char *event, int eventid, struct json_object *object)
{
	struct evlink *link = closure;
	size_t len = strlen(event);
	struct evjob *j;
	struct api_v3 *a;
	const void *group;

	pthread_mutex_lock(&link->lock);
	a = link->api;
	if (a)
		api_v3_ref(a);	/* the link holds the api alive while set */
	pthread_mutex_unlock(&link->lock);
	if (!a)
		return;
	j = calloc(1, sizeof *j + len + 1);
	if (!j) {
		LOGE("api %s: out of memory, event %s lost", a->name, event);
		api_v3_unref(a);
		return;
	}
	j->api = a;
	j->eventid = eventid;
	memcpy(j->event, event, len + 1);
	j->object = copy_json(object);
	group = a->api && a->api->group ? a->api->group : (const void *)&a->listener;
	if (jobs_queue(group, 0, evjob_run, j) < 0) {
		LOGE("api %s: the job queue is full, event %s lost", a->name, event);
		json_object_put(j->object);
		api_v3_unref(a);
		free(j);
	}
}

static void on_push(void *closure, const char *event, int eventid, struct json_object *object)
{
	deliver(closure, event, eventid, object);
}

static void on_broadcast(void *closure, const char *event, struct json_object *object)
{
	deliver(closure, event, 0, object);
}

static void on_destroy(void *closure)
{
	struct evlink *link = closure;

	pthread_mutex_destroy(&link->lock);
	free(link);
}

static const struct evt_listener_itf listener_itf = {
	.push = on_push,
	.broadcast = on_broadcast,
	.destroy = on_destroy,
};

struct evt_listener *api_v3_listener(struct api_v3 *a)
{
	struct evlink *link;

	pthread_rwlock_wrlock(&a->lock);
	if (!a->listener && (link = malloc(sizeof *link))) {
		pthread_mutex_init(&link->lock, NULL);
		link->api = a;
		a->listener = evt_listener_new(&listener_itf, link);
		if (a->listener)
			a->evlink = link;
		else
			on_destroy(link);
	}
	pthread_rwlock_unlock(&a->lock);
	return a->listener;
}

void api_v3_events_release(struct api_v3 *a)
{
	struct evt_listener *l;
	struct evlink *link = NULL;
	struct handler *h;

	pthread_rwlock_wrlock(&a->lock);
	l = a->listener;
	link = a->evlink;
	a->listener = NULL;
	a->evlink = NULL;
	while ((h = a->handlers)) {
		a->handlers = h->next;
		free(h);
	}
	pthread_rwlock_unlock(&a->lock);
	if (!l)
		return;
	evt_listener_unsubscribe_all(l);
	/* the listener's callbacks in flight find no api any more */
	pthread_mutex_lock(&link->lock);
	link->api = NULL;
	pthread_mutex_unlock(&link->lock);
	evt_listener_unref(l);
}

/* ---- set-up ---- */

int api_v3_on_event(struct api_v3 *a, void (*onevent)(struct afb_api_x3 *, const char *, struct json_object *))
{
	a->onevent = onevent;
	if (!api_v3_listener(a)) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

int api_v3_handler_add(struct api_v3 *a, const char *pattern,
		       void (*callback)(void *, const char *, struct json_object *, struct afb_api_x3 *),
		       void *closure)
{
	struct handler *h, **p;
	size_t len;
	const char *c;

	if (!pattern || !*pattern || !callback) {
		errno = EINVAL;
		return -1;
	}
	if (!api_v3_listener(a)) {
		errno = ENOMEM;
		return -1;
	}
	len = strlen(pattern);
	h = malloc(sizeof *h + len + 1);
	if (!h) {
		errno = ENOMEM;
		return -1;
	}
	memcpy(h->pattern, pattern, len + 1);
	h->callback = callback;
	h->closure = closure;
	h->next = NULL;
	for (h->literal = 0, c = pattern; *c; c++)
		h->literal += *c != '*';
	pthread_rwlock_wrlock(&a->lock);
	for (p = &a->handlers; *p; p = &(*p)->next) {
		if (!strcasecmp((*p)->pattern, pattern)) {
			pthread_rwlock_unlock(&a->lock);
			free(h);
			errno = EEXIST;
			return -1;
		}
	}
	*p = h;
	pthread_rwlock_unlock(&a->lock);
	return 0;
}

int api_v3_handler_del(struct api_v3 *a, const char *pattern, void **closure)
{
	struct handler *h, **p;

	pthread_rwlock_wrlock(&a->lock);
	for (p = &a->handlers; (h = *p) && (!pattern || strcasecmp(h->pattern, pattern)); p = &h->next);
	if (h)
		*p = h->next;
	pthread_rwlock_unlock(&a->lock);
	if (!h) {
		errno = ENOENT;
		return -1;
	}
	if (closure)
		*closure = h->closure;
	free(h);
	return 0;
}
