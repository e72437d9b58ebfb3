/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "dbus-json.h"
#include "dbus-text.h"
#include "utf8.h"

static int is_noncharacter(uint32_t c)
{
	return (c >= 0xfdd0 && c <= 0xfdef) || (c & 0xfffe) == 0xfffe;
}

/*
 * In valid UTF-8 at 'p' (a lead byte >= 0xef): the code point and the
 * length of its sequence. Only EF.. (3 bytes) and F0..F4 (4 bytes) can be
 * noncharacters.
 */
static uint32_t decode(const unsigned char *p, size_t *n)
{
	if (*p < 0xf0) {
		*n = 3;
		return (uint32_t)(p[0] & 0x0f) << 12 | (uint32_t)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
	}
	*n = 4;
	return (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3f) << 12 | (uint32_t)(p[2] & 0x3f) << 6
		| (p[3] & 0x3f);
}

/* Offset of the first noncharacter of valid UTF-8, or 'len'. */
static size_t find_noncharacter(const unsigned char *s, size_t len)
{
	size_t i = 0, n;

	while (i < len) {
		if (s[i] < 0xef) {
			i++;
			continue;
		}
		if (is_noncharacter(decode(s + i, &n)))
			return i;
		i += n;
	}
	return len;
}

enum dbus_text_kind dbus_text_kind(const char *s, size_t len)
{
	if (!utf8_valid(s, len))
		return DBUS_TEXT_INVALID;
	if (memchr(s, 0, len) || find_noncharacter((const unsigned char *)s, len) < len)
		return DBUS_TEXT_UNICODE;
	return DBUS_TEXT_STRING;
}

/*
 * A copy of valid UTF-8 's' where each noncharacter is replaced by U+FFFD
 * (json = 0) or by its JSON escape (json = 1), NUL-terminated.
 */
static char *rewrite(const char *s, size_t len, int json)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, o = 0, n;
	uint32_t c;
	char *out = malloc(len * 4 + 1);	/* 3 or 4 bytes become at most 12 */

	if (!out)
		return NULL;
	while (i < len) {
		if (p[i] < 0xef || !is_noncharacter(c = decode(p + i, &n))) {
			out[o++] = (char)p[i++];
			continue;
		}
		if (!json) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
		} else if (c < 0x10000) {
			o += (size_t)sprintf(out + o, "\\u%04x", (unsigned)c);
		} else {
			c -= 0x10000;
			o += (size_t)sprintf(out + o, "\\u%04x\\u%04x", 0xd800 + (unsigned)(c >> 10),
					     0xdc00 + (unsigned)(c & 0x3ff));
		}
		i += n;
	}
	out[o] = 0;
	return out;
}

const char *dbus_text_plain(const char *s, const char *what, char **tofree)
{
	char *fixed = NULL, *again;
	size_t len;

	s = utf8_str(s, what, &fixed);	/* valid UTF-8 from here */
	len = strlen(s);
	*tofree = fixed;
	if (find_noncharacter((const unsigned char *)s, len) == len)
		return s;
	again = rewrite(s, len, 0);
	free(fixed);
	*tofree = again;
	return again ? again : "?";
}

int dbus_text_json_escape(const char *text, size_t len, char **copy)
{
	/* in a JSON text, bytes >= 0x80 are inside strings, where escapes keep the value */
	*copy = NULL;
	if (find_noncharacter((const unsigned char *)text, len) == len)
		return 0;
	*copy = rewrite(text, len, 1);
	return *copy ? 1 : -ENOMEM;
}

const char *dbus_text_json(struct json_object *obj, char **tofree)
{
	char *fixed = NULL, *again;
	const char *text;
	size_t len;

	*tofree = NULL;
	text = utf8_json_text(obj, DBUS_JSON_TEXT, &len, &fixed);
	if (!text)
		return NULL;
	*tofree = fixed;
	if (dbus_text_json_escape(text, len, &again) == 0)
		return text;
	free(fixed);
	*tofree = again;
	return again;
}
