/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Static files: --roothttp and --alias, MIME types, caching, HEAD,
 * redirects and every way out of the roots.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "afbtest.h"

#define SECRET "TOP-SECRET-CONTENT"

static struct afbt_daemon *D;
static const char *tmp, *root, *icons;

static const unsigned char png[] = {
	0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 0x0d, 'I', 'H', 'D', 'R', 0, 0, 0, 1
};

static void put(const char *dir, const char *name, const char *text)
{
	afbt_write_file(afbt_fmt("%s/%s", dir, name), text, strlen(text));
}

static void make_tree(void)
{
	tmp = afbt_tempdir();
	root = afbt_fmt("%s/www", tmp);
	icons = afbt_fmt("%s/icons", tmp);
	put(root, "index.html", "<html>root index</html>");
	put(root, "style.css", "body { color: red; }");
	put(root, "app.js", "console.log('hi');");
	afbt_write_file(afbt_fmt("%s/img.png", root), png, sizeof png);
	put(root, "data.json", "{\"k\":1}");
	put(root, "sp ace.txt", "space");
	put(root, "blob.xyz", "unknown type");
	put(root, "page.HTM", "<p>upper</p>");
	put(root, "sub/index.html", "<html>sub index</html>");
	put(root, "noindex/file.txt", "file in noindex");
	put(icons, "icon.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>");
	put(tmp, "secret.txt", SECRET);
	put(tmp, "outside/secret.txt", SECRET);
	if (symlink(afbt_fmt("%s/secret.txt", tmp), afbt_fmt("%s/link.txt", root)) < 0
	    || symlink(afbt_fmt("%s/outside", tmp), afbt_fmt("%s/linkdir", root)) < 0
	    || symlink("/etc/passwd", afbt_fmt("%s/passwd", root)) < 0
	    || symlink(afbt_fmt("%s/secret.txt", tmp), afbt_fmt("%s/link.txt", icons)) < 0
	    || symlink("sub/index.html", afbt_fmt("%s/inside.html", root)) < 0
	    || symlink("sub", afbt_fmt("%s/subdir-link", root)) < 0)
		afbt_fail("symlink: %m");
}

static struct afbt_resp *get(const char *path)
{
	return afbt_http(D, &(struct afbt_req){ .path = path });
}

static void check_file(const char *path, const char *mime, const char *content)
{
	struct afbt_resp *r = get(path);
	const char *ct;

	if (r->code != 200)
		afbt_fail("GET %s: %s", path, afbt_describe(r));
	ct = afbt_header(r, "Content-Type");
	CHECK(ct != NULL);
	if (strncmp(ct, mime, strlen(mime)))
		afbt_fail("GET %s: Content-Type %s, expected %s", path, ct, mime);
	if (content)
		CHECK_STR(r->body, content);
}

static void t_mime(void)
{
	struct afbt_resp *r;

	check_file("/index.html", "text/html", "<html>root index</html>");
	check_file("/style.css", "text/css", "body { color: red; }");
	check_file("/data.json", "application/json", "{\"k\":1}");
	check_file("/img.png", "image/png", NULL);
	check_file("/icons/icon.svg", "image/svg+xml", NULL);
	check_file("/app.js", "text/javascript", "console.log('hi');");
	check_file("/blob.xyz", "application/octet-stream", "unknown type");
	check_file("/page.HTM", "text/html", "<p>upper</p>");
	check_file("/noindex/file.txt", "text/plain", NULL);
	r = get("/img.png");
	CHECK_EQ(r->size, sizeof png);
	CHECK(!memcmp(r->body, png, sizeof png));
	r = get("/sp%20ace.txt");
	CHECK_EQ(r->code, 200);
	CHECK_STR(r->body, "space");
}

static void t_root_and_dirs(void)
{
	struct afbt_resp *r = get("/");

	CHECK_EQ(r->code, 200);
	CHECK_STR(r->body, "<html>root index</html>");
	r = get("/sub/");
	CHECK_EQ(r->code, 200);
	CHECK_STR(r->body, "<html>sub index</html>");
	r = get("/sub");
	CHECK_EQ(r->code, 301);
	CHECK_CONTAINS(afbt_header(r, "Location"), "/sub/");
	r = get("/sub?x=1&y=a%20b");
	CHECK_EQ(r->code, 301);
	CHECK_CONTAINS(afbt_header(r, "Location"), "/sub/?x=1&y=a%20b");
	/* a directory without index.html */
	r = get("/noindex/");
	CHECK_EQ(r->code, 404);
	check_file("/noindex/file.txt", "text/plain", "file in noindex");
}

static void t_cache(void)
{
	struct afbt_resp *r = get("/style.css");
	const char *etag, *cc;
	size_t n;

	CHECK_EQ(r->code, 200);
	cc = afbt_header(r, "Cache-Control");
	CHECK_CONTAINS(cc, "max-age=1234");
	etag = afbt_header(r, "ETag");
	CHECK(etag != NULL);
	n = strlen(etag);
	CHECK(n > 2 && etag[0] == '"' && etag[n - 1] == '"');

	r = afbt_http(D, &(struct afbt_req){ .path = "/style.css",
		.headers = (const char *[]){ afbt_fmt("If-None-Match: %s", etag), NULL } });
	CHECK_EQ(r->code, 304);
	CHECK_EQ(r->size, 0);
	r = afbt_http(D, &(struct afbt_req){ .path = "/style.css",
		.headers = (const char *[]){ "If-None-Match: \"other\"", NULL } });
	CHECK_EQ(r->code, 200);
	CHECK_STR(r->body, "body { color: red; }");
	r = afbt_http(D, &(struct afbt_req){ .path = "/style.css",
		.headers = (const char *[]){ afbt_fmt("If-None-Match: \"x\", %s", etag), NULL } });
	CHECK_EQ(r->code, 304);
	r = afbt_http(D, &(struct afbt_req){ .path = "/style.css",
		.headers = (const char *[]){ afbt_fmt("If-None-Match: W/%s", etag), NULL } });
	CHECK_EQ(r->code, 304);
	r = afbt_http(D, &(struct afbt_req){ .path = "/style.css",
		.headers = (const char *[]){ "If-None-Match: *", NULL } });
	CHECK_EQ(r->code, 304);
	/* another file has another tag */
	CHECK_STR_NE(afbt_header(get("/app.js"), "ETag"), etag);
}

static void t_head(void)
{
	static const char req[] = "HEAD /index.html HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
	const char *reply = afbt_raw(D, req, sizeof req - 1, 0, 5000);
	const char *end;
	struct afbt_resp *r;

	CHECK_EQ(afbt_raw_code(reply), 200);
	CHECK(strcasestr(reply, "\r\nContent-Type: text/html") != NULL);
	CHECK(strcasestr(reply, "\r\nContent-Length: 23\r\n") != NULL);
	end = strstr(reply, "\r\n\r\n");
	CHECK(end != NULL);
	CHECK_STR(end + 4, "");	/* no body */

	r = afbt_http(D, &(struct afbt_req){ .path = "/style.css", .head = 1 });
	CHECK_EQ(r->code, 200);
	CHECK(afbt_header(r, "ETag") != NULL);
}

/* 'path' must not be served (HTTP 'code') and must not leak the secret */
static void check_refused(const char *path, long code)
{
	struct afbt_resp *r = get(path);

	afbt_note("GET %s -> %ld", path, r->code);
	if (r->code != code)
		afbt_fail("GET %s: expected %ld, got %s", path, code, afbt_describe(r));
	CHECK_NOT_CONTAINS(r->body, SECRET);
	CHECK_NOT_CONTAINS(r->body, "root:");
}

/* the same with a raw request (no client-side normalisation at all) */
static void check_refused_raw(const char *path, int code)
{
	const char *req = afbt_fmt("GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", path);
	const char *reply = afbt_raw(D, req, strlen(req), 0, 5000);

	afbt_note("raw GET %s -> %d", path, afbt_raw_code(reply));
	CHECK_EQ(afbt_raw_code(reply), code);
	CHECK_NOT_CONTAINS(reply, SECRET);
	CHECK_NOT_CONTAINS(reply, "root:");
}

static void t_traversal(void)
{
	/* a ".." segment (once decoded) is 403 */
	static const char *const dotdot[] = {
		"/../secret.txt", "/../../../../etc/passwd", "/%2e%2e/secret.txt", "/%2E%2E/secret.txt",
		"/sub/../../secret.txt", "/a/../../secret.txt", "/sub/%2e%2e/%2e%2e/secret.txt",
		"/..%2fsecret.txt", "/%2e%2e%2fsecret.txt", "/sub/..%2f..%2fsecret.txt", "/.%2e/secret.txt",
		"/sub/../index.html", NULL
	};
	/* names that only look odd */
	static const char *const odd[] = { "/....//secret.txt", "//etc/passwd", "/.../secret.txt", NULL };

	for (int i = 0; dotdot[i]; i++) {
		check_refused(dotdot[i], 403);
		check_refused_raw(dotdot[i], 403);
	}
	for (int i = 0; odd[i]; i++) {
		check_refused(odd[i], 404);
		check_refused_raw(odd[i], 404);
	}
}

static void t_symlinks(void)
{
	check_refused("/link.txt", 403);
	check_refused("/passwd", 403);
	check_refused("/linkdir/secret.txt", 403);
	check_refused("/linkdir/", 403);
	check_refused("/icons/link.txt", 403);
	/* (relative) links that stay inside the root work */
	check_file("/inside.html", "text/html", "<html>sub index</html>");
	check_file("/subdir-link/index.html", "text/html", "<html>sub index</html>");
}

static void t_alias(void)
{
	struct afbt_resp *r;

	check_file("/icons/icon.svg", "image/svg+xml", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>");
	check_file("/ICONS/icon.svg", "image/svg+xml", NULL);	/* prefixes ignore case */
	check_refused("/icons/../secret.txt", 403);
	check_refused("/icons/%2e%2e/secret.txt", 403);
	check_refused("/icons/../www/index.html", 403);
	check_refused_raw("/icons/../secret.txt", 403);
	check_refused_raw("/icons/..%2f..%2fsecret.txt", 403);
	r = get("/icons/missing.svg");
	CHECK_EQ(r->code, 404);
	/* exactly the prefix: the directory */
	r = get("/icons?a=1");
	CHECK_EQ(r->code, 301);
	CHECK_STR(afbt_header(r, "Location"), "/icons/?a=1");
	CHECK_EQ(get("/icons/")->code, 404);	/* no index.html */
	/* whole segments only */
	CHECK_EQ(get("/iconsx/icon.svg")->code, 404);
	CHECK(afbt_daemon_alive(D));
}

static void t_alias_methods(void)
{
	struct afbt_resp *r = afbt_http(D, &(struct afbt_req){ .method = "POST", .path = "/icons/icon.svg",
							       .body = "x=1", .content_type = "application/x-www-form-urlencoded" });

	CHECK_EQ(r->code, 405);
	CHECK_STR(afbt_header(r, "Allow"), "GET, HEAD");
	r = afbt_http(D, &(struct afbt_req){ .method = "DELETE", .path = "/icons/icon.svg" });
	CHECK_EQ(r->code, 405);
	r = afbt_http(D, &(struct afbt_req){ .path = "/icons/icon.svg", .head = 1 });
	CHECK_EQ(r->code, 200);
}

static void t_missing(void)
{
	struct afbt_resp *r = get("/missing.html");

	CHECK_EQ(r->code, 404);
	CHECK_CONTAINS(r->body, "Not Found");
	CHECK_CONTAINS(afbt_header(r, "Content-Type"), "text/plain");
	CHECK_EQ(get("/sub/missing.html")->code, 404);
	CHECK_EQ(get("/nodir/x/y/z")->code, 404);
}

static void t_stop(void)
{
	CHECK(afbt_daemon_alive(D));
	afbt_daemon_stop(D);
}

int main(int argc, char **argv)
{
	afbt_init(argc, argv);
	make_tree();
	D = afbt_daemon_start("--roothttp", root, "--alias", afbt_fmt("/icons:%s", icons),
			      "--cache-eol", "1234", "--binding", afbt_binding("hello"), NULL);

	afbt_run("mime-types", t_mime);
	afbt_run("root-and-directories", t_root_and_dirs);
	afbt_run("cache-etag-304", t_cache);
	afbt_run("head", t_head);
	afbt_run("traversal", t_traversal);
	afbt_run("symlinks-outside", t_symlinks);
	afbt_run("alias", t_alias);
	afbt_run("alias-methods-405", t_alias_methods);
	afbt_run("missing-404", t_missing);
	afbt_run("stop", t_stop);
	return afbt_done();
}
