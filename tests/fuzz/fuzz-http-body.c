/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz harness of what an HTTP client sends to an api call, beyond the
 * request line: bodies and query arguments (binder/http/hbody.c and
 * hargs.c, with libmicrohttpd's multipart parser and query parser).
 *
 * The first byte of the input chooses the kind, the rest is the content:
 *   'm' multipart/form-data, boundary AaB03x (fields and uploads)
 *   'M' multipart/form-data with a quoted boundary ("b=1; x")
 *   'u' application/x-www-form-urlencoded
 *   'j' application/json
 *   'g' a GET with a body (read and ignored)
 *   'q' the query string of a real request through libmicrohttpd
 *       (bytes that can't be in a request line are dropped)
 * Bodies go through hbody_begin/feed/end on connections that
 * libmicrohttpd parsed once (their headers give the content type) and
 * that stay suspended in the access handler; the body comes in chunks of
 * pseudo-random sizes. Uploads go to a temporary directory.
 * Properties: a body accepted (no HTTP error) gives args whose every
 * string and key is valid UTF-8 (binder/core/utf8.h); a refused query
 * (-EILSEQ) is one that is not UTF-8 after percent-decoding; the uploads
 * of a body are removed by its cleanup. See tests/fuzz/README.md.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <json-c/json.h>
#include <microhttpd.h>

#include "hargs.h"
#include "hbody.h"
#include "hsrv.h"
#include "fuzz-util.h"
#include "utf8.h"

static struct MHD_Daemon *daemon_;
static struct hsrv_options options;
static char updir[] = "/tmp/afb-fuzz-XXXXXX";

enum { K_MULTI, K_MULTI_QUOTED, K_FORM, K_JSON, K_GET, K_COUNT };
static const char *const heads[K_COUNT] = {
	"POST /keep HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=AaB03x\r\n",
	"POST /keep HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=\"b=1; x\"\r\n",
	"POST /keep HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded; charset=UTF-8\r\n",
	"POST /keep HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n",
	"GET /keep HTTP/1.1\r\nHost: x\r\n",
};
static struct MHD_Connection *kept[K_COUNT];
static struct MHD_Connection *captured;

/* the query connection: its client side, and what the handler saw */
static int qfd = -1;
static int qdone, qrc;
static int qutf8;

static const struct sockaddr_in peer = { .sin_family = AF_INET, .sin_port = 4242 };

/* 1 when every query key and value is UTF-8 (the percent-decoded strings) */
static enum MHD_Result scan_query(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
				  const char *value, size_t value_size)
{
	int *ok = cls;

	if (!utf8_valid_str(key) || (value && !utf8_valid(value, value_size)))
		*ok = 0;
	return MHD_YES;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *con, const char *url, const char *method,
				 const char *version, const char *upload_data, size_t *upload_data_size,
				 void **con_cls)
{
	struct json_object *args;
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if (!strcmp(url, "/keep")) {
		/* a body connection: kept suspended for the inputs */
		captured = con;
		MHD_suspend_connection(con);
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	args = json_object_new_object();
	qrc = args ? hargs_add_query(args, con) : -ENOMEM;
	qutf8 = 1;
	MHD_get_connection_values_n(con, MHD_GET_ARGUMENT_KIND, scan_query, &qutf8);
	/* refused exactly when not UTF-8 */
	if (qrc != -ENOMEM && (qrc == -EILSEQ) != !qutf8)
		abort();
	if (qrc == 0)
		fuzz_check_utf8(args);
	json_object_put(args);
	qdone = 1;
	resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	ret = MHD_queue_response(con, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void drain(int fd)
{
	char buf[4096];

	while (recv(fd, buf, sizeof buf, MSG_DONTWAIT) > 0);
}

/* A connection to MHD: returns the client side, or -1 */
static int connect_mhd(void)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	if (MHD_add_connection(daemon_, sv[0], (const struct sockaddr *)&peer, sizeof peer) != MHD_YES) {
		close(sv[1]);
		return -1;
	}
	return sv[1];
}

static void make_kept(int k)
{
	int fd = connect_mhd(), i;
	char req[512];

	if (fd < 0)
		abort();
	snprintf(req, sizeof req, "%s%s\r\n", heads[k], k == K_GET ? "Content-Length: 100\r\n" :
							      "Transfer-Encoding: chunked\r\n");
	if (send(fd, req, strlen(req), MSG_NOSIGNAL) < 0)
		abort();
	captured = NULL;
	for (i = 0; i < 1000 && !captured; i++)
		MHD_run(daemon_);
	if (!captured)
		abort();
	kept[k] = captured;
	/* the client side stays open (and unread: nothing comes) */
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int k;

	if (!mkdtemp(updir))
		abort();
	options.uploaddir = updir;
	options.max_body = 8192;
	options.max_upload = 65536;
	daemon_ = MHD_start_daemon(MHD_ALLOW_SUSPEND_RESUME | MHD_USE_NO_LISTEN_SOCKET, 0, NULL, NULL, on_access,
				   NULL, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(40 * 1024), MHD_OPTION_END);
	if (!daemon_)
		abort();
	for (k = 0; k < K_COUNT; k++)
		make_kept(k);
	return 0;
}

static uint32_t rng;

static uint32_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static void body_input(int k, const uint8_t *data, size_t size)
{
	struct json_object *args = json_object_new_object();
	struct hbody body;
	unsigned code;
	size_t off = 0, n;

	if (!args)
		return;
	code = hbody_begin(&body, kept[k], k == K_GET ? "GET" : "POST", &options, args);
	while (!code && off < size) {
		n = 1 + next() % 700;
		if (n > size - off)
			n = size - off;
		if (hbody_feed(&body, (const char *)data + off, n) < 0)
			break;
		off += n;
	}
	if (!code && off == size) {
		code = hbody_end(&body, args);
		if (!code)
			fuzz_check_utf8(args);
	}
	hbody_release_mhd(&body);
	hbody_cleanup(&body);
	json_object_put(args);
}

static void query_input(const uint8_t *data, size_t size)
{
	char *req = malloc(size + 64), *p;
	size_t i;
	int tries;

	if (!req)
		return;
	p = req + sprintf(req, "GET /q?");
	for (i = 0; i < size; i++)
		if (data[i] > ' ' && data[i] != 0x7f)
			*p++ = (char)data[i];
	p += sprintf(p, " HTTP/1.1\r\nHost: x\r\n\r\n");
	if (qfd < 0)
		qfd = connect_mhd();
	if (qfd < 0 || send(qfd, req, (size_t)(p - req), MSG_NOSIGNAL) < 0) {
		if (qfd >= 0)
			close(qfd);
		qfd = -1;
		free(req);
		return;
	}
	free(req);
	qdone = 0;
	for (tries = 0; tries < 20 && !qdone; tries++)
		MHD_run(daemon_);
	MHD_run(daemon_);
	drain(qfd);
	if (!qdone) {
		/* refused by MHD (URI too long...): start again with a new connection */
		close(qfd);
		qfd = -1;
		MHD_run(daemon_);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	rng = (uint32_t)size * 2654435761u | 1;
	switch (data[0]) {
	case 'm': body_input(K_MULTI, data + 1, size - 1); break;
	case 'M': body_input(K_MULTI_QUOTED, data + 1, size - 1); break;
	case 'u': body_input(K_FORM, data + 1, size - 1); break;
	case 'j': body_input(K_JSON, data + 1, size - 1); break;
	case 'g': body_input(K_GET, data + 1, size - 1); break;
	case 'q': query_input(data + 1, size - 1); break;
	default: break;
	}
	return 0;
}
