/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pwspeer: see pwspeer.h.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <json-c/json.h>
#include "pwspeer.h"
#include "wsframe.h"

/* bytes that must live as long as the peer */
struct keep {
	struct keep *next;
	void *ptr;
};

struct kept {
	struct kept *next;
	struct pws_msg msg;
	uint8_t *bytes;		/* what msg points into */
};

struct pwspeer {
	int fd;
	int closecode;
	struct wsreader reader;
	struct keep *keeps;
	uint8_t *current;	/* the bytes of the last message received */
	struct kept *others, **others_tail;
};

static void *keep(struct pwspeer *p, void *ptr)
{
	struct keep *k = malloc(sizeof *k);

	if (!k)
		abort();
	k->ptr = ptr;
	k->next = p->keeps;
	p->keeps = k;
	return ptr;
}

static struct pwspeer *peer_new(int fd)
{
	struct pwspeer *p = calloc(1, sizeof *p);

	if (!p)
		abort();
	p->fd = fd;
	p->others_tail = &p->others;
	wsreader_init(&p->reader, 64u * 1024 * 1024);
	return p;
}

static socklen_t unix_addr(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof *sun);
	sun->sun_family = AF_UNIX;
	if (path[0] == '@')
		memcpy(sun->sun_path + 1, path + 1, strlen(path + 1));
	else
		memcpy(sun->sun_path, path, strlen(path));
	/* the padded length of the 2017 binder, for abstract names too */
	return sizeof *sun;
}

struct pwspeer *pwspeer_connect(const char *where)
{
	struct sockaddr_un sun;
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res, *ai;
	char host[256], *colon;
	int fd = -1;

	if (!strncmp(where, "unix:", 5)) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return NULL;
		if (connect(fd, (struct sockaddr *)&sun, unix_addr(where + 5, &sun)) < 0) {
			close(fd);
			return NULL;
		}
		return peer_new(fd);
	}
	if (strncmp(where, "tcp:", 4) || strlen(where + 4) >= sizeof host)
		return NULL;
	strcpy(host, where + 4);
	colon = strrchr(host, ':');
	if (!colon)
		return NULL;
	*colon = 0;
	if (host[0] == '[') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = 0;
	}
	if (getaddrinfo(host, colon + 1, &hints, &res))
		return NULL;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd < 0 ? NULL : peer_new(fd);
}

int pwspeer_listen(const char *path)
{
	struct sockaddr_un sun;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (path[0] != '@')
		unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, unix_addr(path, &sun)) < 0 || listen(fd, 16) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

struct pwspeer *pwspeer_accept(int lfd, int timeout_ms)
{
	struct pollfd pfd = { .fd = lfd, .events = POLLIN };
	int fd;

	if (poll(&pfd, 1, timeout_ms) <= 0)
		return NULL;
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	return fd < 0 ? NULL : peer_new(fd);
}

void pwspeer_close(struct pwspeer *p)
{
	struct keep *k;

	if (!p)
		return;
	pwspeer_drop_others(p);
	free(p->current);
	while ((k = p->keeps) != NULL) {
		p->keeps = k->next;
		free(k->ptr);
		free(k);
	}
	wsreader_deinit(&p->reader);
	close(p->fd);
	free(p);
}

int pwspeer_fd(struct pwspeer *p)
{
	return p->fd;
}

int pwspeer_send_raw(struct pwspeer *p, const void *data, size_t size)
{
	const uint8_t *d = data;
	ssize_t n;

	while (size) {
		n = send(p->fd, d, size, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		d += n;
		size -= (size_t)n;
	}
	return 0;
}

int pwspeer_send(struct pwspeer *p, struct pws_buf *b)
{
	uint8_t *out;
	size_t outlen;
	int rc = -1;

	if (!b->error && wsframe_fragment(pws_buf_msg(b), b->len, WSF_BINARY, &out, &outlen) == 0) {
		rc = pwspeer_send_raw(p, out, outlen);
		free(out);
	}
	pws_buf_clear(b);
	return rc;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int pwspeer_recv(struct pwspeer *p, enum pws_role role, struct pws_msg *msg, int timeout_ms)
{
	long long end = now_ms() + timeout_ms;
	struct wsframe_item it;
	struct pollfd pfd;
	const char *reason;
	uint8_t *ptr, *copy, pong[WSF_HEADER_MAX + 125];
	size_t avail, h;
	ssize_t n;
	int rc, left, polled = 0;

	for (;;) {
		rc = wsreader_next(&p->reader, &it);
		if (rc < 0)
			return -1;
		if (rc > 0) {
			switch (it.opcode) {
			case WSF_BINARY:
				copy = malloc(it.len + 1);
				if (!copy)
					abort();
				memcpy(copy, it.data, it.len);
				free(p->current);
				p->current = copy;
				return pws_decode(copy, it.len, role, msg, &reason) < 0 ? -2 : 1;
			case WSF_CLOSE:
				p->closecode = it.len >= 2 ? it.data[0] << 8 | it.data[1] : 1005;
				return -1;
			case WSF_PING:
				h = wsframe_header(pong, 1, WSF_PONG, it.len);
				memcpy(pong + h, it.data, it.len);
				pwspeer_send_raw(p, pong, h + it.len);
				continue;
			case WSF_PONG:
				continue;
			default:
				return -2;
			}
		}
		/* a timeout of 0 still reads what has arrived (one poll) */
		left = (int)(end - now_ms());
		if (left < 0 || (left == 0 && polled))
			return 0;
		pfd.fd = p->fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, left) <= 0) {
			polled = 1;
			continue;
		}
		if (wsreader_reserve(&p->reader, 65536, &ptr, &avail) < 0)
			return -1;
		n = read(p->fd, ptr, avail);
		if (n <= 0)
			return -1;
		wsreader_commit(&p->reader, (size_t)n);
	}
}

int pwspeer_last_close(struct pwspeer *p)
{
	return p->closecode;
}

int pwspeer_expect(struct pwspeer *p, enum pws_role role, int code, struct pws_msg *msg, int timeout_ms)
{
	long long end = now_ms() + timeout_ms;
	int rc, left;

	for (;;) {
		left = (int)(end - now_ms());
		rc = pwspeer_recv(p, role, msg, left > 0 ? left : 0);
		if (rc <= 0 || msg->code == code)
			return rc;
		pws_msg_clear(msg);
	}
}

int pwspeer_call(struct pwspeer *p, uint32_t callid, const char *verb, const char *uuid,
		 const char *args, struct pws_msg *reply, int timeout_ms)
{
	long long end = now_ms() + timeout_ms;
	struct json_object *obj = args ? json_tokener_parse(args) : NULL;
	struct pws_buf b;
	struct kept *k;
	int rc, left;

	pws_buf_init(&b);
	pws_put_call(&b, callid, verb, uuid, obj);
	json_object_put(obj);
	if (pwspeer_send(p, &b) < 0)
		return -1;
	for (;;) {
		left = (int)(end - now_ms());
		rc = pwspeer_recv(p, PWS_CLIENT, reply, left > 0 ? left : 0);
		if (rc <= 0)
			return -1;
		if ((reply->code == PWS_REPLY_SUCCESS || reply->code == PWS_REPLY_FAIL) && reply->callid == callid)
			return reply->code;
		k = malloc(sizeof *k);
		if (!k)
			abort();
		k->msg = *reply;
		k->bytes = p->current;
		p->current = NULL;
		k->next = NULL;
		*p->others_tail = k;
		p->others_tail = &k->next;
	}
}

int pwspeer_pop_other(struct pwspeer *p, struct pws_msg *msg)
{
	struct kept *k = p->others;

	if (!k)
		return 0;
	p->others = k->next;
	if (!p->others)
		p->others_tail = &p->others;
	*msg = k->msg;
	keep(p, k->bytes);
	free(k);
	return 1;
}

void pwspeer_drop_others(struct pwspeer *p)
{
	struct pws_msg m;

	while (pwspeer_pop_other(p, &m))
		pws_msg_clear(&m);
}

const char *pwspeer_json(struct pwspeer *p, struct json_object *obj)
{
	const char *s = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN);

	return keep(p, strdup(s ? s : "null"));
}
