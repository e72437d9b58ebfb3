/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sessions: a server-made uuid, a token, an expiry extended on use, and
 * per-key (per-api) contexts and LOAs.
 *
 * The store. Sessions that clients name by uuid (HTTP, WebSocket) live in
 * a store bounded by session_init's 'max'. A session has a rank, from
 * what it holds:
 *   0  anonymous: nothing below;
 *   1  holds contexts (values set by bindings) but its token was never
 *      validated;
 *   2  a valid token was presented for it (its "authenticated" state);
 *   3  an api gave it a LOA > 0, or its token was renewed (only its
 *      client knows the token): a logged-in user.
 * Making room for a new session evicts the least recently used session
 * that no one references, of the lowest rank first, and never one of a
 * higher rank than the new session (new sessions are of rank 0, or 2 when
 * made for a request with a valid token): anonymous clients can't log a
 * user out. Sessions of ranks 0 and 1 made for one client 'host' (the
 * peer's address) are also bounded by 'max_per_host': the host's least
 * recently used one makes room. Expired sessions go first, whatever their
 * rank. Service is never refused: when nothing can be evicted, the store
 * grows, and shrinks back as sessions are released.
 *
 * Locking. The store has its own lock, held for lookups, insertion,
 * eviction and rank changes only. Each session has its own lock for its
 * token and contexts. No callback (a context's free function) is ever
 * called with a lock held, and the free functions of bindings run under
 * the fault guard.
 */
#pragma once

#include <stdint.h>

struct fault_site;
struct session;

#define SESSION_UUID_LEN 36

/*
 * 'max' sessions in the store, at most 'max_per_host' anonymous ones
 * (ranks 0 and 1) per client host (0: no such bound), 'timeout' seconds
 * of idle life, 'initial_token' (NULL: a random one, "": any presented
 * token is accepted). Returns 0 or -EINVAL, -E2BIG.
 */
int session_init(int max, int max_per_host, int timeout, const char *initial_token);
void session_exit(void);

/* The initial token of new sessions (the random one when none was given). */
const char *session_initial_token(void);

/*
 * Constant-time check of a token presented by a client that has no
 * session yet: 1 when a new session would accept it, else 0.
 */
int session_check_initial_token(const char *token);

/*
 * The live session of 'uuid' in the store, or NULL (NULL or empty uuid,
 * unknown, expired). Touches its expiry. Returns a new reference.
 */
struct session *session_find(const char *uuid);

/*
 * Creates a session in the store for a client of 'host' (NULL: not
 * counted per host), of rank 2 when 'validated' (a valid token was
 * presented), making room as said above. Returns a new reference, or NULL
 * when out of memory.
 */
struct session *session_create(const char *host, int validated);

/* session_find, or else session_create(host, 0); *created tells which. */
struct session *session_get(const char *uuid, const char *host, int *created);

/* Creates a session out of the store, with no expiry when 'timeout' is 0 (services, links, bus peers). */
struct session *session_new(int timeout);

struct session *session_ref(struct session *session);
/* Accepts NULL. */
void session_unref(struct session *session);

const char *session_uuid(const struct session *session);

/* Copies the current token into 'buf' (SESSION_UUID_LEN+1 bytes). */
void session_token(struct session *session, char *buf);

/*
 * Constant-time check of a presented token. 1 when it matches, else 0.
 * A match ranks the session as authenticated (rank 2 at least).
 */
int session_check_token(struct session *session, const char *token);

/* Replaces the token by a new random one, extends expiry, copies it to 'buf' (may be NULL). */
void session_renew_token(struct session *session, char *buf);

/*
 * Per-key values. 'key' identifies the owner (an api); the value is freed
 * with its free function when replaced, cleared or when the session ends.
 * 'site' (may be NULL: daemon code) names the binding whose free function
 * it is: it then runs under the fault guard (fault.h).
 */
void *session_cookie_get(struct session *session, const void *key);
int session_cookie_set(struct session *session, const void *key, void *value, void (*freecb)(void *),
		       const struct fault_site *site);
/*
 * Get-or-create: the value of 'key'; when it has none, makecb(closure)
 * makes it, called with no lock held (it may call the daemon and take its
 * time: only the threads that want this key of this session wait for it,
 * and get its value). makecb asking for the same key again gets NULL, not
 * a deadlock. A NULL result leaves the value unset and is returned.
 */
void *session_cookie_make(struct session *session, const void *key,
			  void *(*makecb)(void *closure), void (*freecb)(void *), void *closure,
			  const struct fault_site *site);


unsigned session_get_loa(struct session *session, const void *key);
int session_set_loa(struct session *session, const void *key, unsigned loa);

/* Resets the LOA of 'key' to 0 and frees its value (v1 CLOSE). */
void session_close_key(struct session *session, const void *key);

/* The rank of 'session' (see above; tests, monitoring). */
int session_rank(struct session *session);

/* Counts of stored sessions (tests, monitoring). */
int session_count(void);
