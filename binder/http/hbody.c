/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bodies of HTTP api calls. Limits are checked against Content-Length
 * before anything is read (so a client sending "Expect: 100-continue"
 * gets 413 without uploading), then against the bytes really received
 * (chunked bodies, lying clients).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <json-c/json.h>
#include <microhttpd.h>

#include "hbody.h"
#include "hargs.h"
#include "hsrv.h"
#include "utf8.h"
#include "verbose.h"

/* After a failure, how much more a client may send before it is cut off. */
#define DISCARD_MAX (1024 * 1024)

/* Buffer of MHD's multipart parser: it holds part headers, data is streamed. */
#define PP_BUFFER_SIZE 16384

struct hupload {
	struct hupload *next;
	char path[];
};

/* Records the first failure; the caller aborts what is under way. */
static void fail(struct hbody *body, unsigned code, const char *fmt, const char *detail)
{
	if (body->error)
		return;
	body->error = code;
	snprintf(body->reason, sizeof body->reason, fmt, detail);
}

static void remove_uploads(struct hbody *body)
{
	struct hupload *up;

	if (body->field_fd >= 0) {
		close(body->field_fd);
		body->field_fd = -1;
	}
	while ((up = body->uploads) != NULL) {
		body->uploads = up->next;
		if (unlink(up->path) < 0 && errno != ENOENT)
			LOGW("http: can't remove upload %s: %m", up->path);
		free(up);
	}
}

/* Stops the body processing after a failure: nothing half-uploaded stays. */
static void abort_body(struct hbody *body)
{
	hbody_release_mhd(body);
	remove_uploads(body);
	free(body->buf);
	body->buf = NULL;
	body->len = body->cap = 0;
}

/* Compares the media type of a Content-Type value, ignoring its parameters. */
static int media_is(const char *ctype, const char *type)
{
	size_t n;

	while (*ctype == ' ' || *ctype == '\t')
		ctype++;
	n = strcspn(ctype, "; \t");
	return n == strlen(type) && !strncasecmp(ctype, type, n);
}

static int append(struct hbody *body, const char *data, size_t size)
{
	size_t need = body->len + size + 1;
	char *p;

	if (need > body->cap) {
		size_t cap = body->cap ? body->cap * 2 : 1024;
		while (cap < need)
			cap *= 2;
		p = realloc(body->buf, cap);
		if (!p)
			return -ENOMEM;
		body->buf = p;
		body->cap = cap;
	}
	memcpy(body->buf + body->len, data, size);
	body->len += size;
	return 0;
}

/* Adds the finished multipart field, if any, to the args. */
static int field_end(struct hbody *body)
{
	struct json_object *value;
	int rc;

	if (!body->field_key)
		return 0;
	if (body->field_file) {
		close(body->field_fd);
		body->field_fd = -1;
		value = json_object_new_object();
		if (value) {
			json_object_object_add(value, "file", json_object_new_string(body->field_file));
			json_object_object_add(value, "path", json_object_new_string(body->uploads->path));
		}
	} else {
		if (!utf8_valid(body->buf, body->len)) {
			fail(body, MHD_HTTP_BAD_REQUEST, "%s", "invalid UTF-8 in a form field");
			return -EILSEQ;
		}
		value = json_object_new_string_len(body->len ? body->buf : "", (int)body->len);
		body->len = 0;
	}
	rc = value ? hargs_add(body->args, body->field_key, value) : -ENOMEM;
	free(body->field_key);
	free(body->field_file);
	body->field_key = body->field_file = NULL;
	body->field_size = 0;
	if (rc < 0)
		fail(body, MHD_HTTP_INTERNAL_SERVER_ERROR, "%s", "out of memory");
	return rc;
}

static int field_start(struct hbody *body, const char *key, const char *filename)
{
	struct hupload *up;
	size_t dlen = strlen(body->uploaddir);

	/* names are given to the verb: the file name of an upload too */
	if (!utf8_valid_str(key) || !utf8_valid_str(filename)) {
		fail(body, MHD_HTTP_BAD_REQUEST, "%s", "invalid UTF-8 in a form field name or file name");
		return -1;
	}
	body->field_key = strdup(key ? key : "");
	if (!body->field_key)
		goto nomem;
	if (!filename)
		return 0;
	body->field_file = strdup(filename);
	up = malloc(sizeof *up + dlen + sizeof "/afb-upload-XXXXXX");
	if (!body->field_file || !up) {
		free(up);
		goto nomem;
	}
	memcpy(up->path, body->uploaddir, dlen);
	strcpy(up->path + dlen, "/afb-upload-XXXXXX");
	body->field_fd = mkostemp(up->path, O_CLOEXEC);
	if (body->field_fd < 0) {
		LOGE("http: can't create an upload file in %s: %m", body->uploaddir);
		free(up);
		fail(body, MHD_HTTP_INTERNAL_SERVER_ERROR, "%s", "can't store the uploaded file");
		return -1;
	}
	/* listed at once: whatever happens next, cleanup removes it */
	up->next = body->uploads;
	body->uploads = up;
	return 0;
nomem:
	fail(body, MHD_HTTP_INTERNAL_SERVER_ERROR, "%s", "out of memory");
	return -1;
}

/* 1 when a call with offset 0 opens a new field (and does not continue an empty one). */
static int is_new_field(struct hbody *body, const char *key, const char *filename)
{
	if (!body->field_key || body->field_size)
		return 1;
	if (strcmp(body->field_key, key ? key : ""))
		return 1;
	if (!filename != !body->field_file)
		return 1;
	return filename && strcmp(filename, body->field_file);
}

static int write_all(int fd, const char *data, size_t size)
{
	ssize_t n;

	while (size) {
		n = write(fd, data, size);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		data += n;
		size -= (size_t)n;
	}
	return 0;
}

/* MHD's multipart iterator: called per chunk of each field, 'off' growing. */
static enum MHD_Result on_field(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
				const char *content_type, const char *transfer_encoding, const char *data,
				uint64_t off, size_t size)
{
	struct hbody *body = cls;
	int rc;

	if (body->error)
		return MHD_NO;
	if (off == 0 && is_new_field(body, key, filename)) {
		if (field_end(body) < 0 || field_start(body, key, filename) < 0)
			return MHD_NO;
	}
	if (!size)
		return MHD_YES;
	body->field_size += size;
	if (body->field_file) {
		rc = write_all(body->field_fd, data, size);
		if (rc < 0) {
			LOGE("http: can't write an upload file: %s", strerror(-rc));
			fail(body, MHD_HTTP_INTERNAL_SERVER_ERROR, "%s", "can't store the uploaded file");
			return MHD_NO;
		}
		return MHD_YES;
	}
	body->text_total += size;
	if (body->text_total > body->max_text) {
		fail(body, MHD_HTTP_CONTENT_TOO_LARGE, "%s", "form fields too large");
		return MHD_NO;
	}
	if (append(body, data, size) < 0) {
		fail(body, MHD_HTTP_INTERNAL_SERVER_ERROR, "%s", "out of memory");
		return MHD_NO;
	}
	return MHD_YES;
}

/* Gets the boundary parameter of a multipart Content-Type into body->delim. */
static int set_delimiter(struct hbody *body, const char *ctype)
{
	const char *p = ctype;
	size_t n;

	while ((p = strchr(p, ';')) != NULL) {
		for (p++; *p == ' ' || *p == '\t'; p++);
		if (strncasecmp(p, "boundary=", 9))
			continue;
		p += 9;
		if (*p == '"') {
			p++;
			n = strcspn(p, "\"");
		} else {
			n = strcspn(p, "; \t");
		}
		/* RFC 2046: 1 to 70 characters */
		if (n == 0 || n > 70)
			return -1;
		memcpy(body->delim, "--", 2);
		memcpy(body->delim + 2, p, n);
		body->delim_len = n + 2;
		return 0;
	}
	return -1;
}

/* Notes whether the delimiter occurs in the stream, even across chunks. */
static void look_for_delimiter(struct hbody *body, const char *data, size_t size)
{
	size_t keep = body->delim_len - 1, n;
	char joint[2 * sizeof body->delim];

	if (body->delim_seen)
		return;
	n = size < keep ? size : keep;
	memcpy(joint, body->delim_tail, body->delim_tail_len);
	memcpy(joint + body->delim_tail_len, data, n);
	if (memmem(joint, body->delim_tail_len + n, body->delim, body->delim_len)
	    || memmem(data, size, body->delim, body->delim_len)) {
		body->delim_seen = 1;
		return;
	}
	/* the tail is the last 'keep' bytes of the stream */
	if (size >= keep) {
		memcpy(body->delim_tail, data + size - keep, keep);
		body->delim_tail_len = keep;
	} else {
		n = body->delim_tail_len + size;
		memcpy(joint, body->delim_tail, body->delim_tail_len);
		memcpy(joint + body->delim_tail_len, data, size);
		body->delim_tail_len = n < keep ? n : keep;
		memcpy(body->delim_tail, joint + n - body->delim_tail_len, body->delim_tail_len);
	}
}

/* 1 when the client waits for "100 Continue" before sending its body */
static int expects_continue(struct MHD_Connection *con)
{
	const char *v = MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_EXPECT);

	return v && strcasestr(v, "100-continue");
}

unsigned hbody_begin(struct hbody *body, struct MHD_Connection *con, const char *method,
		     const struct hsrv_options *options, struct json_object *args)
{
	const char *cl, *te, *ctype;
	unsigned long long length = 0;
	int has_body;

	memset(body, 0, sizeof *body);
	body->field_fd = -1;
	body->args = args;
	body->uploaddir = options->uploaddir ? options->uploaddir : ".";
	body->max_text = options->max_body;
	body->limit = options->max_body;

	/* MHD has already refused a malformed Content-Length */
	cl = MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	te = MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
	if (cl)
		length = strtoull(cl, NULL, 10);
	has_body = te != NULL || length > 0;
	if (!has_body)
		return 0;

	if (strcmp(method, MHD_HTTP_METHOD_POST)) {
		body->kind = HBODY_IGNORE;
	} else {
		ctype = MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
		if (!ctype) {
			fail(body, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "%s", "a body needs a Content-Type");
			return body->error;
		}
		if (media_is(ctype, "application/json")) {
			body->kind = HBODY_JSON;
		} else if (media_is(ctype, "application/x-www-form-urlencoded")) {
			body->kind = HBODY_FORM;
		} else if (media_is(ctype, "multipart/form-data")) {
			body->kind = HBODY_MULTIPART;
			body->limit = options->max_upload;
			/* NULL when the boundary parameter is missing */
			body->pp = MHD_create_post_processor(con, PP_BUFFER_SIZE, on_field, body);
			if (!body->pp || set_delimiter(body, ctype) < 0) {
				fail(body, MHD_HTTP_BAD_REQUEST, "%s", "bad multipart/form-data content type");
				return body->error;
			}
		} else {
			fail(body, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported content type %.80s", ctype);
			return body->error;
		}
	}
	if (length > body->limit) {
		fail(body, MHD_HTTP_CONTENT_TOO_LARGE, "%s",
		     body->kind == HBODY_MULTIPART ? "upload too large" : "body too large");
		/*
		 * A client that asked "Expect: 100-continue" waits: it gets the
		 * 413 now and sends nothing. Another one is already sending:
		 * answering now closes the connection under it, and its next
		 * writes can reset the connection before it reads the 413. So a
		 * body up to the limit plus DISCARD_MAX is read and dropped, and
		 * the 413 comes at its end; a longer one is answered now.
		 */
		if (expects_continue(con) || length - body->limit > DISCARD_MAX)
			return body->error;
		abort_body(body);
		body->discard_max = (size_t)length;
	}
	return 0;
}

int hbody_feed(struct hbody *body, const char *data, size_t size)
{
	if (!body->error) {
		body->received += size;
		if (body->received > body->limit) {
			fail(body, MHD_HTTP_CONTENT_TOO_LARGE, "%s",
			     body->kind == HBODY_MULTIPART ? "upload too large" : "body too large");
		} else {
			switch (body->kind) {
			case HBODY_JSON:
			case HBODY_FORM:
				if (append(body, data, size) < 0)
					fail(body, MHD_HTTP_INTERNAL_SERVER_ERROR, "%s", "out of memory");
				return 0;
			case HBODY_MULTIPART:
				look_for_delimiter(body, data, size);
				if (MHD_post_process(body->pp, data, size) == MHD_YES)
					return 0;
				fail(body, MHD_HTTP_BAD_REQUEST, "%s", "malformed multipart body");
				break;
			default:
				return 0;
			}
		}
		abort_body(body);
	}
	body->discarded += size;
	return body->discarded > (body->discard_max ? body->discard_max : DISCARD_MAX) ? -1 : 0;
}

unsigned hbody_end(struct hbody *body, struct json_object *args)
{
	const char *reason = NULL;
	int rc = 0;

	if (!body->error) {
		switch (body->kind) {
		case HBODY_JSON:
			/* an empty body adds nothing, as when there is no body */
			if (!body->len)
				break;
			body->buf[body->len] = 0;
			rc = hargs_add_json_body(args, body->buf, body->len, &reason);
			if (rc == -EINVAL)
				fail(body, MHD_HTTP_BAD_REQUEST, "invalid JSON body: %s", reason);
			else if (rc == -EILSEQ)
				fail(body, MHD_HTTP_BAD_REQUEST, "%s", "invalid UTF-8 in the JSON body");
			break;
		case HBODY_FORM:
			if (body->len)
				rc = hargs_add_urlencoded(args, body->buf, body->len);
			if (rc == -EILSEQ)
				fail(body, MHD_HTTP_BAD_REQUEST, "%s", "invalid UTF-8 in the form");
			break;
		case HBODY_MULTIPART:
			/* destroying flushes the last field; it fails on a truncated body */
			if (MHD_destroy_post_processor(body->pp) != MHD_YES)
				fail(body, MHD_HTTP_BAD_REQUEST, "%s", "incomplete multipart body");
			else if (!body->delim_seen)
				fail(body, MHD_HTTP_BAD_REQUEST, "%s", "malformed multipart body");
			body->pp = NULL;
			if (!body->error)
				field_end(body);
			break;
		default:
			break;
		}
		if (rc == -ENOMEM)
			fail(body, MHD_HTTP_INTERNAL_SERVER_ERROR, "%s", "out of memory");
	}
	if (body->error)
		abort_body(body);
	free(body->buf);
	body->buf = NULL;
	body->len = body->cap = 0;
	return body->error;
}

int hbody_owns_file(const struct hbody *body, const char *path)
{
	const struct hupload *up;

	for (up = body->uploads; up && path; up = up->next)
		if (!strcmp(up->path, path))
			return 1;
	return 0;
}

void hbody_release_mhd(struct hbody *body)
{
	if (body->pp) {
		MHD_destroy_post_processor(body->pp);
		body->pp = NULL;
	}
}

void hbody_cleanup(struct hbody *body)
{
	remove_uploads(body);
	free(body->buf);
	free(body->field_key);
	free(body->field_file);
	body->buf = body->field_key = body->field_file = NULL;
}
