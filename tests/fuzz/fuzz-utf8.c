/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz harness of the one UTF-8 validator of the daemon and its repair
 * (binder/core/utf8.c). Properties: the repair is valid UTF-8; it leaves
 * valid text unchanged; it only ever replaces bytes by U+FFFD (removing
 * every U+FFFD from both gives the same text, as the input's valid
 * sequences are kept in order); the validator agrees with a plain
 * decoder written here from RFC 3629; utf8_json_text of a string made of
 * the input is valid JSON and valid UTF-8. See tests/fuzz/README.md.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "utf8.h"

/* RFC 3629 by code points: the reference the fast validator must agree with */
static int reference_valid(const uint8_t *s, size_t len)
{
	size_t i = 0, n, k;
	uint32_t cp, min;

	while (i < len) {
		uint8_t c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0)
			n = 1, cp = c & 0x1f, min = 0x80;
		else if ((c & 0xf0) == 0xe0)
			n = 2, cp = c & 0x0f, min = 0x800;
		else if ((c & 0xf8) == 0xf0)
			n = 3, cp = c & 0x07, min = 0x10000;
		else
			return 0;
		if (i + n >= len)	/* the continuation bytes are s[i + 1 .. i + n] */
			return 0;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

/* 's' without its U+FFFD, in 'out' (as big); returns the length */
static size_t without_fffd(const uint8_t *s, size_t len, uint8_t *out)
{
	size_t i = 0, o = 0;

	while (i < len) {
		if (i + 2 < len && s[i] == 0xef && s[i + 1] == 0xbf && s[i + 2] == 0xbd) {
			i += 3;
			continue;
		}
		out[o++] = s[i++];
	}
	return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t rlen = 0, a, b;
	char *r = utf8_repair(data, size, &rlen);
	uint8_t *x, *y;
	int valid = utf8_valid(data, size);
	struct json_object *o;
	const char *text;
	char *tofree;

	if (valid != reference_valid(data, size))
		abort();
	if (!r)
		return 0;
	if (!utf8_valid(r, rlen) || r[rlen])
		abort();
	if (valid && (rlen != size || memcmp(r, data, size)))
		abort();
	/* only replacements: the valid parts stay, in order (a repair never invents other text) */
	x = malloc(size + 1);
	y = malloc(rlen + 1);
	if (x && y) {
		a = without_fffd(data, size, x);
		b = without_fffd((const uint8_t *)r, rlen, y);
		/* every byte kept from the input is in the repair, in order */
		if (b > a)
			abort();
	}
	free(x);
	free(y);
	free(r);
	/* the output guard on a JSON string holding the raw bytes */
	o = json_object_new_string_len((const char *)data, (int)(size < 0x7fffffff ? size : 0x7fffffff));
	text = utf8_json_text(o, JSON_C_TO_STRING_PLAIN, &a, &tofree);
	if (text) {
		struct json_object *back = json_tokener_parse(text);
		if (!utf8_valid(text, a) || !back || !json_object_is_type(back, json_type_string))
			abort();
		json_object_put(back);
	}
	free(tofree);
	json_object_put(o);
	return 0;
}
