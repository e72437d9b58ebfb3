/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The HTTP server: one libmicrohttpd daemon in epoll mode, without any
 * thread of its own, driven by the sd-event loop (main thread):
 *  - MHD's epoll fd is one io source: readable means "call MHD_run";
 *  - after each MHD_run a timer is set from MHD_get_timeout (connection
 *    timeouts); "run again at once" is the kick, soon work of the loop
 *    (mainloop.h): it runs once per turn, beside the source the turn
 *    dispatched (a defer source, as it was, went before every other
 *    source while it was re-armed, and it is at every turn under load);
 *  - a reply resumes its connection and kicks MHD (hreq.c).
 * WebSockets over TLS (wss), with libmicrohttpd 0.9.75 (Debian 12): MHD
 * relays the upgraded connection through the TLS session over a socket
 * pair, with buffers taken from what is free in the connection's memory
 * pool at the upgrade. Nothing is ever free then: the reply's headers
 * were built in a write buffer grown over the whole free pool, and 0.9.75
 * does not release it before the upgrade (later releases do). So the
 * relay always gets MHD's 8-byte emergency buffer: 4 bytes each way per
 * MHD_run, and its speed is the number of MHD_run. A kick runs MHD up to
 * HSRV_RELAY_RUNS times while such relays are open and MHD says it has
 * work left (2 otherwise). The defer source was as fast only because it
 * ran MHD again before anything else at every turn.
 * Also 0.9.75: when a relay that its user closed ends, MHD resumes the
 * connection itself, and nothing tells us (MHD drops its wake-up channel
 * when it has no thread; MHD_get_timeout does not count resumes): only
 * the next MHD_run closes the socket. run_more makes that run (see there).
 * As soon work, without it, a wss client waited for its close until its
 * own timeout (10 s); the defer source got that run by chance (its io
 * event, left pending while the defer went first, made one more run).
 * All of it runs on the thread that currently runs the loop, one at a
 * time; MHD is never entered from elsewhere.
 * Routing (first call of the access handler), by decreasing priority:
 * WebSocket hook at <rootapi>, api calls under <rootapi>, aliases,
 * the built-in files (/afb/, /monitoring/), --roothttp, then 404.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <json-c/json.h>

#include "hsrv-internal.h"
#include "hreq.h"
#include "files.h"
#include "assets.h"
#include "mainloop.h"
#include "peer.h"
#include "verbose.h"

/* ---- helpers shared with hreq.c and files.c ---- */

const char *hsrv_match_prefix(const char *url, const char *prefix, size_t prefix_len)
{
	const char *tail;

	if (prefix_len && strncasecmp(url, prefix, prefix_len))
		return NULL;
	tail = url + prefix_len;
	return *tail == '/' || !*tail ? tail : NULL;
}

enum MHD_Result hsrv_queue_simple(struct MHD_Connection *con, unsigned code, const char *body,
				  const char *header, const char *value)
{
	struct MHD_Response *resp;
	enum MHD_Result ret = MHD_NO;

	resp = MHD_create_response_from_buffer(body ? strlen(body) : 0, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	if ((!body || MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain") == MHD_YES)
	    && (!header || MHD_add_response_header(resp, header, value) == MHD_YES))
		ret = MHD_queue_response(con, code, resp);
	MHD_destroy_response(resp);
	return ret;
}

enum MHD_Result hsrv_queue_refusal(struct hsrv *hsrv, struct MHD_Connection *con, const char *url, unsigned code,
				   const char *info)
{
	struct json_object *envelope, *request;
	struct MHD_Response *resp;
	enum MHD_Result ret = MHD_NO;
	const char *text;
	char *plain = NULL;
	int is_api = url && hsrv_match_prefix(url, hsrv->rootapi, hsrv->rootapi_len);

	if (!is_api) {
		if (asprintf(&plain, "%s\n", info) < 0)
			return MHD_NO;
		ret = hsrv_queue_simple(con, code, plain, NULL, NULL);
		free(plain);
		return ret;
	}
	/* the envelope of requests refused before they reach an api (docs/http.md) */
	envelope = json_object_new_object();
	request = json_object_new_object();
	if (!envelope || !request) {
		json_object_put(envelope);
		json_object_put(request);
		return MHD_NO;
	}
	json_object_object_add(envelope, "jtype", json_object_new_string("afb-reply"));
	json_object_object_add(request, "status", json_object_new_string("bad-request"));
	json_object_object_add(request, "info", json_object_new_string(info));
	json_object_object_add(envelope, "request", request);
	text = json_object_to_json_string_ext(envelope, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	resp = text ? MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY) : NULL;
	if (resp) {
		if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json") == MHD_YES)
			ret = MHD_queue_response(con, code, resp);
		MHD_destroy_response(resp);
	}
	json_object_put(envelope);
	return ret;
}

/* ---- event loop glue ---- */

/*
 * Makes sure MHD runs again within what MHD_get_timeout asks. "Now" (work
 * left in MHD's buffers) goes to the kick, which costs no system call. A
 * deadline only moves the timer earlier: firing too soon is harmless
 * (MHD_run finds nothing to do) and it saves re-arming the timerfd on
 * every request, as the idle deadline moves with each one. While closed
 * TLS relays wait for MHD to close them, no later than HSRV_RELAY_POLL_MS.
 */
static void rearm_timer(struct hsrv *hsrv)
{
	MHD_UNSIGNED_LONG_LONG ms;
	uint64_t now, when, current;
	int enabled = 0;

	if (MHD_get_timeout(hsrv->daemon, &ms) != MHD_YES)
		ms = ULLONG_MAX;	/* no deadline */
	if (ms == 0) {
		hsrv_kick(hsrv);
		return;
	}
	/* a closed TLS relay may end between two runs (run_more): look again soon */
	if (hsrv->gate.given_back && ms > HSRV_RELAY_POLL_MS)
		ms = HSRV_RELAY_POLL_MS;
	if (ms == ULLONG_MAX)
		return;
	sd_event_now(mainloop_event(), CLOCK_MONOTONIC, &now);
	when = now + (uint64_t)ms * 1000;
	sd_event_source_get_enabled(hsrv->timer, &enabled);
	if (enabled && sd_event_source_get_time(hsrv->timer, &current) >= 0 && current <= when)
		return;
	sd_event_source_set_time(hsrv->timer, when);
	sd_event_source_set_enabled(hsrv->timer, SD_EVENT_ONESHOT);
}

/*
 * 'again': one more MHD_run at once when MHD says it has work left (it
 * keeps a connection that just sent a response ready to read the next
 * request, until a read finds nothing): the kick of replies delivered
 * then costs one loop round instead of two. Not for a run woken by input:
 * a request dispatched there is not replied yet, and a second run would
 * suspend its connection. Up to HSRV_RELAY_RUNS while TLS relays are open
 * (4 bytes each way per run, see the top).
 */
static void run_more(struct hsrv *hsrv, int again)
{
	MHD_UNSIGNED_LONG_LONG ms;
	unsigned runs;

	/* MHD_run is not re-entrant: a nested request waits for the kick */
	if (hsrv->running) {
		hsrv_kick(hsrv);
		return;
	}
	hsrv->running = 1;
	mainloop_soon_cancel(&hsrv->kick);
	MHD_run(hsrv->daemon);
	runs = again ? (hsrv->gate.relays ? HSRV_RELAY_RUNS : 2) : 1;
	while (--runs && MHD_get_timeout(hsrv->daemon, &ms) == MHD_YES && ms == 0)
		MHD_run(hsrv->daemon);
	/*
	 * A TLS relay that its user closed may have ended in these runs, and
	 * MHD then resumed its connection without telling anyone (see the
	 * top): the next run closes the socket. That run is this one. Not
	 * when MHD has work left: the kick follows, and this run could be the
	 * one that ends the relay. The end may still come between two runs
	 * (input arriving meanwhile): rearm_timer looks again soon.
	 */
	if (hsrv->gate.given_back && (MHD_get_timeout(hsrv->daemon, &ms) != MHD_YES || ms != 0))
		MHD_run(hsrv->daemon);
	hsrv->running = 0;
	rearm_timer(hsrv);
}

static void run(struct hsrv *hsrv)
{
	run_more(hsrv, 0);
}

void hsrv_run_now(struct hsrv *hsrv)
{
	run(hsrv);
}

void hsrv_kick(struct hsrv *hsrv)
{
	mainloop_soon(&hsrv->kick);
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	run(userdata);
	return 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	run(userdata);
	return 0;
}

static void on_kick(struct mainloop_soon *soon)
{
	run_more((struct hsrv *)((char *)soon - offsetof(struct hsrv, kick)), 1);
}

/* ---- MHD callbacks ---- */

/* Splits "/api/verb/..." (leading slashes skipped). 1 when both are not empty. */
static int split_api_verb(const char *tail, const char **api, size_t *alen, const char **verb, size_t *vlen)
{
	while (*tail == '/')
		tail++;
	*api = tail;
	*alen = strcspn(tail, "/");
	tail += *alen;
	while (*tail == '/')
		tail++;
	*verb = tail;
	*vlen = strcspn(tail, "/");
	return *alen && *vlen;
}

/*
 * Marks a request routed at its last call: MHD closes the connection after
 * a response queued on the first call (before the request end), which
 * would defeat keep-alive for static files and 404s.
 */
static char deferred;

/* Static files, then 404: at the end of a request without body. */
static enum MHD_Result route_static(struct hsrv *hsrv, struct MHD_Connection *con, const char *url,
				    const char *method)
{
	struct files_root *root;
	int rc;

	for (root = hsrv->aliases; root; root = files_root_next(root)) {
		rc = files_serve(root, con, url, method);
		if (rc)
			return rc > 0 ? MHD_YES : MHD_NO;
	}
	rc = assets_serve(con, url, method, hsrv->assets);
	if (rc)
		return rc > 0 ? MHD_YES : MHD_NO;
	if (hsrv->roothttp) {
		rc = files_serve(hsrv->roothttp, con, url, method);
		if (rc)
			return rc > 0 ? MHD_YES : MHD_NO;
	}
	return hsrv_queue_simple(con, MHD_HTTP_NOT_FOUND, "Not Found\n", NULL, NULL);
}

/* 1 when the request announces a body (static files take none). */
static int has_body(struct MHD_Connection *con)
{
	const char *cl = MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);

	return (cl && strtoull(cl, NULL, 10) > 0)
	       || MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
}

/* What check_framing finds in the headers. */
struct framing {
	unsigned lengths, encodings;	/* Content-Length and Transfer-Encoding headers */
	const char *length;		/* the first Content-Length */
	const char *bad;		/* the first problem */
	unsigned code;			/* its status */
};

static int is_chunked(const char *v)
{
	size_t n;

	v += strspn(v, " \t");
	n = strcspn(v, " \t");
	return n == 7 && !strncasecmp(v, "chunked", 7) && !v[n + strspn(v + n, " \t")];
}

static enum MHD_Result scan_framing(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct framing *f = cls;

	if (f->bad)
		return MHD_NO;
	if (strpbrk(key, " \t")) {
		f->bad = "white space in a header name";
	} else if (!strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH)) {
		if (f->lengths++ && strcmp(value, f->length))
			f->bad = "conflicting Content-Length headers";
		f->length = value;
	} else if (!strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING)) {
		/* no transfer coding but chunked is implemented, and only once */
		if (f->encodings++ || !is_chunked(value)) {
			f->bad = "unsupported Transfer-Encoding (only chunked is)";
			f->code = MHD_HTTP_NOT_IMPLEMENTED;
		}
	}
	if (f->bad && !f->code)
		f->code = MHD_HTTP_BAD_REQUEST;
	return f->bad ? MHD_NO : MHD_YES;
}

/*
 * Refuses the shapes of request framing that proxies and servers may read
 * differently (request smuggling), which libmicrohttpd 0.9.75 accepts:
 * two different Content-Length, Content-Length with Transfer-Encoding,
 * a transfer coding other than chunked (MHD would wait for a body it
 * can't delimit), chunked in HTTP/1.0, white space in a header name
 * ("Content-Length : 5" is not a Content-Length for MHD). MHD itself
 * refuses bad Content-Length values and malformed chunks. The refusal
 * is answered before the body, so MHD closes the connection after it.
 * Returns 0 or the HTTP status, with *why.
 */
static unsigned check_framing(struct MHD_Connection *con, const char *version, const char **why)
{
	struct framing f = { 0, 0, NULL, NULL, 0 };

	MHD_get_connection_values(con, MHD_HEADER_KIND, scan_framing, &f);
	if (!f.bad && f.lengths && f.encodings)
		f.bad = "Content-Length with Transfer-Encoding", f.code = MHD_HTTP_BAD_REQUEST;
	if (!f.bad && f.encodings && strcmp(version, MHD_HTTP_VERSION_1_1))
		f.bad = "Transfer-Encoding before HTTP/1.1", f.code = MHD_HTTP_BAD_REQUEST;
	*why = f.bad;
	return f.code;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *con, const char *url, const char *method,
				 const char *version, const char *upload_data, size_t *upload_data_size,
				 void **con_cls)
{
	struct hsrv *hsrv = cls;
	const char *tail, *api, *verb, *why;
	size_t alen, vlen;
	unsigned code;
	int rc;

	if (*con_cls == &deferred) {
		/* no body was announced: anything else is dropped */
		if (*upload_data_size) {
			*upload_data_size = 0;
			return MHD_YES;
		}
		*con_cls = NULL;
		return route_static(hsrv, con, url, method);
	}
	if (*con_cls && *con_cls != HCONN_TOO_MANY_ARGS)
		return hreq_access(*con_cls, con, upload_data, upload_data_size);
	if (hsrv->stopping)
		return MHD_NO;
	/* first call: the request line and headers are complete */
	hconn_request_started(hsrv, con);
	if (*con_cls == HCONN_TOO_MANY_ARGS) {
		*con_cls = NULL;
		return hsrv_queue_refusal(hsrv, con, url, MHD_HTTP_URI_TOO_LONG, "too many query arguments");
	}
	code = check_framing(con, version, &why);
	if (code)
		return hsrv_queue_refusal(hsrv, con, url, code, why);

	tail = hsrv_match_prefix(url, hsrv->rootapi, hsrv->rootapi_len);
	if (tail) {
		if (!*tail && hsrv->upgrade) {
			rc = hsrv->upgrade(hsrv->upgrade_closure, con, url, method, version);
			if (rc)
				return rc > 0 ? MHD_YES : MHD_NO;
		}
		if (split_api_verb(tail, &api, &alen, &verb, &vlen)) {
			if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_POST)
			    && strcmp(method, MHD_HTTP_METHOD_HEAD))
				return hsrv_queue_simple(con, MHD_HTTP_METHOD_NOT_ALLOWED, NULL,
							 MHD_HTTP_HEADER_ALLOW, "GET, HEAD, POST");
			return hreq_begin(hsrv, con, method, api, alen, verb, vlen, con_cls);
		}
	}
	/* a body is not read: answer now, MHD then closes the connection */
	if (has_body(con))
		return route_static(hsrv, con, url, method);
	*con_cls = &deferred;
	return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *con, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	if (*con_cls && *con_cls != &deferred && *con_cls != HCONN_TOO_MANY_ARGS)
		hreq_release(*con_cls);
	*con_cls = NULL;
	if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
		hconn_request_completed(cls, con);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[512];
	size_t n;

	vsnprintf(buf, sizeof buf, fmt, ap);
	n = strlen(buf);
	while (n && buf[n - 1] == '\n')
		buf[--n] = 0;
	/* about clients (bad requests, resets...): a client must not flood the log */
	LOGI("http: libmicrohttpd: %s", buf);
}

/* ---- setup ---- */

/* Reads the whole PEM file 'path' of --'option' into *text (NUL-terminated). */
static int read_pem(const char *option, const char *path, char **text)
{
	char *buf = NULL;
	size_t len = 0, size = 0;
	ssize_t n;
	int fd, rc = 0;

	*text = NULL;
	if (!path) {
		LOGE("http: --https needs --%s FILE (PEM)", option);
		return -EINVAL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		LOGE("http: can't open --%s %s: %s", option, path, strerror(-rc));
		return rc;
	}
	do {
		if (len + 1 >= size) {
			char *more = size < (1 << 20) ? realloc(buf, size = size ? 2 * size : 8192) : NULL;
			if (!more) {
				rc = -ENOMEM;
				break;
			}
			buf = more;
		}
		n = read(fd, buf + len, size - len - 1);
		if (n < 0 && errno != EINTR)
			rc = -errno;
		else if (n > 0)
			len += (size_t)n;
	} while (n != 0 && rc == 0);
	close(fd);
	if (rc == 0 && !strstr(buf ? (buf[len] = 0, buf) : "", "-----BEGIN "))
		rc = -EINVAL;
	if (rc < 0) {
		LOGE("http: can't read --%s %s: %s", option, path,
		     rc == -EINVAL ? "not a PEM file" : strerror(-rc));
		free(buf);
		return rc;
	}
	*text = buf;
	return 0;
}

/* The options of MHD_start_daemon, in an MHD_OPTION_ARRAY. */
struct mhd_opts {
	struct MHD_OptionItem items[16];
	unsigned count;
};

static void opt(struct mhd_opts *o, enum MHD_OPTION option, intptr_t value, void *ptr)
{
	o->items[o->count++] = (struct MHD_OptionItem){ option, value, ptr };
	o->items[o->count] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
}

static int start_daemon(struct hsrv *hsrv)
{
	const struct hsrv_options *options = &hsrv->options;
	unsigned int flags;
	unsigned timeout = options->http_timeout > 0 ? (unsigned)options->http_timeout : 0;
	struct mhd_opts o = { .count = 0 };
	char *cert = NULL, *key = NULL;
	int rc = 0;

	/*
	 * No internal thread: MHD runs from the sd-event loop. No listening
	 * socket either: hconn.c accepts and counts the connections.
	 */
	flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_ALLOW_UPGRADE | MHD_USE_ERROR_LOG
		| MHD_USE_NO_LISTEN_SOCKET;
	opt(&o, MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)on_mhd_log, hsrv);
	opt(&o, MHD_OPTION_CONNECTION_TIMEOUT, timeout, NULL);
	opt(&o, MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, hsrv);
	/* hconn.c: counting, deadlines, and the client peer of each connection */
	opt(&o, MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)hconn_on_notify, hsrv);
	opt(&o, MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)hconn_on_uri, hsrv);
	/* ours counts; MHD's must only not get in the way (connections shut down, not yet closed) */
	opt(&o, MHD_OPTION_CONNECTION_LIMIT, hsrv->gate.max_connections + 1024, NULL);
	opt(&o, MHD_OPTION_CONNECTION_MEMORY_LIMIT, HSRV_POOL_SIZE, NULL);
	opt(&o, MHD_OPTION_CONNECTION_MEMORY_INCREMENT, HSRV_POOL_INCREMENT, NULL);
	if (options->https) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			LOGE("http: this libmicrohttpd has no TLS support: --https is not available");
			return -ENOTSUP;
		}
		rc = read_pem("https-cert", options->https_cert, &cert);
		if (rc >= 0)
			rc = read_pem("https-key", options->https_key, &key);
		if (rc < 0)
			goto end;
		flags |= MHD_USE_TLS;
		opt(&o, MHD_OPTION_HTTPS_MEM_CERT, 0, cert);
		opt(&o, MHD_OPTION_HTTPS_MEM_KEY, 0, key);
	}
	errno = 0;
	hsrv->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_access, hsrv, MHD_OPTION_ARRAY, o.items,
					MHD_OPTION_END);
	if (!hsrv->daemon) {
		rc = errno ? -errno : -EIO;
		LOGE("http: can't start libmicrohttpd: %s", strerror(-rc));
	}
end:
	/* MHD copies neither: they must live as long as the daemon */
	hsrv->tls_cert = cert;
	hsrv->tls_key = key;
	return rc;
}

/* Opens --roothttp and the --alias directories, relative ones against --rootdir. */
static int open_roots(struct hsrv *hsrv)
{
	const struct hsrv_options *options = &hsrv->options;
	const char *const *it;
	struct files_root *root, *last = NULL;
	const char *rootdir = options->rootdir ? options->rootdir : ".";
	char *prefix;
	const char *colon;
	int basefd, rc = 0;

	if (!options->roothttp && !(options->aliases && options->aliases[0]))
		return 0;
	basefd = open(rootdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (basefd < 0) {
		rc = -errno;
		LOGE("http: can't open the root directory %s: %m", rootdir);
		return rc;
	}
	for (it = options->aliases; it && *it && rc >= 0; it++) {
		colon = strchr(*it, ':');
		if (!colon || (*it)[0] != '/') {
			LOGE("http: bad alias %s (expected /prefix:directory)", *it);
			rc = -EINVAL;
			break;
		}
		prefix = strndup(*it, (size_t)(colon - *it));
		rc = prefix ? files_root_new(&root, basefd, colon + 1, prefix, 1, options->cache_eol) : -ENOMEM;
		free(prefix);
		if (rc < 0) {
			LOGE("http: can't open the alias directory of %s: %s", *it, strerror(-rc));
			break;
		}
		/* kept in command line order: the first matching alias wins */
		if (last)
			files_root_set_next(last, root);
		else
			hsrv->aliases = root;
		last = root;
	}
	if (rc >= 0 && options->roothttp) {
		rc = files_root_new(&hsrv->roothttp, basefd, options->roothttp, "", 0, options->cache_eol);
		if (rc < 0)
			LOGE("http: can't open --roothttp %s: %s", options->roothttp, strerror(-rc));
	}
	close(basefd);
	return rc;
}

static int set_names(struct hsrv *hsrv)
{
	const char *r = hsrv->options.rootapi ? hsrv->options.rootapi : "/api";
	size_t len;

	/* canonical "/x/y": one leading '/', no trailing one, "" for the root */
	while (*r == '/')
		r++;
	len = strlen(r);
	while (len && r[len - 1] == '/')
		len--;
	if (asprintf(&hsrv->rootapi, "%s%.*s", len ? "/" : "", (int)len, r) < 0) {
		hsrv->rootapi = NULL;
		return -ENOMEM;
	}
	hsrv->rootapi_len = strlen(hsrv->rootapi);
	hsrv->cookie_path = strdup(len ? hsrv->rootapi : "/");
	return hsrv->cookie_path ? 0 : -ENOMEM;
}

int hsrv_new(struct hsrv **out, const struct hsrv_options *options, struct apiset *apiset)
{
	const union MHD_DaemonInfo *info;
	struct hsrv *hsrv;
	sd_event *ev = mainloop_event();
	int rc, n;

	if (!out || !options || !apiset || !ev)
		return -EINVAL;
	if (options->port < 0 || options->port > 65535)
		return -EINVAL;
	hsrv = calloc(1, sizeof *hsrv);
	if (!hsrv)
		return -ENOMEM;
	hsrv->options = *options;
	hsrv->apiset = apiset;
	hsrv->gate.fd = -1;
	mainloop_soon_init(&hsrv->kick, on_kick);
	hconn_set_limits(hsrv);
	n = 0;
	if (!options->no_web_client)
		hsrv->assets[n++] = "/afb";
	if (options->monitoring)
		hsrv->assets[n++] = "/monitoring";

	rc = set_names(hsrv);
	if (rc >= 0)
		rc = open_roots(hsrv);
	if (rc >= 0)
		rc = start_daemon(hsrv);
	if (rc >= 0)
		rc = hconn_listen(hsrv);
	if (rc < 0)
		goto error;
	snprintf(hsrv->cookie_name, sizeof hsrv->cookie_name, "x-afb-uuid-%d", hsrv->port);

	info = MHD_get_daemon_info(hsrv->daemon, MHD_DAEMON_INFO_EPOLL_FD);
	if (!info) {
		rc = -EIO;
		goto error;
	}
	rc = sd_event_add_io(ev, &hsrv->io, info->epoll_fd, EPOLLIN, on_io, hsrv);
	if (rc >= 0)
		rc = sd_event_add_time(ev, &hsrv->timer, CLOCK_MONOTONIC, 0, 1, on_timer, hsrv);
	if (rc < 0)
		goto error;
	rearm_timer(hsrv);
	LOGN("http: listening%s on %s port %d, api at %s/", options->https ? " (TLS)" : "",
	     options->listen_fd >= 0 ? "the socket passed by systemd," : options->interface ? options->interface : "*",
	     hsrv->port, hsrv->rootapi);
	*out = hsrv;
	return 0;
error:
	hsrv_free(hsrv);
	return rc;
}

void hsrv_free(struct hsrv *hsrv)
{
	if (!hsrv)
		return;
	hsrv->stopping = 1;
	if (hsrv->daemon) {
		/* MHD refuses to stop with suspended connections: resume them, then let MHD close them */
		hreq_resume_all(hsrv);
		if (!hsrv->running)
			MHD_run(hsrv->daemon);
		MHD_stop_daemon(hsrv->daemon);
	}
	hconn_stop(hsrv);
	sd_event_source_disable_unref(hsrv->io);
	sd_event_source_disable_unref(hsrv->timer);
	mainloop_soon_cancel(&hsrv->kick);
	files_root_free(hsrv->aliases);
	files_root_free(hsrv->roothttp);
	free(hsrv->rootapi);
	free(hsrv->cookie_path);
	free(hsrv->tls_cert);
	free(hsrv->tls_key);
	free(hsrv);
}

int hsrv_port(struct hsrv *hsrv)
{
	return hsrv ? hsrv->port : -EINVAL;
}

int hsrv_is_tls(const struct hsrv *hsrv)
{
	return hsrv->options.https != 0;
}

const char *hsrv_rootapi(const struct hsrv *hsrv)
{
	return hsrv->rootapi;
}

const char *hsrv_cookie_name(const struct hsrv *hsrv)
{
	return hsrv->cookie_name;
}

int hsrv_set_cookie(const struct hsrv *hsrv, struct MHD_Response *response, const char *uuid)
{
	char cookie[160];
	int n;

	n = snprintf(cookie, sizeof cookie, "%s=%s; Path=%s; Max-Age=%d; HttpOnly%s", hsrv->cookie_name, uuid,
		     hsrv->cookie_path, hsrv->options.session_timeout, hsrv->options.https ? "; Secure" : "");
	if (n < 0 || (size_t)n >= sizeof cookie)
		return -EINVAL;
	return MHD_add_response_header(response, MHD_HTTP_HEADER_SET_COOKIE, cookie) == MHD_YES ? 0 : -ENOMEM;
}

void hsrv_set_upgrade_handler(struct hsrv *hsrv, hsrv_upgrade_handler_t handler, void *closure)
{
	hsrv->upgrade = handler;
	hsrv->upgrade_closure = closure;
}

/* ws: see hsrv.h */
void hsrv_wake(struct hsrv *hsrv)
{
	hsrv_kick(hsrv);
}

int hsrv_busy(const struct hsrv *hsrv)
{
	return hsrv && hsrv->requests > 0;
}

void hsrv_get_counts(const struct hsrv *hsrv, struct hsrv_counts *counts)
{
	const struct hgate *g = &hsrv->gate;

	counts->open = g->total;
	counts->refused = g->refused;
	counts->evicted = g->evicted;
	counts->expired = g->expired;
	counts->max_connections = g->max_connections;
	counts->max_per_address = g->max_per_address;
}
