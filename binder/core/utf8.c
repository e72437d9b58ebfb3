/* SPDX-License-Identifier: Apache-2.0 */
/*
 * UTF-8 validation and repair. See utf8.h.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "utf8.h"
#include "verbose.h"

static atomic_ulong repairs;

/*
 * Looks at the sequence starting at s[0] (s < end, s[0] >= 0x80). Returns
 * its length when it is a well-formed sequence, else 0 and sets *bad to the
 * length of its maximal invalid subpart (the lead byte and the continuation
 * bytes that were still acceptable): table 3-7 of the Unicode standard.
 */
static size_t sequence(const uint8_t *s, const uint8_t *end, size_t *bad)
{
	uint8_t c = s[0], lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;	/* overlong */
		else if (c == 0xed)
			hi = 0x9f;	/* surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;	/* overlong */
		else if (c == 0xf4)
			hi = 0x8f;	/* above U+10FFFF */
	} else {
		*bad = 1;
		return 0;
	}
	for (i = 1; i < n; i++) {
		if (s + i >= end || s[i] < lo || s[i] > hi) {
			*bad = i;
			return 0;
		}
		lo = 0x80;
		hi = 0xbf;
	}
	return n;
}

/* Bytes of ASCII at the start of 'text', 8 at a time. */
static size_t ascii_prefix(const uint8_t *s, size_t len)
{
	size_t i = 0;
	uint64_t w;

	while (len - i >= 8) {
		memcpy(&w, s + i, 8);
		if (w & 0x8080808080808080ull)
			break;
		i += 8;
	}
	while (i < len && s[i] < 0x80)
		i++;
	return i;
}

/* Length of the longest valid prefix of 'len' bytes of 'text'. */
static size_t valid_prefix(const uint8_t *s, size_t len)
{
	const uint8_t *p = s, *end;
	size_t n, bad;

	if (!len)
		return 0;	/* 's' may be NULL */
	end = s + len;
	for (;;) {
		p += ascii_prefix(p, (size_t)(end - p));
		if (p == end)
			return len;
		n = sequence(p, end, &bad);
		if (!n)
			return (size_t)(p - s);
		p += n;
	}
}

int utf8_valid(const void *text, size_t len)
{
	return valid_prefix(text, len) == len;
}

int utf8_valid_str(const char *s)
{
	return !s || utf8_valid(s, strlen(s));
}

char *utf8_repair(const void *text, size_t len, size_t *outlen)
{
	static const uint8_t fffd[3] = { 0xef, 0xbf, 0xbd };
	const uint8_t *s = text, *end = s + len;
	uint8_t *out, *o;
	size_t n, bad;

	/* at worst each byte becomes 3 */
	if (len > (SIZE_MAX - 1) / 3)
		return NULL;
	out = malloc(3 * len + 1);
	if (!out)
		return NULL;
	o = out;
	while (s < end) {
		n = valid_prefix(s, (size_t)(end - s));
		memcpy(o, s, n);
		o += n;
		s += n;
		if (s == end)
			break;
		sequence(s, end, &bad);
		memcpy(o, fffd, 3);
		o += 3;
		s += bad;
	}
	*o = 0;
	if (outlen)
		*outlen = (size_t)(o - out);
	/* give back what the worst case reserved */
	o = realloc(out, (size_t)(o - out) + 1);
	return (char *)(o ? o : out);
}

size_t utf8_sequence(const void *s, const void *end, size_t *bad)
{
	return sequence(s, end, bad);
}

/* Counts a repair; warns the 1st, 2nd, 4th, 8th... time. */
void utf8_note_repair(const char *what)
{
	unsigned long n = atomic_fetch_add(&repairs, 1) + 1;

	if (!(n & (n - 1)))
		LOGW("invalid UTF-8 in %s replaced by U+FFFD (%lu repairs so far): a binding or a remote binder "
		     "built a bad string", what, n);
}

/*
 * Offset of the first NaN or Infinity of a json-c text, outside strings,
 * or 'len'. Outside strings, json-c writes no other capital letter (its
 * literals are true, false, null; its exponents are lower case): a quick
 * look for 'N' and 'I' spares the scan of most texts.
 */
static size_t find_nonfinite(const char *t, size_t len)
{
	size_t i;
	int in_string = 0;

	if (!memchr(t, 'N', len) && !memchr(t, 'I', len))
		return len;
	for (i = 0; i < len; i++) {
		if (in_string) {
			if (t[i] == '\\')
				i++;
			else if (t[i] == '"')
				in_string = 0;
		} else if (t[i] == '"') {
			in_string = 1;
		} else if (t[i] == 'N' || t[i] == 'I') {
			return i && t[i - 1] == '-' ? i - 1 : i;
		}
	}
	return len;
}

/* A copy of 't' with its NaN, Infinity and -Infinity (from 'first' on) written null. */
static char *null_nonfinite(const char *t, size_t len, size_t first, size_t *outlen)
{
	/* "NaN" (3 bytes) is the shortest: null is at most 4/3 of it */
	char *out = malloc(len + len / 3 + 5), *o;
	size_t i = first, n;

	if (!out)
		return NULL;
	memcpy(out, t, first);
	o = out + first;
	while (i < len) {
		n = t[i] == '-' ? 1 : 0;
		n += t[i + n] == 'N' ? 3 : 8;	/* NaN, Infinity */
		memcpy(o, "null", 4);
		o += 4;
		i += n;
		n = i + find_nonfinite(t + i, len - i);
		memcpy(o, t + i, n - i);
		o += n - i;
		i = n;
	}
	*o = 0;
	*outlen = (size_t)(o - out);
	return out;
}

const char *utf8_json_text(struct json_object *obj, int flags, size_t *len, char **tofree)
{
	const char *text;
	char *fixed;
	size_t n = 0, first;

	*tofree = NULL;
	text = json_object_to_json_string_length(obj, flags, &n);
	if (!text)
		return NULL;
	/* json-c escapes control characters: only string bytes >= 0x80 can be wrong */
	if (!utf8_valid(text, n)) {
		*tofree = utf8_repair(text, n, &n);
		if (!*tofree)
			return NULL;
		text = *tofree;
		utf8_note_repair("a JSON text");
	}
	/*
	 * JSON has no NaN nor infinities, but json-c reads them (even in
	 * strict mode) and writes them as such: a client's NaN echoed to
	 * every browser would make their JSON.parse fail. They go out as null.
	 */
	first = find_nonfinite(text, n);
	if (first < n) {
		fixed = null_nonfinite(text, n, first, &n);
		free(*tofree);
		*tofree = fixed;
		if (!fixed)
			return NULL;
		text = fixed;
	}
	if (len)
		*len = n;
	return text;
}

const char *utf8_str(const char *s, const char *what, char **tofree)
{
	*tofree = NULL;
	if (utf8_valid_str(s))
		return s;
	utf8_note_repair(what);
	*tofree = utf8_repair(s, strlen(s), NULL);
	return *tofree ? *tofree : "?";
}

unsigned long utf8_repair_count(void)
{
	return atomic_load(&repairs);
}
