/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HTTP edges (issue 8 item 6, docs/http.md "Limits and bad input"):
 *  - more than 400 query arguments: 414 with a body, never a silent close;
 *  - long URLs, many or long headers, many cookies: 414 / 431 with a body;
 *  - request smuggling shapes: conflicting Content-Length, Content-Length
 *    with Transfer-Encoding, unknown transfer codings, chunked before
 *    HTTP/1.1, white space before a header's colon: refused (400, 501) and
 *    the connection closed; what libmicrohttpd refuses itself (bad
 *    Content-Length values, bad chunk sizes) too.
 * The requests are raw bytes (afbt_raw); after each, the daemon serves.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "afbtest.h"

static struct afbt_daemon *D;

/* The raw reply to 'req' (the daemon closes the connection after a refusal). */
static const char *raw(const char *req)
{
	return afbt_raw(D, req, strlen(req), 0, 3000);
}

static const char *body_of(const char *reply)
{
	const char *b = strstr(reply, "\r\n\r\n");

	return b ? b + 4 : "";
}

/*
 * A reply 'code' with a body, and the end of the connection (afbt_raw reads
 * until it). Note: libmicrohttpd 0.9.75 sends the status line and headers
 * of its own refusals twice (bad Content-Length values, cookies beyond its
 * memory): the client still gets the status, and a body.
 */
static void check_refused(const char *reply, int code, const char *info)
{
	afbt_note("%d: %.60s", afbt_raw_code(reply), body_of(reply));
	CHECK_EQ(afbt_raw_code(reply), code);
	CHECK(*body_of(reply));
	if (info)
		CHECK_CONTAINS(body_of(reply), info);
}

static void check_serving(void)
{
	CHECK_REPLY(afbt_get(D, NULL, "/api/hello/ping"), 200, "success");
}

/* "GET /api/hello/echo?a&a&...": 'n' arguments */
static char *args_request(int n, const char *arg)
{
	size_t alen = strlen(arg);
	char *req = malloc(64 + (alen + 1) * (size_t)n), *p;

	if (!req)
		afbt_fail("out of memory");
	p = req + sprintf(req, "GET /api/hello/echo?");
	for (int i = 0; i < n; i++) {
		memcpy(p, arg, alen);
		p += alen;
		*p++ = i + 1 < n ? '&' : ' ';
	}
	strcpy(p, "HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	return afbt_keep(req, free);
}

static void t_query_arguments(void)
{
	const char *reply;

	/* 400 arguments are fine, even repeated */
	reply = raw(args_request(400, "a"));
	CHECK_EQ(afbt_raw_code(reply), 200);
	CHECK_CONTAINS(reply, "\"a\":[null,null");
	/* the 2 KB of URL with 476 arguments, 401, and far more */
	check_refused(raw(args_request(476, "a")), 414, "too many query arguments");
	check_refused(raw(args_request(401, "a")), 414, "too many query arguments");
	check_refused(raw(args_request(600, "a")), 414, "too many query arguments");
	check_refused(raw(args_request(1000, "ab=c")), 414, "too many query arguments");
	check_refused(raw(args_request(10000, "a")), 414, "too many query arguments");
	/* the envelope of docs/http.md */
	CHECK_CONTAINS(raw(args_request(600, "a")), "\"status\":\"bad-request\"");
	check_serving();
}

static void t_long_url_and_headers(void)
{
	size_t n = 70000;
	char *req = malloc(n + 200), *p;
	int i;

	if (!req)
		afbt_fail("out of memory");
	afbt_keep(req, free);
	/* a URL that can't fit in the connection's memory */
	p = req + sprintf(req, "GET /api/hello/echo?a=");
	memset(p, 'x', n);
	strcpy(p + n, " HTTP/1.1\r\nHost: x\r\n\r\n");
	check_refused(raw(req), 414, NULL);
	/* one header too long, then too many headers, then too many cookies */
	p = req + sprintf(req, "GET /api/hello/ping HTTP/1.1\r\nHost: x\r\nX-Long: ");
	memset(p, 'y', n);
	strcpy(p + n, "\r\n\r\n");
	check_refused(raw(req), 431, NULL);
	p = req + sprintf(req, "GET /api/hello/ping HTTP/1.1\r\nHost: x\r\n");
	for (i = 0; i < 3000; i++)
		p += sprintf(p, "a%d: b\r\n", i);
	strcpy(p, "\r\n");
	check_refused(raw(req), 431, NULL);
	p = req + sprintf(req, "GET /api/hello/ping HTTP/1.1\r\nHost: x\r\nCookie: ");
	for (i = 0; i < 3000; i++)
		p += sprintf(p, "c%d=1; ", i);
	strcpy(p, "\r\n\r\n");
	check_refused(raw(req), 431, NULL);
	check_serving();
}

#define POST_HEAD "POST /api/hello/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"

static void t_smuggling(void)
{
	const char *reply;

	check_refused(raw(POST_HEAD "Content-Length: 7\r\nContent-Length: 9\r\n\r\n{\"a\":1}xx"), 400,
		      "conflicting Content-Length");
	check_refused(raw(POST_HEAD "Content-Length: 7\r\nTransfer-Encoding: chunked\r\n\r\n7\r\n{\"a\":1}\r\n0\r\n\r\n"),
		      400, "Content-Length with Transfer-Encoding");
	check_refused(raw(POST_HEAD "Transfer-Encoding: gzip, chunked\r\n\r\n7\r\n{\"a\":1}\r\n0\r\n\r\n"), 501,
		      "Transfer-Encoding");
	check_refused(raw(POST_HEAD "Transfer-Encoding: xchunked\r\n\r\n7\r\n{\"a\":1}\r\n0\r\n\r\n"), 501,
		      "Transfer-Encoding");
	check_refused(raw(POST_HEAD "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"
				    "7\r\n{\"a\":1}\r\n0\r\n\r\n"), 501, "Transfer-Encoding");
	check_refused(raw("POST /api/hello/echo HTTP/1.0\r\nContent-Type: application/json\r\n"
			  "Transfer-Encoding: chunked\r\n\r\n7\r\n{\"a\":1}\r\n0\r\n\r\n"), 400, "HTTP/1.1");
	/* "Content-Length : 7" is no Content-Length for libmicrohttpd: the body would be the next request */
	check_refused(raw(POST_HEAD "Content-Length : 7\r\n\r\n{\"a\":1}"), 400, "white space in a header name");
	/* refused by libmicrohttpd */
	check_refused(raw(POST_HEAD "Content-Length: 7, 7\r\n\r\n{\"a\":1}"), 400, NULL);
	check_refused(raw(POST_HEAD "Content-Length: +7\r\n\r\n{\"a\":1}"), 400, NULL);
	check_refused(raw(POST_HEAD "Transfer-Encoding: chunked\r\n\r\nzz\r\n{\"a\":1}\r\n0\r\n\r\n"), 400, NULL);
	check_refused(raw(POST_HEAD "Transfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n{\"a\":1}\r\n0\r\n\r\n"), 413,
		      NULL);
	/* still fine: repeated identical lengths, chunk extensions, plain chunked */
	reply = raw(POST_HEAD "Content-Length: 7\r\nContent-Length: 7\r\nConnection: close\r\n\r\n{\"a\":1}");
	CHECK_EQ(afbt_raw_code(reply), 200);
	reply = raw(POST_HEAD "Transfer-Encoding: Chunked\r\nConnection: close\r\n\r\n7;x=1\r\n{\"a\":1}\r\n0\r\n\r\n");
	CHECK_EQ(afbt_raw_code(reply), 200);
	CHECK_CONTAINS(reply, "\"a\":1");
	/* a refusal ends the connection: what follows is never read as a request */
	reply = raw(POST_HEAD "Content-Length: 7\r\nContent-Length: 50\r\n\r\n{\"a\":1}"
			      "GET /api/hello/pingfail HTTP/1.1\r\nHost: x\r\n\r\n");
	CHECK_EQ(afbt_raw_code(reply), 400);
	CHECK_NOT_CONTAINS(reply, "pingfail");
	CHECK_NOT_CONTAINS(reply, "fails");
	check_serving();
}

int main(int argc, char **argv)
{
	afbt_init(argc, argv);
	D = afbt_daemon_start("--binding", afbt_binding("hello"), NULL);
	afbt_run("query-arguments", t_query_arguments);
	afbt_run("long-url-and-headers", t_long_url_and_headers);
	afbt_run("smuggling", t_smuggling);
	afbt_daemon_stop(D);
	return afbt_done();
}
