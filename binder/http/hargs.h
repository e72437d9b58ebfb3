/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Building the json args object of an HTTP api call: query string,
 * urlencoded forms and JSON bodies (multipart forms are in hbody.c).
 * The rules are documented in docs/http.md ("Arguments").
 */
#pragma once

#include <stddef.h>

struct json_object;
struct MHD_Connection;

/*
 * Adds 'value' (consumed; may be NULL for JSON null) under 'key' in 'args'.
 * A key seen again turns into an array of its values in arrival order.
 * Returns 0 or -ENOMEM.
 */
int hargs_add(struct json_object *args, const char *key, struct json_object *value);

/*
 * Adds the query arguments of 'con' (strings; no '=' gives null). 0,
 * -ENOMEM, or -EILSEQ when a name or a value is not valid UTF-8.
 */
int hargs_add_query(struct json_object *args, struct MHD_Connection *con);

/*
 * Adds the fields of an application/x-www-form-urlencoded body. 'body' is
 * decoded in place: 'len' bytes plus one spare byte at body[len].
 * 0, -ENOMEM, or -EILSEQ when a decoded name or value is not UTF-8.
 */
int hargs_add_urlencoded(struct json_object *args, char *body, size_t len);

/*
 * Adds a JSON body ('len' bytes, body[len] must be NUL): key "" gets the
 * raw text and, when the body is an
 * object, its members are set into 'args' (replacing same-named keys).
 * On a parse error returns -EINVAL and, when 'reason' is not NULL, sets
 * *reason to a static description; -EILSEQ when the text is not UTF-8.
 */
int hargs_add_json_body(struct json_object *args, const char *body, size_t len, const char **reason);

/*
 * The first string value of 'key' in 'args' (looking into a repeat array),
 * or NULL. Borrowed from 'args'.
 */
const char *hargs_string(struct json_object *args, const char *key);
