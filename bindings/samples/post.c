/* SPDX-License-Identifier: Apache-2.0 */
/*
 * post: sample binding receiving HTTP POST requests.
 *
 *  - post/upload: multipart/form-data uploads. Each uploaded file is
 *    reported with its size and its FNV-1a 64-bit hash, so that a client
 *    can check that the daemon received it intact. The uploaded files are
 *    removed by the daemon when the request ends.
 *  - post/json: a request whose body is JSON (Content-Type:
 *    application/json), received as the argument of empty name "".
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>
#include <afb/afb-binding.h>

static const struct afb_binding_interface *afbitf;

#define FNV1A64_OFFSET UINT64_C(0xcbf29ce484222325)
#define FNV1A64_PRIME  UINT64_C(0x100000001b3)

/*
 * Reads the file 'path' computing its size and its FNV-1a 64-bit hash.
 * Returns 0 or -errno.
 */
static int hash_file(const char *path, uint64_t *size, uint64_t *hash)
{
	unsigned char buffer[16384];
	uint64_t h = FNV1A64_OFFSET, n = 0;
	ssize_t count, i;
	int fd, rc = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		count = read(fd, buffer, sizeof buffer);
		if (count == 0)
			break;
		if (count < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			break;
		}
		for (i = 0; i < count; i++) {
			h ^= buffer[i];
			h *= FNV1A64_PRIME;
		}
		n += (uint64_t)count;
	}
	close(fd);
	*size = n;
	*hash = h;
	return rc;
}

/*
 * Reports every uploaded file as {"name","file","path","size","fnv1a64"}
 * and every other argument as a field:
 * {"files":[...],"fields":{name:value,...}}
 */
static void upload(struct afb_req req)
{
	struct json_object *args, *files, *fields, *file, *result;
	struct json_object_iterator it, end;
	struct afb_arg arg;
	const char *name;
	uint64_t size, hash;
	char hex[17];
	int rc;

	args = afb_req_json(req);
	files = json_object_new_array();
	fields = json_object_new_object();
	if (args != NULL && json_object_is_type(args, json_type_object)) {
		it = json_object_iter_begin(args);
		end = json_object_iter_end(args);
		for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
			name = json_object_iter_peek_name(&it);
			arg = afb_req_get(req, name);
			if (arg.path == NULL) {
				/* a plain field */
				if (arg.value != NULL)
					json_object_object_add(fields, name, json_object_new_string(arg.value));
				continue;
			}
			rc = hash_file(arg.path, &size, &hash);
			if (rc < 0) {
				ERROR(afbitf, "can't read the upload %s: %s", arg.path, strerror(-rc));
				json_object_put(files);
				json_object_put(fields);
				afb_req_fail_f(req, "failed", "can't read the uploaded file of '%s'", name);
				return;
			}
			snprintf(hex, sizeof hex, "%016" PRIx64, hash);
			file = json_object_new_object();
			json_object_object_add(file, "name", json_object_new_string(name));
			json_object_object_add(file, "file", arg.value ? json_object_new_string(arg.value) : NULL);
			json_object_object_add(file, "path", json_object_new_string(arg.path));
			json_object_object_add(file, "size", json_object_new_int64((int64_t)size));
			json_object_object_add(file, "fnv1a64", json_object_new_string(hex));
			json_object_array_add(files, file);
			INFO(afbitf, "upload of '%s': %" PRIu64 " bytes at %s", name, size, arg.path);
		}
	}
	result = json_object_new_object();
	json_object_object_add(result, "files", files);
	json_object_object_add(result, "fields", fields);
	afb_req_success(req, result, NULL);
}

/*
 * Parses the whole 'text' as JSON. Returns 1 and sets *result on success
 * (the text "null" gives NULL), 0 when 'text' is not exactly one JSON value.
 */
static int parse_json(const char *text, size_t len, struct json_object **result)
{
	struct json_tokener *tok;
	struct json_object *obj;
	size_t end;
	int ok;

	if (len >= INT_MAX)
		return 0;
	tok = json_tokener_new();
	if (tok == NULL)
		return 0;
	/* the terminating zero ends a number or a literal at the end of the text */
	obj = json_tokener_parse_ex(tok, text, (int)len + 1);
	ok = json_tokener_get_error(tok) == json_tokener_success;
#if JSON_C_VERSION_NUM >= ((0 << 16) | (15 << 8))
	end = json_tokener_get_parse_end(tok);
#else
	end = (size_t)tok->char_offset;
#endif
	while (ok && end < len) /* only spaces may follow */
		ok = strchr(" \t\r\n", text[end++]) != NULL;
	json_tokener_free(tok);
	if (!ok) {
		json_object_put(obj);
		return 0;
	}
	*result = obj;
	return 1;
}

/* replies {"received":<the parsed body>,"length":<bytes of the body>} */
static void json(struct afb_req req)
{
	const char *body = afb_req_value(req, "");
	struct json_object *parsed, *result;
	size_t len;

	if (body == NULL) {
		afb_req_fail(req, "bad-request", "no JSON body (POST with Content-Type: application/json)");
		return;
	}
	len = strlen(body);
	if (!parse_json(body, len, &parsed)) {
		afb_req_fail(req, "bad-request", "the body is not valid JSON");
		return;
	}
	result = json_object_new_object();
	json_object_object_add(result, "received", parsed);
	json_object_object_add(result, "length", json_object_new_int64((int64_t)len));
	afb_req_success(req, result, NULL);
}

static const struct afb_verb_desc_v1 binding_methods[] = {
	{ .name = "upload", .session = AFB_SESSION_NONE, .callback = upload, .info = "Reports the uploaded files and fields" },
	{ .name = "json",   .session = AFB_SESSION_NONE, .callback = json,   .info = "Parses and returns the JSON body" },
	{ .name = NULL }
};

static const struct afb_binding binding_description = {
	.type = AFB_BINDING_VERSION_1,
	.v1 = {
		.prefix = "post",
		.info = "Sample binding receiving HTTP POST data",
		.methods = binding_methods
	}
};

const struct afb_binding *afbBindingV1Register(const struct afb_binding_interface *itf)
{
	afbitf = itf;
	return &binding_description;
}
