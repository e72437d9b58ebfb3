/* SPDX-License-Identifier: Apache-2.0 */
/*
 * x-afb-ws-json1 messages. See json1.h.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "jbuf.h"
#include "json1.h"
#include "jtok.h"

void json1_msg_clear(struct json1_msg *msg)
{
	json_object_put(msg->args);
	json_object_put(msg->root);
	free(msg->id_owned);
	memset(msg, 0, sizeof *msg);
}

int json1_parser_init(struct json1_parser *p)
{
	p->whole = json_tokener_new_ex(JSON_TOKENER_DEFAULT_DEPTH);
	p->args = json_tokener_new_ex(JSON_TOKENER_DEFAULT_DEPTH - 1);
	if (!p->whole || !p->args) {
		json1_parser_release(p);
		return -ENOMEM;
	}
	json_tokener_set_flags(p->whole, JSON_TOKENER_STRICT);
	json_tokener_set_flags(p->args, JSON_TOKENER_STRICT);
	return 0;
}

void json1_parser_release(struct json1_parser *p)
{
	if (p->whole)
		json_tokener_free(p->whole);
	if (p->args)
		json_tokener_free(p->args);
	p->whole = p->args = NULL;
}

static int invalid(struct json1_msg *msg, const char **why, const char *text)
{
	json1_msg_clear(msg);
	*why = text;
	return -EINVAL;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The whole text must be one JSON array (spaces may follow). */
static struct json_object *parse_array(struct json_tokener *tok, const char *text, size_t len,
				       const char **why)
{
	struct json_object *root;
	size_t end;

	if (len > INT32_MAX) {
		*why = "message too long";
		return NULL;
	}
	root = jtok_parse_ex(tok, text, (int)len);
	if (json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(root);
		*why = json_tokener_get_error(tok) == json_tokener_continue ? "incomplete JSON" : "invalid JSON";
		return NULL;
	}
	for (end = json_tokener_get_parse_end(tok); end < len; end++) {
		if (!is_space(text[end])) {
			json_object_put(root);
			*why = "text after the JSON array";
			return NULL;
		}
	}
	if (!json_object_is_type(root, json_type_array)) {
		json_object_put(root);
		*why = "not a JSON array";
		return NULL;
	}
	return root;
}

/* A string without NUL inside, or NULL; its length in *len. */
static const char *plain_string(struct json_object *o, size_t *len)
{
	const char *s;

	if (!json_object_is_type(o, json_type_string))
		return NULL;
	s = json_object_get_string(o);
	*len = (size_t)json_object_get_string_len(o);
	return strlen(s) == *len ? s : NULL;
}

static int is_id(struct json_object *o)
{
	return json_object_is_type(o, json_type_string) || json_object_is_type(o, json_type_int)
	       || json_object_is_type(o, json_type_double);
}

/* The code element: an integer 2..5, or 0. */
static int get_code(struct json_object *root)
{
	struct json_object *c = json_object_array_get_idx(root, 0);
	int64_t v;

	if (!json_object_is_type(c, json_type_int))
		return 0;
	v = json_object_get_int64(c);
	return v >= JSON1_CALL && v <= JSON1_EVENT ? (int)v : 0;
}

/* Splits "api/verb" at its first '/': 0, or -EINVAL when a part is empty. */
static int split_apiverb(struct json1_msg *msg, const char *s, size_t len)
{
	const char *slash = memchr(s, '/', len);

	if (!slash || slash == s || slash + 1 == s + len)
		return -EINVAL;
	msg->api = s;
	msg->api_len = (size_t)(slash - s);
	msg->verb = slash + 1;
	msg->verb_len = len - msg->api_len - 1;
	return 0;
}

int json1_parse_full(struct json1_parser *p, const char *text, size_t len, struct json1_msg *msg,
		     const char **why)
{
	struct json_object *tokobj;
	struct jbuf b;
	const char *apiverb;
	size_t n, alen;

	memset(msg, 0, sizeof *msg);
	jtok_renew(&p->whole, JSON_TOKENER_DEFAULT_DEPTH, JSON_TOKENER_STRICT);
	msg->root = parse_array(p->whole, text, len, why);
	if (!msg->root)
		return -EINVAL;
	n = json_object_array_length(msg->root);
	msg->code = get_code(msg->root);
	switch (msg->code) {
	case JSON1_CALL:
		break;
	case JSON1_EVENT:
		/* the 2017 server ignored them: so do we */
		return 0;
	case JSON1_REPLY_OK:
	case JSON1_REPLY_ERROR:
		return invalid(msg, why, "reply to a call the server never made");
	default:
		return invalid(msg, why, "unknown message code");
	}
	if (n != 4 && n != 5)
		return invalid(msg, why, "a call has 4 or 5 elements");
	if (!is_id(json_object_array_get_idx(msg->root, 1)))
		return invalid(msg, why, "the call id is not a string or a number");
	apiverb = plain_string(json_object_array_get_idx(msg->root, 2), &alen);
	if (!apiverb)
		return invalid(msg, why, "\"api/verb\" is not a string");
	if (split_apiverb(msg, apiverb, alen) < 0)
		return invalid(msg, why, "\"api/verb\" has no api or no verb");
	if (n == 5) {
		tokobj = json_object_array_get_idx(msg->root, 4);
		if (tokobj) {
			msg->token = plain_string(tokobj, &msg->token_len);
			if (!msg->token)
				return invalid(msg, why, "the token is not a string");
		}
	}
	/* the id as the text we echo */
	jbuf_init(&b, 0, 32);
	jbuf_json(&b, json_object_array_get_idx(msg->root, 1));
	msg->id_owned = jbuf_finish(&b, &msg->id_len);
	if (!msg->id_owned)
		return invalid(msg, why, "out of memory");
	msg->id_text = msg->id_owned;
	/* the arguments leave the array: the request owns them */
	msg->args = json_object_get(json_object_array_get_idx(msg->root, 3));
	if (msg->args)
		json_object_array_put_idx(msg->root, 3, NULL);
	return 0;
}

/*
 * The hand scan: each step returns where it stopped, or NULL when the
 * text is not of the plain shape (json1_parse_full then decides).
 */
static const char *skip_spaces(const char *s, const char *end)
{
	while (s < end && is_space(*s))
		s++;
	return s;
}

/* 'c' after optional spaces, then optional spaces. */
static const char *expect(const char *s, const char *end, char c)
{
	s = skip_spaces(s, end);
	return s < end && *s == c ? skip_spaces(s + 1, end) : NULL;
}

/* A string without escape nor control character: its content in *v, *n. */
static const char *plain(const char *s, const char *end, const char **v, size_t *n)
{
	const char *q;

	if (s >= end || *s != '"')
		return NULL;
	for (q = s + 1; q < end && *q != '"'; q++)
		if (*q == '\\' || (unsigned char)*q < 0x20)
			return NULL;
	if (q >= end)
		return NULL;
	*v = s + 1;
	*n = (size_t)(q - s - 1);
	return q + 1;
}

/* The id: an integer that fits 18 digits, or a string of printable ASCII (echoed as they are). */
static const char *plain_id(const char *s, const char *end, struct json1_msg *msg)
{
	const char *q = s, *v;
	size_t n;

	if (q < end && *q == '"') {
		q = plain(s, end, &v, &n);
		if (!q)
			return NULL;
		for (; n; n--)
			if ((unsigned char)v[n - 1] > 0x7e)
				return NULL;
	} else {
		if (q < end && *q == '-')
			q++;
		if (q >= end || *q < '0' || *q > '9' || (*q == '0' && q + 1 < end && q[1] >= '0' && q[1] <= '9'))
			return NULL;
		for (v = q; q < end && *q >= '0' && *q <= '9'; q++)
			;
		if (q - v > 18 || (q < end && *q != ',' && !is_space(*q)))
			return NULL;
	}
	msg->id_text = s;
	msg->id_len = (size_t)(q - s);
	return q;
}

/*
 * Where the value at 's' ends, json-c to check it: a container at its
 * matching bracket, a string at its closing quote, a scalar before the
 * next ',', ']' or space. NULL when the text ends first.
 */
static const char *value_end(const char *s, const char *end)
{
	const char *p = s;
	int depth = 0;

	if (p < end && *p != '{' && *p != '[' && *p != '"') {
		while (p < end && *p != ',' && *p != ']' && !is_space(*p))
			p++;
		return p;
	}
	for (; p < end; p++) {
		switch (*p) {
		case '"':
			for (p++; p < end && *p != '"'; p++)
				if (*p == '\\')
					p++;
			if (p >= end)
				return NULL;
			if (!depth)
				return p + 1;
			break;
		case '{':
		case '[':
			depth++;
			break;
		case '}':
		case ']':
			if (--depth == 0)
				return p + 1;
			break;
		}
	}
	return NULL;
}

/*
 * The arguments: null, or one value json-c parses alone, exactly to its
 * end. A scalar is copied with a NUL after it: json-c cannot tell the
 * end of a number or a literal that ends the text it is given.
 */
static const char *plain_args(struct json1_parser *p, const char *s, const char *end, struct json1_msg *msg)
{
	struct json_tokener *tok;
	const char *e = value_end(s, end);
	char scalar[64];
	size_t n;

	if (!e || e == s || e - s > INT32_MAX - 1)
		return NULL;
	n = (size_t)(e - s);
	if (n == 4 && !memcmp(s, "null", 4))
		return e;
	jtok_renew(&p->args, JSON_TOKENER_DEFAULT_DEPTH - 1, JSON_TOKENER_STRICT);
	tok = p->args;
	if (*s == '{' || *s == '[' || *s == '"') {
		msg->args = jtok_parse_ex(tok, s, (int)n);
	} else {
		if (n >= sizeof scalar)
			return NULL;
		memcpy(scalar, s, n);
		scalar[n] = 0;
		msg->args = jtok_parse_ex(tok, scalar, (int)n + 1);
	}
	if (json_tokener_get_error(tok) != json_tokener_success || json_tokener_get_parse_end(tok) != n || !msg->args) {
		json_object_put(msg->args);
		msg->args = NULL;
		return NULL;
	}
	return e;
}

static int scan_call(struct json1_parser *p, const char *s, const char *end, struct json1_msg *msg)
{
	const char *v;
	size_t n;

	if (!(s = expect(s, end, '[')) || end - s < 2 || s[0] != '2' || !(s = expect(s + 1, end, ','))
	    || !(s = plain_id(s, end, msg)) || !(s = expect(s, end, ',')) || !(s = plain(s, end, &v, &n))
	    || split_apiverb(msg, v, n) < 0 || !(s = expect(s, end, ','))
	    || !(s = plain_args(p, s, end, msg)))
		return -1;
	s = skip_spaces(s, end);
	if (s < end && *s == ',') {
		s = skip_spaces(s + 1, end);
		if (end - s >= 4 && !memcmp(s, "null", 4))
			s += 4;
		else if (!(s = plain(s, end, &msg->token, &msg->token_len)))
			return -1;
	}
	s = expect(s, end, ']');
	if (!s || s != end)
		return -1;
	msg->code = JSON1_CALL;
	return 0;
}

int json1_parse(struct json1_parser *p, const char *text, size_t len, struct json1_msg *msg, const char **why)
{
	memset(msg, 0, sizeof *msg);
	if (len && scan_call(p, text, text + len, msg) == 0)
		return 0;
	json1_msg_clear(msg);
	return json1_parse_full(p, text, len, msg, why);
}

int json1_parse_incoming(struct json_tokener *tok, const char *text, size_t len, struct json1_msg *msg,
			 const char **why)
{
	size_t n;

	memset(msg, 0, sizeof *msg);
	json_tokener_reset(tok);
	msg->root = parse_array(tok, text, len, why);
	if (!msg->root)
		return -EINVAL;
	n = json_object_array_length(msg->root);
	msg->code = get_code(msg->root);
	switch (msg->code) {
	case JSON1_REPLY_OK:
	case JSON1_REPLY_ERROR:
		if (n != 3 && n != 4)
			return invalid(msg, why, "a reply has 3 or 4 elements");
		msg->id = json_object_array_get_idx(msg->root, 1);
		if (!is_id(msg->id))
			return invalid(msg, why, "the reply id is not a string or a number");
		if (n == 4 && !(msg->token = plain_string(json_object_array_get_idx(msg->root, 3), &msg->token_len)))
			return invalid(msg, why, "the token is not a string");
		msg->args = json_object_get(json_object_array_get_idx(msg->root, 2));
		return 0;
	case JSON1_EVENT:
		if (n != 3)
			return invalid(msg, why, "an event has 3 elements");
		msg->api = plain_string(json_object_array_get_idx(msg->root, 1), &msg->api_len);
		if (!msg->api)
			return invalid(msg, why, "the event name is not a string");
		msg->args = json_object_get(json_object_array_get_idx(msg->root, 2));
		return 0;
	default:
		return invalid(msg, why, "unexpected message code");
	}
}

/* Appends 'o' (consumed) to 'array'; 0 or -ENOMEM (o released). */
static int add(struct json_object *array, struct json_object *o)
{
	if (!o || json_object_array_add(array, o) < 0) {
		json_object_put(o);
		return -ENOMEM;
	}
	return 0;
}

void json1_reply_begin(struct jbuf *b, int code, const char *id, size_t id_len)
{
	jbuf_char(b, '[');
	jbuf_int(b, code);
	jbuf_char(b, ',');
	if (id)
		jbuf_raw(b, id, id_len);
	else
		jbuf_lit(b, "null");
	jbuf_char(b, ',');
}

void json1_reply_end(struct jbuf *b, const char *token)
{
	if (token) {
		jbuf_char(b, ',');
		jbuf_cstring(b, token, "a token");
	}
	jbuf_char(b, ']');
}

void json1_event_text(struct jbuf *b, const char *event, struct json_object *data)
{
	/* key order of the reference: event, data, jtype */
	jbuf_lit(b, "[5,");
	jbuf_cstring(b, event, "an event name");
	jbuf_lit(b, ",{\"event\":");
	jbuf_cstring(b, event, "an event name");
	if (data) {
		jbuf_lit(b, ",\"data\":");
		jbuf_json(b, data);
	}
	jbuf_lit(b, ",\"jtype\":\"afb-event\"}]");
}

struct json_object *json1_call(const char *id, const char *api, const char *verb, struct json_object *args,
			       const char *token)
{
	struct json_object *a = json_object_new_array_ext(token ? 5 : 4);
	size_t alen = strlen(api), vlen = strlen(verb);
	char *apiverb = malloc(alen + vlen + 2);
	int rc = -ENOMEM;

	if (a && apiverb) {
		memcpy(apiverb, api, alen);
		apiverb[alen] = '/';
		memcpy(apiverb + alen + 1, verb, vlen + 1);
		if (add(a, json_object_new_int(JSON1_CALL)) == 0 && add(a, json_object_new_string(id)) == 0
		    && add(a, json_object_new_string(apiverb)) == 0) {
			/* a NULL args is JSON null, added as is */
			rc = json_object_array_add(a, args) < 0 ? -ENOMEM : 0;
			if (rc == 0) {
				args = NULL;
				if (token)
					rc = add(a, json_object_new_string(token));
			}
		}
	}
	free(apiverb);
	json_object_put(args);
	if (rc < 0) {
		json_object_put(a);
		return NULL;
	}
	return a;
}
