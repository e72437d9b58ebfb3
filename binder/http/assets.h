/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The daemon's own web files, built into it (binder/web/, embedded by
 * binder/web/embed.py): /afb/ (AFB.js, afb.mjs, afb.d.ts) and
 * /monitoring/ (the monitoring page and the api explorer). Main thread.
 */
#pragma once

#include <stddef.h>

struct MHD_Connection;

struct asset {
	const char *path;		/* "/afb/AFB.js" */
	const char *type;		/* Content-Type */
	const unsigned char *data;
	size_t size;
	const char *etag;		/* quoted, from the content */
};

/* The table, ended by a NULL path (generated). */
extern const struct asset assets_table[];

/* The asset at 'path' exactly, or NULL. */
const struct asset *assets_find(const char *path);

/*
 * Serves 'url' when it is under one of the NULL-terminated 'prefixes'
 * ("/afb", "/monitoring"): the asset, index.html for the directory,
 * a redirection from the bare prefix to "prefix/", 404 for a missing
 * file, 405 for a method other than GET and HEAD. Returns 1 when a
 * response was queued, 0 when 'url' is under none of the prefixes,
 * -errno when queuing failed.
 */
int assets_serve(struct MHD_Connection *con, const char *url, const char *method,
		 const char *const *prefixes);
