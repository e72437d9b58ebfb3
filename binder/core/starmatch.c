/* SPDX-License-Identifier: Apache-2.0 */
/*
 * '*'-only patterns (starmatch.h): the classic greedy match that, on a
 * mismatch, lets the last '*' seen swallow one more character.
 */
#include <ctype.h>
#include "starmatch.h"

static int same(char a, char b, int casefold)
{
	return a == b || (casefold && tolower((unsigned char)a) == tolower((unsigned char)b));
}

static int match(const char *p, const char *s, int casefold)
{
	const char *star = 0, *resume = 0;

	while (*s) {
		if (*p == '*') {
			star = ++p;		/* what follows the star... */
			resume = s;		/* ...is tried from here first */
		} else if (*p && same(*p, *s, casefold)) {
			p++;
			s++;
		} else if (star) {
			p = star;		/* the star takes one more character */
			s = ++resume;
		} else {
			return 0;
		}
	}
	while (*p == '*')
		p++;
	return !*p;
}

int starmatch(const char *pattern, const char *text)
{
	return match(pattern, text, 0);
}

int starmatch_casefold(const char *pattern, const char *text)
{
	return match(pattern, text, 1);
}
