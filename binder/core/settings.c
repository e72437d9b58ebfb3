/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store of per-api settings (settings.h): one JSON object
 * {"API": {"KEY": VALUE}}, the api names as first given.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <json-c/json.h>

#include "settings.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct json_object *store;	/* NULL until the first setting */

/* The settings object of 'api' in the store (ignoring case), or NULL. */
static struct json_object *find(const char *api)
{
	if (!store)
		return NULL;
	json_object_object_foreach(store, name, value) {
		if (!strcasecmp(name, api))
			return value;
	}
	return NULL;
}

static const char *normal_api(const char *api)
{
	return !api || !*api ? "*" : api;
}

int settings_set(const char *api, const char *key, struct json_object *value)
{
	struct json_object *obj;
	int rc = -ENOMEM;

	api = normal_api(api);
	if (!key || !*key || strchr(api, '/')) {
		json_object_put(value);
		return -EINVAL;
	}
	pthread_mutex_lock(&lock);
	if (!store)
		store = json_object_new_object();
	obj = find(api);
	if (!obj && store) {
		obj = json_object_new_object();
		if (obj && json_object_object_add(store, api, obj) < 0) {
			json_object_put(obj);
			obj = NULL;
		}
	}
	if (obj && json_object_object_add(obj, key, value) == 0) {
		value = NULL;
		rc = 0;
	}
	pthread_mutex_unlock(&lock);
	json_object_put(value);
	return rc;
}

/* Parses the whole of 'text' as JSON into *out: 1, or 0 when it is not JSON. */
static int parse_json(const char *text, struct json_object **out)
{
	struct json_tokener *tok = json_tokener_new();
	size_t len = strlen(text);
	int ok = 0;

	*out = NULL;
	if (!tok)
		return 0;
	*out = json_tokener_parse_ex(tok, text, (int)len + 1);	/* the NUL ends a bare number */
	ok = json_tokener_get_error(tok) == json_tokener_success
	     && json_tokener_get_parse_end(tok) >= len;
	json_tokener_free(tok);
	if (!ok) {
		json_object_put(*out);
		*out = NULL;
	}
	return ok;
}

int settings_parse(const char *spec)
{
	const char *slash = spec ? strchr(spec, '/') : NULL, *colon;
	struct json_object *value;
	char *api, *key;
	int rc;

	colon = slash ? strchr(slash, ':') : NULL;
	if (!colon || colon == slash + 1)
		return -EINVAL;
	if (!parse_json(colon + 1, &value)) {
		/* not JSON: the text itself */
		value = json_object_new_string(colon + 1);
		if (!value)
			return -ENOMEM;
	}
	api = strndup(spec, (size_t)(slash - spec));
	key = strndup(slash + 1, (size_t)(colon - slash - 1));
	rc = api && key ? settings_set(api, key, value) : (json_object_put(value), -ENOMEM);
	free(api);
	free(key);
	return rc;
}

int settings_merge(struct json_object *object)
{
	int rc;

	if (!json_object_is_type(object, json_type_object))
		return -EINVAL;
	json_object_object_foreach(object, api, keys) {
		if (!json_object_is_type(keys, json_type_object) || strchr(api, '/'))
			return -EINVAL;
	}
	json_object_object_foreach(object, api2, keys2) {
		json_object_object_foreach(keys2, key, value) {
			rc = settings_set(api2, key, json_object_get(value));
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

/* Copies every key of 'from' into 'to' (deep copies). 0 or -ENOMEM. */
static int copy_keys(struct json_object *to, struct json_object *from)
{
	struct json_object *copy;

	if (!from)
		return 0;
	json_object_object_foreach(from, key, value) {
		copy = NULL;
		if (value && json_object_deep_copy(value, &copy, NULL) < 0)
			return -ENOMEM;
		if (json_object_object_add(to, key, copy) < 0) {
			json_object_put(copy);
			return -ENOMEM;
		}
	}
	return 0;
}

struct json_object *settings_for_api(const char *api)
{
	struct json_object *result = json_object_new_object();
	int rc;

	if (!result)
		return NULL;
	pthread_mutex_lock(&lock);
	rc = copy_keys(result, find("*"));
	if (rc >= 0 && api && strcmp(api, "*"))
		rc = copy_keys(result, find(api));
	pthread_mutex_unlock(&lock);
	if (rc < 0) {
		json_object_put(result);
		return NULL;
	}
	return result;
}

struct json_object *settings_dump(void)
{
	struct json_object *copy = NULL;

	pthread_mutex_lock(&lock);
	if (!store)
		copy = json_object_new_object();
	else if (json_object_deep_copy(store, &copy, NULL) < 0)
		copy = NULL;
	pthread_mutex_unlock(&lock);
	return copy;
}

void settings_clear(void)
{
	pthread_mutex_lock(&lock);
	json_object_put(store);
	store = NULL;
	pthread_mutex_unlock(&lock);
}
