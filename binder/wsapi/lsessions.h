/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sessions of one proto-ws server link, by the uuid that its client
 * sends. Keyed per link, so that a peer can only reach the sessions it
 * made; they are not in the daemon's session store and end with the link
 * (or earlier, when the link holds 'max' of them: the least recently used
 * one is forgotten, its context then lives as long as running requests use
 * it).
 *
 * Threading: main thread only (calls are decoded there).
 */
#pragma once

#include <stddef.h>

struct lsessions;
struct session;

/* Returns NULL on allocation failure. */
struct lsessions *lsessions_new(size_t max);

/* Drops the table's references on its sessions. Accepts NULL. */
void lsessions_free(struct lsessions *ls);

/*
 * The session of 'uuid', created when unknown. Returns a new reference
 * (release it with session_unref) or NULL on allocation failure.
 */
struct session *lsessions_get(struct lsessions *ls, const char *uuid);

size_t lsessions_count(const struct lsessions *ls);
