/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JSON texts carried by the bridge (args_json, response_json, data_json).
 */
#pragma once

#define DBUS_JSON_MAX_DEPTH 32

/* How texts are written: compact, '/' not escaped. */
#define DBUS_JSON_TEXT (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

struct json_object;

/*
 * Parses the whole of 'text': one JSON value, spaces around allowed; ""
 * gives NULL (no arguments). Returns 0, -EINVAL (not JSON), -E2BIG
 * (nested deeper than DBUS_JSON_MAX_DEPTH) or -ENOMEM.
 */
int dbus_json_parse(const char *text, struct json_object **out);

/*
 * The text of 'obj' (NULL: "null"), malloc'ed, that sd-bus sends
 * (dbus_text_json of dbus-text.h: a binding's bad string is repaired,
 * noncharacters are escaped). NULL without memory.
 */
char *dbus_json_text(struct json_object *obj);
