/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The typed mapping: JSON values (json-c) as real D-Bus values, and back.
 * The contract is docs/dbus.md, "The typed mapping".
 *
 * JSON -> D-Bus, generic (the type "v": any value, exact round trip):
 *   object   a{sv}     members in order
 *   array    av
 *   string   s         ay of its UTF-8 bytes when it holds a U+0000 or a
 *                      noncharacter (sd-bus strings can't, dbus-text.h);
 *                      invalid UTF-8 (a faulty binding) is repaired
 *                      (U+FFFD), as on every output of the daemon
 *   integer  x         t above INT64_MAX (json-c keeps such integers)
 *   real     d         also when integral (2.0 stays a real); -0.0 kept
 *   boolean  b
 *   null     o "/"     the D-Bus convention for "no object"
 *
 * JSON -> D-Bus, directed by a type of a precise signature (dbus-schema.h):
 *   s: a string without U+0000 (noncharacters become U+FFFD); x i n y q u t: an integer, or a real with
 *   no fractional part, within the type's range; d: any number; b: a
 *   boolean; aT: an array, each element as T; a{sT}: an object, each
 *   member as T; v: generic. Anything else does not match.
 *
 * D-Bus -> JSON (what any client may send):
 *   y n q i u x t -> integer; d -> real (NaN and infinities refused);
 *   b -> boolean; s g -> string; o -> string, but "/" -> null;
 *   ay -> string of its bytes (refused unless UTF-8; U+0000 allowed);
 *   a{KV} -> object (keys: strings, or the text of other basic keys; the
 *   last of duplicated keys wins; keys sent with noncharacters replaced); other arrays and structs -> array;
 *   v -> its content; h (file descriptors) refused.
 *
 * Limits: D-Bus nests at most 64 containers (arrays, structs, dict
 * entries and variants together): a JSON object costs 3 (a, {}, v), an
 * array 2 (a, v). JSON read from D-Bus nests at most DBUS_JSON_MAX_DEPTH.
 *
 * Functions return 0 or a negative errno; the message is left in an
 * undefined position on error (discard it). Any thread, one message each.
 */
#pragma once

#include <stddef.h>
#include <systemd/sd-bus.h>

struct json_object;

#define DBUS_TYPED_MAX_NESTING 64	/* containers, D-Bus specification */

/*
 * Appends 'value' (borrowed; NULL is null) as one value of the single
 * complete type at the start of 'type' ("v": generic). 'depth' counts the
 * containers already open around it. Returns 0, -EPROTOTYPE (the value
 * does not match the type), -ERANGE (an integer out of the type's range),
 * -E2BIG (deeper than DBUS_TYPED_MAX_NESTING), -ENOMEM, or an sd-bus error.
 */
int dbus_typed_append(sd_bus_message *m, const char *type, struct json_object *value, int depth);

/*
 * Reads the next complete value of 'm' (any type) into *value (NULL for
 * null). '*budget' is decreased by the size of what is read (8 bytes a
 * value plus the bytes of the strings): more than it gives -EMSGSIZE.
 * Returns 0, -EDOM (NaN or infinity), -EILSEQ (ay not UTF-8), -ENOTSUP (a
 * file descriptor), -E2BIG (nested deeper than DBUS_JSON_MAX_DEPTH),
 * -EMSGSIZE, -ENOMEM, or an sd-bus error.
 */
int dbus_typed_read(sd_bus_message *m, struct json_object **value, size_t *budget);

/* A sentence for the errors above ("NaN and infinities have no JSON value"...). */
const char *dbus_typed_error_text(int rc);

/* Length of the single complete type at the start of 'sig', 0 when there is none. */
size_t dbus_typed_type_len(const char *sig);
