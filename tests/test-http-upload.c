/* SPDX-License-Identifier: Apache-2.0 */
/*
 * POST bodies: multipart uploads, JSON bodies, urlencoded forms, limits.
 * Uses the post sample (post/upload, post/json) and hello/echo.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "afbtest.h"

#define MAX_UPLOAD 4000000	/* --max-upload */
#define MAX_BODY 100000		/* --max-body */

static struct afbt_daemon *D;

/* 'size' pseudo-random bytes (kept until exit) */
static unsigned char *random_bytes(size_t size, unsigned seed)
{
	unsigned char *p = afbt_keep(malloc(size ? size : 1), free);
	unsigned x = seed | 1;

	for (size_t i = 0; i < size; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (unsigned char)x;
	}
	return p;
}

static const char *hex64(unsigned long long h)
{
	return afbt_fmt("%016llx", h);
}

/* waits (polling) until 'path' no longer exists; 1 when gone */
static int wait_gone(const char *path, long timeout_ms)
{
	double end = afbt_now() + timeout_ms / 1000.0;

	while (afbt_file_exists(path)) {
		if (afbt_now() >= end)
			return 0;
		afbt_msleep(20);
	}
	return 1;
}

static void check_file_entry(struct afbt_resp *r, int index, const char *name, const char *filename,
			     const void *data, size_t size)
{
	const char *base = afbt_fmt("response.files.%d", index);
	const char *path;

	CHECK_STR(afbt_jstr(r, afbt_fmt("%s.name", base)), name);
	CHECK_STR(afbt_jstr(r, afbt_fmt("%s.file", base)), filename);
	CHECK_EQ(json_object_get_int64(afbt_json(r, afbt_fmt("%s.size", base))), (long long)size);
	CHECK_STR(afbt_jstr(r, afbt_fmt("%s.fnv1a64", base)), hex64(afbt_fnv1a64(data, size)));
	path = afbt_jstr(r, afbt_fmt("%s.path", base));
	CHECK(path != NULL);
	afbt_note("uploaded to %s", path);
	CHECK(wait_gone(path, 3000));
}

/* a request refused before it reaches an api: an envelope without session fields */
static void check_refused(struct afbt_resp *r, long code)
{
	CHECK_REPLY(r, code, "bad-request");
	CHECK(afbt_jstr(r, "request.uuid") == NULL);
	CHECK(afbt_header(r, "Set-Cookie") == NULL);
	CHECK(afbt_info(r) != NULL);
}

/* polls until the upload directory is empty: 1 when it is */
static int uploads_gone(void)
{
	double end = afbt_now() + 3;

	while (afbt_dir_count(D->workdir) != 0 && afbt_now() < end)
		afbt_msleep(20);
	return afbt_dir_count(D->workdir) == 0;
}

static void t_multipart_3mb(void)
{
	size_t size = 3 * 1024 * 1024;
	unsigned char *data = random_bytes(size, 42);
	struct afbt_part parts[] = {
		{ .name = "file", .filename = "data.bin", .data = data, .size = size,
		  .type = "application/octet-stream" },
		{ .name = "note", .value = "hello world" },
	};
	struct afbt_resp *r = afbt_http(D, &(struct afbt_req){ .path = "/api/post/upload", .parts = parts, .nparts = 2 });

	CHECK_REPLY(r, 200, "success");
	CHECK_EQ(json_object_array_length(afbt_json(r, "response.files")), 1);
	check_file_entry(r, 0, "file", "data.bin", data, size);
	CHECK_STR(afbt_jstr(r, "response.fields.note"), "hello world");
}

static void t_multipart_two_files(void)
{
	unsigned char *a = random_bytes(10000, 1), *b = random_bytes(1, 2);
	struct afbt_part parts[] = {
		{ .name = "first", .filename = "a.txt", .data = a, .size = 10000 },
		{ .name = "second", .filename = "b.txt", .data = b, .size = 1 },
		{ .name = "empty", .filename = "e.txt", .data = "", .size = 0 },
	};
	struct afbt_resp *r = afbt_http(D, &(struct afbt_req){ .path = "/api/post/upload", .parts = parts, .nparts = 3 });
	struct json_object *files;

	CHECK_REPLY(r, 200, "success");
	files = afbt_json(r, "response.files");
	CHECK_EQ(json_object_array_length(files), 3);
	/* the order of the args object is not specified: find each by name */
	for (int i = 0; i < 3; i++) {
		const char *name = afbt_jstr(r, afbt_fmt("response.files.%d.name", i));
		CHECK(name != NULL);
		if (!strcmp(name, "first"))
			check_file_entry(r, i, "first", "a.txt", a, 10000);
		else if (!strcmp(name, "second"))
			check_file_entry(r, i, "second", "b.txt", b, 1);
		else
			check_file_entry(r, i, "empty", "e.txt", "", 0);
	}
}

static void t_multipart_fields_only(void)
{
	struct afbt_part parts[] = {
		{ .name = "x", .value = "1" },
		{ .name = "y", .value = "two" },
	};
	struct afbt_resp *r = afbt_http(D, &(struct afbt_req){ .path = "/api/hello/echo", .parts = parts, .nparts = 2 });

	CHECK_REPLY(r, 200, "success");
	CHECK_STR(afbt_jstr(r, "response.x"), "1");
	CHECK_STR(afbt_jstr(r, "response.y"), "two");
}

static void t_upload_too_large(void)
{
	size_t size = MAX_UPLOAD + 500000;
	unsigned char *data = random_bytes(size, 7);
	struct afbt_part parts[] = { { .name = "file", .filename = "big.bin", .data = data, .size = size } };
	struct afbt_resp *r = afbt_http(D, &(struct afbt_req){ .path = "/api/post/upload", .parts = parts, .nparts = 1 });

	afbt_note("oversized upload: %s", afbt_describe(r));
	check_refused(r, 413);
	CHECK(uploads_gone());

	/* without Expect: 100-continue, the body is sent and dropped */
	r = afbt_http(D, &(struct afbt_req){ .path = "/api/post/upload", .parts = parts, .nparts = 1,
					     .headers = (const char *[]){ "Expect:", NULL } });
	afbt_note("oversized upload without Expect: %s", afbt_describe(r));
	check_refused(r, 413);
	CHECK(uploads_gone());

	/* text fields count against --max-body */
	char *text = afbt_keep(malloc(MAX_BODY + 2), free);
	memset(text, 'x', MAX_BODY + 1);
	text[MAX_BODY + 1] = 0;
	struct afbt_part fields[] = { { .name = "big", .value = text } };
	r = afbt_http(D, &(struct afbt_req){ .path = "/api/post/upload", .parts = fields, .nparts = 1 });
	check_refused(r, 413);

	/* the daemon is fine */
	CHECK_REPLY(afbt_get(D, NULL, "/api/hello/ping"), 200, "success");
}

/* a chunked body is counted as it arrives */
static void t_chunked_too_large(void)
{
	size_t chunk = 10000, count = MAX_BODY / chunk + 5;
	char *req = afbt_keep(malloc(count * (chunk + 16) + 512), free), *p = req;
	const char *reply;

	p += sprintf(p, "POST /api/post/json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
			"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
	for (size_t i = 0; i < count; i++) {
		p += sprintf(p, "%zx\r\n", chunk);
		memset(p, i == 0 ? '[' : ' ', chunk);
		p += chunk;
		p += sprintf(p, "\r\n");
	}
	p += sprintf(p, "1\r\n]\r\n0\r\n\r\n");
	reply = afbt_raw(D, req, (size_t)(p - req), 0, 10000);
	afbt_note("chunked: %.60s", reply);
	CHECK_EQ(afbt_raw_code(reply), 413);
	CHECK_REPLY(afbt_get(D, NULL, "/api/hello/ping"), 200, "success");
}

static void t_json_body(void)
{
	const char *body = "{\"name\":\"x\",\"list\":[1,2.5,true,null],\"obj\":{\"k\":\"v\"}}";
	struct afbt_resp *r = afbt_post_json(D, NULL, body, "/api/post/json");

	CHECK_REPLY(r, 200, "success");
	CHECK_STR(afbt_jstr(r, "response.received.name"), "x");
	CHECK_STR(afbt_jstr(r, "response.received.list"), "[1,2.5,true,null]");
	CHECK_STR(afbt_jstr(r, "response.received.obj.k"), "v");
	CHECK_EQ(json_object_get_int(afbt_json(r, "response.length")), (long long)strlen(body));

	/* the members of an object body are the args */
	r = afbt_post_json(D, NULL, "{\"k\":[1,{\"z\":false}]}", "/api/hello/echo");
	CHECK_REPLY(r, 200, "success");
	CHECK_STR(afbt_jstr(r, "response.k.1.z"), "false");

	/* a charset parameter is fine */
	r = afbt_http(D, &(struct afbt_req){ .path = "/api/post/json", .body = "[1,2]",
					     .content_type = "application/json; charset=utf-8" });
	CHECK_REPLY(r, 200, "success");
	CHECK_STR(afbt_jstr(r, "response.received"), "[1,2]");
}

static void t_json_invalid(void)
{
	static const char *const bad[] = { "{\"a\":", "{]", "nope", "{\"a\":1}}", NULL };

	for (int i = 0; bad[i]; i++) {
		struct afbt_resp *r = afbt_post_json(D, NULL, bad[i], "/api/post/json");
		afbt_note("body %s: %s", bad[i], afbt_describe(r));
		CHECK_REPLY(r, 400, "bad-request");
	}
}

static void t_json_too_large(void)
{
	size_t n = MAX_BODY * 2;
	char *body = afbt_keep(malloc(n + 1), free);
	struct afbt_resp *r;

	body[0] = '"';
	memset(body + 1, 'a', n - 2);
	body[n - 1] = '"';
	body[n] = 0;
	r = afbt_post_json(D, NULL, body, "/api/post/json");
	afbt_note("oversized JSON body: %s", afbt_describe(r));
	check_refused(r, 413);

	/* just under the limit is fine */
	n = MAX_BODY - 1000;
	body[n - 1] = '"';
	body[n] = 0;
	r = afbt_post_json(D, NULL, body, "/api/post/json");
	CHECK_REPLY(r, 200, "success");
	CHECK_EQ(json_object_get_int(afbt_json(r, "response.length")), (long long)n);
}

static void t_unsupported_type(void)
{
	struct afbt_resp *r = afbt_http(D, &(struct afbt_req){ .path = "/api/post/json", .body = "hello",
							       .content_type = "text/plain" });

	check_refused(r, 415);
	r = afbt_http(D, &(struct afbt_req){ .path = "/api/hello/ping", .body = "<x/>",
					     .content_type = "application/xml" });
	check_refused(r, 415);
	/* a body without Content-Type */
	r = afbt_http(D, &(struct afbt_req){ .path = "/api/hello/ping", .body = "{}",
					     .headers = (const char *[]){ "Content-Type:", NULL } });
	check_refused(r, 415);
}

static void t_urlencoded(void)
{
	struct afbt_resp *r = afbt_http(D, &(struct afbt_req){ .path = "/api/post/upload?q=query",
		.body = "a=1&b=x%20y&c=%C3%A9t%C3%A9+ok&d", .content_type = "application/x-www-form-urlencoded" });

	CHECK_REPLY(r, 200, "success");
	CHECK_STR(afbt_jstr(r, "response.fields.a"), "1");
	CHECK_STR(afbt_jstr(r, "response.fields.b"), "x y");
	CHECK_STR(afbt_jstr(r, "response.fields.c"), "\xc3\xa9t\xc3\xa9 ok");
	CHECK_STR(afbt_jstr(r, "response.fields.q"), "query");
	CHECK_EQ(json_object_array_length(afbt_json(r, "response.files")), 0);

	r = afbt_http(D, &(struct afbt_req){ .path = "/api/hello/echo",
		.body = "k=1&k=2", .content_type = "application/x-www-form-urlencoded" });
	CHECK_REPLY(r, 200, "success");
	CHECK_STR(afbt_jstr(r, "response.k"), "[\"1\",\"2\"]");
}

/* a client can't make the daemon take one of its own files for an upload */
static void t_forged_path(void)
{
	struct afbt_resp *r = afbt_post_json(D, NULL, "{\"f\":{\"file\":\"passwd\",\"path\":\"/etc/passwd\"}}",
					     "/api/post/upload");

	CHECK_REPLY(r, 200, "success");
	CHECK_EQ(json_object_array_length(afbt_json(r, "response.files")), 0);
	CHECK_NOT_CONTAINS(r->body, "fnv1a64");
}

static void t_stop(void)
{
	CHECK_REPLY(afbt_get(D, NULL, "/api/hello/ping"), 200, "success");
	afbt_daemon_stop(D);
}

int main(int argc, char **argv)
{
	afbt_init(argc, argv);
	D = afbt_daemon_start("--max-upload", afbt_fmt("%d", MAX_UPLOAD), "--max-body", afbt_fmt("%d", MAX_BODY),
			      "--binding", afbt_binding("post"), "--binding", afbt_binding("hello"), NULL);

	afbt_run("multipart-3mb", t_multipart_3mb);
	afbt_run("multipart-files", t_multipart_two_files);
	afbt_run("multipart-fields", t_multipart_fields_only);
	afbt_run("upload-too-large-413", t_upload_too_large);
	afbt_run("chunked-too-large-413", t_chunked_too_large);
	afbt_run("json-body", t_json_body);
	afbt_run("json-invalid-400", t_json_invalid);
	afbt_run("json-too-large-413", t_json_too_large);
	afbt_run("unsupported-type-415", t_unsupported_type);
	afbt_run("urlencoded", t_urlencoded);
	afbt_run("forged-upload-path", t_forged_path);
	afbt_run("stop", t_stop);
	return afbt_done();
}
