/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "dbus-json.h"
#include "dbus-text.h"
#include "utf8.h"

/*
 * One tokener per thread, kept: making one per parse cost several
 * allocations per call (it is reset before each use, freed at thread exit).
 */
static pthread_key_t tok_key;
static pthread_once_t tok_once = PTHREAD_ONCE_INIT;

static void tok_free(void *tok)
{
	json_tokener_free(tok);
}

static void tok_init(void)
{
	if (pthread_key_create(&tok_key, tok_free) != 0)
		tok_key = (pthread_key_t)-1;
}

static struct json_tokener *tokener(int *owned)
{
	struct json_tokener *tok;

	*owned = 0;
	pthread_once(&tok_once, tok_init);
	if (tok_key == (pthread_key_t)-1) {
		*owned = 1;
		return json_tokener_new_ex(DBUS_JSON_MAX_DEPTH);
	}
	tok = pthread_getspecific(tok_key);
	if (!tok) {
		tok = json_tokener_new_ex(DBUS_JSON_MAX_DEPTH);
		if (tok && pthread_setspecific(tok_key, tok) != 0)
			*owned = 1;
	} else {
		json_tokener_reset(tok);
	}
	return tok;
}

int dbus_json_parse(const char *text, struct json_object **out)
{
	struct json_tokener *tok;
	struct json_object *obj;
	int owned;
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
	tok = tokener(&owned);
	if (!tok)
		return -ENOMEM;
	obj = json_tokener_parse_ex(tok, text, (int)len + 1);	/* the NUL ends a trailing number */
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (owned)
		json_tokener_free(tok);
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
