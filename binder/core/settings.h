/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-api settings: the values of `--set API/KEY:VALUE` (and of the "set"
 * key of a --config file), kept in one store for the bindings to read
 * (binding API v3 afb_api_settings).
 *
 * The api "*" holds the settings every api gets; an api's own settings
 * win over them. Api names are compared ignoring case, as everywhere.
 *
 * Threading: filled by main before any binding is loaded, read-only
 * afterwards; the readers take a lock anyway, so a late writer is safe.
 */
#pragma once

struct json_object;

/*
 * Sets KEY of API to 'value' (consumed, may be NULL for JSON null).
 * 'api' "*" (or empty) means every api. Returns 0, -EINVAL (empty key or
 * api name with '/'), or -ENOMEM.
 */
int settings_set(const char *api, const char *key, struct json_object *value);

/*
 * Parses and sets "API/KEY:VALUE": VALUE is JSON when it parses as JSON,
 * else it is taken as a string ("API/KEY:text" sets "text"). An empty API
 * ("/KEY:VALUE") is "*". Returns 0, -EINVAL (malformed) or -ENOMEM.
 */
int settings_parse(const char *spec);

/*
 * Sets every key of every api of 'object' ({"API": {"KEY": VALUE}}, not
 * consumed). Returns 0, -EINVAL (not of that shape) or -ENOMEM.
 */
int settings_merge(struct json_object *object);

/*
 * The settings of 'api': a new object (the caller owns it), a deep copy
 * of the "*" settings merged with the api's own. {} when there are none;
 * NULL only when out of memory.
 */
struct json_object *settings_for_api(const char *api);

/*
 * Everything set, as {"API": {"KEY": VALUE}} (a new object, the caller
 * owns it; NULL when out of memory). For --dump-config.
 */
struct json_object *settings_dump(void);

/* Forgets everything (end of main, tests). */
void settings_clear(void);
