/* SPDX-License-Identifier: Apache-2.0 */
/*
 * afbtest: HTTP requests (libcurl) and JSON replies (json-c).
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "afbtest.h"
#include "afbt-internal.h"

#define DEFAULT_TIMEOUT_MS 30000L

/* ----------------------------------------------------------------- buffers */

struct buf {
	char *data;
	size_t size, cap;
};

static size_t buf_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct buf *b = userdata;
	size_t n = size * nmemb;

	if (b->size + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->size + n + 1)
			cap *= 2;
		char *d = realloc(b->data, cap);
		if (!d)
			return 0;
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->size, ptr, n);
	b->size += n;
	b->data[b->size] = 0;
	return n;
}

static char *buf_take(struct buf *b)
{
	if (!b->data)
		b->data = calloc(1, 1);
	return afbt_keep(b->data, free);
}

/* ----------------------------------------------------------------- clients */

struct afbt_client {
	CURLSH *share;
};

static void client_free(void *p)
{
	struct afbt_client *c = p;

	curl_share_cleanup(c->share);
	free(c);
}

struct afbt_client *afbt_client_new(void)
{
	struct afbt_client *c = afbt_xmalloc(sizeof *c);

	c->share = curl_share_init();
	if (!c->share)
		afbt_fail("curl_share_init failed");
	curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_COOKIE);
	return afbt_keep(c, client_free);
}

/* --------------------------------------------------------------- requests */

static void resp_free(void *p)
{
	struct afbt_resp *r = p;

	json_object_put(r->json);
	free(r);
}

static struct curl_slist *make_headers(const struct afbt_req *req)
{
	struct curl_slist *list = NULL;

	for (const char *const *h = req->headers; h && *h; h++)
		list = curl_slist_append(list, *h);
	if (req->content_type)
		list = curl_slist_append(list, afbt_fmt("Content-Type: %s", req->content_type));
	return list;
}

static curl_mime *make_mime(CURL *curl, const struct afbt_req *req)
{
	curl_mime *mime = curl_mime_init(curl);

	for (int i = 0; i < req->nparts; i++) {
		const struct afbt_part *p = &req->parts[i];
		curl_mimepart *part = curl_mime_addpart(mime);

		curl_mime_name(part, p->name);
		if (p->data || p->filename) {
			curl_mime_data(part, p->data ? p->data : "", p->data ? p->size : 0);
			curl_mime_filename(part, p->filename ? p->filename : "file");
		} else {
			curl_mime_data(part, p->value ? p->value : "", CURL_ZERO_TERMINATED);
		}
		if (p->type)
			curl_mime_type(part, p->type);
	}
	return mime;
}

static void set_method(CURL *curl, const struct afbt_req *req)
{
	if (req->head) {
		curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
		return;
	}
	if (req->body) {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, req->body);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)(req->size ? req->size : strlen(req->body)));
	} else if (req->method && !strcasecmp(req->method, "POST") && !req->nparts) {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, 0L);
	}
	/* curl sends POST with a body, GET without: anything else is custom */
	if (req->method && strcmp(req->method, req->body || req->nparts ? "POST" : "GET")
	    && strcmp(req->method, "POST"))
		curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, req->method);
}

static void parse_json(struct afbt_resp *r, CURL *curl)
{
	char *ctype = NULL;

	curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &ctype);
	if (ctype && !strncasecmp(ctype, "application/json", 16) && r->size)
		r->json = json_tokener_parse(r->body);
}

struct afbt_resp *afbt_http(struct afbt_daemon *d, const struct afbt_req *req)
{
	struct afbt_resp *r = afbt_keep(afbt_xmalloc(sizeof *r), resp_free);
	struct buf body = { 0 }, headers = { 0 };
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hlist;
	curl_mime *mime = NULL;
	double t0 = afbt_now();
	CURL *curl;

	if (!d)
		afbt_fail("no daemon to send the request to (did its start fail?)");
	curl = curl_easy_init();
	if (!curl)
		afbt_fail("curl_easy_init failed");
	curl_easy_setopt(curl, CURLOPT_URL, afbt_fmt("%s%s", d->url, req->path ? req->path : "/"));
	curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_PROXY, "");
	curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, req->timeout_ms ? req->timeout_ms : DEFAULT_TIMEOUT_MS);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, buf_write);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, buf_write);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, &headers);
	if (req->client) {
		curl_easy_setopt(curl, CURLOPT_SHARE, req->client->share);
		curl_easy_setopt(curl, CURLOPT_COOKIEFILE, "");
	}
	hlist = make_headers(req);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hlist);
	if (req->nparts) {
		mime = make_mime(curl, req);
		curl_easy_setopt(curl, CURLOPT_MIMEPOST, mime);
	}
	set_method(curl, req);

	r->curl_code = curl_easy_perform(curl);
	if (r->curl_code != CURLE_OK)
		r->error = afbt_strdup(errbuf[0] ? errbuf : curl_easy_strerror(r->curl_code));
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r->code);
	r->headers = buf_take(&headers);
	r->size = body.size;
	r->body = buf_take(&body);
	parse_json(r, curl);
	r->seconds = afbt_now() - t0;

	curl_mime_free(mime);
	curl_slist_free_all(hlist);
	curl_easy_cleanup(curl);
	return r;
}

struct afbt_resp *afbt_get(struct afbt_daemon *d, struct afbt_client *c, const char *fmt, ...)
{
	va_list ap;
	struct afbt_req req = { .client = c };

	va_start(ap, fmt);
	req.path = afbt_vfmt(fmt, ap);
	va_end(ap);
	return afbt_http(d, &req);
}

struct afbt_resp *afbt_get_h(struct afbt_daemon *d, struct afbt_client *c, const char *const *headers,
			     const char *fmt, ...)
{
	va_list ap;
	struct afbt_req req = { .client = c, .headers = headers };

	va_start(ap, fmt);
	req.path = afbt_vfmt(fmt, ap);
	va_end(ap);
	return afbt_http(d, &req);
}

struct afbt_resp *afbt_post_json(struct afbt_daemon *d, struct afbt_client *c, const char *json,
				 const char *fmt, ...)
{
	va_list ap;
	struct afbt_req req = { .client = c, .body = json, .content_type = "application/json" };

	va_start(ap, fmt);
	req.path = afbt_vfmt(fmt, ap);
	va_end(ap);
	return afbt_http(d, &req);
}

/* ---------------------------------------------------------------- replies */

const char *afbt_header(const struct afbt_resp *resp, const char *name)
{
	size_t len = strlen(name);
	const char *line = resp->headers;

	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t n = end ? (size_t)(end - line) : strlen(line);

		if (n > len && line[len] == ':' && !strncasecmp(line, name, len)) {
			const char *v = line + len + 1;
			while (*v == ' ' || *v == '\t')
				v++;
			while (n > (size_t)(v - line) && (line[n - 1] == '\r' || line[n - 1] == ' '))
				n--;
			return afbt_fmt("%.*s", (int)(n - (size_t)(v - line)), v);
		}
		line = end ? end + 1 : NULL;
	}
	return NULL;
}

/* Follows 'path'; *found tells whether it exists (its value may be JSON null). */
static struct json_object *jget(struct json_object *obj, const char *path, int *found)
{
	char key[256];

	*found = 1;
	while (path && *path) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);

		if (n >= sizeof key)
			n = sizeof key - 1;
		memcpy(key, path, n);
		key[n] = 0;
		path = dot ? dot + 1 : NULL;
		if (json_object_is_type(obj, json_type_object)) {
			if (!json_object_object_get_ex(obj, key, &obj))
				return *found = 0, NULL;
		} else if (json_object_is_type(obj, json_type_array)) {
			char *e;
			long i = strtol(key, &e, 10);
			if (*e || i < 0 || (size_t)i >= json_object_array_length(obj))
				return *found = 0, NULL;
			obj = json_object_array_get_idx(obj, (size_t)i);
		} else {
			return *found = 0, NULL;
		}
	}
	return obj;
}

struct json_object *afbt_jget(struct json_object *obj, const char *path)
{
	int found;

	return jget(obj, path, &found);
}

struct json_object *afbt_json(const struct afbt_resp *resp, const char *path)
{
	return resp && resp->json ? afbt_jget(resp->json, path) : NULL;
}

const char *afbt_jstr(const struct afbt_resp *resp, const char *path)
{
	struct json_object *o;
	int found;

	if (!resp || !resp->json)
		return NULL;
	o = jget(resp->json, path, &found);
	if (!found)
		return NULL;
	if (json_object_is_type(o, json_type_string))
		return json_object_get_string(o);
	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
}

const char *afbt_status(const struct afbt_resp *resp)
{
	return afbt_jstr(resp, "request.status");
}

const char *afbt_info(const struct afbt_resp *resp)
{
	return afbt_jstr(resp, "request.info");
}

const char *afbt_describe(const struct afbt_resp *resp)
{
	if (!resp)
		return "(no response)";
	if (resp->error)
		return afbt_fmt("transport error %d: %s", resp->curl_code, resp->error);
	return afbt_fmt("HTTP %ld, %zu bytes: %.600s%s", resp->code, resp->size, resp->body,
			resp->size > 600 ? "..." : "");
}

void afbt_check_reply(const char *file, int line, const struct afbt_resp *resp, long code,
		      const char *status)
{
	const char *ctype;

	if (!resp || resp->code != code)
		afbt_fail_at(file, line, "expected HTTP %ld, got %s", code, afbt_describe(resp));
	ctype = afbt_header(resp, "Content-Type");
	if (!resp->json)
		afbt_fail_at(file, line, "expected a JSON reply (Content-Type: %s), got %s",
			     ctype ? ctype : "none", afbt_describe(resp));
	if (!afbt_streq(afbt_jstr(resp, "jtype"), "afb-reply"))
		afbt_fail_at(file, line, "expected jtype afb-reply, got %s", afbt_describe(resp));
	if (!afbt_streq(afbt_status(resp), status))
		afbt_fail_at(file, line, "expected request.status \"%s\", got %s", status,
			     afbt_describe(resp));
}

const char *afbt_urlencode(const char *s)
{
	char *e = curl_easy_escape(NULL, s, 0);
	const char *r = afbt_strdup(e);

	curl_free(e);
	return r;
}

/* -------------------------------------------------------------------- raw */

static int raw_connect(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0)
		afbt_fail("socket: %m");
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		close(fd);
		afbt_fail("connect to port %d: %m", port);
	}
	return fd;
}

static void raw_send(int fd, const char *p, size_t size)
{
	while (size) {
		ssize_t n = send(fd, p, size, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;	/* the peer may close early: read what it said */
		}
		p += n;
		size -= (size_t)n;
	}
}

const char *afbt_raw(struct afbt_daemon *d, const void *data, size_t size, int shut, long timeout_ms)
{
	struct buf b = { 0 };
	double end = afbt_now() + timeout_ms / 1000.0;
	char chunk[4096];
	int fd;

	if (!d)
		afbt_fail("no daemon to send the request to (did its start fail?)");
	fd = raw_connect(d->port);

	raw_send(fd, data, size);
	if (shut)
		shutdown(fd, SHUT_WR);
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		long left = (long)((end - afbt_now()) * 1000);
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			break;
		n = recv(fd, chunk, sizeof chunk, 0);
		if (n <= 0)
			break;
		buf_write(chunk, 1, (size_t)n, &b);
	}
	close(fd);
	return buf_take(&b);
}

int afbt_raw_code(const char *reply)
{
	int code = 0;

	if (reply && sscanf(reply, "HTTP/1.%*d %d", &code) == 1)
		return code;
	return 0;
}
