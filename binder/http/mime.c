/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small built-in table rather than libmagic: the served types must not
 * depend on the host, and guessing from content is a security hazard
 * (a text file sniffed as HTML).
 */
#include <string.h>
#include <strings.h>

#include "mime.h"

static const struct {
	const char *ext;
	const char *type;
} table[] = {
	{ "css", "text/css" },
	{ "gif", "image/gif" },
	{ "htm", "text/html" },
	{ "html", "text/html" },
	{ "ico", "image/x-icon" },
	{ "jpeg", "image/jpeg" },
	{ "jpg", "image/jpeg" },
	{ "js", "text/javascript" },
	{ "json", "application/json" },
	{ "mjs", "text/javascript" },
	{ "pdf", "application/pdf" },
	{ "png", "image/png" },
	{ "svg", "image/svg+xml" },
	{ "ttf", "font/ttf" },
	{ "txt", "text/plain" },
	{ "wasm", "application/wasm" },
	{ "woff", "font/woff" },
	{ "woff2", "font/woff2" },
	{ "xml", "application/xml" },
};

const char *mime_type(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *dot = strrchr(slash ? slash : path, '.');
	size_t i;

	if (dot)
		for (i = 0; i < sizeof table / sizeof *table; i++)
			if (!strcasecmp(dot + 1, table[i].ext))
				return table[i].type;
	return "application/octet-stream";
}
