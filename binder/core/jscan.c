/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The plain JSON check of jscan.h: one pass, no allocation, the open
 * containers kept as bits (1: object, 0: array).
 */
#include <stdint.h>

#include "jscan.h"
#include "utf8.h"

typedef const unsigned char *ptr;

static ptr ws(ptr p, ptr end)
{
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	return p;
}

/* The value of 4 hex digits at p (p + 4 <= end), or -1. */
static long hex4(ptr p)
{
	long v = 0;
	int i, c;

	for (i = 0; i < 4; i++) {
		c = p[i];
		if (c >= '0' && c <= '9')
			c -= '0';
		else if (c >= 'a' && c <= 'f')
			c -= 'a' - 10;
		else if (c >= 'A' && c <= 'F')
			c -= 'A' - 10;
		else
			return -1;
		v = v << 4 | c;
	}
	return v;
}

/* p at the opening quote: past the closing one, or NULL. */
static ptr string(ptr p, ptr end)
{
	ptr run;
	long u, lo;

	for (p++; p < end; ) {
		if (*p == '"')
			return p + 1;
		if (*p < 0x20)
			return NULL;
		if (*p >= 0x80) {
			/* a run of non-ASCII bytes holds whole sequences when it is valid */
			for (run = p; p < end && *p >= 0x80; p++);
			if (!utf8_valid(run, (size_t)(p - run)))
				return NULL;
			continue;
		}
		if (*p++ != '\\')
			continue;
		if (p >= end)
			return NULL;
		switch (*p++) {
		case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
			break;
		case 'u':
			if (end - p < 4 || (u = hex4(p)) < 0)
				return NULL;
			p += 4;
			if (u >= 0xdc00 && u <= 0xdfff)
				return NULL;	/* a lone low surrogate */
			if (u >= 0xd800 && u <= 0xdbff) {
				if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || (lo = hex4(p + 2)) < 0xdc00 || lo > 0xdfff)
					return NULL;	/* a high one not followed by a low one */
				p += 6;
			}
			break;
		default:
			return NULL;
		}
	}
	return NULL;
}

/*
 * Whether the integer of 'n' digits fits json-c's int64 (negative) or
 * uint64 (positive): beyond, json-c clamps it.
 */
static int fits(ptr digits, size_t n, int neg)
{
	const char *max = neg ? "9223372036854775808" : "18446744073709551615";
	size_t maxlen = neg ? 19 : 20, i;

	if (n != maxlen)
		return n < maxlen;
	for (i = 0; i < n && digits[i] == (unsigned char)max[i]; i++);
	return i == n || digits[i] < (unsigned char)max[i];
}

/* p at '-' or a digit: past the number, or NULL. */
static ptr number(ptr p, ptr end)
{
	ptr digits;
	int neg = *p == '-', exact;

	if (neg)
		p++;
	digits = p;
	if (p < end && *p == '0')
		p++;
	else if (p < end && *p >= '1' && *p <= '9')
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	else
		return NULL;
	exact = fits(digits, (size_t)(p - digits), neg);
	if (p < end && *p == '.') {
		digits = ++p;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
		if (p == digits)
			return NULL;
		exact = 1;	/* a double: json-c keeps its text */
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		digits = p;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
		if (p == digits || p - digits > 3)
			return NULL;
		exact = 1;
	}
	return exact ? p : NULL;
}

static ptr literal(ptr p, ptr end, const char *word, int n)
{
	int i;

	if (end - p < n)
		return NULL;
	for (i = 0; i < n; i++)
		if (p[i] != (unsigned char)word[i])
			return NULL;
	return p + n;
}

enum jscan_kind jscan_plain(const char *text, size_t len)
{
	ptr p = (ptr)text, end = p + len;
	uint64_t objects = 0;	/* bit d: the container at depth d + 1 is an object */
	int depth = 0, top_null = 0;

	if (!text)
		return JSCAN_NOT_PLAIN;
value:
	p = ws(p, end);
	if (p >= end)
		return JSCAN_NOT_PLAIN;
	switch (*p) {
	case '{':
	case '[':
		if (depth == JSCAN_MAX_DEPTH)
			return JSCAN_NOT_PLAIN;
		if (*p == '{')
			objects |= (uint64_t)1 << depth;
		else
			objects &= ~((uint64_t)1 << depth);
		depth++;
		p = ws(p + 1, end);
		if (p < end && *p == (objects >> (depth - 1) & 1 ? '}' : ']')) {
			depth--;
			p++;
			goto after;
		}
		if (objects >> (depth - 1) & 1)
			goto key;
		goto value;
	case '"':
		p = string(p, end);
		break;
	case 't':
		p = literal(p, end, "true", 4);
		break;
	case 'f':
		p = literal(p, end, "false", 5);
		break;
	case 'n':
		p = literal(p, end, "null", 4);
		top_null = depth == 0;
		break;
	default:
		p = (*p == '-' || (*p >= '0' && *p <= '9')) ? number(p, end) : NULL;
		break;
	}
	if (!p)
		return JSCAN_NOT_PLAIN;
after:
	p = ws(p, end);
	if (depth == 0)
		return p == end ? (top_null ? JSCAN_NULL : JSCAN_VALUE) : JSCAN_NOT_PLAIN;
	if (p >= end)
		return JSCAN_NOT_PLAIN;
	if (*p == ',') {
		p++;
		if (objects >> (depth - 1) & 1)
			goto key;
		goto value;
	}
	if (*p != (objects >> (depth - 1) & 1 ? '}' : ']'))
		return JSCAN_NOT_PLAIN;
	depth--;
	p++;
	goto after;
key:
	p = ws(p, end);
	if (p >= end || *p != '"' || !(p = string(p, end)))
		return JSCAN_NOT_PLAIN;
	p = ws(p, end);
	if (p >= end || *p != ':')
		return JSCAN_NOT_PLAIN;
	p++;
	goto value;
}
