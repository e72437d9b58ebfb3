/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Static files: a directory served under a URL prefix (--roothttp at "",
 * each --alias at its prefix), never outside that directory.
 * Main thread only. Rules in docs/http.md ("Static files").
 */
#pragma once

struct files_root;
struct MHD_Connection;

/*
 * Opens 'dir' (a relative path is taken against the directory 'basefd')
 * to serve it under the URL path 'prefix' ("" for everything; copied, a
 * trailing '/' is dropped). A 'strict' root answers 404 for a missing
 * file and 405 for a method other than GET and HEAD; a relaxed one lets
 * the request fall through. 'cache_eol' is the max-age in seconds.
 * Returns 0 or -errno.
 */
int files_root_new(struct files_root **out, int basefd, const char *dir, const char *prefix,
		   int strict, int cache_eol);

/* Frees 'root' and the roots chained after it. Accepts NULL. */
void files_root_free(struct files_root *root);

/* Chains roots (aliases): 'next' is owned by 'root' afterwards. */
void files_root_set_next(struct files_root *root, struct files_root *next);
struct files_root *files_root_next(struct files_root *root);

/*
 * Serves 'url' (the decoded path) when it is under the prefix of 'root'.
 * Returns 1 when a response was queued, 0 when the request is not for
 * this root (or missing under a relaxed root), or -errno when queuing
 * failed (the caller should close the connection).
 */
int files_serve(struct files_root *root, struct MHD_Connection *con, const char *url, const char *method);
