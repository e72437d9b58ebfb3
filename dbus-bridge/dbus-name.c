/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "dbus-name.h"

static const char hex[] = "0123456789abcdef";

static int is_kept(const char *s, const char *p)
{
	return (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (p > s && *p >= '0' && *p <= '9');
}

/* Writes the label of 's' after 'prefix', stopping before 'limit' bytes of label (0: none). */
static char *escape_after(const char *prefix, const char *s, size_t limit)
{
	size_t plen = strlen(prefix), n = 0;
	char *result = malloc(plen + strlen(s) * 3 + 2), *t;
	const char *p;

	if (!result)
		return NULL;
	memcpy(result, prefix, plen);
	t = result + plen;
	if (!*s) {
		*t++ = '_';
	} else {
		for (p = s; *p; p++) {
			n += is_kept(s, p) ? 1 : 3;
			if (limit && n > limit)
				break;
			if (is_kept(s, p)) {
				*t++ = *p;
			} else {
				*t++ = '_';
				*t++ = hex[(unsigned char)*p >> 4];
				*t++ = hex[(unsigned char)*p & 15];
			}
		}
	}
	*t = 0;
	return result;
}

char *dbus_name_escape(const char *s)
{
	return escape_after("", s, 0);
}

static int unhex(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

char *dbus_name_unescape(const char *label)
{
	char *result, *t;
	const char *p;
	int hi, lo;

	if (!*label)
		return NULL;
	if (!strcmp(label, "_"))
		return strdup("");
	result = malloc(strlen(label) + 1);
	if (!result)
		return NULL;
	for (p = label, t = result; *p; p++) {
		if (*p == '_') {
			if ((hi = unhex(p[1])) < 0 || (lo = unhex(p[2])) < 0)
				goto bad;
			*t = (char)(hi << 4 | lo);
			/* refuse what the rule would not escape: one label per string */
			if (!*t || is_kept(result, t))
				goto bad;
			t++;
			p += 2;
		} else if (is_kept(label, p)) {
			*t++ = *p;
		} else {
			goto bad;
		}
	}
	*t = 0;
	return result;
bad:
	free(result);
	return NULL;
}

/* 'prefix' and the label of 'text', NULL when longer than a D-Bus name may be */
static char *limited(const char *prefix, const char *text)
{
	char *name = escape_after(prefix, text, 0);

	if (name && strlen(name) > DBUS_NAME_MAX) {
		free(name);
		return NULL;
	}
	return name;
}

char *dbus_name_of_api(const char *api)
{
	return limited(DBUS_NAME_API_PREFIX, api);
}

char *dbus_name_typed_of_api(const char *api)
{
	return limited(DBUS_NAME_TYPED_PREFIX, api);
}

char *dbus_name_path_of_api(const char *api)
{
	return escape_after(DBUS_NAME_PATH_PREFIX "/", api, 0);
}

char *dbus_name_api_of_path(const char *path)
{
	size_t len = strlen(DBUS_NAME_PATH_PREFIX);

	if (strncmp(path, DBUS_NAME_PATH_PREFIX "/", len + 1) || strchr(path + len + 1, '/'))
		return NULL;
	return dbus_name_unescape(path + len + 1);
}

char *dbus_name_member_of_verb(const char *verb)
{
	return limited("", verb);
}

char *dbus_name_error_of_status(const char *status)
{
	return escape_after(DBUS_NAME_ERROR_PREFIX, status, DBUS_NAME_MAX - strlen(DBUS_NAME_ERROR_PREFIX));
}

char *dbus_name_status_of_error(const char *error)
{
	size_t len = strlen(DBUS_NAME_ERROR_PREFIX);

	if (!error || strncmp(error, DBUS_NAME_ERROR_PREFIX, len))
		return NULL;
	return dbus_name_unescape(error + len);
}
