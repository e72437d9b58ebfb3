/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "dbus-json.h"
#include "jtok.h"
#include "dbus-text.h"
#include "utf8.h"

int dbus_json_parse(const char *text, struct json_object **out)
{
	struct json_tokener *tok;
	struct json_object *obj;
	enum json_tokener_error jerr;
	size_t len = strlen(text), end;

	*out = NULL;
	end = strspn(text, " \t\r\n");
	if (end == len)
		return 0;
	if (!strcmp(text, "{}")) {
		/* the most common arguments, without a tokener */
		*out = json_object_new_object();
		return *out ? 0 : -ENOMEM;
	}
	if (len > INT_MAX)
		return -E2BIG;
	/* sd-bus already refuses strings that are not UTF-8: this is a belt */
	if (!utf8_valid(text, len))
		return -EINVAL;
	/* the thread's, kept (jtok.h) */
	tok = jtok_get(DBUS_JSON_MAX_DEPTH);
	if (!tok)
		return -ENOMEM;
	obj = jtok_parse_ex(tok, text, (int)len + 1);	/* the NUL ends a trailing number */
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	/* the tokener may have taken the terminating NUL too */
	if (end > len)
		end = len;
	if (jerr != json_tokener_success || text[end + strspn(text + end, " \t\r\n")]) {
		json_object_put(obj);
		return jerr == json_tokener_error_depth ? -E2BIG : -EINVAL;
	}
	*out = obj;
	return 0;
}

char *dbus_json_text(struct json_object *obj)
{
	char *made;
	const char *text = dbus_text_json(obj, &made);

	return made ? made : text ? strdup(text) : NULL;
}
