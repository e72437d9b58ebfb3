/* SPDX-License-Identifier: Apache-2.0 */
/*
 * monitor/trace: per-session trace objects, the 2017 add/drop grammar,
 * and the bounded delivery of trace records (see trace.h).
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include <systemd/sd-event.h>
#include "trace.h"
#include "evt.h"
#include "hook.h"
#include "mainloop.h"
#include "session.h"
#include "verbose.h"
#include "xreq.h"

/* records pushed per event and per loop round, so that a trace can't hog the loop */
#define DRAIN_BUDGET 128
/* a congested subscriber is polled again after */
#define CONGESTION_RETRY_US 20000

struct tr_tag {
	struct tr_tag *next;
	int uses;		/* hooks with this tag */
	char name[];
};

struct tr_record {
	struct tr_record *next;
	struct json_object *trace;
};

/* An event monitor/<name> of a trace, with its queue of records. */
struct tr_event {
	struct tr_event *next;		/* in its trace */
	struct tr_event *pending_next;	/* in the pending list (queue lock) */
	atomic_int refcount;		/* the trace's, and the pending list's */
	int uses;			/* hooks sending to it (trace lock) */
	struct evt *evt;
	/* queue lock */
	struct tr_record *head, **tail;
	unsigned count;
	unsigned dropped;		/* since the last record delivered */
	unsigned pending: 1;		/* in the pending list */
	unsigned dead: 1;		/* no hook any more: records are discarded */
	char name[];
};

struct tr_hook {
	struct tr_hook *next;
	struct hook *hook;
	struct tr_tag *tag;
	struct tr_event *event;
	char *session;			/* the session filter, or NULL */
};

struct trace {
	pthread_mutex_t lock;
	struct tr_hook *hooks;
	struct tr_tag *tags;
	struct tr_event *events;
};

/* ---- delivery ---- */

static pthread_mutex_t qlock = PTHREAD_MUTEX_INITIALIZER;
static struct tr_event *pending_head;
static int kicked;			/* a kick is posted or the drain is armed */
static unsigned long total_queued, total_dropped;
/* main thread */
static sd_event_source *retry_source;

static struct tr_event *event_ref(struct tr_event *ev)
{
	atomic_fetch_add(&ev->refcount, 1);
	return ev;
}

/* Frees the queued records: queue lock held. */
static void event_clear(struct tr_event *ev)
{
	struct tr_record *r;

	while ((r = ev->head) != NULL) {
		ev->head = r->next;
		json_object_put(r->trace);
		free(r);
	}
	ev->tail = &ev->head;
	ev->count = 0;
}

static void event_unref(struct tr_event *ev)
{
	if (atomic_fetch_sub(&ev->refcount, 1) != 1)
		return;
	pthread_mutex_lock(&qlock);
	event_clear(ev);
	pthread_mutex_unlock(&qlock);
	evt_unref(ev->evt);
	free(ev);
}

static void drain(void);

static void on_drain(struct mainloop_soon *soon)
{
	drain();
}

/* soon work, not a defer source: see mainloop.h */
static struct mainloop_soon drain_soon = { .run = on_drain };

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata)
{
	drain();
	return 0;
}

/* Main thread: arms the drain, soon. */
static void kick(void *arg)
{
	mainloop_soon(&drain_soon);
}

static void retry_later(void)
{
	uint64_t now = 0;

	sd_event_now(mainloop_event(), CLOCK_MONOTONIC, &now);
	if (!retry_source) {
		if (sd_event_add_time(mainloop_event(), &retry_source, CLOCK_MONOTONIC, now + CONGESTION_RETRY_US,
				      1000, on_retry, NULL) < 0) {
			kick(NULL);
			return;
		}
	} else {
		sd_event_source_set_time(retry_source, now + CONGESTION_RETRY_US);
	}
	sd_event_source_set_enabled(retry_source, SD_EVENT_ONESHOT);
}

/* Takes the oldest record of 'ev' and the count of records lost before it. */
static struct json_object *event_pop(struct tr_event *ev, unsigned *dropped)
{
	struct tr_record *r;
	struct json_object *trace = NULL;

	pthread_mutex_lock(&qlock);
	r = ev->head;
	if (r) {
		ev->head = r->next;
		if (!ev->head)
			ev->tail = &ev->head;
		ev->count--;
		trace = r->trace;
		*dropped = ev->dropped;
		ev->dropped = 0;
	}
	pthread_mutex_unlock(&qlock);
	free(r);
	return trace;
}

/* Main thread: pushes what subscribers can take, as much as the budget allows. */
static void drain(void)
{
	struct tr_event *list, *ev, *next, *keep = NULL;
	struct json_object *trace;
	unsigned dropped;
	int n, progress = 0, left, more;

	pthread_mutex_lock(&qlock);
	list = pending_head;
	pending_head = NULL;
	kicked = 0;
	pthread_mutex_unlock(&qlock);

	for (ev = list; ev; ev = next) {
		next = ev->pending_next;
		for (n = 0; n < DRAIN_BUDGET && !evt_congested(ev->evt); n++) {
			trace = event_pop(ev, &dropped);
			if (!trace)
				break;
			if (dropped) {
				json_object_object_add(trace, "dropped", json_object_new_int64(dropped));
				LOGW("monitor: %u trace records of monitor/%s dropped: its subscriber reads too slowly",
				     dropped, ev->name);
			}
			evt_push(ev->evt, trace);
		}
		progress |= n > 0;
		pthread_mutex_lock(&qlock);
		if (ev->count && !ev->dead) {
			ev->pending_next = keep;
			keep = ev;
			ev = NULL;
		} else {
			ev->pending = 0;
		}
		pthread_mutex_unlock(&qlock);
		if (ev)
			event_unref(ev);	/* the pending list's reference */
	}

	/* events still pending go back, before those queued meanwhile */
	pthread_mutex_lock(&qlock);
	left = keep != NULL;
	while (keep) {
		ev = keep;
		keep = ev->pending_next;
		ev->pending_next = pending_head;
		pending_head = ev;
	}
	more = left || pending_head;	/* read under the lock: hooks of other threads add to it */
	if (more)
		kicked = 1;
	pthread_mutex_unlock(&qlock);
	if (left && !progress)
		retry_later();		/* every subscriber is behind: poll */
	else if (more)
		kick(NULL);
}

/* The hook: any thread, under the hook lock. */
static void on_hook(void *closure, const struct hook_record *record)
{
	struct tr_hook *th = closure;
	struct tr_event *ev = th->event;
	struct tr_record *r = malloc(sizeof *r), *old = NULL;
	int post = 0;

	if (!r)
		return;
	r->next = NULL;
	r->trace = hook_record_json(record, th->tag->name);
	if (!r->trace) {
		free(r);
		return;
	}
	pthread_mutex_lock(&qlock);
	if (ev->dead) {
		pthread_mutex_unlock(&qlock);
		json_object_put(r->trace);
		free(r);
		return;
	}
	*ev->tail = r;
	ev->tail = &r->next;
	total_queued++;
	if (++ev->count > TRACE_QUEUE_MAX) {
		/* the subscriber is behind: the oldest record goes */
		old = ev->head;
		ev->head = old->next;
		ev->count--;
		ev->dropped++;
		total_dropped++;
	}
	if (!ev->pending) {
		ev->pending = 1;
		ev->pending_next = pending_head;
		pending_head = event_ref(ev);
	}
	if (!kicked)
		post = kicked = 1;
	pthread_mutex_unlock(&qlock);
	if (old) {
		json_object_put(old->trace);
		free(old);
	}
	if (post && mainloop_post(kick, NULL) < 0) {
		pthread_mutex_lock(&qlock);
		kicked = 0;
		pthread_mutex_unlock(&qlock);
	}
}

static const struct hook_itf hook_itf = { .emit = on_hook };

void trace_counts(unsigned long *queued, unsigned long *dropped)
{
	pthread_mutex_lock(&qlock);
	*queued = total_queued;
	*dropped = total_dropped;
	pthread_mutex_unlock(&qlock);
}

/* ---- tags, events and hooks of a trace (trace lock held) ---- */

static struct tr_tag *tag_get(struct trace *t, const char *name)
{
	struct tr_tag *tag;
	size_t len = strlen(name);

	for (tag = t->tags; tag; tag = tag->next)
		if (!strcmp(tag->name, name))
			return tag;
	tag = malloc(sizeof *tag + len + 1);
	if (!tag)
		return NULL;
	memcpy(tag->name, name, len + 1);
	tag->uses = 0;
	tag->next = t->tags;
	t->tags = tag;
	return tag;
}

static struct tr_event *event_get(struct trace *t, const char *name)
{
	struct tr_event *ev;
	size_t len = strlen(name);
	char *full;

	for (ev = t->events; ev; ev = ev->next)
		if (!strcmp(ev->name, name))
			return ev;
	ev = calloc(1, sizeof *ev + len + 1);
	if (!ev || asprintf(&full, "monitor/%s", name) < 0) {
		free(ev);
		return NULL;
	}
	/* untraced: the records it carries must not make records */
	ev->evt = evt_new_untraced(full);
	free(full);
	if (!ev->evt) {
		free(ev);
		return NULL;
	}
	memcpy(ev->name, name, len + 1);
	atomic_init(&ev->refcount, 1);
	ev->tail = &ev->head;
	ev->next = t->events;
	t->events = ev;
	return ev;
}

/* Frees the tags and events no hook uses. */
static void collect(struct trace *t)
{
	struct tr_tag **pt = &t->tags, *tag;
	struct tr_event **pe = &t->events, *ev;

	while ((tag = *pt) != NULL) {
		if (tag->uses) {
			pt = &tag->next;
		} else {
			*pt = tag->next;
			free(tag);
		}
	}
	while ((ev = *pe) != NULL) {
		if (ev->uses) {
			pe = &ev->next;
			continue;
		}
		*pe = ev->next;
		pthread_mutex_lock(&qlock);
		ev->dead = 1;
		event_clear(ev);
		pthread_mutex_unlock(&qlock);
		evt_drop(evt_ref(ev->evt));	/* unsubscribes every client */
		event_unref(ev);
	}
}

static void hook_free(struct tr_hook *th)
{
	hook_remove(th->hook);
	th->tag->uses--;
	th->event->uses--;
	free(th->session);
	free(th);
}

/* Removes the hooks for which 'pred' is true; the count removed. */
static int remove_hooks(struct trace *t, int (*pred)(struct tr_hook *th, const char *arg), const char *arg)
{
	struct tr_hook **p = &t->hooks, *th;
	int n = 0;

	while ((th = *p) != NULL) {
		if (pred(th, arg)) {
			*p = th->next;
			hook_free(th);
			n++;
		} else {
			p = &th->next;
		}
	}
	return n;
}

static int any(struct tr_hook *th, const char *arg)
{
	return 1;
}

static int has_tag(struct tr_hook *th, const char *arg)
{
	return !strcmp(th->tag->name, arg);
}

static int has_event(struct tr_hook *th, const char *arg)
{
	return !strcmp(th->event->name, arg);
}

static int has_session(struct tr_hook *th, const char *arg)
{
	return th->session && !strcmp(th->session, arg);
}

static void trace_free(void *closure)
{
	struct trace *t = closure;

	pthread_mutex_lock(&t->lock);
	remove_hooks(t, any, NULL);
	collect(t);
	pthread_mutex_unlock(&t->lock);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

static void *trace_new(void *closure)
{
	struct trace *t = calloc(1, sizeof *t);

	if (t)
		pthread_mutex_init(&t->lock, NULL);
	return t;
}

struct trace *trace_of_request(struct xreq *xreq, const void *key)
{
	/* the tracing state lives in the monitoring client's session, made if needed */
	struct session *s = xreq_session(xreq, 1);

	return s ? session_cookie_make(s, key, trace_new, trace_free, NULL, NULL) : NULL;
}

/* ---- errors: lines of at most 1022 characters, each ended by '\n' (2017) ---- */

struct errors {
	char *text;
	size_t len;
};

static void error(struct errors *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void error(struct errors *e, const char *fmt, ...)
{
	char line[1024];
	char *n;
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(line, sizeof line - 1, fmt, ap);
	va_end(ap);
	if (len < 0)
		return;
	if (len > (int)sizeof line - 2)
		len = (int)sizeof line - 2;
	line[len++] = '\n';
	n = realloc(e->text, e->len + (size_t)len + 1);
	if (!n)
		return;
	memcpy(n + e->len, line, (size_t)len);
	e->len += (size_t)len;
	n[e->len] = 0;
	e->text = n;
}

/* json-c's default (spaced) text, as the 2017 messages show values */
static const char *text(struct json_object *o)
{
	return json_object_to_json_string(o);
}

/* ---- add ---- */

/* what an add item gives to the items nested in its "for" */
struct spec {
	const char *name, *tag, *api, *verb, *session, *pattern;
	unsigned flags[HOOK_KIND_COUNT];
};

/* the add keys of the kinds: "session" is the session filter in 2017, so sessions are "sessions" */
static const char *const kind_keys[HOOK_KIND_COUNT] = {
	"request", "daemon", "service", "event", "global", "sessions"
};

struct adding {
	struct trace *trace;
	struct xreq *xreq;
	struct errors errors;
};

static void add_flags(struct adding *a, enum hook_kind kind, struct json_object *value, unsigned *flags)
{
	unsigned f;
	size_t i, n;

	if (json_object_is_type(value, json_type_array)) {
		n = json_object_array_length(value);
		for (i = 0; i < n; i++)
			add_flags(a, kind, json_object_array_get_idx(value, i), flags);
	} else if (json_object_is_type(value, json_type_string)) {
		if (hook_flags_of_name(kind, json_object_get_string(value), &f) < 0)
			error(&a->errors, "unknown %s name %s", hook_kind_name(kind), json_object_get_string(value));
		else
			*flags |= f;
	} else {
		error(&a->errors, "unexpected %s value %s", hook_kind_name(kind), text(value));
	}
}

static void install(struct adding *a, const struct spec *s)
{
	struct hook_filter filter = { s->api, s->verb, s->session, s->pattern };
	struct tr_hook *th;
	int kind;

	for (kind = 0; kind < HOOK_KIND_COUNT; kind++) {
		if (!s->flags[kind])
			continue;
		th = calloc(1, sizeof *th);
		if (!th || (s->session && kind == HOOK_REQUEST && !(th->session = strdup(s->session)))) {
			free(th);
			error(&a->errors, "allocation of hook failed");
			continue;
		}
		th->tag = tag_get(a->trace, s->tag);
		th->event = th->tag ? event_get(a->trace, s->name) : NULL;
		if (!th->event) {
			free(th->session);
			free(th);
			error(&a->errors, "allocation of hook failed");
			continue;
		}
		/* the hook may fire at once: its tag and event are set */
		th->hook = hook_add((enum hook_kind)kind, s->flags[kind], kind == HOOK_REQUEST ? &filter
					: kind == HOOK_DAEMON || kind == HOOK_SERVICE ? &(struct hook_filter){ .api = s->api }
					: kind == HOOK_EVENT ? &(struct hook_filter){ .pattern = s->pattern } : NULL,
				    &hook_itf, th);
		if (!th->hook) {
			free(th->session);
			free(th);
			error(&a->errors, "creation of hook failed");
			continue;
		}
		th->tag->uses++;
		th->event->uses++;
		th->next = a->trace->hooks;
		a->trace->hooks = th;
		/* HTTP requests have no listener: the hook is there, nobody receives */
		if (a->xreq->itf->subscribe)
			xreq_subscribe(a->xreq, th->event->evt);
	}
}

static int string_or_absent(struct json_object *o, const char *key, const char **value)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return 1;
	if (!json_object_is_type(v, json_type_string))
		return 0;
	*value = json_object_get_string(v);
	return 1;
}

static void add_items(struct adding *a, struct json_object *items, const struct spec *inherited);

static void add_item(struct adding *a, struct json_object *item, const struct spec *inherited)
{
	struct spec s = *inherited;
	struct json_object *v;
	int kind, ok = json_object_is_type(item, json_type_object);

	ok = ok && string_or_absent(item, "name", &s.name) && string_or_absent(item, "tag", &s.tag)
	     && string_or_absent(item, "api", &s.api) && string_or_absent(item, "verb", &s.verb)
	     && string_or_absent(item, "session", &s.session) && string_or_absent(item, "pattern", &s.pattern);
	if (!ok) {
		/* not an object: a list of request flag names (2017) */
		s = *inherited;
		add_flags(a, HOOK_REQUEST, item, &s.flags[HOOK_REQUEST]);
		install(a, &s);
		return;
	}
	for (kind = 0; kind < HOOK_KIND_COUNT; kind++)
		if (json_object_object_get_ex(item, kind_keys[kind], &v))
			add_flags(a, (enum hook_kind)kind, v, &s.flags[kind]);
	if (json_object_object_get_ex(item, "for", &v))
		add_items(a, v, &s);
	else
		install(a, &s);
}

static void add_items(struct adding *a, struct json_object *items, const struct spec *inherited)
{
	size_t i, n;

	if (json_object_is_type(items, json_type_array)) {
		n = json_object_array_length(items);
		for (i = 0; i < n; i++)
			add_item(a, json_object_array_get_idx(items, i), inherited);
	} else {
		add_item(a, items, inherited);
	}
}

/* ---- drop ---- */

static void drop_by(struct adding *a, struct json_object *value, const char *what,
		    int (*pred)(struct tr_hook *th, const char *arg))
{
	size_t i, n;

	if (json_object_is_type(value, json_type_array)) {
		n = json_object_array_length(value);
		for (i = 0; i < n; i++)
			drop_by(a, json_object_array_get_idx(value, i), what, pred);
	} else if (!json_object_is_type(value, json_type_string)) {
		error(&a->errors, "unexpected %s value %s", what, text(value));
	} else if (!remove_hooks(a->trace, pred, json_object_get_string(value))) {
		error(&a->errors, "%s %s not found", what, json_object_get_string(value));
	}
}

static int drop(struct adding *a, struct json_object *d)
{
	struct json_object *tag, *event, *session;
	int has_tag_key, has_event_key, has_session_key;

	if (json_object_is_type(d, json_type_boolean)) {
		if (json_object_get_boolean(d))
			remove_hooks(a->trace, any, NULL);
		return 0;
	}
	if (!json_object_is_type(d, json_type_object))
		return -1;
	has_tag_key = json_object_object_get_ex(d, "tag", &tag);
	has_event_key = json_object_object_get_ex(d, "event", &event);
	has_session_key = json_object_object_get_ex(d, "session", &session);
	if (!has_tag_key && !has_event_key && !has_session_key)
		return -1;
	if (has_tag_key)
		drop_by(a, tag, "tag", has_tag);
	if (has_event_key)
		drop_by(a, event, "event", has_event);
	if (has_session_key)
		drop_by(a, session, "session", has_session);
	return 0;
}

char *trace_add_drop(struct trace *t, struct xreq *xreq, struct json_object *add, struct json_object *d)
{
	struct spec root = { .name = "trace", .tag = "trace" };
	struct adding a = { .trace = t, .xreq = xreq };

	pthread_mutex_lock(&t->lock);
	if (add)
		add_items(&a, add, &root);
	if (!a.errors.text && d && drop(&a, d) < 0 && !a.errors.text)
		a.errors.text = strdup("bad drop arguments");
	collect(t);
	pthread_mutex_unlock(&t->lock);
	return a.errors.text;
}
