/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JSON texts written straight into the buffer that is sent. See jbuf.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "jbuf.h"
#include "utf8.h"

/* the daemon's output format: json-c's writer for what jbuf delegates */
static const int json_flags = JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE;

int jbuf_init(struct jbuf *b, size_t headroom, size_t hint)
{
	b->escape_slash = 0;
	b->head = b->len = headroom;
	b->cap = headroom + (hint ? hint : 64);
	b->data = malloc(b->cap);
	b->error = b->data ? 0 : -ENOMEM;
	if (!b->data)
		b->cap = 0;
	return b->error;
}

void jbuf_release(struct jbuf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

char *jbuf_finish(struct jbuf *b, size_t *len)
{
	char *data = b->error ? NULL : b->data, *smaller;

	if (!data) {
		free(b->data);
	} else {
		/* a large text may have a quarter of its buffer unused: give it back */
		if (b->cap > 4096 && b->cap - b->len > b->len / 4 && (smaller = realloc(data, b->len)) != NULL)
			data = smaller;
		if (len)
			*len = b->len;
	}
	b->data = NULL;
	b->len = b->cap = 0;
	return data;
}

char *jbuf_reserve(struct jbuf *b, size_t n)
{
	size_t cap;
	char *data;

	if (b->error)
		return NULL;
	if (n > b->cap - b->len) {
		if (n > SIZE_MAX / 2 - b->len)
			goto nomem;
		/* doubling: glibc grows large blocks with mremap, without a copy */
		cap = b->cap * 2;
		if (cap < b->len + n)
			cap = b->len + n;
		data = realloc(b->data, cap);
		if (!data)
			goto nomem;
		b->data = data;
		b->cap = cap;
	}
	return b->data + b->len;
nomem:
	b->error = -ENOMEM;
	return NULL;
}

void jbuf_raw(struct jbuf *b, const void *text, size_t len)
{
	char *p = jbuf_reserve(b, len);

	if (p) {
		memcpy(p, text, len);
		b->len += len;
	}
}

void jbuf_char(struct jbuf *b, char c)
{
	char *p = jbuf_reserve(b, 1);

	if (p) {
		*p = c;
		b->len++;
	}
}

void jbuf_int(struct jbuf *b, int64_t value)
{
	char tmp[24], *p = tmp + sizeof tmp;
	uint64_t u = value < 0 ? -(uint64_t)value : (uint64_t)value;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (value < 0)
		*--p = '-';
	jbuf_raw(b, p, (size_t)(tmp + sizeof tmp - p));
}

static void put_uint(struct jbuf *b, uint64_t u)
{
	char tmp[24], *p = tmp + sizeof tmp;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	jbuf_raw(b, p, (size_t)(tmp + sizeof tmp - p));
}

/* ---- strings ---- */

/*
 * Copies to 'dst' the bytes at the start of 's' that go out as they are
 * (not a control character, '"', '\\', nor a byte of a multibyte
 * sequence) and returns their count. The text is read once, copied while
 * it is checked (a large reply is mostly such runs: one pass over it,
 * not a scan then a copy). 'dst' has room for 'len' bytes; bytes after
 * the count may be written too (overwritten by what follows).
 */
static size_t copy_plain(uint8_t *dst, const uint8_t *s, size_t len, int slash)
{
	/* with 'slash', '/' is special too; else a quote stands in for it (already special) */
	const uint8_t other = slash ? '/' : '"';
	size_t i = 0;

#ifdef __SSE2__
	const __m128i space = _mm_set1_epi8(0x20), quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
	const __m128i extra = _mm_set1_epi8((char)other);
	__m128i v;
	int mask;

	while (len - i >= 16) {
		v = _mm_loadu_si128((const __m128i *)(s + i));
		_mm_storeu_si128((__m128i *)(dst + i), v);
		/* signed: bytes >= 0x80 are below 0x20 too */
		mask = _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(v, space), _mm_cmpeq_epi8(v, extra)),
						      _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash))));
		if (mask)
			return i + (size_t)__builtin_ctz((unsigned)mask);
		i += 16;
	}
#else
	const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
	uint64_t w, q, e, o;

	/* SWAR: a byte < 0x20, == '"', == '\\', == other or >= 0x80 in the word (exact for "any") */
	while (len - i >= 8) {
		memcpy(&w, s + i, 8);
		q = w ^ (ones * '"');
		e = w ^ (ones * '\\');
		o = w ^ (ones * other);
		if ((((w - ones * 0x20) & ~w) | ((q - ones) & ~q) | ((e - ones) & ~e) | ((o - ones) & ~o) | w) & high)
			break;
		memcpy(dst + i, &w, 8);
		i += 8;
	}
#endif
	while (i < len && s[i] >= 0x20 && s[i] < 0x80 && s[i] != '"' && s[i] != '\\' && s[i] != other) {
		dst[i] = s[i];
		i++;
	}
	return i;
}

void jbuf_string(struct jbuf *b, const char *str, size_t len, const char *what)
{
	static const char hex[] = "0123456789abcdef";
	static const uint8_t fffd[3] = { 0xef, 0xbf, 0xbd };
	const uint8_t *s = (const uint8_t *)str, *end = s + len;
	char esc[6] = { '\\', 'u', '0', '0' };
	size_t n, bad;
	int repaired = 0;
	uint8_t c;

	/* the usual case in one reservation: no escape */
	if (!jbuf_reserve(b, len + 2))
		return;
	b->data[b->len++] = '"';
	while (s < end) {
		/* room for the rest as it is (reserved above until the first escape) */
		if (!jbuf_reserve(b, (size_t)(end - s) + 1))
			return;
		n = copy_plain((uint8_t *)b->data + b->len, s, (size_t)(end - s), b->escape_slash);
		b->len += n;
		s += n;
		if (s == end)
			break;
		c = *s;
		if (c >= 0x80) {
			n = utf8_sequence(s, end, &bad);
			if (n) {
				jbuf_raw(b, s, n);
				s += n;
			} else {
				jbuf_raw(b, fffd, 3);
				s += bad;
				repaired = 1;
			}
			continue;
		}
		s++;
		switch (c) {
		case '"': jbuf_lit(b, "\\\""); break;
		case '\\': jbuf_lit(b, "\\\\"); break;
		case '/': jbuf_lit(b, "\\/"); break;
		case '\b': jbuf_lit(b, "\\b"); break;
		case '\f': jbuf_lit(b, "\\f"); break;
		case '\n': jbuf_lit(b, "\\n"); break;
		case '\r': jbuf_lit(b, "\\r"); break;
		case '\t': jbuf_lit(b, "\\t"); break;
		default:
			/* as json-c writes them: \u00XX, lower case */
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			jbuf_raw(b, esc, 6);
			break;
		}
	}
	jbuf_char(b, '"');
	if (repaired)
		utf8_note_repair(what);
}

void jbuf_cstring(struct jbuf *b, const char *s, const char *what)
{
	if (s)
		jbuf_string(b, s, strlen(s), what);
	else
		jbuf_lit(b, "null");
}

/* ---- json-c objects ---- */

/* What json-c writes itself (doubles, nodes with user data), made valid UTF-8. */
static void put_delegated(struct jbuf *b, struct json_object *obj)
{
	const char *text;
	char *repaired;
	size_t len = 0;

	text = utf8_json_text(obj, b->escape_slash ? JSON_C_TO_STRING_PLAIN : json_flags, &len, &repaired);
	if (text)
		jbuf_raw(b, text, len);
	else
		b->error = -ENOMEM;
	free(repaired);
}

static void put_json(struct jbuf *b, struct json_object *obj)
{
	size_t i, n;
	int64_t v;
	int first;

	if (!obj) {
		jbuf_lit(b, "null");
		return;
	}
	if (json_object_get_userdata(obj)) {
		put_delegated(b, obj);
		return;
	}
	switch (json_object_get_type(obj)) {
	case json_type_boolean:
		if (json_object_get_boolean(obj))
			jbuf_lit(b, "true");
		else
			jbuf_lit(b, "false");
		break;
	case json_type_int:
		v = json_object_get_int64(obj);
		/* a uint64 above INT64_MAX reads as INT64_MAX */
		if (v == INT64_MAX)
			put_uint(b, json_object_get_uint64(obj));
		else
			jbuf_int(b, v);
		break;
	case json_type_string:
		jbuf_string(b, json_object_get_string(obj), (size_t)json_object_get_string_len(obj), "a JSON string");
		break;
	case json_type_object:
		jbuf_char(b, '{');
		first = 1;
		json_object_object_foreach(obj, key, val) {
			if (!first)
				jbuf_char(b, ',');
			first = 0;
			jbuf_string(b, key, strlen(key), "a JSON key");
			jbuf_char(b, ':');
			put_json(b, val);
		}
		jbuf_char(b, '}');
		break;
	case json_type_array:
		jbuf_char(b, '[');
		n = json_object_array_length(obj);
		for (i = 0; i < n; i++) {
			if (i)
				jbuf_char(b, ',');
			put_json(b, json_object_array_get_idx(obj, i));
		}
		jbuf_char(b, ']');
		break;
	case json_type_null:
		jbuf_lit(b, "null");
		break;
	default:	/* json_type_double */
		put_delegated(b, obj);
		break;
	}
}

/* children of a container looked at by estimate(), and the depth it goes to */
#define ESTIMATE_SAMPLE 4
#define ESTIMATE_DEPTH 3

/*
 * About the length of the text of 'obj' when none of its strings needs an
 * escape, from a sample: the first ESTIMATE_SAMPLE children of each
 * container, ESTIMATE_DEPTH levels down, stand for the others. At most
 * 84 nodes are read, never a byte of their strings.
 */
static double estimate(struct json_object *obj, int depth)
{
	size_t n, k = 0;
	double sum = 0;

	switch (json_object_get_type(obj)) {
	case json_type_string:
		return (double)json_object_get_string_len(obj) + 2;
	case json_type_object:
		n = (size_t)json_object_object_length(obj);
		if (!depth)
			return 16.0 * (double)n;
		json_object_object_foreach(obj, key, val) {
			if (k++ == ESTIMATE_SAMPLE)
				break;
			sum += (double)strlen(key) + 4 + estimate(val, depth - 1);
		}
		break;
	case json_type_array:
		n = json_object_array_length(obj);
		if (!depth)
			return 8.0 * (double)n;
		for (; k < n && k < ESTIMATE_SAMPLE; k++)
			sum += 1 + estimate(json_object_array_get_idx(obj, k), depth - 1);
		break;
	default:
		return 8;	/* numbers, booleans, null */
	}
	return 2 + (k ? sum * (double)n / (double)k : 0);
}

/*
 * A text expected above ESTIMATE_ABOVE is sized before it is written, up
 * to ESTIMATE_MAX: a sample can be wrong by far (four long strings ahead
 * of many short ones), and what is reserved beyond is only grown into.
 */
#define ESTIMATE_ABOVE 4096
#define ESTIMATE_MAX (16u << 20)

void jbuf_json(struct jbuf *b, struct json_object *obj)
{
	double n;

	/*
	 * A large text grown by doubling is copied at every step (the heap
	 * seldom extends a block in place while other threads allocate): an
	 * 850 KB reply was copied about once more. Reserve about its size
	 * first, with an eighth more for escapes.
	 */
	if (json_object_is_type(obj, json_type_array) || json_object_is_type(obj, json_type_object)) {
		n = estimate(obj, ESTIMATE_DEPTH) * 1.125;
		if (n > ESTIMATE_MAX)
			n = ESTIMATE_MAX;
		if (n > ESTIMATE_ABOVE && (size_t)n > b->cap - b->len)
			jbuf_reserve(b, (size_t)n);
	}
	put_json(b, obj);
}
