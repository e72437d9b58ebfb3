/* SPDX-License-Identifier: Apache-2.0 */
/*
 * UTF-8 validation, following the well-formed byte sequences table of the
 * Unicode standard (3.9, table 3-7).
 */
#include <stdint.h>
#include "utf8.h"

int utf8_valid(const void *text, size_t len)
{
	const uint8_t *s = text, *end = s + len;
	uint8_t c, lo, hi;
	int n;

	while (s < end) {
		c = *s++;
		if (c < 0x80)
			continue;
		/* second byte range and count of continuation bytes */
		lo = 0x80;
		hi = 0xbf;
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			if (c == 0xe0)
				lo = 0xa0;	/* overlong */
			else if (c == 0xed)
				hi = 0x9f;	/* surrogates */
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			if (c == 0xf0)
				lo = 0x90;	/* overlong */
			else if (c == 0xf4)
				hi = 0x8f;	/* above U+10FFFF */
		} else {
			return 0;
		}
		if (end - s < n || *s < lo || *s > hi)
			return 0;
		for (s++, n--; n > 0; n--, s++)
			if ((*s & 0xc0) != 0x80)
				return 0;
	}
	return 1;
}
