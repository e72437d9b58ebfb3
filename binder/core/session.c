/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sessions: see session.h.
 *
 * Lock order: the store's lock, then a session's lock (never the other
 * way). A session's rank is computed from its atomics; the store moves it
 * between its rank lists under the store's lock when it changes
 * (rerank), so the lists may lag a change by an instant, which eviction
 * tolerates.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <time.h>
#include <sys/random.h>
#include "fault.h"
#include "session.h"
#include "hook.h"
#include "verbose.h"

#define BUCKETS 1024
#define HOST_BUCKETS 256
#define RANKS 4
/* the rank of logged-in sessions (LOA > 0 or renewed token): never evicted */
#define RANK_LOGGED_IN 3
/* sessions looked at, per rank list, to find one that no one references */
#define EVICT_SCAN 64

struct cookie {
	struct cookie *next;
	const void *key;
	void *value;
	void (*freecb)(void *);
	const struct fault_site *site;	/* whose free function (NULL: the daemon's) */
	unsigned loa;
	int making;			/* session_cookie_make runs its makecb */
	pthread_t maker;		/* ... on this thread */
};

struct host {
	struct host *next;
	int count;				/* sessions in the list below */
	struct session *head, *tail;		/* its sessions of rank 0-1, most recent first */
	char name[];
};

struct session {
	/* the store's, under store_lock */
	struct session *hnext;			/* hash chain */
	struct session *prev, *next;		/* rank list, most recent first */
	struct session *host_prev, *host_next;	/* host list, while of rank 0 or 1 */
	struct host *host;			/* NULL: not counted per host */
	atomic_int stored;			/* written under store_lock, read anywhere */
	atomic_int listed_rank;			/* idem: the rank list it is in */

	atomic_int refcount;
	atomic_llong expiry;			/* seconds, monotonic */
	int timeout;				/* seconds, 0: never expires; constant */
	atomic_int validated;			/* a valid token was presented */
	atomic_int renewed;			/* the token was renewed: only its client knows it */
	atomic_int values;			/* cookies with a value */
	atomic_int loas;			/* cookies with a LOA > 0 */

	pthread_mutex_t lock;			/* the token and the cookies */
	pthread_cond_t made;			/* a cookie's value was made */
	struct cookie *cookies;
	char uuid[SESSION_UUID_LEN + 1];	/* constant */
	char token[SESSION_UUID_LEN + 1];
};

static pthread_mutex_t store_lock = PTHREAD_MUTEX_INITIALIZER;
static struct session *buckets[BUCKETS];
static struct session *rank_head[RANKS], *rank_tail[RANKS];
static struct host *hosts[HOST_BUCKETS];
static atomic_int count;		/* written under store_lock */
static int max_count, max_per_host, default_timeout;
static char initial_token[SESSION_UUID_LEN + 1];

/* ---- helpers ---- */

static void random_uuid(char out[SESSION_UUID_LEN + 1])
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

static unsigned hash_text(const char *text, int fold)
{
	unsigned h = 5381;

	while (*text)
		h = h * 33 + (unsigned char)(fold ? tolower((unsigned char)*text++) : *text++);
	return h;
}

static time_t now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static int expired(struct session *s, time_t t)
{
	return s->timeout && atomic_load(&s->expiry) <= t;
}

static void touch(struct session *s)
{
	atomic_store(&s->expiry, (long long)now() + s->timeout);
}

static int rank_of(struct session *s)
{
	if (atomic_load(&s->loas) > 0 || atomic_load(&s->renewed))
		return RANK_LOGGED_IN;
	if (atomic_load(&s->validated))
		return 2;
	return atomic_load(&s->values) > 0;
}

/* Constant time: the time does not depend on where the strings differ. */
static int token_matches(const char *current, const char *token)
{
	size_t i, n, m;
	unsigned diff;

	if (!token)
		return 0;
	if (!current[0])
		return 1;	/* --token "": any presented token is accepted */
	n = strlen(current);
	m = strnlen(token, SESSION_UUID_LEN + 1);
	diff = (unsigned)(n ^ m);
	for (i = 0; i < SESSION_UUID_LEN; i++)
		diff |= (unsigned)(unsigned char)current[i < n ? i : 0] ^ (unsigned char)token[i < m ? i : 0];
	return diff == 0;
}

/* ---- setup ---- */

int session_init(int max, int per_host, int timeout, const char *token)
{
	if (max < 1 || per_host < 0 || timeout < 0)
		return -EINVAL;
	if (token && strlen(token) > SESSION_UUID_LEN)
		return -E2BIG;
	max_count = max;
	max_per_host = per_host;
	default_timeout = timeout;
	if (token)
		strcpy(initial_token, token);
	else
		random_uuid(initial_token);
	return 0;
}

const char *session_initial_token(void)
{
	return initial_token;
}

int session_check_initial_token(const char *token)
{
	return token_matches(initial_token, token);
}

/* ---- the store: lists, under store_lock ---- */

static void rank_unlink(struct session *s)
{
	int r = s->listed_rank;

	if (s->prev)
		s->prev->next = s->next;
	else
		rank_head[r] = s->next;
	if (s->next)
		s->next->prev = s->prev;
	else
		rank_tail[r] = s->prev;
	s->prev = s->next = NULL;
}

static void rank_push(struct session *s, int r)
{
	s->listed_rank = r;
	s->prev = NULL;
	s->next = rank_head[r];
	if (rank_head[r])
		rank_head[r]->prev = s;
	else
		rank_tail[r] = s;
	rank_head[r] = s;
}

static struct host *host_get(const char *name, int create)
{
	struct host **p = &hosts[hash_text(name, 0) % HOST_BUCKETS], *h;
	size_t len;

	for (h = *p; h; h = h->next)
		if (!strcmp(h->name, name))
			return h;
	if (!create)
		return NULL;
	len = strlen(name);
	h = calloc(1, sizeof *h + len + 1);
	if (h) {
		memcpy(h->name, name, len + 1);
		h->next = *p;
		*p = h;
	}
	return h;
}

static void host_unlink(struct session *s)
{
	struct host *h = s->host, **p;

	if (!h)
		return;
	if (s->host_prev)
		s->host_prev->host_next = s->host_next;
	else
		h->head = s->host_next;
	if (s->host_next)
		s->host_next->host_prev = s->host_prev;
	else
		h->tail = s->host_prev;
	s->host_prev = s->host_next = NULL;
	s->host = NULL;
	if (--h->count == 0) {
		for (p = &hosts[hash_text(h->name, 0) % HOST_BUCKETS]; *p != h; p = &(*p)->next);
		*p = h->next;
		free(h);
	}
}

static void host_push(struct session *s, struct host *h)
{
	s->host = h;
	s->host_prev = NULL;
	s->host_next = h->head;
	if (h->head)
		h->head->host_prev = s;
	else
		h->tail = s;
	h->head = s;
	h->count++;
}

/* Most recent first in its lists. */
static void store_touch(struct session *s)
{
	struct host *h = s->host;

	rank_unlink(s);
	rank_push(s, s->listed_rank);
	if (h && s->host_prev) {
		s->host_prev->host_next = s->host_next;
		if (s->host_next)
			s->host_next->host_prev = s->host_prev;
		else
			h->tail = s->host_prev;
		s->host_prev = NULL;
		s->host_next = h->head;
		h->head->host_prev = s;
		h->head = s;
	}
}

static void store_insert(struct session *s, struct host *h)
{
	unsigned b = hash_text(s->uuid, 1) % BUCKETS;

	s->hnext = buckets[b];
	buckets[b] = s;
	rank_push(s, rank_of(s));
	if (h && s->listed_rank <= 1)
		host_push(s, h);
	s->stored = 1;
	count++;
}

/* Removes 's' from the store; the caller drops the store's reference. */
static void store_remove(struct session *s)
{
	struct session **p = &buckets[hash_text(s->uuid, 1) % BUCKETS];

	while (*p != s)
		p = &(*p)->hnext;
	*p = s->hnext;
	s->hnext = NULL;
	rank_unlink(s);
	host_unlink(s);
	s->stored = 0;
	count--;
}

/* The least recent session of rank 'r' that only the store references (expired, when 'only_expired'). */
static struct session *idle_in_rank(int r, time_t t, int only_expired)
{
	struct session *s;
	int n;

	for (s = rank_tail[r], n = 0; s && n < EVICT_SCAN; s = s->prev, n++) {
		/* most recent first: the tail expires first */
		if (only_expired && !expired(s, t))
			return NULL;
		if (atomic_load(&s->refcount) == 1)
			return s;
	}
	return NULL;
}

static struct session *idle_of_host(struct host *h)
{
	struct session *s;
	int n;

	for (s = h->tail, n = 0; s && n < EVICT_SCAN; s = s->host_prev, n++)
		if (atomic_load(&s->refcount) == 1)
			return s;
	return NULL;
}

/*
 * A victim to make room for a session of 'rank': an expired one first,
 * then the least recent of the lowest rank up to 'rank', never a logged-in
 * one (rank 3: only expiry ends it, even when the store shrinks back after
 * a logged-in session is released). Unstored; the caller drops the store's
 * reference. NULL when none.
 */
static struct session *evict_one(int rank, time_t t)
{
	struct session *s = NULL;
	int r;

	for (r = 0; !s && r < RANKS; r++)
		s = idle_in_rank(r, t, 1);
	for (r = 0; !s && r <= rank && r < RANK_LOGGED_IN; r++)
		s = idle_in_rank(r, t, 0);
	if (s) {
		if (!expired(s, t))
			LOGD("session %s evicted (store full)", s->uuid);
		store_remove(s);
	}
	return s;
}

/* ---- life cycle ---- */

static void cookie_free_call(void *closure)
{
	struct cookie *c = closure;

	c->freecb(c->value);
}

/* Calls the free function of 'c' (no lock held): binding code under the guard. */
static void cookie_release(struct cookie *c)
{
	if (!c->freecb || !c->value)
		return;
	if (c->site)
		fault_guard(c->site, "context free function", NULL, NULL, cookie_free_call, c);
	else
		c->freecb(c->value);
}

static void destroy(struct session *s)
{
	struct cookie *c;

	if (hook_wants(HOOK_SESSION, HOOK_SESSION_CLOSE))
		hook_session(s->uuid, HOOK_SESSION_CLOSE);
	while ((c = s->cookies) != NULL) {
		s->cookies = c->next;
		cookie_release(c);
		free(c);
	}
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->made);
	free(s);
}

static struct session *alloc_session(int timeout)
{
	struct session *s = calloc(1, sizeof *s);

	if (!s)
		return NULL;
	atomic_init(&s->refcount, 1);
	s->timeout = timeout;
	atomic_init(&s->expiry, (long long)now() + timeout);
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->made, NULL);
	random_uuid(s->uuid);
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

struct session *session_ref(struct session *s)
{
	atomic_fetch_add_explicit(&s->refcount, 1, memory_order_relaxed);
	return s;
}

/* Drops the store's references of 'victims' (no lock held). */
static void drop_all(struct session **victims, int n)
{
	while (n > 0)
		session_unref(victims[--n]);
}

void session_unref(struct session *s)
{
	struct session *victims[2];
	int n = 0, r;

	if (!s)
		return;
	r = atomic_fetch_sub_explicit(&s->refcount, 1, memory_order_acq_rel);
	if (r == 1) {
		destroy(s);	/* the store had let it go: nobody can find it */
		return;
	}
	/* only the store holds it now: the store may have grown past its bound meanwhile */
	if (r == 2 && atomic_load(&count) > max_count && s->stored
	    && atomic_load_explicit(&s->refcount, memory_order_relaxed) == 1) {
		pthread_mutex_lock(&store_lock);
		while (n < 2 && count > max_count && s->stored && (victims[n] = evict_one(rank_of(s), now())))
			n++;
		pthread_mutex_unlock(&store_lock);
		drop_all(victims, n);
	}
}

static struct session *find(const char *uuid)
{
	struct session *s;

	for (s = buckets[hash_text(uuid, 1) % BUCKETS]; s; s = s->hnext)
		if (!strcasecmp(s->uuid, uuid))
			return s;
	return NULL;
}

struct session *session_find(const char *uuid)
{
	struct session *s, *dead = NULL;

	if (!uuid || strlen(uuid) != SESSION_UUID_LEN)
		return NULL;
	pthread_mutex_lock(&store_lock);
	s = find(uuid);
	if (s && expired(s, now())) {
		store_remove(s);
		dead = s;	/* the store's reference, dropped unlocked */
		s = NULL;
	}
	if (s) {
		session_ref(s);
		touch(s);
		store_touch(s);
	}
	pthread_mutex_unlock(&store_lock);
	session_unref(dead);
	return s;
}

struct session *session_create(const char *hostname, int validated)
{
	struct session *s, *victims[4];
	struct host *h = NULL;
	int n = 0, rank = validated ? 2 : 0;
	time_t t = now();

	s = alloc_session(default_timeout);
	if (!s)
		return NULL;
	atomic_init(&s->validated, validated != 0);
	atomic_init(&s->refcount, 2);	/* the caller's and the store's */
	pthread_mutex_lock(&store_lock);
	if (hostname && max_per_host && !validated) {
		h = host_get(hostname, 1);
		/* the host's own anonymous sessions make room for it first */
		if (h && h->count >= max_per_host && (victims[n] = idle_of_host(h)) != NULL) {
			store_remove(victims[n++]);
			h = host_get(hostname, 1);	/* removing its last session freed it */
		}
	}
	/* room in the store, and a little more when it grew past its bound */
	while (n < 4 && count >= max_count && (victims[n] = evict_one(rank, t)) != NULL)
		n++;
	if (h)
		h = host_get(hostname, 1);
	store_insert(s, h);
	pthread_mutex_unlock(&store_lock);
	drop_all(victims, n);
	if (hook_wants(HOOK_SESSION, HOOK_SESSION_CREATE))
		hook_session(s->uuid, HOOK_SESSION_CREATE);
	return s;
}

struct session *session_get(const char *uuid, const char *host, int *created)
{
	struct session *s = session_find(uuid);

	*created = s == NULL;
	return s ? s : session_create(host, 0);
}

/* Moves 's' to the list of its current rank. */
static void rerank(struct session *s)
{
	int r = rank_of(s);

	if (atomic_load(&s->listed_rank) == r || !atomic_load(&s->stored))
		return;
	pthread_mutex_lock(&store_lock);
	if (s->stored && s->listed_rank != r) {
		rank_unlink(s);
		rank_push(s, r);
		/* authenticated: no longer an anonymous session of its host */
		if (r >= 2)
			host_unlink(s);
	}
	pthread_mutex_unlock(&store_lock);
}

int session_rank(struct session *s)
{
	return rank_of(s);
}

const char *session_uuid(const struct session *s)
{
	return s->uuid;
}

/* ---- token ---- */

void session_token(struct session *s, char *buf)
{
	pthread_mutex_lock(&s->lock);
	strcpy(buf, s->token);
	pthread_mutex_unlock(&s->lock);
}

int session_check_token(struct session *s, const char *token)
{
	char current[SESSION_UUID_LEN + 1];

	if (!token)
		return 0;
	session_token(s, current);
	if (!token_matches(current, token))
		return 0;
	if (!atomic_exchange(&s->validated, 1))
		rerank(s);
	return 1;
}

void session_renew_token(struct session *s, char *buf)
{
	char token[SESSION_UUID_LEN + 1];

	random_uuid(token);
	pthread_mutex_lock(&s->lock);
	strcpy(s->token, token);
	pthread_mutex_unlock(&s->lock);
	touch(s);
	if (!atomic_exchange(&s->renewed, 1))
		rerank(s);
	if (buf)
		strcpy(buf, token);
	if (hook_wants(HOOK_SESSION, HOOK_SESSION_RENEW))
		hook_session(s->uuid, HOOK_SESSION_RENEW);
}

/* ---- cookies ---- */

/* The cookie of 'key', created when 'create'. Session lock held. */
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

/* Sets the value of 'c' to 'value'; the old one goes to 'old'. Session lock held. */
static void cookie_assign(struct session *s, struct cookie *c, void *value, void (*freecb)(void *),
			  const struct fault_site *site, struct cookie *old)
{
	memset(old, 0, sizeof *old);
	if (c->value != value) {
		*old = *c;
		if (c->value && !value)
			atomic_fetch_sub(&s->values, 1);
		else if (!c->value && value)
			atomic_fetch_add(&s->values, 1);
	}
	c->value = value;
	c->freecb = freecb;
	c->site = site;
}

void *session_cookie_get(struct session *s, const void *key)
{
	struct cookie *c;
	void *value;

	pthread_mutex_lock(&s->lock);
	c = cookie_of(s, key, 0);
	value = c ? c->value : NULL;
	pthread_mutex_unlock(&s->lock);
	return value;
}

int session_cookie_set(struct session *s, const void *key, void *value, void (*freecb)(void *),
		       const struct fault_site *site)
{
	struct cookie *c, old;

	pthread_mutex_lock(&s->lock);
	c = cookie_of(s, key, value != NULL);
	if (!c) {
		pthread_mutex_unlock(&s->lock);
		return value ? -ENOMEM : 0;
	}
	cookie_assign(s, c, value, freecb, site, &old);
	pthread_mutex_unlock(&s->lock);
	cookie_release(&old);
	rerank(s);
	return 0;
}

void *session_cookie_make(struct session *s, const void *key,
			  void *(*makecb)(void *closure), void (*freecb)(void *), void *closure,
			  const struct fault_site *site)
{
	struct cookie *c, old, lost;
	void *value, *made;

	pthread_mutex_lock(&s->lock);
	c = cookie_of(s, key, 1);	/* never freed before the session: the pointer stays valid */
	while (c && !c->value && c->making) {
		if (pthread_equal(c->maker, pthread_self())) {
			/* makecb wants what it is making */
			pthread_mutex_unlock(&s->lock);
			return NULL;
		}
		pthread_cond_wait(&s->made, &s->lock);
	}
	if (!c || c->value) {
		value = c ? c->value : NULL;
		pthread_mutex_unlock(&s->lock);
		return value;
	}
	c->making = 1;
	c->maker = pthread_self();
	pthread_mutex_unlock(&s->lock);

	made = makecb(closure);

	memset(&lost, 0, sizeof lost);
	pthread_mutex_lock(&s->lock);
	c->making = 0;
	if (made && !c->value) {
		cookie_assign(s, c, made, freecb, site, &old);
	} else if (made) {
		/* set meanwhile by session_cookie_set: that one stays */
		lost.value = made;
		lost.freecb = freecb;
		lost.site = site;
	}
	value = c->value;
	pthread_cond_broadcast(&s->made);
	pthread_mutex_unlock(&s->lock);
	cookie_release(&lost);
	rerank(s);
	return value;
}

unsigned session_get_loa(struct session *s, const void *key)
{
	struct cookie *c;
	unsigned loa;

	pthread_mutex_lock(&s->lock);
	c = cookie_of(s, key, 0);
	loa = c ? c->loa : 0;
	pthread_mutex_unlock(&s->lock);
	return loa;
}

int session_set_loa(struct session *s, const void *key, unsigned loa)
{
	struct cookie *c;

	pthread_mutex_lock(&s->lock);
	c = cookie_of(s, key, loa != 0);
	if (c) {
		if (!c->loa && loa)
			atomic_fetch_add(&s->loas, 1);
		else if (c->loa && !loa)
			atomic_fetch_sub(&s->loas, 1);
		c->loa = loa;
	}
	pthread_mutex_unlock(&s->lock);
	rerank(s);
	return c || !loa ? 0 : -ENOMEM;
}

void session_close_key(struct session *s, const void *key)
{
	struct cookie *c, old;

	memset(&old, 0, sizeof old);
	pthread_mutex_lock(&s->lock);
	c = cookie_of(s, key, 0);
	if (c) {
		if (c->loa)
			atomic_fetch_sub(&s->loas, 1);
		c->loa = 0;
		cookie_assign(s, c, NULL, NULL, NULL, &old);
	}
	pthread_mutex_unlock(&s->lock);
	cookie_release(&old);
	rerank(s);
}

/* ---- counts, end ---- */

int session_count(void)
{
	return atomic_load(&count);
}

void session_exit(void)
{
	struct session *s;
	int r;

	for (;;) {
		s = NULL;
		pthread_mutex_lock(&store_lock);
		for (r = 0; !s && r < RANKS; r++)
			s = rank_head[r];
		if (s)
			store_remove(s);
		pthread_mutex_unlock(&store_lock);
		if (!s)
			break;
		session_unref(s);
	}
}
