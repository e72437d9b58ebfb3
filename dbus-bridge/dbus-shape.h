/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shapes: how one JSON value (the arguments of a verb, its response, the
 * data of an event) is laid out as the arguments of a D-Bus message,
 * with the typed mapping of dbus-typed.h.
 *
 *  - VALUE: one argument of 'type' holds the whole value. The generic
 *    shapes are VALUE "a{sv}" (arguments) and "v" (responses, event data).
 *  - FIELDS (from an object schema, dbus-schema.h): one argument per
 *    required member, in the order of the schema, of the member's type;
 *    then, when 'rest' is set, one a{sv} of the other members (optional
 *    ones, and undeclared ones when 'open'). Read, the arguments make one
 *    object. Written, the value must be an object holding the required
 *    members with their types; undeclared members are dropped unless
 *    'open' (the precise interface carries what the schema declares).
 *
 * A shape is immutable once made; any thread may use it.
 */
#pragma once

#include <stddef.h>
#include <systemd/sd-bus.h>

struct json_object;

enum dbus_shape_kind {
	DBUS_SHAPE_VALUE,
	DBUS_SHAPE_FIELDS,
};

struct dbus_field {
	char *key;		/* the member of the JSON object */
	char *type;		/* its D-Bus type (a single complete type) */
	int required;		/* positional argument; else in the rest */
};

struct dbus_shape {
	enum dbus_shape_kind kind;
	char *type;		/* VALUE: the type of the argument */
	int nfields;		/* FIELDS: the declared members, in order */
	struct dbus_field *fields;
	int rest;		/* FIELDS: a trailing a{sv} of the other members */
	int open;		/* FIELDS: undeclared members go in the rest too */
	char *signature;	/* of the arguments */
	char *names;		/* their names, each followed by a NUL, then an empty one (as sd-bus wants) */
	size_t names_len;	/* bytes of the names and their NULs, without the ending empty name */
};

/* The generic shapes: "a{sv} args" and "v response". */
extern const struct dbus_shape dbus_shape_args;
extern const struct dbus_shape dbus_shape_response;

/* Frees what 'shape' holds (not 'shape' itself). */
void dbus_shape_clear(struct dbus_shape *shape);

/*
 * Reads the arguments of 'm' laid out as 'shape' into *value (NULL: null).
 * 'budget' as for dbus_typed_read. Returns 0, -EEXIST (a member given
 * twice: as an argument and in the rest), or the errors of dbus_typed_read.
 */
int dbus_shape_read(const struct dbus_shape *shape, sd_bus_message *m, struct json_object **value,
		    size_t *budget);

/*
 * Appends 'value' (borrowed) laid out as 'shape'. Returns 0, -EPROTOTYPE
 * (the value does not fit: not an object, a required member missing or of
 * another type), or the errors of dbus_typed_append.
 */
int dbus_shape_append(const struct dbus_shape *shape, sd_bus_message *m, struct json_object *value);
