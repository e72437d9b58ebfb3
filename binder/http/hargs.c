/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Args of HTTP api calls: every value gathered from the query string and
 * forms is a JSON string (or null), with no type inference, because the
 * transport cannot tell "1" from 1; JSON bodies keep their types.
 */
#include <errno.h>
#include <string.h>
#include <json-c/json.h>
#include <microhttpd.h>

#include "hargs.h"
#include "jtok.h"
#include "utf8.h"

int hargs_add(struct json_object *args, const char *key, struct json_object *value)
{
	struct json_object *old, *array;

	if (!json_object_object_get_ex(args, key, &old))
		goto add;

	/* only repeats make arrays here: forms and query give scalars or file objects */
	if (json_object_is_type(old, json_type_array)) {
		if (json_object_array_add(old, value) < 0)
			goto nomem;
		return 0;
	}
	array = json_object_new_array_ext(2);
	if (!array)
		goto nomem;
	if (json_object_array_add(array, json_object_get(old)) < 0) {
		json_object_put(old);
		json_object_put(array);
		goto nomem;
	}
	if (json_object_array_add(array, value) < 0) {
		json_object_put(array);
		goto nomem;
	}
	value = array;
add:
	/* replacing 'old' releases the reference args had on it */
	if (json_object_object_add(args, key, value) < 0)
		goto nomem;
	return 0;
nomem:
	json_object_put(value);
	return -ENOMEM;
}

/*
 * Adds one decoded pair; 'value' NULL means "no '='" and gives JSON null.
 * Texts that are not UTF-8 are refused (-EILSEQ): every string the verbs
 * get, and that replies may echo, is valid.
 */
static int add_pair(struct json_object *args, const char *key, const char *value, size_t value_len)
{
	struct json_object *jv = NULL;

	if (!utf8_valid_str(key) || (value && !utf8_valid(value, value_len)))
		return -EILSEQ;
	if (value) {
		jv = json_object_new_string_len(value, (int)value_len);
		if (!jv)
			return -ENOMEM;
	}
	return hargs_add(args, key, jv);
}

/* closure of query_iterator */
struct query_ctx {
	struct json_object *args;
	int rc;
};

static enum MHD_Result query_iterator(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
				      const char *value, size_t value_size)
{
	struct query_ctx *ctx = cls;

	ctx->rc = add_pair(ctx->args, key, value, value_size);
	return ctx->rc < 0 ? MHD_NO : MHD_YES;
}

int hargs_add_query(struct json_object *args, struct MHD_Connection *con)
{
	struct query_ctx ctx = { args, 0 };

	MHD_get_connection_values_n(con, MHD_GET_ARGUMENT_KIND, query_iterator, &ctx);
	return ctx.rc;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes '+' and %XX in place (a bad escape is kept as is); returns the new length. */
static size_t form_unescape(char *s, size_t len)
{
	size_t i, o;
	int h, l;

	for (i = o = 0; i < len; i++) {
		char c = s[i];
		if (c == '+')
			c = ' ';
		else if (c == '%' && i + 2 < len
			 && (h = hexval(s[i + 1])) >= 0 && (l = hexval(s[i + 2])) >= 0) {
			c = (char)(h << 4 | l);
			i += 2;
		}
		s[o++] = c;
	}
	return o;
}

int hargs_add_urlencoded(struct json_object *args, char *body, size_t len)
{
	char *end = body + len, *piece, *amp, *eq;
	size_t klen, vlen;
	int rc;

	for (piece = body; piece < end; piece = amp + 1) {
		amp = memchr(piece, '&', (size_t)(end - piece));
		if (!amp)
			amp = end;
		if (amp == piece)
			continue;	/* "a=1&&b=2" */
		eq = memchr(piece, '=', (size_t)(amp - piece));
		klen = form_unescape(piece, (size_t)((eq ? eq : amp) - piece));
		/* the key is a C string: its terminator overwrites '=' or '&' (or lands in the spare byte) */
		if (eq) {
			vlen = form_unescape(eq + 1, (size_t)(amp - eq - 1));
			piece[klen] = 0;
			rc = add_pair(args, piece, eq + 1, vlen);
		} else {
			piece[klen] = 0;
			rc = add_pair(args, piece, NULL, 0);
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int hargs_add_json_body(struct json_object *args, const char *body, size_t len, const char **reason)
{
	struct json_tokener *tok;
	struct json_object *obj, *raw;
	enum json_tokener_error err;
	size_t end;

	if (len > INT32_MAX - 1) {
		if (reason)
			*reason = "too large";
		return -EINVAL;
	}
	/* raw bytes are copied into strings as they are: \u escapes always give valid UTF-8 */
	if (!utf8_valid(body, len))
		return -EILSEQ;
	/* the thread's, kept (jtok.h) */
	tok = jtok_get(JSON_TOKENER_DEFAULT_DEPTH);
	if (!tok)
		return -ENOMEM;
	/*
	 * Parsing includes the terminating NUL so that a top-level number
	 * ends; anything but blanks after the value is an error.
	 */
	obj = jtok_parse_ex(tok, body, (int)len + 1);
	err = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (err != json_tokener_success) {
		json_object_put(obj);
		if (reason)
			*reason = err == json_tokener_continue ? "unexpected end of data"
							       : json_tokener_error_desc(err);
		return -EINVAL;
	}
	while (end < len && is_ws(body[end]))
		end++;
	if (end < len) {
		json_object_put(obj);
		if (reason)
			*reason = "unexpected data after the JSON value";
		return -EINVAL;
	}

	raw = json_object_new_string_len(body, (int)len);
	if (!raw || json_object_object_add(args, "", raw) < 0) {
		json_object_put(obj);
		return -ENOMEM;
	}
	if (json_object_is_type(obj, json_type_object)) {
		json_object_object_foreach(obj, key, val) {
			/* a body member wins over a query arg of the same key */
			if (json_object_object_add(args, key, json_object_get(val)) < 0) {
				json_object_put(val);
				json_object_put(obj);
				return -ENOMEM;
			}
		}
	}
	json_object_put(obj);
	return 0;
}

const char *hargs_string(struct json_object *args, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(args, key, &v))
		return NULL;
	if (json_object_is_type(v, json_type_array))
		v = json_object_array_get_idx(v, 0);
	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}
