/* SPDX-License-Identifier: Apache-2.0 */
/*
 * afb-proto-ws codec: see proto-ws.h and docs/proto-ws.md.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "jbuf.h"
#include "jscan.h"
#include "jtok.h"
#include "proto-ws.h"
#include "utf8.h"

/* a message may not exceed what a u32 length can describe */
#define MAX_FIELD 0xffffffffu

/* ------------------------------------------------------------ encoding */

void pws_buf_init(struct pws_buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->error = 0;
}

void pws_buf_clear(struct pws_buf *b)
{
	free(b->data);
	pws_buf_init(b);
}

/* Room for 'more' bytes; returns the place to write them or NULL (error set). */
static uint8_t *grow(struct pws_buf *b, size_t more)
{
	size_t need, cap;
	uint8_t *d;

	if (b->error)
		return NULL;
	/* the peer refuses (and closes on) a longer message: it is not sent */
	if (more > PWS_MAX_MESSAGE - b->len) {
		b->error = -E2BIG;
		return NULL;
	}
	need = PWS_HEADROOM + b->len + more;
	if (need > b->cap) {
		cap = b->cap ? b->cap : 128;
		while (cap < need)
			cap = cap > SIZE_MAX / 2 ? need : cap * 2;
		d = realloc(b->data, cap);
		if (!d) {
			b->error = -ENOMEM;
			return NULL;
		}
		b->data = d;
		b->cap = cap;
	}
	d = b->data + PWS_HEADROOM + b->len;
	b->len += more;
	return d;
}

static void put_u8(struct pws_buf *b, uint8_t v)
{
	uint8_t *p = grow(b, 1);

	if (p)
		*p = v;
}

static void put_u32(struct pws_buf *b, uint32_t v)
{
	uint8_t *p = grow(b, 4);

	if (p) {
		p[0] = (uint8_t)v;
		p[1] = (uint8_t)(v >> 8);
		p[2] = (uint8_t)(v >> 16);
		p[3] = (uint8_t)(v >> 24);
	}
}

static void put_bytes(struct pws_buf *b, const void *v, size_t n)
{
	uint8_t *p = grow(b, n);

	if (p && n)
		memcpy(p, v, n);
}

/* str: the length counts the terminating NUL, which is sent; 'n' is strlen(s) */
static void put_strn(struct pws_buf *b, const char *s, size_t n)
{
	if (++n > MAX_FIELD) {
		if (!b->error)
			b->error = -E2BIG;
		return;
	}
	put_u32(b, (uint32_t)n);
	put_bytes(b, s, n);
}

/* strings of bindings (info, status, names) go out as valid UTF-8 */
static void put_str(struct pws_buf *b, const char *s)
{
	char *repaired;

	s = utf8_str(s, "a proto-ws string", &repaired);
	put_strn(b, s, strlen(s));
	free(repaired);
}

/*
 * json: the plain text of json-c ('/' escaped, as the 2017 binder did),
 * valid UTF-8, written straight into the message (jbuf.h) after the room
 * of its length, which is then patched: no text made apart and copied.
 */
static void put_json(struct pws_buf *b, struct json_object *o)
{
	struct jbuf j;
	size_t at, len;

	put_u32(b, 0);
	if (b->error)
		return;
	at = b->len;
	/* the message's buffer, as a jbuf (its headroom: PWS_HEADROOM) */
	j.data = (char *)b->data;
	j.len = PWS_HEADROOM + b->len;
	j.cap = b->cap;
	j.head = PWS_HEADROOM;
	j.error = 0;
	j.escape_slash = 1;
	jbuf_json(&j, o);
	jbuf_char(&j, 0);	/* json escapes NUL: the text has none but this one */
	b->data = (uint8_t *)j.data;
	b->cap = j.cap;
	if (j.error) {
		b->error = j.error;
		return;
	}
	b->len = j.len - PWS_HEADROOM;
	len = b->len - at;
	if (b->len > PWS_MAX_MESSAGE) {
		b->error = -E2BIG;
		return;
	}
	pws_buf_patch_u32(b, at - 4, (uint32_t)len);
}

void pws_buf_patch_u32(struct pws_buf *b, size_t offset, uint32_t v)
{
	uint8_t *p;

	if (b->error || offset + 4 > b->len)
		return;
	p = pws_buf_msg(b) + offset;
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

int pws_put_call(struct pws_buf *b, uint32_t callid, const char *verb, const char *uuid,
		 struct json_object *args)
{
	put_u8(b, PWS_CALL);
	put_u32(b, callid);
	put_str(b, verb);
	put_str(b, uuid);
	if (args)
		put_json(b, args);
	else
		put_strn(b, "{}", 2);	/* none: what an empty object is sent as */
	return b->error;
}

int pws_put_subcall_reply(struct pws_buf *b, uint32_t subcallid, int iserror, struct json_object *result)
{
	put_u8(b, PWS_SUBCALL_REPLY);
	put_u32(b, subcallid);
	put_u8(b, iserror ? 1 : 0);
	put_json(b, result);
	return b->error;
}

int pws_put_describe(struct pws_buf *b, uint32_t descid)
{
	put_u8(b, PWS_DESCRIBE);
	put_u32(b, descid);
	return b->error;
}

int pws_put_reply_success(struct pws_buf *b, uint32_t callid, const char *info, struct json_object *response)
{
	put_u8(b, PWS_REPLY_SUCCESS);
	put_u32(b, callid);
	put_str(b, info ? info : "");
	put_json(b, response);
	return b->error;
}

int pws_put_reply_success_text(struct pws_buf *b, uint32_t callid, const char *info, const char *text, size_t len)
{
	put_u8(b, PWS_REPLY_SUCCESS);
	put_u32(b, callid);
	put_str(b, info ? info : "");
	put_strn(b, text, len);	/* with the NUL that follows it */
	return b->error;
}

int pws_put_reply_fail(struct pws_buf *b, uint32_t callid, const char *status, const char *info)
{
	put_u8(b, PWS_REPLY_FAIL);
	put_u32(b, callid);
	put_str(b, status);
	put_str(b, info ? info : "");
	return b->error;
}

int pws_put_subcall(struct pws_buf *b, uint32_t subcallid, uint32_t callid, const char *api,
		    const char *verb, struct json_object *args)
{
	put_u8(b, PWS_SUBCALL);
	put_u32(b, subcallid);
	put_u32(b, callid);
	put_str(b, api);
	put_str(b, verb);
	put_json(b, args);
	return b->error;
}

static int put_call_event(struct pws_buf *b, int code, uint32_t callid, uint32_t eventid, const char *event)
{
	put_u8(b, (uint8_t)code);
	put_u32(b, callid);
	put_u32(b, eventid);
	put_str(b, event);
	return b->error;
}

int pws_put_subscribe(struct pws_buf *b, uint32_t callid, uint32_t eventid, const char *event)
{
	return put_call_event(b, PWS_SUBSCRIBE, callid, eventid, event);
}

int pws_put_unsubscribe(struct pws_buf *b, uint32_t callid, uint32_t eventid, const char *event)
{
	return put_call_event(b, PWS_UNSUBSCRIBE, callid, eventid, event);
}

int pws_put_event_add(struct pws_buf *b, uint32_t eventid, const char *event)
{
	put_u8(b, PWS_EVENT_ADD);
	put_u32(b, eventid);
	put_str(b, event);
	return b->error;
}

int pws_put_event_remove(struct pws_buf *b, uint32_t eventid, const char *event)
{
	put_u8(b, PWS_EVENT_REMOVE);
	put_u32(b, eventid);
	put_str(b, event);
	return b->error;
}

int pws_put_event_push(struct pws_buf *b, uint32_t eventid, const char *event, struct json_object *data)
{
	put_u8(b, PWS_EVENT_PUSH);
	put_u32(b, eventid);
	put_str(b, event);
	put_json(b, data);
	return b->error;
}

int pws_put_broadcast(struct pws_buf *b, const char *event, struct json_object *data,
		      const uint8_t *uuid, uint8_t hop)
{
	put_u8(b, PWS_BROADCAST);
	put_str(b, event);
	put_json(b, data);
	if (uuid) {
		put_bytes(b, uuid, PWS_UUID_SIZE);
		put_u8(b, hop);
	}
	return b->error;
}

int pws_put_description(struct pws_buf *b, uint32_t descid, struct json_object *description)
{
	put_u8(b, PWS_DESCRIPTION);
	put_u32(b, descid);
	put_json(b, description);
	return b->error;
}

/* ------------------------------------------------------------ decoding */

struct reader {
	const uint8_t *head, *end;
	const char *reason;	/* first failure */
	struct pws_msg *msg;
	int refuse_utf8;	/* a call: text that is not UTF-8 is refused, not repaired */
	int reply_text;		/* PWS_REPLY_TEXT */
};

static int fail(struct reader *r, const char *reason)
{
	if (!r->reason)
		r->reason = reason;
	return 0;
}

static int get_u8(struct reader *r, uint8_t *v)
{
	if (r->end - r->head < 1)
		return fail(r, "truncated message");
	*v = *r->head++;
	return 1;
}

static int get_u32(struct reader *r, uint32_t *v)
{
	if (r->end - r->head < 4)
		return fail(r, "truncated message");
	*v = (uint32_t)r->head[0] | (uint32_t)r->head[1] << 8 | (uint32_t)r->head[2] << 16
	     | (uint32_t)r->head[3] << 24;
	r->head += 4;
	return 1;
}

/*
 * str: a length of 0, a last byte that is not NUL, or a NUL before the
 * last byte (the sender's strlen would disagree) make the message invalid.
 */
static int get_str(struct reader *r, const char **v)
{
	uint32_t n;
	const char *s;

	if (!get_u32(r, &n))
		return 0;
	if (n == 0)
		return fail(r, "zero-length string");
	if ((size_t)(r->end - r->head) < n)
		return fail(r, "truncated string");
	s = (const char *)r->head;
	if (s[n - 1] != 0)
		return fail(r, "string not terminated by NUL");
	if (memchr(s, 0, n - 1))
		return fail(r, "string with an inner NUL");
	r->head += n;
	*v = s;
	return 1;
}

/*
 * A str that is text: when it is not valid UTF-8, flags a call, or
 * repairs it. 'keep' (the repaired string must outlive the decoding)
 * stores a repaired copy in the message, else *tofree gets it.
 */
static int get_text(struct reader *r, const char **v, char **tofree)
{
	struct pws_msg *m = r->msg;
	char *fixed;

	*tofree = NULL;
	if (!get_str(r, v))
		return 0;
	if (utf8_valid_str(*v))
		return 1;
	if (r->refuse_utf8) {
		m->bad_utf8 = 1;
		return 1;
	}
	fixed = utf8_repair(*v, strlen(*v), NULL);
	if (!fixed)
		return fail(r, "out of memory");
	m->repaired++;
	*tofree = fixed;
	*v = fixed;
	return 1;
}

static int get_string(struct reader *r, const char **v)
{
	struct pws_msg *m = r->msg;
	char *fixed;
	size_t i;

	if (!get_text(r, v, &fixed))
		return 0;
	if (fixed) {
		for (i = 0; i < sizeof m->owned / sizeof *m->owned && m->owned[i]; i++);
		/* at most 3 strings per message: there is always room */
		m->owned[i] = fixed;
	}
	return 1;
}

/*
 * As the 2017 binder: text that json-c can't parse becomes a JSON string.
 * 'empty_is_none' (the arguments of a call): "{}", the most common, gives
 * no object; the request makes an empty one if its verb asks (xreq_args).
 */
static int get_json_ex(struct reader *r, struct json_object **v, int empty_is_none)
{
	const char *text;
	char *fixed;
	struct json_object *o;

	if (!get_text(r, &text, &fixed))
		return 0;
	if (r->msg->bad_utf8) {
		/* a refused call: its args are not needed */
		*v = NULL;
		return 1;
	}
	if (empty_is_none && !strcmp(text, "{}")) {
		free(fixed);
		*v = NULL;
		return 1;
	}
	o = jtok_parse(text);
	if (!o && strcmp(text, "null"))
		o = json_object_new_string(text);
	free(fixed);
	*v = o;
	return 1;
}

static int get_json(struct reader *r, struct json_object **v)
{
	return get_json_ex(r, v, 0);
}

/*
 * A response kept as its text when it is plain JSON (jscan.h), for the
 * importing side to pass on (xreq_reply_text); else as get_json.
 */
static int get_reply_text(struct reader *r)
{
	struct pws_msg *m = r->msg;
	const uint8_t *head = r->head;
	const char *text;
	uint32_t n;

	if (!get_u32(r, &n))
		return 0;
	r->head = head;
	if (n > 1 && (size_t)(r->end - r->head - 4) >= n) {
		text = (const char *)r->head + 4;
		/* jscan_plain checks the UTF-8 of what can be passed on: get_text's check is not needed */
		if (text[n - 1] == 0 && jscan_plain(text, n - 1) == JSCAN_VALUE) {
			r->head += 4 + n;
			m->text = text;
			m->text_len = n - 1;
			return 1;
		}
	}
	return get_json(r, &m->json);
}

static int get_info(struct reader *r, const char **v)
{
	if (!get_string(r, v))
		return 0;
	if (!**v)
		*v = NULL;
	return 1;
}

static int decode_server(struct reader *r, struct pws_msg *m)
{
	uint8_t ie;

	switch (m->code) {
	case PWS_CALL:
		return get_u32(r, &m->callid) && get_string(r, &m->verb) && get_string(r, &m->uuid)
		       && get_json_ex(r, &m->json, 1);
	case PWS_SUBCALL_REPLY:
		if (!get_u32(r, &m->subcallid) || !get_u8(r, &ie))
			return 0;
		if (ie > 1)
			return fail(r, "iserror is neither 0 nor 1");
		m->iserror = ie;
		return get_json(r, &m->json);
	case PWS_DESCRIBE:
		return get_u32(r, &m->descid);
	default:
		return fail(r, "unknown message code");
	}
}

static int decode_client(struct reader *r, struct pws_msg *m)
{
	switch (m->code) {
	case PWS_REPLY_SUCCESS:
		return get_u32(r, &m->callid) && get_info(r, &m->info)
		       && (r->reply_text ? get_reply_text(r) : get_json(r, &m->json));
	case PWS_REPLY_FAIL:
		return get_u32(r, &m->callid) && get_string(r, &m->status) && get_info(r, &m->info);
	case PWS_SUBCALL:
		return get_u32(r, &m->subcallid) && get_u32(r, &m->callid) && get_string(r, &m->api)
		       && get_string(r, &m->verb) && get_json(r, &m->json);
	case PWS_SUBSCRIBE:
	case PWS_UNSUBSCRIBE:
		return get_u32(r, &m->callid) && get_u32(r, &m->eventid) && get_string(r, &m->event);
	case PWS_EVENT_ADD:
	case PWS_EVENT_REMOVE:
		return get_u32(r, &m->eventid) && get_string(r, &m->event);
	case PWS_EVENT_PUSH:
		return get_u32(r, &m->eventid) && get_string(r, &m->event) && get_json(r, &m->json);
	case PWS_BROADCAST:
		if (!get_string(r, &m->event) || !get_json(r, &m->json))
			return 0;
		/* 2017 senders stop here; 2019 ones add the loop guard */
		if (r->end - r->head == PWS_UUID_SIZE + 1) {
			memcpy(m->guard_uuid, r->head, PWS_UUID_SIZE);
			m->hop = r->head[PWS_UUID_SIZE];
			m->has_guard = 1;
			r->head = r->end;
		}
		return 1;
	case PWS_DESCRIPTION:
		return get_u32(r, &m->descid) && get_json(r, &m->json);
	default:
		return fail(r, "unknown message code");
	}
}

int pws_decode(const void *data, size_t size, enum pws_role role, struct pws_msg *m, const char **reason)
{
	return pws_decode_ex(data, size, role, 0, m, reason);
}

int pws_decode_ex(const void *data, size_t size, enum pws_role role, unsigned flags, struct pws_msg *m,
		  const char **reason)
{
	struct reader r;
	int ok;

	memset(m, 0, sizeof *m);
	if (size == 0) {
		*reason = "empty message";
		return -EBADMSG;
	}
	r.head = data;
	r.end = r.head + size;
	r.reason = NULL;
	r.msg = m;
	r.reply_text = (flags & PWS_REPLY_TEXT) != 0;
	m->code = *r.head++;
	r.refuse_utf8 = (role == PWS_SERVER && m->code == PWS_CALL) || (role == PWS_CLIENT && m->code == PWS_SUBCALL);
	ok = role == PWS_SERVER ? decode_server(&r, m) : decode_client(&r, m);
	if (ok && r.head != r.end)
		ok = fail(&r, "trailing bytes after the message");
	if (!ok) {
		pws_msg_clear(m);
		*reason = r.reason ? r.reason : "invalid message";
		return -EBADMSG;
	}
	return 0;
}

void pws_msg_clear(struct pws_msg *m)
{
	size_t i;

	json_object_put(m->json);
	m->json = NULL;
	for (i = 0; i < sizeof m->owned / sizeof *m->owned; i++) {
		free(m->owned[i]);
		m->owned[i] = NULL;
	}
}

const char *pws_code_name(int code)
{
	switch (code) {
	case PWS_CALL: return "call";
	case PWS_SUBCALL_REPLY: return "subcall-reply";
	case PWS_DESCRIBE: return "describe";
	case PWS_REPLY_SUCCESS: return "reply-success";
	case PWS_REPLY_FAIL: return "reply-fail";
	case PWS_SUBCALL: return "subcall";
	case PWS_SUBSCRIBE: return "subscribe";
	case PWS_UNSUBSCRIBE: return "unsubscribe";
	case PWS_EVENT_ADD: return "event-add";
	case PWS_EVENT_REMOVE: return "event-remove";
	case PWS_EVENT_PUSH: return "event-push";
	case PWS_BROADCAST: return "broadcast";
	case PWS_DESCRIPTION: return "description";
	default: return "unknown";
	}
}
