/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Built-in web files (see assets.h). They change only with the daemon:
 * clients revalidate them (no-cache) and get 304 while the ETag holds.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <microhttpd.h>

#include "assets.h"
#include "hsrv-internal.h"

const struct asset *assets_find(const char *path)
{
	const struct asset *a;

	for (a = assets_table; a->path; a++)
		if (!strcmp(a->path, path))
			return a;
	return NULL;
}

static int queue_asset(struct MHD_Connection *con, const struct asset *a, const char *method)
{
	const char *inm = MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
	int head = !strcmp(method, MHD_HTTP_METHOD_HEAD), unchanged = inm && strstr(inm, a->etag) != NULL;
	struct MHD_Response *resp;
	enum MHD_Result ret = MHD_NO;

	resp = MHD_create_response_from_buffer(head || unchanged ? 0 : a->size, (void *)a->data,
					       MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return -ENOMEM;
	if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, a->type) == MHD_YES
	    && MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, a->etag) == MHD_YES
	    && MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache") == MHD_YES
	    && MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff") == MHD_YES)
		ret = MHD_queue_response(con, unchanged ? MHD_HTTP_NOT_MODIFIED : MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret == MHD_YES ? 1 : -EIO;
}

int assets_serve(struct MHD_Connection *con, const char *url, const char *method,
		 const char *const *prefixes)
{
	const struct asset *a;
	const char *tail;
	char path[256], location[128];
	size_t len;

	for (; prefixes && *prefixes; prefixes++) {
		len = strlen(*prefixes);
		tail = hsrv_match_prefix(url, *prefixes, len);
		if (!tail)
			continue;
		if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
			return hsrv_queue_simple(con, MHD_HTTP_METHOD_NOT_ALLOWED, NULL, MHD_HTTP_HEADER_ALLOW,
						 "GET, HEAD") == MHD_YES ? 1 : -EIO;
		if (!*tail) {
			snprintf(location, sizeof location, "%s/", *prefixes);
			return hsrv_queue_simple(con, MHD_HTTP_MOVED_PERMANENTLY, NULL, MHD_HTTP_HEADER_LOCATION,
						 location) == MHD_YES ? 1 : -EIO;
		}
		/* the table has the prefix spelled in lower case */
		if (snprintf(path, sizeof path, "%s%s%s", *prefixes, tail, tail[strlen(tail) - 1] == '/' ? "index.html" : "")
		    >= (int)sizeof path || !(a = assets_find(path)))
			return hsrv_queue_simple(con, MHD_HTTP_NOT_FOUND, "Not Found\n", NULL, NULL) == MHD_YES ? 1 : -EIO;
		return queue_asset(con, a, method);
	}
	return 0;
}
