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
	json_object_put(msg->root);
	memset(msg, 0, sizeof *msg);
}

static int invalid(struct json1_msg *msg, const char **why, const char *text)
{
	json1_msg_clear(msg);
	*why = text;
	return -EINVAL;
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
	json_tokener_reset(tok);
	root = jtok_parse_ex(tok, text, (int)len);
	if (json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(root);
		*why = json_tokener_get_error(tok) == json_tokener_continue ? "incomplete JSON" : "invalid JSON";
		return NULL;
	}
	for (end = json_tokener_get_parse_end(tok); end < len; end++) {
		if (!strchr(" \t\r\n", text[end]) || !text[end]) {
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

/* A string without NUL inside, or NULL. */
static const char *plain_string(struct json_object *o)
{
	const char *s;

	if (!json_object_is_type(o, json_type_string))
		return NULL;
	s = json_object_get_string(o);
	return strlen(s) == (size_t)json_object_get_string_len(o) ? s : NULL;
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

int json1_parse(struct json_tokener *tok, const char *text, size_t len, struct json1_msg *msg,
		const char **why)
{
	struct json_object *tokobj;
	const char *apiverb, *slash;
	size_t n;

	memset(msg, 0, sizeof *msg);
	msg->root = parse_array(tok, text, len, why);
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
	msg->id = json_object_array_get_idx(msg->root, 1);
	if (!is_id(msg->id))
		return invalid(msg, why, "the call id is not a string or a number");
	apiverb = plain_string(json_object_array_get_idx(msg->root, 2));
	if (!apiverb)
		return invalid(msg, why, "\"api/verb\" is not a string");
	slash = strchr(apiverb, '/');
	if (!slash || slash == apiverb || !slash[1])
		return invalid(msg, why, "\"api/verb\" has no api or no verb");
	msg->api = apiverb;
	msg->api_len = (size_t)(slash - apiverb);
	msg->verb = slash + 1;
	msg->args = json_object_array_get_idx(msg->root, 3);
	if (n == 5) {
		tokobj = json_object_array_get_idx(msg->root, 4);
		if (tokobj) {
			msg->token = plain_string(tokobj);
			if (!msg->token)
				return invalid(msg, why, "the token is not a string");
		}
	}
	return 0;
}

int json1_parse_incoming(struct json_tokener *tok, const char *text, size_t len, struct json1_msg *msg,
			 const char **why)
{
	size_t n;

	memset(msg, 0, sizeof *msg);
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
		msg->args = json_object_array_get_idx(msg->root, 2);
		if (n == 4 && !(msg->token = plain_string(json_object_array_get_idx(msg->root, 3))))
			return invalid(msg, why, "the token is not a string");
		return 0;
	case JSON1_EVENT:
		if (n != 3)
			return invalid(msg, why, "an event has 3 elements");
		msg->api = plain_string(json_object_array_get_idx(msg->root, 1));
		if (!msg->api)
			return invalid(msg, why, "the event name is not a string");
		msg->api_len = strlen(msg->api);
		msg->args = json_object_array_get_idx(msg->root, 2);
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

void json1_reply_begin(struct jbuf *b, int code, struct json_object *id)
{
	jbuf_char(b, '[');
	jbuf_int(b, code);
	jbuf_char(b, ',');
	jbuf_json(b, id);
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
