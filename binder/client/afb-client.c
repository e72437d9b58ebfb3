/* SPDX-License-Identifier: Apache-2.0 */
/*
 * afb-client: calls verbs of afb-daemon over WebSocket (x-afb-ws-json1).
 *
 *   afb-client [--json] [--keep] ws[s]://HOST:PORT/api?token=T API VERB [ARGS]
 *	calls one verb, prints its reply, exits 0 on success, 1 on failure
 *   afb-client [--json] [--keep] [--sync] ws://HOST:PORT/api?token=T
 *	reads "API VERB [ARGS]" lines from stdin, sends them at once
 *	(pipelined), prints replies and events as they come, and exits when
 *	stdin ended and every call got its reply (--keep: stays connected
 *	for events until the server closes or a signal). --sync sends a line
 *	only once the call before it was replied: the daemon runs pipelined
 *	calls concurrently, so "eventsub" then "eventpush" need it to be
 *	done in that order.
 *
 * ARGS is JSON; text that is not JSON is sent as a JSON string.
 * Output: "ON-REPLY id: api/verb" or "ON-EVENT name:" and the envelope in
 * pretty JSON; with --json, each received message as one line of JSON.
 * Exit status: 0 ok, 1 the single call failed, 2 usage, 3 connection or
 * protocol error. Frames are masked with random keys (RFC 6455 5.3).
 * wss:// goes through GnuTLS: the server's certificate is checked against
 * the system's CAs (or --cacert FILE) and the host name, unless --insecure.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <json-c/json.h>

#include "json1.h"
#include "utf8.h"
#include "wsclient.h"
#include "wsmsg.h"

#ifndef AFB_VERSION
#define AFB_VERSION "0.1.0"
#endif

#define PROTOCOL "x-afb-ws-json1"
#define EXIT_FAILED 1
#define EXIT_USAGE 2
#define EXIT_BROKEN 3
#define CONNECT_TIMEOUT_MS 10000
#define CLOSE_TIMEOUT_MS 2000
#define MAX_MESSAGE (64u << 20)
#define MAX_OUTPUT (1u << 20)	/* stop reading stdin above */

struct outbuf {
	struct outbuf *next;
	size_t off, len;
	uint8_t *data;
};

struct client {
	int fd;
	struct wsclient_tls *tls;	/* wss:// */
	struct wsmsg_rx rx;
	char *extra;
	size_t extra_len, extra_off;
	struct json_tokener *tok;
	struct outbuf *out_head, **out_tail;
	size_t out_bytes;
	char **names;			/* "api/verb" of pending calls, by id */
	size_t names_cap;
	unsigned next_id, pending;
	char *token;			/* renewed token, presented in later calls */
	int json, keep;
	int sync;			/* one call in flight at a time */
	int oneshot;
	int result;			/* one-shot: -1 waiting, 0 success, 1 failure */
	int stdin_eof;
	char *line;			/* stdin bytes without their end of line yet */
	size_t line_len, line_cap;
	int closing;			/* our close frame is queued */
	int done;			/* the server's close came, or the stream ended */
	int broken;			/* connection or protocol error */
};

static void fail(struct client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct client *c, const char *fmt, ...)
{
	va_list ap;

	fputs("afb-client: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	c->broken = 1;
	c->done = 1;
}

/* ---- output ---- */

static void send_frame(struct client *c, unsigned opcode, const void *payload, size_t len)
{
	struct outbuf *o = malloc(sizeof *o);

	if (o)
		o->data = wsclient_frame(opcode, payload, len, &o->len);
	if (!o || !o->data) {
		free(o);
		fail(c, "out of memory");
		return;
	}
	o->off = 0;
	o->next = NULL;
	*c->out_tail = o;
	c->out_tail = &o->next;
	c->out_bytes += o->len;
}

static void flush(struct client *c)
{
	struct outbuf *o;
	ssize_t n;

	while ((o = c->out_head) != NULL) {
		n = wsclient_send(c->fd, c->tls, o->data + o->off, o->len - o->off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK && !c->done)
				fail(c, "write error: %s", strerror(errno));
			return;
		}
		o->off += (size_t)n;
		c->out_bytes -= (size_t)n;
		if (o->off < o->len)
			return;
		c->out_head = o->next;
		if (!c->out_head)
			c->out_tail = &c->out_head;
		free(o->data);
		free(o);
	}
}

static void start_close(struct client *c, unsigned code)
{
	uint8_t payload[2] = { (uint8_t)(code >> 8), (uint8_t)code };

	if (c->closing)
		return;
	c->closing = 1;
	send_frame(c, WSMSG_CLOSE, payload, code ? 2 : 0);
}

/* ---- calls ---- */

/* ARGS as JSON, or as a JSON string when it is not JSON. */
static struct json_object *parse_args(struct client *c, const char *text)
{
	struct json_object *o;

	if (!*text)
		return json_object_new_object();
	json_tokener_reset(c->tok);
	o = json_tokener_parse_ex(c->tok, text, (int)strlen(text) + 1);
	if (json_tokener_get_error(c->tok) == json_tokener_success && json_tokener_get_parse_end(c->tok) >= strlen(text))
		return o;
	json_object_put(o);
	return json_object_new_string(text);
}

static void call(struct client *c, const char *api, const char *verb, const char *args)
{
	struct json_object *msg;
	const char *text;
	char id[16], **names, *repaired = NULL;
	size_t len = 0, cap;

	if (c->next_id >= c->names_cap) {
		cap = c->names_cap ? c->names_cap * 2 : 64;
		names = realloc(c->names, cap * sizeof *names);
		if (!names) {
			fail(c, "out of memory");
			return;
		}
		memset(names + c->names_cap, 0, (cap - c->names_cap) * sizeof *names);
		c->names = names;
		c->names_cap = cap;
	}
	snprintf(id, sizeof id, "%u", c->next_id);
	msg = json1_call(id, api, verb, parse_args(c, args), c->token);
	/* text frames must be UTF-8: input that is not is repaired (U+FFFD, with a warning) */
	text = msg ? utf8_json_text(msg, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len, &repaired)
		   : NULL;
	if (!text || asprintf(&c->names[c->next_id], "%s/%s", api, verb) < 0) {
		free(repaired);
		json_object_put(msg);
		fail(c, "out of memory");
		return;
	}
	send_frame(c, WSMSG_TEXT, text, len);
	free(repaired);
	json_object_put(msg);
	c->next_id++;
	c->pending++;
}

/* One line "API VERB [ARGS]" of stdin. */
static void call_line(struct client *c, char *line)
{
	char *api, *verb, *args, *end;

	api = line + strspn(line, " \t");
	if (!*api || *api == '#')
		return;
	verb = api + strcspn(api, " \t");
	if (*verb)
		*verb++ = 0;
	verb += strspn(verb, " \t");
	args = verb + strcspn(verb, " \t");
	if (*args)
		*args++ = 0;
	args += strspn(args, " \t");
	end = args + strlen(args);
	while (end > args && strchr(" \t\r", end[-1]))
		*--end = 0;
	if (!*verb) {
		fprintf(stderr, "afb-client: ignored line without verb: %s\n", api);
		return;
	}
	call(c, api, verb, args);
}

/*
 * Sends the whole lines read so far, or, with --sync, the next one when no
 * call is in flight; the unended last line goes once stdin ended.
 */
static void take_lines(struct client *c)
{
	char *start = c->line, *nl;

	while (!(c->sync && c->pending) && !c->done
	       && (nl = memchr(start, '\n', c->line_len - (size_t)(start - c->line))) != NULL) {
		*nl = 0;
		call_line(c, start);
		start = nl + 1;
	}
	c->line_len -= (size_t)(start - c->line);
	memmove(c->line, start, c->line_len);
	if (c->stdin_eof && c->line_len && !(c->sync && c->pending) && !c->done) {
		c->line[c->line_len] = 0;
		c->line_len = 0;
		call_line(c, c->line);
	}
}

static void read_stdin(struct client *c)
{
	char buf[4096], *grown;
	ssize_t n;
	size_t cap;

	n = read(0, buf, sizeof buf);
	if (n < 0 && errno == EINTR)
		return;
	if (n <= 0) {
		c->stdin_eof = 1;
		return;
	}
	if (c->line_len + (size_t)n + 1 > c->line_cap) {
		cap = c->line_cap ? c->line_cap : 4096;
		while (cap < c->line_len + (size_t)n + 1)
			cap *= 2;
		grown = realloc(c->line, cap);
		if (!grown) {
			fail(c, "out of memory");
			return;
		}
		c->line = grown;
		c->line_cap = cap;
	}
	memcpy(c->line + c->line_len, buf, (size_t)n);
	c->line_len += (size_t)n;
}

/* ---- input ---- */

static void print_json(struct client *c, struct json_object *o)
{
	puts(json_object_to_json_string_ext(o, (c->json ? JSON_C_TO_STRING_PLAIN : JSON_C_TO_STRING_PRETTY)
					    | JSON_C_TO_STRING_NOSLASHESCAPE));
}

static void on_reply(struct client *c, struct json1_msg *m)
{
	const char *sid = json_object_get_string(m->id);
	char *end;
	unsigned long id;

	errno = 0;
	id = strtoul(sid, &end, 10);
	if (errno || *end || !*sid || id >= c->next_id || !c->names[id]) {
		fail(c, "reply to an unknown call: %s", sid);
		return;
	}
	if (m->token) {
		free(c->token);
		c->token = strdup(m->token);
	}
	if (c->json) {
		print_json(c, m->root);
	} else {
		if (!c->oneshot)
			printf("ON-REPLY %lu: %s\n", id, c->names[id]);
		print_json(c, m->args);
	}
	free(c->names[id]);
	c->names[id] = NULL;
	c->pending--;
	if (c->oneshot)
		c->result = m->code == JSON1_REPLY_OK ? 0 : EXIT_FAILED;
}

static int on_message(void *closure, unsigned opcode, const char *data, size_t len)
{
	struct client *c = closure;
	struct json1_msg m;
	const char *why;

	if (opcode != WSMSG_TEXT) {
		fail(c, "binary message received");
		start_close(c, WSMSG_CLOSE_UNSUPPORTED);
		return -EPROTO;
	}
	if (json1_parse_incoming(c->tok, data, len, &m, &why) < 0) {
		fail(c, "bad message (%s): %.*s", why, len > 200 ? 200 : (int)len, data);
		start_close(c, WSMSG_CLOSE_POLICY);
		return -EPROTO;
	}
	if (m.code == JSON1_EVENT) {
		if (c->json) {
			print_json(c, m.root);
		} else {
			printf("ON-EVENT %s:\n", m.api);
			print_json(c, m.args);
		}
	} else {
		on_reply(c, &m);
	}
	json1_msg_clear(&m);
	fflush(stdout);
	return 0;
}

static ssize_t on_read(void *closure, void *buf, size_t size)
{
	struct client *c = closure;
	size_t n;
	ssize_t r;

	if (c->extra) {
		n = c->extra_len - c->extra_off;
		if (n > size)
			n = size;
		memcpy(buf, c->extra + c->extra_off, n);
		c->extra_off += n;
		if (c->extra_off == c->extra_len) {
			free(c->extra);
			c->extra = NULL;
		}
		return (ssize_t)n;
	}
	do
		r = wsclient_recv(c->fd, c->tls, buf, size);
	while (r < 0 && errno == EINTR);
	if (r > 0)
		return r;
	return r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
}

static void on_ping(void *closure, const void *data, size_t len)
{
	send_frame(closure, WSMSG_PONG, data, len);
}

static void on_close(void *closure, unsigned code, const char *reason, size_t len)
{
	struct client *c = closure;

	if (!c->closing) {
		/* the server ends: fine when nothing is pending and it says so */
		if (c->pending || (code != WSMSG_CLOSE_NORMAL && code != WSMSG_CLOSE_GOING_AWAY)) {
			fprintf(stderr, "afb-client: closed by the server: %u %.*s\n", code, (int)len, reason);
			c->broken = 1;
		}
		c->closing = 1;
		send_frame(c, WSMSG_CLOSE, (uint8_t[]){ (uint8_t)(code >> 8), (uint8_t)code },
			   code == WSMSG_CLOSE_NO_STATUS ? 0 : 2);
		flush(c);
	}
	c->done = 1;
}

static void on_error(void *closure, unsigned code, const char *why)
{
	struct client *c = closure;

	fail(c, "protocol error: %s", why);
	start_close(c, code);
	flush(c);
}

static const struct wsmsg_rx_itf rx_itf = {
	.read = on_read,
	.message = on_message,
	.ping = on_ping,
	.close = on_close,
	.error = on_error,
};

static void pump(struct client *c)
{
	int rc;

	do
		rc = wsmsg_rx_pump(&c->rx, 1000);
	while (rc == WSMSG_PAUSED && !c->done);
	if (rc == -EPIPE) {
		if (!c->closing || c->pending)
			fail(c, "connection closed by the server%s", c->pending ? " with calls pending" : "");
		c->done = 1;
	} else if (rc < 0 && rc != -EPROTO) {
		fail(c, "%s", strerror(-rc));
	}
}

/* ---- main ---- */

static void usage(FILE *out)
{
	fprintf(out,
		"usage: afb-client [OPTION]... ws[s]://HOST:PORT/PATH?token=TOKEN [API VERB [ARGS]]\n"
		"Calls verbs of afb-daemon over WebSocket (x-afb-ws-json1).\n\n"
		"With API VERB, calls it with ARGS (JSON; other text is a JSON string),\n"
		"prints the reply and exits 0 on success, 1 on failure. Without, reads\n"
		"\"API VERB [ARGS]\" lines from stdin, sends them at once and prints the\n"
		"replies and events as they come. Exit status 3: connection or protocol error.\n\n"
		"  -j, --json      print each received message as one line of JSON\n"
		"  -k, --keep      stay connected for events after the replies\n"
		"  -s, --sync      send a line of stdin only once the call before it\n"
		"                  was replied (calls run in the order of the lines)\n"
		"      --cacert=FILE  wss://: trust the CA certificates of FILE (PEM)\n"
		"                     instead of the system's\n"
		"      --insecure     wss://: do not check the server's certificate\n"
		"  -h, --help      print this help and exit\n"
		"  -V, --version   print the version and exit\n");
}

static int run(struct client *c)
{
	struct pollfd pfd[2];
	int n, nfds, timeout;

	pump(c);	/* bytes that came with the handshake */
	for (;;) {
		if (!c->oneshot && c->line_len)
			take_lines(c);
		if (!c->done && !c->closing) {
			if (c->oneshot ? c->result >= 0 : (c->stdin_eof && !c->line_len && !c->pending && !c->keep))
				start_close(c, WSMSG_CLOSE_NORMAL);
		}
		flush(c);
		if (c->done && (!c->out_head || c->broken))
			break;
		pfd[0].fd = c->fd;
		pfd[0].events = (short)(POLLIN | (c->out_head ? POLLOUT : 0));
		nfds = 1;
		if (!c->oneshot && !c->stdin_eof && !c->closing && c->out_bytes < MAX_OUTPUT
		    && !(c->sync && c->pending)) {
			pfd[1].fd = 0;
			pfd[1].events = POLLIN;
			pfd[1].revents = 0;
			nfds = 2;
		}
		timeout = c->closing ? CLOSE_TIMEOUT_MS : -1;
		n = poll(pfd, (nfds_t)nfds, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fail(c, "poll: %s", strerror(errno));
			break;
		}
		if (n == 0) {
			/* no close frame back: our part is done */
			break;
		}
		if (pfd[0].revents & POLLOUT)
			flush(c);
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))
			pump(c);
		if (nfds > 1 && pfd[1].revents && !c->done)
			read_stdin(c);
	}
	if (c->broken)
		return EXIT_BROKEN;
	return c->oneshot ? (c->result < 0 ? EXIT_BROKEN : c->result) : 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "keep", no_argument, NULL, 'k' },
		{ "sync", no_argument, NULL, 's' },
		{ "cacert", required_argument, NULL, 'C' },
		{ "insecure", no_argument, NULL, 'I' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct wsclient_tls_options tls_options = { NULL, 0 };
	struct client c;
	struct wsurl url;
	char error[256];
	struct outbuf *o;
	int opt, status, rc;
	size_t i;

	memset(&c, 0, sizeof c);
	c.result = -1;
	c.out_tail = &c.out_head;
	while ((opt = getopt_long(argc, argv, "jkshV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'j': c.json = 1; break;
		case 'k': c.keep = 1; break;
		case 's': c.sync = 1; break;
		case 'C': tls_options.cafile = optarg; break;
		case 'I': tls_options.insecure = 1; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("afb-client %s\n", AFB_VERSION); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1 && argc != 3 && argc != 4) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (wsurl_parse(argv[0], &url) < 0) {
		fprintf(stderr, "afb-client: bad URL %s (expected ws://HOST:PORT/PATH or wss://...)\n", argv[0]);
		return EXIT_USAGE;
	}
	c.oneshot = argc > 1;
	c.tok = json_tokener_new();
	if (!c.tok) {
		wsurl_clear(&url);
		return EXIT_BROKEN;
	}
	json_tokener_set_flags(c.tok, JSON_TOKENER_STRICT);
	c.fd = wsclient_connect_tls(&url, &tls_options, PROTOCOL, CONNECT_TIMEOUT_MS, &status, &c.extra, &c.extra_len,
				    &c.tls, error, sizeof error);
	wsurl_clear(&url);
	if (c.fd < 0) {
		fprintf(stderr, "afb-client: %s\n", error);
		json_tokener_free(c.tok);
		return EXIT_BROKEN;
	}
	wsmsg_rx_init(&c.rx, &rx_itf, &c, MAX_MESSAGE);
	if (c.oneshot)
		call(&c, argv[1], argv[2], argc > 3 ? argv[3] : "");
	rc = run(&c);

	wsclient_tls_free(c.tls);
	close(c.fd);
	wsmsg_rx_deinit(&c.rx);
	json_tokener_free(c.tok);
	while ((o = c.out_head) != NULL) {
		c.out_head = o->next;
		free(o->data);
		free(o);
	}
	for (i = 0; i < c.names_cap; i++)
		free(c.names[i]);
	free(c.names);
	free(c.token);
	free(c.line);
	free(c.extra);
	return rc;
}
