/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An HTTP api call: <rootapi>/<api>/<verb>, turned into an xreq.
 *
 * Threading: everything runs on the main thread except the xreq reply
 * and destroy hooks, which may run on any thread and never touch MHD.
 *
 * Lifetime: two references. MHD's (the connection's *con_cls) is dropped
 * by hreq_release when MHD completes the request (reply sent, client gone
 * or server stopping); the xreq's is dropped by its destroy hook. The
 * last one frees the request and removes its uploaded files, so they
 * exist until the verb has replied and the core has let go.
 */
#pragma once

#include <stddef.h>
#include <microhttpd.h>

struct hsrv;
struct hreq;
struct json_object;

/*
 * First call of the access handler for an api call ('method' is GET,
 * HEAD or POST). 'api' and 'verb' point into the URL (lengths given) and
 * are copied. Either sets *con_cls to a new hreq, or queues an error reply
 * at once. Returns what the access handler returns.
 */
enum MHD_Result hreq_begin(struct hsrv *hsrv, struct MHD_Connection *con, const char *method,
			   const char *api, size_t api_len, const char *verb, size_t verb_len,
			   void **con_cls);

/* Next calls of the access handler for 'hreq' (body chunks, end, resume). */
enum MHD_Result hreq_access(struct hreq *hreq, struct MHD_Connection *con, const char *upload_data,
			    size_t *upload_data_size);

/* MHD completed the request: drops MHD's reference. */
void hreq_release(struct hreq *hreq);

/*
 * Server shutdown: resumes every suspended request so that MHD can close
 * its connection (the access handler then declines it).
 */
void hreq_resume_all(struct hsrv *hsrv);

/*
 * Session lookup shared with the WebSocket upgrade. From the headers of
 * 'con', its cookie 'cookie_name' and 'args' (may be NULL), in the order
 * of docs/http.md. Results are borrowed from 'con' or 'args' (NULL: none).
 */
const char *hreq_find_uuid(struct MHD_Connection *con, struct json_object *args, const char *cookie_name);
const char *hreq_find_token(struct MHD_Connection *con, struct json_object *args);
