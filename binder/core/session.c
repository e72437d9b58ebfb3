/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <time.h>
#include <sys/random.h>
#include "session.h"
#include "hook.h"
#include "verbose.h"

#define BUCKETS 1024

struct cookie {
	struct cookie *next;
	const void *key;
	void *value;
	void (*freecb)(void *);
	unsigned loa;
};

struct session {
	struct session *hnext;			/* hash chain, when stored */
	struct session *lru_prev, *lru_next;	/* most recent first, when stored */
	int refcount;
	int stored;
	int timeout;				/* seconds, 0: never expires */
	time_t expiry;
	struct cookie *cookies;
	char uuid[SESSION_UUID_LEN + 1];
	char token[SESSION_UUID_LEN + 1];
};

/* one lock for the store, the refcounts and the cookies */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct session *buckets[BUCKETS];
static struct session *lru_head, *lru_tail;
static int count, max_count, default_timeout;
static char initial_token[SESSION_UUID_LEN + 1];

/* A pending call of a cookie's free function, made once the lock is released. */
struct release {
	void (*freecb)(void *);
	void *value;
};

static void make_uuid(char out[SESSION_UUID_LEN + 1])
{
	unsigned char b[16];
	size_t got = 0;
	ssize_t n;

	while (got < sizeof b) {
		n = getrandom(b + got, sizeof b - got, 0);
		if (n > 0)
			got += (size_t)n;
		else if (errno != EINTR)
			abort();	/* no entropy: never hand out guessable ids */
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, SESSION_UUID_LEN + 1,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
		 b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

static unsigned hash_uuid(const char *uuid)
{
	unsigned h = 5381;

	while (*uuid)
		h = h * 33 + (unsigned char)tolower((unsigned char)*uuid++);
	return h % BUCKETS;
}

static time_t now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

int session_init(int max, int timeout, const char *token)
{
	if (max < 1 || timeout < 0)
		return -EINVAL;
	if (token && strlen(token) > SESSION_UUID_LEN)
		return -E2BIG;
	max_count = max;
	default_timeout = timeout;
	if (token)
		strcpy(initial_token, token);
	else
		make_uuid(initial_token);
	return 0;
}

const char *session_initial_token(void)
{
	return initial_token;
}

static void lru_unlink(struct session *s)
{
	if (s->lru_prev)
		s->lru_prev->lru_next = s->lru_next;
	else
		lru_head = s->lru_next;
	if (s->lru_next)
		s->lru_next->lru_prev = s->lru_prev;
	else
		lru_tail = s->lru_prev;
	s->lru_prev = s->lru_next = NULL;
}

static void lru_push_front(struct session *s)
{
	s->lru_prev = NULL;
	s->lru_next = lru_head;
	if (lru_head)
		lru_head->lru_prev = s;
	else
		lru_tail = s;
	lru_head = s;
}

/* Removes 's' from the store. Lock held. */
static void unstore(struct session *s)
{
	struct session **p = &buckets[hash_uuid(s->uuid)];

	while (*p != s)
		p = &(*p)->hnext;
	*p = s->hnext;
	s->hnext = NULL;
	lru_unlink(s);
	s->stored = 0;
	count--;
}

/* Frees 's' and its cookies; call without the lock. */
static void destroy(struct session *s)
{
	struct cookie *c;

	if (hook_wants(HOOK_SESSION, HOOK_SESSION_CLOSE))
		hook_session(s->uuid, HOOK_SESSION_CLOSE);
	while ((c = s->cookies) != NULL) {
		s->cookies = c->next;
		if (c->freecb && c->value)
			c->freecb(c->value);
		free(c);
	}
	free(s);
}

static int expired(struct session *s, time_t t)
{
	return s->timeout && s->expiry <= t;
}

/*
 * Unstores the least recent session that only the store references, to
 * make room. Returns it; the caller drops the store's reference. Lock held.
 */
static struct session *evict_one(time_t t)
{
	struct session *s;

	/* the store holds one reference: 1 means nobody else uses it */
	for (s = lru_tail; s; s = s->lru_prev) {
		if (s->refcount == 1) {
			if (!expired(s, t))
				LOGD("session %s evicted (store full)", s->uuid);
			unstore(s);
			return s;
		}
	}
	return NULL;
}

static struct session *alloc_session(int timeout)
{
	struct session *s = calloc(1, sizeof *s);

	if (!s)
		return NULL;
	s->refcount = 1;
	s->timeout = timeout;
	s->expiry = now() + timeout;
	make_uuid(s->uuid);
	strcpy(s->token, initial_token);
	return s;
}

struct session *session_new(int timeout)
{
	struct session *s = alloc_session(timeout);

	if (s && hook_wants(HOOK_SESSION, HOOK_SESSION_CREATE))
		hook_session(s->uuid, HOOK_SESSION_CREATE);
	return s;
}

static struct session *find(const char *uuid)
{
	struct session *s;

	for (s = buckets[hash_uuid(uuid)]; s; s = s->hnext)
		if (!strcasecmp(s->uuid, uuid))
			return s;
	return NULL;
}

struct session *session_get(const char *uuid, int *created)
{
	struct session *s, *dead = NULL, *victim;
	time_t t = now();

	pthread_mutex_lock(&lock);
	s = uuid && *uuid && strlen(uuid) == SESSION_UUID_LEN ? find(uuid) : NULL;
	if (s && expired(s, t)) {
		unstore(s);
		dead = s;	/* the store's reference, dropped unlocked */
		s = NULL;
	}
	if (s) {
		s->refcount++;
		s->expiry = t + s->timeout;
		lru_unlink(s);
		lru_push_front(s);
		*created = 0;
		pthread_mutex_unlock(&lock);
	} else {
		victim = count >= max_count ? evict_one(t) : NULL;
		s = alloc_session(default_timeout);
		if (s) {
			s->refcount = 2;	/* the caller's and the store's */
			s->stored = 1;
			s->hnext = buckets[hash_uuid(s->uuid)];
			buckets[hash_uuid(s->uuid)] = s;
			lru_push_front(s);
			count++;
		}
		*created = s != NULL;
		pthread_mutex_unlock(&lock);
		if (victim)
			session_unref(victim);
		if (s && hook_wants(HOOK_SESSION, HOOK_SESSION_CREATE))
			hook_session(s->uuid, HOOK_SESSION_CREATE);
	}
	if (dead)
		session_unref(dead);
	return s;
}

struct session *session_ref(struct session *s)
{
	pthread_mutex_lock(&lock);
	s->refcount++;
	pthread_mutex_unlock(&lock);
	return s;
}

void session_unref(struct session *s)
{
	int last;

	if (!s)
		return;
	pthread_mutex_lock(&lock);
	last = --s->refcount == 0;
	/* the store grew past its bound while all were in use: shrink back */
	if (s->refcount == 1 && s->stored && count > max_count) {
		unstore(s);
		last = --s->refcount == 0;
	}
	pthread_mutex_unlock(&lock);
	if (last)
		destroy(s);
}

const char *session_uuid(const struct session *s)
{
	return s->uuid;
}

void session_token(struct session *s, char *buf)
{
	pthread_mutex_lock(&lock);
	strcpy(buf, s->token);
	pthread_mutex_unlock(&lock);
}

int session_check_token(struct session *s, const char *token)
{
	char current[SESSION_UUID_LEN + 1];
	size_t i, n, m;
	unsigned diff;

	if (!token)
		return 0;
	session_token(s, current);
	if (!current[0])
		return 1;	/* --token "": any presented token is accepted */
	n = strlen(current);
	m = strnlen(token, SESSION_UUID_LEN + 1);
	/* constant time: the time does not depend on where the strings differ */
	diff = (unsigned)(n ^ m);
	for (i = 0; i < SESSION_UUID_LEN; i++)
		diff |= (unsigned)(unsigned char)current[i < n ? i : 0] ^ (unsigned char)token[i < m ? i : 0];
	return diff == 0;
}

void session_renew_token(struct session *s, char *buf)
{
	char token[SESSION_UUID_LEN + 1];

	make_uuid(token);
	pthread_mutex_lock(&lock);
	strcpy(s->token, token);
	s->expiry = now() + s->timeout;
	pthread_mutex_unlock(&lock);
	if (buf)
		strcpy(buf, token);
	if (hook_wants(HOOK_SESSION, HOOK_SESSION_RENEW))
		hook_session(s->uuid, HOOK_SESSION_RENEW);
}

/* The cookie of 'key', created when 'create'. Lock held. */
static struct cookie *cookie_of(struct session *s, const void *key, int create)
{
	struct cookie *c;

	for (c = s->cookies; c; c = c->next)
		if (c->key == key)
			return c;
	if (!create)
		return NULL;
	c = calloc(1, sizeof *c);
	if (c) {
		c->key = key;
		c->next = s->cookies;
		s->cookies = c;
	}
	return c;
}

void *session_cookie_get(struct session *s, const void *key)
{
	struct cookie *c;
	void *value;

	pthread_mutex_lock(&lock);
	c = cookie_of(s, key, 0);
	value = c ? c->value : NULL;
	pthread_mutex_unlock(&lock);
	return value;
}

int session_cookie_set(struct session *s, const void *key, void *value, void (*freecb)(void *))
{
	struct release old = { NULL, NULL };
	struct cookie *c;

	pthread_mutex_lock(&lock);
	c = cookie_of(s, key, 1);
	if (!c) {
		pthread_mutex_unlock(&lock);
		return -ENOMEM;
	}
	if (c->value != value) {
		old.freecb = c->freecb;
		old.value = c->value;
	}
	c->value = value;
	c->freecb = freecb;
	pthread_mutex_unlock(&lock);
	if (old.freecb && old.value)
		old.freecb(old.value);
	return 0;
}

void *session_cookie_set_if_absent(struct session *s, const void *key, void *value, void (*freecb)(void *))
{
	struct cookie *c;
	void *result = NULL;

	pthread_mutex_lock(&lock);
	c = cookie_of(s, key, 1);
	if (c) {
		if (!c->value) {
			c->value = value;
			c->freecb = freecb;
		}
		result = c->value;
	}
	pthread_mutex_unlock(&lock);
	return result;
}

int session_cookie_exchange(struct session *s, const void *key, void *value, void (*freecb)(void *),
			    void **oldvalue, void (**oldfree)(void *))
{
	struct cookie *c;

	pthread_mutex_lock(&lock);
	c = cookie_of(s, key, 1);
	if (!c) {
		pthread_mutex_unlock(&lock);
		return -ENOMEM;
	}
	*oldvalue = c->value;
	*oldfree = c->freecb;
	c->value = value;
	c->freecb = freecb;
	pthread_mutex_unlock(&lock);
	return 0;
}

void *session_cookie_make(struct session *s, const void *key,
			  void *(*makecb)(void *closure), void (*freecb)(void *), void *closure)
{
	struct cookie *c;
	void *value = NULL;

	pthread_mutex_lock(&lock);
	c = cookie_of(s, key, 1);
	if (c) {
		if (!c->value) {
			c->value = makecb(closure);
			c->freecb = freecb;
		}
		value = c->value;
	}
	pthread_mutex_unlock(&lock);
	return value;
}

unsigned session_get_loa(struct session *s, const void *key)
{
	struct cookie *c;
	unsigned loa;

	pthread_mutex_lock(&lock);
	c = cookie_of(s, key, 0);
	loa = c ? c->loa : 0;
	pthread_mutex_unlock(&lock);
	return loa;
}

int session_set_loa(struct session *s, const void *key, unsigned loa)
{
	struct cookie *c;

	pthread_mutex_lock(&lock);
	c = cookie_of(s, key, 1);
	if (c)
		c->loa = loa;
	pthread_mutex_unlock(&lock);
	return c ? 0 : -ENOMEM;
}

void session_close_key(struct session *s, const void *key)
{
	struct release old = { NULL, NULL };
	struct cookie *c;

	pthread_mutex_lock(&lock);
	c = cookie_of(s, key, 0);
	if (c) {
		c->loa = 0;
		old.freecb = c->freecb;
		old.value = c->value;
		c->value = NULL;
		c->freecb = NULL;
	}
	pthread_mutex_unlock(&lock);
	if (old.freecb && old.value)
		old.freecb(old.value);
}

int session_count(void)
{
	int n;

	pthread_mutex_lock(&lock);
	n = count;
	pthread_mutex_unlock(&lock);
	return n;
}

void session_exit(void)
{
	struct session *s;

	for (;;) {
		pthread_mutex_lock(&lock);
		s = lru_head;
		if (s)
			unstore(s);
		pthread_mutex_unlock(&lock);
		if (!s)
			break;
		session_unref(s);
	}
}
