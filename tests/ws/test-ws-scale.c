/* SPDX-License-Identifier: Apache-2.0 */
/*
 * WebSocket at scale (issue 9): 1,000 connections busy at once are all
 * served and nothing is lost; events reach 1,000 subscribers once each,
 * in order; idle connections beside busy ones do not stop them. Behaviour
 * only: the speed is measured by scripts/bench scale, not here.
 *
 *   meson test -C build ws-scale
 *   AFBT_ONLY=events meson test -C build ws-scale
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <json-c/json.h>

#include "afbtest.h"
#include "json1.h"
#include "wsclient.h"
#include "wsmsg.h"

#define BUSY 1000
#define CALLS 10
#define EVENTS 10	/* events pushed, one after the other, to every subscriber */
#define IDLE 1000

struct conn {
	int fd;
	int index;
	struct wsmsg_rx rx;
	char *extra;
	size_t extra_len, extra_off;
	unsigned char *seen;	/* replies received, by call number */
	int want;		/* echo replies expected */
	int replies, others, events, errors, closed;
};

static struct afbt_daemon *daemon_;
static struct json_tokener *tok;
static const char *event_name = "hello/scale";

static int fd_count(void)
{
	char path[64], buf[32];
	int n = 0, i;

	snprintf(path, sizeof path, "/proc/%d/fd", (int)daemon_->pid);
	/* cheap: count with readlink on the numbers in use */
	for (i = 0; i < 8 * (BUSY + IDLE) + 256; i++) {
		snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)daemon_->pid, i);
		if (readlink(path, buf, sizeof buf) > 0)
			n++;
	}
	return n;
}

static ssize_t on_read(void *closure, void *buf, size_t size)
{
	struct conn *c = closure;
	size_t n;
	ssize_t r;

	if (c->extra) {
		n = c->extra_len - c->extra_off < size ? c->extra_len - c->extra_off : size;
		memcpy(buf, c->extra + c->extra_off, n);
		c->extra_off += n;
		if (c->extra_off == c->extra_len) {
			free(c->extra);
			c->extra = NULL;
		}
		return (ssize_t)n;
	}
	r = recv(c->fd, buf, size, MSG_DONTWAIT);
	if (r > 0)
		return r;
	return r < 0 && (errno == EAGAIN || errno == EINTR) ? 0 : -1;
}

/* Replies carry the id "<conn>.<call>"; events are counted. */
static int on_message(void *closure, unsigned opcode, const char *data, size_t len)
{
	struct conn *c = closure;
	struct json1_msg m;
	const char *why, *id;
	struct json_object *v;
	int ci = -1, k = -1;

	if (json1_parse_incoming(tok, data, len, &m, &why) < 0) {
		c->errors++;
		return 0;
	}
	if (m.code == JSON1_EVENT) {
		/* the events of a connection come in the order they were pushed: data.n is 1, 2... */
		if (!strcmp(m.api, event_name) && json_object_object_get_ex(m.args, "data", &v)
		    && json_object_object_get_ex(v, "n", &v) && json_object_get_int(v) == c->events + 1)
			c->events++;
		else
			c->errors++;
	} else if (m.code == JSON1_REPLY_OK && (id = json_object_get_string(m.id)) != NULL
		   && sscanf(id, "%d.%d", &ci, &k) == 2 && ci == c->index && k >= 0 && k < CALLS) {
		/* hello/echo: the arguments come back */
		if (json_object_object_get_ex(m.args, "response", &v) && json_object_object_get_ex(v, "k", &v)
		    && json_object_get_int(v) == k && !c->seen[k]) {
			c->seen[k] = 1;
			c->replies++;
		} else {
			c->errors++;
		}
	} else if (m.code == JSON1_REPLY_OK) {
		c->others++;	/* a call other than the echoes */
	} else {
		c->errors++;
	}
	json1_msg_clear(&m);
	return 0;
}

static void on_close(void *closure, unsigned code, const char *reason, size_t len)
{
	((struct conn *)closure)->closed = 1;
}

static void on_error(void *closure, unsigned code, const char *why)
{
	((struct conn *)closure)->errors++;
}

static const struct wsmsg_rx_itf rx_itf = {
	.read = on_read,
	.message = on_message,
	.close = on_close,
	.error = on_error,
};

/* a large argument on the first call of each connection: messages longer than a read */
static char pad[20001];

static void send_text(struct conn *c, const char *text)
{
	size_t size, off = 0;
	uint8_t *frame = wsclient_frame(WSMSG_TEXT, text, strlen(text), &size);
	ssize_t n;

	CHECK(frame != NULL);
	while (off < size) {
		n = send(c->fd, frame + off, size - off, MSG_NOSIGNAL);
		if (n > 0)
			off += (size_t)n;
		else if (n < 0 && errno != EINTR && errno != EAGAIN)
			afbt_fail("send on connection %d: %s", c->index, strerror(errno));
	}
	free(frame);
}

static void open_conn(struct conn *c, int index, const struct wsurl *url)
{
	char error[256];
	int status;

	memset(c, 0, sizeof *c);
	c->index = index;
	c->fd = wsclient_connect(url, "x-afb-ws-json1", 20000, &status, &c->extra, &c->extra_len, error,
				 sizeof error);
	if (c->fd < 0)
		afbt_fail("connection %d: %s (status %d)", index, error, status);
	c->seen = calloc(CALLS, 1);
	c->want = CALLS;
	wsmsg_rx_init(&c->rx, &rx_itf, c, 1 << 20);
}

static void close_conns(struct conn *conns, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		close(conns[i].fd);
		wsmsg_rx_deinit(&conns[i].rx);
		free(conns[i].extra);
		free(conns[i].seen);
	}
	free(conns);
}

/* Fails the check after closing the connections (the next checks count descriptors). */
#define FAIL_CLOSING(conns, n, ...) do { close_conns((conns), (n)); afbt_fail(__VA_ARGS__); } while (0)

/* Pumps every connection until done(conns) or 'seconds' pass; returns done(). */
static int pump_until(struct conn *conns, int n, int (*done)(struct conn *, int), double seconds)
{
	int ep = epoll_create1(EPOLL_CLOEXEC), i, k, m;
	struct epoll_event ev, evs[256];
	double end = afbt_now() + seconds;

	for (i = 0; i < n; i++) {
		ev.events = EPOLLIN;
		ev.data.ptr = &conns[i];
		epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev);
		/* bytes that came with the handshake */
		if (conns[i].extra)
			wsmsg_rx_pump(&conns[i].rx, 1000);
	}
	while (!done(conns, n) && afbt_now() < end) {
		m = epoll_wait(ep, evs, 256, 100);
		for (k = 0; k < m; k++)
			wsmsg_rx_pump(&((struct conn *)evs[k].data.ptr)->rx, 1000);
	}
	close(ep);
	return done(conns, n);
}

static int all_replied(struct conn *conns, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (conns[i].replies < conns[i].want)
			return 0;
	return 1;
}

static int all_others(struct conn *conns, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (conns[i].others < 1)
			return 0;
	return 1;
}

static int never(struct conn *conns, int n)
{
	return 0;
}

static int all_events(struct conn *conns, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (conns[i].events < EVENTS)
			return 0;
	return 1;
}

static struct wsurl url;

/* BUSY connections, CALLS pipelined calls each, all at once. */
static void t_busy(void)
{
	struct conn *conns = calloc(BUSY, sizeof *conns);
	char text[sizeof pad + 160];
	int i, k, open_fds, replies = 0, errors = 0;

	memset(pad, 'p', sizeof pad - 1);
	for (i = 0; i < BUSY; i++)
		open_conn(&conns[i], i, &url);
	open_fds = fd_count();
	for (k = 0; k < CALLS; k++)
		for (i = 0; i < BUSY; i++) {
			snprintf(text, sizeof text, "[2,\"%d.%d\",\"hello/echo\",{\"c\":%d,\"k\":%d,\"pad\":\"%s\"}]",
				 i, k, i, k, k ? "" : pad);
			send_text(&conns[i], text);
		}
	pump_until(conns, BUSY, all_replied, 60);
	for (i = 0; i < BUSY; i++) {
		replies += conns[i].replies;
		errors += conns[i].errors;
	}
	close_conns(conns, BUSY);
	afbt_note("%d replies of %d, %d errors, %d descriptors open", replies, BUSY * CALLS, errors, open_fds);
	CHECK_INT(open_fds, >=, BUSY);
	CHECK_EQ(errors, 0);
	CHECK_EQ(replies, BUSY * CALLS);
}

/*
 * EVENTS events pushed to BUSY subscribers reach each once, in order
 * (their writes are shared between the loop and the cowork helper).
 */
static void t_events(void)
{
	struct conn *conns = calloc(BUSY, sizeof *conns);
	int i, events = 0, errors = 0;

	for (i = 0; i < BUSY; i++)
		open_conn(&conns[i], i, &url);
	send_text(&conns[0], "[2,\"add\",\"hello/eventadd\",{\"tag\":\"scale\",\"name\":\"scale\"}]");
	if (!pump_until(conns, 1, all_others, 10))
		FAIL_CLOSING(conns, BUSY, "hello/eventadd was not replied");
	conns[0].others = 0;
	for (i = 0; i < BUSY; i++)
		send_text(&conns[i], "[2,\"sub\",\"hello/eventsub\",{\"tag\":\"scale\"}]");
	if (!pump_until(conns, BUSY, all_others, 60))
		FAIL_CLOSING(conns, BUSY, "hello/eventsub was not replied to every connection");
	/* one push after the other: a push's events are queued before its reply */
	for (i = 1; i <= EVENTS; i++) {
		conns[0].others = 0;
		send_text(&conns[0], afbt_fmt("[2,\"push\",\"hello/eventpush\",{\"tag\":\"scale\",\"data\":{\"n\":%d}}]",
					       i));
		if (!pump_until(conns, 1, all_others, 30))
			FAIL_CLOSING(conns, BUSY, "hello/eventpush was not replied");
	}
	if (!pump_until(conns, BUSY, all_events, 60))
		FAIL_CLOSING(conns, BUSY, "the events did not reach every subscriber");
	/* and only once */
	pump_until(conns, BUSY, never, 0.3);
	for (i = 0; i < BUSY; i++) {
		events += conns[i].events;
		errors += conns[i].errors;
	}
	close_conns(conns, BUSY);
	CHECK_EQ(errors, 0);
	CHECK_EQ(events, EVENTS * BUSY);
}

/* IDLE connections doing nothing beside BUSY busy ones: all served. */
static void t_idle_and_busy(void)
{
	struct conn *idle = calloc(IDLE, sizeof *idle), *busy = calloc(BUSY, sizeof *busy);
	char text[160];
	int i, k, replies = 0;

	for (i = 0; i < IDLE; i++)
		open_conn(&idle[i], i, &url);
	for (i = 0; i < BUSY; i++)
		open_conn(&busy[i], i, &url);
	for (k = 0; k < CALLS; k++)
		for (i = 0; i < BUSY; i++) {
			snprintf(text, sizeof text, "[2,\"%d.%d\",\"hello/echo\",{\"k\":%d}]", i, k, k);
			send_text(&busy[i], text);
		}
	pump_until(busy, BUSY, all_replied, 60);
	for (i = 0; i < BUSY; i++)
		replies += busy[i].replies;
	if (replies != BUSY * CALLS) {
		close_conns(busy, BUSY);
		FAIL_CLOSING(idle, IDLE, "%d replies of %d", replies, BUSY * CALLS);
	}
	/* the idle ones are still served: one call on every tenth */
	for (i = 0; i < IDLE; i++) {
		idle[i].want = i % 10 ? 0 : 1;
		if (idle[i].want)
			send_text(&idle[i], afbt_fmt("[2,\"%d.0\",\"hello/echo\",{\"k\":0}]", i));
	}
	close_conns(busy, BUSY);
	if (!pump_until(idle, IDLE, all_replied, 30))
		FAIL_CLOSING(idle, IDLE, "an idle connection was not served");
	close_conns(idle, IDLE);
}

/* Every connection closed: the daemon's descriptors come back. */
static void t_released(void)
{
	double end = afbt_now() + 10;
	int n;

	while ((n = fd_count()) > 64 && afbt_now() < end)
		afbt_msleep(50);
	CHECK_INT(n, <=, 64);
}

static void t_stop(void)
{
	afbt_daemon_stop(daemon_);
}

int main(int argc, char **argv)
{
	int rc;

	afbt_init(argc, argv);
	afbt_raise_nofile(BUSY + IDLE + 256);
	tok = json_tokener_new();
	daemon_ = afbt_daemon_start("--binding", afbt_binding("hello"), "--token", "scale",
				    "--http-max-per-address", "0", NULL);
	if (wsurl_parse(afbt_fmt("ws://127.0.0.1:%d/api?token=scale", daemon_->port), &url) < 0)
		afbt_fail("bad url");
	afbt_run("busy", t_busy);
	afbt_run("events", t_events);
	afbt_run("idle-and-busy", t_idle_and_busy);
	afbt_run("released", t_released);
	afbt_run("stop", t_stop);
	wsurl_clear(&url);
	json_tokener_free(tok);
	rc = afbt_done();
	return rc;
}
