/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The body of an HTTP api call, received chunk by chunk on the main
 * thread and turned into args: JSON, urlencoded form, or multipart form
 * with file uploads streamed into temporary files.
 *
 * Lifetime: hbody_begin on the first call of the access handler,
 * hbody_feed for each chunk, hbody_end on the last call (before the
 * dispatch), hbody_release_mhd before MHD forgets the connection (main
 * thread), hbody_cleanup when the request is freed (any thread: it only
 * frees memory and removes the uploaded files).
 */
#pragma once

#include <stddef.h>

struct json_object;
struct MHD_Connection;
struct MHD_PostProcessor;
struct hsrv_options;
struct hupload;

enum hbody_kind {
	HBODY_NONE,		/* no body expected */
	HBODY_IGNORE,		/* GET/HEAD with a body: read and dropped */
	HBODY_JSON,
	HBODY_FORM,		/* application/x-www-form-urlencoded */
	HBODY_MULTIPART,
};

struct hbody {
	enum hbody_kind kind;
	unsigned error;			/* HTTP status of a failure, 0 while fine */
	char reason[160];		/* text of the failure */
	size_t limit;			/* max body bytes for this kind */
	size_t received;		/* body bytes seen */
	size_t discarded;		/* bytes dropped after a failure */
	size_t discard_max;		/* of them before the connection is cut (0: DISCARD_MAX) */
	char *buf;			/* JSON or form body, or current multipart text field */
	size_t len, cap;		/* cap > len: room for a terminator */
	size_t text_total;		/* bytes of multipart text fields (limit: max_body) */
	size_t max_text;
	struct json_object *args;	/* borrowed: where multipart fields go */
	struct MHD_PostProcessor *pp;	/* multipart parser, main thread only */
	const char *uploaddir;		/* borrowed from the config */
	/* current multipart field */
	char *field_key;
	char *field_file;		/* client file name, NULL for a text field */
	int field_fd;			/* temp file of the current upload, or -1 */
	size_t field_size;
	struct hupload *uploads;	/* created temp files, removed at cleanup */
	/* multipart: MHD skips text before the first delimiter, so a body
	 * without any delimiter would pass as an empty form: look for one */
	char delim[76];			/* "--" boundary */
	size_t delim_len;
	char delim_tail[76];		/* last bytes seen, for a delimiter across chunks */
	size_t delim_tail_len;
	int delim_seen;
};

/*
 * Looks at the method and headers of 'con' to get ready for the body.
 * Multipart fields will be added to 'args' (borrowed; it must stay alive
 * until hbody_end). Returns 0, or an HTTP status to reply at once
 * (413 too large, 415 unsupported type, 400 bad multipart header) with
 * body->reason set.
 */
unsigned hbody_begin(struct hbody *body, struct MHD_Connection *con, const char *method,
		     const struct hsrv_options *options, struct json_object *args);

/*
 * Consumes one chunk. After a failure the following data is dropped.
 * Returns 0, or -1 when the connection should be closed (a client that
 * keeps sending after a failure).
 */
int hbody_feed(struct hbody *body, const char *data, size_t size);

/*
 * Ends the body and adds its args to 'args'. Returns 0 or an HTTP status
 * (400, 413, 500) with body->reason set.
 */
unsigned hbody_end(struct hbody *body, struct json_object *args);

/*
 * 1 when 'path' is a file uploaded with this body. Any thread once the
 * body has ended (the list no longer changes until hbody_cleanup).
 */
int hbody_owns_file(const struct hbody *body, const char *path);

/* Drops the MHD post processor, if any. Main thread. */
void hbody_release_mhd(struct hbody *body);

/* Frees the buffers and removes the uploaded files. Any thread. */
void hbody_cleanup(struct hbody *body);
