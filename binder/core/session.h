/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sessions: a server-made uuid, a token, an expiry extended on use, and
 * per-key (per-api) contexts and LOAs.  Thread-safe.
 *
 * The store is bounded by session_init's 'max': when it is full, creating
 * a session evicts the least recently used session that no one references.
 * Service is never refused: if every session is referenced the store grows.
 */
#pragma once

#include <stdint.h>

struct session;

#define SESSION_UUID_LEN 36

/*
 * 'max' sessions, 'timeout' seconds of idle life, 'initial_token' (NULL:
 * a random one, "": any presented token is accepted).
 */
int session_init(int max, int timeout, const char *initial_token);
void session_exit(void);

/* The initial token of new sessions (the random one when none was given). */
const char *session_initial_token(void);

/*
 * Finds the live session of 'uuid' (NULL or empty: none), or creates one
 * (with a new uuid) when not found, setting *created accordingly. Touches
 * its expiry. Returns a new reference, or NULL on allocation failure.
 */
struct session *session_get(const char *uuid, int *created);

/* Creates a session with no expiry when 'timeout' is 0 (services, startup calls). */
struct session *session_new(int timeout);

struct session *session_ref(struct session *session);
void session_unref(struct session *session);

const char *session_uuid(const struct session *session);

/* Copies the current token into 'buf' (SESSION_UUID_LEN+1 bytes). */
void session_token(struct session *session, char *buf);

/* Constant-time check of a presented token. 1 when it matches, else 0. */
int session_check_token(struct session *session, const char *token);

/* Replaces the token by a new random one, extends expiry, copies it to 'buf'. */
void session_renew_token(struct session *session, char *buf);

/*
 * Per-key values. 'key' identifies the owner (an api); the value is freed
 * with its free function when replaced, cleared or when the session ends.
 */
void *session_cookie_get(struct session *session, const void *key);
int session_cookie_set(struct session *session, const void *key, void *value, void (*freecb)(void *));
/* Atomic get-or-create: makecb(closure) is called, lock held, only when the value is NULL. */
void *session_cookie_make(struct session *session, const void *key,
			  void *(*makecb)(void *closure), void (*freecb)(void *), void *closure);

/*
 * For binding code that must not run under the store's lock: stores
 * (value, freecb) for 'key' unless a value is there, and returns the value
 * stored (the given one or the one found; NULL when out of memory). Never
 * calls a free function.
 */
void *session_cookie_set_if_absent(struct session *session, const void *key, void *value, void (*freecb)(void *));
/*
 * Replaces the pair of 'key' by (value, freecb) and gives the previous one
 * in *oldvalue and *oldfree: the caller frees it. Returns 0 or -ENOMEM.
 */
int session_cookie_exchange(struct session *session, const void *key, void *value, void (*freecb)(void *),
			    void **oldvalue, void (**oldfree)(void *));

unsigned session_get_loa(struct session *session, const void *key);
int session_set_loa(struct session *session, const void *key, unsigned loa);

/* Resets the LOA of 'key' to 0 and frees its value (v1 CLOSE). */
void session_close_key(struct session *session, const void *key);

/* Counts (tests, monitoring). */
int session_count(void);
